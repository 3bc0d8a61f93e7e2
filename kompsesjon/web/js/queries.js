// Reading the mirror: the page's copies of the engine's query helpers.
//
// Each function does what the Python function of the same name does
// (kompsesjon/method/clustering.py, voting.py, islands.py, and the
// participant app's views/base.py); the browser tests compare their answers
// with the Python ones on the same mirror.

export function unitOf(state, card) {
  const item = state.items[card];
  if (item) {
    if (item.theme == null) return item.id;
    card = item.theme;
  }
  let theme = state.themes[card];
  let seen = 0;
  while (theme && theme.merged_into != null && seen++ < 10000) theme = state.themes[theme.merged_into];
  return theme ? theme.id : null;
}

/** Units of a board that still hold a card that is not withdrawn, by first card. */
export function liveUnits(state, board) {
  const order = [];
  const seen = new Set();
  for (const item of Object.values(state.items)) {
    if (item.board !== board || item.withdrawn) continue;
    const unit = unitOf(state, item.id);
    if (unit != null && !seen.has(unit)) {
      seen.add(unit);
      order.push(unit);
    }
  }
  return order;
}

/** The cards inside a unit, in the order they were written. */
export function members(state, unit) {
  const item = state.items[unit];
  if (item) return item.theme == null ? [item] : [];
  return Object.values(state.items).filter((i) => i.theme != null && unitOf(state, i.id) === unit);
}

export function unitTitle(state, unit) {
  if (state.themes[unit]) return state.themes[unit].title;
  return state.items[unit] ? state.items[unit].text : unit;
}

export function dotsByUnit(state, board, who) {
  const live = new Set(liveUnits(state, board));
  const out = {};
  for (const [card, n] of Object.entries(state.boards[board].vote.dots[who] || {})) {
    const unit = unitOf(state, card);
    if (unit != null && live.has(unit)) out[unit] = (out[unit] || 0) + n;
  }
  return out;
}

export function dotsUsed(state, board, who) {
  return Object.values(dotsByUnit(state, board, who)).reduce((a, b) => a + b, 0);
}

export function dotsLeft(state, board, who) {
  return Math.max(0, state.rules.dot_budget - dotsUsed(state, board, who));
}

/** "done", "abstained", "voting" (has dots) or "not_voted". */
export function statusOf(state, board, who) {
  const status = state.boards[board].vote.status[who];
  if (status != null) return status;
  return dotsUsed(state, board, who) ? "voting" : "not_voted";
}

/** The revealed tally ranked: by dots, then voters, then the earlier first card. */
export function ranking(state, board) {
  const entries = state.boards[board].vote.revealed || [];
  const order = new Map(liveUnits(state, board).map((u, i) => [u, i]));
  const fallback = order.size;
  const scored = entries.filter((e) => e.dots > 0);
  scored.sort((a, b) =>
    b.dots - a.dots || b.voters - a.voters ||
    (order.has(a.unit) ? order.get(a.unit) : fallback) - (order.has(b.unit) ? order.get(b.unit) : fallback) ||
    (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
  return scored.map((entry, pos) => {
    const tied = [scored[pos - 1], scored[pos + 1]].filter((n) => n && n.dots === entry.dots);
    let tieBreak = null;
    if (tied.length) tieBreak = tied.every((n) => n.voters !== entry.voters) ? "voters" : "earlier";
    return { rank: pos + 1, unit: entry.unit, dots: entry.dots, voters: entry.voters, tie_break: tieBreak };
  });
}

/** The bottom list / top list: the ranking cut at list_cut. */
export function rankedList(state, board) {
  return ranking(state, board).slice(0, state.rules.list_cut);
}

export function activeIslands(state) {
  return Object.values(state.islands).filter((i) => !i.removed);
}

export function islandMembers(state, island) {
  return Object.entries(state.island_of).filter(([, i]) => i === island).map(([p]) => p);
}

export function islandSizes(state) {
  const sizes = {};
  for (const island of activeIslands(state)) sizes[island.id] = 0;
  for (const island of Object.values(state.island_of)) if (island in sizes) sizes[island] += 1;
  return sizes;
}

export function myPair(state, me) {
  return Object.values(state.buzz_pairs).find((p) => p.active && p.members.includes(me)) || null;
}

/** Did I write this card (alone or with my buzz pair)? */
export function isMine(state, me, item) {
  if (me == null) return false;
  if (item.author === me) return true;
  const pair = item.pair ? state.buzz_pairs[item.pair] : null;
  return Boolean(pair && pair.members.includes(me));
}

export function myNote(notes, me) {
  const note = Object.values(notes).find((n) => me != null && n.author === me);
  return note ? note.text : null;
}

// ---- group rounds (kompsesjon/method/group_work.py) ----------------------------

/** The follow-up "group" of a person: their organisation (or themselves). */
export function orgGroup(org, participant) {
  // Python's casefold() through the upper case: "ß" → "SS" → "ss", as casefold gives.
  const key = org.trim().toUpperCase().toLowerCase();
  return key ? `org:${key}` : `org:#${participant}`;
}

export function activeGroups(state, groupSet) {
  return Object.values(state.groups).filter((g) => g.set === groupSet && g.active);
}

export function groupOf(state, groupSet, participant) {
  return activeGroups(state, groupSet).find((g) => g.members.includes(participant)) || null;
}

/** 1, 2, 3 … in the order the groups of its set were formed. */
export function groupNumber(state, group) {
  const same = Object.values(state.groups).filter((g) => g.set === group.set && g.active === group.active).map((g) => g.id);
  return same.indexOf(group.id) + 1;
}

/** Does this session form groups by region (so people must give theirs)? */
export function needsRegion(state) {
  return Object.values(state.group_sets).some((spec) => spec.mode === "by_region");
}

/** The questions of a phase; a follow-up without questions asks its prompt. */
export function questionSpecs(state, phase) {
  const spec = state.agenda[phase];
  if (spec.questions && spec.questions.length) return spec.questions;
  if (spec.kind === "follow_up") return [{ text: spec.prompt || "follow_up", sub: [], part: "", answer_each_sub: false }];
  return [];
}

/** What is answered of a question: the question (null), then each sub-question. */
export function fields(question) {
  return question.answer_each_sub ? [null, ...question.sub.map((_, n) => n)] : [null];
}

/** Every answer a group writes in a phase, in the order they are asked. */
export function answerKeys(state, phase, group) {
  return questionSpecs(state, phase).flatMap((question, n) =>
    fields(question).map((sub) => ({ phase, question: n, group, sub })));
}

export function answerOf(state, key) {
  return state.answers.find((a) => a.phase === key.phase && a.question === key.question
    && a.group === key.group && (a.sub ?? null) === (key.sub ?? null)) || null;
}

/** Organisation key → its active participants. */
export function followUpGroups(state) {
  const out = {};
  for (const person of Object.values(state.participants)) {
    if (!person.removed) (out[orgGroup(person.org, person.id)] ||= []).push(person.id);
  }
  return out;
}

/** The organisation's name as its people wrote it ("" for none). */
export function followUpLabel(state, key) {
  const found = (followUpGroups(state)[key] || []).find((p) => state.participants[p].org);
  return found ? state.participants[found].org : "";
}

/** The group_work phases before a report whose answers it presents. */
export function reportingPhases(state, phase) {
  const groups = state.agenda[phase].groups;
  return state.agenda.slice(0, phase).flatMap((p, n) => (p.kind === "group_work" && p.groups === groups ? [n] : []));
}

// ---- a series (kompsesjon/method/review.py) ----------------------------------

const CLOSED = new Set(["done", "dropped"]);

/** The carried actions this session reviews (not done or dropped before). */
export function reviewedActions(state) {
  if (!state.series) return [];
  return state.series.actions.filter((a) => !(a.history.length && CLOSED.has(a.history[a.history.length - 1].status)));
}

function actionPeople(action) {
  const same = (a, b) => a.name === b.name && a.org === b.org;
  return [...action.members, ...action.owners.filter((o) => !action.members.some((m) => same(m, o)))];
}

/** Is ``me`` in the action's island group or organisation? (may_review) */
export function mayReview(state, me, action) {
  const people = actionPeople(action);
  if (!people.length) return true;
  const mine = state.participants[me];
  if (!mine) return false;
  const fold = (text) => text.trim().toLowerCase();
  const orgs = new Set(people.filter((p) => p.org.trim()).map((p) => fold(p.org)));
  if (mine.org.trim() && orgs.has(fold(mine.org))) return true;
  return people.some((p) => fold(p.name) === fold(mine.name) && fold(p.org) === fold(mine.org));
}

export function reviewOf(state, action) {
  return state.reviews[action] || { status: null, status_by: null, notes: {} };
}

/** Whom WHO can name: the people of the session and of its series (people_of). */
export function peopleOf(state) {
  const out = [];
  const fold = (text) => text.trim().toLowerCase();
  const add = (p) => {
    if (p.name && !out.some((o) => fold(o.name) === fold(p.name) && fold(o.org) === fold(p.org))) {
      out.push({ name: p.name, org: p.org || "" });
    }
  };
  for (const p of Object.values(state.participants)) if (!p.removed && p.name) add(p);
  if (state.series) {
    for (const action of state.series.actions) for (const p of actionPeople(action)) add(p);
    for (const g of state.series.gatherings) for (const island of g.islands) for (const p of island.members) add(p);
  }
  return out;
}
