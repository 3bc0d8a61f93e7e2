"""Benchmarks: N simulated participants running a Future Workshop against one
kompsesjon server, with a raw ``websockets.broadcast`` baseline in the same run.

    uv run python -m benchmarks.run all --n 100 500 1000
    uv run python -m benchmarks.run all --n 50 --quick      # the CI smoke size
    uv run python -m benchmarks.run all --n 500 --store postgres            # PostgreSQL instead of SQLite
    uv run python -m benchmarks.run all --n 500 --store postgres --nodes 3  # 3 nodes behind HAProxy

This process is the load generator. The kompsesjon server runs in its own
subprocess (``kompsesjon serve --rate 1000000`` on 127.0.0.1, a fresh SQLite
database per N), and so does the baseline server (:mod:`benchmarks.raw_server`).
With ``--store postgres`` the server writes to a fresh PostgreSQL database
per N (a throwaway PostgreSQL unless ``--pg-url`` names one); with
``--nodes K`` K servers share it and every client connects through HAProxy
(deploy/haproxy.cfg), which sends the session to one of them
(:mod:`benchmarks.cluster`; no restart phase, RSS is the first node's).
Participants are lean protocol-level clients (:mod:`benchmarks.lean`); the
facilitator and a projector screen are real :class:`~kompsesjon.client.SessionClient`
instances with mirrors.

What each metric means (also in benchmarks/README.md):

* **fan-out**: one participant (``sender``) adds a card on a revealed board
  (its event goes to everyone). Latency = from just before the sender writes
  its command frame to the moment the last of the N participants has that
  event's frame (arrival time taken in ``data_received``, before parsing).
  This covers parse → decide → SQLite commit → serialise → broadcast → N
  receipts. Probes are sent one at a time (the next after the previous one is
  acknowledged and everybody has it). The baseline does the same with the raw
  server: the sender writes a frame of the same size, the server passes it to
  ``websockets.broadcast`` for all N, latency until the last of N has it.
* **throughput**: every participant keeps ``--window`` commands in flight
  (the next one is sent when an answer comes); acks counted during
  ``--seconds`` after a warm-up. Three workloads: editing one's own private
  cards (events to the author and facilitators), moving dots (same audience)
  and editing action-plan fields (events to everyone).
* **restart**: SIGTERM (graceful stop) of the server, a new server process on
  the same port and database; time until every participant has a welcome from
  the new server whose ``seq`` equals the seq before the stop, and its own
  ``seq`` equals it too (nothing missed, nothing extra).
* **RSS per participant**: VmRSS of the server before the N participants
  connect and after they have all joined (and the room is quiet), divided by N.
* **start → joined**: N clients created at once; per client, from creating it
  to receiving its ``welcome``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kompsesjon.client import SessionClient, new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind

from .cluster import Postgres, Proxy
from .lean import EVENT_PREFIX, LeanSocket, Participant, Probe, now, seq_of
from .procs import HOST, KompsesjonServer, RawServer

ORGS = ["Bodø", "Fauske", "Saltdal", "Meløy", "Gildeskål", "Beiarn", "Steigen", "Hamarøy"]
PLAN_FIELDS = ("what", "how", "who", "first_step", "when")
CARD_TEXT = "Vi har for lite tid til felles planlegging på tvers av kommunene, og fagnettverket møtes for sjelden"


@dataclass
class Config:
    n: list[int]
    probes: int = 200
    seconds: float = 5.0
    warmup: float = 1.0
    window: int = 2
    cards: int = 2  # critique cards per participant
    restart: bool = True
    baseline: bool = True
    workdir: Path | None = None
    profile: Path | None = None  # py-spy record of the server, one file per phase
    keep: bool = False  # keep the databases
    log: Callable[[str], None] = print
    # "terminal": participants send what kompsesjon.client sends; "browser": what
    # the web page sends (Chromium's handshake, masked frames, the page's JSON).
    clients: str = "terminal"
    store: str = "sqlite"  # or "postgres"
    nodes: int = 1  # servers sharing the PostgreSQL database, behind HAProxy when more than one
    pg_url: str | None = None  # an existing PostgreSQL (its "postgres" database); else a throwaway one
    # Only what reaches everyone (issue 18, "no storms"): the joins, the bursts of
    # check-ins, island choices and plan edits, and plan edits at saturation;
    # no card or dot saturation, no fan-out probes.
    storms: bool = False


class Profiler:
    """``py-spy record`` attached to the server for one phase at a time (collapsed stacks)."""

    def __init__(self, folder: Path | None, n: int) -> None:
        self.folder, self.n = folder, n

    @contextlib.asynccontextmanager
    async def phase(self, name: str, pid: int):
        if self.folder is None:
            yield
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"server-{self.n}-{name}.txt"
        spy = await asyncio.create_subprocess_exec(
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--rate",
            "250",
            "--format",
            "raw",
            "--nonblocking",
            "-o",
            str(target),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.sleep(0.5)  # let it attach
        try:
            yield
        finally:
            spy.send_signal(signal.SIGINT)
            await spy.wait()


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


async def wait_until(predicate: Callable[[], bool], timeout: float, what: str, step: float = 0.02) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(step)
    except TimeoutError:
        raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}") from None


@dataclass
class Room:
    server: KompsesjonServer
    host: SessionClient
    screen: SessionClient
    people: list[Participant]
    probe: Probe
    n: int
    results: dict = field(default_factory=dict)

    async def ok(self, command: Any) -> int:
        outcome = await self.host.send(command, timeout=120)
        if not outcome.ok:
            raise RuntimeError(f"{command.type} rejected: {outcome.code} {outcome.message}")
        return outcome.seq

    async def barrier(self, timeout: float = 120) -> int:
        """A timer event (reaches everyone); wait until every participant has it."""
        seq = await self.ok(c.SetTimer(id=new_id(), seconds=900))
        await wait_until(lambda: all(p.seq >= seq for p in self.people), timeout, f"everyone at seq {seq}")
        return seq

    async def advance(self, kind: PhaseKind, board: str | None = None) -> None:
        state = self.host.state
        while not (state.current.kind == kind and (board is None or state.current.board == board)):
            await self.ok(c.AdvancePhase(id=new_id(), current=state.phase))
            state = self.host.state

    async def wave(
        self, make: Callable[[Participant], dict], who: list[Participant] | None = None, *, to_all: bool = False
    ) -> dict:
        """Everyone (or ``who``) sends one command at once; time until all answered.
        ``to_all`` (each event reaches everyone): also until every participant has
        every event of the burst ("fully delivered": the arrival of the frame that
        brought the last participant to the burst's last seq)."""
        who = self.people if who is None else who
        frames = sum(p.frames for p in self.people)
        t0 = now()
        answers = await asyncio.gather(*(p.command(**make(p)) for p in who))
        wall = now() - t0
        codes = Counter(a.get("code", "ack") if a["type"] == "rejected" else "ack" for a in answers)
        if codes["ack"] != len(who):
            raise RuntimeError(f"wave rejected: {dict(codes)}")
        out = {"commands": len(who), "seconds": wall, "per_second": len(who) / wall if wall else 0.0}
        if to_all:
            last = max(a["seq"] for a in answers)
            await wait_until(lambda: all(p.seq >= last for p in self.people), 120, f"everyone at seq {last}")
            out["delivered_s"] = max(p.seq_at for p in self.people) - t0
            out["event_frames"] = sum(p.frames for p in self.people) - frames
        return out

    async def saturate(
        self,
        make: Callable[[Participant, int, int, dict], dict],
        seconds: float,
        warmup: float,
        window: int,
        on_answer: Callable[[Participant, int, dict, dict], None] | None = None,
    ) -> dict:
        """Every participant keeps ``window`` commands in flight; count acks in the measuring window."""
        measuring = False
        stop = False
        acks = 0
        rejected: Counter = Counter()
        latencies: list[float] = []

        async def loop(p: Participant, k: int) -> None:
            nonlocal acks
            i = 0
            memo: dict = {}
            while not stop:
                command = make(p, k, i, memo)
                sent = now()
                answer = await asyncio.wait_for(p.command(**command), 60)
                i += 1
                if on_answer is not None:
                    on_answer(p, k, answer, memo)
                if answer["type"] == "ack":
                    if measuring:
                        acks += 1
                        latencies.append(now() - sent)
                elif measuring:
                    rejected[answer["code"]] += 1

        tasks = [asyncio.create_task(loop(p, k)) for p in self.people for k in range(window)]
        await asyncio.sleep(warmup)
        measuring = True
        t0 = now()
        rss_peak = self.server.rss()
        end = t0 + seconds
        while now() < end:
            await asyncio.sleep(min(0.25, max(0.0, end - now())))
            rss_peak = max(rss_peak, self.server.rss())
        measuring = False
        wall = now() - t0
        stop = True
        await asyncio.gather(*tasks)
        return {
            "acks": acks,
            "seconds": wall,
            "acks_per_second": acks / wall,
            "rejected": dict(rejected),
            "latency_p50_ms": pct(latencies, 50) * 1000,
            "latency_p99_ms": pct(latencies, 99) * 1000,
            "in_flight": len(self.people) * window,
            "server_rss_peak_mb": rss_peak / 2**20,
        }


# ---- the workshop -----------------------------------------------------------------


async def workshop(n: int, cfg: Config, db: Path | str) -> dict:
    log = cfg.log
    out: dict[str, Any] = {"n": n, "clients": cfg.clients, "store": cfg.store, "nodes": cfg.nodes}
    server = await KompsesjonServer.start(db)
    others = [await KompsesjonServer.start(db) for _ in range(cfg.nodes - 1)]
    proxy = None
    if others:
        proxy = Proxy(Path(tempfile.mkdtemp(prefix="kompsesjon-proxy-")), [s.port for s in [server, *others]])
        await proxy.start()
        server.url, server.port = f"ws://{HOST}:{proxy.port}", proxy.port  # every client goes through it
    probe = Probe()
    # The code in the facilitator's address: a proxy sends it where the session is.
    host = SessionClient(f"{server.url}/s/{server.code}", role="facilitator", token=server.token, max_delay=0.5)
    screen = SessionClient(server.url, role="screen", code=server.code, max_delay=0.5)
    host.start()
    screen.start()
    people: list[Participant] = []
    prof = Profiler(cfg.profile, n)
    try:
        await host.wait_ready()
        await screen.wait_ready()
        room = Room(server, host, screen, people, probe, n)
        await asyncio.sleep(0.3)

        # ---- join: N participants at once -------------------------------------------
        rss_before = server.rss()
        people.extend(
            Participant(
                HOST,
                server.port,
                server.code,
                i,
                probe=probe,
                org=ORGS[i % len(ORGS)],
                browser=cfg.clients == "browser",
            )
            for i in range(n)
        )
        async with prof.phase("join", server.pid):
            t0 = now()
            for p in people:
                p.start()
            await wait_until(lambda: all(p.welcomed.is_set() for p in people), 60 + n * 0.1, "all joined")
        joined = [p.welcomed_at - p.created_at for p in people]
        out["join"] = {
            "p50_s": pct(joined, 50),
            "p99_s": pct(joined, 99),
            "max_s": max(joined),
            "all_joined_s": max(p.welcomed_at for p in people) - t0,
        }
        log(
            f"  N={n}: joined in {out['join']['all_joined_s']:.2f} s "
            f"(start→welcome p50 {out['join']['p50_s'] * 1000:.0f} ms, p99 {out['join']['p99_s'] * 1000:.0f} ms)"
        )
        await room.barrier()
        await asyncio.sleep(1.0)
        rss_after = server.rss()
        out["rss"] = {
            "before_mb": rss_before / 2**20,
            "after_mb": rss_after / 2**20,
            "per_participant_kb": (rss_after - rss_before) / n / 1024,
        }
        log(
            f"  N={n}: server RSS {rss_before / 2**20:.1f} → {rss_after / 2**20:.1f} MiB, "
            f"{out['rss']['per_participant_kb']:.1f} KiB per participant"
        )

        # ---- intro: everybody checks in (each check-in reaches everyone) ------------------
        async with prof.phase("checkin", server.pid):
            out["check_in_wave"] = await room.wave(
                lambda p: {"kind": "check_in", "text": f"Håper på gode ideer fra {p.name}"}, to_all=True
            )
        log(
            f"  N={n}: everyone checked in: {out['check_in_wave']['per_second']:.0f} check-ins/s (each to all N), "
            f"fully delivered in {out['check_in_wave']['delivered_s']:.2f} s"
        )
        await room.barrier()

        # ---- critique: buzz pairs, private cards, editing at saturation --------------------
        await room.advance(PhaseKind.BRAINSTORM, "critique")
        await room.ok(c.FormBuzzPairs(id=new_id(), seed=7))
        for p in people:
            p.track = True
        for k in range(cfg.cards):
            await room.wave(lambda p: {"kind": "add_item", "board": "critique", "text": f"{CARD_TEXT} ({p.index}.{k})"})
        for p in people:
            p.track = False
        if any(len(p.my_items) != cfg.cards for p in people):
            raise RuntimeError("a participant does not know its own cards")

        def edit(p: Participant, k: int, i: int, memo: dict) -> dict:
            return {"kind": "edit_item", "item": p.my_items[k % len(p.my_items)], "text": f"{CARD_TEXT} v{i}.{k}"}

        if not cfg.storms:
            async with prof.phase("cards", server.pid):
                out["throughput_cards"] = await room.saturate(edit, cfg.seconds, cfg.warmup, cfg.window)
            log(f"  N={n}: edit own cards: {out['throughput_cards']['acks_per_second']:.0f} acks/s")

        await room.ok(c.RevealItems(id=new_id(), board="critique"))
        await room.barrier()

        # ---- fan-out: one participant's public card reaches all N; raw baseline interleaved -----
        if not cfg.storms:
            out["fanout"], baseline_result = await fanout(room, cfg, prof)
            if baseline_result is not None:
                out["baseline"] = baseline_result
                out["ratio_p50"] = out["fanout"]["p50_ms"] / baseline_result["p50_ms"]
                out["ratio_p99"] = out["fanout"]["p99_ms"] / baseline_result["p99_ms"]
            log(
                f"  N={n}: fan-out to all N p50 {out['fanout']['p50_ms']:.2f} ms, p99 {out['fanout']['p99_ms']:.2f} ms "
                f"({out['fanout']['frame_bytes']} B frames)"
            )
            if baseline_result is not None:
                log(
                    f"  N={n}: raw websockets.broadcast p50 {baseline_result['p50_ms']:.2f} ms, "
                    f"p99 {baseline_result['p99_ms']:.2f} ms; ratio p50 {out['ratio_p50']:.2f}×, p99 {out['ratio_p99']:.2f}×"
                )

        # ---- cluster and vote: dots at saturation --------------------------------------------
        await room.advance(PhaseKind.CLUSTER, "critique")
        cards = n * cfg.cards
        for j in range(min(10, cards // 3)):
            await room.ok(
                c.Merge(
                    id=new_id(),
                    board="critique",
                    cards=[f"K{3 * j + 1}", f"K{3 * j + 2}", f"K{3 * j + 3}"],
                    title=f"Tema {j + 1}",
                )
            )
        await room.advance(PhaseKind.VOTE, "critique")

        def dot(p: Participant, k: int, i: int, memo: dict) -> dict:
            card = f"K{(p.index * 7 + k * 13) % cards + 1}"
            return {"kind": "place_dot" if i % 2 == 0 else "remove_dot", "board": "critique", "card": card}

        if not cfg.storms:
            async with prof.phase("dots", server.pid):
                out["throughput_dots"] = await room.saturate(dot, cfg.seconds, cfg.warmup, cfg.window)
            log(
                f"  N={n}: place/remove dots: {out['throughput_dots']['acks_per_second']:.0f} acks/s "
                f"({cards + cfg.probes} cards on the board)"
            )
        await room.wave(
            lambda p: {"kind": "place_dot", "board": "critique", "card": f"K{p.index % 30 + 1}"},
            [p for p in people if p.index % 2 == 0],
        )
        await room.advance(PhaseKind.RANKING, "critique")

        # ---- vision, quickly ---------------------------------------------------------------------
        await room.advance(PhaseKind.BRAINSTORM, "vision")
        writers = people[: max(3, n // 10)]
        await room.wave(lambda p: {"kind": "add_item", "board": "vision", "text": f"Visjon fra {p.name}"}, writers)
        await room.ok(c.RevealItems(id=new_id(), board="vision"))
        await room.advance(PhaseKind.VOTE, "vision")
        await room.wave(lambda p: {"kind": "place_dot", "board": "vision", "card": f"V{p.index % 3 + 1}"})
        await room.advance(PhaseKind.ISLANDS)

        # ---- islands: everybody chooses one (each choice reaches everyone) ----------------------
        # Five people an island: with five plan fields, each person has a field of their own
        # (the burst of plan edits below has no conflicts).
        islands = max(2, math.ceil(n / 5))
        for j in range(islands):
            await room.ok(
                c.CreateIsland(
                    id=new_id(),
                    title=f"Øy {j + 1}",
                    links=[c.LinkRef(board="critique", card="K1"), c.LinkRef(board="vision", card=f"V{j % 3 + 1}")],
                )
            )
        async with prof.phase("islands", server.pid):
            out["island_wave"] = await room.wave(
                lambda p: {"kind": "choose_island", "island": f"I{p.index % islands + 1}"}, to_all=True
            )
        log(
            f"  N={n}: everyone chose an island: {out['island_wave']['per_second']:.0f} choices/s (each to all N), "
            f"fully delivered in {out['island_wave']['delivered_s']:.2f} s"
        )
        await room.advance(PhaseKind.ACTION_PLANS)
        await room.barrier()

        # ---- action plans: edits at saturation (each edit reaches everyone) -----------------------
        def plan(p: Participant, k: int, i: int, memo: dict) -> dict:
            island = p.index % islands
            return {
                "kind": "edit_plan",
                "island": f"I{island + 1}",
                "field": PLAN_FIELDS[(p.index // islands) % 5],
                "text": f"Felles fagdag, utkast {i} fra {p.name}",
                "base_version": memo.get("version", 0),
            }

        def plan_answer(p: Participant, k: int, answer: dict, memo: dict) -> None:
            if answer["type"] == "ack":
                memo["version"] = memo.get("version", 0) + 1
            elif answer.get("code") == "stale_version":
                memo["version"] = answer["details"]["version"]

        # A burst: everyone saves their own field at once (each edit reaches everyone).
        out["plan_wave"] = await room.wave(
            lambda p: {
                "kind": "edit_plan",
                "island": f"I{p.index % islands + 1}",
                "field": PLAN_FIELDS[(p.index // islands) % 5],
                "text": f"Felles fagdag, første utkast fra {p.name}",
                "base_version": 0,
            },
            to_all=True,
        )
        log(
            f"  N={n}: burst of {n} plan edits: {out['plan_wave']['per_second']:.0f} acks/s, "
            f"fully delivered in {out['plan_wave']['delivered_s']:.2f} s"
        )
        await room.barrier()

        async with prof.phase("plans", server.pid):
            out["throughput_plans"] = await room.saturate(plan, cfg.seconds, cfg.warmup, 1, on_answer=plan_answer)
        log(f"  N={n}: edit action plans: {out['throughput_plans']['acks_per_second']:.0f} acks/s (each to all N)")

        # ---- closing ----------------------------------------------------------------------------
        await room.advance(PhaseKind.CLOSING)
        await room.ok(c.PresentIsland(id=new_id(), island="I1"))
        await room.wave(lambda p: {"kind": "check_out", "text": "Takk for i dag"}, people[: max(3, n // 10)])
        seq = await room.barrier()
        out["events"] = seq

        # ---- restart: stop, start again on the same port and database ----------------------------
        if cfg.restart and not others:
            out["restart"] = await restart(room, db, seq, prof)
            log(
                f"  N={n}: restart with {seq} events: all {n} back in {out['restart']['total_s']:.2f} s after spawn "
                f"(startup {out['restart']['startup_s']:.2f} s, reconnect+resync {out['restart']['resync_s']:.2f} s)"
            )
        return out
    finally:
        await asyncio.gather(*(p.stop() for p in people), return_exceptions=True)
        for client in (host, screen):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), 10)
        await room_server_stop(locals().get("room"), server)
        for other in others:
            await other.stop()
        if proxy is not None:
            await proxy.stop()
            shutil.rmtree(proxy.config.parent, ignore_errors=True)


async def room_server_stop(room: Room | None, server: KompsesjonServer) -> None:
    target = room.server if room is not None else server
    await target.stop()


async def restart(room: Room, db: Path | str, seq: int, prof: Profiler) -> dict:
    people = room.people
    t_kill = now()
    await room.server.stop()
    t_down = now()
    await wait_until(lambda: all(not p.welcomed.is_set() for p in people), 30, "every client to notice the stop")
    t_spawn = now()
    before = room.server
    room.server = await KompsesjonServer.start(db, port=before.port, extra=("--resume", before.code))
    room.server.token = room.server.token or before.token  # a resume does not print it again
    t_ready = now()

    def back(p: Participant) -> bool:
        return p.welcomed.is_set() and p.welcome_seq == seq and p.seq == seq

    async with prof.phase("restart", room.server.pid):
        await wait_until(
            lambda: all(back(p) for p in people), 60 + len(people) * 0.05, "every client resynced", step=0.005
        )
    t_all = now()
    back_at = [p.welcomed_at - t_ready for p in people]
    await wait_until(lambda: room.host.seq == seq and room.screen.seq == seq, 30, "host and screen resynced")
    return {
        "stop_s": t_down - t_kill,
        "startup_s": t_ready - t_spawn,
        "resync_s": t_all - t_ready,
        "total_s": t_all - t_spawn,
        "resync_p50_s": pct(back_at, 50),
        "events_replayed": seq,
        "reconnects": sum(p.connects for p in people) - len(people),
    }


# ---- the baseline ------------------------------------------------------------------------


async def fanout(room: Room, cfg: Config, prof: Profiler) -> tuple[dict, dict | None]:
    """Fan-out probes on kompsesjon, and on the raw baseline in alternating blocks.

    Both servers run side by side (the idle one costs nothing) and the probes
    alternate in blocks of 10, so both see the same background load.
    """
    n, people, probe = room.n, room.people, room.probe
    raw = await RawRoom.open(n) if cfg.baseline else None
    sender = people[0]
    k_lat: list[float] = []
    k_first: list[float] = []
    k_ack: list[float] = []
    sizes: list[int] = []
    r_lat: list[float] = []
    r_first: list[float] = []
    try:
        async with prof.phase("fanout", room.server.pid):
            while len(k_lat) < cfg.probes:
                for _ in range(min(10, cfg.probes - len(k_lat))):
                    done = probe.arm(sender.seq, n)
                    t0 = now()
                    answer_f = sender.command("add_item", board="critique", text=f"Probe {len(k_lat)}: {CARD_TEXT}")
                    await asyncio.wait_for(done, 30)
                    answer = await asyncio.wait_for(answer_f, 30)
                    t_ack = now()
                    if answer["type"] != "ack":
                        raise RuntimeError(f"probe rejected: {answer}")
                    k_lat.append(probe.last - t0)
                    k_first.append(probe.first - t0)
                    k_ack.append(t_ack - t0)
                    sizes.append(probe.size)
                    probe.disarm()
                    await asyncio.sleep(0.005)
                if raw is not None:
                    for _ in range(10):
                        first, last = await raw.probe(sizes[0])
                        r_first.append(first)
                        r_lat.append(last)
                        await asyncio.sleep(0.005)
        result = {
            "p50_ms": pct(k_lat, 50) * 1000,
            "p99_ms": pct(k_lat, 99) * 1000,
            "first_p50_ms": pct(k_first, 50) * 1000,
            "ack_p50_ms": pct(k_ack, 50) * 1000,
            "probes": len(k_lat),
            "frame_bytes": int(statistics.median(sizes)),
        }
        base = None
        if raw is not None:
            base = {
                "p50_ms": pct(r_lat, 50) * 1000,
                "p99_ms": pct(r_lat, 99) * 1000,
                "first_p50_ms": pct(r_first, 50) * 1000,
                "frame_bytes": raw.probe_state.size,
                "probes": len(r_lat),
                "server_rss_mb": raw.rss_connected / 2**20,
            }
        return result, base
    finally:
        if raw is not None:
            await raw.close()


class RawRoom:
    """N lean sockets on the raw broadcast server; one of them sends the probes."""

    def __init__(self, server: RawServer, n: int) -> None:
        self.server, self.n = server, n
        self.socks: list[LeanSocket] = []
        self.probe_state = Probe()
        self.ready = 0
        self.ready_all: asyncio.Future = asyncio.get_running_loop().create_future()
        self.seq = 0
        self.rss_connected = 0

    @classmethod
    async def open(cls, n: int) -> RawRoom:
        self = cls(await RawServer.start(), n)
        sem = asyncio.Semaphore(200)

        async def one() -> LeanSocket:
            async with sem:
                return await LeanSocket.connect(HOST, self.server.port, self._on_frame, lambda: None)

        try:
            self.socks.extend(await asyncio.gather(*(one() for _ in range(n))))
            await asyncio.wait_for(self.ready_all, 60)
        except BaseException:
            await self.close()
            raise
        self.rss_connected = self.server.rss()
        return self

    def _on_frame(self, payload: bytes, t: float) -> None:
        if payload == b"ready":
            self.ready += 1
            if self.ready == self.n and not self.ready_all.done():
                self.ready_all.set_result(None)
            return
        if payload.startswith(EVENT_PREFIX):
            seq = seq_of(payload, 22)
            if seq > self.probe_state.base:
                self.probe_state.hit(t, len(payload))

    async def probe(self, size: int) -> tuple[float, float]:
        """Send one frame of ``size`` bytes; seconds until the first and the last of N have it."""
        self.seq += 1
        head = f'{{"type":"event","seq":{self.seq},"event":{{"type":"item_added","text":"'
        tail = '"}}'
        payload = (head + "x" * max(0, size - len(head) - len(tail)) + tail).encode()
        done = self.probe_state.arm(self.seq - 1, self.n)
        t0 = now()
        self.socks[0].send(payload)
        await asyncio.wait_for(done, 30)
        self.probe_state.disarm()
        return self.probe_state.first - t0, self.probe_state.last - t0

    async def close(self) -> None:
        for sock in self.socks:
            sock.close()
        await asyncio.sleep(0.2)
        await self.server.stop()


# ---- report -------------------------------------------------------------------------------


def machine() -> dict:
    model = ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    import websockets

    try:
        import uvloop

        loop = "uvloop " + uvloop.__version__
    except ImportError:
        loop = "asyncio"
    return {
        "load_generator_loop": loop,
        "nproc": os.cpu_count(),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "websockets": websockets.__version__,
        "kernel": platform.release(),
        "date": time.strftime("%Y-%m-%d"),
    }


ROWS = [
    ("fan-out p50 / p99 (ms)", lambda r: f"{r['fanout']['p50_ms']:.2f} / {r['fanout']['p99_ms']:.2f}"),
    (
        "raw broadcast p50 / p99 (ms)",
        lambda r: f"{r['baseline']['p50_ms']:.2f} / {r['baseline']['p99_ms']:.2f}" if "baseline" in r else "–",
    ),
    ("ratio p50 / p99", lambda r: f"{r['ratio_p50']:.2f}× / {r['ratio_p99']:.2f}×" if "ratio_p50" in r else "–"),
    ("acks/s: edit own cards", lambda r: f"{r['throughput_cards']['acks_per_second']:.0f}"),
    ("acks/s: place/remove dots", lambda r: f"{r['throughput_dots']['acks_per_second']:.0f}"),
    ("acks/s: edit plans (to all N)", lambda r: f"{r['throughput_plans']['acks_per_second']:.0f}"),
    ("check-ins/s (each to all N)", lambda r: f"{r['check_in_wave']['per_second']:.0f}"),
    ("island choices/s (each to all N)", lambda r: f"{r['island_wave']['per_second']:.0f}"),
    ("burst of N check-ins fully delivered (s)", lambda r: f"{r['check_in_wave']['delivered_s']:.2f}"),
    ("burst of N island choices fully delivered (s)", lambda r: f"{r['island_wave']['delivered_s']:.2f}"),
    ("burst of N plan edits fully delivered (s)", lambda r: f"{r['plan_wave']['delivered_s']:.2f}"),
    ("burst of N plan edits: acks/s", lambda r: f"{r['plan_wave']['per_second']:.0f}"),
    ("event frames per burst of N check-ins", lambda r: f"{r['check_in_wave']['event_frames']:,}"),
    (
        "restart → all resynced (s)",
        lambda r: (
            f"{r['restart']['total_s']:.2f} ({r['restart']['startup_s']:.2f} + {r['restart']['resync_s']:.2f})"
            if "restart" in r
            else "–"
        ),
    ),
    ("events replayed at restart", lambda r: f"{r['restart']['events_replayed']}" if "restart" in r else "–"),
    ("RSS per participant (KiB)", lambda r: f"{r['rss']['per_participant_kb']:.1f}"),
    ("start → joined p50 / p99 (ms)", lambda r: f"{r['join']['p50_s'] * 1000:.0f} / {r['join']['p99_s'] * 1000:.0f}"),
    ("all N joined (s)", lambda r: f"{r['join']['all_joined_s']:.2f}"),
]


def _cell(cell: Callable[[dict], str], result: dict) -> str:
    try:
        return cell(result)
    except KeyError:  # not measured in this run (--storms)
        return "–"


def table(results: list[dict]) -> str:
    head = "| metric | " + " | ".join(f"N = {r['n']:,}" for r in results) + " |"
    rule = "|---|" + "---:|" * len(results)
    lines = [head, rule]
    for name, cell in ROWS:
        lines.append(f"| {name} | " + " | ".join(_cell(cell, r) for r in results) + " |")
    return "\n".join(lines)


async def run_all(cfg: Config) -> dict:
    results: list[dict] = []
    workdir = cfg.workdir or Path(tempfile.mkdtemp(prefix="kompsesjon-bench-"))
    postgres = None
    if cfg.store == "postgres" and cfg.pg_url is None:
        postgres = Postgres()
        postgres.start()
        cfg.pg_url = postgres.url()
    try:
        await _run_each(cfg, workdir, results)
    finally:
        if postgres is not None:
            postgres.stop()
        if not cfg.keep and cfg.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
        elif cfg.keep:
            cfg.log(f"databases kept in {workdir}")
    return {
        "machine": machine(),
        "config": {
            "probes": cfg.probes,
            "seconds": cfg.seconds,
            "warmup": cfg.warmup,
            "window": cfg.window,
            "cards": cfg.cards,
            "server_rate": 1_000_000,
            "clients": cfg.clients,
            "store": cfg.store,
            "nodes": cfg.nodes,
        },
        "results": results,
    }


async def _run_each(cfg: Config, workdir: Path, results: list[dict]) -> None:
    for n in cfg.n:
        cfg.log(f"N = {n}")
        db: Path | str = workdir / f"bench-{n}-{int(time.time())}.sqlite3"
        if cfg.store == "postgres":
            db = await fresh_database(cfg.pg_url or "", f"bench_{n}_{int(time.time())}")
        results.append(await workshop(n, cfg, db))


async def fresh_database(url: str, name: str) -> str:
    """A new, empty database next to ``url``'s; its address."""
    import asyncpg

    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    return url.rsplit("/", 1)[0] + "/" + name


def _loop_factory():
    """uvloop for the load generator when it is installed (the dev group has it): its
    per-socket overhead is a fraction of asyncio's, so the server is what is measured."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "what",
        nargs="?",
        default="all",
        choices=["all"],
        help="which benchmark (all metrics come from one workshop run)",
    )
    parser.add_argument(
        "--n", type=int, nargs="+", default=[100, 500, 1000], help="participants (default 100 500 1000)"
    )
    parser.add_argument("--probes", type=int, default=200, help="fan-out events measured per N")
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time of each throughput workload")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--window", type=int, default=2, help="commands in flight per participant")
    parser.add_argument("--no-restart", action="store_true")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--quick", action="store_true", help="short durations (smoke test)")
    parser.add_argument(
        "--storms", action="store_true", help="only what reaches everyone: no card or dot saturation, no fan-out probes"
    )
    parser.add_argument("--json", help="write all numbers to this file")
    parser.add_argument("--server-src", help="run the server from this source tree (A/B comparisons)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument("--profile", help="folder for py-spy profiles of the server, one per phase (slows it down)")
    parser.add_argument(
        "--clients",
        choices=["terminal", "browser"],
        default="terminal",
        help="participants speak as the terminal client or as the web page (default terminal)",
    )
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite", help="the server's database")
    parser.add_argument("--nodes", type=int, default=1, help="servers on one PostgreSQL behind HAProxy (default 1)")
    parser.add_argument("--pg-url", help="an existing PostgreSQL to use (default: a throwaway one, initdb)")
    args = parser.parse_args(argv)
    if args.nodes > 1 and args.store != "postgres":
        parser.error("--nodes needs --store postgres (SQLite has one server per file)")
    cfg = Config(
        n=args.n,
        probes=args.probes,
        seconds=args.seconds,
        warmup=args.warmup,
        window=args.window,
        restart=not args.no_restart,
        baseline=not args.no_baseline,
        profile=Path(args.profile) if args.profile else None,
        log=lambda line: print(line, flush=True),
        clients=args.clients,
        store=args.store,
        nodes=args.nodes,
        pg_url=args.pg_url,
    )
    if args.server_src:
        from . import procs

        procs.SERVER_SRC = Path(args.server_src).resolve()
    cfg.keep = args.keep
    cfg.storms = args.storms
    if args.quick:
        cfg.probes, cfg.seconds, cfg.warmup = min(cfg.probes, 30), min(cfg.seconds, 1.0), min(cfg.warmup, 0.3)
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        report = runner.run(run_all(cfg))
    m = report["machine"]
    print()
    print(f"{m['date']} · {m['cpu']} · {m['nproc']} cores · Python {m['python']} · websockets {m['websockets']}")
    print(f"participants: {cfg.clients} clients; store {cfg.store}, {cfg.nodes} node(s)")
    print(table(report["results"]))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
