// What the phase views share: headings, the dots line, dialogs, plan tables.

import { t, tn } from "../i18n.js";
import { h } from "../dom.js";
import { person, phaseTitle } from "../text.js";

export const PLAN_FIELDS = ["what", "how", "who", "first_step", "when"];

/** "●●●○○ 3 av 5 prikker igjen": the count is in words too, not only in dots. */
export function dotsText(left, budget) {
  return `${"●".repeat(left)}${"○".repeat(Math.max(0, budget - left))} ${t("participant.vote.left", { n: left, budget })}`;
}

/** The view's frame: its heading (focused on a phase change) and a prompt. */
export function frame(state, ...children) {
  const heading = h("h1", { class: "view-title", tabindex: "-1", text: phaseTitle(state) });
  const el = h("section", { class: "view", "aria-labelledby": "view-title" }, children);
  heading.id = "view-title";
  el.prepend(heading);
  return { el, heading };
}

export function section(title, ...children) {
  const id = `s-${Math.random().toString(36).slice(2, 9)}`;
  return h("section", { class: "block", "aria-labelledby": id }, h("h2", { id, text: title }), children);
}

/** A modal dialog (the browser's own: focus stays inside, Esc closes it). */
export function dialog(title, body, buttons) {
  const id = `d-${Math.random().toString(36).slice(2, 9)}`;
  const el = h("dialog", { "aria-labelledby": id }, h("h2", { id, text: title }), body,
    buttons.length ? h("div", { class: "buttons" }, buttons) : null);
  el.addEventListener("close", () => el.remove());
  document.body.append(el);
  el.showModal();
  return el;
}

/** A form that sends one text (check-in, check-out, a card). */
export function textForm({ id, label, placeholder, multiline = false, max, button, onSend, hint }) {
  const field = multiline
    ? h("textarea", { id, name: "text", rows: 3, maxlength: max, placeholder })
    : h("input", { id, name: "text", type: "text", maxlength: max, placeholder, autocomplete: "off", enterkeyhint: "send" });
  const form = h("form", { class: "text-form" },
    h("label", { for: id, text: label }),
    hint ? h("p", { class: "hint", id: `${id}-hint`, text: hint }) : null,
    field,
    h("button", { type: "submit", class: "primary", text: button }));
  if (hint) field.setAttribute("aria-describedby", `${id}-hint`);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = field.value.trim();
    if (!text) return;
    field.value = "";
    const outcome = await onSend(text);
    if (outcome && !outcome.ok && !field.value) field.value = text; // refused: give it back
  });
  if (multiline) {
    // Ctrl+Enter sends a note; Enter alone is a new line.
    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }
  return { form, field };
}

/** An island's plan, read-only: each field under its heading. */
export function planList(state, island) {
  const fields = state.plans[island] || {};
  return h("dl", { class: "plan" },
    PLAN_FIELDS.map((name) => [
      h("dt", { text: t(`plan.${name}`) }),
      fieldText(state, fields[name]),
    ]));
}

/** A plan field read-only: its text, or for another island's plan (whose text
 * the server keeps to the island) how long it is and who saved it. */
function fieldText(state, value) {
  if (!value || !(value.text || value.length)) return empty("dd");
  if (value.length == null) return h("dd", { text: value.text });
  const note = value.by == null
    ? tn("participant.plans.compact", value.length, { version: value.version })
    : tn("participant.plans.compact_by", value.length, { version: value.version, who: person(state, value.by) });
  return h("dd", { class: "compact", text: note });
}

export function cardsCount(n) {
  return tn("participant.cluster.cards", n);
}

/** An empty value: a dash to the eye, a word to a screen reader. */
export function empty(tag = "span") {
  return h(tag, { class: "empty" },
    h("span", { "aria-hidden": "true", text: "–" }),
    h("span", { class: "visually-hidden", text: t("participant.plans.empty") }));
}
