"""Start-up: how long a command takes, a server to listen, an app to join.

``kompsesjon --version`` used to take about a second because every command
imported the client (pydantic, the method) and the apps. This measures, as a
person meets them, the wall time of the commands that need no terminal app,
``serve`` from start to listening, and the participant app from start to
joined (its hello seen by a facilitator's client). Each figure is the median
of ``--runs`` fresh processes on 127.0.0.1.

    uv run python -m benchmarks.startup --runs 7
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.procs import KompsesjonServer
from kompsesjon.client import SessionClient

KOMPSESJON = [sys.executable, "-m", "kompsesjon"]


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


async def until_listening(db: Path) -> float:
    """``serve`` from its start to its «Stop with Ctrl+C» (listening, session made)."""
    start = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *KOMPSESJON, "serve", "--db", str(db), "--port", "0", stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    while b"Ctrl+C" not in await proc.stdout.readline():
        pass
    took = time.perf_counter() - start
    proc.terminate()
    await proc.wait()
    return took


async def until_joined(server: KompsesjonServer, host: SessionClient, n: int, tmp: Path) -> float:
    """The participant app from its start (in a terminal) to its join seen by the facilitator."""
    name = f"Deltaker {n}"
    argv = [*KOMPSESJON, "join", server.url, "--code", server.code, "--name", name, "--forget"]
    env = {**os.environ, "XDG_DATA_HOME": str(tmp), "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app in its own terminal
        os.execvpe(argv[0], argv, env)
    try:
        loop = asyncio.get_running_loop()
        loop.add_reader(fd, lambda: _drain(fd))  # a terminal nobody reads would block the app
        while not any(p.name == name for p in host.state.participants.values()):
            await asyncio.sleep(0.005)
        return time.perf_counter() - start
    finally:
        loop.remove_reader(fd)
        os.kill(pid, 15)
        await asyncio.to_thread(os.waitpid, pid, 0)
        os.close(fd)


def _drain(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.read(fd, 65536)


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "start.sqlite3"
        listening = [await until_listening(tmp / f"l{n}.sqlite3") for n in range(runs)]
        server = await KompsesjonServer.start(db)
        host = SessionClient(server.url, role="facilitator", token=server.token)
        host.start()
        await host.wait_ready()
        try:
            commands = {
                "--version": [*KOMPSESJON, "--version"],
                "--help": [*KOMPSESJON, "--help"],
                "serve --help": [*KOMPSESJON, "serve", "--help"],
                "sessions --db": [*KOMPSESJON, "sessions", "--db", str(db)],
                "export --format md": [*KOMPSESJON, "export", "--db", str(db), server.code, "--format", "md"],
            }
            for label, argv in commands.items():
                times = [wall(argv) for _ in range(runs)]
                print(f"{label:<22} median {statistics.median(times):.3f} s  (min {min(times):.3f})")
            print(f"{'serve → listening':<22} median {statistics.median(listening):.3f} s  (min {min(listening):.3f})")
            joined = [await until_joined(server, host, n, tmp) for n in range(runs)]
            print(f"{'join → joined':<22} median {statistics.median(joined):.3f} s  (min {min(joined):.3f})")
        finally:
            await host.close()
            await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per figure (default 7)")
    asyncio.run(main(parser.parse_args().runs))
