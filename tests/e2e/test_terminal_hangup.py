"""A closed terminal ends its app: no ghost participants in the room (issue 20).

Each app (``join``, ``host``, ``screen``) runs in tmux against a real server,
started directly (``.venv/bin/kompsesjon``) or through ``uv run``; then
``tmux kill-session`` closes its terminal, as closing a terminal window or a
dropped remote shell does. Within 3 s no process of it is left, and the server
has seen a normal websocket close: the participant is offline for the room.
A relaunch resumes the same person.

SIGHUP is blocked in some cases, in the tmux server and so in all it starts, as
happens when tmux was started by a program that blocks it. Started directly, the
app unblocks it and gets it all the same; under ``uv run`` it never arrives (uv
neither sees it nor passes it on) and the app must notice the dead terminal itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import process_tree, still_running, until

from .ssh import Tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

REPO = Path(__file__).resolve().parents[2]
GONE_WITHIN = 3.0  # seconds after the terminal closes (the criterion)


def launcher(how: str) -> list[str]:
    if how == "direct":
        script = Path(sys.executable).parent / "kompsesjon"
        if not script.exists():
            pytest.skip(f"needs the kompsesjon script beside {sys.executable} (.venv/bin)")
        return [str(script)]
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("needs uv")
    return [uv, "run", "kompsesjon"]


@contextlib.contextmanager
def hangup_blocked(blocked: bool) -> Iterator[None]:
    """SIGHUP blocked in this thread while a tmux server starts, and so in it."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP} if blocked else set())
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


# ---- the server's view ------------------------------------------------------


def connections(hub, role: str) -> set:
    """The hub's open connections of a role (participants: all of them)."""
    if role == "facilitator":
        return set(hub.facilitators)
    if role == "screen":
        return set(hub.screens)
    return {client for clients in hub.participants.values() for client in clients}


class Room:
    """A session on the in-process server, watched by a facilitator client."""

    def __init__(self, running, clients, created) -> None:
        self.url = running.url
        self.created = created
        self.hub = running.server.hubs[created.session]
        self.facilitator = clients(running.url, role="facilitator", token=created.token)

    def command(self, app: str, name: str, resume_file: Path) -> list[str]:
        if app == "join":
            return ["join", self.url, "--code", self.created.code, "--name", name, "--org", "Bodø",
                    "--resume-file", str(resume_file)]  # fmt: skip
        if app == "host":
            return ["host", self.url, "--token", self.created.token]
        return ["screen", self.url, "--code", self.created.code]

    def person(self, name: str) -> str | None:
        state = self.facilitator.state
        ids = [p.id for p in state.participants.values() if p.name == name] if state else []
        assert len(ids) <= 1, f"{name} joined twice: {ids}"
        return ids[0] if ids else None


async def launch(room: Room, app: str, command: list[str], server: str, blocked: bool):
    """Start the app in tmux; return its terminal and the server's new connection."""
    role = {"join": "participant", "host": "facilitator", "screen": "screen"}[app]
    before = connections(room.hub, role)
    with hangup_blocked(blocked):
        terminal = Tmux(command, cwd=str(REPO), server=server)
    try:
        await until(lambda: len(connections(room.hub, role) - before) == 1, timeout=30)
    except TimeoutError:
        raise AssertionError(f"the app did not connect; its screen:\n{terminal.screen()}") from None
    (connection,) = connections(room.hub, role) - before
    return terminal, connection, role


async def close_terminal_and_wait(room: Room, terminal: Tmux, connection, role: str, trees: list) -> None:
    """Close the terminal; wait (at most 3 s) until its processes and connection are gone."""
    tree = process_tree(terminal.pane_pid())
    trees.append(tree)  # killed at the end if left running
    terminal.kill()
    closed_at = time.monotonic()

    def ended() -> bool:
        return not still_running(tree) and connection not in connections(room.hub, role)

    with contextlib.suppress(TimeoutError):
        await until(ended, timeout=GONE_WITHIN)
    took = time.monotonic() - closed_at
    assert not still_running(tree), f"left running {took:.1f} s after the terminal closed: {still_running(tree)}"
    assert connection not in connections(room.hub, role), "the server still counts the app as connected"


# Every app, both ways of starting it; the participant app in all four cases.
CASES = [
    ("join", "direct", False),
    ("join", "direct", True),
    ("join", "uv", False),
    ("join", "uv", True),
    ("host", "direct", False),
    ("host", "uv", True),
    ("screen", "direct", True),
    ("screen", "uv", False),
]


@pytest.mark.parametrize(
    ("app", "how", "blocked"), CASES, ids=[f"{a}-{h}-{'sighup-blocked' if b else 'sighup'}" for a, h, b in CASES]
)
async def test_closing_the_terminal_ends_the_app(running, clients, tmp_path, app, how, blocked):
    room = Room(running, clients, await running.new_session(title="Nettverksmøte i Bodø"))
    await room.facilitator.wait_ready()
    name = f"Test {app} {how}"
    command = [*launcher(how), *room.command(app, name, tmp_path / "resume.txt")]
    server = f"k-hangup-{uuid.uuid4().hex[:8]}"  # a private tmux server: its own signal mask and environment
    trees: list[dict[int, str]] = []
    try:
        terminal, connection, role = await launch(room, app, command, server, blocked=blocked)
        person = None
        if app == "join":
            await until(lambda: room.person(name) is not None)
            person = room.person(name)
            await until(lambda: room.facilitator.presence.get(person) is True)

        await close_terminal_and_wait(room, terminal, connection, role, trees)
        assert connection.conn.close_code == 1000, f"not a normal close: {connection.conn.close_code}"
        if person is not None:
            await until(lambda: room.facilitator.presence.get(person) is False)

            # The same person comes back: the resume secret was kept.
            terminal, connection, role = await launch(room, app, command, server, blocked=blocked)
            await until(lambda: room.facilitator.presence.get(person) is True)
            assert room.person(name) == person
            await close_terminal_and_wait(room, terminal, connection, role, trees)
    finally:
        subprocess.run(["tmux", "-L", server, "kill-server"], capture_output=True)
        for tree in trees:  # never leave a ghost behind on a failed run
            for pid in still_running(tree):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
