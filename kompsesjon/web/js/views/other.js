// Phases this page only follows (plenary, and any kind it has no view for).

import { t } from "../i18n.js";
import { h, setText } from "../dom.js";
import { frame, section } from "./common.js";

export default function other(ctx) {
  const prompt = h("p", { class: "prompt" });
  const question = h("p", { class: "question" });
  const questionBlock = section(t("participant.intro.question"), question);
  const { el, heading } = frame(ctx.state, prompt, questionBlock, h("p", { class: "follow", text: t("participant.other.follow") }));
  return {
    el,
    focus: () => heading.focus(),
    update(state) {
      const phase = state.agenda[state.phase];
      setText(prompt, phase.prompt || "");
      prompt.hidden = !phase.prompt;
      setText(question, state.question);
      questionBlock.hidden = !state.question;
    },
  };
}
