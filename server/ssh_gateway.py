"""Join over SSH: each connection gets the participant app in its own terminal.

An asyncssh server. For every SSH session that asks for a pseudo-terminal it
runs ``kompsesjon join`` (or, for a facilitator's key, ``kompsesjon host``)
on a fresh pty, and wires the SSH channel to the pty's master side. The app
is not started afresh: it is forked from a process that has it loaded
already (a *seat*, see :mod:`server.seats`), which makes a connection cheap
in time and memory. The seat leads its own session with the pty as its
controlling terminal, so the window-size changes that asyncssh forwards to
the pty reach the app.

Nothing else is possible: no shell, no ``ssh host command``, no port, agent
or X11 forwarding, no SFTP/SCP. When either side goes away the other follows:
a closed SSH connection ends the seat's process group (an app left on a dead
pty would spin), and a seat that exits closes the SSH session.
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
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from kompsesjon.paths import data_dir
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
    max_sessions: int = 300  # each seat uses ~23 MiB of its own (benchmarks/README.md)
    state_dir: Path = field(default_factory=lambda: data_dir() / "ssh")
    python: str = sys.executable


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

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        conn.set_extra_info(kompsesjon=self)

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
        self.children: set[Seat] = set()
        self.zygote = Zygote(config.python, base_env())
        self._opening = 0  # seats being forked (they count against max_sessions)
        self._server: asyncssh.SSHAcceptor | None = None

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
        if process.command is not None or process.subsystem is not None:
            process.stderr.write(b"This server only runs kompsesjon; connect without a command.\r\n")
            process.exit(1)
            return
        if process.get_terminal_type() is None:
            process.stderr.write(b"kompsesjon needs a terminal: connect with ssh -t.\r\n")
            process.exit(1)
            return
        if len(self.children) + self._opening >= self.config.max_sessions:
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
        self._opening += 1
        try:
            seat = await self.zygote.fork(self.command_for(process, who), env, slave)
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
            self._opening -= 1
            os.close(slave)
        self.children.add(seat)
        log.info("ssh: %s started pid %s", process.get_extra_info("username"), seat.pid)
        try:
            await process.redirect(stdin=os.dup(master), stdout=os.dup(master), stderr=None)
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


def _set_size(fd: int, width: int, height: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


async def run_gateway(config: GatewayConfig, out=print) -> int:
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
    out("Stop with Ctrl+C.")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await gateway.stop()
    return 0
