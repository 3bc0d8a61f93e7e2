// Naming things in the user's language: kompsesjon/tui/text.py for the page.

import { t } from "./i18n.js";
import { followUpGroups, followUpLabel, groupNumber, unitTitle } from "./queries.js";

export function boardName(state, board) {
  const found = state.boards[board];
  return found ? t(`board.${found.spec.kind}`) : "";
}

export function listName(state, board) {
  const found = state.boards[board];
  return found ? t(`list.${found.spec.kind}`) : "";
}

export function phaseTitle(state, n = state.phase) {
  const phase = state.agenda[n];
  if (phase.title) return phase.title;
  const kind = phase.kind;
  const board = state.boards[phase.board];
  if ((kind === "brainstorm" || kind === "ranking") && board) return t(`phase.${kind}_${board.spec.kind}`);
  if (kind === "cluster" || kind === "vote") return t(`phase.${kind}`, { board: boardName(state, phase.board) });
  return t(`phase.${kind}`);
}

/** A participant's display name (#N when they gave none). */
export function person(state, pid) {
  if (pid == null) return t("words.anonymous");
  const who = state.participants[pid];
  if (!who) return pid;
  return who.name ? who.name : `#${pid.replace(/^p/, "")}`;
}

/** "Name (organisation)" for lists of people. */
export function who(state, pid) {
  const found = state.participants[pid];
  const name = person(state, pid);
  return found && found.org ? `${name} (${found.org})` : name;
}

export function names(state, pids) {
  const listed = pids.map((p) => who(state, p));
  return listed.length ? listed.join(", ") : t("words.nobody");
}

export function unitLabel(state, unit) {
  return unitTitle(state, unit);
}

/** Seconds as MM:SS (or H:MM:SS), never negative. */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds + 0.999));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = s % 60;
  const mm = String(minutes).padStart(2, "0");
  const ss = String(secs).padStart(2, "0");
  return hours ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function timerLeft(state, now) {
  if (!state) return null;
  if (state.timer.deadline != null) return state.timer.deadline - now;
  if (state.timer.remaining != null) return state.timer.remaining;
  return null;
}

export function timerClass(left) {
  if (left == null) return "none";
  if (left <= 0) return "over";
  if (left <= 60) return "one";
  if (left <= 300) return "five";
  return "ok";
}

/** Equal as the server stores them (it trims and NFC-normalises): same_text in kompsesjon/method/text.py. */
export function sameText(a, b) {
  return a.normalize("NFC").trim() === b.normalize("NFC").trim();
}

/** What a group is called: its organisation or region, else "Gruppe 3". */
export function groupName(state, group) {
  return group.label || t("words.group_n", { n: groupNumber(state, group) });
}

/** A follow-up's organisation ("org:bodø" → "Bodø"), or the person without one. */
export function organisationName(state, key) {
  const label = followUpLabel(state, key);
  if (label) return label;
  const people = followUpGroups(state)[key] || [];
  return people.map((p) => person(state, p)).join(", ") || t("words.nobody");
}
