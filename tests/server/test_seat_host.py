"""Seat hosts: several apps in one process, each on its own pty.

Most tests start a real zygote and let :class:`SeatHosts` fork hosts from it
onto ptys the test opens, as the gateway does; the participant app runs
without a server (it paints and keeps trying to connect). The last runs a
:class:`SeatHost` in this process with an app that breaks on a key.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import pty
import signal
import socket
import struct
import sys
import termios

import pytest
from support import proc_stat, until
from textual.app import App, ComposeResult
from textual.widgets import Static

from server.seat_host import SeatHost, SeatHosts
from server.seats import Zygote, base_env

JOIN = [sys.executable, "-m", "kompsesjon", "join", "ws://127.0.0.1:9", "--code", "ABC234"]
PAINTED = b"Avslutt"  # the footer: the app's first frame is out


class Terminal:
    """A pty of a given size; its master side read on the loop."""

    def __init__(self, width: int, height: int) -> None:
        self.master, self.slave = pty.openpty()
        self.resize(width, height)
        self.output = b""
        self.closed = False
        os.set_blocking(self.master, False)

    def resize(self, width: int, height: int) -> None:
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))

    def take(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):  # nothing more for now; EIO: nothing ever
            while chunk := os.read(self.master, 65536):
                self.output += chunk

    async def read_until(self, text: bytes, since: int = 0, timeout: float = 30.0) -> None:
        async def seen() -> None:
            while text not in self.output[since:]:
                self.take()
                await asyncio.sleep(0.02)

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(seen(), timeout)
        assert text in self.output[since:], f"{text!r} not in {self.output[since:][-2000:]!r}"

    def hang_up(self) -> None:
        """The gateway closes its side: the person went away."""
        os.close(self.master)
        self.closed = True

    def close(self) -> None:
        for fd in (self.master if not self.closed else -1, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture
async def hosts():
    zygote = Zygote()
    await zygote.start()
    pool = SeatHosts(zygote, per_host=8)
    yield pool
    for host in list(pool.hosts):
        await asyncio.gather(*(seat.end() for seat in list(host.apps.values())))
    await zygote.stop()


@pytest.fixture
def terminals():
    made: list[Terminal] = []

    def make(width: int = 80, height: int = 24) -> Terminal:
        made.append(Terminal(width, height))
        return made[-1]

    yield make
    for terminal in made:
        terminal.close()


async def open_app(pool: SeatHosts, terminal: Terminal, argv=JOIN):
    seat = await pool.open(argv, {**base_env(), "TERM": "xterm-256color"}, terminal.slave)
    os.close(terminal.slave)  # as the gateway does: the host holds the terminal side now
    terminal.slave = -1
    return seat


async def kari_and_ola(pool: SeatHosts, terminals, kari_size=(80, 24), ola_size=(80, 24)):
    """Two people's apps, opened and painted: (terminal, seat) of each."""
    kari, ola = terminals(*kari_size), terminals(*ola_size)
    kari_seat = await open_app(pool, kari)
    ola_seat = await open_app(pool, ola)
    await kari.read_until(PAINTED)
    await ola.read_until(PAINTED)
    return kari, kari_seat, ola, ola_seat


def row_moves(output: bytes, row: int) -> bool:
    """Did the app move the cursor to ``row`` (1-based), i.e. draw that many rows?"""
    return f"\x1b[{row};".encode() in output


async def test_two_apps_in_one_process_each_paint_their_own_pty_and_resize_alone(hosts, terminals):
    kari, kari_seat, ola, ola_seat = await kari_and_ola(hosts, terminals, ola_size=(100, 30))
    assert kari_seat.pid == ola_seat.pid, "one process"
    (host,) = hosts.hosts
    assert proc_stat(host.pid)[1] == str(hosts.zygote.pid), "forked by the zygote"
    assert row_moves(ola.output, 30) and not row_moves(kari.output, 25), "each app has its own terminal's size"

    # Kari's window grows: her app follows, Ola's is not touched.
    kari.take(), ola.take()
    kari_since, ola_since = len(kari.output), len(ola.output)
    kari.resize(120, 40)
    kari_seat.resize()
    await kari.read_until(b"\x1b[40;", since=kari_since)
    await asyncio.sleep(0.5)
    ola.take()
    assert not row_moves(ola.output[ola_since:], 31), "Ola's app did not change size"
    assert kari_seat.running and ola_seat.running


async def test_one_app_ending_leaves_the_other_and_the_last_ends_the_host(hosts, terminals):
    kari, kari_seat, ola, ola_seat = await kari_and_ola(hosts, terminals)
    pid = kari_seat.pid

    kari.hang_up()  # Kari's SSH connection went: the gateway closed her pty
    async with asyncio.timeout(10):
        assert await kari_seat.wait() == 129, "ended as hung up"
    assert ola_seat.running and proc_stat(pid) is not None

    ola.take()
    since = len(ola.output)
    os.write(ola.master, b"\x10")  # Ctrl+P: Ola's app still answers (the command palette opens)
    await ola.read_until(b"\x1b[", since=since)

    await ola_seat.end()  # the gateway ends it by a message (Ola's connection went)
    assert ola_seat.returncode == 129
    # One read of its stat: the process may be reaped between two.
    await until(lambda: (stat := proc_stat(pid)) is None or stat[0] == "Z")
    assert not hosts.hosts, "the host's last app ended: the host exited"


async def test_a_full_host_means_a_new_host_and_the_facilitator_is_alone(hosts, terminals):
    hosts.per_host = 2
    seats = [await open_app(hosts, terminals()) for _ in range(3)]
    assert seats[0].pid == seats[1].pid != seats[2].pid
    alone = await hosts.open(JOIN, base_env(), (terminal := terminals()).slave, alone=True)
    os.close(terminal.slave)
    terminal.slave = -1
    assert alone.pid not in {seat.pid for seat in seats}
    fourth = await open_app(hosts, terminals())
    assert fourth.pid == seats[2].pid, "the host with room, not the facilitator's"
    for seat in [*seats, alone, fourth]:
        await seat.end()


async def test_the_gateway_gone_ends_every_app_and_the_host(terminals):
    zygote = Zygote()
    await zygote.start()
    pool = SeatHosts(zygote)
    kari, kari_seat, ola, ola_seat = await kari_and_ola(pool, terminals)
    seats = [kari_seat, ola_seat]
    (host,) = pool.hosts
    pid = host.pid
    # What the gateway's death looks like to the host: end of file on its socket,
    # and its zygote going (which hangs up what is left).
    host.sock.close()
    await zygote.stop()
    # One read of its stat: the process may be reaped between two.
    await until(lambda: (stat := proc_stat(pid)) is None or stat[0] == "Z")
    assert all(not seat.running for seat in seats)
    for terminal in (kari, ola):
        terminal.take()  # what the apps wrote on their way out
        with pytest.raises(OSError) as error:
            os.read(terminal.master, 1)
        assert error.value.errno == errno.EIO, "nobody holds the terminal side any more"


class Breaks(App):
    """Breaks on "x"; says which terminal it is on."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.who = name

    def compose(self) -> ComposeResult:
        yield Static(f"I am {self.who}")

    def on_key(self, event) -> None:
        if event.key == "x":
            raise RuntimeError(f"{self.who} broke")
        self.query_one(Static).update(f"{self.who} got {event.key}")


async def test_an_exception_in_one_app_ends_only_that_app(terminals, capsys):
    gateway, ours = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    host = SeatHost(ours, build=lambda args, env: Breaks(args[0]))
    serving = asyncio.ensure_future(host.serve())
    kari, ola = terminals(), terminals()
    try:
        for app_id, (name, terminal) in enumerate((("kari", kari), ("ola", ola)), 1):
            socket.send_fds(
                gateway, [f'{{"open": {app_id}, "run": ["{name}"], "env": {{}}}}'.encode()], [terminal.slave]
            )
        await kari.read_until(b"I am kari")
        await ola.read_until(b"I am ola")
        os.write(kari.master, b"x")
        gateway.settimeout(10)
        assert await asyncio.to_thread(gateway.recv, 1024) == b'{"ended": 1, "code": 1}', "Kari's app ended, failing"
        assert list(host.apps) == [2] and not serving.done()
        os.write(ola.master, b"y")
        await ola.read_until(b"ola got y")
        assert "kari broke" in capsys.readouterr().err, "the error is in the host's log"
    finally:
        gateway.close()  # the gateway goes: the host ends what is left
        async with asyncio.timeout(10):
            await serving


async def test_a_host_that_does_not_end_an_app_is_killed_with_every_app_in_it(hosts, terminals):
    _, kari_seat, _, ola_seat = await kari_and_ola(hosts, terminals)
    pid = kari_seat.pid
    os.kill(pid, signal.SIGSTOP)  # a stuck host: it reads no message
    await kari_seat.end(grace=1)  # the last resort: the whole process
    assert not kari_seat.running and not ola_seat.running, "Ola's app went with it (shared fate)"
    # One read of its stat: the process may be reaped between two.
    await until(lambda: (stat := proc_stat(pid)) is None or stat[0] == "Z")
    assert not hosts.hosts
