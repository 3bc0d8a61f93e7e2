"""Commands: what a person asks the session to do.

Every command carries ``id``, chosen by the client (a UUID is fine), so that a
retry after a reconnect is applied at most once. Field types are checked here
by pydantic; the method's rules (phase, role, budget, text limits …) are checked
by :func:`kompsesjon.method.decide.decide`, which answers with a stable
rejection code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .series import Series

CommandId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Ref = Annotated[str, Field(min_length=1, max_length=32)]  # an id of a card, theme, island …


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: CommandId


class LinkRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    board: Ref
    card: Ref  # a card or theme; resolved to its top-level unit


# ---- anyone who has joined ----------------------------------------------------


class Join(_Command):
    """A new participant enters with a name (optional in anonymous sessions)."""

    type: Literal["join"] = "join"
    name: str = ""
    org: str = ""
    region: str = ""


class SetProfile(_Command):
    type: Literal["set_profile"] = "set_profile"
    name: str = ""
    org: str = ""


class SetRegion(_Command):
    """Say which region (county) one belongs to; a facilitator names whose."""

    type: Literal["set_region"] = "set_region"
    region: str
    participant: Ref | None = None  # facilitators: whose region; participants: themselves


class CheckIn(_Command):
    """Write (or rewrite) one's hopes for the day."""

    type: Literal["check_in"] = "check_in"
    text: str


class CheckOut(_Command):
    type: Literal["check_out"] = "check_out"
    text: str


class AddItem(_Command):
    type: Literal["add_item"] = "add_item"
    board: Ref
    text: str
    with_pair: bool = False  # submitted together with one's buzz pair


class EditItem(_Command):
    type: Literal["edit_item"] = "edit_item"
    item: Ref
    text: str


class WithdrawItem(_Command):
    type: Literal["withdraw_item"] = "withdraw_item"
    item: Ref


class RaiseRedCard(_Command):
    """Anonymous signal against a killer phrase in the vision phase."""

    type: Literal["raise_red_card"] = "raise_red_card"
    item: Ref | None = None
    note: str = ""


class PlaceDot(_Command):
    type: Literal["place_dot"] = "place_dot"
    board: Ref
    card: Ref


class RemoveDot(_Command):
    type: Literal["remove_dot"] = "remove_dot"
    board: Ref
    card: Ref


class MoveDot(_Command):
    type: Literal["move_dot"] = "move_dot"
    board: Ref
    card: Ref
    to: Ref


class MarkDone(_Command):
    type: Literal["mark_done"] = "mark_done"
    board: Ref
    done: bool = True


class Abstain(_Command):
    """Take back all one's dots on the board and say "I abstain"."""

    type: Literal["abstain"] = "abstain"
    board: Ref


class ChooseIsland(_Command):
    type: Literal["choose_island"] = "choose_island"
    island: Ref | None


class EditPlan(_Command):
    """Replace one action-plan field; ``base_version`` is the version edited."""

    type: Literal["edit_plan"] = "edit_plan"
    island: Ref
    field: Literal["what", "how", "who", "first_step", "when"]
    text: str
    base_version: int = Field(ge=0)


# ---- facilitator only -------------------------------------------------------


class EditSession(_Command):
    type: Literal["edit_session"] = "edit_session"
    title: str | None = None
    question: str | None = None


class ChangeRules(_Command):
    type: Literal["change_rules"] = "change_rules"
    dot_budget: int | None = None
    dot_cap: int | None = None
    list_cut: int | None = None
    island_min: int | None = None
    island_max: int | None = None
    private_writing: bool | None = None
    max_red_cards: int | None = None


class AdvancePhase(_Command):
    """Go to the next phase; ``current`` guards against two facilitators racing."""

    type: Literal["advance_phase"] = "advance_phase"
    current: int = Field(ge=0)


class StepBack(_Command):
    type: Literal["step_back"] = "step_back"
    current: int = Field(ge=0)


class SetTimer(_Command):
    type: Literal["set_timer"] = "set_timer"
    seconds: int = Field(ge=1, le=12 * 3600)


class ExtendTimer(_Command):
    type: Literal["extend_timer"] = "extend_timer"
    seconds: int = Field(ge=-12 * 3600, le=12 * 3600)


class PauseTimer(_Command):
    type: Literal["pause_timer"] = "pause_timer"


class ResumeTimer(_Command):
    type: Literal["resume_timer"] = "resume_timer"


class ClearTimer(_Command):
    type: Literal["clear_timer"] = "clear_timer"


class RevealItems(_Command):
    type: Literal["reveal_items"] = "reveal_items"
    board: Ref


class Merge(_Command):
    """Merge cards and/or themes of a board into one titled theme."""

    type: Literal["merge"] = "merge"
    board: Ref
    cards: list[Ref] = Field(min_length=1, max_length=500)
    title: str = ""  # empty: keep the title of the first theme or card


class UndoMerge(_Command):
    type: Literal["undo_merge"] = "undo_merge"
    theme: Ref


class RenameTheme(_Command):
    type: Literal["rename_theme"] = "rename_theme"
    theme: Ref
    title: str


class DetachItem(_Command):
    type: Literal["detach_item"] = "detach_item"
    item: Ref


class CloseVote(_Command):
    type: Literal["close_vote"] = "close_vote"
    board: Ref


class RevealTally(_Command):
    type: Literal["reveal_tally"] = "reveal_tally"
    board: Ref


class FormBuzzPairs(_Command):
    type: Literal["form_buzz_pairs"] = "form_buzz_pairs"
    seed: int | None = None  # another seed gives another pairing


class ClearBuzzPairs(_Command):
    type: Literal["clear_buzz_pairs"] = "clear_buzz_pairs"


class DismissRedCard(_Command):
    type: Literal["dismiss_red_card"] = "dismiss_red_card"
    card: Ref


class CreateIsland(_Command):
    type: Literal["create_island"] = "create_island"
    title: str
    links: list[LinkRef] = Field(max_length=50)  # at least one (decide: no_links)


class UpdateIsland(_Command):
    type: Literal["update_island"] = "update_island"
    island: Ref
    title: str | None = None
    links: list[LinkRef] | None = Field(default=None, max_length=50)  # not empty (decide: no_links)


class RemoveIsland(_Command):
    type: Literal["remove_island"] = "remove_island"
    island: Ref


class AssignIsland(_Command):
    type: Literal["assign_island"] = "assign_island"
    participant: Ref
    island: Ref | None


class PlaceUnassigned(_Command):
    """Put everyone who has not chosen into the smallest islands."""

    type: Literal["place_unassigned"] = "place_unassigned"


class PresentIsland(_Command):
    type: Literal["present_island"] = "present_island"
    island: Ref | None


class AddNextStep(_Command):
    type: Literal["add_next_step"] = "add_next_step"
    text: str


class RemoveNextStep(_Command):
    type: Literal["remove_next_step"] = "remove_next_step"
    step: Ref


class SetNextMeeting(_Command):
    type: Literal["set_next_meeting"] = "set_next_meeting"
    text: str


class RemoveParticipant(_Command):
    type: Literal["remove_participant"] = "remove_participant"
    participant: Ref


# ---- group rounds -----------------------------------------------------------


class EditAnswer(_Command):
    """Replace a group's answer to one question of a phase (versioned)."""

    type: Literal["edit_answer"] = "edit_answer"
    phase: int = Field(ge=0)
    question: int = Field(ge=0)
    group: Ref  # a group id; in follow-up phases "org:<organisation>"
    text: str
    base_version: int = Field(ge=0)
    sub: int | None = Field(default=None, ge=0)  # a sub-question the template answers on its own


class SetGroupRole(_Command):
    """Make someone (or oneself) the group's rapporteur or table host."""

    type: Literal["set_group_role"] = "set_group_role"
    group: Ref
    role: Literal["rapporteur", "host"]
    participant: Ref | None


class FormGroups(_Command):
    type: Literal["form_groups"] = "form_groups"
    set: Ref
    seed: int | None = None


class MoveToGroup(_Command):
    type: Literal["move_to_group"] = "move_to_group"
    set: Ref
    participant: Ref
    group: Ref | None


class PresentGroup(_Command):
    type: Literal["present_group"] = "present_group"
    group: Ref | None


# ---- the report -------------------------------------------------------------


class EditReportText(_Command):
    """Replace one of the facilitator's report texts (versioned like plans)."""

    type: Literal["edit_report_text"] = "edit_report_text"
    field: Literal["purpose", "background", "summary", "decisions"]
    text: str
    base_version: int = Field(ge=0)


class Evaluate(_Command):
    """At check-out: rate the day 1–5 and say what we should do differently."""

    type: Literal["evaluate"] = "evaluate"
    rating: int | None = Field(default=None, ge=1, le=5)
    text: str = ""


class CloseSession(_Command):
    """End the session for newcomers: a join is refused; those in stay."""

    type: Literal["close_session"] = "close_session"


class ReopenSession(_Command):
    type: Literal["reopen_session"] = "reopen_session"


# ---- a series: the follow-up of carried actions --------------------------------


class SetActionStatus(_Command):
    """Say what became of a carried action: done, in progress, not started, dropped."""

    type: Literal["set_action_status"] = "set_action_status"
    action: Annotated[str, Field(min_length=1, max_length=80)]
    status: Literal["done", "in_progress", "not_started", "dropped"] | None


class EditActionNote(_Command):
    """Replace one note on a carried action (versioned like plan fields)."""

    type: Literal["edit_action_note"] = "edit_action_note"
    action: Annotated[str, Field(min_length=1, max_length=80)]
    field: Literal["happened", "not_happened", "next"]
    text: str
    base_version: int = Field(ge=0)


class PresentAction(_Command):
    """Show one carried action on every screen (the report round)."""

    type: Literal["present_action"] = "present_action"
    action: Annotated[str, Field(min_length=1, max_length=80)] | None


class FollowSession(_Command):
    """Make this session follow an earlier one of the same server, chosen in
    the host view before anything is carried. ``token`` is the earlier
    session's facilitator token: it proves the right to that record (a token
    names its session only). ``series`` is filled in by the server from that
    session; whatever a client sends in it is replaced."""

    type: Literal["follow_session"] = "follow_session"
    token: str = Field(min_length=1, max_length=200)
    series: Series | None = None


class NameOwner(_Command):
    """Name a person (of the session or its series) in WHO of an island's plan."""

    type: Literal["name_owner"] = "name_owner"
    island: Ref
    name: str
    org: str = ""


class UnnameOwner(_Command):
    type: Literal["unname_owner"] = "unname_owner"
    island: Ref
    name: str
    org: str = ""


Command = Annotated[
    Join
    | SetProfile
    | SetRegion
    | CheckIn
    | CheckOut
    | AddItem
    | EditItem
    | WithdrawItem
    | RaiseRedCard
    | PlaceDot
    | RemoveDot
    | MoveDot
    | MarkDone
    | Abstain
    | ChooseIsland
    | EditPlan
    | EditSession
    | ChangeRules
    | AdvancePhase
    | StepBack
    | SetTimer
    | ExtendTimer
    | PauseTimer
    | ResumeTimer
    | ClearTimer
    | RevealItems
    | Merge
    | UndoMerge
    | RenameTheme
    | DetachItem
    | CloseVote
    | RevealTally
    | FormBuzzPairs
    | ClearBuzzPairs
    | DismissRedCard
    | CreateIsland
    | UpdateIsland
    | RemoveIsland
    | AssignIsland
    | PlaceUnassigned
    | PresentIsland
    | AddNextStep
    | RemoveNextStep
    | SetNextMeeting
    | RemoveParticipant
    | EditAnswer
    | SetGroupRole
    | FormGroups
    | MoveToGroup
    | PresentGroup
    | EditReportText
    | Evaluate
    | CloseSession
    | ReopenSession
    | SetActionStatus
    | EditActionNote
    | PresentAction
    | FollowSession
    | NameOwner
    | UnnameOwner,
    Field(discriminator="type"),
]

COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)

# Commands a participant may send; everything else needs the facilitator token.
# (Facilitators may also send the card commands, to moderate the wall.)
PARTICIPANT_COMMANDS = frozenset(
    {
        "set_profile",
        "set_region",
        "check_in",
        "check_out",
        "add_item",
        "edit_item",
        "withdraw_item",
        "raise_red_card",
        "place_dot",
        "remove_dot",
        "move_dot",
        "mark_done",
        "abstain",
        "choose_island",
        "edit_plan",
        "edit_answer",
        "set_group_role",
        "evaluate",
        "set_action_status",
        "edit_action_note",
        "name_owner",
        "unname_owner",
    }
)
FACILITATOR_ALSO = frozenset(
    {
        "add_item",
        "edit_item",
        "withdraw_item",
        "edit_plan",
        "edit_answer",
        "set_group_role",
        "set_region",
        "set_action_status",
        "edit_action_note",
        "name_owner",
        "unname_owner",
    }
)
