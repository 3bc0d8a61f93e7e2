// The connection: hello, resume, an outbox that survives a reload, a mirror.
//
// The same promises as the terminal app's client (kompsesjon/client.py):
// * every command gets an id when it is made and keeps it; after a
//   reconnect (or a reload of the page) what has no answer yet is sent
//   again with the same id, and the server applies each id at most once;
// * the connection is opened again with a growing, jittered delay, at once
//   when the network comes back or a sleeping phone wakes up, and resumes
//   from the last sequence number seen;
// * the mirror is folded with the same rules as the server's (fold.js).
//
// In the browser's localStorage, per join code: the resume secret (whoever
// has it *is* this participant), the name and organisation given, and the
// commands not yet answered (and, beside them, unsaved texts: versioned.js).

import { evolve } from "./fold.js";

export const PROTOCOL = 1;
const RETRY_CODES = new Set(["rate_limited", "storage_error"]);
const MAX_DELAY = 8000;
const STALE_AFTER = 20000; // hidden this long (a sleeping phone): open a fresh connection

function randomHex(bytes) {
  // crypto.randomUUID needs a secure context; a page on the room network (plain http) is not one.
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return [...raw].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function newId() {
  return randomHex(16);
}

export function newResumeSecret() {
  const raw = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_");
}

export function normaliseCode(code) {
  return (code || "").toUpperCase().replace(/[^A-Z0-9]/g, "");
}

/** What this browser remembers about one session (by join code). */
export class Memory {
  constructor(code, storage = window.localStorage) {
    this.key = `kompsesjon:${normaliseCode(code)}`;
    this.storage = storage;
  }

  /** Where the unsaved texts of this session are kept (versioned.js: Drafts). */
  get draftsKey() {
    return `${this.key}:drafts`;
  }

  read() {
    try {
      return JSON.parse(this.storage.getItem(this.key)) || {};
    } catch {
      return {};
    }
  }

  write(changes) {
    const data = { ...this.read(), ...changes };
    try {
      this.storage.setItem(this.key, JSON.stringify(data));
    } catch {
      // Private mode or a full storage: the session still works, a reload joins anew.
    }
    return data;
  }

  forget() {
    try {
      this.storage.removeItem(this.key);
      this.storage.removeItem(this.draftsKey);
    } catch {
      /* nothing stored */
    }
  }
}

/**
 * One participant's connection to one session. Listen with
 * ``client.on = (kind, payload) => …``; kinds: status, snapshot, event,
 * welcome, outcome, hello_error, refused.
 */
export class SessionClient {
  constructor({ url, code, name = "", org = "", memory }) {
    this.url = url;
    this.code = normaliseCode(code);
    this.memory = memory || new Memory(this.code);
    const known = this.memory.read();
    this.resume = known.resume || newResumeSecret();
    this.name = name;
    this.org = org;
    this.memory.write({ resume: this.resume, name, org });
    this.state = null;
    this.seq = 0;
    this.participant = known.participant || null;
    this.status = "connecting";
    this.refused = null;
    this.clockOffset = 0;
    this.connects = 0;
    this.welcomed = false;
    this.hasUnsaved = false; // what this page last told the server of itself
    this.on = () => {};
    this.ws = null;
    this.delay = 250;
    this.timer = null;
    this.hiddenAt = null;
    this.stopped = false;
    // id → {command, sent, resolve}; restored from the last visit
    this.outbox = new Map();
    for (const command of known.outbox || []) this.outbox.set(command.id, { command, sent: false, waiters: [] });
    this._wake = () => this._reconnectNow();
    this._visibility = () => this._onVisibility();
  }

  static remembered(code, storage) {
    const known = new Memory(code, storage).read();
    return typeof known.resume === "string" && known.resume.length >= 22 ? known : null;
  }

  start() {
    window.addEventListener("online", this._wake);
    document.addEventListener("visibilitychange", this._visibility);
    this._open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this._wake);
    document.removeEventListener("visibilitychange", this._visibility);
    if (this.ws) this.ws.close(1000);
    this._setStatus("closed");
  }

  get unanswered() {
    return this.outbox.size;
  }

  serverNow() {
    return Date.now() / 1000 + this.clockOffset;
  }

  // ---- the connection ------------------------------------------------------

  _open() {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this._setStatus(this.connects === 0 ? "connecting" : "offline");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (error) {
      this._refuse("bad_url", String(error));
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.connects += 1;
      ws.send(JSON.stringify(this._hello()));
    };
    ws.onmessage = (message) => {
      if (ws !== this.ws) return;
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      this._receive(data);
    };
    ws.onclose = () => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.welcomed = false;
      for (const pending of this.outbox.values()) pending.sent = false;
      if (this.stopped || this.refused) return;
      this._setStatus("offline");
      // The server may accept and close at once: never spin.
      this.timer = setTimeout(() => this._open(), this.delay * (0.5 + Math.random()));
      this.delay = Math.min(this.delay * 2, MAX_DELAY);
    };
  }

  _reconnectNow() {
    if (this.stopped || this.refused) return;
    this.delay = 250;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) {
      const old = this.ws;
      this.ws = null; // its close event is no longer ours
      old.close();
      this.welcomed = false;
      for (const pending of this.outbox.values()) pending.sent = false;
    }
    this._open();
  }

  _onVisibility() {
    if (document.visibilityState === "hidden") {
      this.hiddenAt = Date.now();
    } else if (this.hiddenAt != null) {
      const slept = Date.now() - this.hiddenAt;
      this.hiddenAt = null;
      // After a sleep the socket may look open and be dead: start afresh.
      if (slept > STALE_AFTER || !this.welcomed) this._reconnectNow();
    }
  }

  _hello() {
    const hello = {
      type: "hello", protocol: PROTOCOL, role: "participant", code: this.code,
      resume: this.resume, last_seq: this.state ? this.seq : 0,
    };
    if (this.name) hello.name = this.name;
    if (this.org) hello.org = this.org;
    return hello;
  }

  /** Say hello again with another name (after a hello_error). */
  retryHello(name, org) {
    this.name = name;
    this.org = org;
    this.memory.write({ name, org });
    if (this.ws && this.ws.readyState === WebSocket.OPEN && !this.welcomed) {
      this.ws.send(JSON.stringify(this._hello()));
    }
  }

  _refuse(code, message) {
    this.refused = { code, message };
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
    this._setStatus("closed");
    this.on("refused", this.refused);
  }

  // ---- receiving -------------------------------------------------------------

  _receive(m) {
    switch (m.type) {
      case "events": // several, one after the other, as if each came alone
        for (const one of m.events) this._receive(one);
        break;
      case "event":
        if (m.seq > this.seq && this.state) {
          evolve(this.state, m.event);
          this.seq = m.seq;
          this.on("event", m.event);
        }
        break;
      case "snapshot":
        this.state = m.state;
        this.seq = m.seq;
        this.on("snapshot", this.state);
        break;
      case "welcome":
        this.participant = m.participant;
        this.seq = Math.max(this.seq, m.seq);
        this.clockOffset = m.server_time - Date.now() / 1000;
        this.welcomed = true;
        this.delay = 250;
        this.memory.write({ participant: m.participant });
        this._setStatus("online");
        this.on("welcome", m);
        if (this.hasUnsaved) this._signal(); // the server forgot it with the old connection
        this._flush();
        break;
      case "ack":
        this._settle(m.id, { ok: true, seq: m.seq, duplicate: m.duplicate });
        break;
      case "rejected":
        if (RETRY_CODES.has(m.code) && this.outbox.has(m.id)) {
          const wait = Math.min(Number((m.details || {}).retry_after) || 1, 5);
          setTimeout(() => this._resend(m.id), wait * 1000 + 50);
          break;
        }
        this._settle(m.id, { ok: false, code: m.code, message: m.message, details: m.details || {} });
        break;
      case "error":
        if (m.fatal) this._refuse(m.code, m.message);
        else if (!this.welcomed) this.on("hello_error", m);
        else this.on("error", m);
        break;
      default:
        break; // presence is for facilitators
    }
  }

  _settle(id, outcome) {
    const pending = this.outbox.get(id);
    if (pending) {
      this.outbox.delete(id);
      this._store();
      for (const resolve of pending.waiters) resolve(outcome);
      outcome.command = pending.command;
    }
    this.on("outcome", outcome);
    this._setStatus(this.status, true);
  }

  // ---- sending ---------------------------------------------------------------

  /** Queue a command (an id is added); the promise gives its outcome, across reconnects. */
  submit(command) {
    const full = { ...command, id: command.id || newId() };
    return new Promise((resolve) => {
      this.outbox.set(full.id, { command: full, sent: false, waiters: [resolve] });
      this._store();
      this._setStatus(this.status, true);
      if (this.welcomed) this._send(full.id);
    });
  }

  /** Tell the server whether unsaved text waits here (only changes are sent; not stored). */
  sayUnsaved(unsaved) {
    if (unsaved === this.hasUnsaved) return;
    this.hasUnsaved = unsaved;
    if (this.welcomed) this._signal();
  }

  _signal() {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "unsaved", unsaved: this.hasUnsaved }));
  }

  _store() {
    this.memory.write({ outbox: [...this.outbox.values()].map((p) => p.command) });
  }

  _flush() {
    for (const id of this.outbox.keys()) this._send(id);
  }

  _resend(id) {
    const pending = this.outbox.get(id);
    if (pending) {
      pending.sent = false;
      if (this.welcomed) this._send(id);
    }
  }

  _send(id) {
    const pending = this.outbox.get(id);
    const ws = this.ws;
    if (!pending || pending.sent || !ws || ws.readyState !== WebSocket.OPEN) return;
    pending.sent = true;
    ws.send(JSON.stringify(pending.command));
  }

  _setStatus(status, always = false) {
    if (status !== this.status || always) {
      this.status = status;
      this.on("status", { status, pending: this.outbox.size });
    }
  }
}

/** The websocket address of the server that served this page, with the
 * session's code as its path (/s/K7PQ2M): a proxy in front of several
 * servers sends it to the one that hosts the session (docs/scaling.md). */
export function socketUrl(location, code) {
  const path = code ? `s/${encodeURIComponent(normaliseCode(code))}` : "";
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/${path}`;
}
