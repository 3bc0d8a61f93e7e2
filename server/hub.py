"""One session's hub: the single writer, driving its :class:`~server.core.SessionCore`.

Every hello and every command of a session goes through the hub's queue and is
handled in arrival order by one task:

    queue → core.decide → await store.append (one transaction) → core.commit → write

Requests that arrive while a batch is being committed form the next batch
(group commit). Nothing is acknowledged before the commit; if the commit
fails, the core is rebuilt from the database and every sender is told to try
again. What the core decides — idempotency, hello and resume, routing,
snapshots, limits, the order of replies — is in :mod:`server.core`, testable
without sockets; the hub only moves bytes and waits.

Writing: everything a batch sends a connection (events, acks, welcomes) is
written with one ``transport.write`` at the end of the batch, in order (the
events that follow each other as one ``events`` message, see :mod:`server.core`),
without waiting, each message framed once for every connection that gets it
(a server frame is not masked, so the bytes are the same for everyone). A
client whose unsent data grows past ``SLOW_CLIENT_BYTES`` is dropped instead
of holding anyone up; it resumes when it reconnects. That is below
websockets' public API (see :mod:`server.wire` for why, and what it relies
on); where those internals are not as expected, each connection gets a
writer task that uses only ``send()`` and ``close()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from kompsesjon import protocol as proto
from kompsesjon.method.state import State

from . import wire
from .core import BUSY, FATAL, GREETED, NEWCOMER, RETRY, CommandRequest, HelloRequest, Peer, Request, Send, SessionCore
from .store import Fenced, StoreError
from .stores import SessionStore

__all__ = ["BUSY", "FATAL", "GREETED", "NEWCOMER", "RETRY", "Hub", "Peer"]

log = logging.getLogger("kompsesjon.hub")

MAX_BATCH = 512  # requests committed in one transaction at most
SLOW_CLIENT_BYTES = 1 << 20  # unsent bytes after which a client is dropped


@dataclass(eq=False)
class _Queued:
    request: Request
    done: asyncio.Future[str] | None = None  # a hello's outcome


class Hub:
    def __init__(
        self, session: str, code: str, store: SessionStore, *, rate: float = 20.0, burst: float = 60.0
    ) -> None:
        self.session = session
        self.code = code
        self.store = store
        self.rate, self.burst = rate, burst
        self.core: SessionCore | None = None
        self.queue: asyncio.Queue[_Queued] = asyncio.Queue(maxsize=20_000)
        self._task: asyncio.Task[None] | None = None
        self._busy = asyncio.Lock()  # held while a batch is being handled
        self._writers = wire.Writers(lambda peer: self._drop_slow(peer))
        # Another node took the session over (PostgreSQL): nothing more is
        # stored here; the server closes the connections (they reconnect there).
        self.moved = False
        self.on_moved: Callable[[Hub], None] | None = None

    # ---- what the core knows --------------------------------------------

    @property
    def state(self) -> State:
        assert self.core is not None
        return self.core.state

    @property
    def seq(self) -> int:
        return self.core.seq if self.core is not None else 0

    @property
    def participants(self) -> dict[str, set[Peer]]:
        assert self.core is not None
        return self.core.participants

    @property
    def facilitators(self) -> set[Peer]:
        assert self.core is not None
        return self.core.facilitators

    @property
    def screens(self) -> set[Peer]:
        assert self.core is not None
        return self.core.screens

    # ---- life cycle -----------------------------------------------------

    async def load(self) -> None:
        """Rebuild the state from the log (the connections stay)."""
        events = await self.store.events(self.session)
        if not events:
            raise StoreError(f"session {self.session} has no events")
        applied = await self.store.applied_commands(self.session)
        resume = await self.store.participants(self.session)
        if self.core is None:
            self.core = SessionCore(self.session, self.code, events, applied, resume, rate=self.rate, burst=self.burst)
        else:
            self.core.restore(events, applied, resume)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"hub-{self.code}")

    async def stop(self) -> None:
        """Finish the batch in progress (it is committed and acknowledged),
        then stop taking requests."""
        async with self._busy:
            if self._task is not None:
                self._task.cancel()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._writers.close()

    # ---- requests from connections --------------------------------------

    async def hello(self, peer: Peer, hello: proto.Hello) -> str:
        """Queue a hello and wait for its outcome: GREETED, RETRY, BUSY or FATAL."""
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        await self.queue.put(_Queued(HelloRequest(peer, hello), done))
        return await done

    def receive(self, peer: Peer, raw: str | bytes) -> object | None:
        """A frame from a welcomed connection: the command to submit, or None
        (it was refused, and the refusal is written)."""
        assert self.core is not None
        command = self.core.receive(peer, raw, time.time())
        self._write(self.core.data_to_send())
        return command

    async def submit(self, peer: Peer, command: object) -> None:
        await self.queue.put(_Queued(CommandRequest(peer, command)))

    def disconnect(self, peer: Peer) -> None:
        assert self.core is not None
        self.core.disconnect(peer)
        self._writers.forget(peer)
        self._write(self.core.data_to_send())

    # ---- the writer -----------------------------------------------------

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < MAX_BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            async with self._busy:
                try:
                    await self._handle(batch)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # never let one bad batch stop the session
                    log.exception("hub %s: batch failed", self.code)
                    await self._recover(batch, f"internal error: {exc}")

    async def _handle(self, queued: list[_Queued]) -> None:
        core = self.core
        assert core is not None
        if self.moved:
            self._refuse_moved(queued)
            return
        batch = core.decide([q.request for q in queued], time.time())
        if batch.rows or batch.joined:
            try:
                await self.store.append(self.session, batch.rows, batch.applied, batch.joined)
            except Fenced as exc:
                log.warning("hub %s: %s", self.code, exc)
                self.moved = True
                self._refuse_moved(queued)
                if self.on_moved is not None:
                    self.on_moved(self)
                return
            except StoreError as exc:
                log.error("hub %s: could not store a batch: %s", self.code, exc)
                await self._recover(queued, str(exc))
                return
        try:
            core.commit(batch)
        finally:  # what was sent before a failure still goes out
            self._write(core.data_to_send())
            self._settle(queued, batch.outcomes)

    async def _recover(self, queued: list[_Queued], why: str) -> None:
        """The batch failed: rebuild from what is stored and tell every sender."""
        try:
            await self.load()
        except StoreError:
            if not self.store.shared:
                raise
            # The database cannot even be read (PostgreSQL is down): stop
            # hosting; a reconnect hosts the session again from what is stored.
            log.error("hub %s: cannot read the session back; giving it up", self.code)
            self.moved = True
            self._refuse_moved(queued)
            if self.on_moved is not None:
                self.on_moved(self)
            return
        assert self.core is not None
        outcomes = self.core.fail([q.request for q in queued], why)
        self._write(self.core.data_to_send())
        self._settle(queued, outcomes)

    def _refuse_moved(self, queued: list[_Queued]) -> None:
        """Nothing of the batch is stored: every sender retries, on the new owner."""
        assert self.core is not None
        outcomes = self.core.fail([q.request for q in queued], "This session moved to another server; reconnecting.")
        self._write(self.core.data_to_send())
        self._settle(queued, outcomes)

    def peers(self) -> list[Peer]:
        """Every welcomed connection of the session."""
        if self.core is None:
            return []
        found = {peer for peers in self.core.participants.values() for peer in peers}
        return [*found, *self.core.facilitators, *self.core.screens]

    @staticmethod
    def _settle(queued: list[_Queued], outcomes: dict[HelloRequest, str]) -> None:
        for q in queued:
            outcome = outcomes.get(q.request) if isinstance(q.request, HelloRequest) else None
            if outcome is not None and q.done is not None and not q.done.done():
                q.done.set_result(outcome)

    # ---- writing --------------------------------------------------------

    def _write(self, sends: dict[Peer, list[Send]]) -> None:
        if sends:
            self._writers.write(sends, SLOW_CLIENT_BYTES)

    def _drop_slow(self, peer: Peer) -> None:
        """A client that stopped reading: cut it loose; it resyncs on reconnect."""
        log.warning("hub %s: dropping a slow %s client", self.code, peer.role)
        self.disconnect(peer)
