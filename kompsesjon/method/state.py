"""The state of one session: a fold over its events.

Plain mutable dataclasses, because a session with a thousand participants
folds thousands of events and copying the whole state for each would be the
hot path. ``evolve`` is the only code that mutates a State; ``decide`` and the
query helpers only read it. The same classes serve as the server's full state
and as a client's partial mirror (see :mod:`kompsesjon.method.visibility`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, TypeAdapter, model_validator

from .agenda import BoardSpec, GroupSetSpec, Phase
from .series import Person, Series


class Rules(BaseModel):
    """The method's numbers, configurable per session."""

    model_config = ConfigDict(frozen=True)

    dot_budget: int = Field(default=5, ge=1, le=20)
    dot_cap: int = Field(default=3, ge=1, le=20)  # dots one person may stack on one theme
    list_cut: int = Field(default=5, ge=1, le=50)  # length of the bottom/top list
    island_min: int = Field(default=2, ge=1, le=50)
    island_max: int = Field(default=8, ge=1, le=200)
    private_writing: bool = True  # cards hidden from others until revealed
    max_red_cards: int = Field(default=3, ge=0, le=50)  # open red cards per person
    evaluation: bool = False  # at check-out: a 1–5 rating and «what should we do differently?»

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        if self.dot_cap > self.dot_budget:
            raise ValueError("dot_cap cannot be larger than dot_budget")
        if self.island_min > self.island_max:
            raise ValueError("island_min cannot be larger than island_max")
        return self


class VoteStatus(StrEnum):
    DONE = "done"
    ABSTAINED = "abstained"


@dataclass
class Participant:
    id: str
    name: str = ""
    org: str = ""
    removed: bool = False
    region: str = ""  # county or region, for groups formed by region


@dataclass
class Item:
    """A card on a board."""

    id: str
    board: str
    text: str
    author: str | None = None  # None in views where the author must not be known
    pair: str | None = None  # buzz pair that wrote it together
    private: bool = False  # visible only to its writers and facilitators
    theme: str | None = None  # the theme it was merged into
    withdrawn: bool = False  # taken off the wall (kept, never deleted)


@dataclass
class Theme:
    """A titled group of cards made by merging; themes can merge into themes."""

    id: str
    board: str
    title: str
    merged_into: str | None = None


@dataclass
class TallyEntry:
    unit: str  # a top-level theme or a card that is not in a theme
    dots: int
    voters: int


@dataclass
class VoteRound:
    closed: bool = False
    # participant -> card (item or theme id, as placed) -> dots
    dots: dict[str, dict[str, int]] = field(default_factory=dict)
    status: dict[str, VoteStatus] = field(default_factory=dict)
    revealed: list[TallyEntry] | None = None  # the tally as shown to everyone


@dataclass
class Board:
    spec: BoardSpec
    revealed: bool = False  # private cards shown to all
    vote: VoteRound = field(default_factory=VoteRound)


@dataclass
class BuzzPair:
    id: str
    members: list[str]
    active: bool = True  # false once the facilitator re-forms or clears pairs


@dataclass
class RedCard:
    id: str
    item: str | None
    note: str
    raised_by: str | None = None  # never leaves the server
    dismissed: bool = False


@dataclass
class Link:
    board: str
    unit: str


@dataclass
class Island:
    id: str
    title: str
    links: list[Link]
    removed: bool = False


PLAN_FIELDS = ("what", "how", "who", "first_step", "when")


@dataclass
class PlanField:
    text: str = ""
    version: int = 0
    by: str | None = None
    # Set only in a participant's view of another island's plan: its text is
    # withheld (``text`` is empty) and this is how many characters it has.
    length: int | None = None


@dataclass
class Group:
    """People working together in one round (base group, cross group …)."""

    id: str
    set: str
    members: list[str]
    rapporteur: str | None = None  # reports for the group in plenary
    host: str | None = None  # table host: keeps the group's notes
    active: bool = True  # false once its set is formed again
    # What the group is called where that means something: its organisation
    # or region (groups by organisation or region). Empty for mixed groups,
    # which are numbered in the order they were formed.
    label: str = ""


@dataclass(frozen=True)
class AnswerKey:
    """Which answer: a group's (or organisation's) answer to one question of
    one phase, or to one of its sub-questions (``sub``, 0-based)."""

    phase: int
    question: int
    group: str  # a group id; in a follow-up "org:<organisation>"
    sub: int | None = None


def _answers_out(answers: dict[AnswerKey, PlanField]) -> list[dict[str, Any]]:
    # JSON objects have string keys only: on the wire and in snapshots the
    # answers are a list of records, each with its key's fields.
    return [
        {"phase": k.phase, "question": k.question, "group": k.group, "sub": k.sub}
        | {"text": a.text, "version": a.version, "by": a.by}
        for k, a in answers.items()
    ]


def _answers_in(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    out: dict[AnswerKey, PlanField] = {}
    for row in value:
        key = AnswerKey(phase=row["phase"], question=row["question"], group=row["group"], sub=row.get("sub"))
        out[key] = PlanField(text=row.get("text", ""), version=row.get("version", 0), by=row.get("by"))
    return out


Answers = Annotated[
    dict[AnswerKey, PlanField], BeforeValidator(_answers_in), PlainSerializer(_answers_out, when_used="always")
]


@dataclass
class Note:
    """A check-in hope or a check-out word."""

    id: str
    text: str
    author: str | None = None


@dataclass
class Evaluation:
    """One person's check-out evaluation of the day (always anonymous to others)."""

    id: str
    rating: int | None = None  # 1–5
    text: str = ""  # what we should do differently
    author: str | None = None  # only the server and the author know it


# The facilitator's texts for the report: purpose and background (from the
# template or ``serve --purpose``), then a summary and the decisions written
# during or after the meeting. Purpose and background are public.
REPORT_TEXTS = ("purpose", "background", "summary", "decisions")
PUBLIC_REPORT_TEXTS = frozenset({"purpose", "background"})


@dataclass
class NextStep:
    id: str
    text: str
    removed: bool = False


@dataclass
class Review:
    """What this gathering says about a carried action: its status and the
    three notes (what happened, what did not, how we go on), versioned."""

    status: str | None = None
    status_by: str | None = None
    notes: dict[str, PlanField] = field(default_factory=dict)


@dataclass
class Timer:
    deadline: float | None = None  # wall-clock epoch seconds while running
    remaining: float | None = None  # seconds left while paused

    @property
    def running(self) -> bool:
        return self.deadline is not None

    @property
    def paused(self) -> bool:
        return self.remaining is not None


@dataclass
class State:
    session: str
    title: str
    question: str
    lang: str
    anonymous: bool
    template: str
    created_at: float
    rules: Rules
    agenda: list[Phase]
    boards: dict[str, Board]
    group_sets: dict[str, GroupSetSpec] = field(default_factory=dict)
    phase: int = 0
    participants: dict[str, Participant] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    themes: dict[str, Theme] = field(default_factory=dict)
    buzz_pairs: dict[str, BuzzPair] = field(default_factory=dict)
    red_cards: dict[str, RedCard] = field(default_factory=dict)
    islands: dict[str, Island] = field(default_factory=dict)
    island_of: dict[str, str] = field(default_factory=dict)  # participant -> island
    plans: dict[str, dict[str, PlanField]] = field(default_factory=dict)
    presenting: str | None = None  # island shown in report mode
    groups: dict[str, Group] = field(default_factory=dict)
    answers: Answers = field(default_factory=dict)  # versioned like plan fields
    presenting_group: str | None = None  # group whose rapporteur is reporting
    regions: list[str] = field(default_factory=list)  # choices offered when groups are formed by region
    check_ins: dict[str, Note] = field(default_factory=dict)
    check_outs: dict[str, Note] = field(default_factory=dict)
    next_steps: dict[str, NextStep] = field(default_factory=dict)
    next_meeting: str = ""
    timer: Timer = field(default_factory=Timer)
    report_texts: dict[str, PlanField] = field(default_factory=dict)  # REPORT_TEXTS, versioned like plans
    evaluations: dict[str, Evaluation] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    closed: bool = False  # closed by the facilitator: nobody new may join
    closed_at: float | None = None  # when (epoch seconds), while closed
    # A session in a series: what it carried over (read-only), what it says
    # about each carried action, the action shown in the report round, and
    # the people named in WHO of this session's plans (island -> people).
    series: Series | None = None
    reviews: dict[str, Review] = field(default_factory=dict)
    presenting_action: str | None = None
    plan_owners: dict[str, list[Person]] = field(default_factory=dict)

    @property
    def current(self) -> Phase:
        return self.agenda[self.phase]


STATE_ADAPTER: TypeAdapter[State] = TypeAdapter(State)


def dump_state(state: State) -> dict:
    return STATE_ADAPTER.dump_python(state, mode="json")


def load_state(data: dict | str | bytes) -> State:
    if isinstance(data, (str, bytes)):
        return STATE_ADAPTER.validate_json(data)
    return STATE_ADAPTER.validate_python(data)
