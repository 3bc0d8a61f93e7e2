// Fold one event into the page's mirror: kompsesjon.method.evolve, in JavaScript.
//
// The mirror is the JSON the server sends in a snapshot (dump_state of a
// State, as this participant may see it), changed in place. Every handler
// does what its Python twin in kompsesjon/method/evolve.py does, and is as
// tolerant of what a participant's partial view does not hold. The browser
// tests replay recorded event streams through this fold and compare the
// result with the Python mirror, so the two cannot drift apart unnoticed.

// Counters count what was made (evolve.py's _count), never read back out of ids.
function count(state, counter, made = 1) {
  state.counters[counter] = (state.counters[counter] || 0) + made;
}

function itemFrom(data, isPrivate) {
  return {
    id: data.id, board: data.board, text: data.text, author: data.author ?? null,
    pair: data.pair ?? null, private: isPrivate, theme: null, withdrawn: false,
  };
}

function planField(e) {
  return { text: e.text, version: e.version, by: e.by ?? null, length: e.length ?? null };
}

// A change of who reads which plan in full brings this participant's plans as
// they now see them (other islands' compact: no text, its length).
function carried(s, e) {
  if (e.plans == null) return;
  s.plans = {};
  for (const [island, fields] of Object.entries(e.plans)) {
    s.plans[island] = {};
    for (const [name, f] of Object.entries(fields)) s.plans[island][name] = planField(f);
  }
}

function leaveGroup(group, who) {
  group.members = group.members.filter((p) => p !== who);
  if (group.rapporteur === who) group.rapporteur = null;
  if (group.host === who) group.host = null;
}

const HANDLERS = {
  session_edited(s, e) {
    if (e.title != null) s.title = e.title;
    if (e.question != null) s.question = e.question;
  },
  rules_changed(s, e) { s.rules = e.rules; },
  session_closed(s, e) { s.closed = true; s.closed_at = e.at; },
  session_reopened(s) { s.closed = false; s.closed_at = null; },
  participant_joined(s, e) {
    s.participants[e.participant] = {
      id: e.participant, name: e.name ?? "", org: e.org ?? "", removed: false, region: e.region ?? "",
    };
    count(s, "participant");
  },
  profile_changed(s, e) {
    const p = s.participants[e.participant];
    if (p) { p.name = e.name; p.org = e.org; }
  },
  region_set(s, e) {
    const p = s.participants[e.participant];
    if (p) p.region = e.region;
  },
  participant_removed(s, e) {
    const p = s.participants[e.participant];
    if (p) p.removed = true;
    delete s.island_of[e.participant];
    carried(s, e);
    for (const g of Object.values(s.groups)) {
      if (g.active && g.members.includes(e.participant)) leaveGroup(g, e.participant);
    }
  },
  phase_changed(s, e) {
    s.phase = e.phase;
    s.timer = { deadline: null, remaining: null };
    s.presenting = null;
    s.presenting_group = null;
    s.presenting_action = null;
    carried(s, e);
  },
  timer_changed(s, e) { s.timer = { deadline: e.timer.deadline ?? null, remaining: e.timer.remaining ?? null }; },
  checked_in(s, e) {
    if (!(e.note in s.check_ins)) count(s, "note"); // a second check-in rewrites the first
    s.check_ins[e.note] = { id: e.note, text: e.text, author: e.author ?? null };
  },
  checked_out(s, e) {
    if (!(e.note in s.check_outs)) count(s, "note");
    s.check_outs[e.note] = { id: e.note, text: e.text, author: e.author ?? null };
  },
  item_added(s, e) {
    s.items[e.item.id] = itemFrom(e.item, e.private ?? false);
    count(s, `item:${e.item.board}`);
  },
  item_edited(s, e) {
    const item = s.items[e.item];
    if (item) item.text = e.text;
  },
  item_withdrawn(s, e) {
    const item = s.items[e.item];
    if (item) item.withdrawn = true;
  },
  items_revealed(s, e) {
    s.boards[e.board].revealed = true;
    for (const data of e.items) {
      const known = s.items[data.id];
      if (known) {
        known.private = false;
      } else { // a mirror that never saw it (the server has every card)
        s.items[data.id] = itemFrom(data, false);
      }
    }
  },
  buzz_pairs_formed(s, e) {
    for (const pair of Object.values(s.buzz_pairs)) pair.active = false;
    for (const [id, members] of Object.entries(e.pairs)) {
      s.buzz_pairs[id] = { id, members: [...members], active: true };
    }
    count(s, "pair", Object.keys(e.pairs).length);
  },
  buzz_pairs_cleared(s) {
    for (const pair of Object.values(s.buzz_pairs)) pair.active = false;
  },
  red_card_raised(s, e) {
    s.red_cards[e.card] = { id: e.card, item: e.item ?? null, note: e.note ?? "", raised_by: e.raised_by ?? null, dismissed: false };
    count(s, "red_card");
  },
  red_card_dismissed(s, e) {
    const card = s.red_cards[e.card];
    if (card) card.dismissed = true;
  },
  merged(s, e) {
    s.themes[e.theme] = { id: e.theme, board: e.board, title: e.title, merged_into: null };
    count(s, "theme");
    for (const id of e.items) if (s.items[id]) s.items[id].theme = e.theme;
    for (const id of e.themes) if (s.themes[id]) s.themes[id].merged_into = e.theme;
  },
  merge_undone(s, e) {
    for (const item of Object.values(s.items)) if (item.theme === e.theme) item.theme = null;
    for (const theme of Object.values(s.themes)) if (theme.merged_into === e.theme) theme.merged_into = null;
    delete s.themes[e.theme];
  },
  theme_renamed(s, e) {
    if (s.themes[e.theme]) s.themes[e.theme].title = e.title;
  },
  item_detached(s, e) {
    if (s.items[e.item]) s.items[e.item].theme = null;
  },
  dots_changed(s, e) {
    const vote = s.boards[e.board].vote;
    const mine = vote.dots[e.participant] || (vote.dots[e.participant] = {});
    for (const [card, delta] of Object.entries(e.changes)) {
      const n = (mine[card] || 0) + delta;
      if (n > 0) mine[card] = n;
      else delete mine[card];
    }
    if (Object.keys(mine).length === 0) delete vote.dots[e.participant];
  },
  vote_status_changed(s, e) {
    const status = s.boards[e.board].vote.status;
    if (e.status == null) delete status[e.participant];
    else status[e.participant] = e.status;
  },
  vote_closed(s, e) { s.boards[e.board].vote.closed = true; },
  vote_reopened(s, e) {
    const vote = s.boards[e.board].vote;
    vote.closed = false;
    vote.revealed = null;
  },
  tally_revealed(s, e) {
    s.boards[e.board].vote.revealed = e.tally.map((t) => ({ unit: t.unit, dots: t.dots, voters: t.voters }));
  },
  island_created(s, e) {
    s.islands[e.island] = { id: e.island, title: e.title, links: e.links.map((l) => ({ board: l.board, unit: l.unit })), removed: false };
    count(s, "island");
  },
  island_updated(s, e) {
    const island = s.islands[e.island];
    if (!island) return;
    island.title = e.title;
    island.links = e.links.map((l) => ({ board: l.board, unit: l.unit }));
  },
  island_removed(s, e) {
    if (s.islands[e.island]) s.islands[e.island].removed = true;
    for (const [who, island] of Object.entries(s.island_of)) if (island === e.island) delete s.island_of[who];
    if (s.presenting === e.island) s.presenting = null;
    carried(s, e);
  },
  island_chosen(s, e) {
    if (e.island == null) delete s.island_of[e.participant];
    else s.island_of[e.participant] = e.island;
    carried(s, e);
  },
  plan_edited(s, e) {
    const plan = s.plans[e.island] || (s.plans[e.island] = {});
    plan[e.field] = planField(e);
  },
  island_presented(s, e) {
    s.presenting = e.island ?? null;
    carried(s, e);
  },
  next_step_added(s, e) {
    s.next_steps[e.step] = { id: e.step, text: e.text, removed: false };
    count(s, "step");
  },
  next_step_removed(s, e) {
    if (s.next_steps[e.step]) s.next_steps[e.step].removed = true;
  },
  next_meeting_set(s, e) { s.next_meeting = e.text; },
  groups_formed(s, e) {
    for (const g of Object.values(s.groups)) {
      if (g.set !== e.set) continue;
      g.active = false;
      if (s.presenting_group === g.id) s.presenting_group = null; // the group being shown is dissolved
    }
    for (const [id, members] of Object.entries(e.groups)) {
      const label = (e.labels || {})[id] ?? "";
      s.groups[id] = { id, set: e.set, members: [...members], rapporteur: null, host: null, active: true, label };
    }
    count(s, "group", Object.keys(e.groups).length);
  },
  group_member_moved(s, e) {
    for (const g of Object.values(s.groups)) {
      if (g.set === e.set && g.active && g.members.includes(e.participant)) leaveGroup(g, e.participant);
    }
    if (e.group != null && s.groups[e.group]) s.groups[e.group].members.push(e.participant);
  },
  group_role_set(s, e) {
    const g = s.groups[e.group];
    if (g) g[e.role] = e.participant ?? null;
  },
  answer_edited(s, e) {
    // The answers are a list of records, each with its key (AnswerKey's
    // fields): a new key is appended, a known one keeps its place.
    const key = { phase: e.phase, question: e.question, group: e.group, sub: e.sub ?? null };
    const row = { ...key, text: e.text, version: e.version, by: e.by ?? null }; // never compact
    const at = s.answers.findIndex((a) => a.phase === key.phase && a.question === key.question
      && a.group === key.group && (a.sub ?? null) === key.sub);
    if (at >= 0) s.answers[at] = row;
    else s.answers.push(row);
  },
  group_presented(s, e) { s.presenting_group = e.group ?? null; },
  report_text_edited(s, e) { s.report_texts[e.field] = planField(e); },
  evaluated(s, e) {
    if (!(e.evaluation in s.evaluations)) count(s, "evaluation"); // evaluating again replaces one's own
    s.evaluations[e.evaluation] = { id: e.evaluation, rating: e.rating ?? null, text: e.text ?? "", author: e.author ?? null };
  },
  // A series: the follow-up of carried actions (kompsesjon/method/review.py).
  action_status_set(s, e) {
    const review = reviewOf(s, e.action);
    review.status = e.status ?? null;
    review.status_by = e.by ?? null;
  },
  action_note_edited(s, e) { reviewOf(s, e.action).notes[e.field] = planField(e); },
  action_presented(s, e) { s.presenting_action = e.action ?? null; },
  series_linked(s, e) {
    s.series = e.series;
    s.agenda = [...e.agenda];
  },
  owner_named(s, e) {
    const owners = (s.plan_owners[e.island] ||= []);
    if (!owners.some((p) => samePerson(p, e.person))) owners.push({ name: e.person.name, org: e.person.org ?? "" });
  },
  owner_unnamed(s, e) {
    const owners = s.plan_owners[e.island] || [];
    const at = owners.findIndex((p) => samePerson(p, e.person));
    if (at >= 0) owners.splice(at, 1);
  },
};

function reviewOf(s, action) {
  return (s.reviews[action] ||= { status: null, status_by: null, notes: {} });
}

function samePerson(a, b) {
  return a.name === b.name && (a.org ?? "") === (b.org ?? "");
}

/** Apply ``event`` to ``state`` in place and return it (as evolve does). */
export function evolve(state, event) {
  if (event.type === "session_created") return created(event);
  if (state == null) throw new Error(`${event.type} before session_created`);
  const handler = HANDLERS[event.type];
  if (handler) handler(state, event);
  return state;
}

/** The event types this fold knows (the tests check it knows every one). */
export const KNOWN = ["session_created", ...Object.keys(HANDLERS)];

function created(e) {
  const texts = {};
  if (e.purpose) texts.purpose = { text: e.purpose, version: 0, by: null, length: null };
  if (e.background) texts.background = { text: e.background, version: 0, by: null, length: null };
  const boards = {};
  for (const spec of e.boards) {
    boards[spec.id] = { spec, revealed: false, vote: { closed: false, dots: {}, status: {}, revealed: null } };
  }
  const sets = {};
  for (const spec of e.group_sets || []) sets[spec.id] = spec;
  return {
    session: e.session, title: e.title, question: e.question ?? "", lang: e.lang ?? "nb",
    anonymous: e.anonymous ?? false, template: e.template, created_at: e.created_at, rules: e.rules,
    agenda: [...e.agenda], boards, group_sets: sets, phase: 0, participants: {}, items: {}, themes: {},
    buzz_pairs: {}, red_cards: {}, islands: {}, island_of: {}, plans: {}, presenting: null, groups: {},
    answers: [], presenting_group: null, regions: [...(e.regions || [])], check_ins: {}, check_outs: {}, next_steps: {}, next_meeting: "",
    timer: { deadline: null, remaining: null }, report_texts: texts, evaluations: {}, counters: {},
    series: e.series ?? null, reviews: {}, presenting_action: null, plan_owners: {},
  };
}
