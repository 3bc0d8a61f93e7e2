"""Running out of file descriptors: the room goes on, the log stays short.

Found by an attack at a 256-file limit (a Mac's default): 246 of 260
participants joined and 22.6 MB of tracebacks were written in 8 s. Now
``serve`` raises its soft limit to the hard one, keeps its connections below
whatever limit it has, answers the rest 503 (or closes them at once), and
says so in one line every 10 s, while the people already in are answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import signal

from support import start_server
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from kompsesjon.client import new_id
from kompsesjon.method import commands as c


async def join(url: str, code: str, n: int, held: list, refused: list) -> None:
    try:
        ws = await connect(url, proxy=None, open_timeout=10)
    except InvalidStatus as exc:
        refused.append(exc.response.status_code)
        return
    except (InvalidMessage, OSError, TimeoutError):
        refused.append("closed")
        return
    hello = {"type": "hello", "role": "participant", "code": code, "resume": secrets.token_urlsafe(16)}
    await ws.send(json.dumps(hello | {"name": f"Deltaker {n}"}))
    reply = json.loads(await asyncio.wait_for(ws.recv(), 20))
    assert reply["type"] == "snapshot", reply
    held.append(ws)


async def flood(url: str, code: str, n: int) -> tuple[list, list]:
    held: list = []
    refused: list = []
    await asyncio.gather(*(join(url, code, i, held, refused) for i in range(n)))
    return held, refused


async def stop(proc) -> bytes:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(proc.communicate(), 10)
    return out


async def test_a_soft_limit_of_256_is_raised_and_300_join(tmp_path):
    proc, info = await start_server(tmp_path / "okt.sqlite3", open_files=(256, 4096))
    held: list = []
    try:
        held, refused = await flood(info["url"], info["code"], 300)
        assert len(held) == 300 and not refused
    finally:
        for ws in held:
            await ws.close()
        log = (await stop(proc)).decode()
    assert "Traceback" not in log


async def test_at_a_hard_limit_the_rest_are_refused_and_the_room_goes_on(tmp_path, clients):
    proc, info = await start_server(tmp_path / "okt.sqlite3", open_files=(256, 256))
    held: list = []
    try:
        host = clients(info["url"], role="facilitator", token=info["token"])
        kari = clients(info["url"], role="participant", code=info["code"], name="Kari")
        await host.wait_ready()
        await kari.wait_ready()
        await host.send(c.AdvancePhase(id=new_id(), current=0))
        held, refused = await flood(info["url"], info["code"], 300)
        assert 200 <= len(held) < 256 and len(held) + len(refused) == 300
        assert 503 in refused, "those beyond the cap are told the server is full"
        # The people in the room are answered while it is full.
        outcome = await asyncio.wait_for(kari.send(c.AddItem(id=new_id(), board="critique", text="Fortsatt her")), 5)
        assert outcome.ok
        # When the crowd leaves, a new person gets in.
        for ws in held:
            await ws.close()
        held = []
        ola = clients(info["url"], role="participant", code=info["code"], name="Ola", max_delay=0.5)
        await asyncio.wait_for(ola.wait_ready(), 10)
    finally:
        for ws in held:
            with contextlib.suppress(Exception):
                await ws.close()
        log = (await stop(proc)).decode()
    assert "Traceback" not in log
    assert len(log) < 4000, f"{len(log)} characters of log"
    assert "refusing connections" in log


async def test_the_accept_retry_on_a_stopped_server_is_not_an_error(monkeypatch):
    """After running out of descriptors asyncio retries accept() a second later,
    also when the server has closed meanwhile; that retry's ValueError is quiet,
    anything else still reaches the default handler."""
    from server import limits

    loop = asyncio.get_running_loop()
    told: list[dict] = []
    monkeypatch.setattr(loop, "default_exception_handler", told.append)
    retry = loop.call_later(3600, loop._start_serving, None, None)
    limits.quiet_when_out_of_files(loop, {"exception": ValueError("Invalid file descriptor: -1"), "handle": retry})
    retry.cancel()
    assert told == []
    other = {"exception": ValueError("something else"), "handle": loop.call_later(3600, print)}
    limits.quiet_when_out_of_files(loop, other)
    assert told == [other]
    other["handle"].cancel()
