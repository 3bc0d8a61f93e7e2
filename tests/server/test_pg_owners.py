"""Several nodes on one PostgreSQL: one writer per session, fenced by its epoch.

Two :class:`PgStore` objects with their own names stand for two nodes. A node
that stopped renewing (paused) loses the session once its lease is over and
another node claims it; its next batch is refused whole. A node whose
connections are gone (killed) loses it at once. An owner asked for a session
hands it over. Skips where PostgreSQL is not installed.
"""

from __future__ import annotations

import asyncio

import pytest
from support import until
from test_store_contract import created, event_rows  # type: ignore[import-not-found]  # tests/server is on sys.path

from server import pgstore
from server.pgstore import Fenced, PgStore
from server.rows import Applied

LEASE = 0.6


async def two_nodes(url: str, lease: float = LEASE) -> tuple[PgStore, PgStore]:
    a = await PgStore.open(url, lease=lease, node="node-a")
    b = await PgStore.open(url, lease=lease, node="node-b")
    await a.create_session("s1", "K7PQ2M", "f-token", "Økt", created("s1"))
    return a, b


async def test_a_live_owner_keeps_its_session(pg_url):
    a, b = await two_nodes(pg_url, lease=3.0)  # renewed every 0.75 s: a loaded machine keeps up
    try:
        await asyncio.sleep(4.5)  # past the first lease: renewed meanwhile
        assert not await b.claim("s1")
        await a.append("s1", event_rows(2, 1), [Applied("p1", "c1", 2)])
        assert [seq for seq, _ in await b.events("s1")] == [1, 2]
    finally:
        await a.close()
        await b.close()


async def test_a_paused_owner_past_its_lease_can_never_write_again(pg_url):
    a, b = await two_nodes(pg_url)
    try:
        assert a._renew is not None
        a._renew.cancel()  # a stops as if SIGSTOPped: no renewals
        await asyncio.sleep(LEASE * 1.5)
        assert await b.claim("s1"), "the lease is over: another node takes the session"
        await b.append("s1", event_rows(2, 1), [Applied("p1", "c1", 2)])
        with pytest.raises(Fenced):  # a resumes and tries to write its batch
            await a.append("s1", event_rows(2, 1), [Applied("p2", "c2", 2)])
        with pytest.raises(Fenced):
            await a.append("s1", event_rows(3, 1), [Applied("p2", "c2", 3)])
        assert [seq for seq, _ in await b.events("s1")] == [1, 2]
        assert await b.applied_commands("s1") == {("p1", "c1"): 2}, "nothing of the old owner's batches"
    finally:
        await a.close()
        await b.close()


async def test_a_dead_owner_loses_its_sessions_at_once(pg_url):
    a = await PgStore.open(pg_url, lease=60, node="node-a")
    b = await PgStore.open(pg_url, lease=60, node="node-b")
    try:
        await a.create_session("s1", "K7PQ2M", "f-token", "Økt", created("s1"))
        assert not await b.claim("s1")
        assert a._renew is not None
        a._renew.cancel()
        a._pool.terminate()  # its connections drop, as when the process is killed
        claimed = False
        for _ in range(50):  # PostgreSQL notices the dropped connections within moments
            claimed = await b.claim("s1")
            if claimed:
                break
            await asyncio.sleep(0.1)
        assert claimed, "a 60 s lease of a dead node does not hold"
    finally:
        await b.close()


async def test_an_owner_hands_a_session_over_when_asked(pg_url, monkeypatch):
    monkeypatch.setattr(pgstore, "HOLD_BEFORE_HANDOVER", 0.0)
    a, b = await two_nodes(pg_url, lease=3.0)
    moved: list[tuple[str, str]] = []
    a.on_moved = lambda session, why: moved.append((session, why))
    try:
        assert not await b.claim("s1")
        await b.want("s1")
        await until(lambda: moved == [("s1", "wanted")], timeout=5)
        await a.release("s1")
        assert await b.claim("s1")
        with pytest.raises(Fenced):
            await a.append("s1", event_rows(2, 1))
    finally:
        await a.close()
        await b.close()


async def test_a_database_outage_acknowledges_nothing_and_the_session_comes_back(tmp_path):
    """PostgreSQL stops under a running node: commands are refused for now
    (never acknowledged), the node gives the session up; when PostgreSQL is
    back the client's outbox sends them again and each is stored once."""
    from benchmarks.cluster import Postgres, binaries

    if binaries() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql; .ci/run does)")
    from kompsesjon.client import SessionClient, Status, new_id
    from kompsesjon.method import commands as c
    from server.app import Limits, SessionServer

    database = Postgres()
    database.start()
    server = None
    people: list[SessionClient] = []
    try:
        server = SessionServer(await PgStore.open(database.url()), Limits(rate=1000, burst=1000))
        await server.start("127.0.0.1", 0)
        made = await server.create_session(title="Brudd")
        url = f"ws://127.0.0.1:{server.port}"
        host = SessionClient(url, role="facilitator", token=made.token, max_delay=0.5)
        kari = SessionClient(url, role="participant", code=made.code, name="Kari", max_delay=0.5)
        people = [host, kari]
        for client in people:
            client.start()
            await client.wait_ready()
        assert (await host.send(c.AdvancePhase(id=new_id(), current=0))).ok
        database.halt()
        card = c.AddItem(id=new_id(), board=kari.state.current.board or "critique", text="under bruddet")
        answer = kari.submit(card)
        await until(lambda: made.session not in server.hubs, timeout=20)  # given up, not stuck
        assert not answer.done(), "nothing is acknowledged while the database is down"
        database.start()
        outcome = await asyncio.wait_for(answer, 30)
        assert outcome.ok
        await until(lambda: kari.status == Status.ONLINE and "K1" in kari.state.items, timeout=20)
        stored = await server.store.events(made.session)
        assert [e.type for _, e in stored].count("item_added") == 1
        assert [seq for seq, _ in stored] == list(range(1, len(stored) + 1))
    finally:
        for client in people:
            await client.close()
        if server is not None:
            await server.stop()
        database.stop()
