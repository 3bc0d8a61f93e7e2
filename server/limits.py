"""Limits that keep one person (or one script) from spoiling the room.

* a token bucket per connection for messages;
* a throttle on wrong join codes / tokens (guessing): per address, per
  block of addresses (an IPv4 /24, an IPv6 /64, all of loopback: one person
  can use any address of theirs) and for the whole server, so that rotating
  source addresses does not help;
* a budget of new participants per address (the join bomb);
* a cap on simultaneous connections per address;
* a cap on all open connections, below the process's limit on open files
  (each connection is one): beyond it a connection is refused at once with
  503, so the file descriptors never run out and the people already in the
  room are still answered.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
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


def address_block(address: str) -> str:
    """The block of addresses one person is assumed to hold: an IPv4 /24, an
    IPv6 /64 (what one home or office is given), all of loopback (any local
    user can send from 127.0.0.2, 127.0.0.3 …)."""
    try:
        ip = ipaddress.ip_address(address.partition("%")[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    bits = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


class _Window:
    """Failures per key within ``window`` seconds, ``allowed`` of them."""

    def __init__(self, allowed: int, window: float) -> None:
        self.allowed = allowed
        self.window = window
        self._failures: dict[str, list[float]] = {}

    def wait(self, key: str, now: float) -> float:
        recent = [t for t in self._failures.get(key, []) if now - t < self.window]
        if recent:
            self._failures[key] = recent[-self.allowed :]
        else:
            self._failures.pop(key, None)
        if len(recent) >= self.allowed:
            return self.window - (now - recent[-self.allowed])
        return 0.0

    def failed(self, key: str, now: float) -> None:
        self._failures.setdefault(key, []).append(now)
        if len(self._failures) > 10_000:  # forget the oldest keys first
            for stale in list(self._failures)[:1000]:
                del self._failures[stale]


class GuessThrottle:
    """After ``allowed`` wrong codes or tokens from one address within
    ``window`` seconds, that address must wait until the window has passed;
    likewise after ``per_block`` from its block (:func:`address_block`), and
    after ``overall`` from anywhere (every hello is then refused, except
    those that prove themselves with a secret no one can guess: the
    facilitator's token, a participant's resume secret).

    The overall cap is what holds whatever addresses an attacker has: 120 a
    minute against 31⁶ ≈ 887 million codes find one of ten open sessions
    after 1.4 years on average; the chance in an 8-hour day is 0.07 %."""

    def __init__(self, allowed: int = 10, window: float = 60.0, *, per_block: int = 60, overall: int = 120) -> None:
        self._address = _Window(allowed, window)
        self._block = _Window(max(per_block, allowed), window)
        self._overall = _Window(max(overall, per_block, allowed), window)

    @property
    def allowed(self) -> int:
        return self._address.allowed

    @allowed.setter
    def allowed(self, value: int) -> None:
        self._address.allowed = value

    def wait(self, address: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        return max(
            self._address.wait(address, now),
            self._block.wait(address_block(address), now),
            self._overall.wait("", now),
        )

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._address.failed(address, now)
        self._block.failed(address_block(address), now)
        self._overall.failed("", now)


class JoinBudget:
    """New participants per address: ``burst`` at once, then one every
    ``interval`` seconds (kompsesjon.method.budgets: ``joins_per_address``)."""

    def __init__(self, burst: int, interval: float) -> None:
        self.burst = burst
        self.interval = interval
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, address: str, now: float | None = None) -> float:
        """0.0 if another participant may join from ``address``, else the wait."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(address)
        if bucket is None:
            if len(self._buckets) >= 10_000:  # forget the oldest addresses first
                for stale in list(self._buckets)[:1000]:
                    del self._buckets[stale]
            bucket = self._buckets[address] = TokenBucket(1.0 / self.interval, self.burst, stamp=now)
        return bucket.take(now)


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
    callback = getattr(context.get("handle"), "_callback", None)
    if isinstance(exc, ValueError) and getattr(callback, "__name__", "") == "_start_serving":
        # asyncio retries accept() a second after running out of descriptors,
        # and does not cancel that retry when the server closes: on a stopped
        # server it finds the listening socket gone. Nothing is wrong then.
        return
    loop.default_exception_handler(context)
