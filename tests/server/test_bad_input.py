"""Bad input gets a clear answer, changes nothing, and the connection stays usable."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server import frames
from server.app import Limits


class Raw:
    """A bare websocket client speaking JSON, for input no real client sends."""

    def __init__(self, ws):
        self.ws = ws

    async def send(self, message) -> None:
        await self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    async def recv(self) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), 5))

    async def until_type(self, *types: str) -> dict:
        while True:
            message = await self.recv()
            if message["type"] in types:
                return message


async def participant(url: str, code: str, name: str = "Kari") -> Raw:
    ws = await connect(url, proxy=None, max_size=None)
    raw = Raw(ws)
    await raw.send(
        {
            "type": "hello",
            "role": "participant",
            "code": code,
            "resume": f"{name}-resume-secret-0123456789",
            "name": name,
        }
    )
    await raw.until_type("welcome")
    return raw


def events_of(running, session) -> int:
    return running.server.hubs[session].seq


async def test_garbage_unknown_and_invalid_messages(running):
    created = await running.new_session()
    p = await participant(running.url, created.code)
    before = events_of(running, created.session)

    await p.send("{not json")
    assert (await p.recv()) | {"message": ""} == {"type": "error", "code": "bad_json", "message": "", "fatal": False}
    await p.send(b"\xff\xfe")
    assert (await p.recv())["code"] == "bad_json"
    await p.send({"type": "launch_missiles", "id": "x1"})
    reply = await p.recv()
    assert reply == {
        "type": "rejected",
        "id": "x1",
        "code": "bad_message",
        "message": "Unknown message type 'launch_missiles'.",
        "details": {},
    }
    await p.send({"no": "type"})
    assert (await p.recv())["code"] == "bad_message"
    await p.send({"type": "add_item", "id": "x2", "board": "critique"})  # no text
    reply = await p.recv()
    assert reply["code"] == "bad_message" and reply["id"] == "x2" and "text" in reply["message"]
    await p.send({"type": "add_item", "id": "x3", "board": ["a"], "text": 5})
    assert (await p.recv())["code"] == "bad_message"
    await p.send([1, 2, 3])
    assert (await p.recv())["code"] == "bad_message"
    await p.send({"type": "hello", "role": "participant", "code": created.code, "resume": "z" * 30})
    assert (await p.recv())["code"] == "already_greeted"

    assert events_of(running, created.session) == before, "bad input changed nothing"
    # Still usable: a valid command gets its normal answer.
    await p.send({"type": "check_in", "id": "ok1", "text": "[bold]Håp[/] \u00e6\u00f8\u00e5"})
    event = await p.until_type("event")
    assert event["event"]["text"] == "[bold]Håp[/] æøå"
    assert (await p.until_type("ack"))["id"] == "ok1"


async def test_oversize_frames(running):
    created = await running.new_session()
    p = await participant(running.url, created.code)
    await p.send("x" * (64 * 1024 + 1))
    reply = await p.recv()
    assert reply["code"] == "too_large" and not reply["fatal"]
    await p.send({"type": "check_in", "id": "after-big", "text": "fortsatt her"})
    assert (await p.until_type("ack"))["id"] == "after-big"
    # Far above the limit, the websocket layer closes with 1009.
    with pytest.raises(ConnectionClosed) as closed:
        await p.send("y" * (2 << 20))
        await p.recv()
    assert closed.value.rcvd.code == 1009


async def test_text_rules_refuse_long_text_and_escape_sequences(running):
    created = await running.new_session()
    p = await participant(running.url, created.code)
    await p.send({"type": "check_in", "id": "long", "text": "a" * 501})
    reply = await p.recv()
    assert reply["code"] == "text_too_long" and reply["details"]["limit"] == 500
    await p.send({"type": "check_in", "id": "esc", "text": "hei \x1b[2J\x1b[31mrød"})
    reply = await p.recv()
    assert reply["code"] == "bad_text" and reply["details"]["codepoint"] == 0x1B
    hub = running.server.hubs[created.session]
    assert hub.state.check_ins == {}


async def test_participant_cannot_use_facilitator_commands(running):
    created = await running.new_session()
    p = await participant(running.url, created.code)
    before = events_of(running, created.session)
    for n, command in enumerate(
        [
            {"type": "advance_phase", "current": 0},
            {"type": "reveal_items", "board": "critique"},
            {"type": "remove_participant", "participant": "p1"},
            {"type": "set_timer", "seconds": 60},
            {"type": "form_buzz_pairs"},
        ]
    ):
        await p.send(command | {"id": f"f{n}"})
        reply = await p.recv()
        assert reply["type"] == "rejected" and reply["code"] == "not_facilitator", reply
    assert events_of(running, created.session) == before


async def test_screen_is_read_only(running):
    created = await running.new_session()
    ws = await connect(running.url, proxy=None)
    screen = Raw(ws)
    await screen.send({"type": "hello", "role": "screen", "code": created.code})
    await screen.until_type("welcome")
    await screen.send({"type": "check_in", "id": "s1", "text": "hei"})
    assert (await screen.recv())["code"] == "read_only"


async def test_duplicate_command_ids_apply_once(running):
    created = await running.new_session()
    p = await participant(running.url, created.code)
    for _ in range(3):
        await p.send({"type": "check_in", "id": "same-id", "text": "første"})
    first = await p.until_type("ack")
    assert first["duplicate"] is False
    dup1 = await p.until_type("ack")
    dup2 = await p.until_type("ack")
    assert first["created"] == ["N1"]  # the check-in note it made, named again by every duplicate
    assert dup1 == dup2 == {"type": "ack", "id": "same-id", "seq": first["seq"], "duplicate": True, "created": ["N1"]}
    # The same id with other content is still the same command: nothing new.
    await p.send({"type": "check_in", "id": "same-id", "text": "noe annet"})
    assert (await p.until_type("ack"))["duplicate"] is True
    hub = running.server.hubs[created.session]
    assert [n.text for n in hub.state.check_ins.values()] == ["første"]
    # A retried rejected command gets the same rejection.
    await p.send({"type": "add_item", "id": "rej", "board": "critique", "text": "for tidlig"})
    first = await p.recv()
    await p.send({"type": "add_item", "id": "rej", "board": "critique", "text": "for tidlig"})
    assert await p.recv() == first


async def test_wrong_code_wrong_token_and_guessing(running):
    created = await running.new_session()
    running.server._guesses.allowed = 3
    for n in range(3):
        ws = await connect(running.url, proxy=None)
        await ws.send(json.dumps({"type": "hello", "role": "screen", "code": f"NOPE{n}"}))
        reply = json.loads(await ws.recv())
        assert reply == reply | {"type": "error", "code": "bad_code", "fatal": True}
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    ws = await connect(running.url, proxy=None)
    await ws.send(json.dumps({"type": "hello", "role": "screen", "code": created.code}))
    assert json.loads(await ws.recv())["code"] == "too_many_attempts", "guessing is throttled"

    running.server._guesses = type(running.server._guesses)(10)
    ws = await connect(running.url, proxy=None)
    await ws.send(json.dumps({"type": "hello", "role": "facilitator", "token": "f-guess"}))
    assert json.loads(await ws.recv())["code"] == "bad_token"


async def test_a_hello_that_breaks_the_parser_is_answered(running, monkeypatch):
    """A bug in reading a frame is answered ``internal_error``; the connection stays for a hello."""
    created = await running.new_session()
    parse = frames._parse

    def broken(raw):
        if "broken" in raw:
            raise RuntimeError("a bug")
        return parse(raw)

    monkeypatch.setattr(frames, "_parse", broken)
    raw = Raw(await connect(running.url, proxy=None))
    await raw.send({"type": "hello", "role": "screen", "code": "broken"})
    assert (await raw.recv())["code"] == "internal_error"
    await raw.send({"type": "hello", "role": "screen", "code": created.code})
    assert (await raw.until_type("welcome"))["type"] == "welcome"


async def test_hello_problems(running):
    created = await running.new_session()
    ws = await connect(running.url, proxy=None)
    raw = Raw(ws)
    await raw.send({"type": "check_in", "id": "a", "text": "før hei"})
    assert (await raw.recv())["code"] == "hello_first"
    await raw.send({"type": "hello", "role": "participant", "code": created.code, "resume": "short"})
    assert (await raw.recv())["code"] == "bad_message"
    await raw.send({"type": "hello", "role": "participant", "code": created.code, "resume": "r" * 30, "name": ""})
    reply = await raw.recv()
    assert reply["code"] == "text_empty" and not reply["fatal"], "a name is needed in a named session"
    await raw.send(
        {"type": "hello", "role": "participant", "code": created.code.lower(), "resume": "r" * 30, "name": "Ola"}
    )
    await raw.until_type("welcome")

    ws = await connect(running.url, proxy=None)
    await ws.send(json.dumps({"type": "hello", "role": "screen", "code": created.code, "protocol": 99}))
    assert json.loads(await ws.recv())["code"] == "protocol_version"


async def test_rate_limit_answers_and_keeps_the_connection(tmp_path):
    from conftest import RunningServer

    srv = RunningServer(tmp_path / "rate.sqlite3", Limits(rate=5, burst=5))
    await srv.start()
    try:
        created = await srv.new_session()
        p = await participant(srv.url, created.code)
        for n in range(12):
            await p.send({"type": "check_in", "id": f"r{n}", "text": f"hei {n}"})
        replies = [await p.until_type("ack", "rejected") for _ in range(12)]
        limited = [r for r in replies if r["type"] == "rejected"]
        assert limited and all(r["code"] == "rate_limited" and r["details"]["retry_after"] > 0 for r in limited)
        await asyncio.sleep(1.2)
        await p.send({"type": "check_in", "id": "later", "text": "rolig nå"})
        assert (await p.until_type("ack"))["id"] == "later"
    finally:
        await srv.stop()


async def test_removed_participant_is_disconnected_and_cannot_return(running, clients):
    created = await running.new_session()
    host = clients(running.url, role="facilitator", token=created.token)
    await host.wait_ready()
    p = await participant(running.url, created.code, "Troll")
    from kompsesjon.client import new_id
    from kompsesjon.method import commands as c

    outcome = await host.send(c.RemoveParticipant(id=new_id(), participant="p1"))
    assert outcome.ok
    reply = await p.until_type("error")
    assert reply["code"] == "participant_removed" and reply["fatal"]
    with pytest.raises(ConnectionClosed):
        await p.recv()
    again = await participant_refused(running.url, created.code, "Troll")
    assert again["code"] == "participant_removed"


async def participant_refused(url, code, name):
    ws = await connect(url, proxy=None)
    await ws.send(
        json.dumps(
            {
                "type": "hello",
                "role": "participant",
                "code": code,
                "resume": f"{name}-resume-secret-0123456789",
                "name": name,
            }
        )
    )
    return json.loads(await ws.recv())
