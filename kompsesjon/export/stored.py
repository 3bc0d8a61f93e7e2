"""Reading a session back from the database file, offline.

Export does not need the server: it opens the SQLite file read-only
(:mod:`kompsesjon.databases`), or reads a PostgreSQL database through the
servers' store, and folds the event log with the same ``evolve`` the
server uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kompsesjon.databases import (
    SCHEMA_VERSION,
    ExportError,
    StoredSession,
    damage,
    find_session,
    from_postgres,
    in_postgres,
    list_sessions,
    shown,
)
from kompsesjon.databases import _read as _read
from kompsesjon.method import State, evolve
from kompsesjon.method.events import Event, UnreadableEvent, read_event

__all__ = ["SCHEMA_VERSION", "ExportError", "StoredSession", "damage", "find_session", "list_sessions", "load_state"]


def _events(db: str | Path, session: str) -> Iterator[tuple[int, Event]]:
    if in_postgres(db):
        yield from from_postgres(str(db), lambda store: store.events(session))
        return
    for seq, body in _read(db, "SELECT seq, body FROM events WHERE session = ? ORDER BY seq", (session,)):
        try:
            yield seq, read_event(body, seq)
        except UnreadableEvent as exc:
            raise ExportError(f"{db}: session {session}: {exc}") from None


def load_state(db: str | Path, session: str) -> State:
    state: State | None = None
    for seq, event in _events(db, session):
        try:
            state = evolve(state, event)
        except Exception as exc:  # any rule that trips over it: the log is not one the engine wrote
            raise ExportError(
                f"{shown(db)}: session {session}: event {seq} ({event.type}) does not fit the events before it"
                f" ({type(exc).__name__}: {str(exc)[:120]}); the log is damaged"
            ) from None
    if state is None:
        raise ExportError(f"session {session} has no events")
    return state
