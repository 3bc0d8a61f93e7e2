// A shared text a group writes together: an action-plan field, a group's
// answer, an organisation's follow-up (kompsesjon/tui/participant/versioned.py
// for the page).
//
// Each text is saved against the version it was started from. Never a
// silent overwrite, never lost text:
// * a newer version from someone else does not replace what I have changed
//   (the field says "changed by …" instead); an unchanged text follows along;
// * a save the server finds stale (stale_version) opens the merge: both
//   texts, a result that starts as both together, saved against the newer
//   version;
// * what I have not saved is kept in the browser (Drafts), so it comes back
//   after a phase change or a reload.

import { limit, t } from "./i18n.js";
import { h, setText } from "./dom.js";
import { person, sameText } from "./text.js";
import { dialog } from "./views/common.js";

const EMPTY = { text: "", version: 0, by: null };

/** Their text with mine after it (mine left out if they already have it). */
export function both(theirs, mine) {
  theirs = theirs.replace(/\s+$/, "");
  mine = mine.trim();
  if (!theirs) return mine;
  if (!mine || theirs.includes(mine)) return theirs;
  return `${theirs}\n${mine}`;
}

/**
 * Unsaved texts of one session in this browser, by what they edit
 * (["answer", phase, question, sub, group], ["plan", island, field]), each
 * with the version it was started from. Beside the resume secret: gone when
 * the person leaves the session on this device.
 */
export class Drafts {
  constructor(memory) {
    this.key = memory ? memory.draftsKey : null;
    this.storage = memory ? memory.storage : null;
    this.rows = {};
    if (!this.key) return;
    try {
      const stored = JSON.parse(this.storage.getItem(this.key));
      if (stored && typeof stored === "object") this.rows = stored;
    } catch {
      /* none yet, or unreadable: start empty */
    }
  }

  get(key) {
    const row = this.rows[JSON.stringify(key)];
    return row && typeof row.text === "string" ? { text: row.text, base: Number(row.base) || 0 } : null;
  }

  put(key, text, base) {
    const id = JSON.stringify(key);
    const row = this.rows[id];
    if (row && row.text === text && row.base === base) return;
    this.rows[id] = { text, base };
    this._write();
  }

  drop(key) {
    const id = JSON.stringify(key);
    if (!(id in this.rows)) return;
    delete this.rows[id];
    this._write();
  }

  _write() {
    if (!this.key) return;
    try {
      if (Object.keys(this.rows).length) this.storage.setItem(this.key, JSON.stringify(this.rows));
      else this.storage.removeItem(this.key);
    } catch {
      // Private mode or full storage: the text is still in the field.
    }
  }
}

/**
 * One shared text. ``spec`` says what it edits:
 * id (of the text area), label, read(state, target) → {text, version, by},
 * command(target, text, base) → the command that saves it, draftKey(target).
 */
export class VersionedEditor {
  constructor(ctx, spec) {
    this.ctx = ctx;
    this.spec = spec;
    this.target = null;
    this.targetId = null;
    this.loadedText = "";
    this.baseVersion = 0;
    this.newer = null;
    this.state = null;
    this.current = EMPTY;
    const id = spec.id;
    this.area = h("textarea", { id, rows: 3, maxlength: limit("plan"), "aria-describedby": [spec.describedBy, `${id}-status`].filter(Boolean).join(" ") });
    this.status = h("p", { class: "field-status", id: `${id}-status` });
    this.saveButton = h("button", { type: "button", text: t("participant.keys.save_plan"), "aria-label": t("web.plans.save_field", { field: spec.label }) });
    this.saveButton.addEventListener("click", () => {
      if (!this.save()) ctx.notice(t("participant.plans.nothing_to_save"));
    });
    this.area.addEventListener("input", () => this.showStatus());
    this.el = h("div", { class: "plan-field" }, h("label", { for: id, text: spec.label }), this.area, this.status, this.saveButton);
  }

  get dirty() {
    return !sameText(this.area.value, this.loadedText);
  }

  /** Follow the server's version without clobbering my unsaved text. */
  sync(state, target) {
    this.state = state;
    const current = this.spec.read(state, target) || EMPTY;
    this.current = current;
    const targetId = JSON.stringify(this.spec.draftKey(target));
    if (targetId !== this.targetId) {
      this.target = target;
      this.targetId = targetId;
      this.load(current);
      this.restore(current);
    } else if (current.version !== this.baseVersion) {
      if (sameText(this.area.value, current.text) || !this.dirty) {
        this.load(current); // my own save came back, or I had not changed it
      } else if (!this.newer || this.newer.version !== current.version) {
        this.newer = current;
        this.ctx.announce(t("web.plans.changed", { field: this.spec.label, who: this.byName(current.by) }));
      }
    }
    this.showStatus();
  }

  load(current) {
    this.loadedText = current.text;
    this.baseVersion = current.version;
    this.newer = null;
    if (!sameText(this.area.value, current.text)) this.area.value = current.text;
  }

  /** Text I wrote and did not save (before a phase change, a reload). */
  restore(current) {
    const draft = this.ctx.drafts.get(this.spec.draftKey(this.target));
    if (!draft || sameText(draft.text, current.text)) return;
    this.area.value = draft.text;
    this.baseVersion = draft.base;
    if (current.version !== draft.base) this.newer = current; // saved meanwhile: merge when saving
  }

  byName(by) {
    return by ? person(this.state, by) : t("participant.plans.someone");
  }

  showStatus() {
    const current = this.current;
    let text;
    if (this.newer) text = t("web.plans.changed_by", { who: this.byName(this.newer.by) });
    else if (this.dirty) text = t("participant.plans.unsaved");
    else if (current.version === 0) text = t("participant.plans.empty");
    else if (current.by) text = t("participant.plans.saved_by", { version: current.version, who: person(this.state, current.by) });
    else text = t("participant.plans.saved", { version: current.version });
    setText(this.status, text);
    this.el.classList.toggle("conflict", Boolean(this.newer));
    this.el.classList.toggle("dirty", this.dirty && !this.newer);
    this.remember();
  }

  remember() {
    if (this.target == null) return;
    const key = this.spec.draftKey(this.target);
    if (this.dirty) this.ctx.drafts.put(key, this.area.value, this.baseVersion);
    else this.ctx.drafts.drop(key);
  }

  /** Send my text against the version I started from (if changed). */
  save() {
    if (this.target == null || !this.dirty) return false;
    const target = this.target;
    const targetId = this.targetId;
    const command = this.spec.command(target, this.area.value, this.baseVersion);
    this.ctx.send(command, ["stale_version"]).then((outcome) => {
      if (!outcome.ok && outcome.code === "stale_version" && targetId === this.targetId && this.el.isConnected) {
        this.merge(command.text, outcome.details);
      }
    });
    return true;
  }

  merge(mine, details) {
    const theirs = String(details.text || "");
    const version = Number(details.version || 0);
    const result = h("textarea", { id: "merge-result", rows: 6, maxlength: limit("plan") });
    result.value = both(theirs, mine);
    const use = (text) => () => {
      result.value = text;
      result.focus();
    };
    const buttons = [
      h("button", { type: "button", text: t("participant.merge.take_theirs"), on: { click: use(theirs) } }),
      h("button", { type: "button", text: t("participant.merge.keep_mine"), on: { click: use(mine) } }),
      h("button", { type: "button", text: t("participant.merge.both"), on: { click: use(both(theirs, mine)) } }),
    ];
    const cancel = h("button", { type: "button", text: t("participant.modal.cancel") });
    const save = h("button", { type: "button", class: "primary", text: t("participant.merge.save") });
    const body = h("div", { class: "merge" },
      h("p", { text: details.by ? t("participant.merge.by", { who: this.byName(details.by) }) : t("participant.merge.someone") }),
      h("h3", { text: t("participant.merge.theirs", { version }) }),
      h("p", { class: "quote theirs", text: theirs || "–" }),
      h("label", { for: "merge-result", text: t("participant.merge.result") }),
      result,
      h("div", { class: "buttons" }, buttons));
    const box = dialog(t("participant.merge.title", { field: this.spec.label }), body, [cancel, save]);
    box.classList.add("merge-dialog");
    // Closed without saving: my text stays in the field, unsaved; nothing is lost.
    cancel.addEventListener("click", () => box.close());
    save.addEventListener("click", () => {
      box.close();
      this.loadedText = theirs;
      this.baseVersion = version;
      this.newer = null;
      this.area.value = result.value;
      if (!this.save()) this.showStatus();
    });
    result.focus();
  }
}

/**
 * A form of shared texts saved together: its button and Ctrl+S (⌘S) anywhere
 * in ``el`` save every changed text of ``editors()`` (the editors shown now),
 * and the form itself never submits.
 */
export function saveTogether(ctx, { el, form, button, editors }) {
  const saveEverything = () => {
    const saved = editors().filter((e) => e.save());
    if (!saved.length) ctx.notice(t("participant.plans.nothing_to_save"));
  };
  form.addEventListener("submit", (event) => event.preventDefault());
  button.addEventListener("click", saveEverything);
  el.addEventListener("keydown", (event) => {
    if (event.key === "s" && (event.ctrlKey || event.metaKey) && editors().length) {
      event.preventDefault();
      saveEverything();
    }
  });
}
