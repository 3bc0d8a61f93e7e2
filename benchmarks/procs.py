"""Servers as subprocesses: the kompsesjon server and the raw baseline.

Both are started with the interpreter running the benchmark (``sys.executable``)
so that the process id we hold is the Python process itself (its VmRSS is the
server's memory). Only 127.0.0.1 is ever used.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
# The source tree the kompsesjon server runs from (``--server-src``: compare
# two versions of server/ with the same load generator).
SERVER_SRC: Path = ROOT


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc/PID/status (VmRSS, in kB)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


class _Process:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._drain: asyncio.Task | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss(self) -> int:
        return rss_bytes(self.proc.pid)

    def drain(self) -> None:
        """Keep reading its output so that a full pipe never blocks the server."""

        async def reader() -> None:
            assert self.proc.stdout is not None
            while line := await self.proc.stdout.readline():
                self.lines.append(line.decode(errors="replace").rstrip())

        self._drain = asyncio.get_running_loop().create_task(reader())

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._drain is not None:
            try:
                await asyncio.wait_for(self._drain, 5)
            except (TimeoutError, asyncio.CancelledError):
                self._drain.cancel()
        return self.proc.returncode if self.proc.returncode is not None else -1


class KompsesjonServer(_Process):
    """``kompsesjon serve`` in a subprocess; parses what it prints (as tests/server/test_crash.py)."""

    url: str
    port: int
    code: str
    token: str

    @classmethod
    async def start(
        cls,
        db: Path | str,
        *,
        port: int = 0,
        rate: float = 1_000_000,
        joins: int | None = 1_000_000,
        extra: tuple[str, ...] = (),
        timeout: float = 60.0,
    ) -> KompsesjonServer:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kompsesjon",
            "serve",
            "--db",
            str(db),
            "--host",
            HOST,
            "--port",
            str(port),
            *(() if "--resume" in extra else ("--title", "Benchmark")),  # a resume keeps its title
            "--rate",
            str(rate),
            # A thousand people join from loopback (None: the default, or a
            # server from before the option, --server-src).
            *(("--joins-per-address", str(joins)) if joins is not None else ()),
            *extra,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=SERVER_SRC,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(SERVER_SRC), "KOMPSESJON_LANG": "en"},
        )
        self = cls(proc)
        info: dict = {}
        async with asyncio.timeout(timeout):
            while "ready" not in info:
                assert proc.stdout is not None
                raw = await proc.stdout.readline()
                line = raw.decode(errors="replace")
                self.lines.append(line.rstrip())
                if not raw:
                    raise RuntimeError("the server exited early:\n" + "\n".join(self.lines))
                if m := re.search(r"serving on (ws://\S+)", line):
                    info["url"] = m.group(1)
                    info["port"] = int(info["url"].rsplit(":", 1)[1])
                elif (m := re.search(r"join code:\s+(\w+)", line)) or (m := re.search(r"join code (\w+)", line)):
                    info["code"] = m.group(1)
                elif m := re.search(r"facilitator token:\s+(\S+)", line):
                    info["token"] = m.group(1)
                elif "Stop with Ctrl+C" in line:
                    info["ready"] = True
        self.url, self.port = info["url"], info["port"]
        self.code, self.token = info.get("code", ""), info.get("token", "")
        self.drain()
        return self


class RawServer(_Process):
    port: int

    @classmethod
    async def start(cls, timeout: float = 30.0) -> RawServer:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.raw_server",
            "--port",
            "0",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self = cls(proc)
        async with asyncio.timeout(timeout):
            assert proc.stdout is not None
            while True:
                raw = await proc.stdout.readline()
                if not raw:
                    raise RuntimeError("the raw server exited early:\n" + "\n".join(self.lines))
                line = raw.decode().strip()
                self.lines.append(line)
                if m := re.match(r"listening on (\d+)", line):
                    self.port = int(m.group(1))
                    break
        self.drain()
        return self
