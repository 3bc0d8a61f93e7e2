// Action plans: my island's WHAT / HOW / WHO / FIRST STEP / BY WHEN.
//
// Each field is saved against the version it was started from. Never a
// silent overwrite, never lost text (as in the terminal app):
// * a newer version from someone else does not replace a field I have
//   changed (the field says "changed by …" instead); an unchanged field
//   follows along;
// * a save the server finds stale (stale_version) opens the merge: both
//   texts, a result that starts as both together, saved against the newer
//   version.

import { t } from "../i18n.js";
import { fill, h, setText } from "../dom.js";
import { activeIslands, islandMembers } from "../queries.js";
import { names, person, sameText } from "../text.js";
import { PLAN_FIELDS, dialog, frame, planList } from "./common.js";

/** Their text with mine after it (mine left out if they already have it). */
export function both(theirs, mine) {
  theirs = theirs.replace(/\s+$/, "");
  mine = mine.trim();
  if (!theirs) return mine;
  if (!mine || theirs.includes(mine)) return theirs;
  return `${theirs}\n${mine}`;
}

class FieldEditor {
  constructor(ctx, field) {
    this.ctx = ctx;
    this.field = field;
    this.island = null;
    this.loadedText = "";
    this.baseVersion = 0;
    this.newer = null;
    this.current = { text: "", version: 0, by: null };
    const id = `plan-${field}`;
    this.area = h("textarea", { id, rows: 3, maxlength: 2000, "aria-describedby": `${id}-status` });
    this.status = h("p", { class: "field-status", id: `${id}-status` });
    this.saveButton = h("button", { type: "button", text: t("participant.keys.save_plan"), "aria-label": t("web.plans.save_field", { field: t(`plan.${field}`) }) });
    this.saveButton.addEventListener("click", () => {
      if (!this.save()) ctx.notice(t("participant.plans.nothing_to_save"));
    });
    this.area.addEventListener("input", () => this.showStatus());
    this.el = h("div", { class: "plan-field" }, h("label", { for: id, text: t(`plan.${field}`) }), this.area, this.status, this.saveButton);
  }

  get dirty() {
    return !sameText(this.area.value, this.loadedText);
  }

  /** Follow the server's version without clobbering my unsaved text. */
  sync(state, island) {
    this.state = state;
    const current = (state.plans[island] || {})[this.field] || { text: "", version: 0, by: null };
    this.current = current;
    if (island !== this.island) {
      this.island = island;
      this.load(current);
    } else if (current.version !== this.baseVersion) {
      if (sameText(this.area.value, current.text) || !this.dirty) {
        this.load(current); // my own save came back, or I had not changed it
      } else if (!this.newer || this.newer.version !== current.version) {
        this.newer = current;
        this.ctx.announce(t("web.plans.changed", { field: t(`plan.${this.field}`), who: this.byName(current.by) }));
      }
    }
    this.showStatus();
  }

  load(current) {
    this.loadedText = current.text;
    this.baseVersion = current.version;
    this.newer = null;
    if (!sameText(this.area.value, current.text)) this.area.value = current.text;
  }

  byName(by) {
    return by ? person(this.state, by) : t("participant.plans.someone");
  }

  showStatus() {
    const current = this.current;
    let text;
    if (this.newer) text = t("web.plans.changed_by", { who: this.byName(this.newer.by) });
    else if (this.dirty) text = t("participant.plans.unsaved");
    else if (current.version === 0) text = t("participant.plans.empty");
    else if (current.by) text = t("participant.plans.saved_by", { version: current.version, who: person(this.state, current.by) });
    else text = t("participant.plans.saved", { version: current.version });
    setText(this.status, text);
    this.el.classList.toggle("conflict", Boolean(this.newer));
    this.el.classList.toggle("dirty", this.dirty && !this.newer);
  }

  /** Send my text against the version I started from (if changed). */
  save() {
    if (this.island == null || !this.dirty) return false;
    const command = { type: "edit_plan", island: this.island, field: this.field, text: this.area.value, base_version: this.baseVersion };
    this.ctx.send(command, ["stale_version"]).then((outcome) => {
      if (!outcome.ok && outcome.code === "stale_version" && command.island === this.island) this.merge(command.text, outcome.details);
    });
    return true;
  }

  merge(mine, details) {
    const theirs = String(details.text || "");
    const version = Number(details.version || 0);
    const label = t(`plan.${this.field}`);
    const result = h("textarea", { id: "merge-result", rows: 6, maxlength: 2000 });
    result.value = both(theirs, mine);
    const use = (text) => () => {
      result.value = text;
      result.focus();
    };
    const buttons = [
      h("button", { type: "button", text: t("participant.merge.take_theirs"), on: { click: use(theirs) } }),
      h("button", { type: "button", text: t("participant.merge.keep_mine"), on: { click: use(mine) } }),
      h("button", { type: "button", text: t("participant.merge.both"), on: { click: use(both(theirs, mine)) } }),
    ];
    const cancel = h("button", { type: "button", text: t("participant.modal.cancel") });
    const save = h("button", { type: "button", class: "primary", text: t("participant.merge.save") });
    const body = h("div", { class: "merge" },
      h("p", { text: details.by ? t("participant.merge.by", { who: this.byName(details.by) }) : t("participant.merge.someone") }),
      h("h3", { text: t("participant.merge.theirs", { version }) }),
      h("p", { class: "quote theirs", text: theirs || "–" }),
      h("label", { for: "merge-result", text: t("participant.merge.result") }),
      result,
      h("div", { class: "buttons" }, buttons));
    const box = dialog(t("participant.merge.title", { field: label }), body, [cancel, save]);
    box.classList.add("merge-dialog");
    // Closed without saving: my text stays in the field, unsaved; nothing is lost.
    cancel.addEventListener("click", () => box.close());
    save.addEventListener("click", () => {
      box.close();
      this.loadedText = theirs;
      this.baseVersion = version;
      this.newer = null;
      this.area.value = result.value;
      if (!this.save()) this.showStatus();
    });
    result.focus();
  }
}

export default function plans(ctx) {
  const info = h("div", { class: "island-info" });
  const editors = PLAN_FIELDS.map((field) => new FieldEditor(ctx, field));
  const saveAll = h("button", { type: "button", class: "primary", text: t("web.plans.save_all") });
  const own = h("section", { class: "block own-plan", "aria-labelledby": "own-title" },
    h("h2", { id: "own-title", text: t("participant.plans.own_tab") }), info,
    h("form", { class: "plan-form" }, editors.map((e) => e.el), saveAll));
  const others = h("div");
  const othersBlock = h("section", { class: "block", "aria-labelledby": "others-title" },
    h("h2", { id: "others-title", text: t("participant.plans.others_tab") }), others);
  const { el, heading } = frame(ctx.state, own, othersBlock);
  own.querySelector("form").addEventListener("submit", (event) => event.preventDefault());
  const saveEverything = () => {
    const saved = editors.filter((e) => e.save());
    if (!saved.length) ctx.notice(t("participant.plans.nothing_to_save"));
  };
  saveAll.addEventListener("click", saveEverything);
  el.addEventListener("keydown", (event) => {
    if (event.key === "s" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      saveEverything();
    }
  });
  let shownIsland;
  return {
    el,
    focus: () => (editors[0].el.isConnected && !own.hidden && !editors[0].el.hidden ? editors[0].area.focus() : heading.focus()),
    update(state, me) {
      const island = state.island_of[me];
      const mine = island in state.islands && !state.islands[island].removed;
      for (const editor of editors) editor.el.hidden = !mine;
      saveAll.hidden = !mine;
      if (mine) {
        fill(info,
          h("p", {}, h("strong", { text: `${t("participant.plans.island")} ` }), state.islands[island].title),
          h("p", {}, h("strong", { text: `${t("participant.islands.people")} ` }), names(state, islandMembers(state, island))),
          h("p", { class: "hint", text: t("web.plans.help") }));
        for (const editor of editors) editor.sync(state, island);
      } else {
        fill(info, h("p", { class: "empty-list", text: t("participant.plans.no_island") }));
      }
      if (shownIsland !== undefined && shownIsland !== island && mine) editors[0].area.focus();
      shownIsland = island;
      const rest = activeIslands(state).filter((i) => i.id !== island);
      fill(others, rest.length
        ? rest.map((other) => h("article", { class: "other-plan" },
          h("h3", { text: other.title }),
          h("p", { class: "people", text: names(state, islandMembers(state, other.id)) }),
          planList(state, other.id)))
        : h("p", { class: "empty-list", text: t("participant.plans.no_others") }));
    },
  };
}
