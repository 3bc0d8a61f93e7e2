// Cluster: the wall as the facilitator groups it, read-only and live.

import { t, tn } from "../i18n.js";
import { fill, h, setText } from "../dom.js";
import { isMine, liveUnits, members } from "../queries.js";
import { boardName } from "../text.js";
import { cardsCount, frame } from "./common.js";

function card(state, me, item) {
  const tags = [];
  if (item.private) tags.push(t("participant.brainstorm.private"));
  else if (isMine(state, me, item)) tags.push(item.pair ? t("participant.brainstorm.ours") : t("participant.brainstorm.mine"));
  return h("li", { class: "card" },
    h("span", { class: "card-id", text: item.id }),
    h("span", { class: "card-text", text: item.text }),
    tags.map((tag) => h("span", { class: "tag", text: tag })));
}

export default function cluster(ctx) {
  const board = ctx.state.agenda[ctx.state.phase].board;
  const help = h("p");
  const counts = h("p", { class: "counts", role: "status" });
  const wall = h("ul", { class: "wall", "aria-label": t("web.cluster.wall") });
  const { el, heading } = frame(ctx.state, help, counts, wall);
  return {
    el,
    focus: () => heading.focus(),
    update(state, me) {
      const units = liveUnits(state, board);
      const themes = units.filter((u) => u in state.themes);
      setText(help, t("participant.cluster.help", { board: boardName(state, board) }));
      setText(counts, `${tn("participant.cluster.themes", themes.length)} · ${t("participant.cluster.units", { n: units.length })}`);
      if (!units.length) {
        fill(wall, h("li", { class: "empty-list", text: t("participant.cluster.empty") }));
        return;
      }
      fill(wall, units.map((unit) => {
        if (!(unit in state.themes)) return card(state, me, state.items[unit]);
        const inside = members(state, unit);
        return h("li", { class: "theme" },
          h("span", { class: "theme-title" }, h("span", { "aria-hidden": "true", text: "▣ " }), state.themes[unit].title),
          h("span", { class: "count", text: ` (${cardsCount(inside.length)})` }),
          h("ul", { class: "cards" }, inside.map((item) => card(state, me, item))));
      }));
    },
  };
}
