"""Durable storage: an append-only event log per session in SQLite.

One aiosqlite connection, one transaction at a time (a lock around each):
tasks sharing a connection share its transaction, so interleaving them would
let one task's rollback discard another's rows. Appends arrive in batches from
the session hubs, one transaction per batch (group commit).

Journal mode WAL with ``synchronous=NORMAL``: a committed transaction survives
the process being killed (SIGKILL, crash); a power cut may lose the last
commits but never corrupts the file. ``--durability full`` (FULL) also
survives power loss at the cost of an fsync per commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from kompsesjon.method.events import Event, load_event

from .rows import Applied, NewParticipant, secret_hash

__all__ = ["Applied", "NewParticipant", "SessionRow", "Store", "StoreError", "secret_hash"]

# Each entry upgrades the schema by one version (PRAGMA user_version).
MIGRATIONS: list[str] = [
    # 1: sessions, the event log, participants' resume secrets, applied commands.
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        token_hash TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE events (
        session TEXT NOT NULL REFERENCES sessions(id),
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (session, seq)
    ) WITHOUT ROWID;
    CREATE TABLE participants (
        session TEXT NOT NULL REFERENCES sessions(id),
        participant TEXT NOT NULL,
        resume_hash TEXT NOT NULL,
        PRIMARY KEY (session, participant),
        UNIQUE (session, resume_hash)
    ) WITHOUT ROWID;
    CREATE TABLE commands (
        session TEXT NOT NULL REFERENCES sessions(id),
        actor TEXT NOT NULL,
        command_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (session, actor, command_id)
    ) WITHOUT ROWID;
    """,
]


@dataclass(frozen=True)
class SessionRow:
    id: str
    code: str
    title: str
    created_at: float


class StoreError(Exception):
    """The database could not take a write; nothing of the batch was kept."""


class Store:
    def __init__(self, db: aiosqlite.Connection, path: str) -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, *, durability: str = "normal") -> Store:
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Readable by its owner only: it holds every card, and who wrote
            # it even in anonymous sessions. SQLite gives the -wal and -shm
            # files the database file's permissions.
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        db = await aiosqlite.connect(path, isolation_level=None)
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA busy_timeout=5000")
        store = cls(db, path)
        try:
            await store._migrate()
        except BaseException:
            await db.close()  # else its worker thread outlives the event loop
            raise
        return store

    async def close(self) -> None:
        async with self._lock:
            await self._db.close()

    async def _migrate(self) -> None:
        async with self._lock:
            row = await (await self._db.execute("PRAGMA user_version")).fetchone()
            assert row is not None  # a pragma always answers
            (version,) = row
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"{self.path} was written by a newer kompsesjon (schema {version}); upgrade kompsesjon."
                )
            for number in range(version, len(MIGRATIONS)):
                await self._db.execute("BEGIN IMMEDIATE")
                try:
                    await _run_script(self._db, MIGRATIONS[number])
                    await self._db.execute(f"PRAGMA user_version={number + 1}")
                    await self._db.execute("COMMIT")
                except BaseException:
                    await self._db.execute("ROLLBACK")
                    raise

    # ---- sessions -------------------------------------------------------

    async def create_session(self, session: str, code: str, token: str, title: str, created: Event) -> None:
        """Store a new session together with its first event."""
        now = time.time()
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                await self._db.execute(
                    "INSERT INTO sessions (id, code, token_hash, title, created_at) VALUES (?, ?, ?, ?, ?)",
                    (session, code, secret_hash(token), title, now),
                )
                await self._db.execute(
                    "INSERT INTO events (session, seq, type, body, at) VALUES (?, 1, ?, ?, ?)",
                    (session, created.type, created.model_dump_json(), now),
                )
                await self._db.execute("COMMIT")
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise

    async def sessions(self) -> list[SessionRow]:
        async with self._lock:
            rows = await (
                await self._db.execute("SELECT id, code, title, created_at FROM sessions ORDER BY created_at")
            ).fetchall()
        return [SessionRow(*row) for row in rows]

    async def token_hashes(self) -> dict[str, str]:
        """session id -> hash of its facilitator token."""
        async with self._lock:
            rows = await (await self._db.execute("SELECT id, token_hash FROM sessions")).fetchall()
        return {str(session): str(token_hash) for session, token_hash in rows}

    # ---- the log --------------------------------------------------------

    async def events(self, session: str, after: int = 0) -> list[tuple[int, Event]]:
        async with self._lock:
            rows = await (
                await self._db.execute(
                    "SELECT seq, body FROM events WHERE session = ? AND seq > ? ORDER BY seq", (session, after)
                )
            ).fetchall()
        return [(seq, load_event(body)) for seq, body in rows]

    async def participants(self, session: str) -> dict[str, str]:
        """resume hash -> participant id."""
        async with self._lock:
            rows = await (
                await self._db.execute(
                    "SELECT resume_hash, participant FROM participants WHERE session = ?", (session,)
                )
            ).fetchall()
        return {str(resume_hash): str(participant) for resume_hash, participant in rows}

    async def applied_commands(self, session: str) -> dict[tuple[str, str], int]:
        async with self._lock:
            rows = await (
                await self._db.execute("SELECT actor, command_id, seq FROM commands WHERE session = ?", (session,))
            ).fetchall()
        return {(actor, command_id): seq for actor, command_id, seq in rows}

    async def append(
        self,
        session: str,
        events: Iterable[tuple[int, str, str]],
        applied: Iterable[Applied] = (),
        joined: Iterable[NewParticipant] = (),
    ) -> None:
        """Commit a batch: events (seq, type, json), command ids, new people.

        All or nothing. Raises StoreError if the database refused the batch.
        """
        now = time.time()
        async with self._lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                # Each statement is a round trip to aiosqlite's thread: skip empty ones.
                event_rows = [(session, seq, kind, body, now) for seq, kind, body in events]
                if event_rows:
                    await self._db.executemany(
                        "INSERT INTO events (session, seq, type, body, at) VALUES (?, ?, ?, ?, ?)", event_rows
                    )
                command_rows = [(session, a.actor, a.command_id, a.seq) for a in applied]
                if command_rows:
                    await self._db.executemany(
                        "INSERT INTO commands (session, actor, command_id, seq) VALUES (?, ?, ?, ?)", command_rows
                    )
                people_rows = [(session, j.participant, j.resume_hash) for j in joined]
                if people_rows:
                    await self._db.executemany(
                        "INSERT INTO participants (session, participant, resume_hash) VALUES (?, ?, ?)", people_rows
                    )
                await self._db.execute("COMMIT")
            except Exception as exc:
                with contextlib.suppress(Exception):  # rollback of a broken connection
                    await self._db.execute("ROLLBACK")
                raise StoreError(str(exc)) from exc


async def _run_script(db: aiosqlite.Connection, script: str) -> None:
    """Run a migration's statements inside the already open transaction."""
    for statement in script.split(";"):
        if statement.strip():
            await db.execute(statement)
