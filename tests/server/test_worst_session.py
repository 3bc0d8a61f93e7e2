"""Issue 19: the host, a screen and a new participant can always load the session.

* The worst legal session: every budget of kompsesjon.method.budgets at its
  maximum, every text at its byte limit in four-byte emoji — 2,000
  participants with the longest names, organisations and regions, a check-in
  and a check-out each, both boards full of the largest cards, and the
  facilitator's next steps until the facilitator's budget says no. Its
  snapshots stay within what a client accepts, and a host, a screen and a
  new participant join it. Before, a session like this (4.29 MiB) locked the
  host view out for good: the client accepted 4 MiB.
* The card bomb and the join bomb of the issue, over real connections: one
  participant with 16 connections writing the largest emoji cards as fast as
  it can, and thousands of joins with the longest names. Afterwards the host,
  a screen and a new participant connect. (How fast: docs/benchmarks, not
  asserted here.)
"""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect

from kompsesjon import protocol as proto
from kompsesjon.client import SessionClient, new_id, new_resume_secret
from kompsesjon.method import commands as c
from kompsesjon.method.budgets import BUDGETS, FACILITATOR_BYTES, MAX_STATE_BYTES, SESSION_BYTES
from kompsesjon.method.state import STATE_ADAPTER
from kompsesjon.method.text import BYTE_LIMITS
from kompsesjon.method.visibility import FACILITATOR_VIEW, SCREEN_VIEW
from server.app import Limits
from server.core import GREETED, NEWCOMER, Peer

EMOJI = "\U0001f600"


def emoji(kind: str, salt: int = 0) -> str:
    """A text of ``kind`` at its byte limit, in four-byte emoji (a number in front, so texts differ)."""
    tag = str(salt)
    return tag + EMOJI * ((BYTE_LIMITS[kind] - len(tag)) // 4)


async def _all(hub, peer_commands: list[tuple[Peer, object]]) -> None:
    for peer, command in peer_commands:
        await hub.submit(peer, command)
    while not hub.queue.empty() or hub._busy.locked():
        await asyncio.sleep(0.05)


async def _advance(hub, host: Peer, to: int) -> None:
    while hub.state.phase < to:
        phase = hub.state.phase
        await _all(hub, [(host, c.AdvancePhase(id=new_id(), current=phase))])
        assert hub.state.phase == phase + 1, f"could not leave phase {phase}"


async def _connect_everyone(url: str, created, *, new_from: str = "127.0.0.1") -> None:
    """A host and a screen (the apps' client) and a new participant (from
    ``new_from``, with the same frame limit): each must load the session."""
    host = SessionClient(url, role="facilitator", token=created.token)
    screen = SessionClient(url, role="screen", code=created.code)
    clients = [host, screen]
    for client in clients:
        client.start()
    try:
        for client in clients:
            await client.wait_ready(timeout=120)  # generous: the figures are in docs/benchmarks
            assert client.state is not None
        async with connect(
            url, proxy=None, max_size=proto.MAX_SERVER_MESSAGE_BYTES, local_addr=(new_from, 0), open_timeout=60
        ) as ws:
            hello = {"type": "hello", "role": "participant", "code": created.code, "name": "Ny"}
            await ws.send(json.dumps(hello | {"resume": new_resume_secret()}))
            kinds: list[str] = []
            while not kinds or kinds[-1] not in ("welcome", "error"):
                kinds.append(json.loads(await asyncio.wait_for(ws.recv(), 120))["type"])
            assert kinds == ["snapshot", "welcome"], kinds
    finally:
        for client in clients:
            await client.close()


async def test_the_worst_legal_session_loads_for_host_screen_and_newcomer(running):
    created = await running.new_session()
    hub = running.server.hubs[created.session]
    host = Peer("facilitator")
    assert await hub.hello(host, proto.Hello(role="facilitator", token=created.token)) == GREETED

    # Every participant the session takes, each at their largest.
    # Every participant the session takes but one: the newcomer is the last.
    people: list[Peer] = []
    every = BUDGETS["participants"] - 1
    for start in range(0, every, 500):
        chunk = [Peer("participant") for _ in range(start, min(start + 500, every))]
        hellos = [
            hub.hello(
                peer,
                proto.Hello(
                    role="participant",
                    code=created.code,
                    resume=f"worst-{start + n:05d}-resume-secret",
                    name=emoji("name", start + n),
                    org=emoji("org", start + n),
                ),
            )
            for n, peer in enumerate(chunk)
        ]
        assert set(await asyncio.gather(*hellos)) == {GREETED}
        for peer in chunk:  # their commands are decided all the same; nothing is sent to them
            hub.disconnect(peer)
        people.extend(chunk)
    await _all(hub, [(p, c.SetRegion(id=new_id(), region=emoji("region", n))) for n, p in enumerate(people)])
    await _all(hub, [(p, c.CheckIn(id=new_id(), text=emoji("note", n))) for n, p in enumerate(people)])

    # The largest cards on both boards, until the board or the byte budget is full.
    per_person = BUDGETS["cards_per_board"] // len(people) + 1
    for phase, board in ((1, "critique"), (6, "vision")):
        await _advance(hub, host, phase)
        cards = [
            (p, c.AddItem(id=new_id(), board=board, text=emoji("item", n * 10 + k)))
            for k in range(per_person)
            for n, p in enumerate(people)
        ]
        await _all(hub, cards)
        if board == "critique":  # the first board takes what the byte budget holds
            on_board = sum(1 for i in hub.state.items.values() if i.board == board)
            assert on_board >= 3000, "a byte budget of 4 MiB holds 3,000 such cards and more"

    # Check-outs until the participants' byte budget says no.
    await _advance(hub, host, 12)
    await _all(hub, [(p, c.CheckOut(id=new_id(), text=emoji("note", n))) for n, p in enumerate(people)])
    assert len(hub.state.check_outs) < len(people), "the byte budget stopped them"
    # The facilitator's next steps until the facilitator's budget says no.
    before = -1
    while len(hub.state.next_steps) != before:
        before = len(hub.state.next_steps)
        await _all(hub, [(host, c.AddNextStep(id=new_id(), text=emoji("step", k))) for k in range(200)])

    core = hub.core
    full = len(STATE_ADAPTER.dump_json(core.state))
    assert full > SESSION_BYTES and full > 4 << 20, "a session the old client limit (4 MiB) could not load"
    assert full <= MAX_STATE_BYTES, "the budgets bound the state"
    assert full >= FACILITATOR_BYTES - 64 * 1024, "the facilitator's budget was used up"
    for audience in (FACILITATOR_VIEW, SCREEN_VIEW, NEWCOMER):
        snapshot = core._snapshot(audience)
        assert len(snapshot.text.encode()) <= proto.MAX_SERVER_MESSAGE_BYTES, audience

    # A newcomer is still let in (the last place): joins are bounded by the
    # count, not by the bytes.
    await _connect_everyone(running.url, created)
    assert len(hub.state.participants) == BUDGETS["participants"]


@pytest.mark.slow
async def test_the_card_bomb_and_the_join_bomb_leave_the_room_open(tmp_path):
    await _bombs(tmp_path, joins=7000)


async def test_a_card_bomb_and_a_join_bomb_leave_the_room_open(tmp_path):
    await _bombs(tmp_path, joins=400)


async def _bombs(tmp_path, *, joins: int) -> None:
    from conftest import RunningServer

    running = RunningServer(tmp_path / "bombs.sqlite3", Limits())  # the real limits
    await running.start()
    try:
        await _bombed(running, joins)
    finally:
        await running.stop()


async def _bombed(running, joins: int) -> None:
    created = await running.new_session()
    hub = running.server.hubs[created.session]
    async with connect(running.url, proxy=None) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "facilitator", "token": created.token}))
        while json.loads(await ws.recv())["type"] != "welcome":
            pass
        await ws.send(json.dumps({"type": "advance_phase", "id": "go", "current": 0}))
        while json.loads(await ws.recv()).get("id") != "go":
            pass

    # The card bomb: one participant, 16 connections, the largest emoji cards.
    secret = new_resume_secret()
    hello = {"type": "hello", "role": "participant", "code": created.code, "resume": secret, "name": emoji("name")}
    bombers = []
    for _ in range(16):
        ws = await connect(running.url, proxy=None, max_size=None)
        await ws.send(json.dumps(hello))
        bombers.append(ws)

    async def bomb(ws, n: int) -> None:
        try:
            for k in range(400):
                text = emoji("item", n * 1000 + k)
                await ws.send(json.dumps({"type": "add_item", "id": f"b{n}-{k}", "board": "critique", "text": text}))
        except Exception:  # refused connections are closed: that is the point
            pass

    await asyncio.gather(*(bomb(ws, n) for n, ws in enumerate(bombers)))

    # The join bomb: many joins with the longest names.
    async def join(n: int) -> None:
        try:
            async with connect(running.url, proxy=None, max_size=None, open_timeout=30) as ws:
                await ws.send(
                    json.dumps(
                        {
                            "type": "hello",
                            "role": "participant",
                            "code": created.code,
                            "resume": f"bomb-{n:06d}-resume-secret",
                            "name": emoji("name", n),
                            "org": emoji("org", n),
                        }
                    )
                )
                await asyncio.wait_for(ws.recv(), 30)
        except Exception:
            pass

    for start in range(0, joins, 100):
        await asyncio.gather(*(join(n) for n in range(start, min(start + 100, joins))))
    for ws in bombers:
        ws.transport.abort()  # a bomber does not say goodbye

    mine = [i for i in hub.state.items.values() if i.board == "critique"]
    assert len(mine) <= BUDGETS["cards_per_person"]
    assert len(hub.state.participants) <= BUDGETS["joins_per_address"] + joins // 10 + 1
    assert len(STATE_ADAPTER.dump_json(hub.state)) <= MAX_STATE_BYTES
    await _connect_everyone(running.url, created, new_from="127.0.0.2")
