"""One session's core, without sockets: messages in, rows and sends out.

In the spirit of websockets' sans-IO ``Protocol`` and of :mod:`kompsesjon.method`:
nothing here awaits, reads a socket, a clock or a database. The asyncio hub
(:mod:`server.hub`) feeds it, appends what it decides and writes what it says::

    a frame     receive(peer, raw, now) → a command to queue, or a refusal to send
    a batch     decide(requests, now)   → Batch: rows to append, in one transaction
    stored      commit(batch)           → the batch's sends, in order; hello outcomes
    not stored  restore(log, …), then fail(requests, why)
    gone        disconnect(peer)
    always      data_to_send()          → what each connection gets, in order

There is no clock input: every input that needs the time carries ``now``.

The core owns

* **idempotency**: a command id already applied is acknowledged again as a
  duplicate with its seq; one already refused gets the same refusal;
* **hello and resume**: a new participant joins; a known one resumes with the
  events after its ``last_seq`` from the ring of recent events, or a snapshot
  when it is too far behind (or new);
* **size and rate** of a connection's frames (:meth:`SessionCore.budget` is
  the one place that says whose budget a frame draws on: a participant's
  connections share one). Refusals go out through ``data_to_send`` like
  everything else, so a client that floods without reading is dropped as a
  slow reader; and they are rationed themselves: past ``burst`` refusals in
  a row a frame over the rate is dropped without a word, and a connection
  that keeps on regardless is closed (:data:`FLOODING`);
* **the session's size** (:mod:`kompsesjon.method.budgets`): connections per
  person and per session, and the bytes of state that commands may fill, so
  that every snapshot stays within what a client accepts.
* **routing**: who receives which projection of an event is
  :func:`kompsesjon.method.visibility.recipients_of` and nothing else.

Ordering rules, each fixed after a real failure:

* An ack comes after the events of its command, so a client that has its
  ack has also seen what the command caused: to a facilitator or a screen at
  its place among the batch's events, to a participant after all of the
  batch's events for them (so that those go in one message, below).
* Events that every participant connection gets are queued once per batch,
  not once per connection (``_common``; a connection that gets something of
  its own in between is sent its share up to there first), and events that
  follow each other to one connection go as one ``events`` message
  (:func:`coalesce`): a burst of 500 check-ins is one frame per connection,
  the same bytes for everyone, not 500.
* A hello answered with the events it missed is answered at its place too:
  its welcome names the seq as of that place, not the end of the batch (the
  client would drop the batch's later events as already seen); those later
  events reach it by fan-out, since it is registered when welcomed.
* A hello answered with a snapshot is answered after all of the batch's
  events, with the state as of the end of the batch: one snapshot per
  audience per batch, however many people join at once. Every newcomer shares
  the newcomers' snapshot unless an event of the batch was addressed to them
  by name (a buzz pair's card …).
* What was missed comes before ``welcome``: a client that has seen the
  welcome is up to date as of its seq.
* Nothing is sent before the batch is durable; if it could not be stored,
  the state is rebuilt from the store and every sender is told to retry.
* Nothing is sent after a :class:`Close` (a removed participant's answers to
  their own commands later in the same batch).
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kompsesjon import protocol as proto
from kompsesjon.method import Actor, Rejection, decide, deliveries, evolve, view_state
from kompsesjon.method import commands as cmd
from kompsesjon.method.budgets import BUDGETS, FACILITATOR_BYTES, PARTICIPANT_BYTES, SESSION_BYTES, growth_bound
from kompsesjon.method.created import created_ids
from kompsesjon.method.decide import FACILITATOR, GUEST, participant
from kompsesjon.method.events import Event, ParticipantJoined, ParticipantRemoved
from kompsesjon.method.state import STATE_ADAPTER, State
from kompsesjon.method.visibility import (
    ANY_PARTICIPANT,
    FACILITATOR_VIEW,
    SCREEN_VIEW,
    Audience,
    Delivery,
    recipients_of,
)

from . import frames
from .limits import TokenBucket
from .rows import Applied, NewParticipant, secret_hash

log = logging.getLogger("kompsesjon.core")

Role = Literal["participant", "facilitator", "screen"]

RING_SIZE = 2000  # events kept in memory, ready to send to a resuming client
REJECTION_MEMORY = 10_000  # remembered rejections, for retried command ids

# How a hello ended.
GREETED, RETRY, FATAL = "greeted", "retry", "fatal"
# Full for now (too many connections): the connection is closed with 1013 and
# the client comes back later by itself.
BUSY = "busy"

# The view of a participant who has just joined: nothing of their own yet (no
# cards, dots, notes, pair or plan edits), so no content is visible to them
# that another newcomer would not see. One snapshot serves every newcomer of a
# batch; tests/server/test_snapshots.py checks that it equals their own view.
NEWCOMER = ANY_PARTICIPANT

REMOVED = "You have been removed from this session."

# Refusals for the rate that are answered (a burst's worth, at least this
# many); a connection that goes on sending past FLOOD_BURSTS times as many
# (less what it earns back at the rate) is closed with the reason FLOODING.
ANSWERED_REFUSALS = 16
FLOOD_BURSTS = 4
FLOODING = "too many messages"


@dataclass(eq=False)
class Peer:
    """One connection, as the core knows it. ``conn`` belongs to the IO layer."""

    role: Role
    conn: Any = None
    participant: str | None = None
    bucket: TokenBucket | None = None  # its frame budget, once it has sent one
    unsaved: bool = False  # its app said it has text typed but not saved
    # Frames over the rate not yet forgiven (one is forgiven per 1/rate s),
    # and when that was last counted.
    over: float = 0.0
    over_stamp: float = 0.0
    closing: bool = False  # told to go: its frames are no longer read
    # Bytes of the snapshot it was last sent: the slow-reader check allows
    # them on top, until the connection has caught up once.
    allowance: int = 0
    allowance_written: bool = True  # has the writer written that snapshot yet?
    # Where in the commit's common events (those every participant connection
    # gets) this connection's share starts: later than 0 when it was
    # registered during the commit, or was sent something of its own between.
    cursor: int = 0
    _audience: Audience | None = field(default=None, repr=False)

    @property
    def audience(self) -> Audience:
        seen = self._audience
        if seen is None or seen.participant != self.participant:  # made once: it is asked per event
            seen = self._audience = Audience(self.role, self.participant)
        return seen

    @property
    def actor(self) -> Actor:
        if self.role == "facilitator":
            return FACILITATOR
        if self.role == "participant" and self.participant:
            return participant(self.participant)
        return Actor("screen")

    @property
    def actor_key(self) -> str:
        """Who a command id belongs to, for idempotency."""
        return self.participant or self.role


@dataclass(frozen=True)
class Close:
    """Close the connection after what was sent before (code, reason).
    ``hang_up``: do not wait for the other side's answer (nor read what it
    goes on sending meanwhile): for a connection that floods."""

    code: int
    reason: str
    hang_up: bool = False


class Out:
    """A message to send. One object serves every connection that gets it;
    ``frame`` is where the IO layer keeps its bytes, so they are made once.
    ``seq``: an event's, for an ``event`` message (such messages that follow
    each other are sent as one ``events`` message)."""

    __slots__ = ("frame", "seq", "text")

    def __init__(self, text: str, seq: int | None = None) -> None:
        self.text = text
        self.seq = seq
        self.frame: bytes | None = None

    def __repr__(self) -> str:
        return f"Out({self.text[:60]!r})"


# What a connection is sent, in order; a Close comes last if at all.
Send = Out | Close


@dataclass(eq=False, frozen=True)
class HelloRequest:
    peer: Peer
    hello: proto.Hello


@dataclass(eq=False, frozen=True)
class CommandRequest:
    peer: Peer
    command: Any


Request = HelloRequest | CommandRequest


@dataclass(eq=False)
class Planned:
    """An event with its seq, its plan of deliveries, and each projection
    serialised once (keyed by the projection object the plan holds)."""

    seq: int
    event: Event
    body: str
    plan: list[Delivery]
    messages: dict[int, Out]
    named: frozenset[str]  # participants a delivery names in ``only``

    def message_for(self, audience: Audience) -> Out | None:
        """The message ``audience`` receives for this event, if any."""
        projection = recipients_of(self.plan, audience)
        return None if projection is None else self.messages[id(projection)]


@dataclass(eq=False)
class _Greeting:
    """A hello to answer after the commit."""

    request: HelloRequest
    resumed: bool
    newcomer: bool
    catch_up: list[Out] | None  # None: a snapshot, after the batch's events
    seq: int  # as of its place in the batch (for a catch-up)
    title: str
    now: float


@dataclass(eq=False)
class _Refusal:
    request: HelloRequest
    code: str
    message: str
    fatal: bool = False
    busy: bool = False


_Reply = tuple[Peer, str] | _Greeting | _Refusal


@dataclass(eq=False)
class Batch:
    """What the core decided for a batch of requests, not yet durable."""

    rows: list[tuple[int, str, str]] = field(default_factory=list)  # (seq, type, json) to append
    applied: list[Applied] = field(default_factory=list)
    joined: list[NewParticipant] = field(default_factory=list)
    newcomers: dict[str, str] = field(default_factory=dict)  # resume hash -> participant, of ``joined``
    outcomes: dict[HelloRequest, str] = field(default_factory=dict)  # filled by commit
    planned: list[Planned] = field(default_factory=list)
    # Each reply with how many of ``planned`` go out before it.
    replies: list[tuple[int, _Reply]] = field(default_factory=list)
    later: list[_Greeting] = field(default_factory=list)  # snapshots: after every event
    keys: dict[tuple[str, str], int] = field(default_factory=dict)  # command ids applied here
    # Connections greeted in this batch (registered only at the commit): all,
    # and per participant.
    greeting: int = 0
    greeting_of: dict[str, int] = field(default_factory=dict)


def event_message(seq: int, body: str) -> str:
    return f'{{"type":"event","seq":{seq},"event":{body}}}'


# What one ``events`` message holds at most (its events' messages, in bytes);
# an event larger than this goes alone.
EVENTS_BYTES = 256 * 1024
# Common events per shared block (see SessionCore._common_share).
COMMON_BLOCK = 64


def events_message(messages: list[Out]) -> str:
    """Several event messages as one: ``seq`` is the last one's."""
    inner = ",".join(m.text for m in messages)
    return f'{{"type":"events","seq":{messages[-1].seq},"events":[{inner}]}}'


def coalesce(messages: Sequence[Send]) -> list[Send]:
    """Event messages that follow each other become one ``events`` message
    (up to :data:`EVENTS_BYTES`); everything else stays as it is, in order."""
    out: list[Send] = []
    run: list[Out] = []
    size = 0

    def close_run() -> None:
        if len(run) == 1:
            out.append(run[0])
        elif run:
            out.append(Out(events_message(run)))
        run.clear()

    for message in messages:
        if type(message) is not Out or message.seq is None:
            close_run()
            size = 0
            out.append(message)
            continue
        n = len(message.text)
        if run and size + n > EVENTS_BYTES:
            close_run()
            size = 0
        run.append(message)
        size += n
    close_run()
    return out


def snapshot_message(seq: int, state: State) -> str:
    return f'{{"type":"snapshot","seq":{seq},"state":{STATE_ADAPTER.dump_json(state).decode()}}}'


def plan(state: State, seq: int, event: Event, body: str | None = None) -> Planned:
    """Plan an event's fan-out: ``state`` already includes it."""
    if body is None:
        body = event.model_dump_json()
    routes = deliveries(state, event)
    messages: dict[int, Out] = {}
    named: set[str] = set()
    for delivery in routes:
        projection = delivery.event
        if id(projection) not in messages:
            text = body if projection is event else projection.model_dump_json()
            messages[id(projection)] = Out(event_message(seq, text), seq)
        named.update(delivery.only)
    return Planned(seq, event, body, routes, messages, frozenset(named))


class SessionCore:
    """The decisions of one session, from its log."""

    def __init__(
        self,
        session: str,
        code: str,
        log: list[tuple[int, Event]],
        applied: dict[tuple[str, str], int] | None = None,
        resume: dict[str, str] | None = None,
        *,
        rate: float = 20.0,
        burst: float = 60.0,
    ) -> None:
        self.session = session
        self.code = code
        self.rate = rate
        self.burst = burst
        self.state: State
        self.seq = 0
        self.ring: deque[Planned] = deque(maxlen=RING_SIZE)
        self.applied: dict[tuple[str, str], int] = {}
        self.created: dict[int, list[str]] = {}  # a command's last seq -> the ids it made
        self.rejections: OrderedDict[tuple[str, str], str] = OrderedDict()
        self.resume: dict[str, str] = {}  # resume hash -> participant
        self.facilitators: set[Peer] = set()
        self.screens: set[Peer] = set()
        self.participants: dict[str, set[Peer]] = {}
        self._everyone: list[Peer] | None = None  # every participant connection (cached)
        self._outgoing: dict[Peer, list[Send]] = {}
        # Event messages of this commit for every participant connection, in
        # order (each connection's share starts at its ``cursor``), and the
        # replies to participant connections that go after them: queued once,
        # not once per connection, and sent as one ``events`` message.
        self._common: list[Out] = []
        # Whole blocks of the common events, each made into messages once: the
        # share of a connection sent something of its own (an island member's
        # plan edit) is mostly such blocks, shared, not joined per connection.
        self._blocks: dict[int, list[Send]] = {}
        self._deferred: dict[Peer, list[Send]] = {}
        self._snapshots: dict[Audience, Out] | None = None  # made in this commit
        self._named: set[str] = set()  # participants sent something of their own in this commit
        self._buckets: dict[str, TokenBucket] = {}  # participant -> the rate budget of all their connections
        self.connected = 0  # welcomed connections, every role
        # An upper bound on the bytes of the state's JSON, exact when
        # ``_measured`` (see :meth:`_room`).
        self.size = 0
        self._measured = False
        self.addresses: list[str] = []  # where people reach the server: told to facilitators and screens
        self.restore(log, applied or {}, resume or {})

    # ---- the log ----------------------------------------------------------

    def restore(
        self, log: list[tuple[int, Event]], applied: dict[tuple[str, str], int], resume: dict[str, str]
    ) -> None:
        """Rebuild the state from the stored log; connections stay."""
        if not log:
            raise ValueError(f"session {self.session} has no events")
        head = log[-1][0]
        state: State | None = None
        ring: deque[Planned] = deque(maxlen=self.ring.maxlen)
        # What each applied command made, for the ack of a retried id: the
        # events after one command's last seq up to the next one's are that
        # command's (the joins between them make nothing a command names).
        ends = set(applied.values())
        created: dict[int, list[str]] = {}
        made: list[str] = []
        for seq, event in log:
            if state is not None:
                made += created_ids(state, [event])
            if seq in ends:
                if made:
                    created[seq] = made
                made = []
            state = evolve(state, event)
            if seq > head - (ring.maxlen or 0):
                ring.append(plan(state, seq, event))
        assert state is not None
        self.state, self.seq, self.ring = state, head, ring
        self.applied = dict(applied)
        self.created = created
        self.resume = dict(resume)
        self._measure()

    # ---- connections ------------------------------------------------------

    def budget(self, peer: Peer, now: float) -> TokenBucket:
        """The rate budget ``peer``'s frames draw on: a participant's
        connections share one (a person with 30 connections may not send 30
        times as much); a facilitator's or a screen's is its own."""
        if peer.bucket is None:
            if peer.role == "participant" and peer.participant is not None:
                bucket = self._buckets.get(peer.participant)
                if bucket is None:
                    bucket = self._buckets[peer.participant] = TokenBucket(self.rate, self.burst, stamp=now)
                peer.bucket = bucket
            else:
                peer.bucket = TokenBucket(self.rate, self.burst, stamp=now)
        return peer.bucket

    def receive(self, peer: Peer, raw: str | bytes, now: float) -> Any | None:
        """A frame from a welcomed connection: the command to queue for the
        next batch, or None (a refusal may then be waiting in ``data_to_send``)."""
        if peer.closing:
            return None
        wait = self.budget(peer, now).take(now)
        if wait > 0:
            self._over_rate(peer, raw, wait, now)
            return None
        size = frames.size_of(raw)
        if size > proto.MAX_MESSAGE_BYTES:
            self._send(peer, frames.too_large(size))
            return None
        message, refusal = frames.parse(raw)  # never raises: a bug in it is answered internal_error
        if refusal is not None:
            self._send(peer, refusal)
            return None
        if isinstance(message, proto.Hello):
            self._send(peer, frames.error("already_greeted", "This connection has already said hello."))
            return None
        if isinstance(message, proto.Unsaved):
            # A signal, not a command: facilitators hear of it, nothing is stored.
            if peer.participant is not None:
                before = self._has_unsaved(peer.participant)
                peer.unsaved = message.unsaved
                if self._has_unsaved(peer.participant) != before:
                    self._presence({}, unsaved={peer.participant: not before})
            return None
        return message

    def _has_unsaved(self, pid: str) -> bool:
        return any(p.unsaved for p in self.participants.get(pid, ()))

    def _over_rate(self, peer: Peer, raw: str | bytes, wait: float, now: float) -> None:
        """A frame over the rate: answered while the sender may just be
        eager, dropped without a word (costing no reply) past ``burst`` of
        them, and the connection closed past ``FLOOD_BURSTS`` bursts."""
        forgiven = max(0.0, now - peer.over_stamp) * self.rate
        peer.over = max(0.0, peer.over - forgiven) + 1.0
        peer.over_stamp = now
        answered = max(self.burst, ANSWERED_REFUSALS)
        if peer.over > FLOOD_BURSTS * answered:
            peer.closing = True
            message = f"Too many messages ({self.rate:g} a second at most); this connection is closed."
            self._send(peer, frames.error("rate_limited", message, fatal=True))
            self._send(peer, Close(1008, FLOODING, hang_up=True))
            self._unregister(peer)  # nothing more is sent to it
        elif peer.over <= answered:
            # Each refused frame is told to come back after those refused
            # before it: retries then arrive at the rate, not all at once.
            wait = max(wait, peer.over / self.rate)
            self._send(peer, frames.rate_limited(raw[: proto.MAX_MESSAGE_BYTES], wait))

    def disconnect(self, peer: Peer) -> None:
        """The connection is gone (or dropped): no more sends to it."""
        self._unregister(peer)
        self._outgoing.pop(peer, None)
        self._deferred.pop(peer, None)

    def _unregister(self, peer: Peer) -> None:
        if peer.role == "facilitator":
            if peer in self.facilitators:
                self.connected -= 1
                self.facilitators.discard(peer)
        elif peer.role == "screen":
            if peer in self.screens:
                self.connected -= 1
                self.screens.discard(peer)
        elif peer.participant is not None:
            peers = self.participants.get(peer.participant)
            if peers is not None and peer in peers:
                self.connected -= 1
                self._everyone = None
                had_unsaved = self._has_unsaved(peer.participant)
                peers.discard(peer)
                unsaved = {peer.participant: False} if had_unsaved and not self._has_unsaved(peer.participant) else {}
                if not peers:
                    del self.participants[peer.participant]
                    self._presence({peer.participant: False}, unsaved=unsaved)
                elif unsaved:
                    self._presence({}, unsaved=unsaved)

    def data_to_send(self) -> dict[Peer, list[Send]]:
        """What each connection gets, in order; taken once. Events that follow
        each other go as one ``events`` message."""
        out, self._outgoing = self._outgoing, {}
        for peer, queued in out.items():
            if len(queued) > 1:
                out[peer] = coalesce(queued)
        common = self._common
        if common:
            self._common = []
            runs: dict[int, list[Send]] = {}  # by where a connection's share starts
            if self._everyone is None:
                self._everyone = [p for peers in self.participants.values() for p in peers]
            for peer in self._everyone:
                start = peer.cursor
                peer.cursor = 0
                if start >= len(common):
                    continue
                share = runs.get(start)
                if share is None:
                    share = runs[start] = coalesce(self._common_share(common, start, len(common)))
                so_far = out.get(peer)
                if so_far is None:
                    out[peer] = list(share)
                else:
                    so_far.extend(share)
            self._blocks = {}
        if self._deferred:
            deferred, self._deferred = self._deferred, {}
            for peer, replies in deferred.items():
                so_far = out.get(peer)
                if so_far is None:
                    out[peer] = replies
                elif type(so_far[-1]) is not Close:
                    so_far.extend(replies)
        return out

    # ---- a batch ------------------------------------------------------------

    def decide(self, requests: list[Request], now: float) -> Batch:
        """Decide every request in order, evolving the state as it goes (later
        requests see earlier ones). Nothing is sent until :meth:`commit`."""
        batch = Batch()
        for request in requests:
            if isinstance(request, HelloRequest):
                self._decide_hello(batch, request, now)
            else:
                self._decide_command(batch, request, now)
        return batch

    def commit(self, batch: Batch) -> None:
        """The batch is durable: send everything it decided, in order."""
        for key, seq in batch.keys.items():
            self.applied[key] = seq
        for new in batch.joined:
            self.resume[new.resume_hash] = new.participant
        self._snapshots, self._named = {}, set()
        try:
            sent = 0
            for upto, reply in batch.replies:
                while sent < upto:
                    self._fan_out(batch.planned[sent])
                    sent += 1
                self._reply(batch, reply)
            while sent < len(batch.planned):
                self._fan_out(batch.planned[sent])
                sent += 1
            for greeting in batch.later:
                self._reply(batch, greeting)
        finally:
            self._snapshots = None

    def fail(self, requests: Iterable[Request], why: str) -> dict[HelloRequest, str]:
        """The batch was not stored (call :meth:`restore` first): tell every
        sender. They retry with the same command ids; whatever did get stored
        is then acknowledged as a duplicate, so nothing is applied twice."""
        outcomes: dict[HelloRequest, str] = {}
        for request in requests:
            if isinstance(request, HelloRequest):
                self._send(request.peer, frames.error("storage_error", why))
                outcomes[request] = RETRY
                continue
            # A rejection decided in this batch saw state that was never
            # stored: decide again when the sender retries.
            self.rejections.pop((request.peer.actor_key, request.command.id), None)
            self._send(
                request.peer,
                proto.Rejected(
                    id=request.command.id, code="storage_error", message="The server could not save this; try again."
                ).model_dump_json(),
            )
        return outcomes

    # ---- deciding ---------------------------------------------------------------

    def _measure(self) -> None:
        """The exact size of the state's JSON (every snapshot is at most this)."""
        self.size = len(STATE_ADAPTER.dump_json(self.state))
        self._measured = True

    def _room(self, actor: Actor, events: list[Event], bodies: list[str]) -> bool:
        """May events with these bodies be added to the state? Within the
        session's byte budget (kompsesjon.method.budgets): ``self.size`` is
        an upper bound that grows by each event's :func:`growth_bound`, and
        the state is measured again only when that bound says no — so a
        session at its budget measures at most once per batch that grew it."""
        growth = sum(growth_bound(event, body) for event, body in zip(events, bodies, strict=True))
        budget = FACILITATOR_BYTES if actor.is_facilitator else SESSION_BYTES
        # Joins are bounded by their count, not by these bytes: each
        # participant brings room for their own record.
        budget += len(self.state.participants) * PARTICIPANT_BYTES
        if self.size + growth <= budget:
            return True
        if not self._measured:
            self._measure()
        return self.size + growth <= budget

    def _append(self, batch: Batch, events: list[Event], bodies: list[str]) -> None:
        for event, body in zip(events, bodies, strict=True):
            self.size += growth_bound(event, body)
        self._measured = False
        for event, body in zip(events, bodies, strict=True):
            self.seq += 1
            evolve(self.state, event)
            planned = plan(self.state, self.seq, event, body)
            batch.planned.append(planned)
            batch.rows.append((self.seq, event.type, body))
            self.ring.append(planned)  # a later hello in this batch needs it

    def _decide_command(self, batch: Batch, request: CommandRequest, now: float) -> None:
        peer, command = request.peer, request.command
        key = (peer.actor_key, command.id)
        at = len(batch.planned)
        seq = self.applied.get(key) or batch.keys.get(key)
        if seq is not None:
            ack = proto.Ack(id=command.id, seq=seq, duplicate=True, created=self.created.get(seq, []))
            batch.replies.append((at, (peer, ack.model_dump_json())))
            return
        remembered = self.rejections.get(key)
        if remembered is not None:
            batch.replies.append((at, (peer, remembered)))
            return
        try:
            events = decide(self.state, peer.actor, command, now)
            # Serialised before the state changes: an event that cannot be
            # stored fails its own command, not the whole batch.
            bodies = [event.model_dump_json() for event in events]
            made = created_ids(self.state, events)
        except Rejection as rejection:
            message = proto.Rejected(
                id=command.id, code=rejection.code, message=rejection.message, details=rejection.details
            ).model_dump_json()
            self._remember(key, message)
            batch.replies.append((at, (peer, message)))
            return
        except Exception:  # a bug in a rule must not stop the session
            log.exception("session %s: deciding %s failed", self.code, command.type)
            message = proto.Rejected(
                id=command.id, code="internal_error", message="The server could not handle that command."
            ).model_dump_json()
            batch.replies.append((at, (peer, message)))
            return
        if not self._room(peer.actor, events, bodies):
            message = proto.Rejected(
                id=command.id,
                code="session_too_large",
                message="This session has reached the most text it can hold; nothing more can be added.",
                details={"limit": FACILITATOR_BYTES if peer.actor.is_facilitator else SESSION_BYTES},
            ).model_dump_json()
            batch.replies.append((at, (peer, message)))
            return
        self._append(batch, events, bodies)
        batch.keys[key] = self.seq
        batch.applied.append(Applied(key[0], key[1], self.seq))
        if made:
            self.created[self.seq] = made
        ack = proto.Ack(id=command.id, seq=self.seq, created=made)
        batch.replies.append((len(batch.planned), (peer, ack.model_dump_json())))

    def _decide_hello(self, batch: Batch, request: HelloRequest, now: float) -> None:
        peer, hello = request.peer, request.hello
        resumed = hello.last_seq > 0
        newcomer = False
        at = len(batch.planned)
        if peer.role != "facilitator" and self.connected + batch.greeting >= BUDGETS["connections_per_session"]:
            limit = BUDGETS["connections_per_session"]
            message = f"This session has {limit} connections open, the most it takes; try again later."
            batch.replies.append((at, _Refusal(request, "session_busy", message, busy=True)))
            return
        if peer.role == "participant":
            resume_hash = secret_hash(hello.resume or "")
            pid = self.resume.get(resume_hash) or batch.newcomers.get(resume_hash)
            if pid is None:
                try:
                    events = decide(self.state, GUEST, cmd.Join(id="join", name=hello.name, org=hello.org), now)
                    bodies = [event.model_dump_json() for event in events]
                except Rejection as rejection:
                    batch.replies.append((len(batch.planned), _Refusal(request, rejection.code, rejection.message)))
                    return
                except Exception:  # a bug must not fail the whole batch
                    log.exception("session %s: a join failed", self.code)
                    refusal = _Refusal(request, "internal_error", "The server could not handle that hello.")
                    batch.replies.append((len(batch.planned), refusal))
                    return
                self._append(batch, events, bodies)
                joined = events[0]
                assert isinstance(joined, ParticipantJoined)
                pid = joined.participant
                batch.joined.append(NewParticipant(pid, resume_hash))
                batch.newcomers[resume_hash] = pid
                resumed, newcomer = False, True
            elif self.state.participants[pid].removed:
                batch.replies.append((len(batch.planned), _Refusal(request, "participant_removed", REMOVED, True)))
                return
            else:
                open_now = len(self.participants.get(pid, ())) + batch.greeting_of.get(pid, 0)
                limit = BUDGETS["connections_per_person"]
                if open_now >= limit:
                    message = f"You have {open_now} connections open, the most one person may; close one first."
                    batch.replies.append((at, _Refusal(request, "too_many_connections", message, busy=True)))
                    return
                resumed = True
            batch.greeting_of[pid] = batch.greeting_of.get(pid, 0) + 1
            peer.participant = pid
        batch.greeting += 1
        catch_up = None if newcomer else self._catch_up(peer.audience, hello.last_seq if resumed else 0)
        greeting = _Greeting(request, resumed, newcomer, catch_up, self.seq, self.state.title, now)
        if catch_up is None:
            batch.later.append(greeting)
        else:
            batch.replies.append((len(batch.planned), greeting))

    def _catch_up(self, audience: Audience, last_seq: int) -> list[Out] | None:
        """The messages after ``last_seq`` for ``audience``; None: send a snapshot."""
        if last_seq <= 0 or last_seq > self.seq:
            return None
        if last_seq == self.seq:
            return []
        if not self.ring or self.ring[0].seq > last_seq + 1:
            return None
        out = []
        for planned in self.ring:
            if planned.seq > last_seq:
                message = planned.message_for(audience)
                if message is not None:
                    out.append(message)
        return out

    def _remember(self, key: tuple[str, str], message: str) -> None:
        self.rejections[key] = message
        if len(self.rejections) > REJECTION_MEMORY:
            self.rejections.popitem(last=False)

    # ---- sending -------------------------------------------------------------------

    def _reply(self, batch: Batch, reply: _Reply) -> None:
        if isinstance(reply, tuple):
            peer, text = reply
            if peer.role == "participant" and peer in self.participants.get(peer.participant or "", ()):
                # After the batch's events: an ack then still follows what its
                # command caused, and the events go to everyone in one message.
                self._deferred.setdefault(peer, []).append(Out(text))
            else:
                self._send(peer, text)
        elif isinstance(reply, _Refusal):
            self._send(reply.request.peer, frames.error(reply.code, reply.message, fatal=reply.fatal))
            batch.outcomes[reply.request] = FATAL if reply.fatal else BUSY if reply.busy else RETRY
        else:
            self._greet(reply)
            batch.outcomes[reply.request] = GREETED

    def _greet(self, greeting: _Greeting) -> None:
        # What was missed first, then welcome: a client that has seen the
        # welcome is up to date as of its seq, and one that lost the
        # connection before it simply asks again from where it was.
        peer = greeting.request.peer
        if greeting.catch_up is None:
            # A newcomer shares the newcomers' snapshot, unless something
            # of their own happened later in this batch (a pair's card …).
            shared = greeting.newcomer and peer.participant not in self._named
            snapshot = self._snapshot(NEWCOMER if shared else peer.audience)
            peer.allowance, peer.allowance_written = 4 * len(snapshot.text), False  # bytes, at most
            self._send(peer, snapshot)
            seq, title = self.seq, self.state.title
        else:
            for message in greeting.catch_up:
                self._send(peer, message)
            seq, title = greeting.seq, greeting.title
        welcome = proto.Welcome(
            session=self.session,
            code=self.code,
            title=title,
            role=peer.role,
            participant=peer.participant,
            resumed=greeting.resumed,
            seq=seq,
            server_time=greeting.now,
            addresses=self.addresses if peer.role != "participant" else [],
        )
        self._send(peer, welcome.model_dump_json())
        if peer.role == "facilitator":
            online = dict.fromkeys(self.participants, True)
            unsaved = {pid: True for pid in self.participants if self._has_unsaved(pid)}
            self._send(peer, proto.Presence(online=online, full=True, unsaved=unsaved).model_dump_json())
        self._register(peer)

    def _snapshot(self, audience: Audience) -> Out:
        """The snapshot message for ``audience`` as of now, made once per commit."""
        made = self._snapshots.get(audience) if self._snapshots is not None else None
        if made is None:
            made = Out(snapshot_message(self.seq, view_state(self.state, audience)))
            if self._snapshots is not None:
                self._snapshots[audience] = made
        return made

    def _register(self, peer: Peer) -> None:
        self.connected += 1
        if peer.role == "facilitator":
            self.facilitators.add(peer)
        elif peer.role == "screen":
            self.screens.add(peer)
        else:
            assert peer.participant is not None
            first = peer.participant not in self.participants
            self.participants.setdefault(peer.participant, set()).add(peer)
            peer.cursor = len(self._common)  # the commit's events from here on
            self._everyone = None
            if first:
                self._presence({peer.participant: True})

    def _presence(self, changes: dict[str, bool], unsaved: dict[str, bool] | None = None) -> None:
        if self.facilitators:
            presence = proto.Presence(online=changes, unsaved=unsaved or {})
            self._send_all(self.facilitators, presence.model_dump_json())

    def _fan_out(self, planned: Planned) -> None:
        """Send an event to every connection, each audience its projection."""
        named = planned.named
        self._named.update(named)
        if self.facilitators:
            message = planned.message_for(FACILITATOR_VIEW)
            if message is not None:
                self._send_all(self.facilitators, message)
        if self.screens:
            message = planned.message_for(SCREEN_VIEW)
            if message is not None:
                self._send_all(self.screens, message)
        if self.participants:
            # Everyone not named in the plan receives what any participant
            # does: queued once, in the commit's common events. Those named
            # are sent what they got of them so far, then their own projection,
            # and skip this event's common one.
            common = self._common
            at = len(common)
            message = planned.message_for(ANY_PARTICIPANT)
            if message is not None:
                common.append(message)
            for pid in named:
                theirs = self.participants.get(pid)
                if theirs:
                    own = planned.message_for(next(iter(theirs)).audience)
                    for peer in theirs:
                        self._catch_up_common(peer, at)
                        if own is not None:
                            self._send(peer, own)
                        peer.cursor = len(common)
        if isinstance(planned.event, ParticipantRemoved):
            for peer in list(self.participants.get(planned.event.participant, ())):
                # What the commit sent them so far, then goodbye.
                self._catch_up_common(peer, len(self._common))
                for reply in self._deferred.pop(peer, ()):
                    self._send(peer, reply)
                self._send(peer, frames.error("participant_removed", REMOVED, fatal=True))
                self._send(peer, Close(1008, "removed"))
                self._unregister(peer)

    def _common_share(self, common: list[Out], start: int, upto: int) -> list[Send]:
        """``common[start:upto]``, its whole blocks as their shared messages."""
        first, last = -(-start // COMMON_BLOCK), upto // COMMON_BLOCK
        if first >= last:
            return list(common[start:upto])
        share: list[Send] = list(common[start : first * COMMON_BLOCK])
        for k in range(first, last):
            block = self._blocks.get(k)
            if block is None:
                block = self._blocks[k] = coalesce(common[k * COMMON_BLOCK : (k + 1) * COMMON_BLOCK])
            share += block
        share += common[last * COMMON_BLOCK : upto]
        return share

    def _catch_up_common(self, peer: Peer, upto: int) -> None:
        """Queue ``peer``'s share of the common events before ``upto``."""
        if peer.cursor < upto:
            share = self._common_share(self._common, peer.cursor, upto)
            queued = self._outgoing.get(peer)
            if queued is None:
                self._outgoing[peer] = share  # a list of its own already
            else:
                queued.extend(share)
            peer.cursor = upto

    def _send(self, peer: Peer, message: str | Send) -> None:
        if isinstance(message, str):
            message = Out(message)
        queued = self._outgoing.get(peer)
        if queued is None:
            self._outgoing[peer] = [message]
        elif not isinstance(queued[-1], Close):  # e.g. the answer to a removed person's next command
            queued.append(message)

    def _send_all(self, peers: Iterable[Peer], message: str | Out) -> None:
        if isinstance(message, str):
            message = Out(message)
        outgoing = self._outgoing
        for peer in peers:
            queued = outgoing.get(peer)
            if queued is None:
                outgoing[peer] = [message]
            else:
                queued.append(message)
