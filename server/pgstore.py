"""Durable storage in PostgreSQL, shared by several ``kompsesjon serve`` nodes.

The same event-log model as the SQLite store (:mod:`server.store`): the same
tables (:mod:`server.schema`), the same methods, one transaction per batch
(group commit), and idempotency from the same ``commands`` table, which a
node reads when it takes a session over.

Several nodes may use one database, so each session has exactly one writer
at a time, recorded in ``owners`` (session → node, epoch, lease expiry):

* A node *claims* a session before it hosts it. The claim succeeds when the
  session has no owner, its lease has expired, or its owner is gone: every
  connection a node opens carries its name as ``application_name``, and when
  the process dies (SIGKILL, a crash, its machine) PostgreSQL drops those
  connections, so a dead owner is seen at once, without waiting for its
  lease. Each claim adds one to the epoch.
* Every append is one statement that first extends the lease *where the
  epoch is still this node's*, and inserts the batch only if it did (in the
  same transaction). An owner that was paused (SIGSTOP, a frozen VM) past its
  lease and then resumes finds the epoch moved on: its batch is refused with
  :class:`Fenced`, nothing of it is stored, and the node closes that session's
  connections so the clients reconnect to the new owner.
* A task renews the node's leases every ``lease / 4`` seconds. A lease it
  finds gone, or another node asking for the session (``wanted_by``, when a
  proxy sends that session's people to the other node, e.g. after this node
  came back), is handed to ``on_moved``: the server stops hosting it.

PostgreSQL's messages never reach a participant: :class:`StoreError` carries
plain words, ``detail`` the driver's text for the log. The driver is asyncpg
(asyncio-native, its own pool, binary protocol, no libpq to install).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable

import asyncpg

from kompsesjon.method.events import Event

from .rows import Applied, NewParticipant, secret_hash
from .schema import MIGRATIONS, statements
from .store import Fenced, LogReads, StoreError
from .stores import without_password

__all__ = ["Fenced", "PgStore"]

log = logging.getLogger("kompsesjon.store")

LEASE = 4.0  # seconds a claim holds without being renewed
HOLD_BEFORE_HANDOVER = 5.0  # seconds an owner keeps a session before it gives it to a node that asks
MIGRATION_LOCK = 0x6B6F6D70  # advisory lock: one node migrates at a time ("komp")


def node_name() -> str:
    """This process's name in ``owners`` and in ``application_name`` (at most 63 bytes)."""
    host = socket.gethostname().encode()[:24].decode("ascii", "ignore") or "host"
    return f"kompsesjon {host} {os.getpid()} {secrets.token_hex(3)}"


def _words(exc: BaseException) -> StoreError:
    """A driver error in plain words; its own text only in ``detail``."""
    if isinstance(exc, asyncpg.exceptions.DiskFullError):
        return StoreError("The server's database is full.", str(exc))
    if isinstance(exc, asyncpg.UniqueViolationError):
        return StoreError("The server could not store this (it is stored already).", str(exc))
    return StoreError("The server could not store this.", str(exc))


class PgStore(LogReads):
    shared = True  # several nodes may serve from it: sessions are hosted on demand

    def __init__(self, pool: asyncpg.Pool, url: str, node: str, lease: float) -> None:
        self._pool = pool
        self.path = without_password(url)
        self.node = node
        self.lease = lease
        self._epochs: dict[str, int] = {}  # sessions this node owns, with their epoch
        self._renew: asyncio.Task[None] | None = None
        # Called with (session, why) when this node must stop hosting a
        # session: "lost" (another node has it) or "wanted" (asked to hand it over).
        self.on_moved: Callable[[str, str], None] | None = None
        self.on_lost: Callable[[StoreError], None] | None = None

    @classmethod
    async def open(cls, url: str, *, lease: float = LEASE, node: str | None = None, tool: bool = False) -> PgStore:
        """The store of a node; ``tool``: of a command-line tool (export, sessions,
        token, new) beside running nodes — it changes no schema, renews no leases
        and holds a session only while it creates one."""
        node = node or node_name()
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=2 if tool else 8,
                max_inactive_connection_lifetime=0,  # an idle node stays visible as alive
                server_settings={"application_name": node},
                timeout=10,
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            raise StoreError(
                f"{without_password(url)} cannot be reached or refused this server ({exc})", str(exc)
            ) from None
        store = cls(pool, url, node, lease)
        try:
            if tool:
                await store._check_version()
            else:
                await store._migrate()
                await store._check_log()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await pool.close()
            raise StoreError(
                f"{store.path} could not be set up for kompsesjon ({type(exc).__name__}): does this role own the"
                " database?",
                str(exc),
            ) from None
        except BaseException:
            await pool.close()
            raise
        if not tool:
            store._renew = asyncio.create_task(store._renewing(), name="store-leases")
        return store

    async def _check_version(self) -> None:
        """A tool reads only a schema it knows, and leaves creating it to the nodes."""
        async with self._pool.acquire() as conn:
            known = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
            version = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version") if known else 0
        if version == 0:
            raise StoreError(
                f"{self.path} holds no kompsesjon tables yet (a node makes them when it starts: kompsesjon serve"
                " --db …)"
            )
        if version > len(MIGRATIONS):
            raise StoreError(f"{self.path} was written by a newer kompsesjon (schema {version}); upgrade kompsesjon.")

    async def _migrate(self) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"{self.path} was written by a newer kompsesjon (schema {version}); upgrade kompsesjon."
                )
            for number in range(version, len(MIGRATIONS)):
                for statement in statements(MIGRATIONS[number].postgres):
                    await conn.execute(statement)
                await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number + 1)

    async def _check_log(self) -> None:
        """Refuse a log that is not whole, as the SQLite store does."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT e.session, e.first, e.head, e.count, c.answered FROM"
                " (SELECT session, min(seq) AS first, max(seq) AS head, count(*) AS count FROM events"
                " GROUP BY session) e LEFT JOIN (SELECT session, max(seq) AS answered FROM commands"
                " GROUP BY session) c ON c.session = e.session"
            )
        for session, first, head, count, answered in rows:
            if first != 1 or count != head:
                raise StoreError(
                    f"{self.path}: the log of session {session} is not whole ({count} events numbered"
                    f" {first}–{head}); it cannot be served"
                )
            if answered is not None and answered > head:
                raise StoreError(
                    f"{self.path}: session {session} has commands answered at event {answered}, beyond the end"
                    f" of its log ({head}): acknowledged events are missing. It cannot be served"
                )

    async def close(self) -> None:
        if self._renew is not None:
            self._renew.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renew
        with contextlib.suppress(Exception):
            for session in list(self._epochs):
                await self.release(session)  # another node may take them at once
        await self._pool.close()

    # ---- ownership --------------------------------------------------------

    def owns(self, session: str) -> bool:
        return session in self._epochs

    async def claim(self, session: str) -> bool:
        """Become the session's writer; False if a live node holds its lease."""
        try:
            epoch = await self._pool.fetchval(
                "INSERT INTO owners AS o (session, node, epoch, expires_at, since)"
                " VALUES ($1, $2, 1, now() + make_interval(secs => $3), now())"
                " ON CONFLICT (session) DO UPDATE SET node = excluded.node, epoch = o.epoch + 1,"
                " expires_at = excluded.expires_at, since = now(), wanted_by = NULL"
                " WHERE o.expires_at < now() OR o.node = excluded.node"
                " OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = o.node)"
                " RETURNING epoch",
                session,
                self.node,
                self.lease,
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise _words(exc) from exc
        if epoch is None:
            return False
        self._epochs[session] = epoch
        log.info("store: %s took session %s (epoch %d)", self.node, session, epoch)
        return True

    async def want(self, session: str) -> None:
        """Ask the session's owner to hand it over (it does so at its next renewal)."""
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self._pool.execute(
                "UPDATE owners SET wanted_by = $2 WHERE session = $1 AND node <> $2", session, self.node
            )

    async def release(self, session: str) -> None:
        """Stop being the session's writer; another node may claim it at once."""
        epoch = self._epochs.pop(session, None)
        if epoch is not None:
            await self._pool.execute(
                "UPDATE owners SET expires_at = now() - interval '1 second' WHERE session = $1 AND epoch = $2",
                session,
                epoch,
            )

    def forget(self, session: str) -> None:
        """The session is no longer this node's (fenced): no release, it has a new owner."""
        self._epochs.pop(session, None)

    async def _renewing(self) -> None:
        while True:
            await asyncio.sleep(self.lease / 4)
            mine = dict(self._epochs)
            if not mine:
                continue
            try:
                rows = await self._pool.fetch(
                    "UPDATE owners o SET expires_at = now() + make_interval(secs => $3)"
                    " FROM unnest($1::text[], $2::bigint[]) AS mine(session, epoch)"
                    " WHERE o.session = mine.session AND o.epoch = mine.epoch"
                    " RETURNING o.session, o.wanted_by IS NOT NULL"
                    " AND o.since < now() - make_interval(secs => $4) AS wanted",
                    list(mine),
                    list(mine.values()),
                    self.lease,
                    HOLD_BEFORE_HANDOVER,
                )
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("store: could not renew leases: %s", exc)
                continue
            kept = {row["session"]: row["wanted"] for row in rows}
            for session, epoch in mine.items():
                if self._epochs.get(session) != epoch:
                    continue  # released or claimed again meanwhile
                if session not in kept:
                    self._moved(session, "lost")
                elif kept[session]:
                    self._moved(session, "wanted")

    def _moved(self, session: str, why: str) -> None:
        log.warning("store: session %s %s", session, "taken by another node" if why == "lost" else "wanted elsewhere")
        if why == "lost":
            self._epochs.pop(session, None)
        if self.on_moved is not None:
            self.on_moved(session, why)

    # ---- sessions ---------------------------------------------------------

    async def create_session(self, session: str, code: str, token: str, title: str, created: Event) -> None:
        """Store a new session with its first event; this node owns it."""
        now = time.time()
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "INSERT INTO sessions (id, code, token_hash, title, created_at) VALUES ($1, $2, $3, $4, $5)",
                    session,
                    code,
                    secret_hash(token),
                    title,
                    now,
                )
                await conn.execute(
                    "INSERT INTO events (session, seq, type, body, at) VALUES ($1, 1, $2, $3, $4)",
                    session,
                    created.type,
                    created.model_dump_json(),
                    now,
                )
                await conn.execute(
                    "INSERT INTO owners (session, node, epoch, expires_at, since)"
                    " VALUES ($1, $2, 1, now() + make_interval(secs => $3), now())",
                    session,
                    self.node,
                    self.lease,
                )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise _words(exc) from exc
        self._epochs[session] = 1

    async def replace_token(self, session: str, token: str) -> bool:
        """A new facilitator token for the session (``kompsesjon token``); False: no such session.
        Nodes check a facilitator's token against the database at each hello."""
        try:
            done = await self._pool.execute(
                "UPDATE sessions SET token_hash = $1 WHERE id = $2", secret_hash(token), session
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise _words(exc) from exc
        return done == "UPDATE 1"

    async def _rows(self, sql: str, *params: object) -> list:
        try:
            return list(await self._pool.fetch(sql, *params))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.error("store: could not read: %s", exc)
            raise _words(exc) from None

    # ---- the log ----------------------------------------------------------

    async def append(
        self,
        session: str,
        events: Iterable[tuple[int, str, str]],
        applied: Iterable[Applied] = (),
        joined: Iterable[NewParticipant] = (),
    ) -> None:
        """Commit a batch if this node still owns the session, all or nothing.

        One statement, so one transaction: the lease is extended where the
        epoch is still ours, and the rows go in only if it was.
        """
        epoch = self._epochs.get(session)
        if epoch is None:
            raise Fenced("This session is now served by another server; reconnecting.")
        events = list(events)
        applied = list(applied)
        joined = list(joined)
        try:
            owned = await self._pool.fetchval(
                """
                WITH fence AS (
                    UPDATE owners SET expires_at = now() + make_interval(secs => $3)
                    WHERE session = $1 AND epoch = $2 RETURNING session
                ), ev AS (
                    INSERT INTO events (session, seq, type, body, at)
                    SELECT fence.session, u.seq, u.type, u.body, $4
                    FROM fence, unnest($5::bigint[], $6::text[], $7::text[]) AS u(seq, type, body)
                    RETURNING 1
                ), cm AS (
                    INSERT INTO commands (session, actor, command_id, seq)
                    SELECT fence.session, u.actor, u.command_id, u.seq
                    FROM fence, unnest($8::text[], $9::text[], $10::bigint[]) AS u(actor, command_id, seq)
                    RETURNING 1
                ), pp AS (
                    INSERT INTO participants (session, participant, resume_hash)
                    SELECT fence.session, u.participant, u.resume_hash
                    FROM fence, unnest($11::text[], $12::text[]) AS u(participant, resume_hash)
                    RETURNING 1
                )
                SELECT count(*) FROM fence
                """,
                session,
                epoch,
                self.lease,
                time.time(),
                [seq for seq, _, _ in events],
                [kind for _, kind, _ in events],
                [body for _, _, body in events],
                [a.actor for a in applied],
                [a.command_id for a in applied],
                [a.seq for a in applied],
                [j.participant for j in joined],
                [j.resume_hash for j in joined],
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.error("store: could not store a batch: %s", exc)
            raise _words(exc) from exc
        if not owned:
            if self._epochs.get(session) == epoch:
                del self._epochs[session]
            log.warning("store: %s: a batch for session %s was refused (epoch %d is over)", self.node, session, epoch)
            raise Fenced("This session is now served by another server; reconnecting.")
