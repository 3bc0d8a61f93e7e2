"""Starting a meeting and resuming one are distinct and explicit.

Found by hand: ``serve --title … --question …`` on a database that held last
month's meeting silently resumed it and dropped the new title and question.
Now ``serve`` lists the stored sessions and asks (``--resume CODE`` or
``--new``); a resume says which session; a lost facilitator token is
replaced with ``kompsesjon token CODE`` on the server's machine, also while
the server runs.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from support import SERVE_ENV, start_server, stop_server

from kompsesjon.client import Refused, SessionClient


def serve(db, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "kompsesjon", "serve", "--db", str(db), "--port", "0", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=SERVE_ENV)


def serving(db, *extra: str) -> str:
    """What serve says until it serves (up to «… Ctrl+C …»); then it is stopped."""
    command = [sys.executable, "-m", "kompsesjon", "serve", "--db", str(db), "--port", "0", *extra]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=SERVE_ENV)
    assert proc.stdout is not None
    try:
        lines: list[str] = []
        while not lines or "Ctrl+C" not in lines[-1]:
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
    finally:
        proc.terminate()
        proc.wait(10)
    return "".join(lines)


def titles(db) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [title for (title,) in conn.execute("SELECT title FROM sessions ORDER BY created_at")]


async def facilitator(url: str, token: str) -> SessionClient:
    client = SessionClient(url, role="facilitator", token=token, max_delay=0.2)
    client.start()
    return client


async def test_serve_on_a_database_with_a_session_asks_which_meeting(tmp_path):
    db = tmp_path / "okt.sqlite3"
    proc, march = await start_server(db, 0, "--title", "Samling i mars")
    await stop_server(proc)

    done = serve(db, "--title", "Samling i april", "--question", "Hva nå?")
    assert done.returncode == 2
    said = done.stdout + done.stderr
    assert march["code"] in said and "Samling i mars" in said
    assert f"--resume {march['code']}" in said and "--new" in said
    assert "serving on" not in said
    assert titles(db) == ["Samling i mars"], "nothing was created"

    proc, april = await start_server(db, 0, "--new", "--title", "Samling i april")
    await stop_server(proc)
    assert april["code"] != march["code"] and titles(db) == ["Samling i mars", "Samling i april"]

    done = serve(db, "--resume", march["code"], "--title", "Samling i mai", "--template", "refleksjon")
    assert done.returncode == 2 and "--template, --title only make a new session (--new)" in done.stderr
    assert titles(db) == ["Samling i mars", "Samling i april"]

    done = serve(db, "--resume", "NOSUCH")
    assert done.returncode == 2 and "no session with the code 'NOSUCH'" in done.stdout
    assert march["code"] in done.stdout and april["code"] in done.stdout


async def test_resume_says_which_session_and_a_new_token_opens_it(tmp_path):
    db = tmp_path / "okt.sqlite3"
    proc, first = await start_server(db, 0, "--title", "Samling i mars")
    await stop_server(proc)
    proc, info = await start_server(db, 0, "--resume", first["code"].lower())
    old = new = None
    try:
        assert "token" not in info, "a resume does not print a token it does not have"
        # The old token still works after a resume.
        old = await facilitator(info["url"], first["token"])
        await old.wait_ready()
        assert old.state.title == "Samling i mars"
        await old.close()

        done = subprocess.run(
            [sys.executable, "-m", "kompsesjon", "token", first["code"], "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=60,
            env=SERVE_ENV,
        )
        assert done.returncode == 0, done.stderr
        token = next(word for word in done.stdout.split() if word.startswith("f-"))
        assert token != first["token"]
        old = await facilitator(info["url"], first["token"])  # at once: the old one opens nothing
        with pytest.raises(Refused) as refused:
            await old.wait_ready()
        assert refused.value.code == "bad_token"
        new = await facilitator(info["url"], token)
        await new.wait_ready()  # the running server learnt it from the database
        assert new.state.title == "Samling i mars"
    finally:
        for client in (old, new):
            if client is not None:
                await client.close()
        await stop_server(proc)


async def test_resume_output_names_the_session(tmp_path):
    db = tmp_path / "okt.sqlite3"
    proc, first = await start_server(db, 0, "--title", "Samling i mars")
    await stop_server(proc)
    said = serving(db, "--resume", first["code"])
    assert "Resumed «Samling i mars»" in said and f"kompsesjon token {first['code']}" in said


def test_listening_on_the_room_network_gives_the_room_address_first(monkeypatch):
    # serve --host 0.0.0.0 said «participants: ws://127.0.0.1…», which no one else can use.
    from kompsesjon import i18n
    from kompsesjon.addresses import listening_addresses
    from server.app import CreatedSession
    from server.run import describe

    monkeypatch.setattr(i18n, "_current", i18n.Translator("en"))  # serve's English, for this test only

    monkeypatch.setattr("kompsesjon.addresses.room_addresses", lambda: ["192.168.1.23"])
    found = listening_addresses([("0.0.0.0", 8765)])
    assert found == ["ws://192.168.1.23:8765", "ws://127.0.0.1:8765"]
    assert listening_addresses([("127.0.0.1", 8765)]) == ["ws://127.0.0.1:8765"]
    said = describe(CreatedSession("s1", "K7PQ2M", "f-token", "Samling"), "ws://127.0.0.1:8765", found[0])
    assert "participants:  http://192.168.1.23:8765/K7PQ2M" in said
    assert "kompsesjon join ws://192.168.1.23:8765 --code K7PQ2M" in said
    assert "kompsesjon screen ws://192.168.1.23:8765 --code K7PQ2M" in said
    assert "kompsesjon host ws://127.0.0.1:8765 --token f-token" in said  # the facilitator's own laptop


def test_serve_speaks_the_chosen_language(tmp_path):
    # serve --lang sv: its own messages in Swedish too (it said everything in English).
    db = tmp_path / "okt.sqlite3"
    said = serving(db, "--lang", "sv")
    assert "kompsesjon körs på ws://127.0.0.1:" in said and "processledarnyckel:" in said
    assert "Stoppa med Ctrl+C; allt är sparat." in said
    done = serve(db, "--lang", "sv")
    assert done.returncode == 2 and "Säg vilket möte det här är" in done.stdout
