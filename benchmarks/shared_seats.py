"""What a participant app costs when K of them share one forked process.

    uv run python -m benchmarks.shared_seats --k 1 10 30

An experiment for the SSH seats (benchmarks/README.md, "SSH seats"): would
running several apps in one *seat host* process, forked from the zygote,
bring a seat's unique memory (USS) to ≤ 10 MiB? It did; the gateway now
does so (server/seat_host.py), measured with its real drivers by
``benchmarks.ssh_seats --apps-per-process K``.

What runs: ``kompsesjon serve`` (a subprocess, one session); a subprocess
that loads what the zygote loads (:func:`server.seats.preload`, then
``gc.freeze``) and forks, as the zygote does; the forked child, the *host*,
runs K participant apps at once on one event loop, each joining by its own
name, headless (Textual's headless driver: no terminal, so without the two
threads and the output queue a real terminal's driver adds to each app: not
measured here). Once every app shows the session, the host's USS
(Private_Clean + Private_Dirty of /proc/PID/smaps_rollup) is read; per seat
is USS / K. The pre-fork process (the "zygote") is not counted: it is shared
by every host.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.procs import KompsesjonServer
from benchmarks.ssh_seats import uss_mib


async def _host(url: str, code: str, k: int, work: Path) -> None:
    """In the forked host: K apps on one loop; say when all show the session."""
    from kompsesjon.tui.participant.app import ParticipantApp

    apps = [ParticipantApp(url, code=code, name=f"p{i:03d}", resume_file=work / f"r{i}.txt") for i in range(k)]
    runs = [asyncio.ensure_future(app.run_async(headless=True, size=(80, 24))) for app in apps]

    def painted(app: ParticipantApp) -> bool:
        client = app.client
        return client is not None and client.state is not None and app.screen is app.session_screen

    async with asyncio.timeout(300):
        while not all(painted(app) for app in apps):
            await asyncio.sleep(0.1)
    await asyncio.sleep(3)  # settle: the first frames, the join's events
    gc.collect()
    print("painted", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # until measured
    for app in apps:
        app.exit()
    await asyncio.gather(*runs, return_exceptions=True)


def child(url: str, code: str, k: int, work: Path) -> int:
    """The pre-fork process: load as the zygote does, fork the host, wait."""
    from server.seats import preload

    preload()
    gc.collect()
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        try:
            asyncio.run(_host(url, code, k, work))
        finally:
            os._exit(0)
    print(f"host {pid}", flush=True)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


async def measure(k: int, server: KompsesjonServer, work: Path) -> tuple[float, float]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.shared_seats", "--child", server.url, server.code, str(k), str(work),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdin is not None
    host = int((await proc.stdout.readline()).split()[1])
    line = await asyncio.wait_for(proc.stdout.readline(), 600)
    if line.strip() != b"painted":
        raise RuntimeError(f"the host said {line!r}")
    uss = uss_mib(host)
    proc.stdin.write(b"\n")
    await proc.stdin.drain()
    await proc.wait()
    return uss, uss / k


async def main(ks: list[int]) -> int:
    print("| apps in one process (K) | host USS (MiB) | USS per app (MiB) |\n|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory(prefix="kompsesjon-shared-seats-") as tmp:
        server = await KompsesjonServer.start(Path(tmp) / "db.sqlite3")
        try:
            for k in ks:
                work = Path(tmp) / f"k{k}"
                work.mkdir()
                uss, per_app = await measure(k, server, work)
                print(f"| {k} | {uss:.1f} | {per_app:.1f} |", flush=True)
        finally:
            await server.stop()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, nargs="+", default=[1, 10, 30], help="apps in one host process")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)  # the pre-fork process (no event loop: it forks)
    args = parser.parse_args()
    if args.child:
        url, code, k, work = args.child
        sys.exit(child(url, code, int(k), Path(work)))
    sys.exit(asyncio.run(main(args.k)))
