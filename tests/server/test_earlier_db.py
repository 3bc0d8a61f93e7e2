"""A database written by an earlier version still works.

``data/earlier.sqlite3`` was written by kompsesjon as of commit 7d7a406 (see
``data/make_earlier_db.py``), ``data/earlier.json`` holds the states that
version replayed from it. Today's code must replay every stored log to the
same state and go on numbering from where it stopped.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kompsesjon.method import FACILITATOR, State, decide, dump_state, evolve, participant
from kompsesjon.method import commands as c
from server.app import SessionServer
from server.store import Store

DATA = Path(__file__).parent / "data"
EXPECTED = json.loads((DATA / "earlier.json").read_text())
# Shapes other work may change on purpose; the rest must be as it was.
RESHAPED = {"answers"}


def holds(now: object, then: object) -> bool:
    """``now`` says all ``then`` said (fields added since may say more)."""
    if isinstance(then, dict):
        return isinstance(now, dict) and all(k in now and holds(now[k], v) for k, v in then.items())
    if isinstance(then, list):
        return isinstance(now, list) and len(now) == len(then) and all(map(holds, now, then))
    return now == then


async def replayed(tmp_path: Path) -> dict[str, State]:
    db = tmp_path / "earlier.sqlite3"
    shutil.copy(DATA / "earlier.sqlite3", db)
    store = await Store.open(db)
    try:
        states = {}
        for session in EXPECTED:
            state = None
            for _, event in await store.events(session):
                state = evolve(state, event)
            states[session] = state
        return states
    finally:
        await store.close()


async def test_every_stored_log_replays_to_the_state_it_had(tmp_path):
    states = await replayed(tmp_path)
    for session, expected in EXPECTED.items():
        now = dump_state(states[session])
        for key, value in expected["state"].items():
            if key in RESHAPED or (expected["name"] == "ö-prefix" and key == "counters"):
                continue
            assert holds(now[key], value), (expected["name"], key)


async def test_numbering_goes_on_where_it_stopped(tmp_path):
    states = await replayed(tmp_path)
    framtidsverksted = states["s0"]
    assert framtidsverksted.counters == EXPECTED["s0"]["state"]["counters"]
    (event,) = decide(framtidsverksted, FACILITATOR, c.AddNextStep(id="x", text="Neste"), 0)
    # The log ends in the closing phase with one next step (S1).
    assert event.step == "S2"


async def test_a_board_that_lost_cards_keeps_new_ones(tmp_path):
    """The earlier version stored three cards as «Ö1» on a board prefixed «Ö»
    (each replacing the last). They replay as they were; new cards get new ids."""
    states = await replayed(tmp_path)
    state = states["s3"]
    assert [(i.id, i.text) for i in state.items.values()] == [("Ö1", "För många möten")]
    state.phase = 1  # back in the brainstorm, as a facilitator could step back
    kari = next(iter(state.participants))
    for n in range(2):
        for event in decide(state, participant(kari), c.AddItem(id=f"n{n}", board="critique", text=f"ny {n}"), 0):
            evolve(state, event)
    assert [i.id for i in state.items.values()] == ["Ö1", "Ö4", "Ö5"]


async def test_the_server_opens_it(tmp_path):
    db = tmp_path / "earlier.sqlite3"
    shutil.copy(DATA / "earlier.sqlite3", db)
    server = SessionServer(await Store.open(db))
    try:
        hubs = await server.load_sessions()
        assert sorted(h.session for h in hubs) == sorted(EXPECTED)
        for hub in hubs:
            assert hub.seq == len(await server.store.events(hub.session))
    finally:
        await server.stop()
