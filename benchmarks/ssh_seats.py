"""What an SSH participant costs: connect → painted, and memory per seat.

    uv run python -m benchmarks.ssh_seats --n 50 300
    uv run python -m benchmarks.ssh_seats --n 50 --gateway-src /tmp/before   # another version of the gateway

Not a test: it prints figures (and writes them with ``--json``). What runs:

* ``kompsesjon serve`` (a subprocess, fresh database) holds one session;
* ``kompsesjon ssh-gateway`` (a subprocess, from ``--gateway-src``, default
  this tree) lets people join it over SSH on 127.0.0.1;
* this process is the room: N asyncssh clients, each a person with its own
  user name (so each joins by name at once), asking for an 80×24 pty.

A seat is *painted* when the app's first full frame has reached the SSH
client: its output contains "Tilkoblet" (the header's connection status,
which Textual paints together with the session's title, agenda and check-in
form once the snapshot has arrived). Times are ``time.perf_counter()`` in this
process, from just before ``asyncssh.connect`` (so they include the SSH
handshake, the app's start, its websocket join and its first frame).

Per N:

1. **burst**: N people connect at once (or evenly spread over ``--ramp``
   seconds); connect → painted for each (p50, p95) and until the last one is
   painted;
2. the N seats are held (their output is read and dropped, as a terminal
   would); after a few seconds: **USS** (unique memory: Private_Clean +
   Private_Dirty from /proc/PID/smaps_rollup) of every seat, of the gateway and
   of its zygote; **CPU** the seats have used so far (their start);
3. **idle**: CPU used by seats, gateway and zygote over ``--idle`` seconds;
   **busy** (with ``--busy S``): the same over S seconds while five more
   people (websocket clients, as the web page is) check in ``--busy-rate``
   times a second in all (each check-in an event every seat receives and
   shows: the intro view lists the room's check-ins);
4. **next**: with the N held, ``--next`` more people connect one after the
   other: connect → painted of each (median);
5. all disconnect; the time until no seat process is left (no orphans).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import asyncssh

from benchmarks.procs import HOST, ROOT, KompsesjonServer
from kompsesjon.client import SessionClient, new_id
from kompsesjon.method.commands import CheckIn

PAINTED = b"Tilkoblet"
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Figures:
    design: str
    n: int
    burst_p50: float = 0.0
    burst_p95: float = 0.0
    burst_all: float = 0.0  # s until the last of the N was painted
    failed: int = 0  # not painted within --deadline
    next_median: float = 0.0  # s, one more person with N held
    next_each: list[float] = field(default_factory=list)
    cpu_per_seat: float = 0.0  # CPU seconds a seat used from its start until held
    processes: int = 0  # seat processes (seats, or seat hosts) holding the N
    uss_seat_median: float = 0.0  # MiB, of a seat process (a seat, or a seat host)
    uss_seat_max: float = 0.0
    uss_gateway: float = 0.0  # MiB, the gateway and its zygote (if any)
    uss_total_per_seat: float = 0.0  # (seat processes + gateway + zygote) / people held, MiB
    idle_cores: float = 0.0  # CPU of seats + gateway + zygote while idle, in cores
    busy_cores: float = 0.0  # the same while the room checks in (--busy)
    gone_after: float = 0.0  # s from everyone's disconnect until no seat is left
    left_over: int = 0


# ---- /proc ------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def descendants(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(stat[1])
    found: list[int] = []
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found.extend(frontier)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def uss_mib(pid: int) -> float:
    total = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    except OSError:
        return 0.0
    return total / 1024


def cpu_seconds(pid: int) -> float:
    stat = _stat(pid)
    return (int(stat[11]) + int(stat[12])) / TICK if stat else 0.0


def _holds_apps(command: str) -> bool:
    return " join " in command or "seats (host)" in command


class Gateway:
    """``kompsesjon ssh-gateway`` from a source tree, as a subprocess."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc = proc
        self.port = port

    @classmethod
    async def start(cls, src: Path, url: str, code: str, work: Path, apps_per_process: int | None = None) -> Gateway:
        log = work / "gateway.log"
        extra = [] if apps_per_process is None else ["--apps-per-process", str(apps_per_process)]
        with log.open("wb") as out:  # a file, not a pipe: seats would hold a pipe open
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "kompsesjon", "ssh-gateway", "--url", url, "--code", code,
                "--port", "0", "--host-key", str(work / "hostkey"), "--max-sessions", "5000", *extra,
                stdout=out, stderr=asyncio.subprocess.STDOUT, cwd=src,
                env={**os.environ, "PYTHONPATH": str(src), "XDG_DATA_HOME": str(work / "data")},
            )  # fmt: skip
        async with asyncio.timeout(120):
            while "Stop with Ctrl+C" not in (text := log.read_text(errors="replace")):
                if proc.returncode is not None:
                    raise RuntimeError("the gateway exited:\n" + text)
                await asyncio.sleep(0.1)
        port = int(text.split(f"on {HOST}:", 1)[1].split()[0])
        return cls(proc, port)

    def seats(self) -> list[int]:
        """The processes that hold people's apps: seats (one app each) or seat hosts (several)."""
        return [pid for pid in descendants(self.proc.pid) if _holds_apps(cmdline(pid))]

    def helpers(self) -> list[int]:
        """The gateway and anything of it that holds no app (the zygote)."""
        return [self.proc.pid, *(pid for pid in descendants(self.proc.pid) if not _holds_apps(cmdline(pid)))]

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


class Person:
    """One SSH client with a terminal; reads (and drops) what the app paints."""

    def __init__(self, port: int, name: str) -> None:
        self.port = port
        self.name = name
        self.conn: asyncssh.SSHClientConnection | None = None
        self.painted = asyncio.get_running_loop().create_future()
        self._reader: asyncio.Task | None = None

    async def connect(self, after: float = 0.0) -> float:
        """Seconds from connecting (``after`` seconds from now) until the app's first full frame arrived."""
        await asyncio.sleep(after)
        start = time.perf_counter()
        self.conn = await asyncssh.connect(
            HOST, self.port, username=self.name, known_hosts=None, client_keys=None, agent_path=None
        )
        process = await self.conn.create_process(term_type="xterm-256color", term_size=(80, 24), encoding=None)
        self._reader = asyncio.ensure_future(self._read(process))
        await self.painted
        return time.perf_counter() - start

    async def _read(self, process: asyncssh.SSHClientProcess) -> None:
        tail = b""
        while chunk := await process.stdout.read(65536):
            if not self.painted.done():
                tail = tail[-len(PAINTED) :] + chunk
                if PAINTED in tail:
                    self.painted.set_result(None)
        if not self.painted.done():
            self.painted.set_exception(RuntimeError(f"{self.name}: the session ended before the app was painted"))

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            await self.conn.wait_closed()
        if self._reader is not None:
            self._reader.cancel()


async def measure(n: int, design: str, src: Path, args: argparse.Namespace) -> Figures:
    figures = Figures(design, n)
    with tempfile.TemporaryDirectory(prefix="kompsesjon-ssh-bench-") as tmp:
        work = Path(tmp)
        server = await KompsesjonServer.start(work / "db.sqlite3")
        gateway = await Gateway.start(src, server.url, server.code, work, args.apps_per_process)
        people: list[Person] = []
        try:
            await asyncio.sleep(1)  # let the zygote (if any) settle
            people = [Person(gateway.port, f"p{i:04d}") for i in range(n)]
            began = time.perf_counter()
            tasks = [asyncio.ensure_future(p.connect(after=i * args.ramp / n)) for i, p in enumerate(people)]
            done, pending = await asyncio.wait(tasks, timeout=args.ramp + args.deadline)
            figures.burst_all = time.perf_counter() - began
            for task in pending:
                task.cancel()
            times = sorted(t.result() for t in done if not t.exception())
            figures.failed = n - len(times)  # not painted within the deadline, or refused
            # Closed before painted (the gateway's limits on connections still
            # logging in: 64 at once, 10 s each), or not painted in time.
            problems = Counter(type(t.exception()).__name__ for t in done if t.exception())
            problems.update({"not painted within the deadline": len(pending)} if pending else {})
            for problem, count in problems.most_common():
                print(f"  failed: {count} × {problem}", file=sys.stderr)
            if times:
                figures.burst_p50 = statistics.median(times)
                figures.burst_p95 = times[min(len(times) - 1, int(0.95 * len(times)))]

            await asyncio.sleep(args.settle)
            seats = gateway.seats()
            uss = sorted(uss_mib(pid) for pid in seats)
            helpers = gateway.helpers()
            figures.uss_seat_median = statistics.median(uss) if uss else 0.0
            figures.uss_seat_max = uss[-1] if uss else 0.0
            figures.processes = len(seats)
            figures.uss_gateway = sum(uss_mib(pid) for pid in helpers)
            held = sum(1 for p in people if p.painted.done() and not p.painted.exception())
            figures.uss_total_per_seat = (sum(uss) + figures.uss_gateway) / max(1, held)
            figures.cpu_per_seat = sum(cpu_seconds(pid) for pid in seats) / max(1, held)

            watched = seats + helpers
            before, since = sum(cpu_seconds(pid) for pid in watched), time.perf_counter()
            await asyncio.sleep(args.idle)
            used = sum(cpu_seconds(pid) for pid in watched) - before
            figures.idle_cores = used / (time.perf_counter() - since)

            if args.busy:
                figures.busy_cores = await busy_room(server, watched, args.busy, args.busy_rate)

            for i in range(args.next):
                person = Person(gateway.port, f"next{i:02d}")
                people.append(person)
                try:
                    figures.next_each.append(round(await asyncio.wait_for(person.connect(), args.deadline), 3))
                except (TimeoutError, OSError, asyncssh.Error, RuntimeError) as exc:
                    print("  next failed:", repr(exc), file=sys.stderr)
                    figures.next_each.append(float("inf"))
                await asyncio.sleep(0.5)
            figures.next_median = statistics.median(figures.next_each) if figures.next_each else 0.0
        finally:
            gone = time.perf_counter()
            await asyncio.gather(*(p.close() for p in people), return_exceptions=True)
            deadline = time.monotonic() + 30
            while gateway.seats() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            figures.gone_after = time.perf_counter() - gone
            figures.left_over = len(gateway.seats())
            await gateway.stop()
            await server.stop()
    return figures


async def busy_room(server: KompsesjonServer, watched: list[int], seconds: float, rate: float) -> float:
    """CPU of seats, gateway and zygote (in cores) while ``rate`` check-ins a
    second come from the room (five people on websockets, as at the web page)."""
    people = [SessionClient(server.url, role="participant", code=server.code, name=f"w{i}") for i in range(5)]
    for person in people:
        person.start()
    try:
        await asyncio.gather(*(person.wait_ready() for person in people))
        before, since = sum(cpu_seconds(pid) for pid in watched), time.perf_counter()
        sent = 0
        while (elapsed := time.perf_counter() - since) < seconds:
            if sent < elapsed * rate:
                people[sent % len(people)].submit(CheckIn(id=new_id(), text=f"Håp nummer {sent}"))
                sent += 1
            await asyncio.sleep(min(0.05, 1 / rate))
        used = sum(cpu_seconds(pid) for pid in watched) - before
        return used / (time.perf_counter() - since)
    finally:
        await asyncio.gather(*(person.close() for person in people), return_exceptions=True)


def row(f: Figures) -> str:
    return (
        f"| {f.design} | {f.n} | {f.burst_p50:.2f} / {f.burst_p95:.2f} / {f.burst_all:.1f} | {f.next_median:.2f} "
        f"| {f.cpu_per_seat:.2f} | {f.processes} | {f.uss_seat_median:.1f} | {f.uss_gateway:.0f} "
        f"| {f.uss_total_per_seat:.1f} "
        f"| {f.idle_cores:.2f} | {f.busy_cores:.2f} | {f.gone_after:.1f} / {f.left_over} | {f.failed} |"
    )


HEADER = (
    "| seat | N | burst: connect → painted p50 / p95 / last (s) | next, N held (s) | CPU per seat (s) "
    "| seat processes | USS per process (MiB) | gateway + zygote USS (MiB) | all USS / N (MiB) | idle (cores) "
    "| busy (cores) | all gone after (s) / left | failed |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[50, 300], help="people connecting at once")
    parser.add_argument("--gateway-src", type=Path, default=ROOT, help="source tree to run the gateway from")
    parser.add_argument("--design", help="name of the design in the table (default: the tree's folder name)")
    parser.add_argument("--next", type=int, default=5, help="people connecting one by one with N held")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measured")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after the burst before measuring memory")
    parser.add_argument("--deadline", type=float, default=180.0, help="seconds a burst may take (then: failed)")
    parser.add_argument(
        "--ramp", type=float, default=0.0,
        help="spread the N arrivals evenly over this many seconds (default: all at once; the gateway closes "
        "the oldest of more than 64 connections still logging in, so a burst of 300 is mostly refused)",
    )  # fmt: skip
    parser.add_argument("--busy", type=float, default=0.0, help="seconds of a busy room measured (default: none)")
    parser.add_argument("--busy-rate", type=float, default=4.0, help="check-ins a second in the busy room")
    parser.add_argument(
        "--apps-per-process", type=int,
        help="the gateway's --apps-per-process (default: the gateway's own default; not for trees without it)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    design = args.design or args.gateway_src.resolve().name
    rows = []
    print(HEADER, flush=True)
    for n in args.n:
        print(f"{design}: {n} people …", file=sys.stderr, flush=True)
        rows.append(await measure(n, design, args.gateway_src.resolve(), args))
        print(row(rows[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
