// Group rounds (kompsesjon/tui/participant/views/groups.py for the page).
//
// * group_work: my group (its name, the members and their organisations,
//   the rapporteur and the table host, buttons to take or give up those
//   roles), the round's questions with their sub-questions, and one shared
//   answer per question — and per sub-question where the template asks for
//   that — each a versioned text like an action-plan field (versioned.js);
// * report: the discussion is locked; the group that is reporting is shown
//   with its answers (mine while nobody reports);
// * follow_up: my organisation writes what it does at home before next time.
// Each shows the other groups (organisations) and what they wrote below.

import { t } from "../i18n.js";
import { fill, h, setText } from "../dom.js";
import {
  activeGroups, answerKeys, answerOf, followUpGroups, groupOf, orgGroup, questionSpecs, reportingPhases,
} from "../queries.js";
import { groupName, listName, organisationName, person, phaseTitle, who } from "../text.js";
import { VersionedEditor, saveTogether } from "../versioned.js";
import { empty, frame } from "./common.js";
import { rankedItems } from "./ranking.js";

// Sub-questions answered one by one: 1a, 1b …, as answer_number in
// kompsesjon/tui/text.py numbers them (SUB_LETTERS: kompsesjon/method/agenda.py).
const LETTERS = "abcdefghijklmnopqrst";

export function fieldLabel(question, sub) {
  return sub == null ? `${question + 1}` : `${question + 1}${LETTERS[sub]}`;
}

function keyId(key) {
  return `${key.question}-${key.sub == null ? "q" : key.sub}`;
}

/** The heading of what an answer answers: "1. The question" or "1a) The sub-question". */
function askedText(question, key) {
  return key.sub == null ? `${key.question + 1}. ${question.text}` : `${fieldLabel(key.question, key.sub)}) ${question.sub[key.sub]}`;
}

/** Sub-questions that guide the talk (not answered on their own). */
function guides(question) {
  return !question.answer_each_sub && question.sub.length
    ? h("ul", { class: "guides" }, question.sub.map((s) => h("li", { text: s })))
    : null;
}

/** A group's answers in a phase, read-only: each under what it answers. */
export function writtenAnswers(state, phase, group) {
  const questions = questionSpecs(state, phase);
  return h("dl", { class: "answers" }, answerKeys(state, phase, group).map((key) => {
    const found = answerOf(state, key);
    return [
      h("dt", { text: askedText(questions[key.question], key) }),
      found && found.text.trim() ? h("dd", { text: found.text }) : empty("dd"),
    ];
  }));
}

/** "Kari (Bodø), Ola (Fauske)", me in bold. */
function membersLine(state, people, me) {
  return h("p", { class: "people" }, people.map((pid, n) => [
    n ? ", " : null,
    pid === me ? h("strong", { text: who(state, pid) }) : who(state, pid),
  ]));
}

function rolesLine(state, group) {
  const name = (pid) => (pid == null ? "–" : person(state, pid));
  return h("p", { class: "roles" },
    `${t("participant.groups.rapporteur")}: `, h("strong", { text: name(group.rapporteur) }),
    ` · ${t("participant.groups.table_host")}: `, h("strong", { text: name(group.host) }));
}

/** A group's name (and its set's), its members, its roles. */
function groupHeading(state, group, me, id) {
  const spec = state.group_sets[group.set];
  return [
    h("h2", { id, class: "group-name" }, groupName(state, group),
      spec && spec.title ? h("span", { class: "set-title", text: ` · ${spec.title}` }) : null),
    membersLine(state, group.members, me),
    rolesLine(state, group),
  ];
}

/** The other groups of this round, each with its answers in ``phases``. */
function otherGroups(state, mine, phases) {
  const groups = activeGroups(state, state.agenda[state.phase].groups || "").filter((g) => g.id !== mine);
  return groups.map((group) => h("article", { class: "other-group" },
    h("h3", { text: groupName(state, group) }),
    membersLine(state, group.members, null),
    phases.map((phase) => [
      phases.length > 1 ? h("h4", { text: phaseTitle(state, phase) }) : null,
      writtenAnswers(state, phase, group.id),
    ])));
}

function answerEditor(ctx, key, describedBy) {
  return new VersionedEditor(ctx, {
    id: `answer-${keyId(key)}`,
    label: t("participant.groups.answer", { n: fieldLabel(key.question, key.sub) }),
    describedBy,
    read: (state, target) => answerOf(state, target),
    command: (target, text, base) => ({
      type: "edit_answer", phase: target.phase, question: target.question, sub: target.sub, group: target.group,
      text, base_version: base,
    }),
    draftKey: (target) => ["answer", target.phase, target.question, target.sub, target.group],
  });
}

const ROLE_BUTTONS = {
  rapporteur: ["web.groups.take_rapporteur", "web.groups.drop_rapporteur"],
  host: ["web.groups.take_host", "web.groups.drop_host"],
};

/** Take or give up a role in my group (the button stays, so focus does). */
function roleButton(ctx, role) {
  const el = h("button", { type: "button", hidden: true });
  let target = null;
  el.addEventListener("click", () => {
    if (!target) return;
    const me = ctx.me;
    ctx.send({ type: "set_group_role", group: target.id, role, participant: target[role] === me ? null : me });
  });
  return {
    el,
    update(group, me) {
      target = group;
      el.hidden = !group;
      if (group) setText(el, t(ROLE_BUTTONS[role][group[role] === me ? 1 : 0]));
    },
  };
}

/**
 * What the three views share: a prompt, ours (``info`` and, where we write,
 * the editors), the others' below.
 * ``how``: mine(state) → the group (or organisation) key whose answers I
 * write or read; info(state, mine) → elements; others(state, mine) →
 * elements; edits: answers are written in this phase; readOnly(state, mine).
 */
function roundView(ctx, how) {
  const prompt = h("p", { class: "prompt" });
  const info = h("div", { class: "round-info" });
  const listing = h("section", { class: "block", "aria-labelledby": "round-list-title" });
  const read = h("div", { class: "round-read" });
  const editorsBox = h("div", { class: "round-answers" });
  const saveAll = h("button", { type: "button", class: "primary", text: t("web.plans.save_all") });
  const form = h("form", { class: "answer-form" }, editorsBox, saveAll);
  const roles = (how.roles || []).map((role) => roleButton(ctx, role));
  const own = h("section", { class: "block own-round" }, info, h("div", { class: "buttons" }, roles.map((r) => r.el)), read, form);
  const others = h("div");
  const othersBlock = h("section", { class: "block", "aria-labelledby": "others-title" },
    h("h2", { id: "others-title", text: how.othersTitle }), others);
  const { el, heading } = frame(ctx.state, prompt, own, listing, othersBlock);
  let editors = [];
  let built = null; // what the editors were made for
  let announced;

  saveTogether(ctx, { el, form, button: saveAll, editors: () => editors });

  function build(state, mine) {
    const hadFocus = editorsBox.contains(document.activeElement);
    editors = [];
    const blocks = [];
    if (how.edits && mine != null) {
      const questions = questionSpecs(state, state.phase);
      for (const key of answerKeys(state, state.phase, mine)) {
        const question = questions[key.question];
        const headingId = `asked-${keyId(key)}`;
        const asked = key.sub == null
          ? [h("h3", { id: headingId, class: "asked", text: askedText(question, key) }), guides(question)]
          : [h("p", { id: headingId, class: "asked sub", text: askedText(question, key) })];
        const editor = answerEditor(ctx, key, headingId);
        editor.key = key;
        editors.push(editor);
        blocks.push(h("div", { class: "answer" }, asked, editor.el));
      }
    }
    fill(editorsBox, blocks);
    form.hidden = editors.length === 0;
    if (hadFocus && editors.length) editors[0].area.focus();
  }

  return {
    el,
    focus: () => (editors.length ? editors[0].area.focus() : heading.focus()),
    update(state, me) {
      const phase = state.agenda[state.phase];
      setText(prompt, phase.prompt || "");
      prompt.hidden = !phase.prompt;
      const mine = how.mine(state, me);
      fill(info, how.info(state, me, mine));
      const group = state.groups[mine];
      for (const role of roles) role.update(group && group.members.includes(me) ? group : null, me);
      const key = JSON.stringify([state.phase, mine, how.edits]);
      if (key !== built) {
        built = key;
        build(state, mine);
      }
      for (const editor of editors) editor.sync(state, editor.key);
      read.hidden = Boolean(editors.length);
      if (!editors.length) fill(read, how.readOnly(state, mine));
      // A round that reflects on a list (the bottom list) shows it.
      const board = phase.kind === "group_work" ? phase.board : null;
      listing.hidden = !(board && state.boards[board]);
      if (!listing.hidden) {
        const revealed = state.boards[board].vote.revealed != null;
        fill(listing, h("h2", { id: "round-list-title", text: listName(state, board) }),
          revealed ? h("ol", { class: "ranking" }, rankedItems(state, board)) : h("p", { class: "empty-list", text: "–" }));
      }
      const rest = how.others(state, me, mine);
      fill(others, rest.length ? rest : h("p", { class: "empty-list", text: t("participant.groups.no_others") }));
      // Tell a screen reader when my group (or the reporting group) changes.
      const now = how.news ? how.news(state, mine) : null;
      if (announced !== undefined && now && now !== announced) ctx.announce(now);
      announced = now;
    },
  };
}

export function groupWork(ctx) {
  return roundView(ctx, {
    edits: true,
    roles: ["rapporteur", "host"],
    othersTitle: t("participant.groups.others_tab"),
    mine: (state, me) => {
      const group = groupOf(state, state.agenda[state.phase].groups || "", me);
      return group ? group.id : null;
    },
    info(state, me, mine) {
      if (mine == null) {
        return [h("h2", { text: t("participant.groups.own_tab") }),
          h("p", { class: "empty-list", text: t("participant.groups.waiting") })];
      }
      const group = state.groups[mine];
      return [...groupHeading(state, group, me, "own-group"), h("p", { class: "hint", text: t("web.groups.help") })];
    },
    others: (state, me, mine) => otherGroups(state, mine, [state.phase]),
    readOnly: (state) => h("ol", { class: "questions" },
      questionSpecs(state, state.phase).map((q) => h("li", {}, q.text, guides(q)))),
    news: (state, mine) => (mine != null ? t("web.groups.you_are_in", { group: groupName(state, state.groups[mine]) }) : null),
  });
}

export function report(ctx) {
  const shown = (state, me) => {
    const phase = state.agenda[state.phase];
    const presenting = state.groups[state.presenting_group];
    if (presenting && presenting.set === phase.groups) return presenting.id;
    const group = groupOf(state, phase.groups || "", me);
    return group ? group.id : null;
  };
  return roundView(ctx, {
    edits: false,
    roles: ["rapporteur"],
    othersTitle: t("participant.groups.others_tab"),
    mine: shown,
    info(state, me, mine) {
      const parts = [h("p", { class: "locked", text: `🔒 ${t("participant.groups.locked")}` })];
      if (mine == null) return [...parts, h("p", { class: "empty-list", text: t("participant.groups.no_group") })];
      const group = state.groups[mine];
      const now = mine === state.presenting_group;
      parts.push(h("p", { class: now ? "reporting-now" : "hint", text: t(now ? "participant.groups.reporting_now" : "participant.groups.reports_one_by_one") }));
      parts.push(...groupHeading(state, group, me, "own-group"));
      return parts;
    },
    readOnly(state, mine) {
      if (mine == null) return [];
      return reportingPhases(state, state.phase).map((phase) => h("div", { class: "reported" },
        h("h3", { text: phaseTitle(state, phase) }), writtenAnswers(state, phase, mine)));
    },
    others: (state, me, mine) => otherGroups(state, mine, reportingPhases(state, state.phase)),
    news: (state, mine) => (mine != null && mine === state.presenting_group
      ? `${t("participant.groups.reporting_now")} ${groupName(state, state.groups[mine])}` : null),
  });
}

export function followUp(ctx) {
  return roundView(ctx, {
    edits: true,
    roles: [],
    othersTitle: t("web.groups.other_organisations"),
    mine(state, me) {
      const found = state.participants[me];
      if (!found || found.removed) return null;
      const key = orgGroup(found.org, found.id);
      return key in followUpGroups(state) ? key : null;
    },
    info(state, me, mine) {
      if (mine == null) return [];
      return [
        h("h2", { id: "own-group", class: "group-name" }, `${t("participant.groups.follow_up_for")} `, h("span", { text: organisationName(state, mine) })),
        membersLine(state, followUpGroups(state)[mine], me),
        h("p", { class: "hint", text: t("web.groups.follow_up_help") }),
      ];
    },
    others(state, me, mine) {
      return Object.keys(followUpGroups(state)).filter((key) => key !== mine).map((key) => h("article", { class: "other-group" },
        h("h3", { text: organisationName(state, key) }), writtenAnswers(state, state.phase, key)));
    },
    readOnly: () => [],
  });
}
