"""The server's cost per command without sockets: parse, decide, plan, write.

    uv run python -m benchmarks.core                      # this tree
    uv run python -m benchmarks.core --server-src DIR     # another tree's server/ (A/B)
    uv run python -m benchmarks.core --mode join --n 500

One session hub with N participants and a facilitator on stand-in
connections (a transport that counts bytes) and a store that keeps nothing,
so what is measured is the hub's own work, on one core, without the kernel,
the clients or SQLite. Workloads (``--mode``):

* ``edit``: every participant edits their own private card (events to the
  author and the facilitator), one batch of N commands per round;
* ``checkin``: every participant checks in (each event to everyone);
* ``join``: N new participants say hello in one batch;
* ``plan``: on islands of five, every participant saves a field of their
  island's action plan (100 characters): full text to the island, the
  facilitator and screens, compact to everyone else where the server does so.

Frames are parsed as a connection's would be. The figure is the process's
CPU time per command (or per join; ``time.process_time``, so other programs
on a shared machine do not count), the median of ``--repeat`` runs, and the
bytes the hub wrote to all connections per command. ``--server-src``
also accepts a tree from before the session core (7d7a406 and earlier).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from websockets.protocol import State as WsState


class _Transport:
    def __init__(self) -> None:
        self.written = 0

    def write(self, data: bytes) -> None:
        self.written += len(data)

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return False

    def abort(self) -> None:
        pass


class _Protocol:
    state = WsState.OPEN
    extensions: list = []


class StandIn:
    """What the hub's writer touches of a websocket connection."""

    def __init__(self) -> None:
        self.transport = _Transport()
        self.protocol = _Protocol()
        self.send_in_progress = None
        self.remote_address = ("127.0.0.1", 1)


class NullStore:
    def __init__(self, first) -> None:
        self.first = first

    async def append(self, *args) -> None:
        pass

    async def events(self, session: str):
        return [(1, self.first)]

    async def applied_commands(self, session: str) -> dict:
        return {}

    async def participants(self, session: str) -> dict:
        return {}


async def measure(mode: str, n: int, rounds: int) -> tuple[float, float]:
    import server.hub as hub_module
    from kompsesjon import protocol as proto
    from kompsesjon.method import commands as c
    from kompsesjon.method import framtidsverksted_agenda, framtidsverksted_boards
    from kompsesjon.method.events import SessionCreated
    from kompsesjon.method.state import Rules

    core_api = hasattr(hub_module, "Peer")  # the session core; else the hub before it
    first = SessionCreated(
        session="s",
        title="Benchmark",
        question="?",
        created_at=0,
        rules=Rules(private_writing=True),
        boards=framtidsverksted_boards(),
        agenda=framtidsverksted_agenda(),
    )
    store = NullStore(first)
    if core_api:
        hub = hub_module.Hub("s", "CODE", store, rate=1e9, burst=1e9)
    else:
        hub = hub_module.Hub("s", "CODE", store)
    await hub.load()
    loop = asyncio.get_running_loop()

    stand_ins: list[StandIn] = []  # every connection's, to count the bytes written

    def connection(role: str):
        stand_ins.append(StandIn())
        return hub_module.Peer(role, stand_ins[-1]) if core_api else hub_module.Client(stand_ins[-1], role)

    def hello_item(peer, hello):
        done = loop.create_future()
        if core_api:
            return hub_module._Queued(hub_module.HelloRequest(peer, hello), done)
        return hub_module._Hello(peer, hello, done)

    def command_item(peer, command):
        if core_api:
            return hub_module._Queued(hub_module.CommandRequest(peer, command))
        return hub_module._Command(peer, command)

    buckets: dict = {}

    def parse(peer, raw: str):
        if core_api:
            return hub.receive(peer, raw)  # size, rate and shape
        # Before the core, app._serve checked size and rate, then parsed.
        from server import app
        from server.limits import TokenBucket

        bucket = buckets.get(peer)
        if bucket is None:
            bucket = buckets[peer] = TokenBucket(1e9, 1e9)
        size = len(raw)
        if size * 4 > proto.MAX_MESSAGE_BYTES:
            size = len(raw.encode("utf-8", "surrogatepass"))
        assert size <= proto.MAX_MESSAGE_BYTES and bucket.take() <= 0
        return app._parse(peer.ws, raw)

    host = connection("facilitator")
    await hub._handle([hello_item(host, proto.Hello(role="facilitator", token="x"))])
    people = [connection("participant") for _ in range(n)]
    hellos = [
        hello_item(p, proto.Hello(role="participant", code="CODE", resume=f"r{i:030d}", name=f"P{i}"))
        for i, p in enumerate(people)
    ]
    await hub._handle(hellos)
    if mode == "join":
        started = time.process_time()
        for r in range(rounds):
            batch = [
                hello_item(
                    connection("participant"),
                    proto.Hello(role="participant", code="CODE", resume=f"j{r:04d}{i:026d}", name=f"J{i}"),
                )
                for i in range(n)
            ]
            await hub._handle(batch)
        return (time.process_time() - started) / (rounds * n), 0.0
    if mode == "plan":
        from kompsesjon.method.state import PLAN_FIELDS

        async def host_does(command) -> None:
            await hub._handle([command_item(host, command)])

        await host_does(c.AdvancePhase(id="go1", current=0))
        await hub._handle([command_item(people[0], c.AddItem(id="a0", board="critique", text="kort"))])
        for phase in range(1, 9):
            await host_does(c.AdvancePhase(id=f"go{phase + 1}", current=phase))
        islands = max(n // 5, 1)
        link = [c.LinkRef(board="critique", card="K1")]
        for k in range(islands):
            await host_does(c.CreateIsland(id=f"i{k}", title=f"Øy {k}", links=link))
        await hub._handle(
            [
                command_item(p, c.ChooseIsland(id=f"c{i}", island=f"I{i // 5 % islands + 1}"))
                for i, p in enumerate(people)
            ]
        )
        await host_does(c.AdvancePhase(id="go10", current=9))
        assert hub.core.state.current.kind == "action_plans" and len(hub.core.state.island_of) == n

        def frame(i: int, r: int) -> str:
            text = f"{r:03d} " + "Et felles fagnettverk for sykepleiere i Salten, med møter hver måned og "[:96]
            island, field = f"I{i // 5 % islands + 1}", PLAN_FIELDS[i % 5]
            return json.dumps(
                {
                    "type": "edit_plan",
                    "id": f"e{r}-{i}",
                    "island": island,
                    "field": field,
                    "text": text,
                    "base_version": r,
                }
            )
    elif mode == "edit":
        await hub._handle([command_item(host, c.AdvancePhase(id="go", current=0))])
        await hub._handle(
            [command_item(p, c.AddItem(id=f"a{i}", board="critique", text=f"kort {i}")) for i, p in enumerate(people)]
        )

        def frame(i: int, r: int) -> str:
            return json.dumps({"type": "edit_item", "id": f"e{r}-{i}", "item": f"K{i + 1}", "text": f"tekst {r}"})
    else:

        def frame(i: int, r: int) -> str:
            return json.dumps({"type": "check_in", "id": f"e{r}-{i}", "text": f"håp {r}"})

    written = sum(s.transport.written for s in stand_ins)
    started = time.process_time()
    for r in range(rounds):
        await hub._handle([command_item(p, parse(p, frame(i, r))) for i, p in enumerate(people)])
    elapsed = time.process_time() - started
    if mode == "plan":  # every edit was taken (none refused as stale)
        assert all(f.version == rounds for fields in hub.core.state.plans.values() for f in fields.values())
    return elapsed / (rounds * n), (sum(s.transport.written for s in stand_ins) - written) / (rounds * n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["edit", "checkin", "join", "plan"], default="edit")
    parser.add_argument("--n", type=int, default=100, help="participants (the batch size)")
    parser.add_argument("--rounds", type=int, default=0, help="batches per run (default: by mode)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--server-src", help="measure the server/ and kompsesjon/ of this tree")
    args = parser.parse_args()
    rounds = args.rounds or (20 if args.mode == "join" else 200)
    if args.server_src:
        src = str(Path(args.server_src).resolve())
        env = {**os.environ, "PYTHONPATH": src}
        inner = [sys.executable, __file__, "--mode", args.mode, "--n", str(args.n), "--rounds", str(rounds)]
        sys.exit(subprocess.call([*inner, "--repeat", str(args.repeat)], cwd=src, env=env))
    runs = [asyncio.run(measure(args.mode, args.n, rounds)) for _ in range(args.repeat)]
    figures = [seconds for seconds, _ in runs]
    unit = "join" if args.mode == "join" else "command"
    print(
        f"{args.mode}, N = {args.n}: {statistics.median(figures) * 1e6:.1f} µs per {unit} "
        f"(median of {args.repeat}; {', '.join(f'{f * 1e6:.1f}' for f in figures)}); "
        f"{statistics.median(b for _, b in runs) / 1024:.1f} KiB written per {unit}"
    )


if __name__ == "__main__":
    main()
