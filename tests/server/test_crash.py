"""A server killed with SIGKILL loses nothing it acknowledged."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from pathlib import Path

from support import start_server, until

from kompsesjon.client import SessionClient, Status, new_id
from kompsesjon.method import commands as c
from kompsesjon.method.budgets import BUDGETS


async def test_sigkill_loses_no_acknowledged_command(tmp_path, clients):
    db = tmp_path / "crash.sqlite3"
    proc, info = await start_server(db, 0, "--title", "Crash")
    url, port = info["url"], info["port"]
    host = clients(url, role="facilitator", token=info["token"], max_delay=0.5)
    people = [clients(url, role="participant", code=info["code"], name=f"P{n}", max_delay=0.5) for n in range(8)]
    for client in [host, *people]:
        await client.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))

    acked: set[str] = set()
    submitted: list[asyncio.Future] = []
    stop_writing = asyncio.Event()

    async def writer(person: SessionClient) -> None:
        n = 0
        # At most a person's budget of cards (800 in all: the kills need 120).
        while not stop_writing.is_set() and n < BUDGETS["cards_per_person"]:
            text = f"{person.name}-{n}"
            n += 1
            future = person.submit(c.AddItem(id=new_id(), board="critique", text=text))
            submitted.append(future)

            def record(f: asyncio.Future, t: str = text) -> None:
                if not f.cancelled() and f.result().ok:
                    acked.add(t)

            future.add_done_callback(record)
            await asyncio.sleep(0.005)

    writers = [asyncio.create_task(writer(p)) for p in people]
    try:
        for kill in range(3):
            await until(lambda: len(acked) > 40 * (kill + 1), timeout=90)
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            acked_before_kill = set(acked)
            stored = _stored_texts(db)
            missing = acked_before_kill - set(stored)
            assert not missing, f"acknowledged but not stored after kill {kill}: {sorted(missing)[:5]}"
            proc, _ = await start_server(db, port, "--resume", info["code"])
        stop_writing.set()
        await asyncio.gather(*writers)
        outcomes = await asyncio.wait_for(asyncio.gather(*submitted), 120)
        assert all(o.ok for o in outcomes)
        stored = _stored_texts(db)
        assert len(stored) == len(set(stored)), "a command was applied twice"
        assert set(stored) == acked
        assert all(p.status == Status.ONLINE for p in people)
    finally:
        stop_writing.set()
        for task in writers:
            task.cancel()
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await proc.wait()


def _stored_texts(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT body FROM events WHERE type = 'item_added'").fetchall()
    finally:
        conn.close()
    import json

    return [json.loads(body)["item"]["text"] for (body,) in rows]


async def test_sigterm_stops_gracefully_with_1001(tmp_path):
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    proc, info = await start_server(tmp_path / "term.sqlite3")
    async with connect(info["url"], proxy=None) as ws:
        await ws.send('{{"type":"hello","role":"screen","code":"{}"}}'.format(info["code"]))
        await ws.recv()
        await ws.recv()
        proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(10):
                while True:
                    await ws.recv()
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 1001
    out = (await proc.stdout.read()).decode()
    assert await proc.wait() == 0
    assert "Stopped." in out
    assert os.path.exists(tmp_path / "term.sqlite3")
