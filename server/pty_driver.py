"""A Textual driver for one app on a pty it is given, among several in one process.

Textual's :class:`~textual.drivers.linux_driver.LinuxDriver` owns the
process: it reads ``sys.__stdin__``, writes ``sys.__stderr__``, takes the
size from the process's terminal and installs signal handlers (SIGWINCH,
SIGTSTP, SIGCONT). A seat host (:mod:`server.seat_host`) runs several apps on
one event loop, each on its own pty, so :class:`PtyDriver` keeps only what is
per terminal:

* it reads and writes the pty descriptor it is given, on the app's event loop
  (``add_reader``; output is buffered and written without blocking, so a
  person whose SSH connection stalls never holds up the other apps): no input
  or output thread per app;
* the size comes from that pty (``TIOCGWINSZ``), read again when the host
  calls :meth:`PtyDriver.resize` (the gateway says when the SSH client's
  window changed: a pty that is not the process's controlling terminal
  sends no SIGWINCH);
* no signal handlers, and no suspending (Ctrl+Z is the whole process's);
* a hang-up of the pty (the gateway closed its side: the person went away),
  or output piling up that nobody reads, calls ``on_hang_up`` once.

It reuses the escape sequences and the terminal modes of ``LinuxDriver``
(the methods named in ``LINUX_DRIVER_PARTS``); Textual is pinned to the
version these were read from, and ``tests/server/test_pty_driver.py`` fails
when they change.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import struct
import termios
import tty
from codecs import getincrementaldecoder
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import constants, events
from textual._xterm_parser import XTermParser
from textual.driver import Driver
from textual.drivers.linux_driver import KITTY_DISAMBIGUATE_ESCAPE_CODES as KITTY_DISAMBIGUATE
from textual.drivers.linux_driver import KITTY_REPORT_ALL_KEYS, KITTY_REPORT_ASSOCIATED_TEXT, LinuxDriver
from textual.geometry import Size

if TYPE_CHECKING:
    from textual.app import App

# What of LinuxDriver this driver calls (checked by the test against Textual's source).
LINUX_DRIVER_PARTS = (
    "_enable_mouse_support",
    "_disable_mouse_support",
    "_enable_bracketed_paste",
    "_disable_bracketed_paste",
    "_query_in_band_window_resize",
    "_disable_in_band_window_resize",
    "_enable_line_wrap",
    "_disable_line_wrap",
    "_request_terminal_sync_mode_support",
    "_patch_lflag",
    "_patch_iflag",
    "process_message",
)
MOST_PENDING = 4 * 1024 * 1024  # bytes of output nobody reads before the terminal counts as gone
READ_SIZE = 4096


class PtyDriver(LinuxDriver):
    """Display and input of one app on the pty ``fd`` (a terminal side it does not own)."""

    def __init__(
        self,
        app: App,
        *,
        fd: int,
        on_hang_up: Callable[[], object],
        debug: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
    ) -> None:
        # Not LinuxDriver.__init__: it installs process-wide signal handlers.
        Driver.__init__(self, app, debug=debug, mouse=mouse, size=size)
        self.fileno = fd
        self.input_tty = True
        self.attrs_before: list[Any] | None = None
        self._must_signal_resume = False
        self._in_band_window_resize = False
        self._mouse_pixels = False
        self._on_hang_up = on_hang_up
        self._hung_up = False
        self._reading = False
        self._pending = bytearray()  # output not yet taken by the pty
        self._writing = False  # waiting for the pty to take more (add_writer)
        self._flush_soon: asyncio.Handle | None = None
        self._parser = XTermParser(debug)
        self._decode = getincrementaldecoder("utf-8")(errors="replace").decode
        self._tick: asyncio.TimerHandle | None = None

    @property
    def can_suspend(self) -> bool:
        return False  # SIGTSTP would stop every app in the process

    def _get_terminal_size(self) -> tuple[int, int]:
        try:
            rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(self.fileno, termios.TIOCGWINSZ, bytes(8)))
        except OSError:
            return 80, 24
        return cols or 80, rows or 24

    def resize(self) -> None:
        """The pty's size may have changed: tell the app (on its loop)."""
        if self._in_band_window_resize:
            return  # the terminal says so itself, in its input
        size = Size(*self._get_terminal_size())
        self.send_message(events.Resize(size, size))

    # ---- application mode ----------------------------------------------

    def start_application_mode(self) -> None:
        os.set_blocking(self.fileno, False)
        self.resize()
        self.write("\x1b[?1049h")  # alternate screen
        self._enable_mouse_support()
        try:
            self.attrs_before = termios.tcgetattr(self.fileno)
            modes = termios.tcgetattr(self.fileno)
            modes[tty.LFLAG] = self._patch_lflag(modes[tty.LFLAG])
            modes[tty.IFLAG] = self._patch_iflag(modes[tty.IFLAG])
            modes[tty.CC][termios.VMIN] = 1
            termios.tcsetattr(self.fileno, termios.TCSANOW, modes)
        except termios.error:
            self.attrs_before = None
        self.write("\x1b[?25l")  # hide the cursor
        self.write("\x1b[?1004h")  # focus in / out
        if not constants.DISABLE_KITTY_KEY:
            self.write(f"\x1b[>{KITTY_DISAMBIGUATE | KITTY_REPORT_ALL_KEYS | KITTY_REPORT_ASSOCIATED_TEXT}u")
        self._loop.add_reader(self.fileno, self._readable)
        self._reading = True
        self._request_terminal_sync_mode_support()
        self._query_in_band_window_resize()
        self._enable_bracketed_paste()
        self._disable_line_wrap()
        self._enable_mouse_support()
        self.flush()

    def disable_input(self) -> None:
        if self._reading:
            self._reading = False
            self._loop.remove_reader(self.fileno)
            if not self._hung_up:
                self._disable_mouse_support()
                with contextlib.suppress(termios.error):
                    termios.tcflush(self.fileno, termios.TCIFLUSH)
        if self._tick is not None:
            self._tick.cancel()

    def stop_application_mode(self) -> None:
        self._disable_bracketed_paste()
        self._enable_line_wrap()
        self._disable_in_band_window_resize()
        self.disable_input()
        if self.attrs_before is not None and not self._hung_up:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(self.fileno, termios.TCSANOW, self.attrs_before)
        self.write("\x1b[<u")  # the Kitty keyboard protocol off, before leaving the alternate screen
        self.write("\x1b[?1049l\x1b[?25h\x1b[?1004l")
        self.flush()

    def close(self) -> None:
        """Out with what is pending (Textual still writes the way out of
        application mode after this: :meth:`release` is the end)."""
        self._write_out()

    def release(self) -> None:
        """The app has ended and its pty is about to be closed: what is still
        pending goes out if the pty takes it now, the rest is dropped, and
        nothing touches the descriptor any more."""
        if self._flush_soon is not None:
            self._flush_soon.cancel()
            self._flush_soon = None
        self.disable_input()
        self._write_out()
        self._stop_writing()
        self._pending.clear()
        self._hung_up = True  # writes are dropped from now on; no hang-up is reported

    # ---- input -----------------------------------------------------------

    def _readable(self) -> None:
        try:
            data = os.read(self.fileno, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:  # EIO: the gateway closed the pty's other side
            data = b""
        if not data:
            self.hang_up()
            return
        for event in self._parser.feed(self._decode(data)):
            self.process_message(event)
        if self._tick is None:
            # A lone Escape is a key only once nothing follows it in time.
            self._tick = self._loop.call_later(constants.ESCAPE_DELAY + 0.01, self._timed_out)

    def _timed_out(self) -> None:
        self._tick = None
        for event in self._parser.tick():
            self.process_message(event)

    # ---- output ----------------------------------------------------------

    def write(self, data: str) -> None:
        if self._hung_up:
            return
        self._pending += data.encode("utf-8", "replace")
        if len(self._pending) > MOST_PENDING:
            self.hang_up()  # nobody has read the screen for a long while: as gone
        elif self._flush_soon is None and not self._writing:
            self._flush_soon = self._loop.call_soon(self._write_out)

    def flush(self) -> None:
        """Written once the loop comes round (one frame's pieces in one write)."""

    def _write_out(self) -> None:
        self._flush_soon = None
        while self._pending and not self._hung_up:
            try:
                written = os.write(self.fileno, self._pending)
            except BlockingIOError:
                break
            except OSError:  # EIO: hung up
                self._pending.clear()
                self.hang_up()
                return
            del self._pending[:written]
        if self._pending and not self._writing:
            self._writing = True
            self._loop.add_writer(self.fileno, self._writable)

    def _writable(self) -> None:
        self._write_out()
        if not self._pending:
            self._stop_writing()

    def _stop_writing(self) -> None:
        if self._writing:
            self._writing = False
            self._loop.remove_writer(self.fileno)

    # ---- the terminal goes away ------------------------------------------

    def hang_up(self) -> None:
        """The pty is gone (or nobody reads it): stop using it and say so, once."""
        if self._hung_up:
            return
        self._hung_up = True
        self._pending.clear()
        self.disable_input()
        self._stop_writing()
        self._on_hang_up()
