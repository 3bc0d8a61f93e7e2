"""Limits that keep one person (or one script) from spoiling the room.

* a token bucket per connection for messages;
* a throttle on wrong join codes / tokens per address (guessing);
* a cap on simultaneous connections per address;
* a cap on all open connections, below the process's limit on open files
  (each connection is one): beyond it a connection is refused at once with
  503, so the file descriptors never run out and the people already in the
  room are still answered.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import resource
import sys
import time
from dataclasses import dataclass, field

log = logging.getLogger("kompsesjon.server")

# File descriptors kept free of connections: the database and its -wal, -shm
# and lock files, the listening sockets, the event loop's own, standard streams
# (13 in all on Linux), and room to refuse. An eighth of the limit, 24–64.
FD_RESERVE = 64


@dataclass
class TokenBucket:
    """``rate`` messages per second on average, bursts up to ``burst``."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def take(self, now: float | None = None) -> float:
        """0.0 if allowed, else how many seconds until the next message is."""
        now = time.monotonic() if now is None else now
        # max(): a clock set back must not take tokens away.
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class GuessThrottle:
    """After ``allowed`` wrong codes or tokens from one address within
    ``window`` seconds, that address must wait until the window has passed."""

    def __init__(self, allowed: int = 10, window: float = 60.0) -> None:
        self.allowed = allowed
        self.window = window
        self._failures: dict[str, list[float]] = {}

    def wait(self, address: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        recent = [t for t in self._failures.get(address, []) if now - t < self.window]
        if recent:
            self._failures[address] = recent
        else:
            self._failures.pop(address, None)
        if len(recent) >= self.allowed:
            return self.window - (now - recent[0])
        return 0.0

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._failures.setdefault(address, []).append(now)
        if len(self._failures) > 10_000:  # forget the oldest addresses first
            for stale in list(self._failures)[:1000]:
                del self._failures[stale]


class ConnectionCount:
    """Open connections per address. Loopback is not limited: the SSH gateway
    and local tests connect from there on behalf of many people."""

    def __init__(self, per_address: int) -> None:
        self.per_address = per_address
        self._open: dict[str, int] = {}

    @staticmethod
    def is_loopback(address: str) -> bool:
        return address.startswith("127.") or address in ("::1", "localhost")

    def admit(self, address: str) -> bool:
        if not self.is_loopback(address) and self._open.get(address, 0) >= self.per_address:
            return False
        self._open[address] = self._open.get(address, 0) + 1
        return True

    def release(self, address: str) -> None:
        left = self._open.get(address, 0) - 1
        if left > 0:
            self._open[address] = left
        else:
            self._open.pop(address, None)


def raise_open_files_limit() -> int:
    """Raise this process's soft limit on open files to its hard limit (a
    Mac starts at 256, a Linux shell at 1024: a room of 300 needs more); the
    soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard
    if hard == resource.RLIM_INFINITY or (sys.platform == "darwin" and hard > 10240):
        wanted = 10240  # macOS refuses more than OPEN_MAX for the soft limit
    if wanted > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft


def open_files_limit() -> int:
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class OpenConnections:
    """All open connections (plain HTTP too) against ``cap``.

    :meth:`opened` says what to do with a new one: ``"serve"`` it,
    ``"refuse"`` it with a short answer, or ``"drop"`` it at once (beyond the
    cap and the refusing margin: answering would need descriptors there are
    not)."""

    def __init__(self, cap: int, refusing: int = 16) -> None:
        self.cap = cap
        self.refusing = refusing
        self.open = 0
        self.refused = 0  # connections refused since the last report

    def opened(self) -> str:
        self.open += 1
        if self.open <= self.cap:
            return "serve"
        self.refused += 1
        return "refuse" if self.open <= self.cap + self.refusing else "drop"

    def closed(self) -> None:
        self.open -= 1

    @property
    def full(self) -> bool:
        return self.open > self.cap

    @classmethod
    def for_this_process(cls) -> OpenConnections:
        """A cap below the process's limit on open files."""
        limit = open_files_limit()
        reserve = min(FD_RESERVE, max(24, limit // 8))
        # Half the reserve answers connections beyond the cap 503; past that
        # they are closed without a word.
        return cls(max(16, limit - reserve), refusing=reserve // 2)


_said_out_of_files = 0.0


def quiet_when_out_of_files(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """An event loop's exception handler: asyncio logs a traceback for every
    accept() that finds no file descriptor left (megabytes a second under a
    flood); this says it in one line every 10 s and leaves the rest as it was."""
    global _said_out_of_files
    exc = context.get("exception")
    if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
        now = time.monotonic()
        if now - _said_out_of_files > 10:
            _said_out_of_files = now
            log.warning("out of file descriptors (limit %d): connections wait or are refused", open_files_limit())
        return
    loop.default_exception_handler(context)
