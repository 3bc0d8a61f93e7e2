"""The agenda: which phases a session walks through, and on which board.

A session's agenda is data (it comes from a template file), so the engine only
knows phase *kinds*. Each kind says what people may do while it is current:
write on a board, cluster it, vote on it, look at its ranked list, choose
islands, write action plans, close.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from .text import LIMITS


class PhaseKind(StrEnum):
    INTRO = "intro"  # purpose, shared question, check-in hopes
    BRAINSTORM = "brainstorm"  # write cards on a board (critique or vision)
    CLUSTER = "cluster"  # facilitator merges duplicates into themes
    VOTE = "vote"  # dot voting on the board's themes and cards
    RANKING = "ranking"  # the board's list (bottom list / top list) is shown
    ISLANDS = "islands"  # form islands, participants choose one
    ACTION_PLANS = "action_plans"  # each island writes its plan
    CLOSING = "closing"  # island reports, next steps, check-out
    # Dialogue conference and case reflection:
    PLENARY = "plenary"  # input for everyone (a talk, a film); nothing to write
    GROUP_WORK = "group_work"  # groups discuss the phase's questions and write answers
    REPORT = "report"  # rapporteurs report group by group; discussion locked
    FOLLOW_UP = "follow_up"  # each organisation writes what it does before next time
    # A session in a series: each carried action gets its status and notes.
    ACTION_REVIEW = "action_review"


class BoardKind(StrEnum):
    CRITIQUE = "critique"  # obstacles → bottom list
    VISION = "vision"  # "in the best of worlds" → top list


# Sub-questions answered one by one are called 1a, 1b … (in both apps, the
# web page and the report): a question has at most one per letter.
SUB_LETTERS = "abcdefghijklmnopqrst"


class Question(BaseModel):
    """A question groups answer together; sub-questions help the discussion."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1, max_length=500)
    sub: list[str] = Field(default_factory=list, max_length=len(SUB_LETTERS))
    # The part of the phase's plan this answer fills (e.g. «Mål» of the
    # municipality's plan); empty: the question is not a plan part.
    part: str = Field(default="", max_length=LIMITS["title"])
    # False: one answer, the sub-questions guide the talk. True: each
    # sub-question gets its own answer too («Hva fungerte godt?» and «Hva
    # fungerte ikke?» are two answers), beside the question's own.
    answer_each_sub: bool = False

    @property
    def fields(self) -> list[int | None]:
        """What is answered: the question (None), then each sub-question."""
        return [None, *range(len(self.sub))] if self.answer_each_sub else [None]


class GroupMode(StrEnum):
    MIXED = "mixed"  # at most `size` people, organisations mixed as much as possible
    BY_ORG = "by_org"  # each organisation together (split when larger than `size`)
    BY_REGION = "by_region"  # each region (county) together (split when larger than `size`)
    ACROSS = "across"  # new people: mix the groups of an earlier set (cross groups)


class GroupSetSpec(BaseModel):
    """A way of grouping the room, e.g. base groups and cross groups."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=32)
    title: str = ""
    mode: GroupMode = GroupMode.MIXED
    size: int = Field(default=8, ge=2, le=50)
    across: str | None = None  # for mode "across": the set whose groups are mixed


class Phase(BaseModel):
    """One step of the agenda."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PhaseKind
    # The board worked on; a group_work phase may name one to reflect on its
    # list (the bottom list after the critique phase).
    board: str | None = None
    minutes: int = Field(default=0, ge=0, le=24 * 60)
    # Empty title: clients show the translated name of the kind and board.
    title: str = ""
    prompt: str = ""  # e.g. "What is hard, slow, impossible?"
    groups: str | None = None  # group set worked in (group_work, report)
    questions: list[Question] = Field(default_factory=list, max_length=50)
    # A group_work phase whose answers make up a plan per group (seed 004:
    # «Kommunens plan»): its title; the questions with a ``part`` fill it.
    plan: str = Field(default="", max_length=LIMITS["title"])
    # report: minutes each rapporteur has; presenting a group starts them.
    group_minutes: int = Field(default=0, ge=0, le=60)


class BoardSpec(BaseModel):
    """A wall of cards that is written, clustered, voted on and ranked."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: BoardKind
    prefix: str = Field(min_length=1, max_length=3)  # cards are numbered K1, K2 …
    title: str = Field(default="", max_length=LIMITS["title"])  # empty: the list's name (bottom list, top list)


BOARD_PHASES = frozenset({PhaseKind.BRAINSTORM, PhaseKind.CLUSTER, PhaseKind.VOTE, PhaseKind.RANKING})
GROUP_PHASES = frozenset({PhaseKind.GROUP_WORK, PhaseKind.REPORT})
ANSWER_PHASES = frozenset({PhaseKind.GROUP_WORK, PhaseKind.FOLLOW_UP})


def framtidsverksted_boards() -> list[BoardSpec]:
    return [
        BoardSpec(id="critique", kind=BoardKind.CRITIQUE, prefix="K"),
        BoardSpec(id="vision", kind=BoardKind.VISION, prefix="V"),
    ]


def framtidsverksted_agenda() -> list[Phase]:
    """The Future Workshop as METHOD.md describes it: a full day."""
    return [
        Phase(kind=PhaseKind.INTRO, minutes=20),
        Phase(kind=PhaseKind.BRAINSTORM, board="critique", minutes=45),
        Phase(kind=PhaseKind.CLUSTER, board="critique", minutes=20),
        Phase(kind=PhaseKind.VOTE, board="critique", minutes=15),
        Phase(kind=PhaseKind.RANKING, board="critique", minutes=20),
        Phase(kind=PhaseKind.BRAINSTORM, board="vision", minutes=45),
        Phase(kind=PhaseKind.CLUSTER, board="vision", minutes=20),
        Phase(kind=PhaseKind.VOTE, board="vision", minutes=15),
        Phase(kind=PhaseKind.RANKING, board="vision", minutes=20),
        Phase(kind=PhaseKind.ISLANDS, minutes=30),
        Phase(kind=PhaseKind.ACTION_PLANS, minutes=90),
        Phase(kind=PhaseKind.CLOSING, minutes=30),
    ]
