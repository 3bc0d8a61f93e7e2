// The follow-up round of a series: what became of the earlier gathering's
// actions (kompsesjon/tui/participant/views/review.py for the page).
//
// The carried actions are listed, ours first; for the chosen one the plan as
// written and its history are shown, and if it is ours we set its status
// and write the three notes, each a shared, versioned text (versioned.js).

import { t } from "../i18n.js";
import { fill, h, keyed } from "../dom.js";
import { mayReview, reviewOf, reviewedActions } from "../queries.js";
import { VersionedEditor } from "../versioned.js";
import { frame } from "./common.js";

const STATUSES = ["done", "in_progress", "not_started", "dropped"];
const NOTES = ["happened", "not_happened", "next"];

function day(epoch) {
  const d = new Date(epoch * 1000);
  const two = (n) => String(n).padStart(2, "0");
  return `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()}`;
}

function statusText(status) {
  return t(`action_status.${status || "none"}`);
}

function title(action) {
  return action.island && action.what ? `${action.island}: ${action.what}` : action.island || action.what || action.id;
}

function people(list) {
  return list.map((p) => (p.org ? `${p.name} (${p.org})` : p.name)).join(", ");
}

function noteEditor(ctx, field) {
  return new VersionedEditor(ctx, {
    id: `note-${field}`,
    label: t(`review.${field}`),
    read: (state, action) => reviewOf(state, action).notes[field],
    command: (action, text, base) => ({ type: "edit_action_note", action, field, text, base_version: base }),
    draftKey: (action) => ["review", action, field],
  });
}

export default function review(ctx) {
  const info = h("p", { class: "hint" });
  const list = h("ul", { class: "review-actions" });
  const details = h("div", { class: "review-action" });
  const statusButtons = STATUSES.map((status) => h("button", {
    type: "button", class: "status", "data-status": status, "aria-pressed": "false", text: statusText(status),
  }));
  const statusRow = h("div", { class: "buttons review-status", role: "group", "aria-label": t("participant.review.status") }, statusButtons);
  const editors = NOTES.map((field) => noteEditor(ctx, field));
  const form = h("form", { class: "plan-form" }, editors.map((e) => e.el));
  form.addEventListener("submit", (event) => event.preventDefault());
  const { el, heading } = frame(ctx.state, info, list, details, statusRow, form);
  let chosen = null;
  let state = null;
  let me = null;

  const show = () => {
    const action = state && state.series ? state.series.actions.find((a) => a.id === chosen) : null;
    const mine = Boolean(action && mayReview(state, me, action));
    statusRow.hidden = !mine;
    form.hidden = !mine;
    if (!action) {
      fill(details);
      return;
    }
    const lines = [h("h2", { text: title(action) }),
      h("p", { class: "people", text: t("participant.review.written", { date: day(action.date) }) })];
    if (!mine) lines.push(h("p", { class: "hint", text: t("participant.review.not_ours") }));
    for (const name of ["how", "who", "first_step", "when"]) {
      if (action[name]) lines.push(h("p", {}, h("strong", { text: `${t(`plan.${name}`)} ` }), action[name]));
    }
    if (action.owners.length) lines.push(h("p", {}, h("strong", { text: `${t("participant.review.owners")} ` }), people(action.owners)));
    if (action.members.length) lines.push(h("p", { class: "people", text: `${t("participant.review.members")} ${people(action.members)}` }));
    for (const entry of action.history) {
      const said = NOTES.map((f) => entry[f]).filter(Boolean).join(" · ");
      lines.push(h("p", { class: "history", text: `${day(entry.date)}: ${statusText(entry.status)}${said ? ` · ${said}` : ""}` }));
    }
    fill(details, lines);
    const current = reviewOf(state, action.id).status;
    for (const button of statusButtons) button.setAttribute("aria-pressed", String(button.dataset.status === current));
    if (mine) for (const editor of editors) editor.sync(state, action.id);
  };

  for (const button of statusButtons) {
    button.addEventListener("click", () => {
      if (!chosen || !state) return;
      const status = button.dataset.status;
      const wanted = reviewOf(state, chosen).status === status ? null : status; // pressed again: undo
      ctx.send({ type: "set_action_status", action: chosen, status: wanted });
    });
  }
  el.addEventListener("keydown", (event) => {
    if (event.key === "s" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (!editors.filter((e) => e.save()).length) ctx.notice(t("participant.plans.nothing_to_save"));
    }
  });

  return {
    el,
    focus: () => heading.focus(),
    update(next, who) {
      state = next;
      me = who;
      const actions = reviewedActions(state).sort((a, b) => Number(mayReview(state, me, b)) - Number(mayReview(state, me, a)));
      if (!state.series || !actions.length) {
        info.textContent = t("participant.review.nothing");
      } else {
        const earlier = state.series.gatherings[state.series.gatherings.length - 1];
        info.textContent = t("participant.review.from", { title: earlier.title, date: day(earlier.date) });
      }
      if (!actions.some((a) => a.id === chosen)) chosen = actions.length ? actions[0].id : null;
      // Keyed: a button that stays keeps the focus when a status changes.
      keyed(list, actions, (action) => action.id, (action) => {
        const button = h("button", { type: "button" });
        button.addEventListener("click", () => {
          chosen = action.id;
          for (const other of list.querySelectorAll("button")) other.setAttribute("aria-pressed", String(other === button));
          show();
        });
        return h("li", {}, button);
      }, (li, action) => {
        const ours = mayReview(state, me, action);
        const button = li.firstChild;
        button.setAttribute("aria-pressed", String(action.id === chosen));
        button.textContent = `${title(action)} · ${statusText(reviewOf(state, action.id).status)}${ours ? ` (${t("participant.review.ours")})` : ""}`;
      });
      show();
    },
  };
}
