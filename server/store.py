"""Durable storage: an append-only event log per session in SQLite.

One aiosqlite connection, one transaction at a time (a lock around each):
tasks sharing a connection share its transaction, so interleaving them would
let one task's rollback discard another's rows. Appends arrive in batches from
the session hubs, one transaction per batch (group commit).

Journal mode WAL with ``synchronous=NORMAL``: a committed transaction survives
the process being killed (SIGKILL, crash); a power cut may lose the last
commits but never corrupts the file. ``--durability full`` (FULL) also
survives power loss at the cost of an fsync per commit.

Opening refuses, in one sentence, what cannot be served: a database another
server holds (:mod:`server.instance`), one it cannot write (a write that
changes nothing is tried first), one that is not SQLite, is damaged, has a
log with gaps or comes from a newer kompsesjon.

While it runs, the store keeps its three files under watch (the database,
``-wal`` and ``-shm``): after every commit and once a second it checks that
the names on disk are still the files it writes. Commits since the last
checkpoint live only in the ``-wal`` file; if someone deletes it, SQLite goes
on writing into the deleted file and a crash would lose every one of them
(acknowledged commands, and then seq numbers used twice). So when ``-wal``
or ``-shm`` is gone or replaced, the store checkpoints what it wrote into the
database file and opens it afresh before it answers; when the database file
itself is gone or replaced, it copies what it has next to it and stores
nothing more (``on_lost`` tells the server to stop).

A :class:`StoreError` says what went wrong in plain words and never carries
SQLite's own message (it may reach a participant); ``detail`` has that for the
log.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from kompsesjon.method.events import Event, UnreadableEvent, read_event

from .instance import InstanceLock, Taken
from .rows import Applied, NewParticipant, secret_hash
from .schema import MIGRATIONS as SCHEMA
from .schema import statements

__all__ = ["Applied", "NewParticipant", "SessionRow", "Store", "StoreError", "secret_hash"]

log = logging.getLogger("kompsesjon.store")

_PLACEHOLDER = re.compile(r"\$\d+")  # LogReads' $1 … in order, SQLite's ? here
WATCH_INTERVAL = 1.0  # seconds between checks that the files on disk are still ours

# The schema, with PostgreSQL's, is in server/schema.py (one entry per version).
MIGRATIONS = [migration.sqlite for migration in SCHEMA]


@dataclass(frozen=True)
class SessionRow:
    id: str
    code: str
    title: str
    created_at: float


class StoreError(Exception):
    """The database could not be opened or take a write; nothing of the batch
    was kept. The message is plain words (it may reach clients); ``detail``
    is SQLite's own, for the log."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class Fenced(StoreError):
    """This server no longer owns the session: another node took it over
    (PostgreSQL, :mod:`server.pgstore`); nothing of the batch was stored."""


class LogReads:
    """What both stores read the same way (SQLite here, PostgreSQL in
    :mod:`server.pgstore`): each store answers ``_rows`` for its engine."""

    path: str

    async def _rows(self, sql: str, *params: object) -> list:
        raise NotImplementedError

    async def sessions(self) -> list[SessionRow]:
        rows = await self._rows("SELECT id, code, title, created_at FROM sessions ORDER BY created_at")
        return [SessionRow(*row) for row in rows]

    async def event_counts(self) -> dict[str, int]:
        """session id -> how many events its log holds."""
        rows = await self._rows("SELECT session, count(*) FROM events GROUP BY session")
        return {str(session): int(count) for session, count in rows}

    async def token_hashes(self) -> dict[str, str]:
        """session id -> hash of its facilitator token."""
        rows = await self._rows("SELECT id, token_hash FROM sessions")
        return {str(session): str(token_hash) for session, token_hash in rows}

    async def find(self, *, code: str | None = None, token_hash: str | None = None) -> tuple[str, str, str] | None:
        """(session, code, token hash) of the session with this code or token."""
        if code is not None:
            rows = await self._rows("SELECT id, code, token_hash FROM sessions WHERE code = $1", code)
        else:
            rows = await self._rows("SELECT id, code, token_hash FROM sessions WHERE token_hash = $1", token_hash)
        return (str(rows[0][0]), str(rows[0][1]), str(rows[0][2])) if rows else None

    async def events(self, session: str, after: int = 0) -> list[tuple[int, Event]]:
        rows = await self._rows(
            "SELECT seq, body FROM events WHERE session = $1 AND seq > $2 ORDER BY seq", session, after
        )
        try:
            return [(seq, read_event(body, seq)) for seq, body in rows]
        except UnreadableEvent as exc:
            raise StoreError(f"{self.path}: session {session}: {exc}") from None

    async def participants(self, session: str) -> dict[str, str]:
        """resume hash -> participant id."""
        rows = await self._rows("SELECT resume_hash, participant FROM participants WHERE session = $1", session)
        return {str(resume_hash): str(participant) for resume_hash, participant in rows}

    async def applied_commands(self, session: str) -> dict[tuple[str, str], int]:
        rows = await self._rows("SELECT actor, command_id, seq FROM commands WHERE session = $1", session)
        return {(actor, command_id): seq for actor, command_id, seq in rows}


class Store(LogReads):
    # One server per file (server.instance): it writes every session it has,
    # and nobody else does, so there is no ownership to claim (see server.pgstore).
    shared = False

    def __init__(self, db: aiosqlite.Connection, path: str, durability: str = "normal") -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()
        self._durability = durability
        self._instance: InstanceLock | None = None
        self._files: dict[str, tuple[int, int] | None] = {}
        self._watch: asyncio.Task | None = None
        self._lost: StoreError | None = None
        # Called once when the database can no longer be trusted with a write.
        self.on_lost: Callable[[StoreError], None] | None = None
        self.on_moved: Callable[[str, str], None] | None = None  # never: nobody else writes here

    @classmethod
    async def open(cls, path: str | Path, *, durability: str = "normal") -> Store:
        path = str(path)
        instance = None if path == ":memory:" else _take(path)
        try:
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            if instance is not None:
                instance.release()
            raise StoreError(explain(exc, path), str(exc)) from None
        store = cls(db, path, durability)
        store._instance = instance
        try:
            await store._setup()
            await store._migrate()
            await store._try_a_write()
            await store._check_log()
            store._files = _identities(path)
        except sqlite3.Error as exc:
            await store._abandon()  # else its worker thread outlives the event loop
            raise StoreError(explain(exc, path), str(exc)) from None
        except BaseException:
            await store._abandon()
            raise
        if path != ":memory:":
            store._watch = asyncio.create_task(store._watching(), name="store-watch")
        return store

    async def _setup(self) -> None:
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute(f"PRAGMA synchronous={'FULL' if self._durability == 'full' else 'NORMAL'}")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA busy_timeout=5000")

    async def _try_a_write(self) -> None:
        """A write that changes nothing: a read-only file, folder or disk is
        found now, not at the first participant's join."""
        async with self._lock:
            row = await (await self._db.execute("PRAGMA user_version")).fetchone()
            assert row is not None
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                await self._db.execute(f"PRAGMA user_version={int(row[0])}")
                await self._db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    await self._db.execute("ROLLBACK")
                raise

    async def _check_log(self) -> None:
        """Refuse a log that is not whole: SQLite's own check, then every
        session's events numbered 1…head without a gap, and no applied
        command beyond the head."""
        async with self._lock:
            found = [str(row[0]) for row in await (await self._db.execute("PRAGMA quick_check(3)")).fetchall()]
            if found != ["ok"]:
                raise StoreError(
                    f"{self.path} is damaged ({'; '.join(found)[:200]}); restore a backup, or let sqlite3"
                    f" save what it can: sqlite3 {self.path} .recover"
                )
            logs = await (
                await self._db.execute("SELECT session, MIN(seq), MAX(seq), COUNT(*) FROM events GROUP BY session")
            ).fetchall()
            heads = {}
            for session, first, head, count in logs:
                if first != 1 or count != head:
                    raise StoreError(
                        f"{self.path}: the log of session {session} is not whole ({count} events numbered"
                        f" {first}–{head}); it cannot be served. Export what is there with kompsesjon export,"
                        " or restore a backup"
                    )
                heads[session] = head
            beyond = await (
                await self._db.execute("SELECT session, MAX(seq) FROM commands GROUP BY session")
            ).fetchall()
            for session, seq in beyond:
                if seq > heads.get(session, 0):
                    raise StoreError(
                        f"{self.path}: session {session} has commands answered at event {seq}, beyond the end"
                        f" of its log ({heads.get(session, 0)}): acknowledged events are missing. It cannot be"
                        " served; export what is there with kompsesjon export, or restore a backup"
                    )

    async def _abandon(self) -> None:
        """Close after a failed open, whatever state the connection is in."""
        with contextlib.suppress(Exception):
            await self._db.close()
        if self._instance is not None:
            self._instance.release()

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        async with self._lock:
            try:
                await self._db.close()
            finally:
                if self._instance is not None:
                    self._instance.release()

    # ---- the files under watch ------------------------------------------

    async def _watching(self) -> None:
        while self._lost is None:
            await asyncio.sleep(WATCH_INTERVAL)
            async with self._lock:
                try:
                    await self._check_files()
                except StoreError:
                    return  # said and handed to on_lost

    async def _check_files(self) -> None:
        """After a commit (and once a second): are the files on disk still
        the ones this connection writes? Raises StoreError if not and what was
        written cannot be saved under the database's name."""
        if not self._files:
            return
        now = _identities(self.path)
        if now == self._files:
            return
        if now[self.path] != self._files[self.path]:
            copy = f"{self.path}.rescued-{time.strftime('%Y%m%d-%H%M%S')}"
            try:
                await self._db.execute("VACUUM INTO ?", (copy,))
                where = f"everything stored until now is in {copy}"
            except sqlite3.Error as exc:
                where = f"it could not be copied ({exc})"
            self._give_up(
                f"{self.path} was removed or replaced while the server ran: nothing more can be stored;"
                f" {where}. Put it back and start the server again"
            )
        gone = [name for name in (f"{self.path}-wal", f"{self.path}-shm") if now[name] != self._files[name]]
        log.warning("store: %s removed or replaced while running; saving its commits into %s", gone, self.path)
        try:
            row = await (await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")).fetchone()
            saved = row is not None and row[0] == 0
            if saved:
                # Everything is in the database file now; a fresh connection makes new files.
                await self._db.close()
                self._db = await aiosqlite.connect(self.path, isolation_level=None)
                await self._setup()
                await self._db.execute("BEGIN IMMEDIATE")
                await self._db.execute("COMMIT")  # so that -wal and -shm exist to be watched
        except sqlite3.Error as exc:
            log.error("store: saving after %s went: %s", gone, exc)
            saved = False
        if not saved:
            self._give_up(
                f"{gone[0]} was removed or replaced while the server ran and what it held could not be saved"
                f" into {self.path}; nothing more is stored. Stop the server and look at the folder"
            )
        self._files = _identities(self.path)
        log.warning("store: %s saved and opened afresh; nothing was lost", self.path)

    def _give_up(self, message: str) -> None:
        self._lost = StoreError(message)
        log.error("store: %s", message)
        if self.on_lost is not None:
            self.on_lost(self._lost)
        raise self._lost

    def _usable(self) -> None:
        if self._lost is not None:
            raise StoreError("The server can no longer store anything; the facilitator must restart it.")

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

    # ---- ownership: always this server's --------------------------------

    def owns(self, session: str) -> bool:
        return True

    async def claim(self, session: str) -> bool:
        return True

    async def want(self, session: str) -> None:
        pass

    async def release(self, session: str) -> None:
        pass

    def forget(self, session: str) -> None:
        pass

    # ---- sessions -------------------------------------------------------

    async def create_session(self, session: str, code: str, token: str, title: str, created: Event) -> None:
        """Store a new session together with its first event."""
        now = time.time()
        async with self._lock:
            self._usable()
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
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    await self._db.execute("ROLLBACK")
                raise StoreError(explain(exc), str(exc)) from None
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._check_files()

    async def replace_token(self, session: str, token: str) -> bool:
        """A new facilitator token for the session; False: no such session.
        (``kompsesjon token`` writes the file itself: the server holds this store.)"""
        async with self._lock:
            self._usable()
            try:
                cursor = await self._db.execute(
                    "UPDATE sessions SET token_hash = ? WHERE id = ?", (secret_hash(token), session)
                )
            except sqlite3.Error as exc:
                raise StoreError(explain(exc), str(exc)) from None
            return cursor.rowcount == 1

    async def _rows(self, sql: str, *params: object) -> list:
        """A query's rows ($1 … placeholders, as PostgreSQL's); a database
        error is a StoreError in plain words."""
        async with self._lock:
            try:
                return list(await (await self._db.execute(_PLACEHOLDER.sub("?", sql), params)).fetchall())
            except sqlite3.Error as exc:
                log.error("store: could not read: %s", exc)
                raise StoreError(explain(exc), str(exc)) from None

    # ---- the log --------------------------------------------------------

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
            self._usable()
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
                log.error("store: could not store a batch: %s", exc)
                raise StoreError(explain(exc), str(exc)) from exc
            await self._check_files()  # acknowledged only once it is in the database's own files


async def _run_script(db: aiosqlite.Connection, script: str) -> None:
    """Run a migration's statements inside the already open transaction."""
    for statement in statements(script):
        await db.execute(statement)


def _take(path: str) -> InstanceLock:
    """Make the database file (owner-only) and take its lock, or say why not."""
    if os.path.isdir(path):
        raise StoreError(f"{path} is a folder; give a file in it (--db {Path(path) / 'kompsesjon.sqlite3'})")
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Readable by its owner only: it holds every card, and who wrote it
        # even in anonymous sessions. SQLite gives the -wal and -shm files
        # the database file's permissions.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return InstanceLock.acquire(path)
    except Taken as exc:
        raise StoreError(
            f"{path} is in use by another kompsesjon server ({exc}); stop that one first, or give this one another --db"
        ) from None
    except OSError as exc:
        raise StoreError(explain(exc, path), str(exc)) from None


def _identities(path: str) -> dict[str, tuple[int, int] | None]:
    """(device, inode) of the database and its -wal and -shm files (None: missing)."""
    if path == ":memory:":
        return {}
    found: dict[str, tuple[int, int] | None] = {}
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            st = os.stat(name)
            found[name] = (st.st_dev, st.st_ino)
        except FileNotFoundError:
            found[name] = None
    return found


_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


def explain(exc: BaseException, path: str | None = None) -> str:
    """What a database error means, in words a person can act on (never
    SQLite's own message). With ``path``: for the operator at start."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    where = path or "the database"
    if (isinstance(exc, OSError) and exc.errno in _READ_ONLY) or name.startswith(
        ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")
    ):
        if path is None:
            return "The server cannot write to its database (it is read-only)."
        return (
            f"{path} cannot be written (the file, its folder or the disk is read-only); the server must write it"
            f" and create {Path(path).name}-wal and {Path(path).name}-shm beside it. Check the permissions,"
            " or read it with kompsesjon export"
        )
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or name.startswith("SQLITE_FULL"):
        return f"{where}: the disk is full" if path else "The server's disk is full."
    if name == "SQLITE_NOTADB":
        return f"{where} is not a kompsesjon database (not an SQLite file, or damaged at its start)"
    if name.startswith("SQLITE_CORRUPT"):
        if path is None:
            return "The server's database is damaged."
        return f"{path} is damaged; restore a backup, or let sqlite3 save what it can: sqlite3 {path} .recover"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return f"{where} is locked by another program" if path else "The server's database is busy; try again."
    if name.startswith("SQLITE_IOERR") or isinstance(exc, OSError):
        if path is None:
            return "The server could not write to its disk."
        return f"{path} could not be read or written (an input/output error: a failing or full disk?)"
    return f"{where} could not be used" if path else "The server could not store this."
