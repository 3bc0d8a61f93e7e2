"""Dot voting: budgets, caps, tallies and the ranked lists.

A participant's dots are stored on the unit they were placed on. Later merges
(after a step back to clustering) carry them into the new theme; dots on a
unit that no longer exists (its cards withdrawn, its theme undone) stop
counting and return to the participant's budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from .clustering import first_card_order, is_live, live_units, unit_of
from .state import State, TallyEntry, VoteStatus


def dots_by_unit(state: State, board: str, participant: str) -> dict[str, int]:
    """A participant's live dots per unit."""
    out: dict[str, int] = {}
    for card, n in state.boards[board].vote.dots.get(participant, {}).items():
        unit = unit_of(state, card)
        if unit is not None and is_live(state, board, unit):
            out[unit] = out.get(unit, 0) + n
    return out


def dots_used(state: State, board: str, participant: str) -> int:
    return sum(dots_by_unit(state, board, participant).values())


def dots_left(state: State, board: str, participant: str) -> int:
    return max(0, state.rules.dot_budget - dots_used(state, board, participant))


def live_tally(state: State, board: str) -> list[TallyEntry]:
    """Dots and voters per live unit, from the dots themselves (full state)."""
    live = live_units(state, board)
    dots = dict.fromkeys(live, 0)
    voters: dict[str, set[str]] = {u: set() for u in live}
    removed = {p.id for p in state.participants.values() if p.removed}
    for person, cards in state.boards[board].vote.dots.items():
        if person in removed:
            continue
        for card, n in cards.items():
            unit = unit_of(state, card)
            if unit in dots:
                dots[unit] += n
                voters[unit].add(person)
    return [TallyEntry(unit=u, dots=dots[u], voters=len(voters[u])) for u in live]


def tally(state: State, board: str) -> list[TallyEntry]:
    """The revealed tally if there is one, else the live one."""
    revealed = state.boards[board].vote.revealed
    return list(revealed) if revealed is not None else live_tally(state, board)


@dataclass(frozen=True)
class Ranked:
    rank: int
    unit: str
    dots: int
    voters: int
    # How a tie on dots was settled, shown next to the entry: "voters" (more
    # people put dots on it) or "earlier" (its first card was written first).
    tie_break: str | None = None


def ranking(state: State, board: str, entries: list[TallyEntry] | None = None) -> list[Ranked]:
    """Units by dots, ties broken visibly: more voters first, then earlier card.

    Units without dots are not ranked.
    """
    entries = tally(state, board) if entries is None else entries
    order = first_card_order(state, board)
    fallback = len(order)
    scored = [e for e in entries if e.dots > 0]
    scored.sort(key=lambda e: (-e.dots, -e.voters, order.get(e.unit, fallback), e.unit))
    out: list[Ranked] = []
    for pos, entry in enumerate(scored):
        tie_break = None
        neighbours = [scored[i] for i in (pos - 1, pos + 1) if 0 <= i < len(scored)]
        tied = [n for n in neighbours if n.dots == entry.dots]
        if tied:
            tie_break = "voters" if all(n.voters != entry.voters for n in tied) else "earlier"
        out.append(Ranked(pos + 1, entry.unit, entry.dots, entry.voters, tie_break))
    return out


def ranked_list(state: State, board: str) -> list[Ranked]:
    """The bottom list / top list: the ranking cut at ``list_cut``."""
    return ranking(state, board)[: state.rules.list_cut]


def not_voted(state: State, board: str) -> list[str]:
    """Active participants with no live dot who have not abstained or said done."""
    vote = state.boards[board].vote
    out = []
    for person in state.participants.values():
        if person.removed or person.id in vote.status:
            continue
        if dots_used(state, board, person.id) == 0:
            out.append(person.id)
    return out


def status_of(state: State, board: str, participant: str) -> str:
    """'done', 'abstained', 'voting' (has dots) or 'not_voted'."""
    status = state.boards[board].vote.status.get(participant)
    if status is not None:
        return VoteStatus(status).value
    return "voting" if dots_used(state, board, participant) else "not_voted"
