"""A series of sessions: the record one gathering hands to the next.

Learning networks and dialogue conferences meet again and again (seed 001:
follow-up «hvilke erfaringer det har vært»; seed 002, slide 5: «Vad har hänt?
Vad har inte hänt? Hur går du/ni/vi vidare?»). A session that follows an
earlier one starts from a :class:`Series`: the earlier gatherings (their next
steps, next meeting, follow-ups per organisation and islands' members) and the
actions of their plans, each with its history of status and notes per date.

These are plain read-only records, copied into the new session's first event
(``session_created``), so a session's log replays on its own and the earlier
session is never touched. People are kept by name and organisation: a
participant id means nothing outside its session. What the new session itself
writes about an action (status and notes) is in ``State.reviews``; the rules
for writing it are in :mod:`.review`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

# What became of an action since the last gathering.
STATUSES = ("done", "in_progress", "not_started", "dropped")
CLOSED = frozenset({"done", "dropped"})  # no longer reviewed in the next gathering
# The three questions of the follow-up round (seed 002, slide 5).
NOTE_FIELDS = ("happened", "not_happened", "next")


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Person(_Record):
    """Someone known by name and organisation (across sessions)."""

    name: str
    org: str = ""

    def same(self, name: str, org: str) -> bool:
        return self.name.casefold() == name.strip().casefold() and self.org.casefold() == org.strip().casefold()


class Entry(_Record):
    """What one gathering said about an action."""

    session: str
    code: str = ""
    date: float  # the gathering's start, epoch seconds
    status: str | None = None  # one of STATUSES; None: nobody reported
    happened: str = ""
    not_happened: str = ""
    next: str = ""


class Action(_Record):
    """An island's action plan, as its gathering left it."""

    id: str  # "<session>:<island>": the same in every later gathering
    session: str
    code: str = ""
    date: float
    island: str = ""  # the island's title
    members: list[Person] = []
    what: str = ""
    how: str = ""
    who: str = ""
    first_step: str = ""
    when: str = ""
    owners: list[Person] = []  # people named in WHO
    due: str = ""  # the date in WHEN (YYYY-MM-DD), if it has one
    history: list[Entry] = []  # later gatherings' status and notes, oldest first

    @property
    def closed(self) -> bool:
        """Done or dropped at a later gathering: not reviewed again."""
        return bool(self.history) and self.history[-1].status in CLOSED

    @property
    def status(self) -> str | None:
        """The latest status a later gathering reported (None: none yet)."""
        return next((e.status for e in reversed(self.history) if e.status), None)


class FollowUp(_Record):
    """One organisation's answer in a follow-up phase."""

    org: str
    question: str
    text: str


class IslandRecord(_Record):
    title: str
    members: list[Person] = []


class Gathering(_Record):
    """An earlier session of the series, as it ended."""

    session: str
    code: str = ""
    title: str
    date: float
    next_meeting: str = ""
    next_steps: list[str] = []
    follow_ups: list[FollowUp] = []
    islands: list[IslandRecord] = []


class Series(_Record):
    """What a session carries over: earlier gatherings, oldest first, and
    every action of the series with its history."""

    gatherings: list[Gathering]
    actions: list[Action] = []

    @property
    def follows(self) -> Gathering:
        return self.gatherings[-1]

    def action(self, action_id: str) -> Action | None:
        return next((a for a in self.actions if a.id == action_id), None)

    @property
    def open_actions(self) -> list[Action]:
        """The actions reviewed in this gathering (not done or dropped before)."""
        return [a for a in self.actions if not a.closed]
