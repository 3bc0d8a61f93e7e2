"""The database schema, for both stores, in one place.

Each :class:`Migration` upgrades the schema by one version, written once for
SQLite (:mod:`server.store`, version in ``PRAGMA user_version``) and once for
PostgreSQL (:mod:`server.pgstore`, version in the ``schema_version`` table).
Both stores have the same tables with the same meaning; the SQL differs only
where the engines do (types, ``WITHOUT ROWID``). A new version is a new entry
here, with both texts.

PostgreSQL's first version also has ``owners``: which node writes a session
now, and under which epoch (see :mod:`server.pgstore`). SQLite has one writer
by construction (:mod:`server.instance`) and no such table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    what: str
    sqlite: str
    postgres: str


MIGRATIONS: list[Migration] = [
    Migration(
        what="sessions, the event log, participants' resume secrets, applied commands",
        sqlite="""
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
        postgres="""
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        token_hash TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE events (
        session TEXT NOT NULL REFERENCES sessions(id),
        seq BIGINT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (session, seq)
    );
    CREATE TABLE participants (
        session TEXT NOT NULL REFERENCES sessions(id),
        participant TEXT NOT NULL,
        resume_hash TEXT NOT NULL,
        PRIMARY KEY (session, participant),
        UNIQUE (session, resume_hash)
    );
    CREATE TABLE commands (
        session TEXT NOT NULL REFERENCES sessions(id),
        actor TEXT NOT NULL,
        command_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        PRIMARY KEY (session, actor, command_id)
    );
    CREATE TABLE owners (
        session TEXT PRIMARY KEY REFERENCES sessions(id),
        node TEXT NOT NULL,
        epoch BIGINT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        since TIMESTAMPTZ NOT NULL,
        wanted_by TEXT
    );
    """,
    ),
]


def statements(script: str) -> list[str]:
    """A migration's statements, one by one (none contains a semicolon)."""
    return [statement for statement in script.split(";") if statement.strip()]
