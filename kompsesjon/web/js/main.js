// The participant page: join, then follow the session phase by phase.
//
// Thin on purpose, like the terminal app: the connection is client.js, the
// fold is fold.js, each phase kind has its view module in views/ (found in
// views/index.js by the engine's phase kind). This file joins, keeps the
// header (title, phase, timer, connection) and swaps the views.

import * as i18n from "./i18n.js";
import { limit, t } from "./i18n.js";
import { Memory, SessionClient, newId, normaliseCode, socketUrl } from "./client.js";
import { fill, h, setText } from "./dom.js";
import { clock, phaseTitle, timerClass, timerLeft } from "./text.js";
import { Drafts } from "./versioned.js";
import { askRegion, regionButton } from "./region.js";
import { viewFor } from "./views/index.js";

// Refusals after which the join form is offered again (a new connection).
const ASK_AGAIN = new Set(["bad_code", "hello_failed", "hello_timeout", "too_many_attempts"]);
const LANG_KEY = "kompsesjon:lang";
const WARNINGS = { five: "timer.five_left", one: "timer.one_left", over: "timer.over" };
const ORDER = ["ok", "five", "one", "over"];

const page = {
  client: null,
  code: "",
  view: null,
  viewKey: null,
  phase: null,
  timerClass: null,
  chosenLang: null,
  drafts: new Drafts(null),
  regionAsked: false, // asked once after joining, where groups are formed by region
  handles: new Map(), // command id → rejection codes its view shows itself
};

const $ = (id) => document.getElementById(id);

// ---- start ---------------------------------------------------------------------

async function boot() {
  const fromPath = decodeURIComponent(location.pathname).replace(/^\/+|\/+$/g, "");
  page.code = normaliseCode(fromPath);
  try {
    page.chosenLang = localStorage.getItem(LANG_KEY);
  } catch {
    page.chosenLang = null;
  }
  const html = document.documentElement;
  const lang = page.chosenLang || (html.dataset.langSource === "session" ? html.lang : i18n.fromBrowser(navigator.languages));
  await i18n.load(lang);
  chrome();
  const known = page.code ? SessionClient.remembered(page.code) : null;
  if (known) connect(page.code, known.name || "", known.org || "");
  else showJoin({ code: page.code });
  setInterval(tick, 1000);
}

/** The parts of the page that are there whatever the phase. */
function chrome() {
  setText($("skip"), t("web.skip"));
  setText($("lang-label"), t("web.language"));
  const picker = $("lang-picker");
  picker.value = i18n.language();
  picker.onchange = async () => {
    page.chosenLang = picker.value;
    try {
      localStorage.setItem(LANG_KEY, picker.value);
    } catch {
      /* remembered for this visit only */
    }
    await i18n.load(picker.value);
    relabel();
  };
  const leave = $("leave");
  setText(leave, t("web.leave"));
  leave.onclick = () => {
    if (!window.confirm(t("web.leave_confirm"))) return;
    const client = page.client;
    if (client) {
      client.stop();
      client.memory.forget();
    }
    page.client = null;
    history.replaceState(null, "", "/");
    showJoin({ code: page.code });
  };
}

/** Everything again in the language just chosen. */
function relabel() {
  chrome();
  page.viewKey = null; // views are built with their words: build them anew
  if (page.client && page.client.state) render();
  else if (!page.client || !page.client.welcomed) showJoin(page.joinShown || { code: page.code });
}

// ---- joining ---------------------------------------------------------------------

function showJoin({ code = "", name = "", org = "", error = "", field = "" }) {
  page.joinShown = { code, name, org };
  page.view = null;
  page.viewKey = null;
  $("top").hidden = true;
  $("leave").hidden = true;
  $("region").hidden = true;
  document.title = `${t("participant.join.title")} – kompsesjon`;
  const errorId = "join-error";
  const input = (id, label, value, attrs, hint = "") => {
    const invalid = field === id;
    const described = [hint ? `join-${id}-hint` : "", invalid ? errorId : ""].filter(Boolean).join(" ");
    return h("div", { class: "field" },
      h("label", { for: `join-${id}`, text: label }),
      h("input", { id: `join-${id}`, name: id, value, "aria-invalid": invalid ? "true" : null,
        "aria-describedby": described || null, ...attrs }),
      hint ? h("p", { class: "hint", id: `join-${id}-hint`, text: hint }) : null);
  };
  const form = h("form", { class: "join", novalidate: true, "aria-labelledby": "join-title" },
    h("h1", { id: "join-title", text: t("participant.join.title") }),
    h("p", { text: t("participant.join.intro") }),
    input("code", t("participant.join.code"), code, { autocomplete: "off", autocapitalize: "characters", spellcheck: "false", maxlength: limit("code"), placeholder: t("participant.join.code_placeholder"), required: true }),
    input("name", t("participant.join.name"), name, { autocomplete: "name", maxlength: limit("name") }, t("web.join.name_hint")),
    input("org", t("participant.join.org"), org, { autocomplete: "organization", maxlength: limit("org") }, t("web.join.org_hint")),
    h("p", { id: errorId, class: "error", role: "alert", text: error }),
    h("button", { type: "submit", class: "primary", text: t("participant.join.button") }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    const wanted = normaliseCode(values.code);
    if (!wanted) {
      showJoin({ ...values, error: t("participant.join.code_missing"), field: "code" });
      return;
    }
    join(wanted, values.name.trim(), values.org.trim());
  });
  fill($("main"), form);
  const focus = field ? `join-${field}` : code ? "join-name" : "join-code";
  $(focus).focus();
}

function join(code, name, org) {
  const client = page.client;
  if (client && !client.refused && !client.welcomed && client.code === code) {
    client.retryHello(name, org);
    return;
  }
  if (client) client.stop();
  connect(code, name, org);
}

function connect(code, name, org) {
  page.code = code;
  page.joinShown = { code, name, org };
  fill($("main"), h("p", { class: "waiting", role: "status", text: t("participant.join.connecting") }));
  const memory = new Memory(code);
  const client = new SessionClient({ url: socketUrl(location, code), code, name, org, memory });
  page.client = client;
  page.drafts = new Drafts(memory);
  page.regionAsked = false;
  client.on = (kind, payload) => {
    if (client !== page.client) return;
    news(kind, payload);
  };
  client.start();
}

function helloProblem(code, message) {
  if (code === "text_empty") return [t("participant.join.name_required"), "name"];
  if (code === "text_too_long" || code === "text_too_large") return [t("participant.join.too_long"), "name"];
  if (code === "bad_code") return [i18n.rejection(code, message), "code"];
  if (i18n.has(`participant.refused.${code}`)) return [t(`participant.refused.${code}`), ""];
  return [i18n.rejection(code, message), ""];
}

// ---- news from the connection -------------------------------------------------------

function news(kind, payload) {
  const client = page.client;
  if (kind === "status") {
    showConnection(payload.status, payload.pending);
  } else if (kind === "snapshot" || kind === "event") {
    if (client.welcomed) render(kind === "event" ? payload : null);
  } else if (kind === "welcome") {
    joined();
  } else if (kind === "hello_error") {
    const [error, field] = helloProblem(payload.code, payload.message);
    showJoin({ ...page.joinShown, error, field });
  } else if (kind === "refused") {
    refused(payload);
  } else if (kind === "outcome") {
    const id = payload.command ? payload.command.id : null;
    const handles = page.handles.get(id) || [];
    page.handles.delete(id);
    if (!payload.ok && !handles.includes(payload.code)) {
      // A command that would change nothing is news, not a problem.
      notice(i18n.rejection(payload.code, payload.message, payload.details), payload.code === "nothing_to_change" ? "info" : "error");
    }
  }
}

async function joined() {
  const client = page.client;
  if (location.pathname !== `/${client.code}`) history.replaceState(null, "", `/${client.code}`);
  const lang = client.state && client.state.lang;
  if (!page.chosenLang && lang && lang !== i18n.language()) {
    await i18n.load(lang);
    chrome();
    page.viewKey = null;
  }
  $("top").hidden = false;
  $("leave").hidden = false;
  render();
  if (!document.body.dataset.joined) {
    document.body.dataset.joined = "1";
    performance.mark("joined");
  }
}

function refused(refusal) {
  // A code that named no session: nothing of it is worth remembering.
  if (refusal.code === "bad_code" && page.client) page.client.memory.forget();
  if (ASK_AGAIN.has(refusal.code)) {
    const [error, field] = helloProblem(refusal.code, refusal.message);
    showJoin({ ...page.joinShown, error, field });
    return;
  }
  let message = i18n.rejection(refusal.code, refusal.message);
  if (i18n.has(`participant.refused.${refusal.code}`)) message = t(`participant.refused.${refusal.code}`);
  page.view = null;
  page.viewKey = null;
  fill($("main"),
    h("h1", { id: "refused-title", tabindex: "-1", text: t("participant.refused.title") }),
    h("p", { role: "alert", text: message }),
    h("p", {}, h("a", { href: "/", text: t("web.start_again") })));
  $("refused-title").focus();
}

// ---- drawing the session ------------------------------------------------------------

function render(event = null) {
  const client = page.client;
  const state = client && client.state;
  if (!state) return;
  const me = client.participant;
  const phase = state.agenda[state.phase];
  setText($("session-title"), state.title);
  const where = t("participant.header.phase_of", { n: state.phase + 1, total: state.agenda.length });
  setText($("phase-title"), `${phaseTitle(state)} · ${where}`);
  document.title = `${phaseTitle(state)} – ${state.title}`;
  const key = `${state.phase}:${phase.kind}:${phase.board || ""}:${i18n.language()}`;
  if (key !== page.viewKey) {
    const first = page.phase === null;
    const newPhase = !first && page.phase !== state.phase;
    const focusWasInside = $("main").contains(document.activeElement) || document.activeElement === document.body;
    page.viewKey = key;
    page.view = viewFor(phase.kind, state)(context());
    fill($("main"), page.view.el);
    page.view.update(state, me, null);
    if (newPhase) {
      announce(t("participant.phase_changed", { phase: phaseTitle(state) }));
      page.timerClass = null;
    }
    // Joined or a new phase: go where one starts (unless the person is busy elsewhere).
    if ((first || newPhase) && focusWasInside && page.view.focus) page.view.focus();
    page.phase = state.phase;
  } else {
    page.view.update(state, me, event);
  }
  regionButton($("region"), state, me, () => askRegion(context()));
  if (!page.regionAsked && client.welcomed && me && state.participants[me]) {
    page.regionAsked = true;
    askRegion(context(), { once: true });
  }
  tick();
}

function context() {
  return {
    get client() {
      return page.client;
    },
    get state() {
      return page.client.state;
    },
    get me() {
      return page.client.participant;
    },
    /** Send a command; ``handles`` lists rejection codes the caller shows itself. */
    send(command, handles = []) {
      const id = newId();
      page.handles.set(id, handles);
      return page.client.submit({ ...command, id });
    },
    get drafts() {
      return page.drafts;
    },
    announce,
    notice,
  };
}

function showConnection(status, pending) {
  let text = t(`status.${status}`);
  if (pending && status !== "online") text += ` · ${t("status.pending", { n: pending })}`;
  const el = $("connection");
  setText(el, text);
  el.dataset.status = status;
}

/** Text typed and not saved in the phase on screen: a shared text changed, or a card or note being written. */
function hasUnsavedText() {
  const main = $("main");
  if (main.querySelector(".plan-field.dirty, .plan-field.conflict")) return true;
  return [...main.querySelectorAll("form.text-form [name=text]")].some((field) => field.value.trim());
}

function tick() {
  const client = page.client;
  const state = client && client.state;
  const timer = $("timer");
  if (!state || !client.welcomed) return;
  // Once a second at most, and only when it changes: the facilitator is
  // warned before a phase change while someone has unsaved text.
  client.sayUnsaved(hasUnsavedText());
  const left = timerLeft(state, client.serverNow());
  const kind = timerClass(left);
  let text = left == null ? t("timer.none") : clock(left);
  if (state.timer.remaining != null && state.timer.deadline == null) text += ` (${t("timer.paused")})`;
  setText(timer, text);
  timer.dataset.left = kind;
  timer.setAttribute("aria-label", left == null ? t("web.timer.none") : t("web.timer.left", { time: text }));
  const previous = page.timerClass;
  page.timerClass = kind;
  const crossed = previous != null && ORDER.includes(previous) && ORDER.includes(kind) && ORDER.indexOf(kind) > ORDER.indexOf(previous);
  if (crossed && state.timer.deadline != null && WARNINGS[kind]) {
    notice(t(WARNINGS[kind]), "warning");
  }
}

// ---- telling people --------------------------------------------------------------------

let noticeTimer = null;

/** A visible message that screen readers also hear (rejections, timer warnings). */
function notice(text, kind = "info") {
  const el = $("notice");
  el.dataset.kind = kind;
  el.textContent = "";
  // A fresh text node after a pause makes screen readers read a repeat, too.
  setTimeout(() => {
    el.textContent = text;
  }, 50);
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    el.textContent = "";
  }, 8000);
}

/** Said to screen readers only (arriving cards, a new phase). */
function announce(text) {
  const el = $("announce");
  el.textContent = "";
  setTimeout(() => {
    el.textContent = text;
  }, 50);
}

// For the browser tests and anyone curious in the console: the connection and its mirror.
window.kompsesjon = {
  get client() {
    return page.client;
  },
};

boot().catch((error) => {
  fill($("main"), h("p", { role: "alert", text: `kompsesjon: ${error.message}` }));
});
