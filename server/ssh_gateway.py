"""Join over SSH: each connection gets the participant app in its own terminal.

An asyncssh server. For every SSH session that asks for a pseudo-terminal it
runs ``kompsesjon join`` (or, for a facilitator's key, ``kompsesjon host``)
on a fresh pty, and wires the SSH channel to the pty's master side. The app
is not started afresh: it runs in a *seat host*, a process forked from one
that has it loaded already, together with up to ``apps_per_process`` - 1
other people's apps, each on its own pty (:mod:`server.seat_host`); the
window-size changes that asyncssh gives the pty are passed on to the host.
The facilitator's view gets a host of its own. With ``apps_per_process`` 1
each app is a *seat* process of its own instead (:mod:`server.seats`),
leading its own session with the pty as its controlling terminal.

Nothing else is possible: no shell, no ``ssh host command``, no port, agent
or X11 forwarding, no SFTP/SCP. When either side goes away the other follows:
a closed SSH connection ends the app (a message to its host; a seat's process
group), and an app that exits closes the SSH session.

Limits, so that a flood cannot lock the room out: a connection has
``login_grace`` seconds (10) to log in and open its terminal, or it is
closed; at most ``max_pending`` connections (64) may be on their way there at
once — beyond that the one that has waited longest is closed (a person gets
through in about a second, a flood's connections sit); one terminal per
connection; at most
``max_sessions`` seats, counting those being forked. The default for
``max_sessions`` comes from the machine (:func:`default_max_sessions`): a
seat's memory and a seat's share of a core.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import pty
import signal
import struct
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from kompsesjon.paths import data_dir
from server.limits import quiet_when_out_of_files, raise_open_files_limit
from server.seat_host import APPS_PER_PROCESS, HostedSeat, SeatHosts
from server.seats import Seat, SeatsUnavailable, Zygote, base_env

log = logging.getLogger("kompsesjon.ssh")

# User names that mean "anyone": the app asks for the person's name.
GENERIC_USERS = frozenset({"join", "deltaker", "deltagare", "participant", "guest", "gjest", "kompsesjon"})
FACILITATOR_USERS = frozenset({"host", "fasilitator", "facilitator", "processledare"})


@dataclass
class GatewayConfig:
    url: str
    code: str | None = None
    host: str = "127.0.0.1"
    port: int = 2222
    host_key: Path = field(default_factory=lambda: data_dir() / "ssh" / "ssh_host_ed25519_key")
    authorized_keys: Path | None = None  # only these keys may join (else anyone)
    facilitator_keys: Path | None = None  # these keys get the host view
    token: str | None = None  # facilitator token for the host view
    lang: str | None = None
    max_sessions: int | None = None  # None: what this machine holds (default_max_sessions)
    login_grace: float = 10.0  # seconds to log in and open the terminal
    max_pending: int = 64  # connections not yet in their terminal, at once
    state_dir: Path = field(default_factory=lambda: data_dir() / "ssh")
    python: str = sys.executable
    # Apps in one seat host process (server/seat_host.py); 1: a process of
    # its own for each connection (server/seats.py), as before.
    apps_per_process: int = APPS_PER_PROCESS


# A seat's own memory, as a process of its own: ~21 MiB measured (USS,
# benchmarks/README.md "SSH seats"), with room for its pty, its socket and
# what a long session adds; as one of K apps in a seat host: ~5–7 MiB
# (the host's and the gateway's memory shared out), with the same room.
SEAT_MIB = 32
HOSTED_SEAT_MIB = 12
# Seats per core: an idle seat takes ~0.2 % of a core as a process of its
# own (~0.1 % in a seat host: no input thread), but in a busy room (four
# changes a second) ~1 %, and each arrival ~0.2 s: two cores hold ~200
# seats of their own; ~300 in seat hosts (300 measured: idle 0.3 cores,
# arrivals over a minute all painted).
SEATS_PER_CORE = 100
HOSTED_SEATS_PER_CORE = 150
MOST_SEATS = 1000  # the method's largest room


def _memory_bytes() -> int:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return 4 * 1024**3


def default_max_sessions(apps_per_process: int = APPS_PER_PROCESS) -> int:
    """Seats this machine holds: half its memory at SEAT_MIB a seat, and
    SEATS_PER_CORE a core (HOSTED_… for apps in seat hosts), whichever is
    fewer (at most MOST_SEATS)."""
    hosted = apps_per_process > 1
    by_memory = _memory_bytes() // 2 // ((HOSTED_SEAT_MIB if hosted else SEAT_MIB) * 1024 * 1024)
    by_cpu = (HOSTED_SEATS_PER_CORE if hosted else SEATS_PER_CORE) * (os.cpu_count() or 1)
    return max(1, min(MOST_SEATS, by_memory, by_cpu))


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The gateway's host key: generated once, then kept (clients pin it)."""
    if path.exists():
        return asyncssh.read_private_key(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="kompsesjon ssh-gateway")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.export_private_key())
    path.with_suffix(".pub").write_bytes(key.export_public_key())
    return key


def _read_keys(path: Path | None) -> asyncssh.SSHAuthorizedKeys | None:
    return asyncssh.read_authorized_keys(str(path)) if path else None


class _Server(asyncssh.SSHServer):
    """Per connection: who is this (participant or facilitator), by key."""

    def __init__(self, gateway: SSHGateway) -> None:
        self.gateway = gateway
        self.conn: asyncssh.SSHServerConnection | None = None
        self.key_id: str | None = None  # fingerprint of the key used, if any
        self.facilitator = False
        self.pending = False  # in gateway.waiting until its terminal opens
        self.terminals = 0
        self._grace: asyncio.TimerHandle | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        conn.set_extra_info(kompsesjon=self)
        gateway = self.gateway
        self.pending = True
        gateway.waiting[self] = None
        if len(gateway.waiting) > gateway.config.max_pending:
            # The one that has waited longest goes: a person logs in within a
            # second, a flood's connections just sit there.
            oldest = next(iter(gateway.waiting))
            gateway.refused_note()
            oldest.drop()
        # Logged in or not: without a terminal within the grace, it goes.
        self._grace = asyncio.get_running_loop().call_later(gateway.config.login_grace, self._too_slow)

    def drop(self) -> None:
        self._done_waiting()
        if self.conn is not None:
            self.conn.abort()

    def _done_waiting(self) -> None:
        if self.pending:
            self.pending = False
            self.gateway.waiting.pop(self, None)
        if self._grace is not None:
            self._grace.cancel()

    def _too_slow(self) -> None:
        if self.pending and self.conn is not None:
            self.conn.close()

    def terminal_opened(self) -> None:
        self._done_waiting()

    def connection_lost(self, exc: Exception | None) -> None:
        self._done_waiting()

    def begin_auth(self, username: str) -> bool:
        # Facilitators always prove a key; participants only when the
        # gateway is restricted to authorized keys.
        if username in FACILITATOR_USERS:
            return True
        return self.gateway.authorized is not None

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        fingerprint = key.get_fingerprint()
        if username in FACILITATOR_USERS:
            keys = self.gateway.facilitators
            if keys is not None and self.gateway.config.token and _key_in(keys, key):
                self.facilitator = True
                self.key_id = fingerprint
                return True
            return False
        if self.gateway.authorized is not None and _key_in(self.gateway.authorized, key):
            self.key_id = fingerprint
            return True
        return False

    # No forwarding of any kind.
    def connection_requested(self, *args, **kwargs):  # direct-tcpip
        return False

    def server_requested(self, *args, **kwargs):  # tcpip-forward
        return False

    def unix_connection_requested(self, *args, **kwargs):
        return False

    def unix_server_requested(self, *args, **kwargs):
        return False


def _key_in(keys: asyncssh.SSHAuthorizedKeys, key: asyncssh.SSHKey) -> bool:
    # validate() returns the entry's options ({} for a plain line) or None.
    return keys.validate(key, "", "", None) is not None


class SSHGateway:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.authorized = _read_keys(config.authorized_keys)
        self.facilitators = _read_keys(config.facilitator_keys)
        if config.max_sessions is None:
            config.max_sessions = default_max_sessions(config.apps_per_process)
        self.children: set[Seat | HostedSeat] = set()
        self.zygote = Zygote(config.python, base_env())
        self.hosts = SeatHosts(self.zygote, max(1, config.apps_per_process))
        self.opening = 0  # seats being forked (they count against max_sessions)
        # Connections not yet in their terminal, the longest waiting first.
        self.waiting: dict[_Server, None] = {}
        self._refused_since = 0  # waiting connections closed for newer ones
        self._said_refused = 0.0
        self._server: asyncssh.SSHAcceptor | None = None

    def refused_note(self) -> None:
        """A waiting connection closed for a newer one: one line in the log every 10 s."""
        self._refused_since += 1
        now = time.monotonic()
        if now - self._said_refused > 10:
            log.warning(
                "ssh: %d connections not yet in their terminal (the cap is %d): %d that waited longest closed",
                len(self.waiting),
                self.config.max_pending,
                self._refused_since,
            )
            self._refused_since = 0
            self._said_refused = now

    async def start(self) -> asyncssh.SSHAcceptor:
        """Load the app in the zygote, then listen (raises SeatsUnavailable, OSError)."""
        await self.zygote.start()
        try:
            self._server = await self._listen()
        except BaseException:
            await self.zygote.stop()
            raise
        return self._server

    async def _listen(self) -> asyncssh.SSHAcceptor:
        return await asyncssh.create_server(
            lambda: _Server(self),
            self.config.host,
            self.config.port,
            server_host_keys=[load_host_key(self.config.host_key)],
            process_factory=self._session,
            line_editor=False,
            encoding=None,
            allow_scp=False,
            sftp_factory=None,
            agent_forwarding=False,
            x11_forwarding=False,
            keepalive_interval=30,
            keepalive_count_max=3,
            login_timeout=self.config.login_grace,
        )

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await asyncio.gather(*(seat.end() for seat in list(self.children)))
        await self.zygote.stop()

    # ---- one SSH session ------------------------------------------------

    def command_for(self, process: asyncssh.SSHServerProcess, who: _Server) -> list[str]:
        config = self.config
        username = process.get_extra_info("username") or ""
        if who.facilitator:
            args = [config.python, "-m", "kompsesjon", "host", config.url]
        else:
            args = [config.python, "-m", "kompsesjon", "join", config.url]
            if config.code:
                args += ["--code", config.code]
            if username and username not in GENERIC_USERS:
                args += ["--name", username]
            resume = self.resume_file(username, who.key_id)
            # Nobody to recognise next time: the secret lives only as long as the app.
            args += ["--forget"] if resume is None else ["--resume-file", str(resume)]
        if config.lang:
            args += ["--lang", config.lang]
        return args

    def resume_file(self, username: str, key_id: str | None) -> Path | None:
        """Who comes back as the same participant: the same key, or the same
        (non-generic) user name. Anyone else joins fresh each time."""
        if key_id is None and (not username or username in GENERIC_USERS):
            return None
        identity = key_id or f"user:{username}"
        digest = hashlib.sha256(f"{self.config.url}|{self.config.code}|{identity}".encode()).hexdigest()[:24]
        return self.config.state_dir / "resume" / f"{digest}.txt"

    async def _session(self, process: asyncssh.SSHServerProcess) -> None:
        who: _Server = process.get_extra_info("kompsesjon")
        who.terminal_opened()
        who.terminals += 1
        try:
            await self._terminal(process, who)
        finally:
            who.terminals -= 1

    async def _terminal(self, process: asyncssh.SSHServerProcess, who: _Server) -> None:
        if who.terminals > 1:
            process.stderr.write(b"kompsesjon: one terminal per connection.\r\n")
            process.exit(1)
            return
        if process.command is not None or process.subsystem is not None:
            process.stderr.write(b"This server only runs kompsesjon; connect without a command.\r\n")
            process.exit(1)
            return
        if process.get_terminal_type() is None:
            process.stderr.write(b"kompsesjon needs a terminal: connect with ssh -t.\r\n")
            process.exit(1)
            return
        assert self.config.max_sessions is not None
        if len(self.children) + self.opening >= self.config.max_sessions:
            process.stderr.write(b"The session is full right now; please try again shortly.\r\n")
            process.exit(1)
            return
        width, height, _, _ = process.term_size
        env = {**base_env(), "TERM": process.get_terminal_type() or "xterm-256color"}
        if who.facilitator and self.config.token:
            env["KOMPSESJON_TOKEN"] = self.config.token  # not on the command line (ps)
        if self.config.lang:
            env["KOMPSESJON_LANG"] = self.config.lang
        (self.config.state_dir / "resume").mkdir(parents=True, exist_ok=True)
        master, slave = pty.openpty()
        _set_size(master, width or 80, height or 24)
        self.opening += 1
        command = self.command_for(process, who)
        seat: Seat | HostedSeat
        try:
            if self.config.apps_per_process > 1 and self.zygote.runs_here(command):
                # The facilitator's view in a process of its own: no participant's app shares its fate.
                seat = await self.hosts.open(command, env, slave, alone=who.facilitator)
            else:
                seat = await self.zygote.fork(command, env, slave)
        except SeatsUnavailable as exc:
            log.error("ssh: no seat for %s: %s", process.get_extra_info("username"), exc)
            os.close(master)
            process.stderr.write(b"kompsesjon cannot start the app right now; please try again shortly.\r\n")
            process.exit(1)
            return
        except BaseException:
            os.close(master)  # cancelled: a seat forked all the same finds its terminal hung up
            raise
        finally:
            self.opening -= 1
            os.close(slave)
        self.children.add(seat)
        log.info("ssh: %s started pid %s", process.get_extra_info("username"), seat.pid)
        try:
            await process.redirect(stdin=os.dup(master), stdout=os.dup(master), stderr=None)
            if isinstance(seat, HostedSeat):
                _tell_resizes(process, seat)
            closed = asyncio.ensure_future(process.wait_closed())
            exited = asyncio.ensure_future(seat.wait())
            await asyncio.wait({closed, exited}, return_when=asyncio.FIRST_COMPLETED)
            if not exited.done():
                # The person went away: end the app and everything it started.
                await seat.end()
            code = await exited
            with contextlib.suppress(Exception):
                process.exit(max(0, code))
            with contextlib.suppress(Exception):
                await asyncio.wait_for(closed, 5)
        finally:
            os.close(master)
            if seat.running:
                await seat.end()
            self.children.discard(seat)


def _tell_resizes(process: asyncssh.SSHServerProcess, seat: HostedSeat) -> None:
    """After asyncssh has given the pty its new size, tell the app's host: a
    pty that is not its process's controlling terminal sends no SIGWINCH."""
    resize_pty = process.terminal_size_changed

    def terminal_size_changed(width: int, height: int, pixwidth: int, pixheight: int) -> None:
        resize_pty(width, height, pixwidth, pixheight)
        seat.resize()

    # asyncssh calls the session's method on the instance: this one, for this connection.
    setattr(process, "terminal_size_changed", terminal_size_changed)  # noqa: B010


def _set_size(fd: int, width: int, height: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


async def run_gateway(config: GatewayConfig, out=print) -> int:
    raise_open_files_limit()
    asyncio.get_running_loop().set_exception_handler(quiet_when_out_of_files)
    gateway = SSHGateway(config)
    try:
        await gateway.start()
    except SeatsUnavailable as exc:
        out(f"error: cannot load the app for the SSH seats: {exc}")
        return 1
    except OSError as exc:
        out(f"error: cannot listen on {config.host}:{config.port}: {exc.strerror or exc}")
        return 1
    key = load_host_key(config.host_key)
    out(f"kompsesjon ssh-gateway on {config.host}:{gateway.port} → {config.url}")
    out(f"  host key: {key.get_fingerprint()}  ({config.host_key})")
    out(f"  participants:  ssh -p {gateway.port} join@HOST" + ("" if config.code else "   (the app asks for the code)"))
    if config.facilitator_keys and config.token:
        out(f"  facilitator:   ssh -p {gateway.port} host@HOST   (with a key from {config.facilitator_keys})")
    if config.authorized_keys:
        out(f"  only keys in {config.authorized_keys} may join")
    out(f"  at most {config.max_sessions} people at once (--max-sessions)")
    out("Stop with Ctrl+C.")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await gateway.stop()
    return 0
