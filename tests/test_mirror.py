"""The client's core without sockets: the mirror, the outbox, the notifications."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from method.test_properties import play
from method.workshop import Workshop

from kompsesjon import protocol as proto
from kompsesjon.method import commands as c
from kompsesjon.method import evolve
from kompsesjon.method.state import STATE_ADAPTER
from kompsesjon.mirror import (
    RETRY_WAIT_MAX,
    Answered,
    EventApplied,
    HelloRefused,
    Mirror,
    PresenceChanged,
    RefusedForGood,
    RetryLater,
    ServerError,
    SnapshotLoaded,
    Welcomed,
)

SECRET = "resume-secret-abcdefghijklmnop"


def server(message: dict) -> object:
    return proto.parse_server(json.dumps(message))


def snapshot(seq: int = 1) -> object:
    return server({"type": "snapshot", "seq": seq, "state": json.loads(_state_json())})


def _state_json() -> str:
    return STATE_ADAPTER.dump_json(Workshop().state).decode()


def welcome(seq: int = 1, **fields) -> object:
    body = {"type": "welcome", "session": "s1", "code": "K7PQ2M", "title": "T", "role": "participant"}
    return server(body | {"participant": "p1", "seq": seq, "server_time": 1000.0} | fields)


def online(mirror: Mirror) -> Mirror:
    mirror.connected()
    mirror.data_to_send()
    mirror.receive(snapshot())
    mirror.receive(welcome())
    return mirror


def test_a_connection_starts_with_hello_and_knows_how_far_it_got():
    mirror = Mirror("participant", code="K7PQ2M", resume=SECRET, name="Kari")
    mirror.connected()
    (hello,) = mirror.data_to_send()
    assert json.loads(hello) == {
        "type": "hello",
        "protocol": proto.PROTOCOL_VERSION,
        "role": "participant",
        "code": "K7PQ2M",
        "resume": SECRET,
        "last_seq": 0,
        "name": "Kari",
        "org": "",
    }
    mirror.receive(snapshot(seq=7))
    mirror.receive(welcome(seq=7))
    mirror.connection_lost()
    mirror.connected()
    assert json.loads(mirror.data_to_send()[0])["last_seq"] == 7


def test_commands_wait_for_the_welcome_and_are_sent_again_after_a_drop():
    mirror = Mirror("facilitator", token="f-x")
    mirror.submit(c.AdvancePhase(id="a", current=0))
    assert mirror.data_to_send() == [] and mirror.unanswered == 1
    mirror.connected()
    mirror.data_to_send()  # the hello
    mirror.receive(snapshot())
    notes = mirror.receive(welcome(role="facilitator", participant=None))
    assert [type(n) for n in notes] == [Welcomed]
    assert [json.loads(m)["id"] for m in mirror.data_to_send()] == ["a"]
    mirror.connection_lost()
    mirror.connected()
    mirror.data_to_send()
    mirror.receive(welcome(role="facilitator", participant=None))
    assert [json.loads(m)["id"] for m in mirror.data_to_send()] == ["a"], "unanswered: sent again"
    (note,) = mirror.receive(server({"type": "ack", "id": "a", "seq": 2}))
    assert note == Answered("a", note.outcome) and note.outcome.ok and mirror.unanswered == 0


def test_not_now_is_retried_and_never_is_answered():
    mirror = online(Mirror("participant", resume=SECRET))
    mirror.submit(c.CheckIn(id="a", text="hei"))
    mirror.submit(c.CheckIn(id="b", text="hei"))
    mirror.data_to_send()
    slow = {"type": "rejected", "id": "a", "code": "rate_limited", "message": "", "details": {"retry_after": 60}}
    (note,) = mirror.receive(server(slow))
    assert note == RetryLater("a", RETRY_WAIT_MAX + 0.05)
    mirror.retry("a")
    assert [json.loads(m)["id"] for m in mirror.data_to_send()] == ["a"]
    (note,) = mirror.receive(server({"type": "rejected", "id": "b", "code": "wrong_phase", "message": "nei"}))
    assert isinstance(note, Answered) and not note.outcome.ok and note.outcome.code == "wrong_phase"


def test_events_fold_once_and_snapshots_replace():
    mirror = online(Mirror("participant", resume=SECRET))
    joined = {"type": "participant_joined", "participant": "p1", "name": "Kari", "org": ""}
    (note,) = mirror.receive(server({"type": "event", "seq": 2, "event": joined}))
    assert isinstance(note, EventApplied) and mirror.seq == 2 and "p1" in mirror.state.participants
    assert mirror.receive(server({"type": "event", "seq": 2, "event": joined})) == [], "already seen"
    (note,) = mirror.receive(snapshot(seq=3))
    assert isinstance(note, SnapshotLoaded) and mirror.state.participants == {} and mirror.seq == 3


def test_an_events_message_folds_each_event_in_order_once():
    mirror = online(Mirror("participant", resume=SECRET))
    kari = {"type": "participant_joined", "participant": "p1", "name": "Kari", "org": ""}
    ola = {"type": "participant_joined", "participant": "p2", "name": "Ola", "org": ""}
    renamed = {"type": "participant_joined", "participant": "p1", "name": "Kari N.", "org": ""}
    assert mirror.receive(server({"type": "event", "seq": 2, "event": kari}))[0].seq == 2
    both = {
        "type": "events",
        "seq": 4,
        "events": [
            {"type": "event", "seq": 2, "event": renamed},  # already seen: skipped
            {"type": "event", "seq": 3, "event": ola},
            {"type": "event", "seq": 4, "event": renamed},
        ],
    }
    notes = mirror.receive(server(both))
    assert [(n.seq, n.event.type) for n in notes] == [(3, "participant_joined"), (4, "participant_joined")]
    assert mirror.seq == 4 and list(mirror.state.participants) == ["p1", "p2"]
    assert mirror.state.participants["p1"].name == "Kari N.", "applied in order, the last one last"
    assert mirror.receive(server(both)) == [], "all already seen"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data(), st.booleans())
def test_events_grouped_in_any_way_fold_as_one_by_one(data, anonymous):
    """A random session's stream, cut into ``events`` messages anywhere, gives
    the mirror it gives one ``event`` message at a time."""
    log = play(data, Workshop(anonymous=anonymous), max_steps=40).w.log
    first, rest = log[0], log[1:]
    start = {"type": "snapshot", "seq": 1, "state": json.loads(_state_json_of(first))}
    one_by_one, grouped = online(Mirror("facilitator", token="t")), online(Mirror("facilitator", token="t"))
    for mirror in (one_by_one, grouped):
        mirror.receive(server(start))
    messages = [{"type": "event", "seq": n, "event": e.model_dump(mode="json")} for n, e in enumerate(rest, 2)]
    for message in messages:
        one_by_one.receive(server(message))
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(messages)), max_size=8), label="cuts")))
    for a, b in zip([0, *cuts], [*cuts, len(messages)], strict=True):
        if b > a:
            grouped.receive(server({"type": "events", "seq": messages[b - 1]["seq"], "events": messages[a:b]}))
    assert grouped.seq == one_by_one.seq == len(log)
    assert STATE_ADAPTER.dump_json(grouped.state) == STATE_ADAPTER.dump_json(one_by_one.state)


def _state_json_of(created) -> str:
    return STATE_ADAPTER.dump_json(evolve(None, created)).decode()


def test_errors_before_and_after_the_welcome_and_for_good():
    mirror = Mirror("participant", resume=SECRET)
    mirror.connected()
    mirror.data_to_send()
    (note,) = mirror.receive(server({"type": "error", "code": "text_empty", "message": "Navn?"}))
    assert note == HelloRefused("text_empty", "Navn?")
    mirror.retry_hello("Kari", "Bodø")
    assert json.loads(mirror.data_to_send()[0])["name"] == "Kari"
    mirror.receive(snapshot())
    mirror.receive(welcome())
    mirror.retry_hello("Ola")
    assert mirror.data_to_send() == [], "a welcomed connection says hello only once"
    (note,) = mirror.receive(server({"type": "error", "code": "bad_json", "message": "?"}))
    assert note == ServerError("bad_json", "?")
    (note,) = mirror.receive(server({"type": "error", "code": "participant_removed", "message": "Ut", "fatal": True}))
    assert isinstance(note, RefusedForGood) and note.refused.code == "participant_removed"


def test_presence_is_the_whole_picture_or_a_change():
    mirror = online(Mirror("facilitator", token="f-x"))
    mirror.receive(server({"type": "presence", "online": {"p1": True, "p2": True}, "full": True}))
    (note,) = mirror.receive(server({"type": "presence", "online": {"p2": False}}))
    assert note == PresenceChanged({"p1": True, "p2": False})


def test_the_welcome_says_the_join_code_and_the_clock():
    mirror = Mirror("facilitator", token="f-x")
    mirror.connected()
    mirror.receive(snapshot())
    (note,) = mirror.receive(welcome(role="facilitator", participant=None, server_time=1010.0), now=1000.0)
    assert note.welcome.code == "K7PQ2M" and mirror.clock_offset == 10.0


def test_unsaved_text_is_said_once_per_change_and_again_after_a_reconnect():
    mirror = online(Mirror("participant", code="K7PQ2M", resume=SECRET, name="Kari"))
    mirror.say_unsaved(True)
    mirror.say_unsaved(True)
    assert [json.loads(m) for m in mirror.data_to_send()] == [{"type": "unsaved", "unsaved": True}]
    mirror.connection_lost()
    mirror.say_unsaved(True)
    assert mirror.data_to_send() == []
    mirror.connected()
    mirror.data_to_send()  # the hello
    mirror.receive(welcome())
    assert [json.loads(m) for m in mirror.data_to_send()] == [{"type": "unsaved", "unsaved": True}]
    mirror.say_unsaved(False)
    assert [json.loads(m) for m in mirror.data_to_send()] == [{"type": "unsaved", "unsaved": False}]
