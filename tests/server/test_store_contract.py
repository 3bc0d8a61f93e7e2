"""What every store promises the hub, checked on SQLite and on PostgreSQL alike.

A batch is all or nothing; a command id is stored once per actor; the log
reads back as written, also after the store is opened again; a database from
a newer kompsesjon is refused. The PostgreSQL cases skip where PostgreSQL is
not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import sqlite3
import time

import asyncpg
import pytest

from kompsesjon.method.events import SessionCreated
from kompsesjon.templates import load_template
from server.pgstore import PgStore
from server.rows import Applied, NewParticipant, secret_hash
from server.schema import MIGRATIONS
from server.store import Store, StoreError
from server.stores import SessionStore, open_store


@pytest.fixture
def database(each_store) -> str:
    return str(each_store)


def created(session: str) -> SessionCreated:
    spec = load_template("framtidsverksted")
    return SessionCreated(
        session=session, title="Kontrakt", question="", created_at=time.time(), boards=spec.boards, agenda=spec.phases
    )


def event_rows(first: int, count: int) -> list[tuple[int, str, str]]:
    """Stand-in events: the store keeps bodies as text and reads them back by type."""
    body = created("x").model_dump_json()
    return [(seq, "session_created", body) for seq in range(first, first + count)]


async def new_session(store: SessionStore, session: str = "s1", code: str = "K7PQ2M") -> None:
    await store.create_session(session, code, f"f-token-{session}", "Kontrakt", created(session))
    assert await store.claim(session)


async def test_a_session_and_its_log_read_back_as_written(database):
    store = await open_store(database)
    try:
        await new_session(store)
        await store.append(
            "s1",
            event_rows(2, 3),
            [Applied("p1", "c1", 2), Applied("p1", "c2", 4)],
            [NewParticipant("p1", secret_hash("resume-1"))],
        )
        assert [seq for seq, _ in await store.events("s1")] == [1, 2, 3, 4]
        assert [seq for seq, _ in await store.events("s1", after=2)] == [3, 4]
        assert await store.applied_commands("s1") == {("p1", "c1"): 2, ("p1", "c2"): 4}
        assert await store.participants("s1") == {secret_hash("resume-1"): "p1"}
        assert [(row.id, row.code) for row in await store.sessions()] == [("s1", "K7PQ2M")]
        assert await store.token_hashes() == {"s1": secret_hash("f-token-s1")}
        assert await store.find(code="K7PQ2M") == ("s1", "K7PQ2M", secret_hash("f-token-s1"))
        assert await store.find(token_hash=secret_hash("f-token-s1")) == ("s1", "K7PQ2M", secret_hash("f-token-s1"))
        assert await store.find(code="NOSUCH") is None
    finally:
        await store.close()
    again = await open_store(database)  # a restart replays the same log
    try:
        assert [seq for seq, _ in await again.events("s1")] == [1, 2, 3, 4]
        assert await again.applied_commands("s1") == {("p1", "c1"): 2, ("p1", "c2"): 4}
    finally:
        await again.close()


async def test_a_batch_is_kept_whole_or_not_at_all(database):
    store = await open_store(database)
    try:
        await new_session(store)
        await store.append("s1", event_rows(2, 2), [Applied("p1", "c1", 3)])
        # The second event collides with seq 3: nothing of this batch may stay.
        with pytest.raises(StoreError) as refused:
            await store.append("s1", [*event_rows(4, 1), *event_rows(3, 1)], [Applied("p1", "c9", 4)])
        assert "UNIQUE" not in str(refused.value) and "duplicate" not in str(refused.value), "plain words only"
        assert [seq for seq, _ in await store.events("s1")] == [1, 2, 3]
        assert await store.applied_commands("s1") == {("p1", "c1"): 3}
        # The store still takes the next batch.
        await store.append("s1", event_rows(4, 1), [Applied("p1", "c9", 4)])
        assert [seq for seq, _ in await store.events("s1")] == [1, 2, 3, 4]
    finally:
        await store.close()


async def test_a_command_id_is_stored_once_per_actor(database):
    store = await open_store(database)
    try:
        await new_session(store)
        await store.append("s1", event_rows(2, 1), [Applied("p1", "same", 2)])
        with pytest.raises(StoreError):
            await store.append("s1", event_rows(3, 1), [Applied("p1", "same", 3)])
        await store.append("s1", event_rows(3, 1), [Applied("p2", "same", 3)])  # another actor's id
        assert await store.applied_commands("s1") == {("p1", "same"): 2, ("p2", "same"): 3}
        assert [seq for seq, _ in await store.events("s1")] == [1, 2, 3]
    finally:
        await store.close()


async def test_a_resume_secret_belongs_to_one_participant(database):
    store = await open_store(database)
    try:
        await new_session(store)
        await store.append("s1", [], [], [NewParticipant("p1", secret_hash("r"))])
        with pytest.raises(StoreError):
            await store.append("s1", event_rows(2, 1), [], [NewParticipant("p2", secret_hash("r"))])
        assert await store.participants("s1") == {secret_hash("r"): "p1"}
        assert [seq for seq, _ in await store.events("s1")] == [1]
    finally:
        await store.close()


async def test_a_database_from_a_newer_kompsesjon_is_refused(database):
    store = await open_store(database)
    await store.close()
    if isinstance(store, Store):
        conn = sqlite3.connect(database)
        conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
        conn.commit()
        conn.close()
    else:
        assert isinstance(store, PgStore)
        conn = await asyncpg.connect(database)
        await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", len(MIGRATIONS) + 1)
        await conn.close()
    with pytest.raises(StoreError, match="newer kompsesjon"):
        await open_store(database)
