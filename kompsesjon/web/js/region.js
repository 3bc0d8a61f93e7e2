// The region (county) of a participant, where the session forms groups by
// region (the county gathering: «Dere starter opp fylkesvis»). Asked once
// right after joining, as the terminal app does; the footer's button asks
// again.

import { limit, t } from "./i18n.js";
import { h, setText } from "./dom.js";
import { needsRegion } from "./queries.js";
import { dialog } from "./views/common.js";

/** The footer's "Fylke: Nordland" button, shown where regions matter. */
export function regionButton(button, state, me, open) {
  const shown = Boolean(me && state.participants[me] && needsRegion(state));
  button.hidden = !shown;
  if (!shown) return;
  const region = state.participants[me].region;
  setText(button, region ? t("web.region.current", { region }) : t("web.region.choose"));
  button.onclick = open;
}

/** Ask which region I belong to (with ``once``: only if it is needed and not given yet). */
export function askRegion(ctx, { once = false } = {}) {
  const state = ctx.state;
  const me = ctx.me;
  const person = state.participants[me];
  if (!person || !needsRegion(state)) return;
  if (once && person.region) return;
  if (document.querySelector("dialog[open]")) return; // one question at a time
  const offered = state.regions || [];
  let field;
  if (offered.length) {
    field = h("select", { id: "region-input", name: "region" },
      h("option", { value: "", text: t("web.region.pick") }),
      offered.map((region) => h("option", { value: region, text: region })));
    field.value = offered.includes(person.region) ? person.region : "";
  } else {
    field = h("input", { id: "region-input", name: "region", type: "text", maxlength: limit("region"), autocomplete: "off", value: person.region });
  }
  const hint = h("p", { class: "hint", id: "region-hint", text: t("web.region.hint") });
  field.setAttribute("aria-describedby", "region-hint");
  const later = h("button", { type: "button", text: t("web.region.later") });
  const save = h("button", { type: "button", class: "primary", text: t("participant.modal.save") });
  const body = h("div", {}, h("label", { for: "region-input", text: t("participant.keys.region") }), hint, field);
  const box = dialog(t("participant.region.title"), body, [later, save]);
  later.addEventListener("click", () => box.close());
  save.addEventListener("click", () => {
    const region = field.value.trim();
    box.close();
    if (region && region !== person.region) ctx.send({ type: "set_region", region });
  });
  field.focus();
}
