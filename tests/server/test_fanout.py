"""Fan-out: per-audience delivery, presence, and slow clients never hold up others."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import pytest
from support import until
from websockets.asyncio.client import connect

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from server import hub as hub_module
from server import wire


@pytest.mark.parametrize("frame_path", [True, False], ids=["frames", "public"])
async def test_slow_consumer_is_dropped_and_others_are_not_delayed(running, clients, monkeypatch, frame_path):
    monkeypatch.setattr(hub_module, "SLOW_CLIENT_BYTES", 64 * 1024)
    monkeypatch.setattr(wire, "FRAME_PATH", frame_path)
    created = await running.new_session()
    host = clients(running.url, role="facilitator", token=created.token)
    fast = clients(running.url, role="screen", code=created.code)
    await host.wait_ready()
    await fast.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))

    # A screen that says hello and then never reads again.
    slow = await connect(running.url, proxy=None, max_queue=1)
    await slow.send(json.dumps({"type": "hello", "role": "screen", "code": created.code}))
    hub = running.server.hubs[created.session]
    await until(lambda: len(hub.screens) == 2)
    slow.transport.pause_reading()
    # Small kernel buffers on both ends, so its backlog shows up in user space
    # quickly instead of hiding in megabytes of loopback buffering.
    slow.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    for client in hub.screens:
        if client.conn.remote_address[1] == slow.local_address[1]:
            client.conn.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)

    text = "x" * 250
    started = time.monotonic()
    latencies = []
    for n in range(400):
        sent = time.monotonic()
        await host.send(c.AddItem(id=new_id(), board="critique", text=f"{n} {text}"))
        await until(lambda n=n: len(fast.state.items) == n + 1)
        latencies.append(time.monotonic() - sent)
    assert len(hub.screens) == 1, "the slow screen was dropped"
    assert max(latencies) < 1.0, f"the fast screen was held up: {max(latencies):.3f}s"
    assert time.monotonic() - started < 30


async def test_presence_reaches_facilitators(running, clients):
    created = await running.new_session()
    host = clients(running.url, role="facilitator", token=created.token)
    await host.wait_ready()
    person = clients(running.url, role="participant", code=created.code, name="Kari")
    await person.wait_ready()
    await until(lambda: host.presence.get(person.participant) is True)
    await person.close()
    await until(lambda: host.presence.get(person.participant) is False)


async def test_private_cards_reach_only_their_writers_and_facilitators(running, clients):
    created = await running.new_session()
    host = clients(running.url, role="facilitator", token=created.token)
    screen = clients(running.url, role="screen", code=created.code)
    a = clients(running.url, role="participant", code=created.code, name="A")
    b = clients(running.url, role="participant", code=created.code, name="B")
    for client in (host, screen, a, b):
        await client.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    outcome = await a.send(c.AddItem(id=new_id(), board="critique", text="hemmelig"))
    await until(lambda: "K1" in host.state.items)
    await asyncio.sleep(0.1)
    assert "K1" in a.state.items and "K1" not in b.state.items and "K1" not in screen.state.items
    assert b.seq < outcome.seq, "b never saw the private event"
    await host.send(c.RevealItems(id=new_id(), board="critique"))
    await until(lambda: "K1" in b.state.items and "K1" in screen.state.items)
    assert b.state.items["K1"].author == a.participant


async def test_anonymous_session_never_sends_authors(running, clients):
    created = await running.new_session(anonymous=True)
    host = clients(running.url, role="facilitator", token=created.token)
    frames: list[str] = []
    ws = await connect(running.url, proxy=None)
    await ws.send(json.dumps({"type": "hello", "role": "participant", "code": created.code, "resume": "o" * 30}))
    a = clients(running.url, role="participant", code=created.code)
    await host.wait_ready()
    await a.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    await host.send(c.ChangeRules(id=new_id(), private_writing=False))
    await a.send(c.AddItem(id=new_id(), board="critique", text="anonym"))
    await until(lambda: "K1" in host.state.items)
    assert host.state.items["K1"].author is None
    assert a.state.items["K1"].author == a.participant, "I still know my own card"
    async with asyncio.timeout(2):
        while not any("anonym" in f for f in frames):
            frames.append(await ws.recv())
    assert all(a.participant not in f or '"participant_joined"' in f for f in frames)
    await ws.close()


async def test_healthz(running):
    reader, writer = await asyncio.open_connection("127.0.0.1", running.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    response = await reader.read(200)
    writer.close()
    assert response.startswith(b"HTTP/1.1 200") and response.endswith(b"OK\n")
