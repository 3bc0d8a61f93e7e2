"""A session as one client sees it, without sockets: the mirror and the outbox.

The client's half of the protocol in the spirit of websockets' sans-IO
``Protocol`` (the server's half is ``server/core.py``): the connection
(:class:`~kompsesjon.client.SessionClient`) feeds it what the server says and
writes what it asks to send; everything the protocol means is decided here,
and tested without a socket.

* The mirror is a :class:`~kompsesjon.method.state.State` kept with the same
  ``evolve`` the server uses, starting from the snapshot the server sends.
* Every command keeps its id in the outbox until it is answered: after a
  reconnect what was not answered is sent again (the server applies each id
  at most once), and a "not now" refusal (rate limit, storage) is retried
  when the server says. At most :data:`IN_FLIGHT` are sent unanswered; the
  rest wait their turn in the outbox.
* What happened comes out as typed notifications (:data:`Notification`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from . import protocol as proto
from .method import State, evolve, load_state
from .method.events import Event

# Rejections that mean "not now", not "never": the outbox tries again.
RETRY_CODES = frozenset({"rate_limited", "storage_error"})
# Commands sent and not yet answered, at most: the rest wait in the outbox.
# Below the server's burst (60), so that a client that has queued many (a
# card bomb of its own, an outbox after a long time offline) is answered
# "not now" for each one over the rate and never flooded out: past a burst
# of refusals the server drops frames without an answer, then closes.
IN_FLIGHT = 32
RETRY_WAIT_MAX = 5.0  # seconds at most before a "not now" is tried again


class Status(StrEnum):
    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"  # lost the connection; trying again
    CLOSED = "closed"  # refused for good (bad code, removed) or stopped


@dataclass
class Outcome:
    """How a command ended: accepted (with its ack) or rejected."""

    ok: bool
    seq: int = 0
    code: str = ""
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    duplicate: bool = False


class Refused(Exception):
    """The server refused this client for good (wrong code, removed …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---- notifications ---------------------------------------------------------


@dataclass(frozen=True)
class EventApplied:
    """An event was folded into the mirror."""

    seq: int
    event: Event


@dataclass(frozen=True)
class SnapshotLoaded:
    """The mirror was replaced by the server's snapshot."""

    state: State


@dataclass(frozen=True)
class Welcomed:
    """The mirror is up to date as of ``welcome.seq``; the outbox is sent."""

    welcome: proto.Welcome


@dataclass(frozen=True)
class Answered:
    """A command of the outbox has its outcome."""

    command_id: str
    outcome: Outcome


@dataclass(frozen=True)
class RetryLater:
    """A command was refused "not now": call :meth:`Mirror.retry` after ``after`` seconds."""

    command_id: str
    after: float


@dataclass(frozen=True)
class HelloRefused:
    """The server wants a different hello (e.g. a name); it waits for one."""

    code: str
    message: str


@dataclass(frozen=True)
class ServerError:
    """A protocol problem the server reported; the connection stays."""

    code: str
    message: str


@dataclass(frozen=True)
class PresenceChanged:
    """Facilitators only: who is connected (the whole picture)."""

    online: dict[str, bool]


@dataclass(frozen=True)
class StatusChanged:
    """The connection's status (from :class:`~kompsesjon.client.SessionClient`)."""

    status: Status


@dataclass(frozen=True)
class RefusedForGood:
    """The server refused this client for good; the connection ends."""

    refused: Refused


Notification = (
    EventApplied
    | SnapshotLoaded
    | Welcomed
    | Answered
    | RetryLater
    | HelloRefused
    | ServerError
    | PresenceChanged
    | StatusChanged
    | RefusedForGood
)


@dataclass
class _Pending:
    command: Any
    sent: bool = False


class Mirror:
    """One client's view of one session: what it knows, and what it still has to say."""

    def __init__(
        self,
        role: str,
        *,
        code: str | None = None,
        token: str | None = None,
        resume: str | None = None,
        name: str = "",
        org: str = "",
    ) -> None:
        self.role = role
        self.code = code
        self.token = token
        self.resume = resume
        self.name = name
        self.org = org
        self.state: State | None = None
        self.seq = 0  # everything up to here is known (applied, or not for us)
        self.welcome: proto.Welcome | None = None  # the last one
        self.welcomed = False  # on this connection
        self.clock_offset = 0.0  # server time minus local time
        self.presence: dict[str, bool] = {}
        self.unsaved: set[str] = set()  # facilitators: participants with unsaved text
        self.has_unsaved = False  # participants: what this app last said of itself
        self._outbox: OrderedDict[str, _Pending] = OrderedDict()
        self._outgoing: list[str] = []

    @property
    def participant(self) -> str | None:
        """Who the server says we are (the last welcome's participant)."""
        return self.welcome.participant if self.welcome is not None else None

    @property
    def session(self) -> str | None:
        return self.welcome.session if self.welcome is not None else None

    # ---- the connection -----------------------------------------------------

    def connected(self) -> None:
        """A new connection: say hello (everything unanswered goes after the welcome)."""
        self.welcomed = False
        self._outgoing = [self._hello()]

    def connection_lost(self) -> None:
        self.welcomed = False
        self._outgoing = []
        for pending in self._outbox.values():
            pending.sent = False

    def retry_hello(self, name: str, org: str = "") -> None:
        """Say hello again with another name (after :class:`HelloRefused`)."""
        self.name, self.org = name, org
        if not self.welcomed:
            self._outgoing.append(self._hello())

    def data_to_send(self) -> list[str]:
        """The messages to write, in order; taken once."""
        out, self._outgoing = self._outgoing, []
        return out

    def _hello(self) -> str:
        hello = proto.Hello(
            role=self.role,
            code=self.code,
            token=self.token,
            resume=self.resume,
            last_seq=self.seq if self.state is not None else 0,
            name=self.name,
            org=self.org,
        )
        return hello.model_dump_json(exclude_none=True)

    def say_unsaved(self, unsaved: bool) -> None:
        """Tell the server whether this app has unsaved text (only changes are sent)."""
        if unsaved != self.has_unsaved:
            self.has_unsaved = unsaved
            if self.welcomed:
                self._outgoing.append(proto.Unsaved(unsaved=unsaved).model_dump_json())

    # ---- the outbox -----------------------------------------------------------

    def submit(self, command: Any) -> None:
        """Queue a command (it must have an id); sent now if welcomed."""
        self._outbox[command.id] = _Pending(command)
        self._send_waiting()

    def retry(self, command_id: str) -> None:
        """Send a command refused "not now" again."""
        pending = self._outbox.get(command_id)
        if pending is not None:
            pending.sent = False
            self._send_waiting()

    @property
    def unanswered(self) -> int:
        """Commands sent or queued that have no answer yet."""
        return len(self._outbox)

    def _send_waiting(self) -> None:
        """Send what waits in the outbox, in order, as far as the window allows.

        Commands are sent in the outbox's order, so what waits always comes
        after what is out: a new or retried command goes out here at once
        when the window has room for it.
        """
        if not self.welcomed:
            return
        room = IN_FLIGHT - sum(p.sent for p in self._outbox.values())
        for pending in self._outbox.values():
            if room <= 0:
                break
            if not pending.sent:
                pending.sent = True
                self._outgoing.append(pending.command.model_dump_json())
                room -= 1

    # ---- what the server says ----------------------------------------------------

    def receive(self, message: Any, now: float | None = None) -> list[Notification]:
        """Take one server message (parsed); what it changed, in order."""
        kind = message.type
        if kind == "event":
            if message.seq > self.seq and self.state is not None:
                evolve(self.state, message.event)
                self.seq = message.seq
                return [EventApplied(message.seq, message.event)]
            return []
        if kind == "events":  # one after the other, as if each came alone
            return [note for one in message.events for note in self.receive(one, now)]
        if kind == "snapshot":
            self.state = load_state(message.state)
            self.seq = message.seq
            return [SnapshotLoaded(self.state)]
        if kind == "welcome":
            self.welcome = message
            self.seq = max(self.seq, message.seq)
            self.clock_offset = message.server_time - (time.time() if now is None else now)
            self.welcomed = True
            if self.has_unsaved:  # the server forgot it with the old connection
                self._outgoing.append(proto.Unsaved(unsaved=True).model_dump_json())
            self._send_waiting()
            return [Welcomed(message)]
        if kind == "ack":
            return self._settle(message.id, Outcome(ok=True, seq=message.seq, duplicate=message.duplicate))
        if kind == "rejected":
            if message.code in RETRY_CODES and message.id in self._outbox:
                wait = float(message.details.get("retry_after", 1.0))
                return [RetryLater(message.id, min(wait, RETRY_WAIT_MAX) + 0.05)]
            outcome = Outcome(ok=False, code=message.code, message=message.message, details=dict(message.details))
            return self._settle(message.id, outcome)
        if kind == "error":
            if message.fatal:
                return [RefusedForGood(Refused(message.code, message.message))]
            if not self.welcomed:
                return [HelloRefused(message.code, message.message)]
            return [ServerError(message.code, message.message)]
        if kind == "presence":
            if message.full:
                self.presence = dict(message.online)
                self.unsaved = set()
            else:
                self.presence.update(message.online)
            for pid, flag in message.unsaved.items():
                (self.unsaved.add if flag else self.unsaved.discard)(pid)
            return [PresenceChanged(dict(self.presence))]
        return []  # pragma: no cover - ServerMessage is closed

    def _settle(self, command_id: str, outcome: Outcome) -> list[Notification]:
        if self._outbox.pop(command_id, None) is not None:
            self._send_waiting()
        return [Answered(command_id, outcome)]
