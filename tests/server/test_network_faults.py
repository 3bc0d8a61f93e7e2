"""Network faults: frames cut off, connections reset, peers that vanish, readers that stall.

* A frame cut off mid-write (then a TCP reset) is never applied; the same
  command sent again (same id) after the reconnect is applied exactly once.
  A whole frame followed at once by a reset is applied once or not at all,
  and the retry's answer says which (``duplicate``).
* Resets in the middle of a burst of commands: the client's outbox sends
  every unanswered command again and each is applied exactly once.
* A half-open connection — the peer vanishes without a FIN (a proxy that
  silently drops everything) or stops reading and freezes — is noticed by the
  keepalive and freed within ping_interval + ping_timeout + close_timeout.
* A participant that stops reading is dropped without delaying the others
  (see also tests/server/test_fanout.py), and when it reads again it resumes
  with a mirror equal to what the server shows it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import time

from conftest import RunningServer
from support import until
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

from kompsesjon.client import Status, new_id, new_resume_secret
from kompsesjon.method import commands as c
from kompsesjon.method import dump_state, view_state
from kompsesjon.method.budgets import BUDGETS
from kompsesjon.method.visibility import participant_view
from server import hub as hub_module
from server.app import Limits


def reset(transport) -> None:
    """Close a connection with a TCP reset (RST), not a FIN."""
    if transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def mirror_matches(client, hub) -> bool:
    mine = dump_state(client.state)
    theirs = dump_state(view_state(hub.state, participant_view(client.participant)))
    mine.pop("counters"), theirs.pop("counters")
    return mine == theirs


async def test_a_frame_cut_off_is_never_applied_and_the_retry_applies_once(running, clients):
    created = await running.new_session()
    host = clients(running.url, role="facilitator", token=created.token)
    await host.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    await host.send(c.ChangeRules(id=new_id(), private_writing=False))
    hub = running.server.hubs[created.session]
    secret = new_resume_secret()
    hello = {"type": "hello", "role": "participant", "code": created.code, "resume": secret, "name": "Kari"}
    text = "Lang nok lapp til at rammen får utvidet lengdefelt " * 3  # > 125 bytes
    for n, cut in enumerate([1, 2, 4, 8, 60, -1, None]):  # None: the whole frame, then the reset
        command = {"type": "add_item", "id": f"cut-{n}", "board": "critique", "text": f"{n} {text}"}
        ws = await connect(running.url, proxy=None)
        await ws.send(json.dumps(hello))
        while (welcome := json.loads(await ws.recv()))["type"] != "welcome":
            pass
        pid = welcome["participant"]
        before = hub.seq
        frame = Frame(Opcode.TEXT, json.dumps(command).encode()).serialize(mask=True, extensions=[])
        ws.transport.write(frame if cut is None else frame[:cut])
        reset(ws.transport)
        await until(lambda pid=pid: pid not in hub.participants)  # the server saw the connection go
        await asyncio.sleep(0.05)
        applied = hub.seq != before
        assert not applied or cut is None, f"a frame cut after {cut} bytes was applied"

        person = clients(running.url, role="participant", code=created.code, resume=secret)
        await person.wait_ready()
        outcome = await person.send(c.AddItem(id=command["id"], board="critique", text=command["text"]))
        assert outcome.ok and outcome.duplicate == applied
        await person.close()
    texts = [i.text for i in hub.state.items.values()]
    assert sorted(texts) == sorted(f"{n} {text}".strip() for n in range(7)), "each command exactly once"
    stored = [e for _, e in await running.server.store.events(created.session) if e.type == "item_added"]
    assert len(stored) == 7


async def test_resets_in_a_burst_of_commands_apply_each_exactly_once(running, clients, monkeypatch):
    monkeypatch.setitem(BUDGETS, "cards_per_person", 1000)  # one writer, 240 cards: past the budget of a person
    created = await running.new_session()
    host = clients(running.url, role="facilitator", token=created.token)
    person = clients(running.url, role="participant", code=created.code, name="Kari", max_delay=0.05)
    await host.wait_ready()
    await person.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    hub = running.server.hubs[created.session]
    sent, duplicates, resets = [], 0, 0
    for round_ in range(8):
        futures = []
        for n in range(30):
            text = f"runde {round_} lapp {n}"
            futures.append(person.submit(c.AddItem(id=new_id(), board="critique", text=text)))
            sent.append(text)
            if n in (5 + round_, 20):
                await until(lambda: person.status == Status.ONLINE and not person._ws.transport.is_closing())
                reset(person._ws.transport)  # mid-burst: some written, some not, some answered
                resets += 1
            if n % 7 == 0:
                await asyncio.sleep(0)  # let some frames out before the next reset
        outcomes = await asyncio.wait_for(asyncio.gather(*futures), 30)
        assert all(o.ok for o in outcomes)
        duplicates += sum(o.duplicate for o in outcomes)
    texts = [i.text for i in hub.state.items.values()]
    assert sorted(texts) == sorted(sent), "every command exactly once"
    await until(lambda: person.seq == hub.seq and mirror_matches(person, hub))
    assert resets == 16 and person.connects == 17
    assert duplicates > 0, "no reset fell between a commit and its ack: the retry path was not exercised"


async def _half_open(tmp_path, vanish) -> float:
    """Seconds until the server frees a connection after ``vanish(ws)``."""
    limits = Limits(rate=1000, burst=1000, ping_interval=0.4, ping_timeout=0.4, close_timeout=0.4)
    srv = RunningServer(tmp_path / "half-open.sqlite3", limits)
    await srv.start()
    try:
        created = await srv.new_session()
        proxy = BlackholeProxy(srv.port)
        await proxy.start()
        ws = await connect(f"ws://127.0.0.1:{proxy.port}/", proxy=None, ping_interval=None)
        await ws.send(
            json.dumps(
                {
                    "type": "hello",
                    "role": "participant",
                    "code": created.code,
                    "resume": new_resume_secret(),
                    "name": "Borte",
                }
            )
        )
        while json.loads(await ws.recv())["type"] != "welcome":
            pass
        hub = srv.server.hubs[created.session]
        assert len(hub.participants) == 1
        connections = srv.server._connections._open.get("127.0.0.1", 0)
        gone = time.monotonic()
        vanish(ws, proxy)
        await until(lambda: not hub.participants, timeout=10)
        freed = time.monotonic() - gone
        await until(lambda: srv.server._connections._open.get("127.0.0.1", 0) == connections - 1)
        reset(ws.transport)
        await proxy.close()
        return freed
    finally:
        await srv.stop()


async def test_a_peer_that_vanishes_without_fin_is_freed_by_the_keepalive(tmp_path):
    freed = await _half_open(tmp_path, lambda ws, proxy: proxy.blackhole())
    assert freed < 0.4 + 0.4 + 0.4 + 0.6, f"freed after {freed:.2f} s"


async def test_a_peer_that_freezes_is_freed_by_the_keepalive(tmp_path):
    freed = await _half_open(tmp_path, lambda ws, proxy: ws.transport.pause_reading())
    assert freed < 0.4 + 0.4 + 0.4 + 0.6, f"freed after {freed:.2f} s"


async def test_a_stalled_participant_is_dropped_and_resumes_with_a_true_mirror(running, clients, monkeypatch):
    monkeypatch.setattr(hub_module, "SLOW_CLIENT_BYTES", 64 * 1024)
    monkeypatch.setitem(BUDGETS, "cards_per_person", 10_000)  # one writer, up to 3,000 cards
    created = await running.new_session()
    host = clients(running.url, role="facilitator", token=created.token)
    fast = clients(running.url, role="participant", code=created.code, name="Rask")
    slow = clients(running.url, role="participant", code=created.code, name="Treg", max_delay=0.1)
    for client in (host, fast, slow):
        await client.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    await host.send(c.ChangeRules(id=new_id(), private_writing=False))
    hub = running.server.hubs[created.session]
    dropped: list[str | None] = []
    drop_slow = hub._drop_slow
    # The stalled client may notice the drop and be back before the loop
    # ends (max_delay 0.1 s), so the drop is recorded, not looked for later.
    monkeypatch.setattr(hub, "_drop_slow", lambda client: (dropped.append(client.participant), drop_slow(client)))
    await until(lambda: slow.seq == hub.seq)
    slow._ws.transport.pause_reading()
    slow._ws.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    for client in hub.participants[slow.participant]:
        client.conn.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    worst = 0.0
    # Write until the stalled reader's unsent bytes pass the limit: how many
    # cards that takes depends on how much the kernel buffers on the way.
    written = 0
    while written < 300 or (not dropped and written < 3000):
        started = time.monotonic()
        await fast.send(c.AddItem(id=new_id(), board="critique", text=f"{written} " + "x" * 250))
        written += 1
        await until(lambda: len(host.state.items) == written)
        worst = max(worst, time.monotonic() - started)
    assert slow.participant in dropped, "the stalled participant was dropped"
    assert dropped == [slow.participant], "nobody else was dropped"
    print(f"stalled reader: {written} cards; slowest seen by the facilitator {worst * 1000:.0f} ms")
    slow._ws.transport.resume_reading()
    await until(lambda: slow.connects == 2 and slow.seq == hub.seq, timeout=10)
    assert mirror_matches(slow, hub) and len(slow.state.items) == written


class BlackholeProxy:
    """A TCP proxy on 127.0.0.1 that can turn into a black hole: both sockets
    stay open, every byte from either side is read and dropped, and no FIN is
    passed on — what a peer that vanished from the network looks like."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.dropping = False
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def blackhole(self) -> None:
        self.dropping = True

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [writer, up_writer]
        self._tasks += [
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if not self.dropping:
                    writer.write(data)
            if not self.dropping:
                writer.close()
        except (ConnectionError, OSError):
            pass

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for writer in self._writers:
            writer.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
