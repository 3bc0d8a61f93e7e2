"""Helpers for tests (importable as ``support``; see pythonpath in pyproject)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import ssl
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from kompsesjon.client import SessionClient, new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind

# How long a test waits for a state to come: a deadline, never a speed target.
# Passing waits return the moment the state is there; CI machines run loaded
# (load 30+ on two cores seen), where a phase's screen can take seconds.
WAIT = 30.0


async def until(predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    """Wait until ``predicate()`` holds (polling), or fail with a timeout."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


# serve speaks the operator's language; the tests read its English lines.
SERVE_ENV = {**os.environ, "KOMPSESJON_LANG": "en"}


async def start_server(
    db: Path, port: int = 0, *extra: str, open_files: tuple[int, int] | None = None, stderr: int | None = None
) -> tuple[asyncio.subprocess.Process, dict]:
    """``kompsesjon serve`` as a subprocess; returns it and what it printed
    (url, port, and for a new session its code and token). ``open_files``:
    its (soft, hard) limit on open files, as a shell's ``ulimit`` sets them;
    ``stderr``: where its standard error goes (else with standard output)."""
    command = [sys.executable, "-m", "kompsesjon", "serve", "--db", str(db), "--port", str(port), *extra]
    if open_files is not None:
        soft, hard = open_files
        command = ["sh", "-c", f'ulimit -Sn {soft} && ulimit -Hn {hard} && exec "$@"', "sh", *command]
    proc = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT if stderr is None else stderr,
        env=SERVE_ENV,
    )
    info: dict = {}
    try:
        async with asyncio.timeout(WAIT):
            while "ready" not in info:
                line = (await proc.stdout.readline()).decode()
                assert line, f"server exited early: {info}"
                if m := re.search(r"serving on (ws://\S+)", line):
                    info["url"] = m.group(1)
                    info["port"] = int(info["url"].rsplit(":", 1)[1])
                elif m := re.search(r"join code:\s+(\w+)", line):
                    info["code"] = m.group(1)
                elif m := re.search(r"facilitator token:\s+(\S+)", line):
                    info["token"] = m.group(1)
                elif "Stop with Ctrl+C" in line:
                    info["ready"] = True
    except BaseException:
        proc.kill()
        await proc.wait()
        raise
    return proc, info


async def stop_server(proc: asyncio.subprocess.Process) -> None:
    """Stop a server started by :func:`start_server` as Ctrl+C would (kill it
    if it does not stop within 10 seconds)."""
    if proc.returncode is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(proc.wait(), 10)
    except TimeoutError:
        proc.kill()
        await proc.wait()


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 and localhost (needs the openssl command)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def ok(client: SessionClient, command) -> int:
    """Send a command and insist that it is acknowledged; its seq."""
    outcome = await client.send(command)
    assert outcome.ok, f"{command.type} rejected: {outcome.code} {outcome.message}"
    return outcome.seq


async def advance(host: SessionClient, to: PhaseKind, board: str | None = None) -> None:
    """The facilitator moves on until the phase is ``to`` (on ``board``)."""
    while not (host.state.current.kind == to and (board is None or host.state.current.board == board)):
        await ok(host, c.AdvancePhase(id=new_id(), current=host.state.phase))


# Headless Chromium for the web page (Debian's chromium; no browser is ever
# downloaded). Without the networking flags Chromium's own background requests
# are refused (no network here) and slow every page down.
CHROMIUM = os.environ.get("KOMPSESJON_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def tls_server(tmp_path: Path):
    """A SessionServer on 127.0.0.1 serving wss:// (and the page on https://)
    with a throwaway certificate; returns it and the certificate's path."""
    from server.app import SessionServer
    from server.store import Store

    cert, key = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = SessionServer(await Store.open(tmp_path / "tls.sqlite3"))
    await server.start("127.0.0.1", 0, ssl_context=context)
    return server, cert


# ---- processes, read from /proc -------------------------------------------


def proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name: state, parent, group,
    session, tty, … (``man 5 proc``); None if the process is gone (reaped)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def process_tree(root: int) -> dict[int, str]:
    """``root`` and all its descendants: pid → start time (tells a reused pid)."""
    parents: dict[int, int] = {}
    started: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := proc_stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(stat[1])
            started[int(entry.name)] = stat[19]
    tree = {root: started.get(root, "")}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree[pid] = started[pid]
                grew = True
    return tree


def still_running(tree: dict[int, str]) -> list[int]:
    """The processes of ``tree`` that still run (a zombie has ended)."""
    running = []
    for pid, start in tree.items():
        stat = proc_stat(pid)
        if stat is not None and stat[19] == start and stat[0] != "Z":
            running.append(pid)
    return running


def open_sockets(pid: int) -> set[str]:
    """The sockets a process has open (``socket:[inode]``)."""
    links = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # closed while we look
            links.add(os.readlink(fd))
    return {link for link in links if link.startswith("socket:")}


# ---- a database that cannot be written -------------------------------------


@contextlib.contextmanager
def read_only(*paths: Path):
    """Make files (or folders) unwritable, even for root: ``chattr +i`` when
    running as root (which ignores permission bits), else the permission bits."""
    import pytest

    changed: list[tuple[Path, int | None]] = []
    try:
        for path in paths:
            if os.geteuid() == 0:
                if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
                    pytest.skip("cannot make a file read-only here (chattr +i refused)")
                changed.append((path, None))
            else:
                mode = path.stat().st_mode
                path.chmod(mode & ~0o222)
                changed.append((path, mode))
        yield
    finally:
        for path, mode in reversed(changed):
            if mode is None:
                subprocess.run(["chattr", "-i", str(path)], capture_output=True)
            else:
                path.chmod(mode)


async def earlier_gathering(running, clients):
    """A first gathering for a series, to its closing: Bodø's island «Tid»
    (Kari, Ola) planned «Fast møtetid», Meløy's «Roller» (Per, Siv)
    «Rollebeskrivelser»; one next step. Its CreatedSession (code, token)."""
    created = await running.new_session(title="Første samling")
    host = clients(running.url, role="facilitator", token=created.token)
    people = [
        clients(running.url, role="participant", code=created.code, name=name, org=org)
        for name, org in (("Kari", "Bodø"), ("Ola", "Bodø"), ("Per", "Meløy"), ("Siv", "Meløy"))
    ]
    for client in (host, *people):
        await client.wait_ready()
    kari, ola, per, siv = people
    await advance(host, PhaseKind.BRAINSTORM, "critique")
    await ok(kari, c.AddItem(id=new_id(), board="critique", text="Lite tid"))
    await ok(per, c.AddItem(id=new_id(), board="critique", text="Uklare roller"))
    await ok(host, c.RevealItems(id=new_id(), board="critique"))
    await advance(host, PhaseKind.ISLANDS)
    await ok(host, c.CreateIsland(id=new_id(), title="Tid", links=[c.LinkRef(board="critique", card="K1")]))
    await ok(host, c.CreateIsland(id=new_id(), title="Roller", links=[c.LinkRef(board="critique", card="K2")]))
    for person, island in ((kari, "I1"), (ola, "I1"), (per, "I2"), (siv, "I2")):
        await ok(person, c.ChooseIsland(id=new_id(), island=island))
    await advance(host, PhaseKind.ACTION_PLANS)
    await ok(kari, c.EditPlan(id=new_id(), island="I1", field="what", text="Fast møtetid", base_version=0))
    await ok(per, c.EditPlan(id=new_id(), island="I2", field="what", text="Rollebeskrivelser", base_version=0))
    await advance(host, PhaseKind.CLOSING)
    await ok(host, c.AddNextStep(id=new_id(), text="Rapport til kommunene"))
    return created
