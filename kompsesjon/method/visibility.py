"""What each audience may see: of a new event, and of the whole state.

The only place that knows the method's secrecy rules:

* private writing: a card is seen by the people who wrote it (author and buzz
  pair) and by facilitators until its board is revealed;
* anonymous sessions: no author (of a card, a check-in/-out or a plan edit)
  ever leaves the server, not even to facilitators; a person still sees that
  their own writing is theirs; a card's buzz pair is shown only to the pair;
* dot voting: a participant sees only their own dots and vote status; tallies
  reach participants and screens only as ``tally_revealed``; facilitators see
  every dot (to know who has not voted);
* red cards never carry who raised them;
* the facilitator's summary and decisions are for facilitators until the
  report is made (purpose and background are for everyone);
* a check-out evaluation reaches facilitators without its author (in every
  session) and its author; nobody else;
* an action plan is read in full by its island, facilitators and screens, and
  by everyone while it is presented; the other participants get each edit
  compact (version, author, length, no text), and a change of who reads which
  plan in full (choosing or leaving an island, an island removed or presented,
  a phase change, a person removed) carries the plans as the participants it
  changes for now see them.

:func:`deliveries` plans the fan-out of one event so the server serialises
once per audience, not once per socket. :func:`view_state` gives the snapshot a
client starts from. Together they obey one law, checked by property tests: a
mirror that starts from ``view_state`` and folds the events delivered to it
equals ``view_state`` of the server's state.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Literal

from . import events as ev
from .state import PUBLIC_REPORT_TEXTS, Item, Note, PlanField, Review, State, VoteRound


@dataclass(frozen=True)
class Audience:
    role: Literal["facilitator", "participant", "screen"]
    participant: str | None = None


FACILITATOR_VIEW = Audience("facilitator")
SCREEN_VIEW = Audience("screen")
# A participant no delivery names: what every such participant receives (see
# recipients_of), and the view of someone with nothing of their own yet.
ANY_PARTICIPANT = Audience("participant", None)


def participant_view(pid: str) -> Audience:
    return Audience("participant", pid)


@dataclass(frozen=True)
class Delivery:
    """One projection of an event and who receives it.

    ``participants`` means every participant not named in ``only`` of any
    delivery of the same plan; ``only`` names participants individually.
    """

    event: ev.Event
    facilitators: bool = False
    screens: bool = False
    participants: bool = False
    only: frozenset[str] = field(default_factory=frozenset)


def _everyone(event: ev.Event) -> list[Delivery]:
    return [Delivery(event, facilitators=True, screens=True, participants=True)]


def _anonymised(state: State, event: ev.Event, author: str | None, strip) -> list[Delivery]:
    """Everyone sees it; in anonymous sessions only the author sees it is theirs."""
    if not state.anonymous or author is None:
        return _everyone(event)
    return [
        Delivery(strip(event), facilitators=True, screens=True, participants=True),
        Delivery(event, only=frozenset({author})),
    ]


def writers(state: State, item: Item) -> set[str]:
    """Who wrote a card: its author and, for a buzz pair's card, the pair."""
    people = {item.author} if item.author else set()
    pair = state.buzz_pairs.get(item.pair) if item.pair else None
    if pair is not None:
        people.update(pair.members)
    return people


def _strip_item(data: ev.ItemData) -> ev.ItemData:
    # A card's buzz pair names its writers as surely as its author does.
    return data.model_copy(update={"author": None, "pair": None})


def _as_seen_by(state: State, data: ev.ItemData, pid: str) -> ev.ItemData:
    """A revealed card of an anonymous session as ``pid`` may see it."""
    if pid not in writers(state, state.items[data.id]):
        return _strip_item(data)
    return data.model_copy(update={"author": shown_author(state, data.author, pid)})


def deliveries(state: State, event: ev.Event) -> list[Delivery]:
    """Who receives ``event`` and in which form. ``state`` already includes it."""
    if isinstance(event, (ev.CheckedIn, ev.CheckedOut)):
        return _anonymised(state, event, event.author, lambda e: e.model_copy(update={"author": None}))

    if isinstance(event, ev.ItemAdded):
        author = event.item.author
        wrote = writers(state, state.items[event.item.id])
        if not state.anonymous:
            if not event.private:
                return _everyone(event)
            return [Delivery(event, facilitators=True, only=frozenset(wrote))]
        public = not event.private
        stripped = event.model_copy(update={"item": _strip_item(event.item)})
        plan = [Delivery(stripped, facilitators=True, screens=public, participants=public)]
        if author is not None:
            plan.append(Delivery(event, only=frozenset({author})))
        others = frozenset(wrote - {author})
        if others:  # the rest of the pair: their card, but not who typed it
            plan.append(
                Delivery(event.model_copy(update={"item": event.item.model_copy(update={"author": None})}), only=others)
            )
        return plan

    if isinstance(event, (ev.ItemEdited, ev.ItemWithdrawn)):
        item = state.items[event.item]
        if not item.private:
            return _everyone(event)
        return [Delivery(event, facilitators=True, only=frozenset(writers(state, item)))]

    if isinstance(event, ev.ItemsRevealed):
        if not state.anonymous:
            return _everyone(event)
        # Everyone gets the cards without writers; each writer gets the same
        # list with their own cards shown as theirs, as their snapshot does.
        plan = [
            Delivery(
                event.model_copy(update={"items": [_strip_item(i) for i in event.items]}),
                facilitators=True,
                screens=True,
                participants=True,
            )
        ]
        revealed_writers: dict[str, None] = {}
        for data in event.items:
            revealed_writers.update(dict.fromkeys(sorted(writers(state, state.items[data.id]))))
        for pid in revealed_writers:
            own = [_as_seen_by(state, data, pid) for data in event.items]
            plan.append(Delivery(event.model_copy(update={"items": own}), only=frozenset({pid})))
        return plan

    if isinstance(event, ev.RedCardRaised):
        return _everyone(event.model_copy(update={"raised_by": None}))

    if isinstance(event, (ev.DotsChanged, ev.VoteStatusChanged)):
        return [Delivery(event, facilitators=True, only=frozenset({event.participant}))]

    if isinstance(event, ev.PlanEdited):
        return _plan_edit(state, event)

    if isinstance(event, (ev.IslandChosen, ev.ParticipantRemoved)):
        if not state.plans:  # nothing to read yet (island choices come before plans)
            return _everyone(event)
        # Only this person's reading changes (their island).
        return [
            Delivery(event, facilitators=True, screens=True, participants=True),
            Delivery(
                event.model_copy(update={"plans": carried_plans(state, event.participant)}),
                only=frozenset({event.participant}),
            ),
        ]

    if isinstance(event, (ev.IslandRemoved, ev.IslandPresented, ev.PhaseChanged)):
        return _with_plans(state, event)

    if isinstance(event, (ev.AnswerEdited, ev.ActionStatusSet, ev.ActionNoteEdited)):
        return _anonymised(state, event, event.by, lambda e: e.model_copy(update={"by": None}))

    if isinstance(event, ev.ReportTextEdited):
        if event.field in PUBLIC_REPORT_TEXTS:
            return _everyone(event)
        return [Delivery(event, facilitators=True)]

    if isinstance(event, ev.Evaluated):
        plan = [Delivery(event.model_copy(update={"author": None}), facilitators=True)]
        if event.author is not None:
            plan.append(Delivery(event, only=frozenset({event.author})))
        return plan

    return _everyone(event)


def reads_plan(state: State, participant: str | None, island: str) -> bool:
    """Does this participant read the island's plan in full? Their own
    island's, and the plan being presented."""
    return state.presenting == island or (participant is not None and state.island_of.get(participant) == island)


def plan_as_seen(state: State, value: PlanField, me: str | None, *, full: bool) -> PlanField:
    """A plan field as ``me`` sees it: in full, or compact (no text, its length)."""
    by = shown_author(state, value.by, me)
    if full:
        return PlanField(text=value.text, version=value.version, by=by, length=value.length)
    return PlanField(text="", version=value.version, by=by, length=len(value.text))


def carried_plans(state: State, me: str | None) -> dict[str, dict[str, ev.PlanFieldData]]:
    """Every plan as participant ``me`` sees it, for an event's projection."""
    return {
        island: {
            name: ev.PlanFieldData(**vars(plan_as_seen(state, value, me, full=reads_plan(state, me, island))))
            for name, value in fields.items()
        }
        for island, fields in state.plans.items()
    }


def _plan_edit(state: State, event: ev.PlanEdited) -> list[Delivery]:
    """Full to the island, facilitators and screens; compact to the rest."""
    anonymous = state.anonymous
    full = event.model_copy(update={"by": None}) if anonymous else event
    if state.presenting == event.island:
        if not anonymous or event.by is None:
            return _everyone(full)
        return [
            Delivery(full, facilitators=True, screens=True, participants=True),
            Delivery(event, only=frozenset({event.by})),
        ]
    compact = full.model_copy(update={"text": "", "length": len(event.text)})
    members = frozenset(p for p, i in state.island_of.items() if i == event.island)
    plan = []
    if anonymous and event.by is not None:  # the author alone sees the edit is theirs
        own = event if event.by in members else event.model_copy(update={"text": "", "length": len(event.text)})
        plan.append(Delivery(own, only=frozenset({event.by})))
        members = members - {event.by}
    plan.append(Delivery(full, facilitators=True, screens=True, only=members))
    plan.append(Delivery(compact, participants=True))
    return plan


def _with_plans(state: State, event: ev.IslandRemoved | ev.IslandPresented | ev.PhaseChanged) -> list[Delivery]:
    """An event that may change who reads which plan in full, for everyone:
    each participant's projection carries the plans as they now see them.

    Participants see alike but for their island (and, in anonymous sessions,
    their own edits), so there is one projection per such group.
    """
    if not state.plans:
        return _everyone(event)
    authors = {f.by for fields in state.plans.values() for f in fields.values()} if state.anonymous else set()
    groups: dict[tuple[str | None, str | None], set[str]] = {}
    for pid in state.participants:
        groups.setdefault((state.island_of.get(pid), pid if pid in authors else None), set()).add(pid)
    anyone = carried_plans(state, None)
    plan = [
        Delivery(event, facilitators=True, screens=True),
        Delivery(event.model_copy(update={"plans": anyone}), participants=True),
    ]
    for people in groups.values():
        theirs = carried_plans(state, min(people))
        if theirs != anyone:
            plan.append(Delivery(event.model_copy(update={"plans": theirs}), only=frozenset(people)))
    return plan


def recipients_of(plan: list[Delivery], audience: Audience) -> ev.Event | None:
    """The projection of a planned event that ``audience`` receives, if any.

    The one routing rule: the server's fan-out and catch-up use it too.
    Participants not named in any delivery's ``only`` all receive the same
    projection, that of :data:`ANY_PARTICIPANT`.
    """
    # Plain loops: the server calls this for every event it sends.
    role = audience.role
    if role == "facilitator":
        for d in plan:
            if d.facilitators:
                return d.event
        return None
    if role == "screen":
        for d in plan:
            if d.screens:
                return d.event
        return None
    pid = audience.participant
    anyone = None
    for d in plan:
        if pid in d.only:
            return d.event
        if anyone is None and d.participants:
            anyone = d.event
    return anyone


def can_see_item(state: State, audience: Audience, item: Item) -> bool:
    """May ``audience`` see this card (private writing)?"""
    return may_see_item(state, item, audience.participant, facilitator=audience.role == "facilitator")


def may_see_item(state: State, item: Item, participant: str | None, *, facilitator: bool = False) -> bool:
    """:func:`can_see_item` for a participant (or a facilitator) by id."""
    if not item.private or facilitator:
        return True
    return participant is not None and participant in writers(state, item)


def shown_author(state: State, author: str | None, me: str | None) -> str | None:
    """The author of a card, note or edit as ``me`` may see it: in anonymous
    sessions only one's own authorship is shown, to anyone."""
    return author if not state.anonymous or (author is not None and author == me) else None


def view_state(state: State, audience: Audience) -> State:
    """A copy of ``state`` holding only what ``audience`` may see."""
    me = audience.participant if audience.role == "participant" else None
    facilitator = audience.role == "facilitator"

    def author(who: str | None) -> str | None:
        return shown_author(state, who, me)

    def pair(item: Item) -> str | None:
        return item.pair if not state.anonymous or (me is not None and me in writers(state, item)) else None

    items = {
        i.id: replace(i, author=author(i.author), pair=pair(i))
        for i in state.items.values()
        if can_see_item(state, audience, i)
    }
    boards = {}
    for board_id, board in state.boards.items():
        vote = board.vote
        if facilitator:
            seen = VoteRound(
                closed=vote.closed,
                dots={p: dict(d) for p, d in vote.dots.items()},
                status=dict(vote.status),
                revealed=copy.deepcopy(vote.revealed),
            )
        else:
            seen = VoteRound(
                closed=vote.closed,
                dots={me: dict(vote.dots[me])} if me in vote.dots else {},
                status={me: vote.status[me]} if me in vote.status else {},
                revealed=copy.deepcopy(vote.revealed),
            )
        boards[board_id] = replace(board, vote=seen)

    def notes(source: dict[str, Note]) -> dict[str, Note]:
        return {n.id: replace(n, author=author(n.author)) for n in source.values()}

    everything = audience.role != "participant"
    plans = {
        island: {
            f: plan_as_seen(state, p, me, full=everything or reads_plan(state, me, island)) for f, p in fields.items()
        }
        for island, fields in state.plans.items()
    }
    answers = {k: PlanField(text=a.text, version=a.version, by=author(a.by)) for k, a in state.answers.items()}
    reviews = {
        action: Review(
            status=r.status,
            status_by=author(r.status_by),
            notes={f: PlanField(text=n.text, version=n.version, by=author(n.by)) for f, n in r.notes.items()},
        )
        for action, r in state.reviews.items()
    }
    report_texts = {k: replace(v) for k, v in state.report_texts.items() if facilitator or k in PUBLIC_REPORT_TEXTS}
    if facilitator:
        evaluations = {e.id: replace(e, author=None) for e in state.evaluations.values()}
    else:
        evaluations = {e.id: replace(e) for e in state.evaluations.values() if me is not None and e.author == me}
    return replace(
        state,
        agenda=list(state.agenda),
        boards=boards,
        participants=copy.deepcopy(state.participants),
        items=items,
        themes=copy.deepcopy(state.themes),
        buzz_pairs=copy.deepcopy(state.buzz_pairs),
        red_cards={r.id: replace(r, raised_by=None) for r in state.red_cards.values()},
        islands=copy.deepcopy(state.islands),
        island_of=dict(state.island_of),
        plans=plans,
        answers=answers,
        groups=copy.deepcopy(state.groups),
        group_sets=dict(state.group_sets),
        check_ins=notes(state.check_ins),
        check_outs=notes(state.check_outs),
        next_steps=copy.deepcopy(state.next_steps),
        timer=replace(state.timer),
        report_texts=report_texts,
        evaluations=evaluations,
        counters={},
        reviews=reviews,
        plan_owners={island: list(people) for island, people in state.plan_owners.items()},
    )
