"""Regressions for the server bugs the fuzzer and the crash test found.

* JSON nested too deeply (a RecursionError) killed the connection handler when
  it came as the first message (and was logged as a crash later on);
* a lone surrogate (JSON ``"\\ud800"``) passed every text rule, and then the
  event could not be serialised: the whole batch failed, everyone in it got
  ``storage_error``, and the sender's outbox retried it for ever; as a command
  id, it crashed the answer itself;
* after a failed commit the hub still remembered the rejections it had
  decided against the state that was never stored, and answered retries with
  them;
* a resuming client whose hello shared a batch with later events got a
  ``welcome`` naming the batch's last seq, so it dropped those events as
  already seen and its mirror silently diverged.
"""

from __future__ import annotations

import asyncio
import json
import logging

from support import until
from test_bad_input import Raw, participant  # type: ignore[import-not-found]  # pytest puts tests/server on sys.path
from websockets.asyncio.client import connect

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from server.store import StoreError


def server_errors(caplog) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith(("kompsesjon", "websockets.server"))
    ]


async def test_deeply_nested_json_is_bad_json_before_and_after_hello(running, caplog):
    created = await running.new_session()
    ws = await connect(running.url, proxy=None)
    raw = Raw(ws)
    await raw.send("[" * 50_000)
    assert (await raw.recv())["code"] == "bad_json"
    await raw.send({"type": "hello", "role": "screen", "code": created.code})
    await raw.until_type("welcome")
    for deep in ("[" * 60_000, '{"a":' * 10_000):
        await raw.send(deep)
        assert (await raw.recv())["code"] == "bad_json"
    assert server_errors(caplog) == []


async def test_lone_surrogates_are_refused_before_they_reach_the_hub(running, caplog):
    created = await running.new_session()
    # In a new participant's name: a clear error, and the hello may be retried.
    ws = await connect(running.url, proxy=None)
    raw = Raw(ws)
    await raw.send(
        '{{"type":"hello","role":"participant","code":"{}","resume":"{}","name":"Kari\\ud800"}}'.format(
            created.code, "s" * 30
        )
    )
    reply = await raw.recv()
    assert reply["code"] == "bad_message" and "U+D800" in reply["message"] and not reply["fatal"]
    p = await participant(running.url, created.code)
    for frame in (
        '{"type":"check_in","id":"s1","text":"h\\udfffei"}',  # in a text
        '{"type":"check_in","id":"s2","text":"hei","\\ud83d":1}',  # in a key
    ):
        await p.send(frame)
        reply = await p.recv()
        assert reply["type"] == "rejected" and reply["code"] == "bad_message", reply
    await p.send('{"type":"check_in","id":"x\\ud800","text":"hei"}')  # in the id: not echoed
    assert (await p.recv()) | {"message": ""} == {"type": "error", "code": "bad_message", "message": "", "fatal": False}
    hub = running.server.hubs[created.session]
    assert hub.state.check_ins == {}
    assert server_errors(caplog) == []


async def test_a_rule_that_fails_fails_only_its_own_command(running, clients, caplog, monkeypatch):
    """Defence in depth behind the engine: a bug in one rule never fails the batch."""
    import server.core

    real_decide = server.core.decide

    def buggy_decide(state, actor, command, now):
        if command.id == "poison":
            raise RuntimeError("a bug in a rule")
        return real_decide(state, actor, command, now)

    monkeypatch.setattr(server.core, "decide", buggy_decide)
    created = await running.new_session()
    a = clients(running.url, role="participant", code=created.code, name="A")
    b = clients(running.url, role="participant", code=created.code, name="B")
    await a.wait_ready()
    await b.wait_ready()
    hub = running.server.hubs[created.session]
    sender = next(iter(hub.participants[a.participant]))
    async with hub._busy:  # the hub holds "first"; all three form one batch
        first = b.submit(c.CheckIn(id=new_id(), text="før"))
        await asyncio.sleep(0.1)
        await hub.submit(sender, c.CheckIn(id="poison", text="aldri"))
        good = b.submit(c.CheckIn(id=new_id(), text="etter"))
        await until(lambda: hub.queue.qsize() == 2)
    assert (await first).ok and (await good).ok, "the other commands of the batch are not held up"
    assert [n.text for n in hub.state.check_ins.values()] == ["etter"]
    errors = server_errors(caplog)
    assert len(errors) == 1 and "deciding check_in failed" in errors[0]


async def test_a_failed_commit_forgets_the_rejections_it_decided(running, monkeypatch):
    created = await running.new_session()
    ws = await connect(running.url, proxy=None)
    host = Raw(ws)
    await host.send({"type": "hello", "role": "facilitator", "token": created.token})
    await host.until_type("welcome")
    other = await participant(running.url, created.code, "Ola")
    hub = running.server.hubs[created.session]
    store = running.server.store
    original = store.append
    calls = {"n": 0}

    async def fails_second(session, events, applied=(), joined=()):
        calls["n"] += 1
        if calls["n"] == 2:
            raise StoreError("disk full")
        await original(session, events, applied, joined)

    monkeypatch.setattr(store, "append", fails_second)
    async with hub._busy:
        await other.send({"type": "check_in", "id": "o1", "text": "først"})
        await asyncio.sleep(0.1)  # taken alone as the first batch
        await host.send({"type": "advance_phase", "id": "e1", "current": 0})
        await host.send({"type": "advance_phase", "id": "e2", "current": 0})  # phase_changed, after e1
        await until(lambda: hub.queue.qsize() == 2)
    assert (await host.until_type("rejected"))["code"] == "storage_error"
    assert (await host.until_type("rejected"))["code"] == "storage_error"
    # Nothing of that batch was stored: the phase is still 0, so e2 now applies.
    await host.send({"type": "advance_phase", "id": "e2", "current": 0})
    reply = await host.until_type("ack", "rejected")
    assert reply == {"type": "ack", "id": "e2", "seq": hub.seq, "duplicate": False, "created": []}
    assert hub.state.phase == 1


async def test_a_resume_in_the_middle_of_a_batch_misses_nothing(running, clients):
    created = await running.new_session()
    a = clients(running.url, role="participant", code=created.code, name="A")
    b = clients(running.url, role="participant", code=created.code, name="B")
    await a.wait_ready()
    await b.wait_ready()
    secret, last_seq = a.resume, a.seq
    await a.close()
    await b.send(c.CheckIn(id=new_id(), text="mens A var borte"))
    hub = running.server.hubs[created.session]

    ws = await connect(running.url, proxy=None)
    async with hub._busy:
        first = b.submit(c.CheckIn(id=new_id(), text="en"))
        await asyncio.sleep(0.1)  # taken alone as the first batch
        await ws.send(
            json.dumps(
                {"type": "hello", "role": "participant", "code": created.code, "resume": secret, "last_seq": last_seq}
            )
        )
        await until(lambda: hub.queue.qsize() == 1)
        later = b.submit(c.CheckIn(id=new_id(), text="to"))  # after the hello, in the same batch
        await until(lambda: hub.queue.qsize() == 2)
    await first
    seq_of_later = (await later).seq
    messages = []
    async with asyncio.timeout(5):
        while not any(m.get("type") == "event" and m["seq"] == seq_of_later for m in messages):
            messages.append(json.loads(await ws.recv()))
    welcome = next(m for m in messages if m["type"] == "welcome")
    assert welcome["seq"] < seq_of_later, "the welcome claims events that come after it"
    await ws.close()
