"""Several nodes on this machine: a throwaway PostgreSQL and HAProxy on loopback.

For the nodes tests (tests/server/test_nodes.py) and ``benchmarks.run
--store postgres --nodes K``.

PostgreSQL: ``initdb`` in a temporary folder, a loopback port.

Debian's package (``apt-get install postgresql``) puts the programs in
``/usr/lib/postgresql/<version>/bin``; some machines have them on PATH too.
PostgreSQL refuses to run as root, so as root it runs as the ``postgres``
user in a folder that user owns. Every wait is bounded, and stopping ends the
postmaster by its process id if ``pg_ctl stop`` did not (nothing is left running).
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT = 30.0
CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "haproxy.cfg"


def binaries() -> Path | None:
    """The folder with initdb and pg_ctl, or None if PostgreSQL is not installed
    (or, as root, there is no ``postgres`` user to run it as)."""
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    def __init__(self) -> None:
        self.bin = binaries()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="kompsesjon-pg-"))
        self.data = self.folder / "data"
        self.pid: int | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = START_TIMEOUT) -> subprocess.CompletedProcess[str]:
        assert self.bin is not None
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    def start(self) -> None:
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.folder.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        if not self.data.exists():  # else started again after halt()
            done = self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
            if done.returncode != 0:
                raise RuntimeError(f"initdb failed: {done.stderr.strip()[-500:]}")
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=200 -c shared_buffers=32MB"
        )
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "-t", "25", "start"
        )
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            self.pid = int(pid_file.read_text().split()[0])
        if done.returncode != 0:
            log = (self.folder / "log").read_text() if (self.folder / "log").exists() else ""
            self.stop()
            raise RuntimeError(f"PostgreSQL did not start: {done.stderr.strip()[-300:]} {log[-500:]}")

    def halt(self) -> None:
        """Stop it and keep its data (start() starts it again, on the same port)."""
        done = self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "20", "stop", timeout=25)
        if done.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not stop: {done.stderr.strip()[-300:]}")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "10", "stop", timeout=15)
        if self.pid is not None:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and _alive(self.pid):
                time.sleep(0.05)
            if _alive(self.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)


class Proxy:
    """HAProxy in the foreground with deploy/haproxy.cfg, its addresses swapped for loopback ports."""

    def __init__(self, folder: Path, node_ports: list[int]) -> None:
        self.port = free_port()
        text = CONFIG.read_text()
        text = text.replace("bind 127.0.0.1:8080", f"bind 127.0.0.1:{self.port}")
        text = re.sub(r"(?m)^    server node\d .*\n", "", text)
        text += "".join(f"    server node{n} 127.0.0.1:{port} check\n" for n, port in enumerate(node_ports, 1))
        self.config = folder / "haproxy.cfg"
        self.config.write_text(text)
        self.log = folder / "haproxy.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                shutil.which("haproxy") or "haproxy",
                "-db",
                "-f",
                str(self.config),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log,
            )
        async with asyncio.timeout(10):
            while True:
                assert self.proc.returncode is None, self.log.read_text()
                with contextlib.suppress(OSError):
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    writer.close()
                    break
                await asyncio.sleep(0.05)

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child is not alive; PostgreSQL's postmaster is not our child here.
    return True
