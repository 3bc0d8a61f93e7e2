"""The zygote and its seats, without SSH: a pty, a fork, and who ends what.

Each test starts a real zygote (``python -m server.seats``) and forks seats
from it onto ptys that the test opens, as the gateway does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pty
import signal
import sys
import textwrap
from pathlib import Path

import pytest
from support import open_sockets, proc_stat

from kompsesjon import __version__
from server.seats import RESTARTS, SeatsUnavailable, Zygote, base_env

# A program for the exec path: says what it is, echoes keys, exits with a code.
PROBE = textwrap.dedent(
    """
    import json, os, sys, tty
    tty.setraw(0)  # before saying anything: keys typed after that are not flushed away
    print(json.dumps({
        "sid": os.getsid(0) == os.getpid(), "tty": os.ttyname(0), "pgrp": os.tcgetpgrp(0) == os.getpid(),
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")), "env": sorted(os.environ),
    }), end="\\r\\n", flush=True)
    while (ch := os.read(0, 1)) not in (b"q", b""):
        os.write(1, b"GOT " + ch + b"\\r\\n")
    sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    """
)


@pytest.fixture
async def zygote():
    z = Zygote()
    await z.start()
    yield z
    await z.stop()


class Terminal:
    """The master side of a pty, read without blocking the loop."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        self.name = os.ttyname(self.slave)
        self.output = b""

    async def read_until(self, text: bytes, timeout: float = 20.0) -> bytes:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._read_until(text), timeout)
        assert text in self.output, f"{text!r} not in {self.output!r}"
        return self.output

    async def _read_until(self, text: bytes) -> None:
        loop = asyncio.get_running_loop()
        while text not in self.output:
            ready = loop.create_future()
            loop.add_reader(self.master, ready.set_result, None)
            try:
                await ready
            finally:
                loop.remove_reader(self.master)
            try:
                self.output += os.read(self.master, 65536)
            except OSError:  # EIO: every terminal side is closed
                break

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture
def terminal():
    t = Terminal()
    yield t
    t.close()


def parent_of(pid: int) -> int | None:
    stat = proc_stat(pid)
    return int(stat[1]) if stat is not None else None


async def fork(zygote: Zygote, terminal: Terminal, argv: list[str], env: dict | None = None):
    seat = await zygote.fork(argv, env or {**base_env(), "TERM": "xterm"}, terminal.slave)
    os.close(terminal.slave)  # as the gateway does: the seat holds the terminal side now
    terminal.slave = -1
    return seat


async def test_exec_path_session_leader_on_its_own_terminal(zygote, terminal):
    env = {**base_env(), "TERM": "xterm", "KOMPSESJON_TOKEN": "f-secret"}
    seat = await fork(zygote, terminal, [sys.executable, "-c", PROBE, "3"], env)
    assert parent_of(seat.pid) == zygote.pid
    output = await terminal.read_until(b"}")
    facts = json.loads(output[output.index(b"{") : output.index(b"}") + 1])
    assert facts["sid"] and facts["pgrp"], "leads its own session, in the foreground of its terminal"
    assert facts["tty"] == terminal.name
    assert facts["fds"][:3] == [0, 1, 2] and len(facts["fds"]) == 4, "nothing of the zygote's is inherited"
    assert facts["env"] == sorted(env), "exactly the environment it was given"
    os.write(terminal.master, b"x")
    await terminal.read_until(b"GOT x")
    os.write(terminal.master, b"q")
    assert await seat.wait() == 3, "the exit code comes back"
    assert parent_of(seat.pid) is None, "reaped: no zombie left"


async def test_kompsesjon_runs_in_the_forked_interpreter(zygote, terminal):
    seat = await fork(zygote, terminal, [zygote.python, "-m", "kompsesjon", "--version"])
    await terminal.read_until(f"kompsesjon {__version__}".encode())
    assert await seat.wait() == 0


async def test_a_bad_command_line_fails_as_it_would_alone(zygote, terminal):
    seat = await fork(zygote, terminal, [zygote.python, "-m", "kompsesjon", "nonsense"])
    await terminal.read_until(b"invalid choice")
    assert await seat.wait() == 2
    assert zygote.running, "the zygote is not affected"


async def test_seat_is_forked_and_named_after_its_command(zygote, terminal):
    # ``join`` without a server: the app starts and keeps trying to connect.
    seat = await fork(
        zygote, terminal, [zygote.python, "-m", "kompsesjon", "join", "ws://127.0.0.1:9", "--code", "ABC234"]
    )
    try:
        await terminal.read_until(b"\x1b[?1049h")  # the app took over the screen
        cmdline = Path(f"/proc/{seat.pid}/cmdline").read_bytes().replace(b"\0", b" ")
        assert cmdline.startswith(b"kompsesjon join ws://127.0.0.1:9 --code ABC234")
        shared = {}
        for line in Path(f"/proc/{seat.pid}/smaps_rollup").read_text().splitlines():
            key, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                shared[key] = int(value.split()[0])
        # Pages the zygote loaded and the seat has not written are shared (a
        # fresh interpreter shares no written pages with anyone).
        assert shared["Shared_Dirty"] > 1024, shared
        assert not open_sockets(seat.pid) & open_sockets(zygote.pid), (
            "the zygote's socket to the gateway stays in the zygote"
        )
        assert not open_sockets(seat.pid) & open_sockets(os.getpid()), "and so do the gateway's"
    finally:
        await seat.end()
    assert not seat.running and parent_of(seat.pid) is None


async def test_seat_outlives_its_zygote_and_a_new_zygote_takes_over(zygote, terminal):
    seat = await fork(zygote, terminal, [sys.executable, "-c", PROBE])
    await terminal.read_until(b"}")
    old = zygote.pid
    os.kill(old, signal.SIGKILL)
    async with asyncio.timeout(10):
        while zygote.running:
            await asyncio.sleep(0.02)
    os.write(terminal.master, b"y")
    await terminal.read_until(b"GOT y")  # still there, still answering

    other = Terminal()
    try:
        second = await fork(zygote, other, [sys.executable, "-c", PROBE])  # starts a new zygote
        assert zygote.pid != old and parent_of(second.pid) == zygote.pid
        await other.read_until(b"}")
        await second.end()
    finally:
        other.close()
    await seat.end()  # the orphan is still the gateway's to end
    assert not seat.running and await seat.wait() == 0


async def test_zygote_that_cannot_start_is_refused_and_then_not_retried():
    broken = Zygote(env={**base_env(), "PYTHONHOME": "/nonexistent"})  # a broken install
    for _ in range(RESTARTS):
        with pytest.raises(SeatsUnavailable, match="ended while starting"):
            await broken.start()
    with pytest.raises(SeatsUnavailable, match="died 3 times"):
        await broken.start()
    with pytest.raises(SeatsUnavailable):
        await broken.fork([broken.python, "-c", "pass"], base_env(), 0)


async def test_zygote_hangs_up_its_seats_when_the_gateway_goes(terminal):
    zygote = Zygote()
    await zygote.start()
    seat = await fork(zygote, terminal, [sys.executable, "-c", PROBE])
    await terminal.read_until(b"}")
    pid = zygote.pid
    await zygote.stop()  # end of file on its socket, as when the gateway dies
    assert parent_of(pid) is None, "the zygote has exited"
    async with asyncio.timeout(10):
        await seat.wait()
    assert parent_of(seat.pid) is None


async def test_a_seat_ends_by_itself_when_its_terminal_goes_away(zygote, terminal):
    # The app's own hang-up handling (kompsesjon/tui/hangup.py) works in a forked seat:
    # nobody signals it here, its terminal just goes away.
    seat = await fork(
        zygote, terminal, [zygote.python, "-m", "kompsesjon", "join", "ws://127.0.0.1:9", "--code", "ABC234"]
    )
    await terminal.read_until(b"Avslutt")  # painted (the footer): the app watches its terminal now
    os.close(terminal.master)
    terminal.master = -1
    async with asyncio.timeout(10):
        assert await seat.wait() == 129, "ended as hung up (128 + SIGHUP)"
    assert parent_of(seat.pid) is None


async def test_a_seat_nobody_waits_for_any_more_is_hung_up(zygote, terminal):
    # The SSH connection went while its seat was being forked.
    heard: list[dict] = []
    listen = zygote._message
    zygote._message = lambda message, fds: (heard.append(message), listen(message, fds))
    task = asyncio.ensure_future(zygote.fork([sys.executable, "-c", PROBE], base_env(), terminal.slave))
    await asyncio.sleep(0)  # the request is sent; the reply is awaited
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(10):
        while not any("exited" in message for message in heard):
            await asyncio.sleep(0.05)
    (forked,) = [message["pid"] for message in heard if "pid" in message]
    assert {"exited": forked, "code": -signal.SIGHUP} in heard, "forked all the same, then hung up"


async def test_a_gateway_started_with_nohup_still_gives_its_seats_the_hang_up(terminal):
    # nohup leaves SIGHUP ignored, and an ignored signal survives fork and
    # exec: without the zygote's reset every seat would ignore its hang-up.
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        z = Zygote()
        await z.start()
    finally:
        signal.signal(signal.SIGHUP, previous)
    try:
        probe = "import sys; sys.stdout.write(open('/proc/self/status').read()); sys.stdout.flush(); sys.stdin.read()"
        seat = await fork(z, terminal, [sys.executable, "-c", probe])
        output = (await terminal.read_until(b"SigIgn:")).decode()
        await terminal.read_until(b"\n", timeout=5)
        ignored = int(output.split("SigIgn:")[1].split()[0], 16)
        assert not ignored & (1 << (signal.SIGHUP - 1)), "the seat does not ignore SIGHUP"
        os.kill(seat.pid, signal.SIGHUP)
        assert await asyncio.wait_for(seat.wait(), 10) == -signal.SIGHUP, "the hang-up ends it"
    finally:
        await z.stop()
