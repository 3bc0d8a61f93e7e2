"""The database's files: one server each, writable, whole, and still on disk.

Found by an attack on a running room: a second ``serve`` on the same file
split the room; a read-only file was served («everything is stored») and then
failed every join with SQLite's own message; a ``-wal`` file deleted while
the server ran, then ``kill -9``, lost acknowledged commands and gave their
seq numbers to new events.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading

import pytest
from support import read_only

from kompsesjon.method.events import SessionCreated
from kompsesjon.templates import load_template
from server.store import Store, StoreError


def created(session: str = "s1") -> SessionCreated:
    spec = load_template("framtidsverksted")
    return SessionCreated(
        session=session,
        title="Økt",
        question="",
        lang="nb",
        anonymous=False,
        template=spec.name,
        created_at=0.0,
        rules=spec.rules,
        boards=spec.boards,
        agenda=spec.phases,
    )


async def stored(db) -> Store:
    store = await Store.open(db)
    await store.create_session("s1", "ABCDEF", "f-token", "Økt", created())
    return store


async def no_worker_threads() -> bool:
    """No thread left that would keep the process alive (aiosqlite's are not daemons)."""
    for _ in range(100):
        if all(t.daemon or t is threading.main_thread() for t in threading.enumerate()):
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_second_store_on_the_same_database_is_refused_naming_the_first(tmp_path):
    db = tmp_path / "okt.sqlite3"
    first = await Store.open(db)
    with pytest.raises(StoreError) as refused:
        await Store.open(db)
    message = str(refused.value)
    assert "in use by another kompsesjon server" in message and f"process {os.getpid()} on " in message
    await first.close()
    again = await Store.open(db)  # closing gave the lock back
    await again.close()
    # Readers (export, backups) are not locked out by a running server.
    running = await Store.open(db)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as reader:
        assert reader.execute("SELECT COUNT(*) FROM sessions").fetchone() == (0,)
    await running.close()


@pytest.mark.parametrize("what", ["file", "folder"])
async def test_a_read_only_database_is_refused_at_open(tmp_path, what):
    db = tmp_path / "okt.sqlite3"
    store = await stored(db)
    await store.close()
    (tmp_path / "okt.sqlite3.lock").unlink()
    with read_only(db if what == "file" else tmp_path), pytest.raises(StoreError) as refused:
        await Store.open(db)
    assert "cannot be written" in str(refused.value) and "read-only" in str(refused.value)
    assert "attempt to write" not in str(refused.value)
    assert await no_worker_threads(), threading.enumerate()


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"this is not a database\n" * 300, "not a kompsesjon database"),
        (None, "damaged"),  # a real database cut in half
        (b"", None),  # an empty file is a new database
    ],
)
async def test_garbage_and_truncated_files_are_refused_in_words(tmp_path, content, said):
    db = tmp_path / "okt.sqlite3"
    if content is None:
        store = await stored(db)
        for n in range(200):
            await store.append("s1", [(n + 2, "phase_changed", '{"type": "phase_changed", "phase": 1}')])
        await store.close()
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2])
    else:
        db.write_bytes(content)
    if said is None:
        await (await Store.open(db)).close()
        return
    with pytest.raises(StoreError) as refused:
        await Store.open(db)
    assert said in str(refused.value), refused.value
    assert "disk image" not in str(refused.value) and "file is not a database" not in str(refused.value)
    assert await no_worker_threads(), threading.enumerate()


async def test_a_folder_is_not_a_database(tmp_path):
    with pytest.raises(StoreError, match="is a folder; give a file in it"):
        await Store.open(tmp_path)
    assert await no_worker_threads()


async def test_a_log_with_a_gap_or_commands_beyond_its_end_is_refused(tmp_path):
    db = tmp_path / "okt.sqlite3"
    store = await stored(db)
    for n in range(2, 6):
        await store.append("s1", [(n, "phase_changed", '{"type": "phase_changed", "phase": 1}')])
    await store.close()
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM events WHERE seq = 3")
    with pytest.raises(StoreError, match=r"not whole \(4 events numbered 1–5\)"):
        await Store.open(db)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM events WHERE seq > 2")
        conn.execute("INSERT INTO commands VALUES ('s1', 'p1', 'c1', 5)")
    with pytest.raises(StoreError, match="acknowledged events are missing"):
        await Store.open(db)


async def test_a_write_refused_at_run_time_is_said_without_sqlites_words(tmp_path):
    db = tmp_path / "okt.sqlite3"
    store = await stored(db)
    try:
        with read_only(tmp_path / "okt.sqlite3-wal"), pytest.raises(StoreError) as refused:
            await store.append("s1", [(2, "phase_changed", '{"type": "phase_changed", "phase": 1}')])
        assert str(refused.value) == "The server could not write to its disk."
        assert "disk I/O error" in refused.value.detail  # SQLite's words go to the log
        await store.append("s1", [(2, "phase_changed", '{"type": "phase_changed", "phase": 1}')])
    finally:
        await store.close()


async def test_a_deleted_wal_file_is_saved_into_the_database_before_the_next_answer(tmp_path):
    db = tmp_path / "okt.sqlite3"
    store = await stored(db)
    wal = tmp_path / "okt.sqlite3-wal"
    await store.append("s1", [(2, "phase_changed", '{"type": "phase_changed", "phase": 1}')])
    wal.unlink()  # commits since the last checkpoint now live in a deleted file
    await store.append("s1", [(3, "phase_changed", '{"type": "phase_changed", "phase": 2}')])
    # Both are in the database file itself: no -wal is needed to read them.
    assert wal.exists(), "a fresh -wal file is under watch again"
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(db.read_bytes())
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT MAX(seq) FROM events").fetchone() == (3,)
    # The watch also runs between commits.
    wal.unlink()
    (tmp_path / "okt.sqlite3-shm").unlink()
    await asyncio.wait_for(_until_exists(wal), 5)
    await store.append("s1", [(4, "phase_changed", '{"type": "phase_changed", "phase": 3}')])
    await store.close()
    with sqlite3.connect(db) as conn:
        assert [row[0] for row in conn.execute("SELECT seq FROM events ORDER BY seq")] == [1, 2, 3, 4]


async def _until_exists(path) -> None:
    while not path.exists():
        await asyncio.sleep(0.05)


async def test_a_database_file_removed_while_running_stops_the_store_and_keeps_a_copy(tmp_path):
    db = tmp_path / "okt.sqlite3"
    store = await stored(db)
    lost: list[StoreError] = []
    store.on_lost = lost.append
    await store.append("s1", [(2, "phase_changed", '{"type": "phase_changed", "phase": 1}')])
    db.unlink()
    with pytest.raises(StoreError, match="was removed or replaced while the server ran"):
        await store.append("s1", [(3, "phase_changed", '{"type": "phase_changed", "phase": 2}')])
    assert len(lost) == 1 and "rescued-" in str(lost[0])
    (copy,) = tmp_path.glob("okt.sqlite3.rescued-*")
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT MAX(seq) FROM events").fetchone() == (3,)
    with pytest.raises(StoreError, match="can no longer store anything"):
        await store.append("s1", [(4, "phase_changed", '{"type": "phase_changed", "phase": 3}')])
    await store.close()


async def test_wal_deleted_then_kill_9_loses_no_acknowledged_card(tmp_path, clients):
    # The attack as it was made: delete the -wal file of a running server,
    # go on writing, then SIGKILL. Before, 42 acknowledged commands were lost
    # and their seq numbers given to new events after the restart.
    import signal

    from support import start_server

    from kompsesjon.client import new_id
    from kompsesjon.method import commands as c

    db = tmp_path / "okt.sqlite3"
    proc, info = await start_server(db)
    try:
        host = clients(info["url"], role="facilitator", token=info["token"], max_delay=0.5)
        kari = clients(info["url"], role="participant", code=info["code"], name="Kari", max_delay=0.5)
        await host.wait_ready()
        await kari.wait_ready()
        await host.send(c.AdvancePhase(id=new_id(), current=0))
        acked = {}
        for n in range(10):
            outcome = await kari.send(c.AddItem(id=new_id(), board="critique", text=f"før {n}"))
            acked[f"før {n}"] = outcome.seq
        (tmp_path / "okt.sqlite3-wal").unlink()
        for n in range(10):
            outcome = await kari.send(c.AddItem(id=new_id(), board="critique", text=f"etter {n}"))
            assert outcome.ok
            acked[f"etter {n}"] = outcome.seq
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT seq, body FROM events WHERE type = 'item_added'").fetchall()
        import json

        stored = {json.loads(body)["item"]["text"]: seq for seq, body in rows}
        assert stored == acked, "every acknowledged card, at the seq it was acknowledged with"
        proc, _ = await start_server(db, info["port"], "--resume", info["code"])
        outcome = await kari.send(c.AddItem(id=new_id(), board="critique", text="etter omstart"))
        assert outcome.seq > max(acked.values()), "no seq number is given out twice"
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await proc.wait()


async def test_a_join_the_database_refuses_gets_plain_words(running, tmp_path):
    import json
    import secrets

    from websockets.asyncio.client import connect

    created = await running.new_session()
    hello = {"type": "hello", "role": "participant", "code": created.code, "name": "Kari"}
    with read_only(running.db.parent / f"{running.db.name}-wal"):
        async with connect(running.url, proxy=None) as ws:
            await ws.send(json.dumps(hello | {"resume": secrets.token_urlsafe(16)}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert reply["type"] == "error" and reply["code"] == "storage_error"
    assert reply["message"] == "The server could not write to its disk."
    for raw in ("disk I/O", "sqlite", "SQLITE", "readonly", "database is"):
        assert raw not in reply["message"]
    # And once the disk takes writes again, the same person gets in.
    async with connect(running.url, proxy=None) as ws:
        await ws.send(json.dumps(hello | {"resume": secrets.token_urlsafe(16)}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "snapshot"
