"""The SSH gateway under a flood: connections that never log in, too many at once.

Found by an attack: unauthenticated connections were held for 120 s with no
cap (1,100 of them locked real users out at a 1024-file limit and wrote
57–73 MB of log); ``--max-sessions 5`` started 15 apps; the default cap of
300 seats was far beyond what a machine holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

import asyncssh
import pytest

from server.ssh_gateway import GatewayConfig, SSHGateway, default_max_sessions

# Stands in for the app: says it started, then waits for its terminal to close.
PROBE = "import os, sys; print('STARTED', flush=True); os.read(0, 1)"


def probe_gateway(tmp_path, monkeypatch, **config) -> SSHGateway:
    gw = SSHGateway(
        GatewayConfig(
            url="ws://127.0.0.1:9/",
            code="ABC234",
            port=0,
            host_key=tmp_path / "hostkey",
            state_dir=tmp_path / "state",
            **config,
        )
    )
    monkeypatch.setattr(gw, "command_for", lambda process, who: [sys.executable, "-c", PROBE])
    return gw


async def open_terminal(port: int) -> tuple[asyncssh.SSHClientConnection, asyncssh.SSHClientProcess, str]:
    conn = await asyncssh.connect("127.0.0.1", port, username="join", known_hosts=None, client_keys=None)
    process = await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
    first = b""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(30):
            while b"STARTED" not in first and b"full" not in first:
                chunk = await process.stdout.read(100) or await process.stderr.read(200)
                if not chunk:
                    break
                first += chunk
    return conn, process, first.decode(errors="replace")


async def test_max_sessions_holds_when_many_connect_at_once(tmp_path, monkeypatch):
    gw = probe_gateway(tmp_path, monkeypatch, max_sessions=5)
    await gw.start()
    most = 0

    async def watch() -> None:
        nonlocal most
        while True:
            most = max(most, len(gw.children) + gw.opening)
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    opened = []
    try:
        opened = await asyncio.gather(*(open_terminal(gw.port) for _ in range(15)))
        said = [first for _, _, first in opened]
        assert sum("STARTED" in s for s in said) == 5, said
        assert sum("full" in s for s in said) == 10, said
        assert most <= 5 and len(gw.children) == 5
    finally:
        watcher.cancel()
        for conn, _, _ in opened:
            conn.close()
        await gw.stop()


async def test_connections_that_never_log_in_are_closed_after_the_grace(tmp_path, monkeypatch):
    assert GatewayConfig(url="ws://x").login_grace == 10.0
    gw = probe_gateway(tmp_path, monkeypatch, login_grace=1.0)
    await gw.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        writer.write(b"SSH-2.0-nothing_more\r\n")  # and then never a key exchange
        async with asyncio.timeout(10):
            while await reader.read(1000):
                pass  # until the gateway closes it
        writer.close()
        # Logged in (no key needed here) but never asks for a terminal: closed too.
        conn = await asyncssh.connect("127.0.0.1", gw.port, username="join", known_hosts=None, client_keys=None)
        async with asyncio.timeout(10):
            await conn.wait_closed()
    finally:
        await gw.stop()


async def test_a_flood_of_waiting_connections_is_capped_and_people_still_get_in(tmp_path, monkeypatch):
    gw = probe_gateway(tmp_path, monkeypatch, max_pending=20, login_grace=60.0)
    await gw.start()
    held = []
    try:
        for _ in range(60):
            reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
            writer.write(b"SSH-2.0-flood\r\n")
            held.append((reader, writer))
        await until_closed([reader for reader, _ in held[:40]])
        assert len(gw.waiting) == 20, "the 40 that waited longest are gone"
        # A person arriving now gets in: the flood's oldest makes room.
        conn, _, first = await open_terminal(gw.port)
        assert "STARTED" in first
        assert len(gw.children) == 1 and len(gw.waiting) == 19, "one of the flood made room"
        conn.close()
    finally:
        for _, writer in held:
            writer.close()
        await gw.stop()


async def until_closed(readers: list[asyncio.StreamReader]) -> None:
    async with asyncio.timeout(10):
        for reader in readers:
            while await reader.read(1000):
                pass


def test_the_default_cap_fits_the_machine(monkeypatch):
    import server.ssh_gateway as gateway

    monkeypatch.setattr(gateway, "_memory_bytes", lambda: 16 * 1024**3)
    monkeypatch.setattr(gateway.os, "cpu_count", lambda: 2)
    assert default_max_sessions() == 300  # two cores hold ~300 seats in seat hosts
    assert default_max_sessions(apps_per_process=1) == 200  # ~200 in processes of their own
    monkeypatch.setattr(gateway, "_memory_bytes", lambda: 4 * 1024**3)
    assert default_max_sessions() == 170  # half of 4 GiB at 12 MiB a seat
    assert default_max_sessions(apps_per_process=1) == 64  # half of 4 GiB at 32 MiB a seat
    monkeypatch.setattr(gateway, "_memory_bytes", lambda: 2 * 1024**3)
    assert default_max_sessions(apps_per_process=1) == 32  # half of 2 GiB at 32 MiB a seat
    monkeypatch.setattr(gateway.os, "cpu_count", lambda: 64)
    monkeypatch.setattr(gateway, "_memory_bytes", lambda: 256 * 1024**3)
    assert default_max_sessions() == 1000
    assert GatewayConfig(url="ws://x").max_sessions is None  # computed when the gateway starts


@pytest.mark.parametrize("users", [3])
async def test_one_terminal_per_connection(tmp_path, monkeypatch, users):
    gw = probe_gateway(tmp_path, monkeypatch, max_sessions=users)
    await gw.start()
    try:
        conn, _, first = await open_terminal(gw.port)
        assert "STARTED" in first
        second = await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
        said = await asyncio.wait_for(second.stderr.read(200), 10)
        assert b"one terminal per connection" in said
        assert len(gw.children) == 1
        conn.close()
    finally:
        await gw.stop()
