"""Decide what a command means: the events it causes, or why it is refused.

``decide(state, actor, command, now)`` reads the state and never changes it.
It returns the events to append (in order) or raises
:class:`~kompsesjon.method.rejection.Rejection` with a stable code. ``now`` is
passed in (epoch seconds) so that timers stay pure and testable.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from . import commands as cmd
from . import events as ev
from .agenda import BoardKind, PhaseKind
from .budgets import BUDGETS
from .clustering import is_live, members, unit_of, unit_title
from .grouping import buzz_pairs
from .islands import active_islands, island_sizes, placement, too_small
from .rejection import Rejection
from .state import PLAN_FIELDS, PlanField, Rules, State, VoteStatus
from .text import LIMITS, clean
from .visibility import may_see_item, shown_author, writers
from .voting import dots_by_unit, live_tally

Role = Literal["facilitator", "participant", "screen", "guest"]


@dataclass(frozen=True)
class Actor:
    """Who sends a command. ``id`` is the participant id for participants."""

    role: Role
    id: str | None = None

    @property
    def is_facilitator(self) -> bool:
        return self.role == "facilitator"


def _me(actor: Actor) -> str:
    """The participant who sent a participant's command (decide has checked that)."""
    assert actor.id is not None
    return actor.id


FACILITATOR = Actor("facilitator")
GUEST = Actor("guest")


def participant(pid: str) -> Actor:
    return Actor("participant", pid)


_HANDLERS: dict[type, Callable[[State, Actor, Any, float], list]] = {}


def _on(command_type: type) -> Callable:
    def register(fn: Callable) -> Callable:
        _HANDLERS[command_type] = fn
        return fn

    return register


def decide(state: State, actor: Actor, command: cmd.Command, now: float) -> list[ev.Event]:
    """The events ``command`` from ``actor`` causes; raises Rejection if none."""
    kind = command.type
    if actor.role == "screen":
        raise Rejection("read_only", "A screen only shows the session; it cannot change it.")
    if actor.role == "guest":
        if kind != "join":
            raise Rejection("not_joined", "Join the session before doing anything else.")
    elif kind == "join":
        raise Rejection("already_joined", "You have already joined this session.")
    elif actor.role == "participant":
        if kind not in cmd.PARTICIPANT_COMMANDS:
            raise Rejection("not_facilitator", "Only a facilitator can do that.", command=kind)
        person = state.participants.get(actor.id or "")
        if person is None:
            raise Rejection("unknown_participant", "You are not a participant in this session.")
        if person.removed:
            raise Rejection("participant_removed", "You have been removed from this session.")
    elif actor.role != "facilitator":  # pragma: no cover - Role is closed
        raise Rejection("unknown_role", f"Unknown role {actor.role!r}.")
    elif kind in cmd.PARTICIPANT_COMMANDS and kind not in cmd.FACILITATOR_ALSO:
        raise Rejection("not_participant", "Only participants do that; join as a participant.")
    return _HANDLERS[type(command)](state, actor, command, now)


# ---- shared checks ----------------------------------------------------------


def _next_id(state: State, counter: str, prefix: str, *taken: Container[str]) -> str:
    """The next id of a kind: its prefix and one more than the count made so far.

    An id already in use is stepped over: a board's prefix may be any 1–3
    characters, so it can end in a digit, equal another board's prefix or be
    ``T`` like the themes (cards and themes are both units on a board).
    """
    n = state.counters.get(counter, 0) + 1
    while any(f"{prefix}{n}" in ids for ids in taken):
        n += 1
    return f"{prefix}{n}"


def _phase_is(state: State, *kinds: PhaseKind, board: str | None = None) -> bool:
    phase = state.current
    return phase.kind in kinds and (board is None or phase.board == board)


def _require_phase(state: State, *kinds: PhaseKind, board: str | None = None) -> None:
    if not _phase_is(state, *kinds, board=board):
        wanted = " or ".join(k.value for k in kinds)
        where = f" on board {board!r}" if board else ""
        raise Rejection(
            "wrong_phase",
            f"That can only be done in the {wanted} phase{where}; "
            f"the session is in the {state.current.kind.value} phase.",
            phase=state.current.kind.value,
            wanted=[k.value for k in kinds],
        )


def _board(state: State, board: str):
    found = state.boards.get(board)
    if found is None:
        raise Rejection("unknown_board", f"There is no board {board!r}.", board=board)
    return found


def _item(state: State, item_id: str):
    item = state.items.get(item_id)
    if item is None:
        raise Rejection("unknown_item", f"There is no card {item_id!r}.", item=item_id)
    return item


def _island(state: State, island_id: str):
    island = state.islands.get(island_id)
    if island is None or island.removed:
        raise Rejection("unknown_island", f"There is no island {island_id!r}.", island=island_id)
    return island


def _participant(state: State, pid: str):
    person = state.participants.get(pid)
    if person is None:
        raise Rejection("unknown_participant", f"There is no participant {pid!r}.", participant=pid)
    return person


def _can_see(state: State, actor: Actor, item) -> bool:
    return may_see_item(state, item, actor.id, facilitator=actor.is_facilitator)


def _visible_item(state: State, actor: Actor, item_id: str):
    item = _item(state, item_id)
    if not _can_see(state, actor, item):
        # Same answer as a card that does not exist: private cards stay private.
        raise Rejection("unknown_item", f"There is no card {item_id!r}.", item=item_id)
    return item


# ---- session and people -----------------------------------------------------


@_on(cmd.Join)
def _join(state: State, actor: Actor, c: cmd.Join, now: float) -> list:
    if state.closed:
        raise Rejection("session_closed", "This session has been closed; it admits nobody new.")
    name = clean("name", c.name, required=not state.anonymous)
    org = clean("org", c.org, required=False)
    if not state.anonymous and not name:  # pragma: no cover - clean() refuses empty
        raise Rejection("name_required", "Please give your name.")
    region = clean("region", c.region, required=False)
    if len(state.participants) >= BUDGETS["participants"]:
        raise Rejection(
            "session_full",
            f"This session already has {len(state.participants)} participants, the most it takes.",
            limit=BUDGETS["participants"],
        )
    return [ev.ParticipantJoined(participant=_next_id(state, "participant", "p"), name=name, org=org, region=region)]


@_on(cmd.SetProfile)
def _set_profile(state: State, actor: Actor, c: cmd.SetProfile, now: float) -> list:
    name = clean("name", c.name, required=not state.anonymous)
    org = clean("org", c.org, required=False)
    person = state.participants[_me(actor)]
    if (name, org) == (person.name, person.org):
        raise Rejection("nothing_to_change", "Your name and organisation already say that.")
    return [ev.ProfileChanged(participant=actor.id, name=name, org=org)]


@_on(cmd.RemoveParticipant)
def _remove_participant(state: State, actor: Actor, c: cmd.RemoveParticipant, now: float) -> list:
    person = _participant(state, c.participant)
    if person.removed:
        raise Rejection("already_removed", "That participant has already been removed.")
    return [ev.ParticipantRemoved(participant=person.id)]


@_on(cmd.EditSession)
def _edit_session(state: State, actor: Actor, c: cmd.EditSession, now: float) -> list:
    title = clean("title", c.title) if c.title is not None else None
    question = clean("question", c.question, required=False) if c.question is not None else None
    # What is the same as now is not a change: the event carries only changes.
    title = None if title == state.title else title
    question = None if question == state.question else question
    if title is None and question is None:
        raise Rejection("nothing_to_change", "Give a new title or a new shared question.")
    return [ev.SessionEdited(title=title, question=question)]


@_on(cmd.ChangeRules)
def _change_rules(state: State, actor: Actor, c: cmd.ChangeRules, now: float) -> list:
    changes = {k: v for k, v in c.model_dump(exclude={"id", "type"}).items() if v is not None}
    if not changes:
        raise Rejection("nothing_to_change", "No rule was given to change.")
    try:
        rules = Rules.model_validate(state.rules.model_dump() | changes)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Rejection(
            "bad_rules", f"Those rules do not fit together: {first['msg']}.", errors=len(exc.errors())
        ) from None
    if rules == state.rules:
        raise Rejection("nothing_to_change", "The rules already say that.")
    changes = {k: v for k, v in changes.items() if getattr(state.rules, k) != v}
    touches_dots = {"dot_budget", "dot_cap"} & changes.keys()
    if touches_dots and any(b.vote.dots for b in state.boards.values() if not b.vote.closed):
        raise Rejection(
            "votes_exist",
            "Dots have already been placed in an open vote; the dot budget and cap cannot change now.",
        )
    if touches_dots:
        # A closed round can be reopened by stepping back; its dots must still
        # fit the session's rules then.
        for board_id, board in state.boards.items():
            for person in board.vote.dots:
                if state.participants.get(person) is not None and state.participants[person].removed:
                    continue
                per_unit = dots_by_unit(state, board_id, person)
                if sum(per_unit.values()) > rules.dot_budget or max(per_unit.values(), default=0) > rules.dot_cap:
                    raise Rejection(
                        "votes_exist",
                        f"Dots placed on the {board_id!r} board do not fit that budget and cap.",
                        board=board_id,
                    )
    return [ev.RulesChanged(rules=rules)]


# ---- phases and timer -------------------------------------------------------


@_on(cmd.AdvancePhase)
def _advance(state: State, actor: Actor, c: cmd.AdvancePhase, now: float) -> list:
    _expect_phase(state, c.current)
    if state.phase + 1 >= len(state.agenda):
        raise Rejection("last_phase", "This is the last phase of the agenda.")
    out: list = []
    leaving = state.current
    if leaving.kind == PhaseKind.BRAINSTORM and leaving.board:
        # Private writing ends with the brainstorm: what is clustered and
        # voted on must be on the wall for everyone.
        hidden = [i for i in state.items.values() if i.board == leaving.board and i.private and not i.withdrawn]
        if hidden:
            out.append(_revealed_items(leaving.board, hidden))
    if leaving.kind == PhaseKind.VOTE and leaving.board:
        # The vote ends when the list is shown: close it and reveal the tally.
        vote = state.boards[leaving.board].vote
        if not vote.closed:
            out.append(ev.VoteClosed(board=leaving.board))
        if vote.revealed is None:
            out.append(_reveal_tally(state, leaving.board))
    if leaving.kind == PhaseKind.ISLANDS:
        _refuse_lonely(state, too_small(state))
    out.append(ev.PhaseChanged(phase=state.phase + 1, previous=state.phase))
    return out


@_on(cmd.StepBack)
def _step_back(state: State, actor: Actor, c: cmd.StepBack, now: float) -> list:
    _expect_phase(state, c.current)
    if state.phase == 0:
        raise Rejection("first_phase", "This is the first phase of the agenda.")
    out: list = [ev.PhaseChanged(phase=state.phase - 1, previous=state.phase)]
    entering = state.agenda[state.phase - 1]
    leaving = state.current
    if entering.kind == PhaseKind.VOTE and entering.board:
        # Back to voting: dots are kept, the round opens and the tally hides.
        out.append(ev.VoteReopened(board=entering.board))
    elif leaving.kind == PhaseKind.VOTE and leaving.board and state.boards[leaving.board].vote.closed:
        # Back before a vote that was closed early: it is run again after the
        # change, so it opens (and an early tally no longer stands).
        out.append(ev.VoteReopened(board=leaving.board))
    return out


def _expect_phase(state: State, current: int) -> None:
    if current != state.phase:
        raise Rejection(
            "phase_changed",
            "The phase has already changed (perhaps another facilitator moved it).",
            phase=state.phase,
        )


@_on(cmd.SetTimer)
def _set_timer(state: State, actor: Actor, c: cmd.SetTimer, now: float) -> list:
    return [ev.TimerChanged(timer=ev.TimerData(deadline=now + c.seconds))]


@_on(cmd.ExtendTimer)
def _extend_timer(state: State, actor: Actor, c: cmd.ExtendTimer, now: float) -> list:
    timer = state.timer
    if timer.deadline is not None:
        return [ev.TimerChanged(timer=ev.TimerData(deadline=max(now, timer.deadline + c.seconds)))]
    if timer.remaining is not None:
        return [ev.TimerChanged(timer=ev.TimerData(remaining=max(0.0, timer.remaining + c.seconds)))]
    raise Rejection("no_timer", "There is no timer to extend; set one first.")


@_on(cmd.PauseTimer)
def _pause_timer(state: State, actor: Actor, c: cmd.PauseTimer, now: float) -> list:
    if state.timer.deadline is None:
        raise Rejection("no_timer", "There is no running timer to pause.")
    return [ev.TimerChanged(timer=ev.TimerData(remaining=max(0.0, state.timer.deadline - now)))]


@_on(cmd.ResumeTimer)
def _resume_timer(state: State, actor: Actor, c: cmd.ResumeTimer, now: float) -> list:
    if state.timer.remaining is None:
        raise Rejection("no_timer", "There is no paused timer to resume.")
    return [ev.TimerChanged(timer=ev.TimerData(deadline=now + state.timer.remaining))]


@_on(cmd.ClearTimer)
def _clear_timer(state: State, actor: Actor, c: cmd.ClearTimer, now: float) -> list:
    if state.timer.deadline is None and state.timer.remaining is None:
        raise Rejection("no_timer", "There is no timer to clear.")
    return [ev.TimerChanged(timer=ev.TimerData())]


# ---- check-in / check-out ---------------------------------------------------


def _note_of(notes: dict, author: str | None) -> str | None:
    for note in notes.values():
        if note.author == author:
            return note.id
    return None


def _same_note(notes: dict, author: str | None, text: str) -> None:
    if any(note.author == author and note.text == text for note in notes.values()):
        raise Rejection("nothing_to_change", "Your note already says that.")


@_on(cmd.CheckIn)
def _check_in(state: State, actor: Actor, c: cmd.CheckIn, now: float) -> list:
    _require_phase(state, PhaseKind.INTRO)
    text = clean("note", c.text)
    _same_note(state.check_ins, actor.id, text)
    note = _note_of(state.check_ins, actor.id) or _next_id(state, "note", "N")
    return [ev.CheckedIn(note=note, text=text, author=actor.id)]


@_on(cmd.CheckOut)
def _check_out(state: State, actor: Actor, c: cmd.CheckOut, now: float) -> list:
    _require_phase(state, PhaseKind.CLOSING)
    text = clean("note", c.text)
    _same_note(state.check_outs, actor.id, text)
    note = _note_of(state.check_outs, actor.id) or _next_id(state, "note", "N")
    return [ev.CheckedOut(note=note, text=text, author=actor.id)]


# ---- cards ------------------------------------------------------------------


def _active_pair(state: State, pid: str | None) -> str | None:
    for pair in state.buzz_pairs.values():
        if pair.active and pid in pair.members:
            return pair.id
    return None


@_on(cmd.AddItem)
def _add_item(state: State, actor: Actor, c: cmd.AddItem, now: float) -> list:
    board = _board(state, c.board)
    if actor.is_facilitator:
        _require_phase(state, PhaseKind.BRAINSTORM, PhaseKind.CLUSTER, board=c.board)
    else:
        _require_phase(state, PhaseKind.BRAINSTORM, board=c.board)
    text = clean("item", c.text)
    pair = None
    if c.with_pair:
        pair = _active_pair(state, actor.id)
        if pair is None:
            raise Rejection("not_in_buzz_pair", "You are not in a buzz pair right now.")
    _card_budget(state, actor, c.board)
    private = state.rules.private_writing and not board.revealed and not actor.is_facilitator
    item_id = _next_id(state, f"item:{c.board}", board.spec.prefix, state.items, state.themes)
    data = ev.ItemData(id=item_id, board=c.board, text=text, author=actor.id, pair=pair)
    return [ev.ItemAdded(item=data, private=private)]


def _card_budget(state: State, actor: Actor, board: str) -> None:
    """Room for one more card on ``board``, and for one more of the actor's."""
    on_board = [i for i in state.items.values() if i.board == board]
    if len(on_board) >= BUDGETS["cards_per_board"]:
        raise Rejection(
            "board_full",
            f"This board already has {len(on_board)} cards, the most it takes.",
            limit=BUDGETS["cards_per_board"],
        )
    if actor.is_facilitator:
        return
    mine = sum(1 for i in on_board if i.author == actor.id)
    if mine >= BUDGETS["cards_per_person"]:
        raise Rejection(
            "too_many_cards",
            f"You have written {mine} cards on this board, the most one person may.",
            limit=BUDGETS["cards_per_person"],
        )


def _own_card(state: State, actor: Actor, item_id: str):
    item = _visible_item(state, actor, item_id)
    if item.withdrawn:
        raise Rejection("item_withdrawn", "That card has been withdrawn.", item=item_id)
    if actor.is_facilitator:
        return item
    if actor.id not in writers(state, item):
        raise Rejection("not_author", "Only the people who wrote a card can change it.", item=item_id)
    _require_phase(state, PhaseKind.BRAINSTORM, board=item.board)
    return item


@_on(cmd.EditItem)
def _edit_item(state: State, actor: Actor, c: cmd.EditItem, now: float) -> list:
    item = _own_card(state, actor, c.item)
    text = clean("item", c.text)
    if text == item.text:
        raise Rejection("nothing_to_change", "The card already says that.")
    return [ev.ItemEdited(item=item.id, text=text)]


@_on(cmd.WithdrawItem)
def _withdraw_item(state: State, actor: Actor, c: cmd.WithdrawItem, now: float) -> list:
    item = _own_card(state, actor, c.item)
    return [ev.ItemWithdrawn(item=item.id)]


@_on(cmd.RevealItems)
def _reveal_items(state: State, actor: Actor, c: cmd.RevealItems, now: float) -> list:
    board = _board(state, c.board)
    hidden = [i for i in state.items.values() if i.board == c.board and i.private and not i.withdrawn]
    if board.revealed and not hidden:
        raise Rejection("already_revealed", "The cards on that board are already visible to all.")
    return [_revealed_items(c.board, hidden)]


def _revealed_items(board: str, hidden: list) -> ev.ItemsRevealed:
    items = [ev.ItemData(id=i.id, board=i.board, text=i.text, author=i.author, pair=i.pair) for i in hidden]
    return ev.ItemsRevealed(board=board, items=items)


@_on(cmd.FormBuzzPairs)
def _form_pairs(state: State, actor: Actor, c: cmd.FormBuzzPairs, now: float) -> list:
    people = [(p.id, p.org) for p in state.participants.values() if not p.removed]
    if len(people) < 2:
        raise Rejection("too_few_participants", "Buzz pairs need at least two participants.")
    seed = c.seed if c.seed is not None else state.counters.get("pair", 0) + len(people)
    first = state.counters.get("pair", 0) + 1
    pairs = {f"B{first + n}": members for n, members in enumerate(buzz_pairs(people, seed))}
    return [ev.BuzzPairsFormed(pairs=pairs)]


@_on(cmd.ClearBuzzPairs)
def _clear_pairs(state: State, actor: Actor, c: cmd.ClearBuzzPairs, now: float) -> list:
    if not any(p.active for p in state.buzz_pairs.values()):
        raise Rejection("no_buzz_pairs", "There are no buzz pairs to clear.")
    return [ev.BuzzPairsCleared()]


@_on(cmd.RaiseRedCard)
def _red_card(state: State, actor: Actor, c: cmd.RaiseRedCard, now: float) -> list:
    phase = state.current
    board = state.boards.get(phase.board or "")
    if board is None or board.spec.kind != BoardKind.VISION or phase.kind != PhaseKind.BRAINSTORM:
        raise Rejection(
            "wrong_phase",
            "A red card can be raised during the vision phase.",
            phase=phase.kind.value,
        )
    note = clean("red_card", c.note, required=c.item is None)
    if c.item is not None and _visible_item(state, actor, c.item).withdrawn:
        raise Rejection("item_withdrawn", "That card has been withdrawn.", item=c.item)
    mine = [r for r in state.red_cards.values() if r.raised_by == actor.id and not r.dismissed]
    if c.item is not None and any(r.item == c.item for r in mine):
        raise Rejection("red_card_already_raised", "You have already raised a red card on that card.")
    if len(mine) >= state.rules.max_red_cards:
        raise Rejection(
            "too_many_red_cards",
            f"You already have {len(mine)} red cards up; wait for the facilitator to respond.",
            limit=state.rules.max_red_cards,
        )
    if len(state.red_cards) >= BUDGETS["red_cards"]:
        raise Rejection(
            "too_many_red_cards_in_session",
            f"This session already has {len(state.red_cards)} red cards, the most it takes.",
            limit=BUDGETS["red_cards"],
        )
    card = _next_id(state, "red_card", "R")
    return [ev.RedCardRaised(card=card, item=c.item, note=note, raised_by=actor.id)]


@_on(cmd.DismissRedCard)
def _dismiss_red_card(state: State, actor: Actor, c: cmd.DismissRedCard, now: float) -> list:
    card = state.red_cards.get(c.card)
    if card is None or card.dismissed:
        raise Rejection("unknown_red_card", f"There is no open red card {c.card!r}.")
    return [ev.RedCardDismissed(card=card.id)]


# ---- clustering -------------------------------------------------------------


def _live_unit(state: State, board: str, card: str) -> str:
    item = state.items.get(card)
    theme = state.themes.get(card)
    owner = item.board if item is not None else theme.board if theme is not None else None
    unit = unit_of(state, card) if owner == board else None
    if unit is None or not is_live(state, board, unit):
        raise Rejection("unknown_card", f"There is no card or theme {card!r} on this board.", card=card)
    return unit


@_on(cmd.Merge)
def _merge(state: State, actor: Actor, c: cmd.Merge, now: float) -> list:
    _board(state, c.board)
    _require_phase(state, PhaseKind.CLUSTER, board=c.board)
    units = list(dict.fromkeys(_live_unit(state, c.board, card) for card in c.cards))
    if len(units) < 2:
        raise Rejection("merge_needs_two", "Pick at least two cards or themes to merge.")
    if any(item.private for unit in units for item in members(state, unit)):
        # A theme title is public; merging hidden cards would show them.
        raise Rejection("cards_hidden", "Reveal the cards on this board before merging them.")
    if c.title.strip():
        title = clean("title", c.title)
    else:
        first_theme = next((u for u in units if u in state.themes), None)
        title = unit_title(state, first_theme or units[0])[: LIMITS["title"]]
    theme = _next_id(state, "theme", "T", state.themes, state.items)
    merged = ev.Merged(
        board=c.board,
        theme=theme,
        title=title,
        items=[u for u in units if u in state.items],
        themes=[u for u in units if u in state.themes],
    )
    return [merged, *_trim_over_cap(state, c.board, units)]


def _trim_over_cap(state: State, board: str, units: list[str]) -> list:
    """After a merge, give back dots stacked above the cap on the new theme."""
    out = []
    cap = state.rules.dot_cap
    for person in sorted(state.boards[board].vote.dots):
        per_unit = dots_by_unit(state, board, person)
        excess = sum(per_unit.get(u, 0) for u in units) - cap
        if excess <= 0:
            continue
        changes: dict[str, int] = {}
        placed = state.boards[board].vote.dots[person]
        for card in reversed(list(placed)):
            if excess <= 0:
                break
            if unit_of(state, card) in units:
                take = min(placed[card], excess)
                changes[card] = -take
                excess -= take
        out.append(ev.DotsChanged(board=board, participant=person, changes=changes))
    return out


@_on(cmd.UndoMerge)
def _undo_merge(state: State, actor: Actor, c: cmd.UndoMerge, now: float) -> list:
    theme = state.themes.get(c.theme)
    if theme is None:
        raise Rejection("unknown_theme", f"There is no theme {c.theme!r}.", theme=c.theme)
    _require_phase(state, PhaseKind.CLUSTER, board=theme.board)
    if theme.merged_into is not None:
        raise Rejection(
            "theme_not_top_level",
            "That theme sits inside another theme; undo the outer merge first.",
            theme=c.theme,
            outer=theme.merged_into,
        )
    return [ev.MergeUndone(theme=theme.id)]


@_on(cmd.RenameTheme)
def _rename_theme(state: State, actor: Actor, c: cmd.RenameTheme, now: float) -> list:
    theme = state.themes.get(c.theme)
    if theme is None:
        raise Rejection("unknown_theme", f"There is no theme {c.theme!r}.", theme=c.theme)
    title = clean("title", c.title)
    if title == theme.title:
        raise Rejection("nothing_to_change", "The theme already has that title.")
    return [ev.ThemeRenamed(theme=theme.id, title=title)]


@_on(cmd.DetachItem)
def _detach_item(state: State, actor: Actor, c: cmd.DetachItem, now: float) -> list:
    item = _item(state, c.item)
    _require_phase(state, PhaseKind.CLUSTER, board=item.board)
    if item.theme is None:
        raise Rejection("not_in_theme", "That card is not in a theme.", item=c.item)
    return [ev.ItemDetached(item=item.id)]


# ---- voting -----------------------------------------------------------------


def _open_vote(state: State, board: str):
    _board(state, board)
    _require_phase(state, PhaseKind.VOTE, board=board)
    vote = state.boards[board].vote
    if vote.closed:
        raise Rejection("vote_closed", "The vote on this board is closed.")
    return vote


def _after_dots(state: State, board: str, pid: str, still_has_dots: bool) -> list:
    """Placing dots ends an abstention; a status is kept otherwise."""
    status = state.boards[board].vote.status.get(pid)
    if status == VoteStatus.ABSTAINED and still_has_dots:
        return [ev.VoteStatusChanged(board=board, participant=pid, status=None)]
    return []


def _votable_unit(state: State, actor: Actor, board: str, card: str) -> str:
    unit = _live_unit(state, board, card)
    item = state.items.get(unit)
    if item is not None and not _can_see(state, actor, item):
        # Same answer as a card that does not exist: private cards stay private.
        raise Rejection("unknown_card", f"There is no card or theme {card!r} on this board.", card=card)
    return unit


@_on(cmd.PlaceDot)
def _place_dot(state: State, actor: Actor, c: cmd.PlaceDot, now: float) -> list:
    _open_vote(state, c.board)
    unit = _votable_unit(state, actor, c.board, c.card)
    per_unit = dots_by_unit(state, c.board, _me(actor))
    used = sum(per_unit.values())
    if used >= state.rules.dot_budget:
        raise Rejection(
            "dot_budget_exceeded",
            f"You have used all {state.rules.dot_budget} dots; take one back to move it.",
            budget=state.rules.dot_budget,
        )
    if per_unit.get(unit, 0) >= state.rules.dot_cap:
        raise Rejection(
            "dot_cap_exceeded",
            f"At most {state.rules.dot_cap} dots on one theme.",
            cap=state.rules.dot_cap,
            unit=unit,
        )
    return [
        ev.DotsChanged(board=c.board, participant=actor.id, changes={unit: 1}),
        *_after_dots(state, c.board, _me(actor), True),
    ]


def _take_dot(state: State, board: str, pid: str, unit: str) -> dict[str, int]:
    """Which placed card to take one dot from, for a dot on ``unit``."""
    placed = state.boards[board].vote.dots.get(pid, {})
    for card in [unit, *placed]:  # prefer the unit itself, then older placements
        if placed.get(card, 0) > 0 and unit_of(state, card) == unit:
            return {card: -1}
    raise Rejection("no_dot_there", "You have no dot on that card.", unit=unit)


@_on(cmd.RemoveDot)
def _remove_dot(state: State, actor: Actor, c: cmd.RemoveDot, now: float) -> list:
    _open_vote(state, c.board)
    unit = _votable_unit(state, actor, c.board, c.card)
    changes = _take_dot(state, c.board, _me(actor), unit)
    return [ev.DotsChanged(board=c.board, participant=actor.id, changes=changes)]


@_on(cmd.MoveDot)
def _move_dot(state: State, actor: Actor, c: cmd.MoveDot, now: float) -> list:
    _open_vote(state, c.board)
    source = _votable_unit(state, actor, c.board, c.card)
    target = _votable_unit(state, actor, c.board, c.to)
    if source == target:
        raise Rejection("same_card", "The dot is already on that card.")
    changes = _take_dot(state, c.board, _me(actor), source)
    if dots_by_unit(state, c.board, _me(actor)).get(target, 0) >= state.rules.dot_cap:
        raise Rejection(
            "dot_cap_exceeded", f"At most {state.rules.dot_cap} dots on one theme.", cap=state.rules.dot_cap
        )
    changes[target] = changes.get(target, 0) + 1
    return [ev.DotsChanged(board=c.board, participant=actor.id, changes=changes)]


@_on(cmd.MarkDone)
def _mark_done(state: State, actor: Actor, c: cmd.MarkDone, now: float) -> list:
    vote = _open_vote(state, c.board)
    current = vote.status.get(actor.id)
    wanted = VoteStatus.DONE if c.done else None
    if current == wanted:
        raise Rejection("nothing_to_change", "Your vote already has that status.")
    return [ev.VoteStatusChanged(board=c.board, participant=actor.id, status=wanted)]


@_on(cmd.Abstain)
def _abstain(state: State, actor: Actor, c: cmd.Abstain, now: float) -> list:
    vote = _open_vote(state, c.board)
    if vote.status.get(actor.id) == VoteStatus.ABSTAINED:
        raise Rejection("nothing_to_change", "You have already abstained.")
    out: list = []
    placed = vote.dots.get(actor.id, {})
    if placed:
        out.append(ev.DotsChanged(board=c.board, participant=actor.id, changes={k: -n for k, n in placed.items()}))
    out.append(ev.VoteStatusChanged(board=c.board, participant=actor.id, status=VoteStatus.ABSTAINED))
    return out


def _reveal_tally(state: State, board: str) -> ev.TallyRevealed:
    entries = live_tally(state, board)
    return ev.TallyRevealed(
        board=board, tally=[ev.TallyData(unit=t.unit, dots=t.dots, voters=t.voters) for t in entries]
    )


@_on(cmd.CloseVote)
def _close_vote(state: State, actor: Actor, c: cmd.CloseVote, now: float) -> list:
    _open_vote(state, c.board)
    return [ev.VoteClosed(board=c.board)]


@_on(cmd.RevealTally)
def _reveal(state: State, actor: Actor, c: cmd.RevealTally, now: float) -> list:
    vote = _board(state, c.board).vote
    if not vote.closed:
        raise Rejection("vote_open", "Close the vote before revealing the result.")
    if vote.revealed is not None:
        raise Rejection("already_revealed", "The result has already been revealed.")
    return [_reveal_tally(state, c.board)]


# ---- islands ----------------------------------------------------------------


def _resolve_links(state: State, links: list[cmd.LinkRef]) -> list[ev.LinkData]:
    if not links:
        raise Rejection("no_links", "An island links at least one card or theme of the lists.")
    out: list[ev.LinkData] = []
    for link in links:
        _board(state, link.board)
        unit = _live_unit(state, link.board, link.card)
        data = ev.LinkData(board=link.board, unit=unit)
        if data not in out:
            out.append(data)
    return out


@_on(cmd.CreateIsland)
def _create_island(state: State, actor: Actor, c: cmd.CreateIsland, now: float) -> list:
    _require_phase(state, PhaseKind.ISLANDS)
    title = clean("title", c.title)
    links = _resolve_links(state, c.links)
    return [ev.IslandCreated(island=_next_id(state, "island", "I"), title=title, links=links)]


@_on(cmd.UpdateIsland)
def _update_island(state: State, actor: Actor, c: cmd.UpdateIsland, now: float) -> list:
    island = _island(state, c.island)
    title = clean("title", c.title) if c.title is not None else island.title
    if c.links is not None:
        links = _resolve_links(state, c.links)
    else:
        links = [ev.LinkData(board=link.board, unit=link.unit) for link in island.links]
    if title == island.title and links == [ev.LinkData(board=link.board, unit=link.unit) for link in island.links]:
        raise Rejection("nothing_to_change", "The island already has that title and those links.")
    return [ev.IslandUpdated(island=island.id, title=title, links=links)]


@_on(cmd.RemoveIsland)
def _remove_island(state: State, actor: Actor, c: cmd.RemoveIsland, now: float) -> list:
    island = _island(state, c.island)
    _require_phase(state, PhaseKind.ISLANDS)
    return [ev.IslandRemoved(island=island.id)]


def _join_island(state: State, pid: str, island_id: str | None) -> list:
    if island_id is not None:
        _island(state, island_id)
        if state.island_of.get(pid) == island_id:
            raise Rejection("nothing_to_change", "Already on that island.")
        size = island_sizes(state).get(island_id, 0)
        if size >= state.rules.island_max:
            raise Rejection(
                "island_full",
                f"That island already has {size} people (the most is {state.rules.island_max}).",
                island=island_id,
                limit=state.rules.island_max,
            )
    elif pid not in state.island_of:
        raise Rejection("nothing_to_change", "Not on any island.")
    return [ev.IslandChosen(participant=pid, island=island_id)]


@_on(cmd.ChooseIsland)
def _choose_island(state: State, actor: Actor, c: cmd.ChooseIsland, now: float) -> list:
    _require_phase(state, PhaseKind.ISLANDS)
    return _join_island(state, _me(actor), c.island)


@_on(cmd.AssignIsland)
def _assign_island(state: State, actor: Actor, c: cmd.AssignIsland, now: float) -> list:
    _require_phase(state, PhaseKind.ISLANDS, PhaseKind.ACTION_PLANS)
    person = _participant(state, c.participant)
    if person.removed:
        raise Rejection("participant_removed", "That participant has been removed.")
    events = _join_island(state, person.id, c.island)
    if state.current.kind == PhaseKind.ACTION_PLANS:
        # The islands are settled and at work: a move may not leave anyone
        # alone, on the island they leave or the one they join.
        sizes = island_sizes(state)
        left, joined = state.island_of.get(person.id), c.island
        if left is not None:
            sizes[left] = sizes.get(left, 0) - 1
        if joined is not None:
            sizes[joined] = sizes.get(joined, 0) + 1
        minimum = max(state.rules.island_min, 2)
        _refuse_lonely(state, {i: sizes[i] for i in (left, joined) if i is not None and 0 < sizes[i] < minimum})
    return events


def _refuse_lonely(state: State, small: dict[str, int]) -> None:
    """Nobody is left alone: refuse when islands would be too small."""
    if small:
        names = ", ".join(state.islands[i].title for i in small)
        raise Rejection(
            "island_too_small",
            f"Nobody should be left alone: these islands have fewer than "
            f"{max(state.rules.island_min, 2)} people: {names}.",
            islands=small,
        )


@_on(cmd.PlaceUnassigned)
def _place_unassigned(state: State, actor: Actor, c: cmd.PlaceUnassigned, now: float) -> list:
    _require_phase(state, PhaseKind.ISLANDS, PhaseKind.ACTION_PLANS)
    if not active_islands(state):
        raise Rejection("no_islands", "Create islands first.")
    try:
        plan = placement(state)
    except ValueError:
        raise Rejection(
            "islands_full", "The islands cannot take everyone; raise the maximum or add an island."
        ) from None
    if not plan:
        raise Rejection("nothing_to_change", "Everyone is already on an island.")
    return [ev.IslandChosen(participant=p, island=i) for p, i in plan.items()]


# ---- action plans and closing -----------------------------------------------


@_on(cmd.EditPlan)
def _edit_plan(state: State, actor: Actor, c: cmd.EditPlan, now: float) -> list:
    island = _island(state, c.island)
    if actor.is_facilitator:
        _require_phase(state, PhaseKind.ACTION_PLANS, PhaseKind.CLOSING)
    else:
        _require_phase(state, PhaseKind.ACTION_PLANS)
        if state.island_of.get(_me(actor)) != island.id:
            raise Rejection("not_island_member", "Only the island's own group writes its action plan.")
    assert c.field in PLAN_FIELDS
    text = clean("plan", c.text, required=False)
    current = state.plans.get(island.id, {}).get(c.field)
    version = next_version(state, actor, current, c.base_version, text, "field", island=island.id, field=c.field)
    return [ev.PlanEdited(island=island.id, field=c.field, text=text, version=version, by=actor.id)]


def next_version(
    state: State, actor: Actor, current: PlanField | None, base_version: int, text: str, what: str, **where: Any
) -> int:
    """The version a versioned text (a plan field, a group's answer) gets
    when ``text`` is written over ``base_version``.

    Never a silent overwrite: a writer who started from an older version is
    refused with the newer text to merge (``where`` says which text it is).
    """
    version = current.version if current else 0
    if base_version != version:
        # Rejections reach the client: they name an author as a view would.
        by = shown_author(state, current.by, actor.id) if current else None
        raise Rejection(
            "stale_version",
            f"Someone else changed this {what} while you were writing; here is the newer text.",
            **where,
            version=version,
            text=current.text if current else "",
            by=by,
        )
    if current is not None and current.text == text:
        raise Rejection("nothing_to_change", f"The {what} already says that.")
    return version + 1


@_on(cmd.PresentIsland)
def _present_island(state: State, actor: Actor, c: cmd.PresentIsland, now: float) -> list:
    _require_phase(state, PhaseKind.ACTION_PLANS, PhaseKind.CLOSING)
    if c.island is not None:
        _island(state, c.island)
    if state.presenting == c.island:
        raise Rejection("nothing_to_change", "That is already shown.")
    return [ev.IslandPresented(island=c.island)]


@_on(cmd.AddNextStep)
def _add_step(state: State, actor: Actor, c: cmd.AddNextStep, now: float) -> list:
    _require_phase(state, PhaseKind.CLOSING)
    return [ev.NextStepAdded(step=_next_id(state, "step", "S"), text=clean("step", c.text))]


@_on(cmd.RemoveNextStep)
def _remove_step(state: State, actor: Actor, c: cmd.RemoveNextStep, now: float) -> list:
    step = state.next_steps.get(c.step)
    if step is None or step.removed:
        raise Rejection("unknown_step", f"There is no next step {c.step!r}.")
    return [ev.NextStepRemoved(step=step.id)]


@_on(cmd.SetNextMeeting)
def _next_meeting(state: State, actor: Actor, c: cmd.SetNextMeeting, now: float) -> list:
    _require_phase(state, PhaseKind.CLOSING)
    text = clean("step", c.text, required=False)
    if text == state.next_meeting:
        raise Rejection("nothing_to_change", "The next meeting already says that.")
    return [ev.NextMeetingSet(text=text)]


@_on(cmd.CloseSession)
def _close_session(state: State, actor: Actor, c: cmd.CloseSession, now: float) -> list:
    # Any phase: a meeting may end early. Only newcomers are refused; those
    # in keep reading (and writing what their phase allows).
    if state.closed:
        raise Rejection("nothing_to_change", "The session is already closed.")
    return [ev.SessionClosed(at=now)]


@_on(cmd.ReopenSession)
def _reopen_session(state: State, actor: Actor, c: cmd.ReopenSession, now: float) -> list:
    if not state.closed:
        raise Rejection("nothing_to_change", "The session is open.")
    return [ev.SessionReopened()]


# Register the rules of group rounds, and of the report texts and the evaluation.
from . import group_work, reporting, review  # noqa: E402,F401

# Every command type must have a handler; fail at import, not in a meeting.
_missing = [t for t in cmd.Command.__args__[0].__args__ if t not in _HANDLERS]
if _missing:  # pragma: no cover
    raise RuntimeError(f"commands without a handler: {_missing}")
