"""When its terminal goes away, the app ends: no ghost participants.

A terminal goes away when its window is closed, tmux kills the session or the
remote shell behind it drops. The kernel then sends SIGHUP (with SIGCONT), but
only to the terminal's session leader: a shell or ``uv run`` in between may or
may not pass it on, and a process that inherited SIGHUP blocked never sees it.
Left running on the dead terminal, a Textual app keeps its websocket open (the
room still counts the person as connected) and its input thread spins on the
end-of-file it reads. So :class:`HangUpWatch` notices the dead terminal itself:

* a thread waits in ``poll()`` on the terminal, asking for no events at all:
  only a hang-up (POLLHUP) or an error wakes it, so a live terminal costs
  nothing, and neither the signal nor the app's event loop is needed. It polls
  copies of the descriptors, its own: a number the caller closes may be reused
  for any file, and a poll holds a reference to what it polls (a pipe's write
  end polled that way never lets its reader see end-of-file);
* SIGHUP counts too (unblocked, in case it was inherited blocked);
* SIGCONT reaches Textual's handler only while the terminal lives (after
  Ctrl+Z and ``fg``). On a hung-up terminal ``isatty`` is false, so Textual
  would restart its application mode: a second input thread spinning on EOF,
  and a writer thread that dies on EIO and then blocks the app once its queue
  is full.

Once the terminal is gone, the output descriptors are pointed at /dev/null
first, so that no write fails or blocks (Textual's input thread keeps reading
end-of-file from the dead terminal until the app stops it, moments later).
Then the app's ``on_lost`` runs on its event loop (it closes its websocket
normally and exits), and a watchdog ends the process after ``grace`` seconds
should that shutdown get stuck all the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import select
import signal
import termios
import threading
from collections.abc import Callable, Sequence

GRACE = 2.0  # seconds from a lost terminal to the end of the process, at most
EXIT_CODE = 129  # 128 + SIGHUP: how shells report a program that was hung up


def terminal_alive(fds: Sequence[int]) -> bool:
    """Do these terminals still work? (A hung-up one fails with EIO.)"""
    try:
        for fd in fds:
            termios.tcgetattr(fd)
    except (termios.error, OSError):
        return False
    return True


class HangUpWatch:
    """Calls ``on_lost`` on the event loop when the terminal hangs up or is gone.

    ``input_fd`` and ``output_fds`` are the app's terminal (by default the
    standard streams); those that are not terminals are left alone.
    """

    def __init__(
        self,
        on_lost: Callable[[], object],
        *,
        input_fd: int = 0,
        output_fds: Sequence[int] = (1, 2),
        grace: float = GRACE,
        exit_code: int = EXIT_CODE,
    ) -> None:
        self.on_lost = on_lost
        self.input_fd = input_fd
        self.fds = [fd for fd in dict.fromkeys([input_fd, *output_fds]) if os.isatty(fd)]
        self.grace = grace
        self.exit_code = exit_code
        self.gone = False  # the terminal is gone; its output descriptors now point at /dev/null
        self._once = threading.Lock()
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context: contextvars.Context | None = None
        self._continue: Callable | int | None = None  # the SIGCONT handler before ours
        self._watchdog: threading.Timer | None = None
        self._wake: int | None = None  # closing it wakes the thread: stop()

    def start(self) -> None:
        """Start watching; call in the main thread, on the app's running loop."""
        self._loop = asyncio.get_running_loop()
        self._context = contextvars.copy_context()  # on_lost runs in the app's context
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            self._loop.add_signal_handler(signal.SIGHUP, self.hang_up)
            # After the handler is in place: a hang-up already waiting arrives now.
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})
        if not self.fds:
            return
        with contextlib.suppress(ValueError):  # not the main thread: SIGCONT stays Textual's alone
            previous = signal.getsignal(signal.SIGCONT)
            signal.signal(signal.SIGCONT, self._continued)
            self._continue = previous
        watched = [os.dup(fd) for fd in self.fds]
        wake, self._wake = os.pipe()
        threading.Thread(
            target=self._wait_for_hang_up, args=(watched, wake), name="kompsesjon-hangup", daemon=True
        ).start()

    def stop(self) -> None:
        """Stop watching (the process goes on: tests); the streams stay where they are."""
        self._stopped = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_signal_handler(signal.SIGHUP)
        if self._continue is not None:
            signal.signal(signal.SIGCONT, self._continue)
            self._continue = None
        if self._wake is not None:
            os.close(self._wake)  # the thread's end of the pipe hangs up
            self._wake = None

    # ---- how we learn of it ---------------------------------------------

    def _wait_for_hang_up(self, watched: list[int], wake: int) -> None:
        poller = select.poll()
        for fd in (*watched, wake):
            poller.register(fd, 0)  # no events asked for: POLLHUP, POLLERR and POLLNVAL come anyway
        try:
            woken = {fd for fd, _ in poller.poll()}
        finally:
            for fd in (*watched, wake):
                os.close(fd)
        if woken - {wake}:
            self.lost()

    def hang_up(self) -> None:
        """SIGHUP: the app ends, and if the terminal is gone, as :meth:`lost`."""
        if self.fds and not terminal_alive(self.fds):
            self.lost()
        else:
            self._call_on_loop()

    def _continued(self, signum: int, frame: object) -> None:
        if self.fds and not terminal_alive(self.fds):
            self.lost()
        elif callable(self._continue):
            self._continue(signum, frame)

    # ---- what then happens ----------------------------------------------

    def lost(self) -> None:
        """The terminal is gone (from any thread or a signal handler): end the app."""
        if self._stopped or not self._once.acquire(blocking=False):
            return  # stopped, or already on the way out (never released)
        self.gone = True
        self._detach()
        self._watchdog = threading.Timer(self.grace, os._exit, (self.exit_code,))
        self._watchdog.daemon = True
        self._watchdog.start()
        self._call_on_loop()

    def _detach(self) -> None:
        """Point the terminal's output descriptors at /dev/null."""
        null = os.open(os.devnull, os.O_WRONLY)
        for fd in self.fds:
            if fd != self.input_fd:
                with contextlib.suppress(OSError):
                    os.dup2(null, fd)
        os.close(null)

    def _call_on_loop(self) -> None:
        if self._loop is None or self._stopped:
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: the app has ended already
            self._loop.call_soon_threadsafe(self.on_lost, context=self._context)
