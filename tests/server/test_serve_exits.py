"""``kompsesjon serve`` always ends, within 5 s, with one line and a status.

Found by an attack: ``serve | tee log`` then Ctrl+C raised BrokenPipeError
and left the port bound; a garbage, truncated, corrupt or read-only database
gave a traceback, and then the process never exited (the database's worker
thread kept it alive). Every startup error and every stop signal is tried
here on a real process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
from pathlib import Path

import pytest
from support import SERVE_ENV, read_only, start_server

EXIT_WITHIN = 5.0


async def serve(db: Path, port: int = 0, *extra: str) -> asyncio.subprocess.Process:
    """``kompsesjon serve``, not waited for (it is meant to fail)."""
    command = ["-m", "kompsesjon", "serve", "--db", str(db), "--port", str(port), *extra]
    return await asyncio.create_subprocess_exec(
        sys.executable, *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=SERVE_ENV
    )


async def ended(proc: asyncio.subprocess.Process) -> tuple[int, str, str]:
    """Its status, standard output and error, once it has exited (at most EXIT_WITHIN s)."""
    try:
        out, err = await asyncio.wait_for(proc.communicate(), EXIT_WITHIN)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        pytest.fail(f"serve did not exit within {EXIT_WITHIN} s")
    assert proc.returncode is not None
    return proc.returncode, (out or b"").decode(), (err or b"").decode()


def error_line(out: str, err: str) -> str:
    """The one error line, and nothing like a traceback anywhere."""
    assert "Traceback" not in out + err, out + err
    lines = [line for line in (out + err).splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, out + err
    assert "everything is stored" not in out
    return lines[0]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"SQLite format 3\x00" + b"\xff" * 4000, "not a kompsesjon database"),  # garbage after the magic
        (b"#!/bin/sh\necho hello\n" * 100, "not a kompsesjon database"),
        ("half", "damaged"),
        ("page", "damaged"),
    ],
)
async def test_a_bad_database_is_one_line_and_an_exit(tmp_path, content, said):
    db = tmp_path / "okt.sqlite3"
    if isinstance(content, bytes):
        db.write_bytes(content)
    else:
        proc, _ = await start_server(db)
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
        with sqlite3.connect(db) as conn:
            (size,) = conn.execute("PRAGMA page_size").fetchone()
            (root,) = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'events'").fetchone()
        data = bytearray(db.read_bytes())
        if content == "half":
            data = data[: len(data) // 2 // size * size + 100]
        else:
            data[(root - 1) * size : root * size] = b"\x0d" + b"\xee" * (size - 1)
        db.write_bytes(bytes(data))
    status, out, err = await ended(await serve(db))
    assert status == 1
    assert said in error_line(out, err)


async def test_a_read_only_database_is_refused_before_anyone_joins(tmp_path):
    db = tmp_path / "okt.sqlite3"
    proc, _ = await start_server(db)
    proc.send_signal(signal.SIGTERM)
    await proc.wait()
    with read_only(db):
        status, out, err = await ended(await serve(db))
    assert status == 1
    line = error_line(out, err)
    assert "cannot be written" in line and "read-only" in line
    for leftover in ("okt.sqlite3-wal", "okt.sqlite3-shm"):  # made by the refused run
        (tmp_path / leftover).unlink(missing_ok=True)
    with read_only(tmp_path):  # a folder where -wal and -shm cannot be made
        status, out, err = await ended(await serve(db))
    assert status == 1 and "cannot be written" in error_line(out, err)


async def test_a_second_server_on_the_same_database_is_refused(tmp_path):
    db = tmp_path / "okt.sqlite3"
    first, _ = await start_server(db)
    try:
        status, out, err = await ended(await serve(db))
        assert status == 1
        line = error_line(out, err)
        assert "in use by another kompsesjon server" in line and f"process {first.pid} on " in line
    finally:
        first.send_signal(signal.SIGTERM)
        await first.wait()


async def test_a_port_in_use_is_one_line_and_an_exit(tmp_path):
    first, info = await start_server(tmp_path / "a.sqlite3")
    try:
        status, out, err = await ended(await serve(tmp_path / "b.sqlite3", info["port"]))
        assert status == 1 and "cannot listen" in error_line(out, err)
    finally:
        first.send_signal(signal.SIGTERM)
        await first.wait()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
async def test_every_stop_signal_stops_it_with_a_line(tmp_path, sig):
    proc, info = await start_server(tmp_path / "okt.sqlite3")
    proc.send_signal(sig)
    status, out, _ = await ended(proc)
    assert status == 0 and "Stopped." in out and "Traceback" not in out
    assert port_is_free(info["port"])


async def test_ctrl_c_with_the_output_in_a_pipe_that_closed(tmp_path):
    # `serve | tee log` and Ctrl+C: the terminal sends SIGINT to both, tee is
    # gone before serve writes «Stopping …».
    proc, info = await start_server(tmp_path / "okt.sqlite3")
    assert proc.stdout is not None
    proc.stdout.feed_eof()
    transport = proc._transport  # the pipe's read end, closed as tee would
    transport.get_pipe_transport(1).close()
    proc.send_signal(signal.SIGINT)
    try:
        status = await asyncio.wait_for(proc.wait(), EXIT_WITHIN)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        pytest.fail("serve did not exit after its output pipe closed")
    assert status == 0
    assert port_is_free(info["port"])


async def test_a_signal_while_it_starts_ends_it_too(tmp_path):
    db = tmp_path / "big.sqlite3"
    proc, info = await start_server(db)
    proc.send_signal(signal.SIGTERM)
    await proc.wait()
    with sqlite3.connect(db) as conn:  # a long log that takes a while to replay
        (session,) = conn.execute("SELECT id FROM sessions").fetchone()
        body = '{"type": "timer_changed", "timer": {"deadline": null, "remaining": null}}'
        conn.executemany(
            "INSERT INTO events (session, seq, type, body, at) VALUES (?, ?, 'timer_changed', ?, 0)",
            [(session, seq, body) for seq in range(2, 200_002)],
        )
    for sig in (signal.SIGINT, signal.SIGTERM):
        proc = await serve(db, 0, "--resume", info["code"])
        await asyncio.sleep(1.5)  # imported, replaying
        proc.send_signal(sig)
        status, out, err = await ended(proc)
        assert "Traceback" not in out + err, out + err
        assert status in (0, 1, 130, 143, -sig), (status, out, err)


async def test_a_database_deleted_while_serving_stops_it_with_a_line(tmp_path):
    db = tmp_path / "okt.sqlite3"
    proc, info = await start_server(db)
    from kompsesjon.client import SessionClient, new_id
    from kompsesjon.method import commands as c

    host = SessionClient(info["url"], role="facilitator", token=info["token"])
    host.start()
    try:
        await host.wait_ready()
        os.unlink(db)
        host.submit(c.AdvancePhase(id=new_id(), current=0))  # never acknowledged: nothing is stored
        status, out, err = await ended(proc)
    finally:
        await host.close()
    assert status == 1
    line = error_line(out, err)
    assert "was removed or replaced while the server ran" in line and "rescued-" in line
    assert list(tmp_path.glob("okt.sqlite3.rescued-*"))
