"""SIGKILL under load: 200 clients, a server killed at random moments.

A real server process (``python -m kompsesjon serve``) hosts a Future
Workshop. 200 participants send commands all the time — check-ins, cards and
card edits, dots (place, move, remove, done), island choices, action-plan
edits, check-outs, profile changes — each from what its own mirror shows,
while a facilitator walks the whole agenda (merging cards, creating islands,
placing the unassigned). The server is killed with SIGKILL K times at random
moments and started again on the same port and database. Clients keep
submitting while it is down (their outboxes hold the commands).

Proven afterwards:

* at every kill, every command acknowledged so far is in the database;
* every command got exactly one answer; every acknowledged command is in the
  commands table exactly once with the seq its ack named, and nothing else is
  (no command applied without being acknowledged); every acknowledged text
  (card, edit, check-in, plan field, check-out) is in the event log exactly
  once, every refused one not at all;
* every client is online again, has reconnected after the kills, and its
  mirror's seq is the log's last seq;
* the live state is the fold of the log: the facilitator's mirror and every
  participant's mirror equal ``view_state`` of the log folded with
  ``evolve`` (what the server would send each of them as a snapshot);
* the server never logged an error or a traceback.

CI runs 200 clients with K=3 (about 25 s); ``pytest -m slow`` runs K=20.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import until
from test_crash import start_server  # type: ignore[import-not-found]  # pytest puts tests/server on sys.path

from kompsesjon.client import Outcome, SessionClient, Status, new_id
from kompsesjon.method import commands as c
from kompsesjon.method import dump_state, evolve, view_state
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.clustering import live_units
from kompsesjon.method.events import load_event
from kompsesjon.method.visibility import FACILITATOR_VIEW, participant_view

TEXT_EVENTS = {  # event type -> where its text is
    "item_added": lambda e: e["item"]["text"],
    "item_edited": lambda e: e["text"],
    "checked_in": lambda e: e["text"],
    "checked_out": lambda e: e["text"],
    "plan_edited": lambda e: e["text"],
}


@dataclass
class Sent:
    actor: str  # who the command id belongs to: a participant id or "facilitator"
    command: Any
    text: str | None  # a unique text this command writes, if any
    future: asyncio.Future


def comparable(state) -> dict:
    """A state as JSON, without the id counters (never sent: a mirror keeps its own)."""
    data = dump_state(state)
    data.pop("counters")
    return data


def difference(mine: dict, theirs: dict) -> str:
    out = []
    for key in mine:
        if mine[key] != theirs.get(key):
            if isinstance(mine[key], dict) and isinstance(theirs.get(key), dict):
                keys = sorted(set(mine[key]) | set(theirs[key]), key=str)
                out.append(
                    f"{key}: "
                    + str(
                        {
                            k: (mine[key].get(k), theirs[key].get(k))
                            for k in keys
                            if mine[key].get(k) != theirs[key].get(k)
                        }
                    )[:800]
                )
            else:
                out.append(f"{key}: {str(mine[key])[:300]} != {str(theirs.get(key))[:300]}")
    return "; ".join(out)


def assert_exactly_once(
    sent: list[Sent], outcomes: list[Outcome], events: list[tuple[int, str, dict]], commands: dict
) -> Counter:
    """The commands table holds exactly the acknowledged commands, each with
    the seq its ack named; each acknowledged text is in the log once, each
    refused one not at all. The texts in the log, counted."""
    acked_seq = {(s.actor, s.command.id): o.seq for s, o in zip(sent, outcomes, strict=True) if o.ok}
    for s, o in zip(sent, outcomes, strict=True):
        if o.ok and not o.duplicate:
            assert commands.get((s.actor, s.command.id)) == o.seq
    assert acked_seq == commands, "the commands table differs from what was acknowledged"
    texts = Counter(TEXT_EVENTS[kind](body) for _, kind, body in events if kind in TEXT_EVENTS)
    for s, o in zip(sent, outcomes, strict=True):
        if s.text is not None:
            assert texts[s.text] == (1 if o.ok else 0), (s.text, o, texts[s.text])
    return texts


def replayed(events: list[tuple[int, str, dict]]):
    """The state the log folds to."""
    replay = None
    for _, _, body in events:
        replay = evolve(replay, load_event(json.dumps(body)))
    return replay


class Server:
    """The server process; its output is read all the time (a full pipe would block it)."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.proc: asyncio.subprocess.Process | None = None
        self.port = 0
        self.info: dict = {}
        self.output: list[str] = []
        self._drain: asyncio.Task | None = None
        self.starts = 0

    async def start(self, *extra: str) -> None:
        self.proc, info = await start_server(self.db, self.port, *extra)
        self.info = self.info or info
        self.port = info["port"]
        self.starts += 1
        self._drain = asyncio.create_task(self._read(self.proc))

    async def _read(self, proc) -> None:
        while line := await proc.stdout.readline():
            self.output.append(line.decode(errors="replace"))

    async def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        await self._drain

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._drain is not None:
            await self._drain


def read_db(db: Path) -> tuple[list[tuple[int, str, dict]], dict[tuple[str, str], int]]:
    conn = sqlite3.connect(db)
    try:
        events = [
            (seq, kind, json.loads(body))
            for seq, kind, body in conn.execute("SELECT seq, type, body FROM events ORDER BY seq")
        ]
        commands = {
            (actor, cid): seq for actor, cid, seq in conn.execute("SELECT actor, command_id, seq FROM commands")
        }
    finally:
        conn.close()
    return events, commands


class Load:
    def __init__(self, host: SessionClient, people: list[SessionClient], rng: random.Random) -> None:
        self.host = host
        self.people = people
        self.rng = rng
        self.sent: list[Sent] = []
        self.stop = asyncio.Event()

    def submit(self, client: SessionClient, command, text: str | None = None) -> asyncio.Future:
        actor = client.participant if client.role == "participant" else client.role
        future = client.submit(command)
        self.sent.append(Sent(actor, command, text, future))
        return future

    async def ok(self, command) -> Outcome:
        outcome = await asyncio.wait_for(asyncio.shield(self.submit(self.host, command)), 120)
        assert outcome.ok, (command, outcome)
        return outcome

    # ---- participants -------------------------------------------------------

    async def person(self, client: SessionClient, every: tuple[float, float]) -> None:
        rng = random.Random(self.rng.random())
        n = 0
        while not self.stop.is_set():
            await asyncio.sleep(rng.uniform(*every))
            if client.unanswered > 3 or client.state is None:
                continue  # offline for a while: do not pile up
            n += 1
            made = self.choose(client, rng, f"{client.participant}.{n}")
            if made is not None:
                self.submit(client, *made)

    def choose(self, client: SessionClient, rng: random.Random, tag: str):
        state, me = client.state, client.participant
        phase = state.current
        roll = rng.random()
        if phase.kind == PhaseKind.INTRO:
            text = f"håp {tag}"
            return c.CheckIn(id=new_id(), text=text), text
        if phase.kind == PhaseKind.BRAINSTORM:
            mine = [i.id for i in state.items.values() if i.author == me and i.board == phase.board and not i.withdrawn]
            if mine and roll < 0.25:
                text = f"endret {tag}"
                return c.EditItem(id=new_id(), item=rng.choice(mine), text=text), text
            text = f"lapp {tag}"
            return c.AddItem(id=new_id(), board=phase.board, text=text), text
        if phase.kind == PhaseKind.VOTE:
            vote = state.boards[phase.board].vote
            units = live_units(state, phase.board)
            dots = [u for u, k in vote.dots.get(me, {}).items() if k > 0]
            if not units or vote.closed:
                return None
            if dots and roll < 0.15:
                return (c.RemoveDot(id=new_id(), board=phase.board, card=rng.choice(dots)),)
            if dots and roll < 0.3:
                return (c.MoveDot(id=new_id(), board=phase.board, card=rng.choice(dots), to=rng.choice(units)),)
            if roll < 0.4:
                return (c.MarkDone(id=new_id(), board=phase.board, done=rng.random() < 0.8),)
            return (c.PlaceDot(id=new_id(), board=phase.board, card=rng.choice(units)),)
        if phase.kind == PhaseKind.ISLANDS:
            islands = [i for i, island in state.islands.items() if not getattr(island, "removed", False)]
            if islands:
                return (c.ChooseIsland(id=new_id(), island=rng.choice(islands)),)
            return None
        if phase.kind == PhaseKind.ACTION_PLANS:
            island = state.island_of.get(me)
            if island is None:
                return None
            field = rng.choice(["what", "how", "who", "first_step", "when"])
            current = state.plans.get(island, {}).get(field)
            text = f"plan {tag}"
            return c.EditPlan(
                id=new_id(), island=island, field=field, text=text, base_version=current.version if current else 0
            ), text
        if phase.kind == PhaseKind.CLOSING:
            text = f"takk {tag}"
            return c.CheckOut(id=new_id(), text=text), text
        if roll < 0.05:  # cluster, ranking: now and then a new name (everyone sees it)
            return (c.SetProfile(id=new_id(), name=f"Navn {tag}", org="Salten"),)
        return None

    # ---- the facilitator ------------------------------------------------------

    async def facilitate(self, seconds_per_phase: float) -> None:
        host = self.host
        await self.ok(c.ChangeRules(id=new_id(), island_max=200))
        while host.state.phase < len(host.state.agenda) - 1:
            phase = host.state.current
            if phase.kind == PhaseKind.ISLANDS and not host.state.islands:
                units = live_units(host.state, "vision") or live_units(host.state, "critique")
                for n in range(4):
                    await self.ok(
                        c.CreateIsland(
                            id=new_id(),
                            title=f"Øy {n + 1}",
                            links=[c.LinkRef(board="vision", card=units[n % len(units)])],
                        )
                    )
            await asyncio.sleep(seconds_per_phase)
            if phase.kind == PhaseKind.CLUSTER:
                units = [u for u in live_units(host.state, phase.board) if u in host.state.items][:3]
                if len(units) >= 2:
                    await self.ok(c.Merge(id=new_id(), board=phase.board, cards=units, title="Tema"))
            if phase.kind == PhaseKind.ISLANDS:
                await asyncio.wait_for(asyncio.shield(self.submit(host, c.PlaceUnassigned(id=new_id()))), 120)
            await self.ok(c.AdvancePhase(id=new_id(), current=host.state.phase))


async def crash_under_load(
    tmp_path: Path,
    capsys,
    *,
    people: int,
    kills: int,
    seconds_per_phase: float,
    every: tuple[float, float],
    between: tuple[float, float],
    seed: int,
) -> None:
    started = time.monotonic()
    rng = random.Random(seed)
    db = tmp_path / "crash-load.sqlite3"
    server = Server(db)
    await server.start("--title", "Krasjtest")
    url, info = f"ws://127.0.0.1:{server.port}", server.info
    made: list[SessionClient] = []

    def client(**kwargs) -> SessionClient:
        made.append(SessionClient(url, max_delay=0.5, **kwargs))
        made[-1].start()
        return made[-1]

    host = client(role="facilitator", token=info["token"])
    crowd = [
        client(role="participant", code=info["code"], name=f"Deltaker {n}", org=f"Kommune {n % 9}")
        for n in range(people)
    ]
    load = Load(host, crowd, rng)
    kill_times: list[float] = []
    in_flight: list[int] = []  # commands without an answer when the server died
    try:
        await asyncio.gather(*(p.wait_ready(60) for p in [host, *crowd]))
        joined = time.monotonic()
        workers = [asyncio.create_task(load.person(p, every)) for p in crowd]
        driver = asyncio.create_task(load.facilitate(seconds_per_phase))

        for _ in range(kills):
            await asyncio.sleep(rng.uniform(*between))
            assert not driver.done() or driver.exception() is None, driver.exception()
            await server.kill()
            kill_times.append(time.monotonic() - joined)
            in_flight.append(sum(1 for sent in load.sent if not sent.future.done()))
            acked = {(s.actor, s.command.id) for s in load.sent if s.future.done() and s.future.result().ok}
            _, stored = read_db(db)
            missing = acked - set(stored)
            assert not missing, f"acknowledged but not stored at kill {len(kill_times)}: {sorted(missing)[:5]}"
            await server.start("--resume", server.info["code"])
        await asyncio.wait_for(driver, 300)  # the facilitator reaches the closing phase
        await asyncio.sleep(0.5)
        load.stop.set()
        await asyncio.gather(*workers)
        # A last change everyone sees: every mirror must reach its seq.
        final = await load.ok(c.EditSession(id=new_id(), title="Krasjtest ferdig"))
        outcomes: list[Outcome] = await asyncio.wait_for(asyncio.gather(*(s.future for s in load.sent)), 120)
        everyone = [host, *crowd]
        await until(lambda: all(p.seq >= final.seq and p.status == Status.ONLINE for p in everyone), timeout=60)

        events, commands = read_db(db)
        last = events[-1][0]
        assert [seq for seq, _, _ in events] == list(range(1, last + 1)), "the log has gaps or repeats"
        assert all(p.seq == last for p in everyone), "a mirror is not caught up"
        assert all(p.connects >= 2 for p in everyone), "a client never reconnected"

        # Exactly once: the commands table holds exactly the acknowledged commands.
        assert_exactly_once(load.sent, outcomes, events, commands)

        # The live state is the fold of the log.
        replay = replayed(events)
        mine, theirs = comparable(host.state), comparable(view_state(replay, FACILITATOR_VIEW))
        assert mine == theirs, f"the facilitator's mirror differs from the log: {difference(mine, theirs)}"
        for person in crowd:
            mine, theirs = (
                comparable(person.state),
                comparable(view_state(replay, participant_view(person.participant))),
            )
            assert mine == theirs, f"{person.participant}'s mirror differs from the log: {difference(mine, theirs)}"
        assert replay.current.kind == PhaseKind.CLOSING

        logs = "".join(server.output)
        assert "Traceback" not in logs and "ERROR" not in logs and " failed" not in logs, logs[-3000:]
        codes = Counter(o.code for o in outcomes if not o.ok)
        kinds = Counter(type(s.command).__name__ for s, o in zip(load.sent, outcomes, strict=True) if o.ok)
        duplicates = sum(1 for o in outcomes if o.ok and o.duplicate)
        with capsys.disabled():
            print(
                f"\ncrash: {people} clients, {kills} SIGKILLs at "
                f"{', '.join(f'{t:.1f}' for t in kill_times)} s with {', '.join(map(str, in_flight))} commands in flight; "
                f"{len(outcomes)} commands answered "
                f"({sum(kinds.values())} acknowledged, {duplicates} of them as duplicates after a retry; "
                f"{sum(codes.values())} refused: {dict(codes.most_common(4))}); acknowledged by kind "
                f"{dict(kinds.most_common())}; log {last} events, all in every mirror; reconnects per client "
                f"{min(p.connects for p in everyone) - 1}–{max(p.connects for p in everyone) - 1}; "
                f"{time.monotonic() - started:.1f} s"
            )
    finally:
        load.stop.set()
        for client_ in made:
            await client_.close()
        await server.stop()


async def test_sigkill_under_load_of_200_clients(tmp_path, capsys):
    await crash_under_load(
        tmp_path, capsys, people=200, kills=3, seconds_per_phase=0.9, every=(0.4, 1.2), between=(1.0, 4.0), seed=7
    )


@pytest.mark.slow
async def test_twenty_sigkills_under_load(tmp_path, capsys):
    await crash_under_load(
        tmp_path, capsys, people=200, kills=20, seconds_per_phase=6.0, every=(0.3, 1.0), between=(0.5, 5.0), seed=20
    )
