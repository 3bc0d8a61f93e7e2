"""How the host view copes with a big room: a wall of 500 cards, 300 people.

    uv run python -m benchmarks.tui_wall                    # 300 people, 500 cards
    uv run python -m benchmarks.tui_wall --people 50 --cards 100 --quick
    uv run python -m benchmarks.tui_wall --server-in-child  # host alone in its process

Not a test: it prints figures. What runs where:

* this process: an in-process kompsesjon server (``SessionServer`` on
  127.0.0.1, a fresh SQLite database) and the facilitator's ``HostApp`` under
  ``run_test`` (headless, 160×45), on one event loop — as on a facilitator's
  laptop that runs ``kompsesjon demo``. With ``--server-in-child`` the server
  moves to the child process and this process runs only the host view.
* a child process: the participants, real :class:`~kompsesjon.client.SessionClient`
  instances (each with its mirror). They live in another process so that the
  300 mirrors folding events do not count against the host view.

The run: 300 people join; the session goes to the critique brainstorm; the
people write 500 cards, 25 a second for the whole room (``--rate``; 0 = as
fast as the server takes them), with private writing, so the facilitator
receives every card and the wall shows each as hidden;
meanwhile the benchmark presses a key in the host view every 250 ms. Then the
cards are revealed, the session moves to the vote and every person places
three dots and (nine in ten) says "done", 50 people starting each second
(``--voters-per-second``); the vote view recomputes progress and who has not
voted on every refresh.

Figures:

* **refresh**: wall time of one ``HostScreen.draw`` (the host's own work when
  a debounced ``MirrorChanged`` arrives: header, status, the phase view's
  incremental redraw). Median / p95 / max, and how many refreshes ran.
* **catch-up**: from the moment the last card was acknowledged to the writer
  until the wall in the host view holds all cards (laid out, ready to paint).
* **key latency**: a key pressed every 250 ms while the room works (↓/↑ to
  scroll the wall while cards stream in; ``l``, the facilitator's peek at
  the tally, on and off, while people vote): from posting the key event, as
  the terminal driver does, until the first frame painted after its action
  ran.
* **loop lag**: a task on the host's loop sleeps 20 ms again and again; lag
  is how late it wakes up (anything the loop does blocks it: drawing,
  painting, in-process server work).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

now = time.perf_counter  # CLOCK_MONOTONIC on Linux: comparable across processes

WORDS = [
    "tid",
    "samarbeid",
    "roller",
    "koordinator",
    "kommune",
    "region",
    "nettverk",
    "møter",
    "reiser",
    "budsjett",
    "kompetanse",
    "ledelse",
    "digitalisering",
    "rekruttering",
    "oppfølging",
    "ansvar",
    "informasjon",
    "planer",
    "tjenester",
    "brukere",
]


def card_text(rng: random.Random, n: int) -> str:
    return f"{n}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))


def stats(values: list[float]) -> str:
    if not values:
        return "n=0"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   "
        f"max {ordered[-1] * 1000:7.1f} ms   (n={len(ordered)})"
    )


# ---- the child: participants (and, optionally, the server) -----------------------


async def child_main(args: argparse.Namespace) -> None:
    from kompsesjon.client import SessionClient, new_id
    from kompsesjon.method import commands as c

    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def say(**message) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    server = None
    url, code = args.url, args.code
    if args.serve:
        server, created, url = await start_server(Path(args.serve))
        code = created.code
        say(kind="server", url=url, code=created.code, token=created.token)
        line = json.loads(await reader.readline())
        assert line["kind"] == "go"

    people: list[SessionClient] = []
    for n in range(args.people):
        person = SessionClient(
            url, role="participant", code=code, name=f"Deltaker {n + 1:03d}", org=f"Kommune {n % 12}"
        )
        person.start()
        people.append(person)
        if n % 25 == 24:
            await asyncio.gather(*(p.wait_ready(60) for p in people[n - 24 : n + 1]))
    await asyncio.gather(*(p.wait_ready(60) for p in people))
    say(kind="joined", n=len(people))

    rng = random.Random(7)
    while True:
        line = await reader.readline()
        if not line:
            break
        order = json.loads(line)
        if order["kind"] == "cards":
            board, total = order["board"], order["n"]
            sem = asyncio.Semaphore(order.get("window", 64))

            rate = order.get("rate", 0.0)
            first = now()

            async def write(n: int) -> float:
                if rate:
                    await asyncio.sleep(max(0.0, first + n / rate - now()))
                async with sem:
                    command = c.AddItem(id=new_id(), board=board, text=card_text(rng, n))
                    outcome = await people[n % len(people)].send(command)
                    assert outcome.ok, outcome
                    return now()

            started = now()
            acks = await asyncio.gather(*(write(n) for n in range(total)))
            say(kind="cards_done", started=started, last_ack=max(acks))
        elif order["kind"] == "vote":
            board = order["board"]
            units = order["units"]
            sem = asyncio.Semaphore(order.get("window", 64))

            pace = order.get("people_per_second", 0.0)
            first = now()

            async def vote(person: SessionClient, n: int) -> None:
                if pace:
                    await asyncio.sleep(max(0.0, first + n / pace - now()))
                async with sem:
                    for k in range(3):
                        unit = units[(n * 7 + k * 13) % len(units)]
                        outcome = await person.send(c.PlaceDot(id=new_id(), board=board, card=unit))
                        assert outcome.ok or outcome.code == "dot_cap_exceeded", outcome
                    if n % 10:  # a few never say they are done
                        await person.send(c.MarkDone(id=new_id(), board=board))

            started = now()
            await asyncio.gather(*(vote(p, n) for n, p in enumerate(people)))
            say(kind="vote_done", started=started, last_ack=now())
        elif order["kind"] == "quit":
            break
    for person in people:
        with contextlib.suppress(Exception):
            await person.close()
    if server is not None:
        await server.stop()


async def start_server(db_dir: Path):
    from server.app import Limits, SessionServer
    from server.store import Store

    store = await Store.open(db_dir / "tui_wall.sqlite3")
    server = SessionServer(
        store, Limits(rate=1_000_000, burst=1_000_000, per_address=100_000, joins_per_address=1_000_000)
    )
    await server.load_sessions()
    created = await server.create_session(
        "framtidsverksted", title="Storsamling: kompetanse i regionen", question="Hvordan løfter vi kompetansen sammen?"
    )
    await server.start("127.0.0.1", 0)
    return server, created, f"ws://127.0.0.1:{server.port}/"


# ---- the host: server (in process) and the HostApp ----------------------------------


class KeyProbe:
    """Latency of a key: posted like a terminal would, until the first frame
    painted after its action ran (not ``pilot.press``, which waits for the
    whole process to be idle, in-process server included)."""

    def __init__(self, app) -> None:
        self.app = app
        self.frames: list[float] = []
        self.handled: float | None = None
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.frames.append(now())

        app._display = display

    def watch(self, node, action: str) -> None:
        """Note when ``node.action_<action>`` runs."""
        original = getattr(node, f"action_{action}")

        def wrapped(*args, **kwargs):
            self.handled = now()
            return original(*args, **kwargs)

        setattr(node, f"action_{action}", wrapped)

    async def press(self, key: str, timeout: float = 10.0) -> float:
        from textual import events

        self.handled = None
        start = now()
        event = events.Key(key, None)
        event.set_sender(self.app)
        self.app._driver.send_message(event)
        async with asyncio.timeout(timeout):
            while True:
                await asyncio.sleep(0.001)
                if self.handled is not None and self.frames and self.frames[-1] >= self.handled:
                    return self.frames[-1] - start


class Child:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def read(self) -> dict:
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the participant process ended")
        return json.loads(line)

    def send(self, **message) -> None:
        self.proc.stdin.write((json.dumps(message) + "\n").encode())


async def host_main(args: argparse.Namespace) -> None:
    from kompsesjon.client import SessionClient, new_id
    from kompsesjon.method import commands as c
    from kompsesjon.method.agenda import PhaseKind
    from kompsesjon.tui.host.app import HostApp
    from kompsesjon.tui.host.rows import CardWall
    from kompsesjon.tui.host.screen import HostScreen

    tmp = Path(tempfile.mkdtemp(prefix="tui_wall-"))
    server = None
    child_args = [sys.executable, "-m", "benchmarks.tui_wall", "--child", "--people", str(args.people)]
    if args.server_in_child:
        child_args += ["--serve", str(tmp)]
        proc = await asyncio.create_subprocess_exec(
            *child_args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT
        )
        child = Child(proc)
        info = await child.read()
        url, code, token = info["url"], info["code"], info["token"]
        child.send(kind="go")
    else:
        server, created, url = await start_server(tmp)
        code, token = created.code, created.token
        proc = await asyncio.create_subprocess_exec(
            *child_args,
            "--url",
            url,
            "--code",
            code,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        child = Child(proc)

    t0 = now()
    joined = await child.read()
    print(f"{joined['n']} participants joined in {now() - t0:.1f} s")

    fac = SessionClient(url, role="facilitator", token=token)
    fac.start()
    await fac.wait_ready()

    async def advance_to(kind: PhaseKind, board: str | None = None) -> None:
        while not (fac.state.current.kind == kind and (board is None or fac.state.current.board == board)):
            outcome = await fac.send(c.AdvancePhase(id=new_id(), current=fac.state.phase))
            assert outcome.ok, outcome

    app = HostApp(SessionClient(url, role="facilitator", token=token), role="facilitator")
    draws: dict[str, list[float]] = {"brainstorm": [], "vote": []}
    phase_name = "brainstorm"
    lags: list[float] = []
    keys: list[float] = []
    results: dict[str, object] = {}

    import gc

    gc_pauses: list[float] = []
    gc_started: list[float] = []

    def gc_watch(phase: str, info: dict) -> None:
        if phase == "start":
            gc_started.append(now())
        elif gc_started:
            gc_pauses.append(now() - gc_started.pop())

    gc.callbacks.append(gc_watch)

    async with app.run_test(size=(160, 45)) as pilot:
        async with asyncio.timeout(60):
            while app.state is None or app.host_screen.view is None:
                await pilot.pause(0.05)
        screen: HostScreen = app.host_screen
        original = screen.draw

        slowest: list[tuple[float, str, int, str]] = []

        def timed_draw(kinds: frozenset[str]) -> None:
            walls = list(screen.query(CardWall))
            before = walls[0].rendered if walls else 0
            gcs = len(gc_pauses)
            start = now()
            original(kinds)
            took = now() - start
            draws[phase_name].append(took)
            rendered = (walls[0].rendered - before) if walls else 0
            what = ",".join(sorted(kinds)) + (" +gc" if len(gc_pauses) > gcs else "")
            slowest.append((took, phase_name, rendered, what))

        screen.draw = timed_draw  # type: ignore[method-assign]

        stop = asyncio.Event()

        async def lag_probe() -> None:
            while not stop.is_set():
                start = now()
                await asyncio.sleep(0.02)
                lags.append(now() - start - 0.02)

        await advance_to(PhaseKind.BRAINSTORM, "critique")
        async with asyncio.timeout(30):
            while not (app.state.current.kind == PhaseKind.BRAINSTORM and screen.view.is_mounted):
                await pilot.pause(0.05)
        await pilot.pause(0.3)
        for values in draws.values():
            values.clear()
        probe = asyncio.create_task(lag_probe())

        wall_done = asyncio.Event()
        wall_at: list[float] = []

        async def watch_wall() -> None:
            while True:
                walls = list(screen.query(CardWall))
                if walls and len(walls[0].cards) >= args.cards:
                    wall_at.append(now())
                    wall_done.set()
                    return
                await asyncio.sleep(0.002)

        watcher = asyncio.create_task(watch_wall())
        child.send(kind="cards", board="critique", n=args.cards, rate=args.rate)
        streaming_started = now()
        reply = asyncio.ensure_future(child.read())
        probe_keys = KeyProbe(app)
        wall = screen.query_one(CardWall)
        probe_keys.watch(wall, "scroll_down")
        probe_keys.watch(wall, "scroll_up")
        wall.focus()
        flip = 0
        while not reply.done():
            flip += 1
            keys.append(await probe_keys.press("down" if flip % 2 else "up"))  # scroll the wall
            await asyncio.sleep(0.25)
        done = reply.result()
        async with asyncio.timeout(120):
            await wall_done.wait()
        watcher.cancel()
        results["write_seconds"] = done["last_ack"] - done["started"]
        results["catch_up"] = wall_at[0] - done["last_ack"]
        results["stream_seconds"] = now() - streaming_started
        wall = screen.query_one(CardWall)
        results["wall_layouts"] = wall.layouts
        results["lags_cards"] = list(lags)
        lags.clear()

        # ---- vote -------------------------------------------------------------
        await fac.send(c.RevealItems(id=new_id(), board="critique"))
        await advance_to(PhaseKind.VOTE, "critique")
        phase_name = "vote"
        async with asyncio.timeout(30):
            while not (app.state.current.kind == PhaseKind.VOTE and screen.view.is_mounted):
                await pilot.pause(0.05)
        await pilot.pause(0.3)
        draws["vote"].clear()
        units = [i.id for i in fac.state.items.values() if i.board == "critique"][:40]
        child.send(kind="vote", board="critique", units=units, people_per_second=args.voters_per_second)
        vote_keys: list[float] = []
        reply = asyncio.ensure_future(child.read())
        probe_keys.watch(screen.view, "peek")
        while not reply.done():
            vote_keys.append(await probe_keys.press("l"))  # the facilitator's peek at the tally, on and off
            await asyncio.sleep(0.25)
        voted = reply.result()
        target_seq = fac.seq
        async with asyncio.timeout(60):
            while app.client.seq < fac.seq or screen.refreshes == 0:
                await pilot.pause(0.01)
        caught = now()
        await pilot.pause(0.2)
        results["vote_seconds"] = voted["last_ack"] - voted["started"]
        results["vote_catch_up"] = max(0.0, caught - voted["last_ack"])
        results["vote_keys"] = vote_keys
        results["lags_vote"] = list(lags)
        results["target_seq"] = target_seq
        stop.set()
        await probe
        child.send(kind="quit")
        await proc.wait()

    await fac.close()
    if server is not None:
        await server.stop()

    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{'server in child process' if args.server_in_child else 'server in the host process'}"
    )
    print(f"{args.people} participants, {args.cards} cards (private writing), host view 160×45 headless")
    print()
    pace = f"paced at {args.rate:g}/s" if args.rate else "as fast as the server takes them"
    speed = args.cards / results["write_seconds"]
    print(f"cards written in {results['write_seconds']:.2f} s ({speed:.0f} cards/s, {pace})")
    print(f"refresh (brainstorm wall)  {stats(draws['brainstorm'])}")
    print(f"catch-up after last card   {results['catch_up'] * 1000:7.1f} ms")
    print(f"key latency while writing  {stats(keys)}")
    print(f"loop lag while writing     {stats(results['lags_cards'])}")
    print(f"wall layouts: {results['wall_layouts']}")
    print()
    vpace = f"{args.voters_per_second:g} people start per second" if args.voters_per_second else "all at once"
    print(f"votes: {args.people} × 3 dots + done in {results['vote_seconds']:.2f} s ({vpace})")
    print(f"refresh (vote progress)    {stats(draws['vote'])}")
    print(f"catch-up after last vote   {results['vote_catch_up'] * 1000:7.1f} ms")
    print(f"key latency while voting   {stats(results['vote_keys'])}")
    print(f"loop lag while voting      {stats(results['lags_vote'])}")
    print(f"garbage collection pauses  {stats(gc_pauses)}")
    if args.verbose:
        for took, phase, rendered, kinds in sorted(slowest, reverse=True)[:8]:
            print(f"  slow refresh {took * 1000:6.1f} ms  {phase:<10} cards rendered {rendered:>3}  {kinds}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument(
        "--rate",
        type=float,
        default=25.0,
        help="cards per second for the whole room (0: as fast as the server takes them)",
    )
    parser.add_argument(
        "--voters-per-second",
        type=float,
        default=50.0,
        help="how many people start voting each second (0: all at once)",
    )
    parser.add_argument("--quick", action="store_true", help="a small run (50 people, 100 cards)")
    parser.add_argument("--server-in-child", action="store_true", help="run the server in the participants' process")
    parser.add_argument("--verbose", action="store_true", help="also list the slowest refreshes")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.people, args.cards = min(args.people, 50), min(args.cards, 100)
    if args.child:
        asyncio.run(child_main(args))
    else:
        asyncio.run(host_main(args))


if __name__ == "__main__":
    main()
