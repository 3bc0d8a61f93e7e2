// Intro: the shared question, the agenda, and one's check-in hopes.

import { limit, t } from "../i18n.js";
import { fill, h, keyed, setText } from "../dom.js";
import { myNote } from "../queries.js";
import { person, phaseTitle } from "../text.js";
import { frame, section, textForm } from "./common.js";

export function agendaList(state) {
  return h("ol", { class: "agenda" },
    state.agenda.map((phase, n) => {
      const where = n === state.phase ? "now" : n < state.phase ? "done" : "later";
      const minutes = phase.minutes ? t("participant.intro.minutes", { n: phase.minutes }) : "";
      return h("li", { class: where, "aria-current": n === state.phase ? "step" : null },
        h("span", { class: "phase-name", text: phaseTitle(state, n) }),
        minutes ? h("span", { class: "minutes", text: ` ${minutes}` }) : null,
        n === state.phase ? h("span", { class: "tag", text: t("web.now") }) : null);
    }));
}

export default function intro(ctx) {
  const question = h("p", { class: "question" });
  const { form } = textForm({
    id: "checkin-input", label: t("participant.intro.checkin_label"), multiline: true, max: limit("note"),
    button: t("web.send"), hint: t("web.ctrl_enter"),
    onSend: (text) => ctx.send({ type: "check_in", text }),
  });
  const mine = h("p", { class: "mine", role: "status" });
  const roomTitle = h("h2", { id: "room-title" });
  const room = h("ul", { class: "notes", "aria-labelledby": "room-title" });
  const agenda = h("div");
  const { el, heading } = frame(ctx.state,
    section(t("participant.intro.question"), question),
    h("section", { class: "block" }, form, mine),
    h("section", { class: "block", "aria-labelledby": "room-title" }, roomTitle, room),
    section(t("participant.intro.agenda"), agenda));
  return {
    el,
    focus: () => heading.focus(),
    update(state, me) {
      setText(question, state.question || t("participant.intro.no_question"));
      const note = myNote(state.check_ins, me);
      setText(mine, note ? `${t("participant.intro.mine")} ${note}` : t("participant.intro.none_yet"));
      const others = Object.values(state.check_ins).filter((n) => n.author == null || n.author !== me);
      setText(roomTitle, t("participant.intro.room", { n: others.length }));
      keyed(room, others, (n) => n.id, () => h("li"), (li, n) => {
        fill(li, n.author != null ? h("strong", { text: `${person(state, n.author)}: ` }) : null, n.text);
      });
      fill(agenda, agendaList(state));
    },
  };
}
