// Ranking: the bottom list / top list after the reveal, cut at list_cut.

import { t, tn } from "../i18n.js";
import { fill, h, setText } from "../dom.js";
import { members, rankedList, ranking } from "../queries.js";
import { listName, unitLabel } from "../text.js";
import { frame } from "./common.js";

export function rankedItems(state, board) {
  return rankedList(state, board).map((entry) => {
    const inside = members(state, entry.unit);
    return h("li", { class: "ranked", value: entry.rank },
      h("span", { class: "rank", "aria-hidden": "true", text: `${entry.rank}.` }),
      h("div", { class: "ranked-text" },
        h("strong", { text: unitLabel(state, entry.unit) }),
        entry.unit in state.themes && inside.length ? h("p", { class: "members", text: inside.map((i) => i.text).join(" · ") }) : null,
        entry.tie_break ? h("p", { class: "tie", text: `(${t(`tie.${entry.tie_break}`)})` }) : null),
      h("span", { class: "dots", text: tn("participant.ranking.dot_count", entry.dots, { voters: entry.voters }) }));
  });
}

export default function rankingView(ctx) {
  const board = ctx.state.agenda[ctx.state.phase].board;
  const title = h("h2", { id: "ranking-title" });
  const body = h("div", { role: "status" });
  const { el, heading } = frame(ctx.state, h("section", { class: "block", "aria-labelledby": "ranking-title" }, title, body));
  return {
    el,
    focus: () => heading.focus(),
    update(state) {
      const name = listName(state, board);
      if (state.boards[board].vote.revealed == null) {
        setText(title, name);
        fill(body, h("p", { class: "empty-list", text: t("participant.ranking.not_revealed") }));
        return;
      }
      const full = ranking(state, board).length;
      const shown = Math.min(full, state.rules.list_cut);
      setText(title, `${name} – ${t("participant.ranking.cut", { shown, total: full })}`);
      fill(body, shown ? h("ol", { class: "ranking" }, rankedItems(state, board)) : h("p", { class: "empty-list", text: t("participant.ranking.empty") }));
    },
  };
}
