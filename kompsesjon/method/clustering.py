"""Which cards form which themes: the *units* that are voted on and ranked.

A unit is a top-level theme, or a card that sits in no theme. Merging never
rewrites cards: a card points to the theme it was merged into and a theme to
the theme it was merged into, so undoing a merge is exact and dots placed
before a merge follow the card into its theme.
"""

from __future__ import annotations

from .state import Item, State, Theme


def unit_of(state: State, card: str) -> str | None:
    """The top-level unit a card or theme belongs to, or None if unknown."""
    item = state.items.get(card)
    if item is not None:
        if item.theme is None:
            return item.id
        card = item.theme
    theme = state.themes.get(card)
    seen = 0
    while theme is not None and theme.merged_into is not None:
        theme = state.themes.get(theme.merged_into)
        seen += 1
        if seen > 10_000:  # pragma: no cover - cycles cannot be built by decide
            return None
    return theme.id if theme is not None else None


def members(state: State, unit: str) -> list[Item]:
    """The cards inside a unit, in the order they were written."""
    item = state.items.get(unit)
    if item is not None:
        return [item] if item.theme is None else []
    return [i for i in state.items.values() if i.theme is not None and unit_of(state, i.id) == unit]


def changed(state: State) -> None:
    """Note that cards or themes changed (``evolve`` calls this).

    Which units are live is asked for on every dot; it only changes when a
    card is added, withdrawn or revealed or a merge is made or undone. The
    answer is kept on the state object (outside its fields: it is never
    compared, copied or stored) until the next such change.
    """
    state.__dict__["_structure"] = state.__dict__.get("_structure", 0) + 1


def _live(state: State, board: str) -> tuple[list[str], frozenset[str]]:
    version = state.__dict__.get("_structure", 0)
    memo = state.__dict__.setdefault("_live_units", {})
    found = memo.get(board)
    if found is None or found[0] != version:
        order: dict[str, None] = {}
        for item in state.items.values():
            if item.board != board or item.withdrawn:
                continue
            unit = unit_of(state, item.id)
            if unit is not None:
                order.setdefault(unit, None)
        found = (version, list(order), frozenset(order))
        memo[board] = found
    return found[1], found[2]


def live_units(state: State, board: str) -> list[str]:
    """Units of a board that still hold a card that is not withdrawn.

    Ordered by their first card, so lists are stable and tie-breaks can use it.
    """
    return list(_live(state, board)[0])


def is_live(state: State, board: str, unit: str) -> bool:
    return unit in _live(state, board)[1]


def first_card_order(state: State, board: str) -> dict[str, int]:
    """Position of each live unit by its earliest card (for tie-breaks)."""
    return {unit: pos for pos, unit in enumerate(_live(state, board)[0])}


def unit_title(state: State, unit: str) -> str:
    theme = state.themes.get(unit)
    if theme is not None:
        return theme.title
    item = state.items.get(unit)
    return item.text if item is not None else unit


def top_level_themes(state: State, board: str) -> list[Theme]:
    return [t for t in state.themes.values() if t.board == board and t.merged_into is None]
