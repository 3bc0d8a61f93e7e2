"""Cost of the engine calls the hub makes per command, against the size of the room.

    uv run python -m benchmarks.engine

Builds a Future Workshop state in memory (no server, no network) with P
participants and C cards on the critique board, then times ``decide`` for the
commands of the saturation workloads, and the helpers they spend their time
in. These are the numbers behind "the engine is the hot spot" in
benchmarks/README.md; kompsesjon/method/ is not changed by the benchmarks.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from kompsesjon.method import FACILITATOR, decide, evolve, participant
from kompsesjon.method import commands as c
from kompsesjon.method.clustering import live_units
from kompsesjon.method.events import SessionCreated
from kompsesjon.method.state import State
from kompsesjon.method.text import clean
from kompsesjon.method.visibility import Audience, view_state
from kompsesjon.method.voting import dots_by_unit
from kompsesjon.templates import load_template

NOW = 1_700_000_000.0


def do(state: State | None, actor, command) -> State:
    assert state is not None
    for event in decide(state, actor, command, NOW):
        state = evolve(state, event)
    return state


def build(people: int, cards: int) -> State:
    t = load_template("framtidsverksted")
    created = SessionCreated(
        session="bench",
        title="Benchmark",
        question="?",
        lang="nb",
        anonymous=False,
        template=t.name,
        created_at=NOW,
        rules=t.rules,
        boards=t.boards,
        agenda=t.phases,
        group_sets=t.group_sets,
    )
    state = evolve(None, created)
    for n in range(people):
        state = do(state, _guest(), c.Join(id=f"j{n}", name=f"Deltaker {n}", org="Bodø"))
    state = do(state, FACILITATOR, c.AdvancePhase(id="a1", current=0))
    for k in range(cards):
        state = do(state, participant(f"p{k % people + 1}"), c.AddItem(id=f"i{k}", board="critique", text=f"Kort {k}"))
    state = do(state, FACILITATOR, c.RevealItems(id="r", board="critique"))
    while state.current.kind.value != "vote":
        state = do(state, FACILITATOR, c.AdvancePhase(id=f"a{state.phase}", current=state.phase))
    return state


def _guest():
    from kompsesjon.method.decide import GUEST

    return GUEST


def per_call(fn: Callable[[], object], budget: float = 0.3) -> float:
    """Seconds per call (median of a few rounds)."""
    n, spent = 0, 0.0
    start = time.perf_counter()
    while spent < budget:
        fn()
        n += 1
        spent = time.perf_counter() - start
    return spent / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--cards-per-person", type=int, default=2)
    args = parser.parse_args()
    print(
        "| P participants, C cards | decide place_dot | decide remove_dot | live_units | dots_by_unit "
        "| clean(100 chars) | view_state (newcomer) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for people in args.people:
        cards = people * args.cards_per_person
        state = build(people, cards)
        me = participant("p1")
        place = c.PlaceDot(id="d", board="critique", card=f"K{cards // 2}")
        remove = c.RemoveDot(id="d", board="critique", card="K1")
        state = do(state, me, c.PlaceDot(id="d0", board="critique", card="K1"))
        text = "Vi har for lite tid til felles planlegging på tvers av kommunene, og fagnettverket møtes sjelden"
        row = [
            per_call(lambda: decide(state, me, place, NOW)),
            per_call(lambda: decide(state, me, remove, NOW)),
            per_call(lambda: live_units(state, "critique")),
            per_call(lambda: dots_by_unit(state, "critique", "p1")),
            per_call(lambda: clean("item", text)),
            per_call(lambda: view_state(state, Audience("participant", None)), budget=0.5),
        ]
        print(
            f"| P={people}, C={cards} | " + " | ".join("–" if v is None else f"{v * 1e6:,.0f} µs" for v in row) + " |"
        )


if __name__ == "__main__":
    main()
