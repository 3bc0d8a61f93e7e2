"""What the frame path relies on in websockets, checked against the installed version.

server/wire.py writes pre-built frames to a connection's transport (one write
per connection per batch; see benchmarks/README.md for why). None of that is
websockets' documented API. If an upgrade changes any of it, these tests
fail — and so does every connection's use of the frame path, which falls
back to ``send()``/``close()`` (tested at the end, through the real server).
"""

from __future__ import annotations

import asyncio

import pytest
import websockets
from support import until
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from server import wire


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
@pytest.mark.parametrize("text", ["a", "æøå ÆØÅ 🙂"])
def test_our_frames_are_the_bytes_websockets_would_write(size, text):
    message = (text * size)[:size] if size else ""
    protocol = ServerProtocol()
    protocol.state = State.OPEN  # as after the handshake
    protocol.send_text(message.encode())
    (expected,) = protocol.data_to_send()
    assert wire.frame(message) == expected
    assert wire.frame(message) == Frame(Opcode.TEXT, message.encode()).serialize(mask=False, extensions=[])


async def test_a_server_connection_has_what_the_frame_path_uses():
    seen: asyncio.Future[ServerConnection] = asyncio.get_running_loop().create_future()

    async def handler(ws: ServerConnection) -> None:
        seen.set_result(ws)
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, compression=None, write_limit=wire.WRITE_LIMIT) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/", proxy=None, compression=None) as client:
            ws = await seen
            assert wire.relied_upon(ws), "websockets changed: the frame path is off for every connection"
            assert isinstance(ws.transport, asyncio.Transport)
            assert ws.protocol.state is State.OPEN and ws.protocol.extensions == []
            assert ws.send_in_progress is None
            assert ws.transport.get_write_buffer_limits()[1] == wire.WRITE_LIMIT
            # Frames written straight to the transport arrive as messages, in order,
            # and websockets' own sends before and after them still work.
            await ws.send("før")
            ws.transport.write(wire.frame("én") + wire.frame("to"))
            await ws.send("etter")
            assert [await client.recv() for _ in range(4)] == ["før", "én", "to", "etter"]


async def test_a_fragmented_send_in_progress_is_visible():
    """The frame path must not write in the middle of a fragmented message."""
    seen: asyncio.Future[ServerConnection] = asyncio.get_running_loop().create_future()
    release = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        seen.set_result(ws)

        async def fragments():
            yield "a"
            await release.wait()
            yield "b"

        await ws.send(fragments())
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/", proxy=None) as client:
            ws = await seen
            await until(lambda: ws.send_in_progress is not None)
            release.set()
            assert await client.recv() == "ab"


def test_the_pin_is_what_was_checked():
    """websockets is pinned below 18 in pyproject.toml; these tests are the real guard."""
    assert int(websockets.__version__.split(".")[0]) < 18


async def test_the_public_path_keeps_order_and_closes_when_told(running, clients, monkeypatch):
    """With the frame path off (as after a websockets change), the server works the
    same (tests/server/test_fanout.py drops a stalled reader on both paths)."""
    monkeypatch.setattr(wire, "FRAME_PATH", False)
    created = await running.new_session()
    host = clients(running.url, role="facilitator", token=created.token)
    kari = clients(running.url, role="participant", code=created.code, name="Kari")
    await host.wait_ready()
    await kari.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    await host.send(c.ChangeRules(id=new_id(), private_writing=False))
    outcomes = await asyncio.gather(
        *(kari.send(c.AddItem(id=new_id(), board="critique", text=f"kort {n}")) for n in range(30))
    )
    assert all(o.ok for o in outcomes)
    await until(lambda: len(host.state.items) == 30)
    assert [i.text for i in host.state.items.values()] == [f"kort {n}" for n in range(30)]
    hub = running.server.hubs[created.session]
    assert all(p.conn is not None for peers in hub.participants.values() for p in peers)
    # A participant removed on this path gets the fatal error, then the close.
    await host.send(c.RemoveParticipant(id=new_id(), participant=kari.participant))
    await until(lambda: kari.refused is not None)
    assert kari.refused.code == "participant_removed"
