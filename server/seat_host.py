"""SSH seat hosts: several people's apps in one process, each on its own pty.

A seat forked per connection (:mod:`server.seats`) still owns ~20 MiB: the
pages of the zygote that CPython writes to as the app runs (reference counts
of every object it uses) and its own widgets. Apps in one process share all
of that: each app beyond the first adds ~3 MiB. So the gateway asks its
zygote to fork a *host*, and the host runs up to K apps (``apps_per_process``)
on one event loop, each with a :class:`~server.pty_driver.PtyDriver` on its own
pty; a new host is forked when every host is full.

What is per app, not per process:

* the terminal: the driver reads and writes the app's pty, takes its size
  from it, and installs no signal handlers;
* the language: each app runs in its own context with a language of its own
  (:func:`kompsesjon.i18n.own_language`);
* ``print``: ``sys.stdout`` and ``sys.stderr`` are the host's
  :class:`_Printed`, which hands text to the app whose code is running
  (Textual's ``active_app``), where Textual's capture of each app would swap
  the process's streams under the others;
* the hang-up: the driver sees its own pty hang up (no SIGHUP, no fds 0–2);
* the command line: parsed with the connection's environment in place.

What they share besides: the CSS parsed (:mod:`server.parsed_css`), per theme.

The gateway talks to each host over its own socket (SOCK_SEQPACKET):
``open`` (with the pty's terminal side), ``resize`` (the SSH client's window
changed) and ``end`` (the person went away); the host answers ``ended`` with
the app's exit code. An exception in one app ends that app only (Textual
turns it into the app's exit, code 1). An app that does not end within
``GRACE`` seconds of being told is cancelled; if even that does not end it,
the gateway kills the whole host (its other people see their app end and
reconnect as the same person).

Who ends a host: the gateway closes its socket once the host's last app has
ended (the gateway alone decides, so it never opens an app in a host that is
leaving); end of file on that socket (the gateway died or stopped), SIGHUP or
SIGTERM (the zygote hanging up what is left when the gateway died) end every
app and then the host. A host does not end with the zygote that forked it:
the gateway keeps its apps, and opens new ones only in hosts of the zygote
now running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO, cast

if TYPE_CHECKING:
    from textual.app import App
    from textual.driver import Driver

    from server.pty_driver import PtyDriver
    from server.seats import Zygote

MAX_MESSAGE = 256 * 1024
GRACE = 2.0  # seconds for an app to leave once told (hang-up or end) before it is cancelled
KILL_AFTER = 10.0  # seconds the gateway waits for an app to end before killing its whole host
EXIT_HUNG_UP = 129  # 128 + SIGHUP, as a seat process that was hung up
APPS_PER_PROCESS = 8  # the default K


# ---- in the host ------------------------------------------------------------


class _Printed:
    """``sys.stdout`` / ``sys.stderr`` of a host: text goes to the app whose code runs."""

    def __init__(self, stderr: bool, fallback: TextIO) -> None:
        self.stderr = stderr
        self.fallback = fallback  # outside any app: the host's own stream (the gateway's log)

    def _app(self) -> App | None:
        from textual._context import active_app

        return active_app.get(None)

    def write(self, text: str) -> int:
        app = self._app()
        if app is None:
            return self.fallback.write(text)
        app._print(text, stderr=self.stderr)
        return len(text)

    def flush(self) -> None:
        app = self._app()
        if app is None:
            self.fallback.flush()
        else:
            app._flush(stderr=self.stderr)

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return -1


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """The connection's environment while its command line is parsed and its
    app made (synchronously: no other app runs meanwhile)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def make_app(args: list[str], env: dict[str, str]) -> App | int:
    """The app for ``kompsesjon ARGS`` (or an exit code: bad arguments), with
    a language of its own in the running context."""
    from kompsesjon import i18n
    from kompsesjon.cli import build_parser
    from kompsesjon.tui.launch import make_app as app_for

    with _environment(env):
        try:
            parsed = build_parser().parse_args(args)
        except SystemExit as exc:  # argparse said why on stderr
            return exc.code if isinstance(exc.code, int) else 2
        i18n.own_language(i18n.detect(getattr(parsed, "lang", None)))
        try:
            app = app_for(parsed)
        except (AttributeError, ValueError):
            print(f"kompsesjon: not an app: {' '.join(args)}", file=sys.stderr)
            return 2
    return 2 if app is None else app


class SeatHost:
    """The loop of a host: apps opened, resized and ended at the gateway's word."""

    def __init__(self, control: socket.socket, build: Callable[[list[str], dict[str, str]], App | int] = make_app):
        self.control = control
        self.build = build
        self.apps: dict[int, _Hosted] = {}
        self.done = asyncio.Event()  # the gateway is gone: end everything
        self._loop = asyncio.get_running_loop()

    async def serve(self) -> None:
        """Until the gateway closes the socket (or signals); then every app ends."""
        self.control.setblocking(False)
        self._loop.add_reader(self.control.fileno(), self._readable)
        for sig in (signal.SIGHUP, signal.SIGTERM):
            self._loop.add_signal_handler(sig, self.done.set)
        try:
            await self.done.wait()
        finally:
            self._loop.remove_reader(self.control.fileno())
            for sig in (signal.SIGHUP, signal.SIGTERM):
                self._loop.remove_signal_handler(sig)
            for hosted in list(self.apps.values()):
                hosted.end()
            tasks = [hosted.task for hosted in self.apps.values()]
            if tasks:
                await asyncio.wait(tasks, timeout=GRACE + 1)

    def send(self, message: dict) -> None:
        with contextlib.suppress(OSError):  # the gateway is gone: the reader sees it next
            self.control.send(json.dumps(message).encode())

    def _readable(self) -> None:
        while not self.done.is_set():
            try:
                data, fds, _, _ = socket.recv_fds(self.control, MAX_MESSAGE, 4, socket.MSG_CMSG_CLOEXEC)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data, fds = b"", []
            if not data:
                self.done.set()
                return
            try:
                self._message(json.loads(data), fds)
            except (ValueError, KeyError, TypeError) as exc:
                print(f"kompsesjon seat host: bad request: {exc}", file=sys.stderr)
                for fd in fds:
                    os.close(fd)

    def _message(self, message: dict, fds: list[int]) -> None:
        if "open" in message:
            app_id = int(message["open"])
            if len(fds) != 1:
                raise ValueError("open needs one terminal")
            self.apps[app_id] = _Hosted(self, app_id, fds[0], list(message["run"]), dict(message["env"]))
            return
        for fd in fds:
            os.close(fd)
        hosted = self.apps.get(int(message.get("resize", message.get("end", -1))))
        if hosted is None:
            return  # ended meanwhile
        if "resize" in message:
            hosted.resize()
        else:
            hosted.end()

    def ended(self, hosted: _Hosted, code: int) -> None:
        self.apps.pop(hosted.id, None)
        self.send({"ended": hosted.id, "code": code})


class _Hosted:
    """One app in the host, on its pty, in a task (and context) of its own."""

    def __init__(self, host: SeatHost, app_id: int, fd: int, args: list[str], env: dict[str, str]) -> None:
        self.host = host
        self.id = app_id
        self.fd = fd
        self.app: App | None = None
        self.driver: PtyDriver | None = None
        self._ending = False
        # A task copies the host's context: what the app sets there (its
        # language, Textual's active app) stays the app's.
        self.task = asyncio.ensure_future(self._run(args, env))

    async def _run(self, args: list[str], env: dict[str, str]) -> None:
        code = 1
        try:
            code = await self._app(args, env)
        except asyncio.CancelledError:
            code = EXIT_HUNG_UP
        except Exception:
            traceback.print_exc(file=sys.__stderr__)
        finally:
            if self.driver is not None:
                self.driver.release()
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.host.ended(self, code)

    async def _app(self, args: list[str], env: dict[str, str]) -> int:
        from server.pty_driver import PtyDriver

        built = self.host.build(args, env)
        if isinstance(built, int):
            return built
        app = self.app = built
        if hasattr(app, "watch_hang_up"):
            app.watch_hang_up = False  # the driver watches this app's own pty

        def driver(app: App, **options: Any) -> Driver:
            self.driver = PtyDriver(app, fd=self.fd, on_hang_up=self.end, **options)
            return self.driver

        app.driver_class = cast("type[Driver]", driver)
        app._capture_stdout = sys.stdout  # type: ignore[assignment]  # the host's _Printed: no swap under the others
        app._capture_stderr = sys.stderr  # type: ignore[assignment]
        if self._ending:  # told to end before it started
            return EXIT_HUNG_UP
        await app.run_async()
        if app._exception is not None:
            print(f"kompsesjon seat host: app {self.id} ended with an error:", file=sys.__stderr__)
            traceback.print_exception(app._exception, file=sys.__stderr__)
        return app.return_code or 0

    def resize(self) -> None:
        if self.driver is not None:
            self.driver.resize()

    def end(self) -> None:
        """Its terminal went away (or the gateway says so): leave normally, then go."""
        if self._ending:
            return
        self._ending = True
        app = self.app
        if app is not None and app.is_running:
            lost = getattr(app, "terminal_lost", None)
            if callable(lost):
                app.call_later(lost)
            else:
                app.exit(return_code=EXIT_HUNG_UP)
        elif app is None:
            self.task.cancel()
        self.host._loop.call_later(GRACE, self._cancel)

    def _cancel(self) -> None:
        if not self.task.done():
            self.task.cancel()


def run_host(control_fd: int) -> int:
    """The host's main (in the process the zygote forked): serve, then exit."""
    from server.parsed_css import share_parsed_css

    share_parsed_css()  # its apps parse the same CSS: once for all of them
    control = socket.socket(fileno=control_fd)
    control.set_inheritable(False)
    sys.stdout = _Printed(stderr=False, fallback=cast(TextIO, sys.__stderr__))
    sys.stderr = _Printed(stderr=True, fallback=cast(TextIO, sys.__stderr__))

    async def serve() -> None:
        await SeatHost(control).serve()

    asyncio.run(serve())
    return 0


# ---- the gateway's side -----------------------------------------------------


class HostedSeat:
    """The gateway's handle on one app in a host (as :class:`server.seats.Seat` for a process)."""

    def __init__(self, host: Host, app_id: int) -> None:
        self.host = host
        self.id = app_id
        self.pid = host.pid  # the process it runs in (ps, logs)
        self.returncode: int | None = None
        self._ended = asyncio.get_running_loop().create_future()

    @property
    def running(self) -> bool:
        return not self._ended.done()

    def finished(self, code: int | None) -> None:
        if not self._ended.done():
            self._ended.set_result(code)

    async def wait(self) -> int:
        code = await asyncio.shield(self._ended)
        self.returncode = code or 0
        return self.returncode

    def resize(self) -> None:
        """The SSH client's window changed (the pty has its new size already)."""
        if self.running:
            self.host.send({"resize": self.id})

    async def end(self, grace: float = KILL_AFTER) -> None:
        """Tell the host to end this app; the whole host is killed if it does not."""
        if self.running:
            self.host.send({"end": self.id})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._ended), grace)
        if self.running:
            await self.host.kill()
        await self.wait()


class Host:
    """The gateway's handle on a host process: its socket, its apps, its end."""

    def __init__(self, pid: int, pidfd: int, sock: socket.socket, pool: SeatHosts) -> None:
        self.pid = pid
        self.sock = sock
        self.pool = pool
        self.apps: dict[int, HostedSeat] = {}
        self.accepting = True  # new apps may open here
        self._pidfd = pidfd
        self._next = 0
        loop = asyncio.get_running_loop()
        self._gone = loop.create_future()
        sock.setblocking(False)
        loop.add_reader(sock.fileno(), self._readable)
        loop.add_reader(pidfd, self._exited)

    @property
    def room(self) -> int:
        return self.pool.per_host - len(self.apps) if self.accepting else 0

    def open(self, argv: list[str], env: dict[str, str], tty: int) -> HostedSeat:
        self._next += 1
        seat = HostedSeat(self, self._next)
        self.apps[seat.id] = seat
        if not self.send({"open": seat.id, "run": argv, "env": env}, [tty]):
            self.accepting = False  # stuck or gone: the next person gets another host
            seat.finished(None)
            self.apps.pop(seat.id, None)
            if not self.apps:
                self._close()
        return seat

    def send(self, message: dict, fds: list[int] | None = None) -> bool:
        if self.sock.fileno() < 0:
            return False
        try:
            socket.send_fds(self.sock, [json.dumps(message).encode()], fds or [])
        except OSError:  # full (a stuck host: it is killed if an app does not end) or gone
            return False
        return True

    def reaped(self, code: int | None) -> None:
        """The zygote reaped it (its pidfd tells us too), or the zygote died
        (None): either way no new app opens here."""
        self.accepting = False

    def _readable(self) -> None:
        while self.sock.fileno() >= 0:
            try:
                data = self.sock.recv(MAX_MESSAGE)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._close()
                return
            message = json.loads(data)
            seat = self.apps.pop(int(message.get("ended", -1)), None)
            if seat is not None:
                seat.finished(int(message.get("code") or 0))
                if not self.apps:
                    self._close()  # the last app has ended: the host exits on end of file

    def _exited(self) -> None:
        loop = asyncio.get_running_loop()
        loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        self._pidfd = -1
        self.pool.zygote.forget(self)
        self._close()
        for seat in self.apps.values():
            seat.finished(None)
        self.apps.clear()
        if not self._gone.done():
            self._gone.set_result(None)

    def _close(self) -> None:
        self.accepting = False
        self.pool.forget(self)
        if self.sock.fileno() >= 0:
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
            self.sock.close()

    async def kill(self) -> None:
        """The last resort: the whole process (every app in it) goes."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # the host leads its own group
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._gone), 10)


class SeatHosts:
    """The gateway's hosts: an app goes to a host with room, else to a new one."""

    def __init__(self, zygote: Zygote, per_host: int = APPS_PER_PROCESS) -> None:
        self.zygote = zygote
        self.per_host = per_host
        self.hosts: list[Host] = []
        self._lock = asyncio.Lock()  # one host started at a time: a burst fills it, not forks a host each

    async def open(self, argv: list[str], env: dict[str, str], tty: int, *, alone: bool = False) -> HostedSeat:
        """Run ``kompsesjon ARGV[3:]`` (``argv`` as for a seat process) on ``tty``.

        ``alone``: in a host of its own (the facilitator's view: no one
        else's app shares its fate). Raises SeatsUnavailable."""
        args = list(argv[3:])
        async with self._lock:
            host = None if alone else next((h for h in self.hosts if h.room > 0), None)
            if host is None:
                host = await self._start_host()
                if alone:
                    host.accepting = False
            return host.open(args, env, tty)

    async def _start_host(self) -> Host:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            pid, pidfd = await self.zygote.fork_host(theirs.fileno())
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        host = Host(pid, pidfd, ours, self)
        self.hosts.append(host)
        self.zygote.adopt(host)
        return host

    def forget(self, host: Host) -> None:
        with contextlib.suppress(ValueError):
            self.hosts.remove(host)
