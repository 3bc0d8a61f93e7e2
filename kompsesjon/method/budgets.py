"""How big a session may grow: the budgets that bound it by design.

One bad participant (or a script with the join code) must not be able to
make a session so large that the people in it can no longer load it. Every
number that bounds a session lives here, next to the text limits of
:mod:`.text` (``LIMITS`` in characters, ``BYTE_LIMITS`` in UTF-8 bytes), and
docs/operations.md lists them all. They are chosen from the method's real
scale (METHOD.md: 10–30 people is typical; a 1,000-person session must still
work):

* **counts** keep one person from crowding out the rest: cards per person
  and per board, open connections per person, participants per session;
* **bytes** are the hard guarantee: the server refuses what would grow the
  session's state past ``SESSION_BYTES`` (participants' commands) or
  ``FACILITATOR_BYTES`` (the facilitator's), whatever the mix of commands.
  Joins are bounded by the participant count instead, so a full session
  still lets people in. :data:`MAX_STATE_BYTES` is then the largest state
  (and so the largest snapshot) a session can ever have, and a client
  accepts messages of that size (:data:`kompsesjon.protocol.MAX_SERVER_MESSAGE_BYTES`).

The byte budget is enforced by the server (:mod:`server.core`), which
measures the state; the counts are rules like any other (:mod:`.decide`).
"""

from __future__ import annotations

from .events import Event, ItemsRevealed
from .text import BYTE_LIMITS, LIMITS

BUDGETS: dict[str, int] = {
    # Participants who ever joined, removed ones included (they stay in the
    # state). Twice the largest session the method is used for.
    "participants": 2000,
    # Cards one person writes on one board (withdrawn ones count: they stay).
    # A busy brainstorm is 5–30 cards a person.
    "cards_per_person": 100,
    # Cards on one board, from everyone: five each for a 1,000-person room.
    "cards_per_board": 5000,
    # Red cards raised in a session, dismissed ones included.
    "red_cards": 1000,
    # Open connections of one participant (laptop, phone, a browser tab, SSH …).
    "connections_per_person": 8,
    # Open connections to one session, every role.
    "connections_per_session": 4000,
    # New participants from one address: a burst (a room joining at once
    # through the SSH gateway, which connects from loopback) …
    "joins_per_address": 300,
    # … then one every this many seconds.
    "join_interval": 1,
}

# Bytes of state (its JSON, as a snapshot holds it) that participants'
# commands may fill: a 1,000-person day (five cards, a check-in and a
# check-out each, dots, plans) is about 2 MiB.
SESSION_BYTES = 4 << 20
# The facilitator's commands may go on to here (a tally, islands, a report).
FACILITATOR_BYTES = 6 << 20

# One participant's record at its largest: every text at its byte limit, each
# byte escaped in JSON at worst as two (a quote), plus the field names.
PARTICIPANT_BYTES = 2 * (BYTE_LIMITS["name"] + BYTE_LIMITS["org"] + BYTE_LIMITS["region"]) + 128

# The largest state a session can have: the byte budget, and every
# participant joined at their largest (joins are never refused for bytes, only
# for the count, and do not use up the budget).
MAX_STATE_BYTES = FACILITATOR_BYTES + BUDGETS["participants"] * PARTICIPANT_BYTES


def growth_bound(event: Event, body: str) -> int:
    """At most how many bytes an event (``body`` is its JSON) adds to the
    state's JSON. Eight times its own size: a state record repeats its id and
    names fields the event leaves out (a buzz pair of two is 18 bytes in the
    event, about 60 in the state); tests/server/test_budgets.py checks it.
    Revealing cards restates them but only flips a flag on each."""
    if isinstance(event, ItemsRevealed):
        return 16 * len(event.items) + 256
    return 8 * len(body.encode()) + 256


__all__ = [
    "BUDGETS",
    "BYTE_LIMITS",
    "FACILITATOR_BYTES",
    "LIMITS",
    "MAX_STATE_BYTES",
    "PARTICIPANT_BYTES",
    "SESSION_BYTES",
    "growth_bound",
]
