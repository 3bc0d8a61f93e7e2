"""The network client: connect, resume, an outbox that retries, a mirror.

No Textual here: the participant and host apps, the tests, the demo's
simulated participants and the benchmarks all use this one class.

* The mirror is a :class:`~kompsesjon.method.state.State` kept with the same
  ``evolve`` the server uses, starting from the snapshot the server sends.
* Every command gets an id when it is submitted and keeps it: after a
  reconnect the outbox sends what was not answered again, and the server
  applies each id at most once.
* The connection is re-opened with a growing, jittered delay whenever it
  drops (also after the server accepted and then closed it), and resumes from
  the last sequence number the client has seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import ssl
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from . import protocol as proto
from .method import State, evolve, load_state

log = logging.getLogger("kompsesjon.client")


class Status(StrEnum):
    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"  # lost the connection; trying again
    CLOSED = "closed"  # refused for good (bad code, removed) or stopped


def new_id() -> str:
    return uuid.uuid4().hex


def new_resume_secret() -> str:
    return secrets.token_urlsafe(24)


class Refused(Exception):
    """The server refused this client for good (wrong code, removed …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Outcome:
    """How a command ended: accepted (with its ack) or rejected."""

    ok: bool
    seq: int = 0
    code: str = ""
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    duplicate: bool = False


@dataclass
class _Pending:
    command: Any
    future: asyncio.Future
    sent: bool = False


# Rejections that mean "not now", not "never": the outbox tries again.
RETRY_CODES = frozenset({"rate_limited", "storage_error"})


class SessionClient:
    """One connection to one session, as participant, facilitator or screen."""

    def __init__(
        self,
        url: str,
        *,
        role: str,
        code: str | None = None,
        token: str | None = None,
        resume: str | None = None,
        name: str = "",
        org: str = "",
        ssl_context: ssl.SSLContext | None = None,
        max_delay: float = 8.0,
    ) -> None:
        self.url = url
        self.role = role
        self.code = code
        self.token = token
        self.resume = resume or (new_resume_secret() if role == "participant" else None)
        self.name = name
        self.org = org
        self.ssl_context = ssl_context
        self.max_delay = max_delay
        self.state: State | None = None
        self.seq = 0  # everything up to here is known (applied, or not for us)
        self.participant: str | None = None
        self.session: str | None = None
        self.status = Status.CONNECTING
        self.refused: Refused | None = None
        self.clock_offset = 0.0  # server time minus local time
        self.presence: dict[str, bool] = {}
        self.listeners: list[Callable[[str, Any], None]] = []
        self._outbox: OrderedDict[str, _Pending] = OrderedDict()
        self._ws: ClientConnection | None = None
        self._welcomed = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None
        self.connects = 0  # how many times a connection was opened

    # ---- life cycle -----------------------------------------------------

    def start(self) -> asyncio.Task:
        self._task = asyncio.create_task(self.run(), name=f"client-{self.role}")
        return self._task

    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Wait until welcomed (mirror up to date); raise Refused if refused."""
        waiter = asyncio.ensure_future(self._welcomed.wait())
        try:
            async with asyncio.timeout(timeout):
                while not waiter.done():
                    if self.refused is not None:
                        raise self.refused
                    if self._task is not None and self._task.done():
                        self._task.result()
                        raise Refused("stopped", "The client stopped.")
                    await asyncio.sleep(0.01)
        finally:
            waiter.cancel()
        if self.refused is not None:
            raise self.refused

    async def close(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._set_status(Status.CLOSED)
        for pending in self._outbox.values():
            if not pending.future.done():
                pending.future.cancel()

    async def run(self) -> None:
        """Keep a connection open until closed or refused."""
        delay = 0.25
        while not self._stopping:
            self._set_status(Status.CONNECTING if self.connects == 0 else Status.OFFLINE)
            opened_at = time.monotonic()
            try:
                async with connect(
                    self.url,
                    proxy=None,
                    ssl=self.ssl_context,
                    open_timeout=10,
                    ping_interval=20,
                    ping_timeout=20,
                    close_timeout=2,
                    max_size=proto.MAX_MESSAGE_BYTES * 64,  # snapshots can be large
                    compression=None,
                ) as ws:
                    self._ws = ws
                    self.connects += 1
                    await self._session(ws)
            except Refused as refused:
                self.refused = refused
                self._set_status(Status.CLOSED)
                self._notify("refused", refused)
                return
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as exc:
                log.debug("connection lost: %r", exc)
            except InvalidURI as exc:
                self.refused = Refused("bad_url", f"Not a websocket address: {exc}")
                self._set_status(Status.CLOSED)
                self._notify("refused", self.refused)
                return
            finally:
                self._ws = None
                self._welcomed.clear()
                for pending in self._outbox.values():
                    pending.sent = False
            if self._stopping:
                break
            self._set_status(Status.OFFLINE)
            if time.monotonic() - opened_at > 30:
                delay = 0.25  # it was a good connection: retry quickly
            # The server may accept and close at once; never spin.
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, self.max_delay)

    def _hello(self) -> proto.Hello:
        return proto.Hello(
            role=self.role,  # type: ignore[arg-type]
            code=self.code,
            token=self.token,
            resume=self.resume,
            last_seq=self.seq if self.state is not None else 0,
            name=self.name,
            org=self.org,
        )

    async def _session(self, ws: ClientConnection) -> None:
        await ws.send(self._hello().model_dump_json(exclude_none=True))
        # `async for` ends quietly on a normal close: that is a disconnect too.
        async for raw in ws:
            self._receive(proto.parse_server(raw))

    # ---- receiving ------------------------------------------------------

    def _receive(self, message: Any) -> None:
        kind = message.type
        if kind == "event":
            if message.seq > self.seq and self.state is not None:
                evolve(self.state, message.event)
                self.seq = message.seq
                self._notify("event", message.event)
        elif kind == "snapshot":
            self.state = load_state(message.state)
            self.seq = message.seq
            self._notify("snapshot", self.state)
        elif kind == "welcome":
            self.participant = message.participant
            self.session = message.session
            self.seq = max(self.seq, message.seq)
            self.clock_offset = message.server_time - time.time()
            self._welcomed.set()
            self._set_status(Status.ONLINE)
            self._flush()
        elif kind == "ack":
            self._settle(message.id, Outcome(ok=True, seq=message.seq, duplicate=message.duplicate))
        elif kind == "rejected":
            if message.code in RETRY_CODES and message.id in self._outbox:
                wait = float(message.details.get("retry_after", 1.0))
                asyncio.get_running_loop().call_later(min(wait, 5.0) + 0.05, self._resend, message.id)
                return
            self._settle(
                message.id,
                Outcome(ok=False, code=message.code, message=message.message, details=dict(message.details)),
            )
        elif kind == "error":
            if message.fatal:
                raise Refused(message.code, message.message)
            if not self._welcomed.is_set():
                # The server wants a different hello (e.g. a name); it waits.
                self._notify("hello_error", message)
                return
            self._notify("error", message)
        elif kind == "presence":
            if message.full:
                self.presence = dict(message.online)
            else:
                self.presence.update(message.online)
            self._notify("presence", self.presence)

    def _settle(self, command_id: str, outcome: Outcome) -> None:
        pending = self._outbox.pop(command_id, None)
        if pending is not None and not pending.future.done():
            pending.future.set_result(outcome)
        self._notify("outcome", outcome)

    def retry_hello(self, name: str, org: str = "") -> None:
        """Say hello again with another name (after a ``hello_error``)."""
        self.name, self.org = name, org
        ws = self._ws
        if ws is not None and not self._welcomed.is_set():
            asyncio.get_running_loop().create_task(self._write(ws, self._hello()))

    # ---- sending --------------------------------------------------------

    def submit(self, command: Any) -> asyncio.Future:
        """Queue a command (it must have an id); the future gives its Outcome."""
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._outbox[command.id] = _Pending(command, future)
        if self._welcomed.is_set():
            self._send(command.id)
        return future

    async def send(self, command: Any, timeout: float | None = 30.0) -> Outcome:
        """Submit and wait for the outcome (across reconnects)."""
        future = self.submit(command)
        if timeout is None:
            return await future
        # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that
        # comes as the outcome arrives, and a task that was told to stop goes on.
        async with asyncio.timeout(timeout):
            return await asyncio.shield(future)

    def _flush(self) -> None:
        for command_id in list(self._outbox):
            self._send(command_id)

    def _resend(self, command_id: str) -> None:
        pending = self._outbox.get(command_id)
        if pending is not None:
            pending.sent = False
            if self._welcomed.is_set():
                self._send(command_id)

    def _send(self, command_id: str) -> None:
        pending = self._outbox.get(command_id)
        ws = self._ws
        if pending is None or pending.sent or ws is None:
            return
        pending.sent = True
        asyncio.get_running_loop().create_task(self._write(ws, pending.command))

    async def _write(self, ws: ClientConnection, message: Any) -> None:
        with contextlib.suppress(ConnectionClosed):
            await ws.send(message.model_dump_json(exclude_none=message.type == "hello"))

    @property
    def unanswered(self) -> int:
        """Commands sent or queued that have no answer yet."""
        return len(self._outbox)

    # ---- listeners ------------------------------------------------------

    def _set_status(self, status: Status) -> None:
        if status != self.status:
            self.status = status
            self._notify("status", status)

    def _notify(self, kind: str, payload: Any) -> None:
        for listener in list(self.listeners):
            try:
                listener(kind, payload)
            except Exception:  # a broken listener must not break the connection
                log.exception("listener failed on %s", kind)

    def server_now(self) -> float:
        """The server's clock, for timers."""
        return time.time() + self.clock_offset
