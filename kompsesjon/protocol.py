"""The wire protocol: JSON text frames over one websocket.

Any websocket client can take part (docs/protocol.md shows every message).
The client opens with ``hello``; the server answers with a ``snapshot`` or the
``event`` messages the client missed, and then ``welcome``: a client that has
received the welcome is up to date as of its ``seq``. After that the
client sends commands (each with its own ``id``) and the server answers every
command with exactly one ``ack`` (its events are committed to disk) or one
``rejected`` (nothing changed), and pushes ``event`` messages as they happen.

Protocol problems that are not about the method (bad JSON, an unknown message
type, a frame too large, too many messages) get ``error``; the connection stays
open unless ``fatal`` is true.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .method import commands as cmd
from .method.budgets import MAX_STATE_BYTES
from .method.events import Event

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024  # a client's message, at most
# A server's message, at most: the largest snapshot, which is the largest state
# the session budgets allow (kompsesjon.method.budgets) and its envelope. A
# client accepts this much, so it can always load the session it joins.
MAX_SERVER_MESSAGE_BYTES = MAX_STATE_BYTES + 64 * 1024
CODE_LENGTH_MAX = 32  # a join code as typed (spaces, dashes) before it is normalised

COMMAND_TYPES: tuple[type[BaseModel], ...] = cmd.Command.__args__[0].__args__


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---- client → server ----------------------------------------------------------


class Hello(_Message):
    """First message of every connection.

    * participant: ``code`` and ``resume``. ``resume`` is a secret of at least
      22 characters that the client makes up the first time (for example 16
      random bytes in URL-safe base64) and keeps; the server stores only its
      hash. An unknown ``resume`` joins as a new participant with ``name`` and
      ``org``; a known one resumes that participant. Because the client chose
      the secret, a join whose ``welcome`` was lost is simply resumed.
    * facilitator: ``token``, the facilitator token printed by ``serve``.
    * screen: ``code``; read-only.

    ``last_seq`` is the last event sequence number the client has folded; the
    server sends what came after it, or a snapshot.
    """

    type: Literal["hello"] = "hello"
    protocol: int = PROTOCOL_VERSION
    role: Literal["participant", "facilitator", "screen"]
    code: str | None = Field(default=None, max_length=CODE_LENGTH_MAX)
    token: str | None = Field(default=None, max_length=200)
    resume: str | None = Field(default=None, min_length=22, max_length=200)
    last_seq: int = Field(default=0, ge=0)
    name: str = ""
    org: str = ""


class Unsaved(_Message):
    """A participant's app has text typed but not saved (``true``) or not
    any more (``false``). Not a command: no id, no answer, nothing stored;
    facilitators learn it through ``presence`` (to warn before a phase change).
    Send it when it changes, at most once a second."""

    type: Literal["unsaved"] = "unsaved"
    unsaved: bool


ClientMessage = Annotated[Union[(Hello, Unsaved, *COMMAND_TYPES)], Field(discriminator="type")]  # type: ignore[valid-type]
CLIENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(ClientMessage)


# ---- server → client ----------------------------------------------------------


class Welcome(_Message):
    """Sent after the catch-up: the client is now up to date as of ``seq``."""

    type: Literal["welcome"] = "welcome"
    protocol: int = PROTOCOL_VERSION
    session: str
    code: str
    title: str
    role: Literal["participant", "facilitator", "screen"]
    participant: str | None = None
    resumed: bool = False
    seq: int  # the session's latest sequence number
    server_time: float  # lets clients show timers against the server's clock
    # Where people reach this server (ws:// or wss://, the room network's
    # first), for the join line of the host view and the screen; empty for
    # participants and from servers that do not say.
    addresses: list[str] = []


class Snapshot(_Message):
    """The whole state as this client may see it, as of ``seq``."""

    type: Literal["snapshot"] = "snapshot"
    seq: int
    state: dict[str, Any]


class EventMessage(_Message):
    type: Literal["event"] = "event"
    seq: int
    event: Event


class EventsMessage(_Message):
    """Several events in one message, to be applied in order (what one batch
    of the server sends one connection); ``seq`` is the last one's."""

    type: Literal["events"] = "events"
    seq: int
    events: list[EventMessage]


class Ack(_Message):
    """The command's events are committed; ``seq`` is the last of them."""

    type: Literal["ack"] = "ack"
    id: str
    seq: int
    duplicate: bool = False  # this id was applied before; nothing new happened
    created: list[str] = []  # ids of what the command made (a card, a theme, an island …)


class Rejected(_Message):
    type: Literal["rejected"] = "rejected"
    id: str
    code: str
    message: str
    details: dict[str, Any] = {}


class Error(_Message):
    type: Literal["error"] = "error"
    code: str
    message: str
    fatal: bool = False  # the server closes the connection after a fatal error


class Presence(_Message):
    """Facilitators only: which participants are connected right now."""

    type: Literal["presence"] = "presence"
    online: dict[str, bool]
    full: bool = False  # true: the complete list; false: only changes
    # Participants whose app has unsaved text (``unsaved`` from any of their
    # connections): true / false, complete or changes as ``full`` says.
    unsaved: dict[str, bool] = {}


ServerMessage = Annotated[
    Welcome | Snapshot | EventMessage | EventsMessage | Ack | Rejected | Error | Presence, Field(discriminator="type")
]
SERVER_ADAPTER: TypeAdapter[Any] = TypeAdapter(ServerMessage)


def parse_server(raw: str | bytes) -> Any:
    return SERVER_ADAPTER.validate_json(raw)
