// Islands: choose one by desire and engagement; names are shown.

import { t } from "../i18n.js";
import { fill, h, keyed, setText } from "../dom.js";
import { activeIslands, islandMembers, islandSizes, rankedList } from "../queries.js";
import { listName, names, unitLabel } from "../text.js";
import { frame } from "./common.js";

/** "Bunnliste #2: Tema …" for each item an island links. */
export function linkLines(state, island) {
  return island.links.filter((l) => state.boards[l.board]).map((link) => {
    const found = rankedList(state, link.board).find((r) => r.unit === link.unit);
    return `${listName(state, link.board)}${found ? ` #${found.rank}` : ""}: ${unitLabel(state, link.unit)}`;
  });
}

export default function islands(ctx) {
  const help = h("p");
  const mine = h("p", { class: "mine", role: "status" });
  // The phase cannot end while an island is this small: the person it
  // concerns is told on their own screen, not only the facilitator.
  const alone = h("p", { class: "alone warning", role: "alert", id: "island-alone" });
  const leave = h("button", { type: "button", text: t("participant.keys.leave_island") });
  const list = h("ul", { class: "islands", "aria-label": t("web.islands.list") });
  const emptyList = h("p", { class: "empty-list", text: t("participant.islands.empty") });
  const { el, heading } = frame(ctx.state, help, mine, alone, leave, emptyList, list);
  leave.addEventListener("click", () => ctx.send({ type: "choose_island", island: null }));
  return {
    el,
    focus: () => heading.focus(),
    update(state, me) {
      const rules = state.rules;
      setText(help, t("participant.islands.help", { low: rules.island_min, high: rules.island_max }));
      const my = state.island_of[me];
      setText(mine, my in state.islands ? `${t("participant.islands.yours")} ${state.islands[my].title}` : t("participant.islands.none"));
      leave.hidden = !(my in state.islands);
      const sizes = islandSizes(state);
      const needed = Math.max(rules.island_min, 2);
      const size = sizes[my] || 0;
      const few = my in state.islands && size < needed;
      alone.hidden = !few;
      setText(alone, few ? t(size <= 1 ? "participant.islands.alone" : "participant.islands.too_few", { n: size, min: needed }) : "");
      const shown = activeIslands(state);
      emptyList.hidden = shown.length > 0;
      keyed(list, shown, (i) => i.id, (island) => {
        const choose = h("button", { type: "button", class: "primary" });
        choose.addEventListener("click", () => {
          if (ctx.state.island_of[ctx.me] !== island.id) ctx.send({ type: "choose_island", island: island.id });
        });
        return h("li", { class: "island" }, h("div", { class: "island-text" }), choose);
      }, (li, island) => {
        const size = sizes[island.id] || 0;
        const full = size >= rules.island_max;
        const isMine = island.id === my;
        li.classList.toggle("mine", isMine);
        fill(li.firstChild,
          h("h2", {}, island.title),
          h("p", { class: "size" },
            t("participant.islands.size", { n: size, max: rules.island_max }),
            full ? h("span", { class: "tag", text: t("participant.islands.full") }) : null,
            isMine ? h("span", { class: "tag mine-tag", text: t("participant.islands.yours_tag") }) : null),
          h("ul", { class: "links" }, linkLines(state, island).map((line) => h("li", { text: line }))),
          h("p", { class: "people" }, h("strong", { text: `${t("participant.islands.people")} ` }), names(state, islandMembers(state, island.id))));
        const choose = li.lastChild;
        setText(choose, isMine ? t("participant.islands.yours_tag") : t("participant.keys.choose_island"));
        choose.setAttribute("aria-label", isMine ? t("web.islands.yours", { title: island.title }) : t("web.islands.choose", { title: island.title }));
        choose.setAttribute("aria-pressed", isMine ? "true" : "false");
        choose.setAttribute("aria-disabled", isMine || full ? "true" : "false");
      });
    },
  };
}
