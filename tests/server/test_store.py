"""The store: schema versions (SQLite), group commit and failed commits (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from support import until

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from server.store import MIGRATIONS, Store, StoreError


async def test_schema_is_versioned_and_migrated_once(tmp_path):
    db = tmp_path / "v.sqlite3"
    store = await Store.open(db)
    await store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    store = await Store.open(db)  # opening again does not re-run migrations
    await store.close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer kompsesjon"):
        await Store.open(db)


async def test_commands_that_arrive_together_commit_together(running_on_each_store, clients, monkeypatch):
    running = running_on_each_store
    created = await running.new_session()
    host = clients(running.url, role="facilitator", token=created.token)
    people = [clients(running.url, role="participant", code=created.code, name=f"P{n}") for n in range(5)]
    for client in [host, *people]:
        await client.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    store = running.server.store
    batches = []
    original = store.append

    async def counting(session, events, applied=(), joined=()):
        events = list(events)
        batches.append(len(events))
        await original(session, events, applied, joined)

    monkeypatch.setattr(store, "append", counting)
    futures = [
        p.submit(c.AddItem(id=new_id(), board="critique", text=f"{n}-{i}"))
        for i in range(40)
        for n, p in enumerate(people)
    ]
    outcomes = await asyncio.gather(*futures)
    assert all(o.ok for o in outcomes)
    assert sum(batches) == 200
    assert len(batches) < 200 and max(batches) > 1, f"no group commit happened: {batches[:10]}"


async def test_a_failed_commit_acknowledges_nothing_and_is_retried(running_on_each_store, clients, monkeypatch):
    running = running_on_each_store
    created = await running.new_session()
    host = clients(running.url, role="facilitator", token=created.token)
    person = clients(running.url, role="participant", code=created.code, name="Kari")
    await host.wait_ready()
    await person.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    store = running.server.store
    original = store.append
    failures = {"left": 2}

    async def flaky(session, events, applied=(), joined=()):
        if failures["left"] > 0:
            failures["left"] -= 1
            raise StoreError("disk full")
        await original(session, events, applied, joined)

    monkeypatch.setattr(store, "append", flaky)
    outcome = await person.send(c.AddItem(id=new_id(), board="critique", text="etter feil"))
    assert outcome.ok, "the client's outbox retried after storage_error"
    assert failures["left"] == 0
    hub = running.server.hubs[created.session]
    assert [i.text for i in hub.state.items.values()] == ["etter feil"]
    stored = await store.events(created.session)
    assert [e.type for _, e in stored].count("item_added") == 1
    assert stored[-1][0] == hub.seq, "the hub's state matches what is stored"
    await until(lambda: "K1" in person.state.items)
