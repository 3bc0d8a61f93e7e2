"""How many participants K nodes on one PostgreSQL hold at once, behind HAProxy.

    uv run python -m benchmarks.held --nodes 3 --sessions 30 --step 20 --max-total 6000

Many sessions (``--sessions``, made with :func:`server.create.make_session`, as
``kompsesjon new`` does) spread over ``--nodes`` nodes by HAProxy's hash of
their codes (:mod:`benchmarks.cluster`: a throwaway PostgreSQL with ``initdb``,
deploy/haproxy.cfg on loopback). Rounds: each adds ``--step`` lean
participants (:mod:`benchmarks.lean`, as ``benchmarks.run`` uses) to every
session, all at once, through the proxy; a round is *held* when

* every participant of the round is welcomed within ``--join-timeout`` s,
* then one participant per session checks in at once (an event to everyone
  in that session), and every participant of every session has that event
  within ``--deliver-timeout`` s,
* and every participant from the earlier rounds is still connected (none
  dropped, no reconnect),
* and every node is still running.

It goes on until a round is not held or ``--max-total`` participants are in
(a stated stop: this machine is shared). Each round prints the total, the
time to join and to deliver, the nodes' RSS and how many sessions each node
hosts, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from .cluster import Postgres, Proxy
from .lean import Participant, now
from .procs import HOST, KompsesjonServer
from .run import ORGS, _loop_factory, fresh_database, machine


async def make_sessions(db: str, count: int) -> list[str]:
    """``count`` new sessions in the shared database (given up at once, as ``kompsesjon new``); their codes."""
    from kompsesjon.templates import load_template
    from server.app import SessionServer
    from server.stores import open_store

    store = await open_store(db)
    server = SessionServer(store)
    try:
        template = load_template("framtidsverksted")
        return [(await server.create_session(template, title=f"Samling {n}")).code for n in range(count)]
    finally:
        await server.stop()


async def owners(db: str) -> dict[str, int]:
    """node process id -> how many sessions it holds now."""
    import asyncpg

    conn = await asyncpg.connect(db)
    try:
        rows = await conn.fetch("SELECT node FROM owners WHERE expires_at > now()")
    finally:
        await conn.close()
    held: dict[str, int] = {}
    for row in rows:
        pid = row["node"].split()[2]
        held[pid] = held.get(pid, 0) + 1
    return held


async def round_of(
    people: dict[str, list[Participant]], step: int, port: int, join_timeout: float, deliver_timeout: float
) -> dict:
    """Add ``step`` participants to every session; join, then a check-in per session to everyone."""
    before = {id(p): p.connects for ps in people.values() for p in ps}
    fresh: list[Participant] = []
    for code, ps in people.items():
        for _ in range(step):
            p = Participant(HOST, port, code, len(ps), org=ORGS[len(ps) % len(ORGS)], max_delay=1.0)
            ps.append(p)
            fresh.append(p)
    t0 = now()
    for p in fresh:
        p.start()
    out: dict = {"total": sum(len(ps) for ps in people.values())}
    try:
        async with asyncio.timeout(join_timeout):
            while not all(p.welcomed.is_set() for p in fresh):
                await asyncio.sleep(0.05)
    except TimeoutError:
        out["failed"] = (
            f"{sum(not p.welcomed.is_set() for p in fresh)} of {len(fresh)} not welcomed in {join_timeout} s"
        )
        return out
    out["joined_s"] = now() - t0
    joins = [p.welcomed_at - p.created_at for p in fresh]
    out["join_p50_s"], out["join_max_s"] = statistics.median(joins), max(joins)
    await asyncio.sleep(1.0)  # the room quiet again

    # One check-in per session at once: every participant of its session must have it.
    speakers = [ps[-1] for ps in people.values()]
    t0 = now()
    answers = await asyncio.gather(
        *(
            p.command("check_in", text=f"Her fra {p.org}, runde {len(ps)}")
            for p, ps in zip(speakers, people.values(), strict=True)
        ),
        return_exceptions=True,
    )
    refused = [a for a in answers if not (isinstance(a, dict) and a.get("type") == "ack")]
    if refused:
        out["failed"] = f"{len(refused)} check-ins not acknowledged: {str(refused[0])[:200]}"
        return out
    wanted = {code: answer["seq"] for code, answer in zip(people, answers, strict=True)}  # type: ignore[index]
    try:
        async with asyncio.timeout(deliver_timeout):
            while not all(p.seq >= wanted[code] for code, ps in people.items() for p in ps):
                await asyncio.sleep(0.02)
    except TimeoutError:
        late = sum(p.seq < wanted[code] for code, ps in people.items() for p in ps)
        out["failed"] = f"{late} participants without the check-in after {deliver_timeout} s"
        return out
    out["delivered_s"] = now() - t0
    dropped = sum(p.connects != before[id(p)] for ps in people.values() for p in ps if id(p) in before)
    if dropped:
        out["failed"] = f"{dropped} participants of earlier rounds reconnected meanwhile"
    return out


async def held(args: argparse.Namespace) -> dict:
    log = print
    postgres = None
    if args.pg_url is None:
        postgres = Postgres()
        postgres.start()
    url = args.pg_url or postgres.url()  # type: ignore[union-attr]
    nodes: list[KompsesjonServer] = []
    proxy = None
    people: dict[str, list[Participant]] = {}
    rounds: list[dict] = []
    try:
        db = await fresh_database(url, f"held_{int(time.time())}")
        codes = await make_sessions(db, args.sessions)  # first: a node on an empty database would make one more
        nodes = [await KompsesjonServer.start(db) for _ in range(args.nodes)]
        proxy = Proxy(Path(tempfile.mkdtemp(prefix="kompsesjon-proxy-")), [n.port for n in nodes])
        await proxy.start()
        people = {code: [] for code in codes}
        log(f"{args.nodes} nodes, {args.sessions} sessions, +{args.step} per session per round, through HAProxy")
        while True:
            result = await round_of(people, args.step, proxy.port, args.join_timeout, args.deliver_timeout)
            result["nodes_alive"] = sum(n.proc.returncode is None for n in nodes)
            result["rss_mb"] = [round(n.rss() / 2**20, 1) for n in nodes if n.proc.returncode is None]
            result["sessions_per_node"] = sorted((await owners(db)).values(), reverse=True)
            result["load_average"] = [round(x, 1) for x in os.getloadavg()]
            if result["nodes_alive"] < len(nodes):
                result["failed"] = result.get("failed") or f"{len(nodes) - result['nodes_alive']} node(s) exited"
            rounds.append(result)
            log(
                f"  {result['total']:>6} participants: "
                + (
                    f"FAILED ({result['failed']})"
                    if "failed" in result
                    else f"joined in {result['joined_s']:.1f} s (p50 {result['join_p50_s']:.2f} s,"
                    f" max {result['join_max_s']:.2f} s), check-in to all in {result['delivered_s']:.2f} s"
                )
                + f"; RSS {result['rss_mb']} MiB; sessions per node {result['sessions_per_node']};"
                f" load {result['load_average']}"
            )
            if "failed" in result or result["total"] + args.sessions * args.step > args.max_total:
                break
    finally:
        for ps in people.values():
            await asyncio.gather(*(p.stop() for p in ps), return_exceptions=True)
        if proxy is not None:
            await proxy.stop()
        for node in nodes:
            with contextlib.suppress(Exception):
                await node.stop()
        if postgres is not None:
            postgres.stop()
    good = [r for r in rounds if "failed" not in r]
    return {
        "machine": machine(),
        "config": vars(args),
        "rounds": rounds,
        "held": good[-1]["total"] if good else 0,
        "stopped": rounds[-1].get("failed", f"--max-total {args.max_total}") if rounds else "no round",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.held", description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=3, help="servers on one PostgreSQL behind HAProxy (default 3)")
    parser.add_argument("--sessions", type=int, default=30, help="sessions spread over the nodes (default 30)")
    parser.add_argument("--step", type=int, default=20, help="participants added to each session per round")
    parser.add_argument("--max-total", type=int, default=6000, help="stop before going beyond this many")
    parser.add_argument("--join-timeout", type=float, default=60.0, help="seconds for a round's joins")
    parser.add_argument("--deliver-timeout", type=float, default=10.0, help="seconds for the check-ins to reach all")
    parser.add_argument("--pg-url", help="an existing PostgreSQL (its postgres database); default: a throwaway one")
    parser.add_argument("--open-files", type=int, default=65536, help="limit on open files to ask for (root)")
    parser.add_argument("--json", help="write every round's figures to this file")
    args = parser.parse_args(argv)
    # A socket per participant here, two per participant in HAProxy (which
    # inherits the limit and takes about half of it as its maxconn): as many
    # as allowed (root may raise the hard limit).
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for wanted in (max(hard, args.open_files), hard):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            break
    print(f"open files: {resource.getrlimit(resource.RLIMIT_NOFILE)[0]} for this process, HAProxy and the nodes")
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        report = runner.run(held(args))
    m = report["machine"]
    print(f"\n{m['date']} · {m['cpu']} · {m['nproc']} cores · Python {m['python']}")
    print(f"held: {report['held']} participants at once ({args.nodes} nodes, {args.sessions} sessions);")
    print(f"stopped: {report['stopped']}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
