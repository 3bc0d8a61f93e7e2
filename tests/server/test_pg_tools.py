"""``kompsesjon new`` and ``kompsesjon token`` beside running nodes on PostgreSQL.

A session is made on a running node's database without starting another
node; the node hosts it when its first person says hello. A new facilitator
token is checked by the running node at the next facilitator hello, as with
an SQLite file. Skipped where PostgreSQL is not installed (``.ci/run``
installs it).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys

import pytest
from conftest import RunningServer
from support import earlier_gathering, ok

from kompsesjon.cli import main
from kompsesjon.client import Refused, SessionClient, new_id
from kompsesjon.method import commands as c
from server.stores import open_store


@pytest.fixture(autouse=True)
def english_command_line(monkeypatch):
    monkeypatch.setenv("KOMPSESJON_LANG", "en")


async def cli(capsys, *args: str) -> tuple[int, str, str]:
    """The command line in a thread (it runs its own event loop)."""
    capsys.readouterr()
    status = await asyncio.to_thread(main, list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def said(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found, text
    return found.group(1)


async def facilitator(url: str, token: str) -> SessionClient:
    client = SessionClient(url, role="facilitator", token=token, max_delay=0.2)
    client.start()
    return client


async def test_new_makes_a_session_a_running_node_hosts_and_token_replaces_its_key(pg_url, capsys, clients):
    node = RunningServer(pg_url)
    await node.start()  # a node of a cluster: it hosts nothing until someone comes
    old = new = None
    try:
        status, out, err = await cli(
            capsys, "new", "--db", pg_url, "--template", "dialogkonferanse", "--title", "Regionsamling",
            "--url", "ws://proxy.example:8080/",
        )  # fmt: skip
        assert status == 0, err
        code = said(r"join code:\s+(\w+)", out)
        token = said(r"facilitator token:\s+(f-\S+)", out)
        # The addresses to give out are the proxy's, the facilitator's with the code for the proxy's hash.
        assert f"kompsesjon join ws://proxy.example:8080 --code {code}" in out
        assert f"kompsesjon host ws://proxy.example:8080/s/{code} --token {token}" in out
        assert f"http://proxy.example:8080/{code}" in out
        assert "nothing runs here" in out
        assert node.server is not None and not node.server.hubs, "the node has not hosted it yet"

        kari = clients(node.url, role="participant", code=code, name="Kari", org="Bodø")
        await kari.wait_ready()  # the node took the session over: its lease was given up
        assert kari.state.title == "Regionsamling" and kari.state.template == "dialogkonferanse"
        old = await facilitator(node.url, token)
        await old.wait_ready()
        await old.close()

        status, listed, _ = await cli(capsys, "sessions", "--db", pg_url)
        assert status == 0 and code in listed and "Regionsamling" in listed

        status, out, err = await cli(capsys, "token", code.lower(), "--db", pg_url)
        assert status == 0, err
        replaced = said(r"(f-\S+)", out)
        assert replaced != token and f"ws://HOST/s/{code} --token {replaced}" in out
        old = await facilitator(node.url, token)  # at once: the running node reads the database's token
        with pytest.raises(Refused) as refused:
            await old.wait_ready()
        assert refused.value.code == "bad_token"
        new = await facilitator(node.url, replaced)
        await new.wait_ready()
        assert new.state.title == "Regionsamling"

        status, _, err = await cli(capsys, "token", "NOSUCH", "--db", pg_url)
        assert status == 1 and "no session with id or code 'NOSUCH'" in err
    finally:
        for client in (old, new):
            if client is not None:
                await client.close()
        await node.stop()


async def test_new_on_a_file_stores_a_session_serve_can_resume(tmp_path, capsys, running):
    db = tmp_path / "okt.sqlite3"
    status, out, err = await cli(capsys, "new", "--db", str(db), "--title", "Samling i mars", "--lang", "nb")
    assert status == 0, err
    code = said(r"kode:\s+(\w+)", out)  # --lang nb: the session's language, and these lines
    assert "ws://HOST:PORT" in out and f"kompsesjon serve --resume {code} --db {db}" in out
    status, listed, _ = await cli(capsys, "sessions", "--db", str(db))
    assert code in listed and "Samling i mars" in listed

    # A file has one server: while one serves it, new says so and changes nothing.
    status, _, err = await cli(capsys, "new", "--db", str(running.db), "--title", "Nei")
    assert status == 1 and "error:" in err
    status, listed, _ = await cli(capsys, "sessions", "--db", str(running.db))
    assert "Nei" not in listed

    status, _, err = await cli(capsys, "new", "--db", str(db), "--url", "http://wrong")
    assert status == 2 and "not a websocket address" in err
    status, _, err = await cli(capsys, "new", "--db", str(db), "--template", "nosuch")
    assert status == 2 and "error:" in err
    status, listed, _ = await cli(capsys, "sessions", "--db", str(db))
    assert listed.count("\n") == 1, "nothing more was stored"


async def test_a_node_on_a_shared_database_speaks_the_operators_language(pg_url):
    await (await open_store(pg_url)).close()  # tables, no session: the node would make one otherwise
    assert await asyncio.to_thread(main, ["new", "--db", pg_url, "--title", "Før noden"]) == 0
    command = [sys.executable, "-m", "kompsesjon", "serve", "--db", pg_url, "--port", "0"]
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "KOMPSESJON_LANG": "nb"},
    )  # fmt: skip
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not lines or "Ctrl+C" not in lines[-1]:
                assert proc.stdout is not None
                line = (await proc.stdout.readline()).decode()
                assert line, "".join(lines)
                lines.append(line)
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 20)
    said = "".join(lines)
    assert "1 økt(er) i den delte databasen; denne noden tar hver økt" in said, said
    assert "session(s)" not in said, "no English in a Norwegian operator's terminal"


async def test_a_new_session_follows_one_another_node_hosts(pg_url, capsys, clients):
    node = RunningServer(pg_url)
    await node.start()
    try:
        earlier = await earlier_gathering(node, clients)  # hosted by the running node
        status, out, err = await cli(
            capsys, "new", "--db", pg_url, "--title", "Andre samling", "--follows", earlier.code.lower()
        )
        assert status == 0, err
        code = said(r"join code:\s+(\w+)", out)
        kari = clients(node.url, role="participant", code=code, name="Kari", org="Bodø")
        await kari.wait_ready()
        series = kari.state.series
        assert series is not None and series.follows.code == earlier.code
        assert [a.what for a in series.actions] == ["Fast møtetid", "Rollebeskrivelser"]

        status, _, err = await cli(capsys, "new", "--db", pg_url, "--follows", "NOSUCH")
        assert status == 1 and "no session with the join code 'NOSUCH'" in err
    finally:
        await node.stop()


async def test_the_host_view_follows_a_gathering_another_node_hosts(pg_url, clients):
    first, second = RunningServer(pg_url), RunningServer(pg_url)
    await first.start()
    await second.start()
    try:
        earlier = await earlier_gathering(first, clients)  # hosted by the first node
        created = await second.new_session(title="Andre samling")  # by the second
        host = clients(second.url, role="facilitator", token=created.token)
        await host.wait_ready()
        await ok(host, c.FollowSession(id=new_id(), token=earlier.token))
        series = host.state.series
        assert series is not None and series.follows.code == earlier.code
        assert [a.what for a in series.actions] == ["Fast møtetid", "Rollebeskrivelser"]
        # Its own token, or a participant's secret, carries nothing over.
        other = await second.new_session(title="Tredje samling")
        host3 = clients(second.url, role="facilitator", token=other.token)
        await host3.wait_ready()
        refused = await host3.send(c.FollowSession(id=new_id(), token=other.token))
        assert refused.code == "unknown_session" and host3.state.series is None
    finally:
        await second.stop()
        await first.stop()
