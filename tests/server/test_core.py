"""The session core without sockets: every path of hello and command.

``Room`` plays a session the way the hub does — decide a batch, store its
rows (or fail to), commit, deliver what each connection gets — with real
client mirrors (:class:`kompsesjon.mirror.Mirror`) on the other end, reading
the very text the core sends. Hypothesis then plays whole rooms: people join,
write, vote, drop off and come back (sometimes too late for the ring of
recent events), commands are sent twice, commits fail. After every batch:

(a) replaying the rows the core gave to store is exactly its state;
(b) a command id already answered gets the remembered answer and no new row;
(c) the mirror law: every connected client's mirror, built only from what it
    was sent, equals its view of the core's state;
(d) nothing is acknowledged that is not stored.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from method.workshop import START, comparable

from kompsesjon import protocol as proto
from kompsesjon.method import FACILITATOR, GUEST, decide, dump_state, evolve, framtidsverksted_agenda
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import framtidsverksted_boards
from kompsesjon.method.events import Event, SessionCreated, load_event
from kompsesjon.method.state import Rules, State
from kompsesjon.method.visibility import view_state
from kompsesjon.mirror import Mirror, RefusedForGood
from server import core as core_module
from server.core import (
    COMMON_BLOCK,
    FATAL,
    GREETED,
    NEWCOMER,
    RETRY,
    Batch,
    Close,
    CommandRequest,
    HelloRequest,
    Out,
    Peer,
    SessionCore,
)

CODE = "K7PQ2M"


def created(*, anonymous: bool = False, private: bool = True) -> SessionCreated:
    return SessionCreated(
        session="s1",
        title="Framtidsverksted Salten",
        question="Hvordan beholder vi fagfolk?",
        anonymous=anonymous,
        created_at=START,
        rules=Rules(private_writing=private),
        boards=framtidsverksted_boards(),
        agenda=framtidsverksted_agenda(),
    )


@dataclass(eq=False)
class Client:
    """A client at the other end: a Mirror fed the core's text, and what it heard."""

    mirror: Mirror
    peer: Peer | None = None
    heard: list[str] = field(default_factory=list)  # every message, as sent
    answers: dict[str, str] = field(default_factory=dict)  # command id -> ack/rejected text
    closed: Close | None = None
    refused: str | None = None

    @property
    def welcomed(self) -> bool:
        return self.peer is not None and self.mirror.welcomed and self.closed is None


class Room:
    """One session's core with a store in memory and clients around it."""

    def __init__(self, *, anonymous: bool = False, private: bool = True, ring: int | None = None) -> None:
        first = created(anonymous=anonymous, private=private)
        self.stored: list[tuple[int, str, str]] = [(1, first.type, first.model_dump_json())]
        self.applied: dict[tuple[str, str], int] = {}
        self.resume: dict[str, str] = {}
        self.core = SessionCore("s1", CODE, self.log())
        if ring is not None:
            self.core.ring = type(self.core.ring)(self.core.ring, maxlen=ring)
        self.clients: list[Client] = []
        self.now = START
        self.ids = itertools.count(1)

    def log(self) -> list[tuple[int, Event]]:
        return [(seq, load_event(body)) for seq, _, body in self.stored]

    # ---- clients ---------------------------------------------------------------

    def client(self, role: str, *, name: str = "", resume: str | None = None) -> Client:
        if role == "participant":
            resume = resume or f"resume-secret-{len(self.clients):04d}-abcdefghijkl"
        mirror = Mirror(role, code=CODE, token="f-token" if role == "facilitator" else None, resume=resume, name=name)
        client = Client(mirror)
        self.clients.append(client)
        return client

    def hello(self, client: Client) -> HelloRequest:
        """A new connection for ``client``: the hello its mirror writes."""
        client.peer = Peer(client.mirror.role, conn=client)  # type: ignore[arg-type]
        client.closed = None
        client.mirror.connected()
        (text,) = client.mirror.data_to_send()
        return HelloRequest(client.peer, proto.CLIENT_ADAPTER.validate_json(text))

    def command(self, client: Client, kind: str, **fields) -> CommandRequest:
        command = c.COMMAND_ADAPTER.validate_python({"type": kind, "id": f"c{next(self.ids)}", **fields})
        return self.resend(client, command)

    def resend(self, client: Client, command) -> CommandRequest:
        assert client.peer is not None
        return CommandRequest(client.peer, command)

    def pending(self, client: Client) -> list[CommandRequest]:
        """What the client's mirror wants to send (its outbox after a welcome)."""
        assert client.peer is not None
        return [
            CommandRequest(client.peer, proto.CLIENT_ADAPTER.validate_json(text))
            for text in client.mirror.data_to_send()
        ]

    def disconnect(self, client: Client) -> None:
        assert client.peer is not None
        self.core.disconnect(client.peer)
        client.mirror.connection_lost()
        client.peer = None
        self.deliver()

    # ---- the hub's loop, without sockets ---------------------------------------

    def batch(self, requests: list, *, fail: bool = False) -> dict[HelloRequest, str]:
        self.now += 1
        batch = self.core.decide(requests, self.now)
        if fail:
            self.core.restore(self.log(), self.applied, self.resume)
            outcomes = self.core.fail(requests, "disk full")
        else:
            self.store(batch)
            self.core.commit(batch)
            outcomes = batch.outcomes
        self.deliver()
        return outcomes

    def store(self, batch: Batch) -> None:
        self.stored.extend(batch.rows)
        for applied in batch.applied:
            self.applied[(applied.actor, applied.command_id)] = applied.seq
        for new in batch.joined:
            self.resume[new.resume_hash] = new.participant

    def deliver(self) -> None:
        for peer, sends in self.core.data_to_send().items():
            client: Client = peer.conn
            if client.peer is not peer:
                continue  # an old connection of this client
            for send in sends:
                assert client.closed is None, "nothing is sent after a close"
                if isinstance(send, Close):
                    client.closed = send
                    continue
                client.heard.append(send.text)
                message = proto.parse_server(send.text)
                if message.type in ("ack", "rejected"):
                    client.answers[message.id] = send.text
                for notification in client.mirror.receive(message):
                    if isinstance(notification, RefusedForGood):
                        client.refused = notification.refused.code

    # ---- checks ---------------------------------------------------------------------

    def replayed(self) -> State:
        state = None
        for _, logged in self.log():
            state = evolve(state, logged)
        assert state is not None
        return state

    def check(self) -> None:
        # (a) the rows given to store replay to the core's state
        assert dump_state(self.replayed()) == dump_state(self.core.state)
        assert self.stored[-1][0] == self.core.seq
        # (c) the mirror law for every connected, welcomed client
        for client in self.clients:
            if client.welcomed and client.refused is None:
                assert client.mirror.state is not None
                audience = client.peer.audience
                assert comparable(client.mirror.state) == comparable(view_state(self.core.state, audience)), audience
                assert client.mirror.seq <= self.core.seq  # events not for it are not sent
        # (d) every ack names a stored seq and a stored command id
        for client in self.clients:
            for command_id, text in client.answers.items():
                message = proto.parse_server(text)
                if message.type == "ack":
                    actor = client.mirror.participant or client.mirror.role
                    assert self.applied.get((actor, command_id)) == message.seq


def types(client: Client) -> list[str]:
    return [proto.parse_server(text).type for text in client.heard]


def heard_events(client: Client) -> list[int]:
    """The seqs of the events heard, in order (an ``events`` message's one by one)."""
    seqs = []
    for m in map(proto.parse_server, client.heard):
        if m.type == "event":
            seqs.append(m.seq)
        elif m.type == "events":
            seqs += [one.seq for one in m.events]
    return seqs


@pytest.fixture
def room() -> Room:
    return Room()


def welcome(room: Room, *clients: Client) -> None:
    outcomes = room.batch([room.hello(client) for client in clients])
    assert set(outcomes.values()) == {GREETED}


def host_kari_and_ola(room: Room) -> tuple[Client, Client, Client]:
    """A facilitator and two participants, welcomed."""
    host, kari, ola = (
        room.client("facilitator"),
        room.client("participant", name="Kari"),
        room.client("participant", name="Ola"),
    )
    welcome(room, host, kari, ola)
    return host, kari, ola


# ---- hello ------------------------------------------------------------------------------


def test_a_new_participant_joins_with_the_newcomers_snapshot(room):
    host = room.client("facilitator")
    welcome(room, host)
    kari = room.client("participant", name="Kari")
    request = room.hello(kari)
    outcomes = room.batch([request])
    assert outcomes == {request: GREETED}
    assert types(kari) == ["snapshot", "welcome"]
    assert kari.mirror.participant == "p1" and kari.peer.participant == "p1"
    assert [r[1] for r in room.stored[1:]] == ["participant_joined"]
    assert types(host)[-2:] == ["event", "presence"]  # the join, then Kari is online
    assert host.mirror.presence == {"p1": True}
    room.check()


def test_a_refused_join_stores_nothing_and_may_say_hello_again(room):
    nobody = room.client("participant", name="")  # a named session needs a name
    request = room.hello(nobody)
    assert room.batch([request]) == {request: RETRY}
    assert types(nobody) == ["error"] and len(room.stored) == 1
    assert proto.parse_server(nobody.heard[0]).code == "text_empty"
    nobody.mirror.retry_hello("Kari")
    (text,) = nobody.mirror.data_to_send()
    again = HelloRequest(nobody.peer, proto.CLIENT_ADAPTER.validate_json(text))
    assert room.batch([again]) == {again: GREETED}
    room.check()


def test_a_join_that_fails_inside_is_refused_alone(room, monkeypatch):
    def broken(state, actor, command, now):
        raise RuntimeError("a bug")

    monkeypatch.setattr(core_module, "decide", broken)
    kari = room.client("participant", name="Kari")
    request = room.hello(kari)
    assert room.batch([request]) == {request: RETRY}
    assert proto.parse_server(kari.heard[0]).code == "internal_error"


def test_a_resume_catches_up_from_the_ring(room):
    host, kari, ola = host_kari_and_ola(room)
    room.disconnect(kari)
    room.batch([room.command(ola, "check_in", text="håp"), room.command(host, "advance_phase", current=0)])
    kari.heard.clear()
    request = room.hello(kari)
    assert room.batch([request]) == {request: GREETED}
    assert types(kari) == ["events", "welcome"]  # what was missed (in one message), then the welcome
    assert heard_events(kari) == [room.core.seq - 1, room.core.seq]
    assert proto.parse_server(kari.heard[-1]).resumed
    room.check()


def test_a_resume_that_is_up_to_date_gets_only_the_welcome(room):
    kari = room.client("participant", name="Kari")
    welcome(room, kari)
    room.disconnect(kari)
    kari.heard.clear()
    welcome(room, kari)
    assert types(kari) == ["welcome"]
    room.check()


@pytest.mark.parametrize("why", ["no seq", "ahead of the server", "behind the ring"])
def test_a_resume_gets_a_snapshot_when_it_cannot_catch_up(why):
    room = Room(ring=3)
    host, kari = room.client("facilitator"), room.client("participant", name="Kari")
    welcome(room, host, kari)
    room.disconnect(kari)
    if why == "behind the ring":
        for n in range(4):
            room.batch([room.command(host, "set_timer", seconds=60 + n)])
    elif why == "ahead of the server":
        kari.mirror.seq = room.core.seq + 5  # e.g. from a database restored from backup
    else:
        kari.mirror.state = None  # a relaunched app that remembers only its secret
    kari.heard.clear()
    welcome(room, kari)
    assert types(kari) == ["snapshot", "welcome"]
    assert proto.parse_server(kari.heard[-1]).resumed
    room.check()


def test_a_removed_participant_is_refused_for_good(room):
    host, kari = room.client("facilitator"), room.client("participant", name="Kari")
    welcome(room, host, kari)
    room.batch([room.command(host, "remove_participant", participant="p1")])
    assert kari.refused == "participant_removed" and kari.closed == Close(1008, "removed")
    assert host.mirror.presence == {"p1": False}
    assert "p1" not in room.core.participants
    request = room.hello(kari)
    assert room.batch([request]) == {request: FATAL}
    assert proto.parse_server(kari.heard[-1]).fatal


def test_two_hellos_with_one_secret_in_a_batch_are_one_person(room):
    first = room.client("participant", name="Kari")
    second = room.client("participant", name="Kari", resume=first.mirror.resume)
    a, b = room.hello(first), room.hello(second)
    assert room.batch([a, b]) == {a: GREETED, b: GREETED}
    assert first.mirror.participant == second.mirror.participant == "p1"
    assert len(room.core.participants["p1"]) == 2
    room.check()


def test_facilitators_and_screens_get_their_own_views(room):
    kari = room.client("participant", name="Kari")
    welcome(room, kari)
    host, screen = room.client("facilitator"), room.client("screen")
    welcome(room, host, screen)
    assert types(host) == ["snapshot", "welcome", "presence"]
    assert types(screen) == ["snapshot", "welcome"]
    assert proto.parse_server(host.heard[-1]).full
    room.check()


def test_a_catch_up_in_the_middle_of_a_batch_names_the_seq_of_its_place(room):
    host, kari, ola = host_kari_and_ola(room)
    room.batch([room.command(host, "advance_phase", current=0)])
    room.disconnect(kari)
    room.batch([room.command(ola, "add_item", board="critique", text="før")])
    before = room.command(ola, "add_item", board="critique", text="en")
    hello = room.hello(kari)
    after = room.command(host, "add_item", board="critique", text="to")  # to all: facilitators' cards are public
    kari.heard.clear()
    room.batch([before, hello, after])
    welcome_message = next(m for m in map(proto.parse_server, kari.heard) if m.type == "welcome")
    seq_of_after = room.core.seq
    assert welcome_message.seq == seq_of_after - 1, "the welcome names its place, not the end of the batch"
    assert heard_events(kari)[-1] == seq_of_after, "later events of the batch reach it by fan-out"
    room.check()


def test_newcomers_of_a_batch_share_one_snapshot_unless_named(room):
    host = room.client("facilitator")
    welcome(room, host)
    early = [room.client("participant", name=n) for n in ("A", "B")]
    welcome(room, *early)
    room.batch([room.command(host, "advance_phase", current=0)])
    late = [room.client("participant", name=n) for n in ("C", "D", "E")]
    hellos = [room.hello(p) for p in late]
    room.batch(hellos)
    snapshots = {p.heard[0] for p in late}
    assert len(snapshots) == 1, "one snapshot text for every newcomer"
    assert proto.parse_server(late[0].heard[0]).state == dump_state(view_state(room.core.state, NEWCOMER))
    room.check()
    # Paired up and sent a pair's card in the batch it joins in: its own view.
    probe = copy.deepcopy(room.core.state)
    (joined,) = decide(probe, GUEST, c.Join(id="j", name="F"), room.now)
    evolve(probe, joined)
    (formed,) = decide(probe, FACILITATOR, c.FormBuzzPairs(id="f", seed=1), room.now)
    pair = next(members for members in formed.pairs.values() if joined.participant in members)
    partner = next(p for p in early + late if p.mirror.participant in pair)
    named, shared = room.client("participant", name="F"), room.client("participant", name="G")
    room.batch(
        [
            room.hello(named),
            room.command(host, "form_buzz_pairs", seed=1),
            room.hello(shared),
            room.command(partner, "add_item", board="critique", text="vårt kort", with_pair=True),
        ]
    )
    assert "vårt kort" in named.heard[0] and "vårt kort" not in shared.heard[0]
    room.check()


# ---- commands ------------------------------------------------------------------------


def test_an_ack_comes_after_the_events_of_its_command(room):
    host, kari = room.client("facilitator"), room.client("participant", name="Kari")
    welcome(room, host, kari)
    kari.heard.clear()
    request = room.command(host, "advance_phase", current=0)
    batch = room.core.decide([request], room.now)
    assert [row[1] for row in batch.rows] == ["phase_changed"]
    assert room.core.data_to_send() == {}, "nothing is sent before the commit"
    room.store(batch)
    room.core.commit(batch)
    room.deliver()
    assert types(host)[-2:] == ["event", "ack"]
    assert types(kari) == ["event"]
    room.check()


def _acks_follow_their_events(client: Client) -> None:
    """Every ack this client heard came after the event it names."""
    seen = 0
    for message in map(proto.parse_server, client.heard):
        if message.type in ("event", "events"):
            seen = max(seen, message.seq)
        elif message.type == "ack" and not message.duplicate:
            assert message.seq <= seen, f"ack of seq {message.seq} before its event (seen {seen})"


def test_a_burst_to_everyone_reaches_each_connection_as_one_message(room):
    host, screen = room.client("facilitator"), room.client("screen")
    people = [room.client("participant", name=f"P{i}") for i in range(6)]
    welcome(room, host, screen, *people)
    for client in (host, screen, *people):
        client.heard.clear()
    first = room.core.seq + 1
    room.batch([room.command(p, "check_in", text=f"hei fra {i}") for i, p in enumerate(people)])
    seqs = list(range(first, room.core.seq + 1))
    assert len(seqs) == 6
    for p in people:
        assert types(p) == ["events", "ack"], "the batch's events in one message, then the ack"
        assert heard_events(p) == seqs
        _acks_follow_their_events(p)
    assert types(host) == ["events"] and heard_events(host) == seqs
    assert types(screen) == ["events"] and heard_events(screen) == seqs
    # The common message is one object, made once for every participant.
    taken: list[dict] = []
    take = room.core.data_to_send
    room.core.data_to_send = lambda: taken.append(take()) or taken[-1]
    room.batch([room.command(p, "check_in", text="hei igjen") for p in people[:3]])
    (out,) = taken
    shared = {id(out[p.peer][0]) for p in people}
    assert len(shared) == 1, "every participant connection gets the same events message"
    room.check()


def test_in_an_anonymous_burst_each_author_gets_their_own_in_order():
    room = Room(anonymous=True)
    host = room.client("facilitator")
    people = [room.client("participant", name=f"P{i}") for i in range(5)]
    welcome(room, host, *people)
    for client in people:
        client.heard.clear()
    first = room.core.seq + 1
    room.batch([room.command(p, "check_in", text=f"hei {i}") for i, p in enumerate(people)])
    for i, p in enumerate(people):
        assert heard_events(p) == list(range(first, first + 5)), "every event once, in order"
        heard = [m for m in map(proto.parse_server, p.heard) if m.type in ("event", "events")]
        events = [one.event for m in heard for one in (m.events if m.type == "events" else [m])]
        mine = [e for e in events if e.author is not None]
        assert [e.text for e in mine] == [f"hei {i}"], "only one's own check-in shows its author"
        _acks_follow_their_events(p)
    room.check()


def test_a_burst_longer_than_a_block_reaches_each_author_once_and_in_order():
    # More events than COMMON_BLOCK: an author's share before and after their
    # own event is made of shared blocks and the ends around them.
    room = Room(anonymous=True)
    host = room.client("facilitator")
    people = [room.client("participant", name=f"P{i}") for i in range(3 * COMMON_BLOCK + 5)]
    welcome(room, host, *people)
    for client in people:
        client.heard.clear()
    first = room.core.seq + 1
    taken: list[dict] = []
    take = room.core.data_to_send
    room.core.data_to_send = lambda: taken.append(take()) or taken[-1]
    room.batch([room.command(p, "check_in", text=f"hei {i}") for i, p in enumerate(people)])
    seqs = list(range(first, first + len(people)))
    for p in people:
        assert heard_events(p) == seqs, "every event once, in order"
        _acks_follow_their_events(p)
    (out,) = taken
    sent = {id(m): len(m.text) for p in people for m in out[p.peer] if isinstance(m, Out)}
    total = sum(len(m.text) for p in people for m in out[p.peer] if isinstance(m, Out))
    assert sum(sent.values()) < total / 2, "most of the text is in blocks made once for everyone"
    room.check()


def test_a_resume_in_the_middle_of_a_burst_gets_each_event_once(room):
    host = room.client("facilitator")
    people = [room.client("participant", name=f"P{i}") for i in range(4)]
    welcome(room, host, *people)
    kari = people[0]
    room.disconnect(kari)
    room.batch([room.command(p, "check_in", text="før") for p in people[1:]])
    kari.heard.clear()
    before = room.core.seq
    requests = [
        room.command(people[1], "check_in", text="under"),
        room.hello(kari),
        room.command(people[2], "check_in", text="etter"),
        room.command(people[3], "check_in", text="etter"),
    ]
    room.batch(requests)
    seqs = heard_events(kari)
    assert seqs == sorted(set(seqs)) and seqs[-1] == room.core.seq
    assert seqs[0] == before - 2, "the missed events first"
    kinds = types(kari)
    assert kinds.index("welcome") < len(kinds) - 1, "the batch's later events come after the welcome"
    room.check()


def test_a_removed_participant_gets_the_events_before_the_removal_then_goodbye(room):
    host, kari, ola = host_kari_and_ola(room)
    kari.heard.clear()
    room.batch(
        [
            room.command(kari, "check_in", text="hei"),
            room.command(ola, "check_in", text="hallo"),
            room.command(host, "remove_participant", participant="p1"),
            room.command(ola, "check_in", text="ha det"),
        ]
    )
    kinds = types(kari)
    assert kinds[-1] == "error" and kari.closed == Close(1008, "removed")
    assert "ack" in kinds, "the ack of their own command before the removal still comes"
    assert heard_events(kari) == [room.core.seq - 3, room.core.seq - 2, room.core.seq - 1]
    room.check()


def test_a_duplicate_id_gets_the_remembered_answer_and_no_row(room):
    host = room.client("facilitator")
    welcome(room, host)
    request = room.command(host, "advance_phase", current=0)
    room.batch([request])
    stored = len(room.stored)
    again = room.resend(host, request.command)
    twice = room.resend(host, request.command)
    room.batch([again, twice])
    assert len(room.stored) == stored
    acks = [m for m in map(proto.parse_server, host.heard) if m.type == "ack"]
    assert [(a.seq, a.duplicate) for a in acks] == [(stored, False), (stored, True), (stored, True)]


def test_a_duplicate_in_the_same_batch_is_acknowledged_once(room):
    host = room.client("facilitator")
    welcome(room, host)
    request = room.command(host, "advance_phase", current=0)
    batch = room.core.decide([request, room.resend(host, request.command)], room.now)
    assert len(batch.rows) == 1 and len(batch.applied) == 1


def test_a_refusal_is_remembered_for_a_retried_id(room):
    host = room.client("facilitator")
    welcome(room, host)
    request = room.command(host, "step_back", current=0)
    room.batch([request])
    room.batch([room.resend(host, request.command)])
    first, second = (m for m in host.heard if '"rejected"' in m)
    assert first == second and proto.parse_server(first).code == "first_phase"
    assert len(room.stored) == 1


def test_a_rule_that_fails_fails_only_its_command_and_is_not_remembered(room, monkeypatch):
    real = core_module.decide

    def sometimes(state, actor, command, now):
        if command.type == "set_timer":
            raise RuntimeError("a bug")
        return real(state, actor, command, now)

    monkeypatch.setattr(core_module, "decide", sometimes)
    host = room.client("facilitator")
    welcome(room, host)
    bad, good = room.command(host, "set_timer", seconds=60), room.command(host, "advance_phase", current=0)
    room.batch([bad, good])
    assert proto.parse_server(host.answers[bad.command.id]).code == "internal_error"
    assert proto.parse_server(host.answers[good.command.id]).type == "ack"
    assert (host.peer.actor_key, bad.command.id) not in room.core.rejections


def test_a_batch_that_is_not_stored_is_forgotten_and_every_sender_told(room):
    host, kari = room.client("facilitator"), room.client("participant", name="Kari")
    welcome(room, host, kari)
    refused = room.command(host, "step_back", current=0)
    accepted = room.command(host, "advance_phase", current=0)
    newcomer = room.client("participant", name="Ola")
    hello = room.hello(newcomer)
    outcomes = room.batch([refused, accepted, hello], fail=True)
    assert outcomes == {hello: RETRY}
    assert room.core.state.phase == 0 and len(room.core.state.participants) == 1
    assert {proto.parse_server(host.answers[r.command.id]).code for r in (refused, accepted)} == {"storage_error"}
    assert proto.parse_server(newcomer.heard[-1]).code == "storage_error"
    # The retry is decided again, against the stored state.
    room.batch([room.resend(host, accepted.command), room.hello(newcomer)])
    assert proto.parse_server(host.answers[accepted.command.id]).type == "ack"
    room.check()


def test_private_cards_reach_only_their_writers_and_facilitators(room):
    host, screen = room.client("facilitator"), room.client("screen")
    kari, ola = room.client("participant", name="Kari"), room.client("participant", name="Ola")
    welcome(room, host, screen, kari, ola)
    room.batch([room.command(host, "advance_phase", current=0)])
    seen = {client: len(heard_events(client)) for client in (host, screen, kari, ola)}
    room.batch([room.command(kari, "add_item", board="critique", text="hemmelig")])
    got = {client: len(heard_events(client)) - seen[client] for client in seen}
    assert got == {host: 1, screen: 0, kari: 1, ola: 0}
    room.check()


# ---- frames ----------------------------------------------------------------------------


def test_frames_are_checked_for_size_rate_and_shape():
    room = Room()
    room.core.rate, room.core.burst = 1.0, 4.0
    kari = room.client("participant", name="Kari")
    welcome(room, kari)
    peer = kari.peer
    core = room.core

    def refusal(raw: str | bytes, now: float) -> dict:
        assert core.receive(peer, raw, now) is None
        (out,) = core.data_to_send()[peer]
        return proto.parse_server(out.text).model_dump()

    assert refusal("x" * (proto.MAX_MESSAGE_BYTES + 1), START)["code"] == "too_large"
    assert refusal("x" * (proto.MAX_MESSAGE_BYTES + 1), START)["code"] == "too_large"  # costs budget too
    assert refusal("{", START)["code"] == "bad_json"
    assert refusal("[]", START)["code"] == "bad_message"
    over = refusal('{"type":"check_in","id":"a1","text":"hei"}', START)  # the budget (burst 4) is spent
    assert (over["type"], over["code"], over["id"]) == ("rejected", "rate_limited", "a1")
    assert refusal("[]", START)["code"] == "rate_limited"
    assert refusal("{", START)["code"] == "rate_limited"  # not JSON: no id to answer for
    command = core.receive(peer, '{"type":"check_in","id":"a2","text":"hei"}', START + 1.0)
    assert isinstance(command, c.CheckIn) and core.data_to_send() == {}
    hello = '{"type":"hello","role":"participant","code":"K7PQ2M","resume":"' + "r" * 30 + '"}'
    assert refusal(hello, START + 10)["code"] == "already_greeted"
    assert refusal('{"type":"check_in","id":"a3","text":"h\\ud800"}', START + 20)["code"] == "bad_message"
    in_a_list = refusal('{"type":"merge","id":"a4","board":"critique","cards":["K1\\udfff"]}', START + 30)
    assert (in_a_list["id"], in_a_list["code"]) == ("a4", "bad_message") and "surrogate" in in_a_list["message"]


def test_a_frame_that_breaks_the_parser_is_answered(monkeypatch):
    room = Room()
    kari = room.client("participant", name="Kari")
    welcome(room, kari)

    def broken(raw):
        raise RuntimeError("a bug")

    monkeypatch.setattr(core_module.frames, "_parse", broken)
    assert room.core.receive(kari.peer, "{}", START) is None
    (out,) = room.core.data_to_send()[kari.peer]
    assert proto.parse_server(out.text).code == "internal_error"


def test_refusals_are_remembered_up_to_a_limit(room, monkeypatch):
    monkeypatch.setattr(core_module, "REJECTION_MEMORY", 2)
    host = room.client("facilitator")
    welcome(room, host)
    refused = [room.command(host, "step_back", current=0) for _ in range(3)]
    room.batch(refused)
    assert [key[1] for key in room.core.rejections] == [r.command.id for r in refused[1:]]


def test_a_session_without_events_cannot_be_loaded():
    with pytest.raises(ValueError, match="no events"):
        SessionCore("s1", CODE, [])


def test_a_clock_set_back_does_not_spend_the_budget():
    room = Room()
    kari = room.client("participant", name="Kari")
    welcome(room, kari)
    frame = '{"type":"check_in","id":"a1","text":"hei"}'
    assert room.core.receive(kari.peer, frame, START + 100) is not None
    assert room.core.receive(kari.peer, frame, START) is not None


def test_disconnects_are_told_to_facilitators_once_per_person(room):
    host = room.client("facilitator")
    first = room.client("participant", name="Kari")
    second = room.client("participant", name="Kari", resume=first.mirror.resume)
    welcome(room, host, first, second)
    room.disconnect(first)
    assert host.mirror.presence == {"p1": True}
    room.disconnect(second)
    assert host.mirror.presence == {"p1": False}


# ---- properties ------------------------------------------------------------------------

TEXTS = ["Lite tid", "Tidspress", "Uklare roller", "", "x" * 281]


class Play:
    """Hypothesis draws what happens in a room, batch by batch."""

    def __init__(self, data: st.DataObject, room: Room) -> None:
        self.data = data
        self.room = room
        self.said: list[tuple[Client, Any, str]] = []  # (client, command, first answer)

    def draw(self, strategy):
        return self.data.draw(strategy)

    def pick(self, options):
        options = list(options)
        return self.draw(st.sampled_from(options)) if options else None

    def online(self) -> list[Client]:
        return [c for c in self.room.clients if c.welcomed and c.refused is None]

    def command_from(self, client: Client) -> CommandRequest | None:
        room, state = self.room, self.room.core.state
        board = state.current.board or "critique"
        cards = list(state.items) + list(state.themes) or ["K1"]
        if client.mirror.role == "facilitator":
            move = self.draw(st.integers(0, 6))
            if move <= 1:
                return room.command(client, "advance_phase", current=state.phase)
            if move == 2:
                return room.command(client, "reveal_items", board=board)
            if move == 3:
                return room.command(client, "form_buzz_pairs", seed=self.draw(st.integers(0, 5)))
            if move == 4:
                people = [p for p in state.participants if not state.participants[p].removed]
                if people and self.draw(st.integers(0, 3)) == 0:
                    return room.command(client, "remove_participant", participant=self.pick(people))
                return room.command(client, "step_back", current=state.phase)
            if move == 5:
                return room.command(client, "merge", board=board, cards=[self.pick(cards), self.pick(cards)], title="")
            return room.command(client, "add_item", board=board, text=self.pick(TEXTS))
        if client.mirror.role == "screen":
            return room.command(client, "set_timer", seconds=60)  # refused: read only
        move = self.draw(st.integers(0, 5))
        if move == 0:
            return room.command(client, "check_in", text=self.pick(TEXTS))
        if move <= 2:
            return room.command(
                client, "add_item", board=board, text=self.pick(TEXTS), with_pair=self.draw(st.booleans())
            )
        if move == 3:
            return room.command(client, "edit_item", item=self.pick(cards), text=self.pick(TEXTS))
        if move == 4:
            return room.command(client, "place_dot", board=board, card=self.pick(cards))
        return room.command(client, "mark_done", board=board, done=True)

    def requests(self) -> list:
        room = self.room
        out: list = []
        greeting: set[Client] = set()  # one hello per client and batch
        for _ in range(self.draw(st.integers(1, 6))):
            roll = self.draw(st.integers(0, 19))
            offline = [c for c in room.clients if not c.welcomed and c.refused is None]
            if roll < 3 or not room.clients:
                role = self.pick(["participant"] * 4 + ["facilitator", "screen"])
                client = room.client(role, name=self.pick(["Kari", "Ola", "Per", ""]))
                out.append(room.hello(client))
                greeting.add(client)
            elif roll < 5 and offline:
                client = self.pick(offline)
                if client not in greeting:
                    out.append(room.hello(client))
                    greeting.add(client)
            elif roll < 7 and self.said:
                client, command, _ = self.pick(self.said)
                if client.welcomed:
                    out.append(room.resend(client, command))
            elif self.online():
                client = self.pick(self.online())
                request = self.command_from(client)
                if request is not None:
                    out.append(request)
        return out

    def disconnects(self) -> None:
        for client in self.online():
            if self.draw(st.integers(0, 9)) == 0:
                self.room.disconnect(client)

    def remember(self, requests: list) -> None:
        for request in requests:
            if isinstance(request, CommandRequest):
                client: Client = request.peer.conn
                answer = client.answers.get(request.command.id)
                if answer is None or client.peer is not request.peer:
                    continue
                code = proto.parse_server(answer).model_dump().get("code")
                if code not in ("storage_error", "internal_error") and all(
                    said[1].id != request.command.id for said in self.said
                ):
                    self.said.append((client, request.command, answer))

    def forget(self, requests: list) -> None:
        """A batch that was not stored forgets the refusals it repeated."""
        ids = {r.command.id for r in requests if isinstance(r, CommandRequest)}
        self.said = [said for said in self.said if said[1].id not in ids]

    def check_duplicates(self) -> None:
        """(b) once per run: a batch of nothing but repeated ids adds no row."""
        repeatable = [said for said in self.said if said[0].welcomed]
        if not repeatable:
            return
        chosen = [self.pick(repeatable) for _ in range(self.draw(st.integers(1, 3)))]
        stored = len(self.room.stored)
        self.room.batch([self.room.resend(client, command) for client, command, _ in chosen])
        assert len(self.room.stored) == stored, "a repeated id added a row"
        for client, command, first in chosen:
            again = proto.parse_server(client.answers[command.id])
            before = proto.parse_server(first)
            if before.type == "ack":
                assert (again.type, again.seq, again.duplicate) == ("ack", before.seq, True)
            else:
                assert client.answers[command.id] == first


def play(data: st.DataObject, room: Room) -> Play:
    game = Play(data, room)
    for _ in range(data.draw(st.integers(1, 25), label="batches")):
        requests = game.requests()
        fail = data.draw(st.integers(0, 14)) == 0
        note(f"batch{' (not stored)' if fail else ''}: {[type(r).__name__ for r in requests]}")
        room.batch(requests, fail=fail)
        if fail:
            game.forget(requests)
        else:
            game.remember(requests)
        for client in game.online():  # what a welcome released from the outbox
            waiting = room.pending(client)
            if waiting:
                room.batch(waiting)
        game.disconnects()
        room.check()
    game.check_duplicates()
    room.check()
    heard = [m for client in room.clients for m in map(proto.parse_server, client.heard)]
    kinds = {m.type for m in heard} | {"resumed" for m in heard if m.type == "welcome" and m.resumed}
    event(f"heard: {' '.join(sorted(kinds))}")
    event(f"repeated ids checked: {bool(game.said)}")
    return game


CORE_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@CORE_SETTINGS
@given(data=st.data(), private=st.booleans(), ring=st.sampled_from([None, 4]))
def test_named_rooms_keep_every_property(data, private, ring):
    play(data, Room(private=private, ring=ring))


@CORE_SETTINGS
@given(data=st.data(), private=st.booleans(), ring=st.sampled_from([None, 4]))
def test_anonymous_rooms_keep_every_property(data, private, ring):
    play(data, Room(anonymous=True, private=private, ring=ring))


def test_the_mirror_check_can_fail():
    """The property must be able to fail: a lost event breaks the mirror law."""
    room = Room(private=False)
    host, kari = room.client("facilitator"), room.client("participant", name="Kari")
    welcome(room, host, kari)
    room.batch([room.command(host, "advance_phase", current=0)])
    room.core.participants.clear()  # the core forgets Kari's connection
    room.batch([room.command(host, "add_item", board="critique", text="tapt")])
    with pytest.raises(AssertionError):
        room.check()


def test_a_welcome_releases_the_outbox():
    room = Room()
    host = room.client("facilitator")
    welcome(room, host)
    room.disconnect(host)
    host.mirror.submit(c.AdvancePhase(id="offline-1", current=0))
    assert host.mirror.data_to_send() == [] and host.mirror.unanswered == 1  # not welcomed: it waits
    welcome(room, host)
    (request,) = room.pending(host)
    room.batch([request])
    assert proto.parse_server(host.answers["offline-1"]).type == "ack"
    assert host.mirror.unanswered == 0 and room.core.state.phase == 1


# ---- what an ack names, and a closed session (issue 13) -------------------------------


def test_an_ack_names_what_its_command_made_and_so_does_a_retry(room):
    host, kari = room.client("facilitator"), room.client("participant", name="Kari")
    welcome(room, host, kari)
    room.batch([room.command(host, "advance_phase", current=0)])
    add = room.command(kari, "add_item", board="critique", text="Lite tid")
    room.batch([add])
    ack = proto.parse_server(kari.answers[add.command.id])
    assert (ack.type, ack.created) == ("ack", ["K1"])
    # A retry after the answer was lost names it too, also after a restart.
    room.batch([room.resend(kari, add.command)])
    assert proto.parse_server(kari.heard[-1]).created == ["K1"]
    room.core.restore(room.log(), room.applied, room.resume)
    room.batch([room.resend(kari, add.command)])
    again = proto.parse_server(kari.heard[-1])
    assert (again.duplicate, again.created) == (True, ["K1"])
    # A command that makes nothing names nothing.
    step = room.command(host, "set_timer", seconds=60)
    room.batch([step])
    assert proto.parse_server(host.answers[step.command.id]).created == []


def test_a_closed_session_refuses_newcomers_but_resumes_those_in(room):
    host, kari = room.client("facilitator"), room.client("participant", name="Kari")
    welcome(room, host, kari)
    room.batch([room.command(host, "close_session")])
    ola = room.client("participant", name="Ola")
    request = room.hello(ola)
    assert room.batch([request]) == {request: RETRY}
    refusal = proto.parse_server(ola.heard[-1])
    assert (refusal.type, refusal.code, refusal.fatal) == ("error", "session_closed", False)
    assert not any(row[1] == "participant_joined" for row in room.stored[3:])
    # Kari comes back after a drop: she is in, and reads on.
    room.disconnect(kari)
    again = room.hello(kari)
    assert room.batch([again]) == {again: GREETED}
    assert kari.mirror.state is not None and kari.mirror.state.closed
    room.check()


def test_unsaved_text_is_told_to_facilitators_and_never_stored(room):
    host, kari = room.client("facilitator"), room.client("participant", name="Kari")
    welcome(room, host, kari)
    stored = len(room.stored)

    def say(client: Client, unsaved: bool) -> None:
        assert room.core.receive(client.peer, proto.Unsaved(unsaved=unsaved).model_dump_json(), room.now) is None
        room.deliver()

    say(kari, True)
    assert host.mirror.unsaved == {"p1"}
    say(kari, True)  # no news, no message
    assert [m for m in host.heard if '"unsaved":{"p1"' in m] == [host.heard[-1]]
    # A second device of Kari's with nothing unsaved changes nothing.
    phone = room.client("participant", resume=kari.mirror.resume)
    welcome(room, phone)
    say(phone, False)
    assert host.mirror.unsaved == {"p1"}
    # A facilitator who connects now learns it in the full presence.
    late = room.client("facilitator")
    welcome(room, late)
    assert late.mirror.unsaved == {"p1"}
    # The connection that had it closes: nobody has unsaved text any more.
    room.disconnect(kari)
    assert host.mirror.unsaved == set() and late.mirror.unsaved == set()
    assert len(room.stored) == stored
    # A screen's or facilitator's signal is ignored.
    say(host, True)
    assert host.mirror.unsaved == set()
    room.check()
