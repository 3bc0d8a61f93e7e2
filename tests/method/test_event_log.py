"""The event log is the durable record: it replays, and it survives JSON."""

import json

import pytest

from kompsesjon.method import Rejection, dump_state, evolve, load_state
from kompsesjon.method.events import ItemEdited, dump_event, load_event

from .test_visibility import full_day
from .workshop import Workshop


@pytest.fixture(params=[False, True], ids=["named", "anonymous"])
def day(request):
    w = Workshop(anonymous=request.param)
    full_day(w)
    return w


def test_replaying_the_log_rebuilds_the_state_exactly(day):
    state = None
    for event in day.log:
        state = evolve(state, event)
    assert dump_state(state) == dump_state(day.state)


def test_every_event_survives_a_round_trip_through_json(day):
    for event in day.log:
        assert load_event(dump_event(event)) == event


def test_a_state_survives_a_round_trip_through_json(day):
    dumped = dump_state(day.state)
    assert dump_state(load_state(dumped)) == dumped
    assert dump_state(load_state(json.dumps(dumped))) == dumped


def test_a_replay_from_json_gives_the_same_state(day):
    state = None
    for line in [dump_event(e) for e in day.log]:
        state = evolve(state, load_event(line))
    assert dump_state(state) == dump_state(day.state)


def test_nothing_happens_before_the_session_exists():
    with pytest.raises(ValueError):
        evolve(None, ItemEdited(item="K1", text="x"))


def test_a_rejection_says_what_and_why():
    refused = Rejection("dot_cap_exceeded", "At most 3 dots on one theme.", cap=3)
    assert (refused.code, refused.message, refused.details) == (
        "dot_cap_exceeded",
        "At most 3 dots on one theme.",
        {"cap": 3},
    )
    assert str(refused) == "At most 3 dots on one theme."
    assert "dot_cap_exceeded" in repr(refused)
