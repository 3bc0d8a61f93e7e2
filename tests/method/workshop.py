"""A tiny driver for running a Future Workshop through the pure engine.

``Workshop`` holds one session's state and its event log. ``do`` decides a
command and folds the events it causes; ``rejects`` checks that a command is
refused with a given code and that the refusal changed nothing. The
``follow_mirrors`` helper replays a log the way a client would see it, for the
mirror law in :mod:`kompsesjon.method.visibility`.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from kompsesjon.method import (
    FACILITATOR,
    Actor,
    PhaseKind,
    Rejection,
    Rules,
    decide,
    dump_state,
    evolve,
    framtidsverksted_agenda,
    framtidsverksted_boards,
    participant,
)
from kompsesjon.method.agenda import GroupMode, GroupSetSpec, Phase, Question
from kompsesjon.method.commands import COMMAND_ADAPTER
from kompsesjon.method.events import Event, SessionCreated
from kompsesjon.method.series import Series
from kompsesjon.method.state import State
from kompsesjon.method.visibility import (
    FACILITATOR_VIEW,
    SCREEN_VIEW,
    Audience,
    deliveries,
    participant_view,
    recipients_of,
    view_state,
)

SCREEN = Actor("screen")
START = 1_700_000_000.0  # epoch seconds; timers are relative to it

# A small dialogue conference: base groups, cross groups across them, a
# report with the discussion locked, and local follow-up per organisation.
CONFERENCE_GROUP_SETS = [
    GroupSetSpec(id="base", title="Basisgrupper", mode=GroupMode.MIXED, size=3),
    GroupSetSpec(id="cross", title="Kryssgrupper", mode=GroupMode.ACROSS, across="base", size=2),
    GroupSetSpec(id="kommune", title="Per kommune", mode=GroupMode.BY_ORG, size=2),
    GroupSetSpec(id="fylke", title="Fylkesvis", mode=GroupMode.BY_REGION, size=3),
]
CONFERENCE_AGENDA = [
    Phase(kind=PhaseKind.INTRO),
    Phase(kind=PhaseKind.PLENARY, prompt="Innledning"),
    Phase(
        kind=PhaseKind.GROUP_WORK,
        groups="base",
        questions=[
            Question(text="Hva kjenner dere igjen?"),
            Question(
                text="Hvilket eksempel deler dere?", sub=["Hva virket?", "Hva var vanskelig?"], answer_each_sub=True
            ),
        ],
    ),
    Phase(kind=PhaseKind.GROUP_WORK, groups="cross", questions=[Question(text="Hva utfordrer dere?")]),
    Phase(kind=PhaseKind.REPORT, groups="base", group_minutes=3),
    Phase(kind=PhaseKind.FOLLOW_UP, prompt="Hva gjør vi før neste samling?"),
    Phase(kind=PhaseKind.CLOSING),
]


class Workshop:
    """One session, driven command by command."""

    def __init__(
        self,
        *,
        anonymous: bool = False,
        rules: Rules | None = None,
        agenda=None,
        boards=None,
        group_sets=(),
        question: str = "Hvordan beholder vi fagfolk i distriktskommunene?",
        session: str = "OKT1",
        series: Series | None = None,
        created_at: float = START,
    ) -> None:
        created = SessionCreated(
            session=session,
            series=series,
            title="Framtidsverksted Salten",
            question=question,
            anonymous=anonymous,
            created_at=created_at,
            rules=rules or Rules(),
            boards=boards if boards is not None else framtidsverksted_boards(),
            agenda=agenda if agenda is not None else framtidsverksted_agenda(),
            group_sets=list(group_sets),
        )
        self.state: State = evolve(None, created)
        self.log: list[Event] = [created]
        self.now = created_at
        self._command_ids = itertools.count(1)

    # ---- commands ---------------------------------------------------------

    def command(self, kind: str, **fields: Any):
        return COMMAND_ADAPTER.validate_python({"type": kind, "id": f"c{next(self._command_ids)}", **fields})

    def do(self, actor: Actor, kind: str, **fields: Any) -> list[Any]:
        """Decide and fold one command; returns the events it caused (as
        ``Any``: tests read the fields of whichever events they expect)."""
        events = decide(self.state, actor, self.command(kind, **fields), self.now)
        for event in events:
            evolve(self.state, event)
            self.log.append(event)
        return events

    def rejects(self, code: str, actor: Actor, kind: str, **fields: Any) -> Rejection:
        """Assert the command is refused with ``code`` and the state is untouched."""
        before = dump_state(self.state)
        logged = len(self.log)
        with pytest.raises(Rejection) as refused:
            self.do(actor, kind, **fields)
        assert refused.value.code == code, refused.value.message
        assert dump_state(self.state) == before
        assert len(self.log) == logged
        return refused.value

    # ---- people -----------------------------------------------------------

    def join(self, name: str = "", org: str = "", region: str = "") -> str:
        (joined,) = self.do(Actor("guest"), "join", name=name, org=org, region=region)
        return joined.participant

    def join_many(self, *people: tuple[str, str]) -> list[str]:
        return [self.join(name, org) for name, org in people]

    # ---- phases -----------------------------------------------------------

    @property
    def phase(self):
        return self.state.current

    def advance(self, actor: Actor = FACILITATOR) -> list[Event]:
        return self.do(actor, "advance_phase", current=self.state.phase)

    def step_back(self, actor: Actor = FACILITATOR) -> list[Event]:
        return self.do(actor, "step_back", current=self.state.phase)

    def goto(self, kind: PhaseKind, board: str | None = None) -> None:
        """Advance until the current phase is ``kind`` (on ``board``)."""
        while not (self.phase.kind == kind and (board is None or self.phase.board == board)):
            self.advance()

    # ---- cards ------------------------------------------------------------

    def card(self, pid: str, text: str, board: str = "critique", **fields: Any) -> str:
        (added,) = self.do(participant(pid), "add_item", board=board, text=text, **fields)
        return added.item.id

    def dot(self, pid: str, card: str, board: str = "critique", times: int = 1) -> None:
        for _ in range(times):
            self.do(participant(pid), "place_dot", board=board, card=card)

    def wall(self, board: str, *cards: tuple[str, str]) -> list[str]:
        """Brainstorm ``board``: write (participant, text) cards, then reveal them."""
        self.goto(PhaseKind.BRAINSTORM, board)
        ids = [self.card(pid, text, board=board) for pid, text in cards]
        self.do(FACILITATOR, "reveal_items", board=board)
        return ids

    def lists(self, critique: list[tuple[str, str]], vision: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
        """Write, reveal and vote both boards (each card gets a dot from its writer)."""
        lists = []
        for board, cards in (("critique", critique), ("vision", vision)):
            ids = self.wall(board, *cards)
            self.goto(PhaseKind.VOTE, board)
            for (pid, _), card in zip(cards, ids, strict=True):
                self.dot(pid, card, board=board)
            self.goto(PhaseKind.RANKING, board)
            lists.append(ids)
        return lists[0], lists[1]


def follow_mirrors(log: list[Event], audiences: list[Audience]) -> tuple[State, dict[Audience, State]]:
    """Replay ``log`` and fold into each audience's mirror what it receives.

    A mirror starts from ``view_state`` when its audience comes into being:
    facilitator and screen right after ``session_created``, a participant right
    after their ``participant_joined``. Returns the replayed state and mirrors.
    """
    state: State | None = None
    mirrors: dict[Audience, State] = {}
    for event in log:
        state = evolve(state, event)
        if event.type == "session_created":
            for audience in audiences:
                if audience.role != "participant":
                    mirrors[audience] = view_state(state, audience)
            continue
        plan = deliveries(state, event)
        for audience, mirror in mirrors.items():
            received = recipients_of(plan, audience)
            if received is not None:
                evolve(mirror, received)
        if event.type == "participant_joined":
            audience = participant_view(event.participant)
            if audience in audiences:
                mirrors[audience] = view_state(state, audience)
    assert state is not None
    return state, mirrors


def comparable(state: State) -> dict:
    """``dump_state`` without the id counters (a view has none)."""
    dumped = dump_state(state)
    dumped.pop("counters")
    return dumped


def assert_mirrors_agree(log: list[Event], audiences: list[Audience] | None = None) -> None:
    """The mirror law for the given audiences (default: everyone in the log)."""
    if audiences is None:
        joined = [e.participant for e in log if e.type == "participant_joined"]
        removed = {e.participant for e in log if e.type == "participant_removed"}
        audiences = [FACILITATOR_VIEW, SCREEN_VIEW] + [participant_view(p) for p in joined if p not in removed]
    state, mirrors = follow_mirrors(log, audiences)
    for audience, mirror in mirrors.items():
        assert comparable(mirror) == comparable(view_state(state, audience)), audience


AUTHOR_KEYS = ("author", "by", "raised_by")


def authors_in(dumped: Any) -> set[str]:
    """Every author named anywhere in a dumped state, event or rejection."""
    found: set[str] = set()
    if isinstance(dumped, dict):
        for key, value in dumped.items():
            if key in AUTHOR_KEYS and value is not None:
                found.add(value)
            else:
                found |= authors_in(value)
    elif isinstance(dumped, list):
        for value in dumped:
            found |= authors_in(value)
    return found


def authors_of(state: State) -> set[str]:
    """Every author a (full or partial) state names: cards, notes, plan edits, red cards."""
    found = {i.author for i in state.items.values()}
    found |= {n.author for notes in (state.check_ins, state.check_outs) for n in notes.values()}
    found |= {f.by for plan in state.plans.values() for f in plan.values()}
    found |= {r.raised_by for r in state.red_cards.values()}
    found.discard(None)
    return found


def raisers_in(dumped: Any) -> set[str]:
    """Every ``raised_by`` named anywhere in a dumped state or event."""
    if isinstance(dumped, dict):
        own = {dumped["raised_by"]} if dumped.get("raised_by") is not None else set()
        return own.union(*(raisers_in(v) for v in dumped.values()))
    if isinstance(dumped, list):
        return set().union(*(raisers_in(v) for v in dumped))
    return set()
