"""Islands: who is on which, and what keeps the groups workable."""

from __future__ import annotations

from .state import Island, State


def active_islands(state: State) -> list[Island]:
    return [i for i in state.islands.values() if not i.removed]


def island_members(state: State, island: str) -> list[str]:
    return [p for p, i in state.island_of.items() if i == island]


def island_sizes(state: State) -> dict[str, int]:
    sizes = {i.id: 0 for i in active_islands(state)}
    for island in state.island_of.values():
        if island in sizes:
            sizes[island] += 1
    return sizes


def unassigned(state: State) -> list[str]:
    """Active participants who are on no island."""
    return [p.id for p in state.participants.values() if not p.removed and p.id not in state.island_of]


def too_small(state: State) -> dict[str, int]:
    """Islands with people on them but fewer than the minimum (nobody alone)."""
    low = state.rules.island_min
    return {i: n for i, n in island_sizes(state).items() if 0 < n < max(low, 2)}


def placement(state: State) -> dict[str, str]:
    """Where to put everyone who has not chosen: always the smallest island.

    Ties go to the island created first. Raises ValueError when the islands
    cannot take everyone within their maximum size.
    """
    sizes = island_sizes(state)
    order = list(sizes)
    out: dict[str, str] = {}
    for person in unassigned(state):
        open_islands = [i for i in order if sizes[i] < state.rules.island_max]
        if not open_islands:
            raise ValueError("islands are full")
        target = min(open_islands, key=lambda i: (sizes[i], order.index(i)))
        sizes[target] += 1
        out[person] = target
    return out
