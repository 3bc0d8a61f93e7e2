"""Reading a session back from the database file, offline.

Export does not need the server: it opens the SQLite file read-only and folds
the event log with the same ``evolve`` the server uses.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from kompsesjon.method import State, evolve
from kompsesjon.method.events import load_event


class ExportError(Exception):
    """The database or the session cannot be read; the message says why."""


@dataclass(frozen=True)
class StoredSession:
    id: str
    code: str
    title: str
    created_at: float
    events: int


def _connect(db: str | Path) -> sqlite3.Connection:
    path = Path(db)
    if not path.exists():
        raise ExportError(f"{path}: no such database file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute("SELECT 1 FROM sessions LIMIT 1")
    except sqlite3.DatabaseError as exc:
        raise ExportError(f"{path}: not a kompsesjon database ({exc})") from None
    return conn


def list_sessions(db: str | Path) -> list[StoredSession]:
    with _connect(db) as conn:
        rows = conn.execute(
            "SELECT s.id, s.code, s.title, s.created_at, "
            "(SELECT COUNT(*) FROM events e WHERE e.session = s.id) "
            "FROM sessions s ORDER BY s.created_at"
        ).fetchall()
    return [StoredSession(*row) for row in rows]


def find_session(db: str | Path, ref: str | None) -> StoredSession:
    """A session by id or join code; without ``ref`` the only one there is."""
    sessions = list_sessions(db)
    if not sessions:
        raise ExportError(f"{db}: holds no sessions")
    if ref is None:
        if len(sessions) > 1:
            listed = ", ".join(f"{s.code} «{s.title}»" for s in sessions)
            raise ExportError(f"{db} holds {len(sessions)} sessions; name one: {listed}")
        return sessions[0]
    wanted = ref.strip().upper().replace("-", "").replace(" ", "")
    for s in sessions:
        if s.id == ref.strip() or s.code == wanted:
            return s
    raise ExportError(f"{db}: no session with id or code {ref!r}")


def load_state(db: str | Path, session: str) -> State:
    with _connect(db) as conn:
        rows = conn.execute("SELECT body FROM events WHERE session = ? ORDER BY seq", (session,)).fetchall()
    state: State | None = None
    for (body,) in rows:
        state = evolve(state, load_event(body))
    if state is None:
        raise ExportError(f"session {session} has no events")
    return state
