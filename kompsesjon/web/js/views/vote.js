// Vote: spend my dots with + and −, done or abstain; budget and cap in view.
//
// Only my own dots are in the mirror: other people's dots and the tally are
// never shown here (the ranking phase shows the result once revealed). The
// + and − buttons stay focusable when they cannot be used (aria-disabled),
// so a keyboard user keeps their place and hears why.

import { t } from "../i18n.js";
import { h, keyed, setText } from "../dom.js";
import { dotsByUnit, dotsLeft, liveUnits, members, statusOf } from "../queries.js";
import { boardName, unitLabel } from "../text.js";
import { cardsCount, dotsText, frame } from "./common.js";

export default function vote(ctx) {
  const board = ctx.state.agenda[ctx.state.phase].board;
  const help = h("p");
  const status = h("p", { class: "vote-status", role: "status" });
  const left = h("span", { class: "dots-line" });
  const mark = h("span", { class: "mark" });
  status.append(left, " · ", mark);
  const done = h("button", { type: "button", class: "primary" });
  const abstain = h("button", { type: "button", text: t("participant.keys.abstain") });
  const list = h("ul", { class: "units", "aria-label": t("web.vote.units") });
  const emptyList = h("p", { class: "empty-list", text: t("participant.vote.empty") });
  const { el, heading } = frame(ctx.state, help, status, emptyList, list, h("div", { class: "buttons" }, done, abstain));
  let view = { closed: false, left: 0, cap: 1, mine: {} };

  done.addEventListener("click", () => {
    if (view.closed) return ctx.notice(t("participant.vote.closed"), "error");
    ctx.send({ type: "mark_done", board, done: statusOf(ctx.state, board, ctx.me) !== "done" });
  });
  abstain.addEventListener("click", () => {
    if (view.closed) return ctx.notice(t("participant.vote.closed"), "error");
    ctx.send({ type: "abstain", board });
  });

  function dot(unit, change) {
    if (view.closed) return ctx.notice(t("participant.vote.closed"), "error");
    const n = view.mine[unit] || 0;
    if (change > 0 && n >= view.cap) return ctx.notice(t("reject.dot_cap_exceeded", { cap: view.cap }), "error");
    if (change > 0 && view.left <= 0) return ctx.notice(t("reject.dot_budget_exceeded", { budget: ctx.state.rules.dot_budget }), "error");
    if (change < 0 && n <= 0) return undefined;
    return ctx.send({ type: change > 0 ? "place_dot" : "remove_dot", board, card: unit });
  }

  return {
    el,
    focus: () => heading.focus(),
    update(state, me) {
      const rules = state.rules;
      const closed = state.boards[board].vote.closed;
      const mine = me ? dotsByUnit(state, board, me) : {};
      const dotsLeftNow = me ? dotsLeft(state, board, me) : 0;
      view = { closed, left: dotsLeftNow, cap: rules.dot_cap, mine };
      setText(help, t("web.vote.help", { board: boardName(state, board), budget: rules.dot_budget, cap: rules.dot_cap }));
      setText(left, dotsText(dotsLeftNow, rules.dot_budget));
      setText(mark, closed ? t("participant.vote.closed") : t(`participant.vote.status_${me ? statusOf(state, board, me) : "not_voted"}`));
      el.classList.toggle("closed", closed);
      const isDone = me && statusOf(state, board, me) === "done";
      setText(done, isDone ? t("web.vote.not_done") : t("participant.keys.done"));
      done.setAttribute("aria-pressed", isDone ? "true" : "false");
      for (const button of [done, abstain]) button.setAttribute("aria-disabled", closed ? "true" : "false");
      const units = liveUnits(state, board);
      emptyList.hidden = units.length > 0;
      keyed(list, units, (u) => u, (unit) => {
        const title = h("span", { class: "unit-title" });
        const count = h("span", { class: "unit-dots" });
        const minus = h("button", { type: "button", class: "dot-button", text: "−", on: { click: () => dot(unit, -1) } });
        const plus = h("button", { type: "button", class: "dot-button", text: "+", on: { click: () => dot(unit, 1) } });
        return h("li", { class: "unit" }, h("div", { class: "unit-text" }, title, count), h("div", { class: "unit-buttons" }, minus, plus));
      }, (li, unit) => {
        const n = mine[unit] || 0;
        const label = unitLabel(state, unit);
        const [title, count] = li.firstChild.children;
        const [minus, plus] = li.lastChild.children;
        const inside = unit in state.themes ? ` (${cardsCount(members(state, unit).length)})` : "";
        setText(title, `${label}${inside}`);
        setText(count, `${"●".repeat(n)}${"·".repeat(Math.max(0, rules.dot_cap - n))} ${t("web.vote.count", { n, cap: rules.dot_cap })}`);
        li.classList.toggle("has-dots", n > 0);
        minus.setAttribute("aria-label", t("web.vote.remove", { unit: label }));
        plus.setAttribute("aria-label", t("web.vote.add", { unit: label }));
        minus.setAttribute("aria-disabled", closed || n === 0 ? "true" : "false");
        plus.setAttribute("aria-disabled", closed || n >= rules.dot_cap || dotsLeftNow <= 0 ? "true" : "false");
      });
    },
  };
}
