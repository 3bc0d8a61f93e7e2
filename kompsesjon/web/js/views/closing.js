// Closing: the island being presented, next steps, check-out and the evaluation.

import { limit, t } from "../i18n.js";
import { fill, h, setText } from "../dom.js";
import { islandMembers, myNote } from "../queries.js";
import { names } from "../text.js";
import { frame, planList, section, textForm } from "./common.js";
import { linkLines } from "./islands.js";

function stars(rating) {
  return "★".repeat(rating) + "☆".repeat(5 - rating);
}

function myEvaluation(state, me) {
  return Object.values(state.evaluations).find((e) => me != null && e.author === me) || null;
}

export default function closing(ctx) {
  const presenting = h("div", { "aria-live": "polite" });
  const steps = h("ul", { class: "steps" });
  const meeting = h("p");
  const hopes = h("p");
  const { form: checkout } = textForm({
    id: "checkout-input", label: t("participant.closing.checkout_label"), multiline: true, max: limit("note"),
    button: t("web.send"), hint: t("web.ctrl_enter"),
    onSend: (text) => ctx.send({ type: "check_out", text }),
  });
  const mine = h("p", { class: "mine", role: "status" });

  // The evaluation: anonymous to everyone but its writer.
  const ratings = [1, 2, 3, 4, 5].map((n) => h("input", { type: "radio", name: "rating", value: String(n), id: `rating-${n}` }));
  const differently = h("textarea", { id: "evaluation-text", rows: 3, maxlength: limit("note") });
  const evaluationShown = h("p", { class: "mine", role: "status" });
  const evaluation = h("form", { class: "evaluation" },
    h("fieldset", {},
      h("legend", { text: t("web.evaluation.rating") }),
      h("div", { class: "ratings" }, ratings.map((input, i) => h("span", { class: "rating" }, input,
        h("label", { for: input.id, text: t(`participant.evaluation.grade_${i + 1}`) }))))),
    h("label", { for: "evaluation-text", text: t("participant.evaluation.differently") }),
    differently,
    h("p", { class: "hint", text: t("web.evaluation.anonymous") }),
    h("button", { type: "submit", class: "primary", text: t("participant.keys.save_evaluation") }),
    evaluationShown);
  evaluation.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = ratings.find((r) => r.checked);
    const text = differently.value.trim();
    if (!chosen && !text) {
      ctx.notice(t("participant.evaluation.empty"), "error");
      return;
    }
    const command = { type: "evaluate", text };
    if (chosen) command.rating = Number(chosen.value);
    ctx.send(command);
  });
  const evaluationBlock = section(t("participant.evaluation.title"), evaluation);
  let filled = false; // the form starts from my earlier evaluation, once

  const { el, heading } = frame(ctx.state,
    section(t("participant.closing.presenting"), presenting),
    h("section", { class: "block" }, checkout, mine),
    evaluationBlock,
    section(t("participant.closing.my_hopes"), hopes),
    section(t("participant.closing.next_steps"), steps, meeting));
  return {
    el,
    focus: () => heading.focus(),
    update(state, me) {
      const island = state.islands[state.presenting];
      if (!island) {
        fill(presenting, h("p", { class: "empty-list", text: t("participant.closing.nobody_presenting") }));
      } else {
        fill(presenting,
          h("h3", { text: island.title }),
          h("p", { class: "people", text: names(state, islandMembers(state, island.id)) }),
          h("ul", { class: "links" }, linkLines(state, island).map((line) => h("li", { text: line }))),
          planList(state, island.id));
      }
      const live = Object.values(state.next_steps).filter((s) => !s.removed);
      fill(steps, live.length ? live.map((s) => h("li", { text: s.text })) : h("li", { class: "empty-list", text: t("participant.closing.no_steps") }));
      fill(meeting, h("strong", { text: `${t("participant.closing.next_meeting")} ` }), state.next_meeting || "–");
      setText(hopes, myNote(state.check_ins, me) || t("participant.closing.no_hopes"));
      const word = myNote(state.check_outs, me);
      setText(mine, word ? `${t("participant.closing.mine")} ${word}` : t("participant.closing.none_yet"));
      evaluationBlock.hidden = !state.rules.evaluation;
      const given = myEvaluation(state, me);
      if (given) {
        const rated = given.rating ? `${stars(given.rating)} (${t("web.evaluation.of_five", { n: given.rating })}) ` : "";
        setText(evaluationShown, `${t("participant.evaluation.mine")} ${rated}${given.text}`);
        if (!filled) {
          if (given.rating) ratings[given.rating - 1].checked = true;
          differently.value = given.text;
        }
      } else {
        setText(evaluationShown, "");
      }
      filled = true;
    },
  };
}
