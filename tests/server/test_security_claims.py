"""Claims of docs/security.md that no other test shows.

* The database holds the facilitator token and the resume secrets only as
  hashes, and only its owner may read the file (nor its WAL).
* A secret of one session means nothing in another: a foreign resume secret
  joins as a new participant, a facilitator token opens only its own session.
* The per-address connection cap and the guessing throttle, as units (the
  tests connect from loopback, which the connection cap exempts), and that
  loopback shares one guessing budget (a known limit).
* A connection must say hello within the timeout, and five refused hellos
  close it.
"""

from __future__ import annotations

import json
import stat

from websockets.asyncio.client import connect

from kompsesjon.client import new_resume_secret
from server.limits import ConnectionCount, GuessThrottle
from server.store import secret_hash


async def test_secrets_are_stored_only_as_hashes_in_an_owner_only_file(running, clients):
    created = await running.new_session()
    secret = new_resume_secret()
    person = clients(running.url, role="participant", code=created.code, resume=secret, name="Kari")
    await person.wait_ready()
    host = clients(running.url, role="facilitator", token=created.token)
    await host.wait_ready()
    files = [path for path in running.db.parent.iterdir() if path.name.startswith(running.db.name)]
    assert {p.name for p in files} >= {running.db.name, running.db.name + "-wal"}
    stored = b"".join(path.read_bytes() for path in files)
    for plain in (created.token, secret):
        assert plain.encode() not in stored, "a secret is stored in the clear"
    assert secret_hash(created.token).encode() in stored and secret_hash(secret).encode() in stored
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path.name} is readable by others"


async def test_a_secret_of_one_session_means_nothing_in_another(running, clients):
    first = await running.new_session(title="Første")
    second = await running.new_session(title="Andre")
    secret = new_resume_secret()
    kari = clients(running.url, role="participant", code=first.code, resume=secret, name="Kari")
    await kari.wait_ready()
    # The same secret with the other session's code: a new person there, not Kari.
    other = clients(running.url, role="participant", code=second.code, resume=secret, name="Ola")
    await other.wait_ready()
    hub = running.server.hubs[second.session]
    assert other.session == second.session and hub.state.participants[other.participant].name == "Ola"
    assert running.server.hubs[first.session].state.participants[kari.participant].name == "Kari"
    # A token names its session: it cannot be pointed at another one.
    async with connect(running.url, proxy=None) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "facilitator", "token": first.token, "code": second.code}))
        while (message := json.loads(await ws.recv()))["type"] != "welcome":
            pass
        assert message["session"] == first.session
    # A join code is not a facilitator token.
    async with connect(running.url, proxy=None) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "facilitator", "token": first.code}))
        assert json.loads(await ws.recv())["code"] == "bad_token"


def test_connections_per_address_are_capped_but_loopback_is_not():
    count = ConnectionCount(3)
    assert all(count.admit("192.168.1.50") for _ in range(3))
    assert not count.admit("192.168.1.50"), "the fourth connection from one address is refused"
    assert count.admit("192.168.1.51")
    count.release("192.168.1.50")
    assert count.admit("192.168.1.50")
    assert all(count.admit("127.0.0.1") for _ in range(100)), "the SSH gateway connects from loopback"


def test_guessing_is_throttled_per_address_for_a_minute():
    throttle = GuessThrottle(10, 60.0)
    for n in range(10):
        assert throttle.wait("10.0.0.7", now=100.0 + n) == 0
        throttle.failed("10.0.0.7", now=100.0 + n)
    assert throttle.wait("10.0.0.7", now=110.0) > 49, "the eleventh guess waits for the minute to pass"
    assert throttle.wait("10.0.0.8", now=110.0) == 0, "other addresses are not affected"
    assert throttle.wait("10.0.0.7", now=160.5) == 0


async def test_the_guess_throttle_covers_loopback_too(running):
    """Known limit: loopback shares one budget (see docs/security.md)."""
    created = await running.new_session()
    running.server._guesses.allowed = 2
    for _ in range(2):
        async with connect(running.url, proxy=None) as ws:
            await ws.send(json.dumps({"type": "hello", "role": "screen", "code": "WRONG1"}))
            assert json.loads(await ws.recv())["code"] == "bad_code"
    async with connect(running.url, proxy=None) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "screen", "code": created.code}))
        assert json.loads(await ws.recv())["code"] == "too_many_attempts"


async def test_a_connection_must_say_hello_soon_and_may_fail_only_five_times(running, monkeypatch):
    from websockets.exceptions import ConnectionClosed

    from server import app as app_module

    created = await running.new_session()
    monkeypatch.setattr(app_module, "HELLO_TIMEOUT", 0.2)
    async with connect(running.url, proxy=None) as ws:
        reply = json.loads(await ws.recv())  # says nothing
        assert reply["code"] == "hello_timeout" and reply["fatal"]
        try:
            await ws.recv()
        except ConnectionClosed as closed:
            assert closed.rcvd.code == 1008
    monkeypatch.setattr(app_module, "HELLO_TIMEOUT", 5.0)
    async with connect(running.url, proxy=None) as ws:
        for _ in range(5):  # refused, but not fatal: an empty name in a named session
            await ws.send(
                json.dumps(
                    {
                        "type": "hello",
                        "role": "participant",
                        "code": created.code,
                        "resume": new_resume_secret(),
                        "name": "",
                    }
                )
            )
            assert json.loads(await ws.recv())["code"] == "text_empty"
        reply = json.loads(await ws.recv())
        assert reply["code"] == "hello_failed" and reply["fatal"]
