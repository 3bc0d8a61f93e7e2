"""Fold one event into a state: the only code that changes a State.

The server's full state and every client's partial mirror use this same
function, so an event can never mean two different things. Handlers are
tolerant of what a mirror does not know (a card it never saw, a vote round it
has no dots in) because a participant's view is deliberately incomplete.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import events as ev
from .clustering import changed
from .state import (
    AnswerKey,
    Board,
    BuzzPair,
    Evaluation,
    Group,
    Island,
    Item,
    Link,
    NextStep,
    Note,
    Participant,
    PlanField,
    RedCard,
    Review,
    State,
    TallyEntry,
    Theme,
    Timer,
)

_HANDLERS: dict[type, Callable[[State, Any], None]] = {}


def _on(event_type: type) -> Callable:
    def register(fn: Callable[[State, Any], None]) -> Callable[[State, Any], None]:
        _HANDLERS[event_type] = fn
        return fn

    return register


def evolve(state: State | None, event: ev.Event) -> State:
    """Apply ``event`` to ``state`` in place and return it.

    ``session_created`` starts from ``None`` and returns a new State.
    """
    if isinstance(event, ev.SessionCreated):
        return State(
            session=event.session,
            title=event.title,
            question=event.question,
            lang=event.lang,
            anonymous=event.anonymous,
            template=event.template,
            created_at=event.created_at,
            rules=event.rules,
            agenda=list(event.agenda),
            boards={spec.id: Board(spec=spec) for spec in event.boards},
            group_sets={spec.id: spec for spec in event.group_sets},
            report_texts={
                name: PlanField(text=text)
                for name, text in (("purpose", event.purpose), ("background", event.background))
                if text
            },
            regions=list(event.regions),
            series=event.series,
        )
    if state is None:
        raise ValueError(f"{event.type} before session_created")
    _HANDLERS[type(event)](state, event)
    return state


def _count(state: State, counter: str, made: int = 1) -> None:
    """Count what was made: the next id is numbered from this (see
    ``decide._next_id``), never read back out of an id. For every log the
    earlier ``K12``-style parsing handled, the count is the same number."""
    state.counters[counter] = state.counters.get(counter, 0) + made


# ---- session and people -----------------------------------------------------


@_on(ev.SessionEdited)
def _session_edited(state: State, e: ev.SessionEdited) -> None:
    if e.title is not None:
        state.title = e.title
    if e.question is not None:
        state.question = e.question


@_on(ev.SessionClosed)
def _session_closed(state: State, e: ev.SessionClosed) -> None:
    state.closed, state.closed_at = True, e.at


@_on(ev.SessionReopened)
def _session_reopened(state: State, e: ev.SessionReopened) -> None:
    state.closed, state.closed_at = False, None


@_on(ev.RulesChanged)
def _rules_changed(state: State, e: ev.RulesChanged) -> None:
    state.rules = e.rules


@_on(ev.ParticipantJoined)
def _joined(state: State, e: ev.ParticipantJoined) -> None:
    state.participants[e.participant] = Participant(id=e.participant, name=e.name, org=e.org, region=e.region)
    _count(state, "participant")


@_on(ev.ProfileChanged)
def _profile(state: State, e: ev.ProfileChanged) -> None:
    person = state.participants.get(e.participant)
    if person is not None:
        person.name, person.org = e.name, e.org


@_on(ev.RegionSet)
def _region(state: State, e: ev.RegionSet) -> None:
    person = state.participants.get(e.participant)
    if person is not None:
        person.region = e.region


@_on(ev.ParticipantRemoved)
def _removed(state: State, e: ev.ParticipantRemoved) -> None:
    person = state.participants.get(e.participant)
    if person is not None:
        person.removed = True
    # A removed person no longer counts in an island or a group, and holds no
    # group role (the events that put them there stay in the log).
    state.island_of.pop(e.participant, None)
    _carried(state, e.plans)
    for group in state.groups.values():
        if e.participant in group.members and group.active:
            group.members.remove(e.participant)
            if group.rapporteur == e.participant:
                group.rapporteur = None
            if group.host == e.participant:
                group.host = None


@_on(ev.PhaseChanged)
def _phase(state: State, e: ev.PhaseChanged) -> None:
    state.phase = e.phase
    state.timer = Timer()  # each phase gets its own time box
    state.presenting = None
    state.presenting_group = None
    state.presenting_action = None
    _carried(state, e.plans)


@_on(ev.TimerChanged)
def _timer(state: State, e: ev.TimerChanged) -> None:
    state.timer = Timer(deadline=e.timer.deadline, remaining=e.timer.remaining)


@_on(ev.CheckedIn)
def _checked_in(state: State, e: ev.CheckedIn) -> None:
    if e.note not in state.check_ins:  # a second check-in rewrites the first
        _count(state, "note")
    state.check_ins[e.note] = Note(id=e.note, text=e.text, author=e.author)


@_on(ev.CheckedOut)
def _checked_out(state: State, e: ev.CheckedOut) -> None:
    if e.note not in state.check_outs:
        _count(state, "note")
    state.check_outs[e.note] = Note(id=e.note, text=e.text, author=e.author)


# ---- cards ------------------------------------------------------------------


def _item_from(data: ev.ItemData, private: bool) -> Item:
    return Item(
        id=data.id,
        board=data.board,
        text=data.text,
        author=data.author,
        pair=data.pair,
        private=private,
    )


@_on(ev.ItemAdded)
def _item_added(state: State, e: ev.ItemAdded) -> None:
    changed(state)
    state.items[e.item.id] = _item_from(e.item, e.private)
    _count(state, f"item:{e.item.board}")


@_on(ev.ItemEdited)
def _item_edited(state: State, e: ev.ItemEdited) -> None:
    item = state.items.get(e.item)
    if item is not None:
        item.text = e.text


@_on(ev.ItemWithdrawn)
def _item_withdrawn(state: State, e: ev.ItemWithdrawn) -> None:
    changed(state)
    item = state.items.get(e.item)
    if item is not None:
        item.withdrawn = True


@_on(ev.ItemsRevealed)
def _items_revealed(state: State, e: ev.ItemsRevealed) -> None:
    changed(state)
    board = state.boards[e.board]
    board.revealed = True
    for data in e.items:
        known = state.items.get(data.id)
        if known is None:  # a mirror that never saw it (the server has every card)
            state.items[data.id] = _item_from(data, private=False)
        else:
            known.private = False


@_on(ev.BuzzPairsFormed)
def _pairs_formed(state: State, e: ev.BuzzPairsFormed) -> None:
    for pair in state.buzz_pairs.values():
        pair.active = False
    for pair_id, members in e.pairs.items():
        state.buzz_pairs[pair_id] = BuzzPair(id=pair_id, members=list(members))
    _count(state, "pair", len(e.pairs))


@_on(ev.BuzzPairsCleared)
def _pairs_cleared(state: State, e: ev.BuzzPairsCleared) -> None:
    for pair in state.buzz_pairs.values():
        pair.active = False


@_on(ev.RedCardRaised)
def _red_card(state: State, e: ev.RedCardRaised) -> None:
    state.red_cards[e.card] = RedCard(id=e.card, item=e.item, note=e.note, raised_by=e.raised_by)
    _count(state, "red_card")


@_on(ev.RedCardDismissed)
def _red_card_dismissed(state: State, e: ev.RedCardDismissed) -> None:
    card = state.red_cards.get(e.card)
    if card is not None:
        card.dismissed = True


# ---- clustering -------------------------------------------------------------


@_on(ev.Merged)
def _merged(state: State, e: ev.Merged) -> None:
    changed(state)
    state.themes[e.theme] = Theme(id=e.theme, board=e.board, title=e.title)
    _count(state, "theme")
    for item_id in e.items:
        item = state.items.get(item_id)
        if item is not None:
            item.theme = e.theme
    for theme_id in e.themes:
        theme = state.themes.get(theme_id)
        if theme is not None:
            theme.merged_into = e.theme


@_on(ev.MergeUndone)
def _merge_undone(state: State, e: ev.MergeUndone) -> None:
    changed(state)
    # What was merged directly into the theme stands alone again; the theme
    # goes. Dots placed on the theme itself fall back to no unit (see voting).
    for item in state.items.values():
        if item.theme == e.theme:
            item.theme = None
    for theme in state.themes.values():
        if theme.merged_into == e.theme:
            theme.merged_into = None
    state.themes.pop(e.theme, None)


@_on(ev.ThemeRenamed)
def _theme_renamed(state: State, e: ev.ThemeRenamed) -> None:
    theme = state.themes.get(e.theme)
    if theme is not None:
        theme.title = e.title


@_on(ev.ItemDetached)
def _item_detached(state: State, e: ev.ItemDetached) -> None:
    changed(state)
    item = state.items.get(e.item)
    if item is not None:
        item.theme = None


# ---- voting -----------------------------------------------------------------


@_on(ev.DotsChanged)
def _dots(state: State, e: ev.DotsChanged) -> None:
    mine = state.boards[e.board].vote.dots.setdefault(e.participant, {})
    for card, delta in e.changes.items():
        n = mine.get(card, 0) + delta
        if n > 0:
            mine[card] = n
        else:
            mine.pop(card, None)
    if not mine:
        del state.boards[e.board].vote.dots[e.participant]


@_on(ev.VoteStatusChanged)
def _vote_status(state: State, e: ev.VoteStatusChanged) -> None:
    status = state.boards[e.board].vote.status
    if e.status is None:
        status.pop(e.participant, None)
    else:
        status[e.participant] = e.status


@_on(ev.VoteClosed)
def _vote_closed(state: State, e: ev.VoteClosed) -> None:
    state.boards[e.board].vote.closed = True


@_on(ev.VoteReopened)
def _vote_reopened(state: State, e: ev.VoteReopened) -> None:
    vote = state.boards[e.board].vote
    vote.closed = False
    vote.revealed = None  # hidden again while people may still move dots


@_on(ev.TallyRevealed)
def _tally_revealed(state: State, e: ev.TallyRevealed) -> None:
    state.boards[e.board].vote.revealed = [TallyEntry(unit=t.unit, dots=t.dots, voters=t.voters) for t in e.tally]


# ---- islands, plans, closing ------------------------------------------------


def _links(links: list[ev.LinkData]) -> list[Link]:
    return [Link(board=link.board, unit=link.unit) for link in links]


@_on(ev.IslandCreated)
def _island_created(state: State, e: ev.IslandCreated) -> None:
    state.islands[e.island] = Island(id=e.island, title=e.title, links=_links(e.links))
    _count(state, "island")


@_on(ev.IslandUpdated)
def _island_updated(state: State, e: ev.IslandUpdated) -> None:
    island = state.islands[e.island]
    island.title = e.title
    island.links = _links(e.links)


@_on(ev.IslandRemoved)
def _island_removed(state: State, e: ev.IslandRemoved) -> None:
    state.islands[e.island].removed = True
    for person in [p for p, i in state.island_of.items() if i == e.island]:
        del state.island_of[person]
    if state.presenting == e.island:
        state.presenting = None
    _carried(state, e.plans)


@_on(ev.IslandChosen)
def _island_chosen(state: State, e: ev.IslandChosen) -> None:
    if e.island is None:
        state.island_of.pop(e.participant, None)
    else:
        state.island_of[e.participant] = e.island
    _carried(state, e.plans)


@_on(ev.PlanEdited)
def _plan_edited(state: State, e: ev.PlanEdited) -> None:
    plan = state.plans.setdefault(e.island, {})
    plan[e.field] = PlanField(text=e.text, version=e.version, by=e.by, length=e.length)


def _carried(state: State, plans: ev.CarriedPlans) -> None:
    """A participant's projection of a change in who reads which plan in full
    carries their plans as they now see them (stored events carry none)."""
    if plans is not None:
        state.plans = {
            island: {
                name: PlanField(text=f.text, version=f.version, by=f.by, length=f.length) for name, f in fields.items()
            }
            for island, fields in plans.items()
        }


@_on(ev.IslandPresented)
def _island_presented(state: State, e: ev.IslandPresented) -> None:
    state.presenting = e.island
    _carried(state, e.plans)


@_on(ev.NextStepAdded)
def _step_added(state: State, e: ev.NextStepAdded) -> None:
    state.next_steps[e.step] = NextStep(id=e.step, text=e.text)
    _count(state, "step")


@_on(ev.NextStepRemoved)
def _step_removed(state: State, e: ev.NextStepRemoved) -> None:
    step = state.next_steps.get(e.step)
    if step is not None:
        step.removed = True


@_on(ev.NextMeetingSet)
def _next_meeting(state: State, e: ev.NextMeetingSet) -> None:
    state.next_meeting = e.text


# ---- group rounds -----------------------------------------------------------


@_on(ev.GroupsFormed)
def _groups_formed(state: State, e: ev.GroupsFormed) -> None:
    for group in state.groups.values():
        if group.set == e.set:
            group.active = False
            if state.presenting_group == group.id:
                state.presenting_group = None  # the group being shown is dissolved
    for group_id, people in e.groups.items():
        state.groups[group_id] = Group(id=group_id, set=e.set, members=list(people), label=e.labels.get(group_id, ""))
    _count(state, "group", len(e.groups))


@_on(ev.GroupMemberMoved)
def _group_member_moved(state: State, e: ev.GroupMemberMoved) -> None:
    for group in state.groups.values():
        if group.set == e.set and group.active and e.participant in group.members:
            group.members.remove(e.participant)
            if group.rapporteur == e.participant:
                group.rapporteur = None
            if group.host == e.participant:
                group.host = None
    if e.group is not None and e.group in state.groups:
        state.groups[e.group].members.append(e.participant)


@_on(ev.GroupRoleSet)
def _group_role(state: State, e: ev.GroupRoleSet) -> None:
    group = state.groups.get(e.group)
    if group is not None:
        setattr(group, e.role, e.participant)


@_on(ev.AnswerEdited)
def _answer_edited(state: State, e: ev.AnswerEdited) -> None:
    key = AnswerKey(phase=e.phase, question=e.question, group=e.group, sub=e.sub)
    state.answers[key] = PlanField(text=e.text, version=e.version, by=e.by)


@_on(ev.GroupPresented)
def _group_presented(state: State, e: ev.GroupPresented) -> None:
    state.presenting_group = e.group


# ---- the report ---------------------------------------------------------------


@_on(ev.ReportTextEdited)
def _report_text_edited(state: State, e: ev.ReportTextEdited) -> None:
    state.report_texts[e.field] = PlanField(text=e.text, version=e.version, by=e.by)


@_on(ev.Evaluated)
def _evaluated(state: State, e: ev.Evaluated) -> None:
    if e.evaluation not in state.evaluations:  # evaluating again replaces one's own
        _count(state, "evaluation")
    state.evaluations[e.evaluation] = Evaluation(id=e.evaluation, rating=e.rating, text=e.text, author=e.author)


# ---- a series -------------------------------------------------------------------


@_on(ev.ActionStatusSet)
def _action_status(state: State, e: ev.ActionStatusSet) -> None:
    review = state.reviews.setdefault(e.action, Review())
    review.status, review.status_by = e.status, e.by


@_on(ev.ActionNoteEdited)
def _action_note(state: State, e: ev.ActionNoteEdited) -> None:
    review = state.reviews.setdefault(e.action, Review())
    review.notes[e.field] = PlanField(text=e.text, version=e.version, by=e.by)


@_on(ev.ActionPresented)
def _action_presented(state: State, e: ev.ActionPresented) -> None:
    state.presenting_action = e.action


@_on(ev.SeriesLinked)
def _series_linked(state: State, e: ev.SeriesLinked) -> None:
    state.series = e.series
    state.agenda = list(e.agenda)


@_on(ev.OwnerNamed)
def _owner_named(state: State, e: ev.OwnerNamed) -> None:
    owners = state.plan_owners.setdefault(e.island, [])
    if e.person not in owners:
        owners.append(e.person)


@_on(ev.OwnerUnnamed)
def _owner_unnamed(state: State, e: ev.OwnerUnnamed) -> None:
    owners = state.plan_owners.get(e.island, [])
    if e.person in owners:
        owners.remove(e.person)
