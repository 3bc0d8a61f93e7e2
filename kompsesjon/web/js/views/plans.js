// Action plans: my island's WHAT / HOW / WHO / FIRST STEP / BY WHEN.
//
// Each field is a shared, versioned text (versioned.js): saved against the
// version it was started from, a stale save merged, never a silent
// overwrite, unsaved text kept across a reload (as in the terminal app).

import { t } from "../i18n.js";
import { fill, h } from "../dom.js";
import { activeIslands, islandMembers, peopleOf } from "../queries.js";
import { names } from "../text.js";
import { VersionedEditor, saveTogether } from "../versioned.js";
import { PLAN_FIELDS, frame, planList } from "./common.js";

function fieldEditor(ctx, field) {
  return new VersionedEditor(ctx, {
    id: `plan-${field}`,
    label: t(`plan.${field}`),
    read: (state, island) => (state.plans[island] || {})[field],
    command: (island, text, base) => ({ type: "edit_plan", island, field, text, base_version: base }),
    draftKey: (island) => ["plan", island, field],
  });
}

function personText(p) {
  return p.org ? `${p.name} (${p.org})` : p.name;
}

/** WHO names people of the session and its series: a list to choose from, and who is named. */
function ownersBlock(ctx) {
  const named = h("ul", { class: "owners" });
  const choice = h("select", { id: "owner-choice" });
  const add = h("button", { type: "button", text: t("web.plans.name_owner") });
  const el = h("div", { class: "plan-owners" },
    h("h3", { text: t("participant.plans.who_title") }), named,
    h("label", { for: "owner-choice", text: t("web.plans.owner_choice") }), choice, add);
  let island = null;
  let people = [];
  add.addEventListener("click", () => {
    const person = people[Number(choice.value)];
    if (island && person) ctx.send({ type: "name_owner", island, name: person.name, org: person.org });
  });
  return {
    el,
    update(state, mine) {
      island = mine;
      const owners = state.plan_owners[mine] || [];
      const isNamed = (p) => owners.some((o) => o.name === p.name && o.org === p.org);
      const next = peopleOf(state).filter((p) => !isNamed(p));
      if (JSON.stringify(next) !== JSON.stringify(people)) {
        // Only when the list changed: an open list is not pulled away while someone chooses.
        people = next;
        fill(choice, people.map((p, n) => h("option", { value: String(n), text: personText(p) })));
      }
      add.disabled = !people.length;
      fill(named, owners.length
        ? owners.map((p) => h("li", {}, personText(p), " ", h("button", {
          type: "button", text: t("web.plans.unname"), "aria-label": t("web.plans.unname_who", { who: personText(p) }),
          on: { click: () => ctx.send({ type: "unname_owner", island: mine, name: p.name, org: p.org }) },
        })))
        : h("li", { class: "empty-list", text: t("web.plans.nobody_named") }));
    },
  };
}

export default function plans(ctx) {
  const info = h("div", { class: "island-info" });
  const owners = ownersBlock(ctx);
  const editors = PLAN_FIELDS.map((field) => fieldEditor(ctx, field));
  const saveAll = h("button", { type: "button", class: "primary", text: t("web.plans.save_all") });
  const own = h("section", { class: "block own-plan", "aria-labelledby": "own-title" },
    h("h2", { id: "own-title", text: t("participant.plans.own_tab") }), info,
    h("form", { class: "plan-form" }, editors.map((e) => e.el), saveAll), owners.el);
  const others = h("div");
  const othersBlock = h("section", { class: "block", "aria-labelledby": "others-title" },
    h("h2", { id: "others-title", text: t("participant.plans.others_tab") }), others);
  const { el, heading } = frame(ctx.state, own, othersBlock);
  saveTogether(ctx, { el, form: own.querySelector("form"), button: saveAll, editors: () => editors });
  let shownIsland;
  return {
    el,
    focus: () => (editors[0].el.isConnected && !own.hidden && !editors[0].el.hidden ? editors[0].area.focus() : heading.focus()),
    update(state, me) {
      const island = state.island_of[me];
      const mine = island in state.islands && !state.islands[island].removed;
      for (const editor of editors) editor.el.hidden = !mine;
      saveAll.hidden = !mine;
      owners.el.hidden = !mine;
      if (mine) owners.update(state, island);
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
