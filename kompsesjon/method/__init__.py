"""The method engine: the rules of a Future Workshop, and nothing else.

Pure: no asyncio, no sockets, no SQLite, no clock (time is passed in). The
server and every client share it, so a rule lives in exactly one place:

* :func:`decide` — command → events, or a :class:`Rejection` with a code;
* :func:`evolve` — fold an event into a state (server and client mirrors);
* :mod:`.visibility` — what each audience may see;
* :mod:`.voting`, :mod:`.clustering`, :mod:`.islands` — read-only queries.
"""

from .agenda import BoardKind, BoardSpec, Phase, PhaseKind, framtidsverksted_agenda, framtidsverksted_boards
from .decide import FACILITATOR, GUEST, Actor, decide, participant
from .evolve import evolve
from .rejection import Rejection
from .state import Rules, State, dump_state, load_state
from .visibility import Audience, Delivery, deliveries, view_state

__all__ = [
    "FACILITATOR",
    "GUEST",
    "Actor",
    "Audience",
    "BoardKind",
    "BoardSpec",
    "Delivery",
    "Phase",
    "PhaseKind",
    "Rejection",
    "Rules",
    "State",
    "decide",
    "deliveries",
    "dump_state",
    "evolve",
    "framtidsverksted_agenda",
    "framtidsverksted_boards",
    "load_state",
    "participant",
    "view_state",
]
