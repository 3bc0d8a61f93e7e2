"""Readings of the mirror in one pass, for big rooms.

The method's queries are written for clarity; a few of them are quadratic
when asked for everybody (``not_voted`` computes the live units once per
participant, ``members`` scans every card once per theme). The host view asks
for everybody on every refresh, so these give the same answers in linear
time. Tests check that they agree with :mod:`kompsesjon.method`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kompsesjon.method import State
from kompsesjon.method.clustering import unit_of
from kompsesjon.method.state import Item, VoteStatus


def unit_cards(state: State, board: str) -> dict[str, list[Item]]:
    """Live units of a board (first-card order) with their live cards."""
    units: dict[str, list[Item]] = {}
    for item in state.items.values():
        if item.board != board or item.withdrawn:
            continue
        unit = unit_of(state, item.id)
        if unit is not None:
            units.setdefault(unit, []).append(item)
    return units


@dataclass
class VoteProgress:
    done: int = 0
    abstained: int = 0
    voting: int = 0
    not_voted: list[str] = field(default_factory=list)  # participant ids, join order

    @property
    def total(self) -> int:
        return self.done + self.abstained + self.voting + len(self.not_voted)


def vote_progress(state: State, board: str, live: set[str] | None = None) -> VoteProgress:
    """How far the room is with the vote (``status_of`` for everybody)."""
    if live is None:
        live = set(unit_cards(state, board))
    vote = state.boards[board].vote
    out = VoteProgress()
    units: dict[str, str | None] = {}
    for person in state.participants.values():
        if person.removed:
            continue
        status = vote.status.get(person.id)
        if status is not None:
            if VoteStatus(status) == VoteStatus.DONE:
                out.done += 1
            else:
                out.abstained += 1
            continue
        has_dot = False
        for card, n in vote.dots.get(person.id, {}).items():
            if n <= 0:
                continue
            if card not in units:
                units[card] = unit_of(state, card)
            if units[card] in live:
                has_dot = True
                break
        if has_dot:
            out.voting += 1
        else:
            out.not_voted.append(person.id)
    return out


def online_count(state: State, presence: dict[str, bool]) -> int:
    return sum(1 for p in state.participants.values() if not p.removed and presence.get(p.id))


def hidden_at_least(state: State, board: str) -> int:
    """Cards a screen knows exist but cannot see (from gaps in card numbers).

    A screen never receives hidden cards; a board numbers its cards after its
    prefix in order (``decide._next_id``), stepping over an id another unit
    holds, so a visible K7 next to four visible cards means at least two are
    hidden. It is a lower bound: cards written after the last visible one are
    unknown. The number is what follows the prefix, which may itself end in
    a digit («A1» numbers A11, A12 …).
    """
    spec = state.boards[board].spec if board in state.boards else None
    if spec is None:
        return 0
    numbers = set()
    for item in state.items.values():
        if item.board == board and item.id.startswith(spec.prefix) and item.id[len(spec.prefix) :].isdigit():
            numbers.add(int(item.id[len(spec.prefix) :]))
    if not numbers:
        return 0
    stepped_over = sum(
        1
        for n in range(1, max(numbers))
        if n not in numbers and (f"{spec.prefix}{n}" in state.themes or f"{spec.prefix}{n}" in state.items)
    )
    return max(numbers) - len(numbers) - stepped_over


def open_red_cards(state: State) -> list:
    return [r for r in state.red_cards.values() if not r.dismissed]


def red_cards_on(state: State) -> Counter:
    """Open red cards per card id."""
    return Counter(r.item for r in state.red_cards.values() if not r.dismissed and r.item)
