"""One server per database: a lock that a second ``serve`` finds taken.

Two servers on one database file would each replay the log and then number
new events on their own: the room splits, and their commits collide. So a
:class:`~server.store.Store` that writes takes an exclusive ``flock`` on a
small file beside the database (``PATH.lock``) and keeps it until it closes.
The kernel drops the lock when the process ends however it ends (``kill -9``,
a crash), so there is nothing stale to clean up after one. The file says who
holds it (process id, host, since when) for the message the second one gets.

The lock is a file of its own, not the database: SQLite's locks on the
database file are POSIX record locks, and readers (``kompsesjon export``,
``sqlite3 … .backup``) must still be able to open it while a server runs.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import os
import socket
from pathlib import Path


class Taken(Exception):
    """Another process holds the lock; the message says which."""


class InstanceLock:
    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, database: str | Path) -> InstanceLock:
        """Take the lock of ``database`` (raises Taken, or OSError if the
        lock file cannot be made: a read-only folder)."""
        path = Path(f"{database}.lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip()
            os.close(fd)
            raise Taken(holder_text(holder)) from None
        except BaseException:
            os.close(fd)
            raise
        since = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {socket.gethostname()} {since}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing drops the flock
            self._fd = None


def holder_text(holder: str) -> str:
    """'process 1234 on laptop, since 2026-11-30 10:02:11' from the lock file."""
    pid, _, rest = holder.partition(" ")
    host, _, since = rest.partition(" ")
    if not pid.isdigit():
        return "another process"
    return f"process {pid} on {host or 'this machine'}, since {since or '?'}"
