"""Issue 19's attacks with only the join code, measured against a real ``serve``.

Each attack runs against its own fresh ``kompsesjon serve`` subprocess with
the default limits (``--server-src DIR`` runs another checkout's server, to
measure before and after with the same attacker)::

    uv run python -m benchmarks.attacks flood      # junk from one connection that never reads
    uv run python -m benchmarks.attacks cards      # one participant, 16 connections, the largest cards
    uv run python -m benchmarks.attacks joins      # 7,000 joins with the longest names
    uv run python -m benchmarks.attacks guesses    # 3,000 wrong codes from rotating loopback addresses
    uv run python -m benchmarks.attacks rate       # one participant with 30 connections
    uv run python -m benchmarks.attacks all

Results are written in benchmarks/README.md and docs/security.md. Only
127.0.0.0/8 is used.
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
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from . import procs

EMOJI = "\U0001f600"
BIG = 64 << 20  # the attacker's own clients accept anything


def hello(code: str, n: int, *, name: str = "", org: str = "", secret: str | None = None) -> str:
    return json.dumps(
        {
            "type": "hello",
            "role": "participant",
            "code": code,
            "resume": secret or f"attack-{n:07d}-resume-secret",
            "name": name or f"P{n}",
            "org": org,
        }
    )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def until(ws, *types: str, timeout: float = 120.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] in types:
                return message


async def start(folder: Path) -> procs.KompsesjonServer:
    return await procs.KompsesjonServer.start(folder / "attack.sqlite3", rate=20.0, joins=None)


async def advance(server: procs.KompsesjonServer, to: int) -> None:
    async with connect(server.url, proxy=None, max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "facilitator", "token": server.token}))
        welcome = await until(ws, "welcome")
        assert welcome["role"] == "facilitator"
        for phase in range(to):
            await ws.send(json.dumps({"type": "advance_phase", "id": f"a{phase}", "current": phase}))
            await until(ws, "ack", "rejected")


async def everyone_connects(server: procs.KompsesjonServer) -> dict:
    """Seconds until a host, a screen and a new participant (from 127.0.0.2) are welcomed, and snapshot sizes."""
    out: dict = {}

    async def one(name: str, first: str, local: str = "127.0.0.1") -> None:
        began = time.perf_counter()
        try:
            async with connect(
                server.url, proxy=None, max_size=8 << 20 if args.client_limit else None, local_addr=(local, 0)
            ) as ws:
                await ws.send(first)
                size = 0
                async with asyncio.timeout(120):
                    while True:
                        raw = await ws.recv()
                        message = json.loads(raw)
                        if message["type"] == "snapshot":
                            size = len(raw.encode())
                        if message["type"] in ("welcome", "error"):
                            break
                out[name] = {
                    "seconds": round(time.perf_counter() - began, 2),
                    "snapshot_bytes": size,
                    "got": message["type"] if message["type"] == "welcome" else message["code"],
                }
        except (ConnectionClosed, OSError, TimeoutError) as exc:
            out[name] = {"seconds": round(time.perf_counter() - began, 2), "got": repr(exc)[:80]}

    await asyncio.gather(
        one("host", json.dumps({"type": "hello", "role": "facilitator", "token": server.token})),
        one("screen", json.dumps({"type": "hello", "role": "screen", "code": server.code})),
        one("newcomer", hello(server.code, 9_999_999, name="Ny"), "127.0.0.2"),
    )
    return out


# ---- the attacks ---------------------------------------------------------------------


async def flood(folder: Path) -> dict:
    """Junk from one participant's connection that never reads, while a calm
    participant checks in every 50 ms: its ack latency and the server's memory."""
    server = await start(folder)
    try:
        calm = await connect(server.url, proxy=None, max_size=None)
        await calm.send(hello(server.code, 1, name="Rolig"))
        await until(calm, "welcome")
        rss_before = server.rss()
        cpu_before = cpu_seconds(server.pid)
        stop = time.perf_counter() + args.seconds
        # The flooder is a process of its own: its loop must not slow the calm client's.
        flooder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.attacks",
            "_flooder",
            "--url",
            server.url,
            "--code",
            server.code,
            "--seconds",
            str(args.seconds),
            stdout=asyncio.subprocess.PIPE,
            cwd=procs.ROOT,
        )

        latencies: list[float] = []
        worst: list[tuple[float, float]] = []  # (latency, seconds into the flood)
        rss_most = rss_before
        began = time.perf_counter()

        async def checkins() -> None:
            nonlocal rss_most
            n = 0
            while time.perf_counter() < stop:
                n += 1
                sent_at = time.perf_counter()
                await calm.send(json.dumps({"type": "check_in", "id": f"c{n}", "text": f"hei {n}"}))
                reply = await until(calm, "ack", "rejected")
                if reply["type"] == "ack":
                    latencies.append(time.perf_counter() - sent_at)
                    worst.append((latencies[-1], sent_at - began))
                rss_most = max(rss_most, server.rss())
                await asyncio.sleep(0.05)

        await checkins()
        out, _ = await flooder.communicate()
        junk = json.loads(out)
        latencies.sort()
        return {
            **junk,
            "acks": len(latencies),
            "ack_p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
            "ack_p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1) if latencies else None,
            "rss_before_mib": round(rss_before / 2**20, 1),
            "rss_most_mib": round(rss_most / 2**20, 1),
            "server_cpu_s": round(cpu_seconds(server.pid) - cpu_before, 2),
            "slowest_ms_at_s": [(round(1000 * a, 1), round(b, 2)) for a, b in sorted(worst, reverse=True)[:5]],
        }
    finally:
        await server.stop()


async def cards(folder: Path) -> dict:
    """One participant, 16 connections, 3,600 of the largest emoji cards, as fast as it can."""
    server = await start(folder)
    try:
        await advance(server, 1)
        secret = "bomb-card-writer-resume-secret"
        text = EMOJI * args.card_emoji
        sockets = []
        for _ in range(16):
            ws = await connect(server.url, proxy=None, max_size=None)
            await ws.send(hello(server.code, 0, name=EMOJI * 30, secret=secret))
            sockets.append(ws)
        began = time.perf_counter()
        answers = {"ack": 0, "rejected": 0}

        async def write(n: int, ws) -> None:
            try:
                for k in range(3600 // 16):
                    item = {"type": "add_item", "id": f"b{n}-{k}", "board": "critique", "text": f"{n}.{k}{text}"}
                    await ws.send(json.dumps(item))
                async with asyncio.timeout(30):
                    while True:
                        message = json.loads(await ws.recv())
                        if message["type"] in answers:
                            answers[message["type"]] += 1
            except (ConnectionClosed, TimeoutError):
                pass

        await asyncio.gather(*(write(n, ws) for n, ws in enumerate(sockets)))
        seconds = time.perf_counter() - began
        for ws in sockets:
            ws.transport.abort()
        return {"seconds": round(seconds, 1), **answers, "then": await everyone_connects(server)}
    finally:
        await server.stop()


async def joins(folder: Path) -> dict:
    """7,000 joins with the longest names, 100 at a time."""
    server = await start(folder)
    try:
        welcomed = refused = 0
        began = time.perf_counter()

        async def join(n: int) -> None:
            nonlocal welcomed, refused
            try:
                async with connect(server.url, proxy=None, max_size=None, open_timeout=60) as ws:
                    await ws.send(hello(server.code, n, name=f"{n}" + EMOJI * 29, org=EMOJI * 40))
                    reply = await until(ws, "welcome", "error", timeout=60)
                    welcomed += reply["type"] == "welcome"
                    refused += reply["type"] == "error"
            except (ConnectionClosed, OSError, TimeoutError):
                refused += 1

        for start_at in range(0, args.joins, 100):
            await asyncio.gather(*(join(n) for n in range(start_at, min(start_at + 100, args.joins))))
        seconds = time.perf_counter() - began
        return {
            "joins_tried": args.joins,
            "welcomed": welcomed,
            "refused": refused,
            "seconds": round(seconds, 1),
            "then": await everyone_connects(server),
        }
    finally:
        await server.stop()


async def guesses(folder: Path) -> dict:
    """3,000 wrong codes, each from another loopback address."""
    server = await start(folder)
    try:
        seen: dict[str, int] = {}
        began = time.perf_counter()

        async def guess(n: int) -> None:
            local = f"127.{(n // 250) % 250}.{n % 250 + 1}.{7}"
            try:
                async with connect(server.url, proxy=None, local_addr=(local, 0)) as ws:
                    await ws.send(json.dumps({"type": "hello", "role": "screen", "code": f"{n:06d}"}))
                    code = json.loads(await ws.recv()).get("code", "?")
            except (ConnectionClosed, OSError) as exc:
                code = type(exc).__name__
            seen[code] = seen.get(code, 0) + 1

        for start_at in range(0, 3000, 50):
            await asyncio.gather(*(guess(n) for n in range(start_at, start_at + 50)))
        seconds = time.perf_counter() - began
        wrong = seen.get("bad_code", 0)
        return {"answers": seen, "seconds": round(seconds, 1), "codes_tried_per_s": round(wrong / seconds, 1)}
    finally:
        await server.stop()


async def rate(folder: Path) -> dict:
    """One participant with 30 connections checking in as fast as each may: accepted a second."""
    server = await start(folder)
    try:
        secret = "rate-many-connections-resume-secret"
        sockets = []
        for _ in range(30):
            ws = await connect(server.url, proxy=None, max_size=None)
            await ws.send(hello(server.code, 0, name="Mange", secret=secret))
            sockets.append(ws)
        acks = 0
        stop = time.perf_counter() + args.seconds

        async def send(n: int, ws) -> None:
            nonlocal acks
            k = 0
            try:
                async with asyncio.timeout(args.seconds + 5):
                    while time.perf_counter() < stop:
                        k += 1
                        await ws.send(json.dumps({"type": "check_in", "id": f"r{n}-{k}", "text": f"{n} {k}"}))
                        reply = await until(ws, "ack", "rejected", "error")
                        acks += reply["type"] == "ack"
                        if reply["type"] != "ack":
                            await asyncio.sleep(float(reply.get("details", {}).get("retry_after", 0.05)))
            except (ConnectionClosed, TimeoutError):
                pass

        await asyncio.gather(*(send(n, ws) for n, ws in enumerate(sockets)))
        return {"connections_tried": 30, "acks_per_s": round(acks / args.seconds, 1)}
    finally:
        await server.stop()


async def flooder_process() -> None:
    """The flood's sender: junk as fast as it can, never reading; when and how it was closed."""
    ws = await connect(args.url, proxy=None, max_size=None, max_queue=1)
    await ws.send(hello(args.code, 2, name="Flom"))
    await asyncio.sleep(0.5)
    began = time.perf_counter()
    stop = began + args.seconds
    sent = 0
    try:
        while time.perf_counter() < stop:
            for _ in range(50):
                await ws.send("[]")
            sent += 50
            await asyncio.sleep(0)
    except ConnectionClosed:
        pass
    write_failed = time.perf_counter() - began
    closed = "open"
    try:  # now read: what the server said last
        async with asyncio.timeout(10):
            async for _ in ws:
                pass
    except (TimeoutError, ConnectionClosed):
        pass
    if ws.close_code is not None:
        closed = f"{ws.close_code} {ws.close_reason}".strip()
    print(
        json.dumps(
            {"junk_frames_sent": sent, "flooder_stopped_after_s": round(write_failed, 2), "flooder_closed": closed}
        )
    )


ATTACKS = {"flood": flood, "cards": cards, "joins": joins, "guesses": guesses, "rate": rate}


async def main() -> None:
    for name in ATTACKS if args.attack == "all" else [args.attack]:
        with tempfile.TemporaryDirectory() as folder:
            result = await ATTACKS[name](Path(folder))
        print(json.dumps({name: result}), flush=True)


parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
parser.add_argument("attack", choices=[*ATTACKS, "all", "_flooder"])
parser.add_argument("--url", help=argparse.SUPPRESS)
parser.add_argument("--code", help=argparse.SUPPRESS)
parser.add_argument("--seconds", type=float, default=15.0, help="length of the flood and rate attacks")
parser.add_argument("--joins", type=int, default=7000)
parser.add_argument("--card-emoji", type=int, default=139, help="emoji per card (139: the largest card allowed now)")
parser.add_argument("--client-limit", action="store_true", help="host, screen, newcomer accept only 8 MiB")
parser.add_argument("--server-src", type=Path, help="run the server from another checkout (before/after)")
args = argparse.Namespace()

if __name__ == "__main__":
    args = parser.parse_args()
    if args.server_src:
        procs.SERVER_SRC = args.server_src.resolve()
    asyncio.run(flooder_process() if args.attack == "_flooder" else main())
