"""Events: what happened in a session, in the order it happened.

Events are the durable record (one row each in SQLite) and what clients fold
into their mirrors. They carry facts, never instructions: everything ``evolve``
needs is in the event, so a client with a partial view can apply it too. An
event that reveals something to people who could not see it before carries the
revealed content (``items_revealed``, ``tally_revealed``).
"""

from __future__ import annotations

import json
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .agenda import BoardSpec, GroupSetSpec, Phase
from .series import Person, Series
from .state import Rules, VoteStatus


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ItemData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    board: str
    text: str
    author: str | None = None
    pair: str | None = None


class PlanFieldData(BaseModel):
    """A plan field as one participant sees it (see :class:`PlanEdited`)."""

    model_config = ConfigDict(frozen=True)

    text: str
    version: int
    by: str | None = None
    length: int | None = None


# The action plans as a participant sees them after a change of who reads which
# plan in full (island -> field -> field). Never stored: only a projection of
# an event to participants carries it (see method/visibility.py).
CarriedPlans = dict[str, dict[str, PlanFieldData]] | None


class TallyData(BaseModel):
    model_config = ConfigDict(frozen=True)

    unit: str
    dots: int
    voters: int


class LinkData(BaseModel):
    model_config = ConfigDict(frozen=True)

    board: str
    unit: str


class TimerData(BaseModel):
    model_config = ConfigDict(frozen=True)

    deadline: float | None = None
    remaining: float | None = None


# ---- session and people -----------------------------------------------------


class SessionCreated(_Event):
    type: Literal["session_created"] = "session_created"
    session: str
    title: str
    question: str = ""
    lang: str = "nb"
    anonymous: bool = False
    template: str = "framtidsverksted"
    created_at: float
    rules: Rules = Rules()
    boards: list[BoardSpec]
    agenda: list[Phase]
    group_sets: list[GroupSetSpec] = []
    purpose: str = ""  # the facilitator's purpose and background, for everyone
    background: str = ""
    regions: list[str] = []  # choices of region (county) offered to participants
    # A session that follows an earlier one: what it carries over (read-only),
    # copied here so that this session's log replays on its own.
    series: Series | None = None


class SessionEdited(_Event):
    """The facilitator changed the title or the shared question."""

    type: Literal["session_edited"] = "session_edited"
    title: str | None = None
    question: str | None = None


class RulesChanged(_Event):
    type: Literal["rules_changed"] = "rules_changed"
    rules: Rules


class ParticipantJoined(_Event):
    type: Literal["participant_joined"] = "participant_joined"
    participant: str
    name: str = ""
    org: str = ""
    region: str = ""


class ProfileChanged(_Event):
    type: Literal["profile_changed"] = "profile_changed"
    participant: str
    name: str
    org: str


class RegionSet(_Event):
    """A participant's region (county), set by themselves or a facilitator."""

    type: Literal["region_set"] = "region_set"
    participant: str
    region: str


class ParticipantRemoved(_Event):
    type: Literal["participant_removed"] = "participant_removed"
    participant: str
    plans: CarriedPlans = None


class PhaseChanged(_Event):
    type: Literal["phase_changed"] = "phase_changed"
    phase: int
    previous: int
    plans: CarriedPlans = None


class TimerChanged(_Event):
    type: Literal["timer_changed"] = "timer_changed"
    timer: TimerData


class CheckedIn(_Event):
    type: Literal["checked_in"] = "checked_in"
    note: str
    text: str
    author: str | None = None


class CheckedOut(_Event):
    type: Literal["checked_out"] = "checked_out"
    note: str
    text: str
    author: str | None = None


# ---- cards on a board -------------------------------------------------------


class ItemAdded(_Event):
    type: Literal["item_added"] = "item_added"
    item: ItemData
    private: bool = False


class ItemEdited(_Event):
    type: Literal["item_edited"] = "item_edited"
    item: str
    text: str


class ItemWithdrawn(_Event):
    type: Literal["item_withdrawn"] = "item_withdrawn"
    item: str


class ItemsRevealed(_Event):
    """Private cards of a board become visible to all; carries them."""

    type: Literal["items_revealed"] = "items_revealed"
    board: str
    items: list[ItemData]


class BuzzPairsFormed(_Event):
    type: Literal["buzz_pairs_formed"] = "buzz_pairs_formed"
    pairs: dict[str, list[str]]  # pair id -> members (a trio when the count is odd)


class BuzzPairsCleared(_Event):
    type: Literal["buzz_pairs_cleared"] = "buzz_pairs_cleared"


class RedCardRaised(_Event):
    type: Literal["red_card_raised"] = "red_card_raised"
    card: str
    item: str | None = None
    note: str = ""
    raised_by: str | None = None  # stored on the server, never sent


class RedCardDismissed(_Event):
    type: Literal["red_card_dismissed"] = "red_card_dismissed"
    card: str


# ---- clustering -------------------------------------------------------------


class Merged(_Event):
    """Cards and themes (all top level) become one new theme."""

    type: Literal["merged"] = "merged"
    board: str
    theme: str
    title: str
    items: list[str]  # cards that were not in a theme
    themes: list[str]  # themes that now sit inside the new one


class MergeUndone(_Event):
    type: Literal["merge_undone"] = "merge_undone"
    theme: str


class ThemeRenamed(_Event):
    type: Literal["theme_renamed"] = "theme_renamed"
    theme: str
    title: str


class ItemDetached(_Event):
    type: Literal["item_detached"] = "item_detached"
    item: str


# ---- voting -----------------------------------------------------------------


class DotsChanged(_Event):
    """One participant's dots on cards of a board changed (+ placed, - taken)."""

    type: Literal["dots_changed"] = "dots_changed"
    board: str
    participant: str
    changes: dict[str, int]


class VoteStatusChanged(_Event):
    type: Literal["vote_status_changed"] = "vote_status_changed"
    board: str
    participant: str
    status: VoteStatus | None


class VoteClosed(_Event):
    type: Literal["vote_closed"] = "vote_closed"
    board: str


class VoteReopened(_Event):
    type: Literal["vote_reopened"] = "vote_reopened"
    board: str


class TallyRevealed(_Event):
    type: Literal["tally_revealed"] = "tally_revealed"
    board: str
    tally: list[TallyData]


# ---- islands, action plans, closing -----------------------------------------


class IslandCreated(_Event):
    type: Literal["island_created"] = "island_created"
    island: str
    title: str
    links: list[LinkData]


class IslandUpdated(_Event):
    type: Literal["island_updated"] = "island_updated"
    island: str
    title: str
    links: list[LinkData]


class IslandRemoved(_Event):
    type: Literal["island_removed"] = "island_removed"
    island: str
    plans: CarriedPlans = None


class IslandChosen(_Event):
    type: Literal["island_chosen"] = "island_chosen"
    participant: str
    island: str | None
    plans: CarriedPlans = None


class PlanEdited(_Event):
    """A plan field's new text. Participants outside the island receive it
    compact: ``text`` empty and ``length`` its number of characters."""

    type: Literal["plan_edited"] = "plan_edited"
    island: str
    field: str
    text: str
    version: int
    by: str | None = None
    length: int | None = None


class IslandPresented(_Event):
    type: Literal["island_presented"] = "island_presented"
    island: str | None
    plans: CarriedPlans = None


class NextStepAdded(_Event):
    type: Literal["next_step_added"] = "next_step_added"
    step: str
    text: str


class NextStepRemoved(_Event):
    type: Literal["next_step_removed"] = "next_step_removed"
    step: str


class NextMeetingSet(_Event):
    type: Literal["next_meeting_set"] = "next_meeting_set"
    text: str


# ---- group rounds (dialogue conference, case reflection) --------------------


class GroupsFormed(_Event):
    """A group set is (re-)formed; earlier groups of the set become inactive."""

    type: Literal["groups_formed"] = "groups_formed"
    set: str
    groups: dict[str, list[str]]
    labels: dict[str, str] = {}  # group -> its organisation or region, where it has one


class GroupMemberMoved(_Event):
    type: Literal["group_member_moved"] = "group_member_moved"
    set: str
    participant: str
    group: str | None


class GroupRoleSet(_Event):
    type: Literal["group_role_set"] = "group_role_set"
    group: str
    role: Literal["rapporteur", "host"]
    participant: str | None


class AnswerEdited(_Event):
    type: Literal["answer_edited"] = "answer_edited"
    phase: int
    question: int
    group: str
    text: str
    version: int
    by: str | None = None
    sub: int | None = None  # a sub-question answered on its own (0-based)


class GroupPresented(_Event):
    type: Literal["group_presented"] = "group_presented"
    group: str | None


# ---- the report -------------------------------------------------------------


class ReportTextEdited(_Event):
    """A facilitator wrote the purpose, background, summary or decisions."""

    type: Literal["report_text_edited"] = "report_text_edited"
    field: str
    text: str
    version: int
    by: str | None = None


class Evaluated(_Event):
    """A participant's check-out evaluation; only they see that it is theirs."""

    type: Literal["evaluated"] = "evaluated"
    evaluation: str
    rating: int | None = None
    text: str = ""
    author: str | None = None


class SessionClosed(_Event):
    """The facilitator closed the session at ``at`` (epoch seconds): nobody
    new may join; those already in keep their place."""

    type: Literal["session_closed"] = "session_closed"
    at: float


class SessionReopened(_Event):
    """The facilitator opened a closed session again: newcomers may join."""

    type: Literal["session_reopened"] = "session_reopened"


# ---- a series: the follow-up of carried actions --------------------------------


class ActionStatusSet(_Event):
    """A carried action's status in this gathering (None: not reported)."""

    type: Literal["action_status_set"] = "action_status_set"
    action: str
    status: str | None
    by: str | None = None


class ActionNoteEdited(_Event):
    """What happened / what did not / how we go on, for a carried action."""

    type: Literal["action_note_edited"] = "action_note_edited"
    action: str
    field: str
    text: str
    version: int
    by: str | None = None


class ActionPresented(_Event):
    type: Literal["action_presented"] = "action_presented"
    action: str | None


class SeriesLinked(_Event):
    """The session follows an earlier one (chosen in the host view): what it
    carries over, and its agenda with the follow-up phase in it."""

    type: Literal["series_linked"] = "series_linked"
    series: Series
    agenda: list[Phase]


class OwnerNamed(_Event):
    """A person is named in WHO of an island's plan."""

    type: Literal["owner_named"] = "owner_named"
    island: str
    person: Person


class OwnerUnnamed(_Event):
    type: Literal["owner_unnamed"] = "owner_unnamed"
    island: str
    person: Person


Event = Annotated[
    SessionCreated
    | SessionEdited
    | RulesChanged
    | ParticipantJoined
    | ProfileChanged
    | RegionSet
    | ParticipantRemoved
    | PhaseChanged
    | TimerChanged
    | CheckedIn
    | CheckedOut
    | ItemAdded
    | ItemEdited
    | ItemWithdrawn
    | ItemsRevealed
    | BuzzPairsFormed
    | BuzzPairsCleared
    | RedCardRaised
    | RedCardDismissed
    | Merged
    | MergeUndone
    | ThemeRenamed
    | ItemDetached
    | DotsChanged
    | VoteStatusChanged
    | VoteClosed
    | VoteReopened
    | TallyRevealed
    | IslandCreated
    | IslandUpdated
    | IslandRemoved
    | IslandChosen
    | PlanEdited
    | IslandPresented
    | NextStepAdded
    | NextStepRemoved
    | NextMeetingSet
    | GroupsFormed
    | GroupMemberMoved
    | GroupRoleSet
    | AnswerEdited
    | GroupPresented
    | ReportTextEdited
    | Evaluated
    | SessionClosed
    | SessionReopened
    | ActionStatusSet
    | ActionNoteEdited
    | ActionPresented
    | SeriesLinked
    | OwnerNamed
    | OwnerUnnamed,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def load_event(raw: str | bytes) -> Event:
    return EVENT_ADAPTER.validate_json(raw)


# Every event type this version knows (what a newer one may add is not here).
EVENT_TYPES = frozenset(kind.model_fields["type"].default for kind in get_args(get_args(Event)[0]))


class UnreadableEvent(ValueError):
    """A stored event this version cannot read; the message says which and why."""


def read_event(raw: str | bytes, seq: int | None = None) -> Event:
    """:func:`load_event` for a stored log: an event of an unknown type (a
    newer kompsesjon wrote it) or a damaged one raises :class:`UnreadableEvent`
    with a sentence a person can act on, naming the event by its ``seq``."""
    try:
        return EVENT_ADAPTER.validate_json(raw)
    except ValidationError as exc:
        where = "an event" if seq is None else f"event {seq}"
        try:
            data = json.loads(raw)
        except ValueError:
            raise UnreadableEvent(f"{where} is damaged: it is not JSON") from None
        kind = data.get("type") if isinstance(data, dict) else None
        if isinstance(kind, str) and kind not in EVENT_TYPES:
            raise UnreadableEvent(
                f"{where} is of the type {kind[:40]!r}, which this kompsesjon does not know;"
                " a newer kompsesjon wrote it: upgrade kompsesjon"
            ) from None
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"][1:]) or "type"
        named = f" ({kind[:40]!r})" if isinstance(kind, str) else ""
        raise UnreadableEvent(f"{where}{named} is damaged: {field}: {first['msg']}") from None


def dump_event(event: Event) -> str:
    return event.model_dump_json(exclude_defaults=False)
