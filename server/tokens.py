"""A new facilitator token for a stored session, from the server's own machine.

The token printed when a session was created is shown once and stored only
as a hash; a facilitator who lost it (or a colleague who takes over) gets a
new one with ``kompsesjon token CODE``, which replaces the stored hash: the
old token no longer opens the host view (a host view already open stays
connected). Whoever can write the database file can do this — the same
people who could read every card in it. It works while the server runs: the
server checks a facilitator's token against the database at each hello
(:meth:`server.app.SessionServer._facilitators_hub`). On a PostgreSQL
database shared by several nodes (``--db postgresql://…``) it is the same: the
node that hosts the session, or the next one to, checks the new hash.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

from kompsesjon.databases import ExportError, StoredSession, find_session, from_postgres, in_postgres

from .rows import secret_hash


class TokenError(Exception):
    """No token was issued; the message says why."""


def new_token() -> str:
    return "f-" + secrets.token_urlsafe(24)


def issue_token(db: str | Path, ref: str) -> tuple[StoredSession, str]:
    """Replace the facilitator token of session ``ref`` (code or id); the new token."""
    try:
        session = find_session(db, ref)
    except ExportError as exc:
        raise TokenError(str(exc)) from None
    token = new_token()
    if in_postgres(db):
        try:
            from_postgres(str(db), lambda store: store.replace_token(session.id, token))
        except ExportError as exc:
            raise TokenError(str(exc)) from None
        return session, token
    try:
        with sqlite3.connect(db, timeout=10) as conn:  # the server may be writing: wait for it
            conn.execute("UPDATE sessions SET token_hash = ? WHERE id = ?", (secret_hash(token), session.id))
        conn.close()
    except sqlite3.Error as exc:
        raise TokenError(f"{db}: could not store the new token ({exc})") from None
    return session, token
