"""SSH seats: the app for each connection, forked from a process that has it loaded.

Starting ``python -m kompsesjon join`` afresh for every SSH connection costs
about a second of CPU (importing Textual, the apps, themes and strings) and
~50 MiB that nobody shares. So the gateway starts one *zygote* (this module,
``python -m server.seats``) before it takes connections. The zygote imports
all of that once, freezes it (``gc.freeze``: the collector never writes to
those pages again, so they stay shared) and waits. For each connection the
gateway opens a pty and passes the zygote the pty's terminal side over a unix
socket (SCM_RIGHTS). The zygote forks, and the child, the *seat*:

* leads a new session with the pty as its controlling terminal (``setsid``
  and ``TIOCSCTTY``: without it no resize would ever reach the app), and as
  its stdin, stdout and stderr;
* closes all that was the zygote's (its socket to the gateway, the handles of
  the other seats) and takes the connection's environment;
* runs the command line the gateway chose: a ``kompsesjon`` command in the
  forked interpreter itself, anything else by ``exec``.

With several apps a process (the gateway's default, :mod:`server.seat_host`)
the zygote forks a *seat host* instead: the request carries the host's
socket to the gateway instead of a terminal, and the child leads a session
of its own without a terminal and runs the host's event loop, which opens
apps on the ptys the gateway sends it.

Forking is only safe from a process without threads or a running event loop:
the zygote is a plain ``poll()`` loop and never has either. Each seat starts
its own (Textual's driver threads, the app's event loop). The standard library
reseeds ``random`` in a forked child by itself; ``secrets`` and ``ssl`` draw
from the kernel.

Who ends what:

* The gateway holds the master side of every pty. When the SSH side goes away
  it ends the seat's process group (:meth:`Seat.end`); when the gateway dies,
  the kernel hangs up every pty and each app ends by itself
  (:mod:`kompsesjon.tui.hangup`).
* The zygote ends with the gateway: end of file on its socket, or the parent's
  death signal (``PR_SET_PDEATHSIG``); it hangs up its seats on the way out.
* Seats do not end with the zygote. The gateway keeps a pidfd of each (handed
  over by the zygote, so it always names the right process), keeps serving
  them, and starts a new zygote for the next connection.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import gc
import importlib
import json
import os
import select
import signal
import socket
import sys
import termios
import time
import traceback
from collections.abc import Sequence
from typing import Protocol

MAX_MESSAGE = 256 * 1024  # one request: a command line and an environment
START_TIMEOUT = 60.0  # seconds for a zygote to import everything (slow on a busy machine)
RESTARTS = 3  # zygotes that may die within RESTART_WINDOW before new seats are refused
RESTART_WINDOW = 60.0
REPORT_TIMEOUT = 10.0  # seconds for the zygote to say how a seat that has exited ended

# Imported once in the zygote. Besides the apps: what Textual loads only when
# an app starts (its driver, input parser, layouts), so that no seat repeats it.
PRELOAD = (
    "kompsesjon.cli",
    "server.seat_host",
    "server.pty_driver",
    "server.parsed_css",
    "kompsesjon.tui.launch",
    "kompsesjon.tui.participant.app",
    "kompsesjon.tui.host.app",
    "textual.drivers.linux_driver",
    "textual.drivers._writer_thread",
    "textual._xterm_parser",
    "textual._keyboard_protocol",
    "textual.layouts.horizontal",
    "textual.layouts.vertical",
    "textual.layouts.grid",
    "textual.layouts.stream",
    "textual.scrollbar",
    "textual.pilot",
    "websockets.asyncio.client",
)


class SeatsUnavailable(Exception):
    """No zygote to fork from (it cannot start, or keeps dying)."""


class Reaped(Protocol):
    """What the zygote forked for the gateway: told how it ended."""

    pid: int

    def reaped(self, code: int | None) -> None: ...


# ---- the gateway's side ---------------------------------------------------


class Seat:
    """One app on one pty, forked by the zygote; ended through its process group."""

    def __init__(self, pid: int, pidfd: int, zygote: Zygote) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd = pidfd
        self._zygote = zygote
        loop = asyncio.get_running_loop()
        self._ended = loop.create_future()  # the process has exited (pidfd readable)
        self._code = loop.create_future()  # its exit code, as the zygote reaped it
        loop.add_reader(pidfd, self._exited)

    def _exited(self) -> None:
        loop = asyncio.get_running_loop()
        loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        if not self._ended.done():
            self._ended.set_result(None)

    def reaped(self, code: int | None) -> None:
        """How it ended, as the zygote saw it (None: its zygote is gone, nobody will say)."""
        if not self._code.done():
            self._code.set_result(code)

    @property
    def running(self) -> bool:
        return not self._ended.done()

    async def wait(self) -> int:
        """Until the seat has exited; its exit code (0 if nobody could tell)."""
        await asyncio.shield(self._ended)
        if self.returncode is None:
            code = None
            with contextlib.suppress(TimeoutError):
                # The zygote reaps it at the same moment and says how it ended
                # (or, should the zygote die, _lost says that nobody will).
                code = await asyncio.wait_for(asyncio.shield(self._code), REPORT_TIMEOUT)
            self.returncode = code or 0
            self._zygote.forget(self)
        return self.returncode

    async def end(self, grace: float = 2.0) -> None:
        """SIGHUP, then SIGTERM, then SIGKILL to the seat's whole process group."""
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGKILL):
            if not self.running:
                break
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)  # the seat leads its own group (setsid)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._ended), grace)
        await self.wait()


class Zygote:
    """The gateway's handle on the zygote: start it, fork seats, restart it."""

    def __init__(self, python: str = sys.executable, env: dict[str, str] | None = None) -> None:
        self.python = python
        self.env = env if env is not None else base_env()
        self.deaths: list[float] = []  # when zygotes died (monotonic), for the restart limit
        self._proc: asyncio.subprocess.Process | None = None
        self._sock: socket.socket | None = None
        self._ready: asyncio.Future | None = None
        self._starting: asyncio.Task | None = None
        self._requests: dict[int, asyncio.Future] = {}
        self._seats: dict[int, Reaped] = {}  # seats and hosts, by pid
        self._next = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._sock is not None and self._ready is not None and self._ready.done()

    async def start(self) -> None:
        """Start the zygote (if it is not running) and wait until it has loaded."""
        if self.running:
            return
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())
        try:
            await asyncio.shield(self._starting)
        finally:
            if self._starting is not None and self._starting.done():
                self._starting = None

    async def _start(self) -> None:
        now = time.monotonic()
        recent = [t for t in self.deaths if now - t < RESTART_WINDOW]
        if len(recent) >= RESTARTS:
            raise SeatsUnavailable(f"the seat process died {len(recent)} times within {RESTART_WINDOW:.0f} s")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = await asyncio.create_subprocess_exec(
                self.python,
                "-m",
                "server.seats",
                str(theirs.fileno()),
                str(os.getpid()),
                pass_fds=[theirs.fileno()],
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                env=self.env,
                process_group=0,  # Ctrl+C at the gateway's terminal is the gateway's to handle
            )
        except OSError as exc:
            ours.close()
            raise SeatsUnavailable(f"cannot start {self.python}: {exc.strerror or exc}") from None
        finally:
            theirs.close()
        ours.setblocking(False)
        loop = asyncio.get_running_loop()
        self._sock = ours
        self._ready = loop.create_future()
        loop.add_reader(ours.fileno(), self._readable)
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), START_TIMEOUT)
        except TimeoutError:
            self._proc.kill()
            self._lost()
            raise SeatsUnavailable("the seat process did not get ready") from None
        except SeatsUnavailable:
            raise SeatsUnavailable("the seat process ended while starting (see the log above)") from None

    def runs_here(self, argv: Sequence[str]) -> bool:
        """Is ``argv`` a kompsesjon command, which the zygote has loaded?"""
        return list(argv[:3]) == [self.python, "-m", "kompsesjon"]

    async def fork(self, argv: Sequence[str], env: dict[str, str], tty: int) -> Seat:
        """A new seat running ``argv`` with ``tty`` (a pty's slave side) as its terminal."""
        argv = list(argv)
        request: dict = {"env": env}
        if self.runs_here(argv):
            request["run"] = argv[3:]  # already loaded here: no exec
        else:
            request["exec"] = argv
        pid, pidfd = await self._request(request, tty)
        seat = Seat(pid, pidfd, self)
        self._seats[pid] = seat
        return seat

    async def fork_host(self, control: int) -> tuple[int, int]:
        """A new seat host (:mod:`server.seat_host`) talking over the socket
        ``control``: its pid and a pidfd of it (call :meth:`adopt` with its handle)."""
        return await self._request({"host": True, "env": self.env}, control)

    def adopt(self, host: Reaped) -> None:
        """Say how ``host`` ends (or that its zygote died) to ``host.reaped``."""
        self._seats[host.pid] = host

    async def _request(self, request: dict, fd: int) -> tuple[int, int]:
        for attempt in (1, 2):  # once more should the zygote die just then
            await self.start()
            assert self._sock is not None
            self._next += 1
            request["id"] = self._next
            reply = asyncio.get_running_loop().create_future()
            self._requests[self._next] = reply
            try:
                await self._send(json.dumps(request).encode(), [fd])
                return await reply
            except (SeatsUnavailable, OSError):
                self._requests.pop(request["id"], None)
                if attempt == 2:
                    raise SeatsUnavailable("the seat process ended") from None
        raise AssertionError("unreachable")

    def forget(self, seat: Reaped) -> None:
        if self._seats.get(seat.pid) is seat:
            del self._seats[seat.pid]

    async def stop(self) -> None:
        """End the zygote (end of file on its socket); seats are the gateway's to end."""
        if self._sock is not None:
            self._lost(stopping=True)
        if self._proc is not None and self._proc.returncode is None:
            try:
                await asyncio.wait_for(self._proc.wait(), 5)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        self._proc = None

    # ---- the socket -------------------------------------------------------

    async def _send(self, data: bytes, fds: list[int]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._sock is None:
                raise SeatsUnavailable("the seat process ended")
            try:
                socket.send_fds(self._sock, [data], fds)
                return
            except BlockingIOError:
                writable = loop.create_future()
                loop.add_writer(self._sock.fileno(), writable.set_result, None)
                try:
                    await writable
                finally:
                    if self._sock is not None:
                        loop.remove_writer(self._sock.fileno())

    def _readable(self) -> None:
        while self._sock is not None:
            try:
                data, fds, _, _ = socket.recv_fds(self._sock, MAX_MESSAGE, 4, socket.MSG_CMSG_CLOEXEC)
            except BlockingIOError:
                return
            except OSError:
                data, fds = b"", []
            if not data:
                self._lost()
                return
            self._message(json.loads(data), fds)

    def _message(self, message: dict, fds: list[int]) -> None:
        if "ready" in message:
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(message["ready"])
        elif "exited" in message:
            seat = self._seats.get(message["exited"])
            if seat is not None:
                seat.reaped(message["code"])
        elif "id" in message:
            reply = self._requests.pop(message["id"], None)
            if reply is not None and not reply.done() and "pid" in message and fds:
                reply.set_result((message["pid"], fds.pop(0)))
            elif reply is not None and not reply.done():
                reply.set_exception(OSError(message.get("error", "no seat")))
            elif "pid" in message and fds:
                # Nobody waits for this seat any more (the connection went
                # while it was forked): hang it up (its pty is gone too).
                with contextlib.suppress(OSError):
                    signal.pidfd_send_signal(fds[0], signal.SIGHUP)
        for fd in fds:
            os.close(fd)

    def _lost(self, stopping: bool = False) -> None:
        """The zygote is gone (or being stopped): close our end, fail what waits."""
        if self._sock is None:
            return
        loop = asyncio.get_running_loop()
        loop.remove_reader(self._sock.fileno())
        loop.remove_writer(self._sock.fileno())
        self._sock.close()
        self._sock = None
        if not stopping:
            self.deaths.append(time.monotonic())
        gone = SeatsUnavailable("the seat process ended")
        for reply in self._requests.values():
            if not reply.done():
                reply.set_exception(gone)
        self._requests.clear()
        for seat in self._seats.values():
            seat.reaped(None)  # they live on; a new zygote does not know them
        self._seats.clear()
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(gone)
            self._ready.exception()  # retrieved: start() reports it
        self._ready = None


def base_env() -> dict[str, str]:
    """The environment every seat starts from (and the zygote runs in)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    }


# ---- the zygote's side ----------------------------------------------------


class _GatewayGone(Exception):
    """The parent's death signal arrived."""


def _gateway_gone(signum: int, frame: object) -> None:
    raise _GatewayGone


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before we asked
        raise SystemExit(0)


def preload() -> None:
    """Import and load once what every seat needs."""
    for name in PRELOAD:
        with contextlib.suppress(ImportError):  # a module another Textual version lacks loads in the seat
            importlib.import_module(name)
    from kompsesjon import i18n
    from kompsesjon.tui.themes import load_themes

    for lang in i18n.LANGUAGES:
        i18n.catalog(lang)
    load_themes(None)
    import setproctitle  # noqa: F401  (each seat names itself after its command line)


class _Zygote:
    """The loop in the zygote: fork a seat per request, report how seats end."""

    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.poller = select.poll()  # a poll object holds no descriptor to leak into seats
        self.poller.register(control.fileno(), select.POLLIN)
        self.seats: dict[int, int] = {}  # pidfd → pid

    def send(self, message: dict, fds: Sequence[int] = ()) -> None:
        with contextlib.suppress(OSError):  # the gateway is gone: the loop sees it next
            socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))

    def serve(self) -> None:
        self.send({"ready": os.getpid()})
        try:
            while True:
                for fd, _ in self.poller.poll():
                    if fd == self.control.fileno():
                        if not self.request():
                            return
                    else:
                        self.reap(fd)
        except _GatewayGone:
            pass
        finally:
            self.hang_up_all()

    def request(self) -> bool:
        request = None
        try:
            data, fds, flags, _ = socket.recv_fds(self.control, MAX_MESSAGE, 4, socket.MSG_CMSG_CLOEXEC)
        except InterruptedError:
            return True
        except OSError:  # ECONNRESET: the gateway died
            return False
        if not data:
            return False  # the gateway closed its end
        try:
            request = json.loads(data)
            if flags & socket.MSG_TRUNC or len(fds) != 1:
                raise ValueError("a request needs one terminal (or a host's socket)")
            pid, pidfd = self.fork(request, fds[0])
        except (ValueError, OSError) as exc:
            self.send({"id": request.get("id") if isinstance(request, dict) else None, "error": str(exc)})
        else:
            self.send({"id": request["id"], "pid": pid}, [pidfd])
        finally:
            for fd in fds:
                os.close(fd)
        return True

    def fork(self, request: dict, tty: int) -> tuple[int, int]:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:  # the seat: never returns into this loop
            code = 1
            try:
                code = self.become_seat(request, tty)
            except BaseException:
                with contextlib.suppress(BaseException):
                    traceback.print_exc()
            finally:
                os._exit(code)
        # Opened before the seat can be reaped, so it names this process and no other.
        pidfd = os.pidfd_open(pid)
        self.seats[pidfd] = pid
        self.poller.register(pidfd, select.POLLIN)
        return pid, pidfd

    def reap(self, pidfd: int) -> None:
        pid = self.seats.pop(pidfd)
        self.poller.unregister(pidfd)
        os.close(pidfd)
        try:
            _, status = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(status)
        except ChildProcessError:
            code = 0
        self.send({"exited": pid, "code": code})

    def hang_up_all(self) -> None:
        """The gateway is gone: end every seat still here (its pty is dead too)."""
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for sig, grace in ((signal.SIGHUP, 2.0), (signal.SIGTERM, 2.0), (signal.SIGKILL, 0.0)):
            if not self.seats:
                return
            for pid in self.seats.values():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, sig)
            deadline = time.monotonic() + grace
            while self.seats and (left := deadline - time.monotonic()) > 0:
                for fd, _ in self.poller.poll(left * 1000):
                    if fd in self.seats:
                        pid = self.seats.pop(fd)
                        self.poller.unregister(fd)
                        os.close(fd)
                        with contextlib.suppress(ChildProcessError):
                            os.waitpid(pid, 0)

    # ---- in the seat ------------------------------------------------------

    def become_seat(self, request: dict, tty: int) -> int:
        self.control.close()
        for pidfd in self.seats:
            os.close(pidfd)
        self.seats.clear()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, ())
        os.setsid()
        if request.get("host"):
            return become_host(request, tty)
        fcntl.ioctl(tty, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(tty, fd)
        os.close(tty)
        os.environ.clear()
        os.environ.update(request["env"])
        if "exec" in request:
            argv = request["exec"]
            for sig in (signal.SIGPIPE, signal.SIGXFSZ):  # as subprocess leaves them for a program
                signal.signal(sig, signal.SIG_DFL)
            os.execvpe(argv[0], argv, request["env"])
        return run_kompsesjon(request["run"])


def become_host(request: dict, control: int) -> int:
    """The forked child as a seat host: several apps, each on its own pty
    (:mod:`server.seat_host`); no terminal of its own."""
    import setproctitle

    from server.seat_host import run_host

    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):  # stderr stays the zygote's (the gateway's log)
        os.dup2(null, fd)
    os.close(null)
    os.environ.clear()
    os.environ.update(request["env"])
    setproctitle.setproctitle("kompsesjon ssh seats (host)")
    try:
        return run_host(control)
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        for stream in (sys.stdout, sys.stderr, sys.__stderr__):
            with contextlib.suppress(BaseException):
                stream.flush()  # type: ignore[union-attr]


def run_kompsesjon(args: list[str]) -> int:
    """Run ``kompsesjon ARGS`` in this (forked) interpreter, on fds 0–2; the exit code."""
    import setproctitle

    from kompsesjon.cli import main

    # Fresh streams on the terminal (the zygote's were not a terminal). The
    # __std*__ ones too, which typeshed marks Final: Textual's driver reads them.
    sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)  # type: ignore[misc]  # noqa: SIM115
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", closefd=False, buffering=1)  # type: ignore[misc]  # noqa: SIM115
    sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # type: ignore[misc]  # noqa: SIM115
    sys.argv = ["kompsesjon", *args]
    setproctitle.setproctitle(" ".join(["kompsesjon", *args]))  # what ps shows, as for a fresh process
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    # What an interpreter does on its way out, short of joining threads.
    with contextlib.suppress(BaseException):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    return int(code or 0)


def main(argv: list[str] | None = None) -> int:
    """``python -m server.seats CONTROL_FD GATEWAY_PID``: the zygote (the gateway starts it)."""
    args = sys.argv[1:] if argv is None else argv
    control = socket.socket(fileno=int(args[0]))
    control.set_inheritable(False)
    control.setblocking(True)
    signal.pthread_sigmask(signal.SIG_SETMASK, ())  # the gateway's mask (e.g. SIGHUP blocked) is not ours
    # Nor are its ignored signals: a gateway started with nohup ignores SIGHUP,
    # and an ignored signal stays ignored across fork and exec — every seat
    # would be deaf to the hang-up that ends it.
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _gateway_gone)
    try:
        _die_with_parent(int(args[1]))
        preload()
        import setproctitle

        setproctitle.setproctitle("kompsesjon ssh seats (zygote)")
        gc.collect()
        gc.freeze()  # the collector never touches what is loaded now: those pages stay shared
    except _GatewayGone:
        return 0
    _Zygote(control).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
