"""The database files and the sessions in them, read offline and quickly.

``kompsesjon sessions`` and the first step of ``export`` read a database
file read-only without the method (no pydantic: a listing is instant);
:mod:`kompsesjon.export.stored` folds a session's log with it. Without
``--db`` the known databases are every ``*.sqlite3`` in the user data
folder: the one ``serve`` uses and the demo's.

What can be wrong with the file is said in one sentence (:class:`ExportError`):
not a kompsesjon database, written by a newer kompsesjon (its schema version,
or an event type this version does not know), an event that is damaged or does
not fit the log before it, a damaged page. :func:`damage` runs SQLite's own
check for the warning about damage in parts the export does not read.

``--db postgresql://…`` (several nodes on one database: docs/scaling.md) is
read through the servers' own store (:func:`server.stores.open_store`, a
tool's connection: it holds no session and changes no schema), so the
listing and the export are the same as from a file.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from server.stores import SessionStore

# The newest database schema this version reads (server/store.py: MIGRATIONS).
SCHEMA_VERSION = 1


_POSTGRES = ("postgresql://", "postgres://")  # as server.stores.is_postgres, without importing the server

T = TypeVar("T")


class ExportError(Exception):
    """The database or the session cannot be read; the message says why."""


def in_postgres(db: str | Path) -> bool:
    return isinstance(db, str) and db.startswith(_POSTGRES)


def shown(db: str | Path) -> str:
    """The database as messages name it: a PostgreSQL address without its password."""
    if not in_postgres(db):
        return str(db)
    from server.stores import without_password

    return without_password(str(db))


def from_postgres(db: str, read: Callable[[SessionStore], Awaitable[T]]) -> T:
    """What ``read`` gets from the PostgreSQL database ``db`` through the
    servers' store; what goes wrong is one :class:`ExportError`."""
    import asyncio

    from server.store import StoreError
    from server.stores import open_store

    async def reading() -> T:
        store = await open_store(db, tool=True)
        try:
            return await read(store)
        finally:
            await store.close()

    try:
        return asyncio.run(reading())
    except StoreError as exc:
        detail = f" ({exc.detail})" if exc.detail and exc.detail not in str(exc) else ""
        where = "" if shown(db) in str(exc) else f"{shown(db)}: "
        raise ExportError(f"{where}{exc}{detail}") from None


@dataclass(frozen=True)
class StoredSession:
    id: str
    code: str
    title: str
    created_at: float
    events: int


def _uri(path: Path) -> str:
    """A read-only SQLite URI for ``path``: ``#``, ``?`` and ``%`` in a file
    name are quoted, so they cannot end the path or add parameters."""
    return path.absolute().as_uri() + "?mode=ro"


def _connect(db: str | Path) -> sqlite3.Connection:
    path = Path(db)
    if not path.exists():
        raise ExportError(f"{path}: no such database file")
    if not path.is_file():
        raise ExportError(f"{path}: not a file")
    try:
        conn = sqlite3.connect(_uri(path), uri=True)
    except sqlite3.Error as exc:
        raise ExportError(f"{path}: cannot open it ({exc})") from None
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise ExportError(
                f"{path} was written by a newer kompsesjon (schema {version}, this one reads up to"
                f" {SCHEMA_VERSION}); upgrade kompsesjon"
            )
        conn.execute("SELECT 1 FROM sessions LIMIT 1")
        conn.execute("SELECT 1 FROM events LIMIT 1")
    except ExportError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        if _is_damage(exc):
            raise ExportError(_damaged(path, exc)) from None
        raise ExportError(f"{path}: not a kompsesjon database ({exc})") from None
    return conn


def _is_damage(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorname", "").startswith("SQLITE_CORRUPT")


def _damaged(path: Path, exc: sqlite3.Error) -> str:
    return (
        f"{path}: the database file is damaged ({exc}); export from a backup copy,"
        f" or let sqlite3 save what it can: sqlite3 {path} .recover"
    )


def _read(db: str | Path, query: str, params: tuple = ()) -> list[tuple]:
    conn = _connect(db)
    try:
        return conn.execute(query, params).fetchall()
    except sqlite3.DatabaseError as exc:
        raise ExportError(_damaged(Path(db), exc)) from None
    finally:
        conn.close()


def damage(db: str | Path) -> str | None:
    """What SQLite's own check finds wrong with the file (None: nothing;
    PostgreSQL checks its own pages)."""
    if in_postgres(db):
        return None
    conn = _connect(db)
    try:
        rows = conn.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:  # too damaged to walk
        return str(exc)
    finally:
        conn.close()
    found = [str(row[0]) for row in rows if row[0] != "ok"]
    return "; ".join(found)[:300] if found else None


def list_sessions(db: str | Path) -> list[StoredSession]:
    if in_postgres(db):
        return from_postgres(str(db), _pg_sessions)
    rows = _read(
        db,
        "SELECT s.id, s.code, s.title, s.created_at, "
        "(SELECT COUNT(*) FROM events e WHERE e.session = s.id) "
        "FROM sessions s ORDER BY s.created_at",
    )
    return [StoredSession(*row) for row in rows]


async def _pg_sessions(store: SessionStore) -> list[StoredSession]:
    counts = await store.event_counts()
    return [StoredSession(s.id, s.code, s.title, s.created_at, counts.get(s.id, 0)) for s in await store.sessions()]


def find_session(db: str | Path, ref: str | None) -> StoredSession:
    """A session by id or join code; without ``ref`` the only one there is."""
    sessions = list_sessions(db)
    if not sessions:
        raise ExportError(f"{shown(db)}: holds no sessions")
    if ref is None:
        if len(sessions) > 1:
            listed = ", ".join(f"{s.code} «{s.title}»" for s in sessions)
            raise ExportError(f"{shown(db)} holds {len(sessions)} sessions; name one: {listed}")
        return sessions[0]
    wanted = ref.strip().upper().replace("-", "").replace(" ", "")
    for s in sessions:
        if s.id == ref.strip() or s.code == wanted:
            return s
    raise ExportError(f"{shown(db)}: no session with id or code {ref!r}")


def known_databases() -> list[Path]:
    """The databases in the user data folder: ``serve``'s default first, then the demo's and any other."""
    from kompsesjon.paths import data_dir, default_db

    first = default_db()
    found = sorted(p for p in data_dir().glob("*.sqlite3") if p.is_file() and p != first)
    return ([first] if first.is_file() else []) + found


def locate(ref: str | None) -> Path:
    """The known database that holds the session ``ref`` (id or join code);
    without ``ref``, the one database that holds exactly one session."""
    from kompsesjon.paths import data_dir

    places = known_databases()
    if not places:
        raise ExportError(f"no databases in {data_dir()} (serve and demo keep theirs there); give --db FILE")
    holding: list[tuple[Path, StoredSession]] = []
    for path in places:
        try:
            sessions = list_sessions(path)
        except ExportError:
            continue  # a damaged or foreign file there: the others may still hold it
        if ref is None:
            holding += [(path, s) for s in sessions]
            continue
        with contextlib.suppress(ExportError):
            holding.append((path, find_session(path, ref)))
    if len(holding) == 1:
        return holding[0][0]
    if not holding:
        raise ExportError(
            f"no session with id or code {ref!r} in {', '.join(map(str, places))}"
            if ref is not None
            else f"no sessions stored in {', '.join(map(str, places))}"
        )
    listed = ", ".join(f"{s.code} «{s.title}» ({path.name})" for path, s in holding)
    raise ExportError(f"{len(holding)} sessions match; name one (and --db FILE if needed): {listed}")
