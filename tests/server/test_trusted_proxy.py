"""``serve --trusted-proxy CIDR``: a proxy on another machine names the participant.

Behind HAProxy on another machine every connection comes from the proxy's
address. From a trusted proxy the server believes ``X-Forwarded-For``, so the
limits per address (connections, wrong codes) see each participant; from any
other address the header is whatever the client wrote, and is not believed.
The live tests connect from this machine's own network address (not
loopback, which is always believed), standing in for the proxy's machine.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys

import pytest
from support import SERVE_ENV
from websockets.asyncio.client import connect
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed

from kompsesjon.addresses import room_addresses
from server.app import Limits, SessionServer, client_address
from server.stores import open_store


class _Connection:
    def __init__(self, address: str) -> None:
        self.remote_address = (address, 40000)


def forwarded(value: str):
    class Request:
        headers = Headers({"X-Forwarded-For": value})

    return Request()


TRUSTED = (ipaddress.ip_network("10.0.0.0/24"), ipaddress.ip_network("fd00::/64"))


def test_a_trusted_proxys_header_names_the_client_and_nobody_elses_does():
    assert client_address(_Connection("10.0.0.5"), forwarded("198.51.100.7"), TRUSTED) == "198.51.100.7"
    assert client_address(_Connection("10.0.0.5"), forwarded("198.51.100.7")) == "10.0.0.5", "not trusted: its own"
    assert client_address(_Connection("10.0.1.5"), forwarded("198.51.100.7"), TRUSTED) == "10.0.1.5"
    assert client_address(_Connection("fd00::5"), forwarded("2001:db8::1"), TRUSTED) == "2001:db8::1"
    assert client_address(_Connection("::ffff:10.0.0.5"), forwarded("198.51.100.7"), TRUSTED) == "198.51.100.7"
    # A client's own entries come first; the trusted proxies' appended ones are read from the end.
    chain = forwarded("6.6.6.6, 198.51.100.7, 10.0.0.9")
    assert client_address(_Connection("10.0.0.5"), chain, TRUSTED) == "198.51.100.7"
    assert client_address(_Connection("10.0.0.5"), forwarded("not-an-address"), TRUSTED) == "not-an-address"
    assert client_address(_Connection("10.0.0.5"), forwarded(" , "), TRUSTED) == "10.0.0.5"


def own_address() -> str:
    found = room_addresses()  # IPv4, not loopback
    if not found:
        pytest.skip("this machine has no network address besides loopback")
    return found[0]


async def attempt(url: str, who: str, code: str) -> str:
    """Connect as if through the proxy for ``who``; what the server answers first (or the close reason)."""
    try:
        ws = await connect(url, proxy=None, additional_headers={"X-Forwarded-For": who}, open_timeout=10)
    except OSError as exc:  # pragma: no cover - the machine refused the connection
        return f"failed: {exc}"
    hello = {"type": "hello", "role": "participant", "code": code, "resume": f"r-{who}".ljust(30, "x"), "name": who}
    try:
        await ws.send(json.dumps(hello))
        kinds = []
        while "welcome" not in kinds:
            message = json.loads(await ws.recv())
            kinds.append(message["type"])
            if message["type"] == "error":
                return message["code"]
        return "welcome"
    except ConnectionClosed as exc:
        return f"closed: {exc.rcvd.reason if exc.rcvd else ''}"
    finally:
        opened.append(ws)


opened: list = []


async def serving(tmp_path, address: str, trusted: tuple) -> tuple[SessionServer, str, str]:
    limits = Limits(rate=1000, burst=1000, per_address=2, guesses=2, trusted_proxies=trusted)
    server = SessionServer(await open_store(tmp_path / f"t{len(trusted)}.sqlite3"), limits)
    created = await server.create_session(title="Bak en proxy")
    await server.start(address, 0)
    return server, f"ws://{address}:{server.port}/", created.code


async def test_limits_per_address_see_the_participant_behind_a_trusted_proxy_only(tmp_path):
    address = own_address()
    for trusted, each_counts in (((ipaddress.ip_network(f"{address}/32"),), True), ((), False)):
        server, url, code = await serving(tmp_path, address, trusted)
        try:
            # Three people behind the proxy: each has an address of their own only if it is trusted.
            answers = [await attempt(url, f"198.51.100.{n}", code) for n in (1, 2, 3)]
            if each_counts:
                assert answers == ["welcome"] * 3
                # Two connections per address: the same person a third time is one too many.
                assert await attempt(url, "198.51.100.1", code) == "welcome"
                assert "too many connections" in await attempt(url, "198.51.100.1", code)
                # Wrong codes from one person do not make the others wait.
                assert [await attempt(url, "198.51.100.9", "WRONG1") for _ in range(2)] == ["bad_code"] * 2
                assert await attempt(url, "198.51.100.9", code) == "too_many_attempts"
                assert await attempt(url, "198.51.100.4", code) == "welcome"
            else:
                # Not trusted: the header is the client's own word; all three are the proxy's address.
                assert answers[:2] == ["welcome"] * 2 and "too many connections" in answers[2]
        finally:
            for ws in opened:
                await ws.close()
            opened.clear()
            await server.stop()


def test_serve_refuses_a_trusted_proxy_that_is_no_address(tmp_path):
    command = [sys.executable, "-m", "kompsesjon", "serve", "--db", str(tmp_path / "x.sqlite3"), "--port", "0"]
    done = subprocess.run(
        [*command, "--trusted-proxy", "10.0.0.0/24", "--trusted-proxy", "proxy.example"],
        capture_output=True,
        text=True,
        timeout=60,
        env=SERVE_ENV,
    )
    assert done.returncode == 2
    assert "--trusted-proxy wants an address or a network" in done.stderr and "'proxy.example'" in done.stderr
    assert not (tmp_path / "x.sqlite3").exists(), "nothing was started"
