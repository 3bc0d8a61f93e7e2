"""The network client: one websocket to one session, kept open, driving a :class:`~kompsesjon.mirror.Mirror`.

No Textual here: the participant and host apps, the tests, the demo's
simulated participants and the benchmarks all use this one class. What the
protocol means (the mirror, the outbox, retries) is decided in
:mod:`kompsesjon.mirror`, without sockets; this class only connects, reads,
writes and waits.

* The connection is re-opened with a growing, jittered delay whenever it
  drops (also after the server accepted and then closed it), and resumes from
  the last sequence number the client has seen.
* ``listeners`` are called with each :data:`~kompsesjon.mirror.Notification`.
* :meth:`SessionClient.send` waits for a command's outcome across reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import broadcast  # works with clients too (its documentation)
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from . import protocol as proto
from .method import State
from .mirror import (
    RETRY_CODES,
    Answered,
    Mirror,
    Notification,
    Outcome,
    Refused,
    RefusedForGood,
    RetryLater,
    Status,
    StatusChanged,
    Welcomed,
)

__all__ = ["RETRY_CODES", "Outcome", "Refused", "SessionClient", "Status", "new_id", "new_resume_secret"]

log = logging.getLogger("kompsesjon.client")

Listener = Callable[[Notification], None]


def new_id() -> str:
    return uuid.uuid4().hex


def new_resume_secret() -> str:
    return secrets.token_urlsafe(24)


def session_url(url: str, code: str | None) -> str:
    """``url`` with the session's code as its path (``ws://host/s/K7PQ2M``).

    A proxy in front of several servers (docs/scaling.md) sends a connection
    to the server that hosts its session by the code in the path; one server
    on its own takes either. An address that has a path already is kept."""
    parts = urlsplit(url)
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if not code or parts.path not in ("", "/") or parts.query:
        return url
    return urlunsplit(parts._replace(path=f"/s/{code}"))


def problem_of(exc: BaseException) -> str:
    """Why a connection failed, as one of a few causes a person can act on."""
    if isinstance(exc, ConnectionRefusedError):
        return "refused"  # nothing listens there: no server, or the wrong port
    if isinstance(exc, socket.gaierror):
        return "name"  # the name does not resolve: a typo
    if isinstance(exc, InvalidHandshake):
        return "not_ours"  # something else answers there
    if isinstance(exc, ConnectionClosed):
        return "closed"
    return "unreachable"  # a timeout, no route: the wrong address or a firewall


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
        self.ssl_context = ssl_context
        self.max_delay = max_delay
        self.mirror = Mirror(
            role,
            code=code,
            token=token,
            resume=resume or (new_resume_secret() if role == "participant" else None),
            name=name,
            org=org,
        )
        self.status = Status.CONNECTING
        self.refused: Refused | None = None
        self.listeners: list[Listener] = []
        self.connects = 0  # how many times a connection was opened
        self._futures: dict[str, asyncio.Future[Outcome]] = {}
        self._ws: ClientConnection | None = None
        self._ready = asyncio.Event()  # welcomed on this connection
        self._stopped = asyncio.Event()  # run() has ended (refused, closed)
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._retries: set[asyncio.TimerHandle] = set()
        # A facilitator's hello has a token, not the code: the welcome says it,
        # and from then on the address carries it (a proxy routes by it).
        self._welcome_code: str | None = None
        # Since when the attempts fail (monotonic; None while welcomed), and why the last one did.
        self.failing_since: float | None = None
        self.problem = ""

    # ---- what the mirror knows --------------------------------------------

    @property
    def role(self) -> str:
        return self.mirror.role

    @property
    def code(self) -> str | None:
        return self.mirror.code

    @property
    def resume(self) -> str | None:
        return self.mirror.resume

    @property
    def token(self) -> str | None:
        return self.mirror.token

    @property
    def name(self) -> str:
        return self.mirror.name

    @property
    def org(self) -> str:
        return self.mirror.org

    @property
    def state(self) -> State | None:
        return self.mirror.state

    @property
    def seq(self) -> int:
        return self.mirror.seq

    @property
    def participant(self) -> str | None:
        return self.mirror.participant

    @property
    def session(self) -> str | None:
        return self.mirror.session

    @property
    def presence(self) -> dict[str, bool]:
        return self.mirror.presence

    @property
    def unanswered(self) -> int:
        """Commands sent or queued that have no answer yet."""
        return self.mirror.unanswered

    @property
    def unsaved(self) -> set[str]:
        """Facilitators: the participants whose app has unsaved text."""
        return self.mirror.unsaved

    def say_unsaved(self, unsaved: bool) -> None:
        """Participants: tell the server whether unsaved text is waiting here."""
        self.mirror.say_unsaved(unsaved)
        self._write()

    def server_now(self) -> float:
        """The server's clock, for timers."""
        return time.time() + self.mirror.clock_offset

    # ---- life cycle -----------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name=f"client-{self.role}")
        return self._task

    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Wait until welcomed (mirror up to date); raise Refused if refused."""
        ready = asyncio.ensure_future(self._ready.wait())
        stopped = asyncio.ensure_future(self._stopped.wait())
        waiting = {ready, stopped} | ({self._task} if self._task is not None else set())
        try:
            async with asyncio.timeout(timeout):
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
            stopped.cancel()
        if self.refused is not None:
            raise self.refused
        if not self._ready.is_set():
            if self._task is not None and self._task.done():
                self._task.result()
            raise Refused("stopped", "The client stopped.")

    async def close(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._set_status(Status.CLOSED)
        self._stopped.set()
        for handle in self._retries:
            handle.cancel()
        for future in self._futures.values():
            if not future.done():
                future.cancel()

    async def run(self) -> None:
        """Keep a connection open until closed or refused."""
        self._stopped.clear()
        try:
            await self._keep_open()
        finally:
            self._stopped.set()

    async def _keep_open(self) -> None:
        delay = 0.25
        while not self._stopping:
            self._set_status(Status.CONNECTING if self.connects == 0 else Status.OFFLINE)
            opened_at = time.monotonic()
            if self.connects == 0 and self.failing_since is None:
                self.failing_since = opened_at  # never reached yet: trying since now
            try:
                async with connect(
                    session_url(self.url, self.code or self._welcome_code),
                    proxy=None,
                    ssl=self.ssl_context,
                    open_timeout=10,
                    ping_interval=20,
                    ping_timeout=20,
                    close_timeout=2,
                    max_size=proto.MAX_SERVER_MESSAGE_BYTES,  # the largest snapshot the budgets allow
                    compression=None,
                ) as ws:
                    self._ws = ws
                    self.connects += 1
                    await self._session(ws)
            except Refused as refused:
                self._refuse(refused)
                return
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as exc:
                log.debug("connection lost: %r", exc)
                self.problem = problem_of(exc)
                if self.failing_since is None:
                    self.failing_since = time.monotonic()
            except InvalidURI as exc:
                self._refuse(Refused("bad_url", f"Not a websocket address: {exc}"))
                return
            finally:
                self._ws = None
                self._ready.clear()
                self.mirror.connection_lost()
            if self._stopping:
                break
            self._set_status(Status.OFFLINE)
            if time.monotonic() - opened_at > 30:
                delay = 0.25  # it was a good connection: retry quickly
            # The server may accept and close at once; never spin.
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, self.max_delay)

    async def _session(self, ws: ClientConnection) -> None:
        self.mirror.connected()
        self._write()
        # `async for` ends quietly on a normal close: that is a disconnect too.
        async for raw in ws:
            self._take(self.mirror.receive(proto.parse_server(raw)))
            self._write()

    def _refuse(self, refused: Refused) -> None:
        self.refused = refused
        self._set_status(Status.CLOSED)
        self._notify(RefusedForGood(refused))

    # ---- what the mirror says ---------------------------------------------

    def _take(self, notes: list[Notification]) -> None:
        for note in notes:
            if isinstance(note, RefusedForGood):
                raise note.refused
            if isinstance(note, RetryLater):
                self._retry_later(note)
                continue
            self._notify(note)
            if isinstance(note, Welcomed):
                self._welcome_code = note.welcome.code
                self._ready.set()
                self._set_status(Status.ONLINE)
            elif isinstance(note, Answered):
                future = self._futures.pop(note.command_id, None)
                if future is not None and not future.done():
                    future.set_result(note.outcome)

    def _retry_later(self, note: RetryLater) -> None:
        def retry() -> None:
            self._retries.discard(handle)
            self.mirror.retry(note.command_id)
            self._write()

        handle = asyncio.get_running_loop().call_later(note.after, retry)
        self._retries.add(handle)

    def _write(self) -> None:
        """Write what the mirror has to say, in order, without waiting."""
        messages = self.mirror.data_to_send()
        ws = self._ws
        if ws is None:
            return  # sent again after the next welcome
        for message in messages:
            broadcast([ws], message)  # skipped if closing: the outbox sends it again

    def retry_hello(self, name: str, org: str = "") -> None:
        """Say hello again with another name (after a ``HelloRefused``)."""
        self.mirror.retry_hello(name, org)
        self._write()

    # ---- sending --------------------------------------------------------

    def submit(self, command: Any) -> asyncio.Future[Outcome]:
        """Queue a command (it must have an id); the future gives its Outcome."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._futures[command.id] = future
        self.mirror.submit(command)
        self._write()
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

    # ---- listeners ------------------------------------------------------

    def failing_for(self, now: float | None = None) -> float | None:
        """Seconds the attempts to (re)connect have failed, None while welcomed."""
        if self.failing_since is None or self.status in (Status.ONLINE, Status.CLOSED):
            return None
        return (time.monotonic() if now is None else now) - self.failing_since

    def _set_status(self, status: Status) -> None:
        if status == Status.ONLINE:
            self.failing_since, self.problem = None, ""
        if status != self.status:
            self.status = status
            self._notify(StatusChanged(status))

    def _notify(self, note: Notification) -> None:
        for listener in list(self.listeners):
            try:
                listener(note)
            except Exception:  # a broken listener must not break the connection
                log.exception("listener failed on %s", type(note).__name__)
