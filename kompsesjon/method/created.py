"""What a command made: the ids an ``ack`` names (docs/protocol.md, «ack»).

A client that sends ``add_item`` learns the card's id from the ack, not by
matching the text of the next ``item_added`` it receives.
"""

from __future__ import annotations

from . import events as ev
from .state import State


def created_ids(state: State, events: list[ev.Event]) -> list[str]:
    """The ids of the things ``events`` made, in order; ``state`` is the
    state *before* them. A card, theme, island, buzz pairs, groups, a red
    card, a next step, a check-in/-out note or an evaluation, each when it
    first exists: a rewrite (a check-in sent again) makes nothing new, and a
    participant who joins learns their id from ``welcome``."""
    out: list[str] = []
    for event in events:
        if isinstance(event, ev.ItemAdded):
            out.append(event.item.id)
        elif isinstance(event, ev.Merged):
            out.append(event.theme)
        elif isinstance(event, ev.IslandCreated):
            out.append(event.island)
        elif isinstance(event, ev.BuzzPairsFormed):
            out.extend(event.pairs)
        elif isinstance(event, ev.GroupsFormed):
            out.extend(event.groups)
        elif isinstance(event, ev.RedCardRaised):
            out.append(event.card)
        elif isinstance(event, ev.NextStepAdded):
            out.append(event.step)
        elif isinstance(event, (ev.CheckedIn, ev.CheckedOut)):
            notes = state.check_ins if isinstance(event, ev.CheckedIn) else state.check_outs
            if event.note not in notes:
                out.append(event.note)
        elif isinstance(event, ev.Evaluated) and event.evaluation not in state.evaluations:
            out.append(event.evaluation)
    return out
