"""Reading a session back from the database file, offline.

Export does not need the server: it opens the SQLite file read-only
(:mod:`kompsesjon.databases`) and folds the event log with the same
``evolve`` the server uses.
"""

from __future__ import annotations

from pathlib import Path

from kompsesjon.databases import SCHEMA_VERSION, ExportError, StoredSession, damage, find_session, list_sessions
from kompsesjon.databases import _read as _read
from kompsesjon.method import State, evolve
from kompsesjon.method.events import UnreadableEvent, read_event

__all__ = ["SCHEMA_VERSION", "ExportError", "StoredSession", "damage", "find_session", "list_sessions", "load_state"]


def load_state(db: str | Path, session: str) -> State:
    rows = _read(db, "SELECT seq, body FROM events WHERE session = ? ORDER BY seq", (session,))
    state: State | None = None
    for seq, body in rows:
        try:
            event = read_event(body, seq)
        except UnreadableEvent as exc:
            raise ExportError(f"{db}: session {session}: {exc}") from None
        try:
            state = evolve(state, event)
        except Exception as exc:  # any rule that trips over it: the log is not one the engine wrote
            raise ExportError(
                f"{db}: session {session}: event {seq} ({event.type}) does not fit the events before it"
                f" ({type(exc).__name__}: {str(exc)[:120]}); the log is damaged"
            ) from None
    if state is None:
        raise ExportError(f"session {session} has no events")
    return state
