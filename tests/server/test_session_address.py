"""The session's code in the address: ``ws://HOST/s/K7PQ2M``.

A proxy in front of several servers routes by it (docs/scaling.md); a server
on its own takes any path, so old addresses keep working. Behind a proxy on
the same machine, the client's own address comes in ``X-Forwarded-For`` and
the limits per address apply to it, not to the proxy.
"""

from __future__ import annotations

import json

from support import until
from websockets.asyncio.client import connect
from websockets.datastructures import Headers

from kompsesjon.client import Status, session_url
from server import app
from server.app import client_address


def test_the_clients_put_the_code_in_an_address_without_a_path():
    assert session_url("ws://rom.example:8765", "k7pq-2m") == "ws://rom.example:8765/s/K7PQ2M"
    assert session_url("wss://rom.example/", "K7PQ2M") == "wss://rom.example/s/K7PQ2M"
    assert session_url("ws://rom.example/s/K7PQ2M", "K7PQ2M") == "ws://rom.example/s/K7PQ2M"
    assert session_url("ws://rom.example/other", "K7PQ2M") == "ws://rom.example/other", "a given path is kept"
    assert session_url("ws://rom.example:8765", None) == "ws://rom.example:8765", "a token alone: no code yet"


async def test_a_server_takes_the_code_in_the_path_and_old_addresses(running):
    created = await running.new_session()
    base = f"ws://127.0.0.1:{running.port}"
    for path in (f"/s/{created.code}", "/", ""):
        async with connect(base + path, proxy=None) as ws:
            hello = {"type": "hello", "role": "participant", "code": created.code, "resume": "r" * 30, "name": "Ola"}
            await ws.send(json.dumps(hello))
            kinds = [json.loads(await ws.recv())["type"] for _ in range(2)]
            assert "welcome" in kinds, (path, kinds)


class _Connection:
    def __init__(self, address: str) -> None:
        self.remote_address = (address, 40000)


class _Request:
    def __init__(self, **headers: str) -> None:
        self.headers = Headers(headers)


def test_the_client_address_comes_from_a_local_proxy_only():
    forwarded = _Request(**{"X-Forwarded-For": "10.1.2.3"})
    assert client_address(_Connection("127.0.0.1"), forwarded) == "10.1.2.3"
    assert client_address(_Connection("127.0.0.1"), _Request()) == "127.0.0.1"
    # From anywhere else the header is whatever the client wrote: not believed.
    assert client_address(_Connection("192.0.2.7"), forwarded) == "192.0.2.7"
    chain = _Request(**{"X-Forwarded-For": "6.6.6.6, 10.1.2.3"})
    assert client_address(_Connection("127.0.0.1"), chain) == "10.1.2.3", "the proxy's own entry is the last"


async def test_a_facilitator_reconnects_with_the_code_it_was_welcomed_with(running, clients, monkeypatch):
    created = await running.new_session()
    paths: list[str] = []

    def recording(connection, request, *trusted):
        if request is not None and request.path != "/healthz":
            paths.append(request.path)
        return client_address(connection, request, *trusted)

    monkeypatch.setattr(app, "client_address", recording)
    host = clients(f"ws://127.0.0.1:{running.port}", role="facilitator", token=created.token)
    await host.wait_ready()
    assert host._ws is not None
    await host._ws.close()  # the connection drops; the client opens a new one
    await until(lambda: host.connects >= 2 and host.status == Status.ONLINE)
    # Each connection is seen twice (its handshake, then its handler).
    assert paths[0] == "/" and paths[-1] == f"/s/{created.code}", paths
