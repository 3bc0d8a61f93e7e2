"""One session's hub: the single writer, and the fan-out to its connections.

Every hello and every command of a session goes through the hub's queue and is
handled in arrival order by one task, in the flow the whole design follows:

    command → decide → append (one transaction per batch) → fan out → ack

Commands that arrive while a batch is being committed form the next batch
(group commit). State is evolved while deciding, so later commands of a batch
see earlier ones; if the commit fails, the hub rebuilds its state from the
database and nothing of the batch is acknowledged.

Fan-out serialises an event once per audience (see
:func:`kompsesjon.method.visibility.deliveries`) and frames it once: a server
frame is not masked, so the same bytes go to every recipient. Everything a
batch sends (events, acks, welcomes) is gathered per connection and written
with one ``transport.write`` per connection at the end of the batch, in
order, without waiting: a batch of 200 joins costs each connection one write
instead of 200 (see benchmarks/README.md for the measurements). A client
whose unsent data grows past ``SLOW_CLIENT_BYTES`` is disconnected instead of
holding anyone up; it resumes when it reconnects.

Snapshots (for a new participant, a facilitator or screen, or a client too
far behind) are made once per audience per batch, after the batch's events:
a burst of joins costs one snapshot per batch, not one per person.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast
from websockets.frames import Frame, Opcode
from websockets.protocol import State as WsState

from kompsesjon import protocol as proto
from kompsesjon.method import Actor, Rejection, decide, deliveries, evolve, view_state
from kompsesjon.method import commands as cmd
from kompsesjon.method.decide import FACILITATOR, GUEST, participant
from kompsesjon.method.events import Event, ParticipantRemoved
from kompsesjon.method.state import STATE_ADAPTER, State
from kompsesjon.method.visibility import Audience, Delivery

from .store import Applied, NewParticipant, Store, StoreError, secret_hash

log = logging.getLogger("kompsesjon.hub")

RING_SIZE = 2000  # events kept in memory, ready to send to a resuming client
MAX_BATCH = 512  # requests committed in one transaction at most
SLOW_CLIENT_BYTES = 1 << 20  # unsent bytes after which a client is dropped
REJECTION_MEMORY = 10_000  # remembered rejections, for retried command ids


# The view of a participant who has just joined: nothing of their own yet (no
# cards, dots, notes, pair or plan edits), so no content is visible to them
# that another newcomer would not see. One snapshot serves every newcomer of a
# batch; tests/server/test_snapshots.py checks that it equals their own view.
NEWCOMER = Audience("participant", None)

# How a hello ended.
GREETED, RETRY, FATAL = "greeted", "retry", "fatal"


@dataclass(eq=False)
class Client:
    """One open websocket, once it has said hello."""

    ws: ServerConnection
    role: str
    participant: str | None = None

    @property
    def audience(self) -> Audience:
        return Audience(self.role, self.participant)  # type: ignore[arg-type]

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


@dataclass
class _Planned:
    """An event of the current batch: its seq and its serialised deliveries."""

    seq: int
    event: Event
    body: str
    plan: list[tuple[Delivery, str]]


class _Out:
    """A message to send: serialised and framed once, for any number of connections."""

    __slots__ = ("frame", "message")

    def __init__(self, message: str) -> None:
        self.message = message
        # Server frames are not masked: the same bytes suit every connection.
        self.frame = Frame(Opcode.TEXT, message.encode()).serialize(mask=False, extensions=[])


@dataclass
class _Hello:
    client: Client
    hello: proto.Hello
    done: asyncio.Future


@dataclass
class _Command:
    client: Client
    command: Any


def event_message(seq: int, body: str) -> str:
    return f'{{"type":"event","seq":{seq},"event":{body}}}'


def snapshot_message(seq: int, state: State) -> str:
    return f'{{"type":"snapshot","seq":{seq},"state":{STATE_ADAPTER.dump_json(state).decode()}}}'


def _pick(plan: list[tuple[Delivery, str]], audience: Audience) -> str | None:
    """The message of a planned event that ``audience`` receives, if any."""
    if audience.role == "facilitator":
        return next((m for d, m in plan if d.facilitators), None)
    if audience.role == "screen":
        return next((m for d, m in plan if d.screens), None)
    named = next((m for d, m in plan if audience.participant in d.only), None)
    return named if named is not None else next((m for d, m in plan if d.participants), None)


class Hub:
    def __init__(self, session: str, code: str, store: Store) -> None:
        self.session = session
        self.code = code
        self.store = store
        self.state: State | None = None
        self.seq = 0
        self.ring: deque[_Planned] = deque(maxlen=RING_SIZE)
        self.applied: dict[tuple[str, str], int] = {}
        self.rejections: OrderedDict[tuple[str, str], str] = OrderedDict()
        self.resume: dict[str, str] = {}  # resume hash -> participant
        self.facilitators: set[Client] = set()
        self.screens: set[Client] = set()
        self.participants: dict[str, set[Client]] = {}
        self.queue: asyncio.Queue[_Hello | _Command] = asyncio.Queue(maxsize=20_000)
        self._task: asyncio.Task | None = None
        self._busy = asyncio.Lock()  # held while a batch is being handled
        self.on_removed: Callable[[Client], None] | None = None
        # While a batch is being sent: what each connection gets, in order.
        self._batch: dict[Client, list[_Out]] | None = None
        self._snapshots: dict[Audience, _Out] = {}  # made for this batch
        self._all_participants: list[Client] | None = None  # every participant connection (cached)
        self._named: set[str] = set()  # participants sent something of their own in this batch

    # ---- life cycle -----------------------------------------------------

    async def load(self) -> None:
        """Rebuild the state from the log; keep the last events ready to resend."""
        events = await self.store.events(self.session)
        if not events:
            raise StoreError(f"session {self.session} has no events")
        head = events[-1][0]
        state: State | None = None
        ring: deque[_Planned] = deque(maxlen=RING_SIZE)
        for seq, event in events:
            state = evolve(state, event)
            if seq > head - RING_SIZE:
                ring.append(self._plan(state, seq, event))
        self.state, self.seq, self.ring = state, head, ring
        self.applied = await self.store.applied_commands(self.session)
        self.resume = await self.store.participants(self.session)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"hub-{self.code}")

    async def stop(self) -> None:
        """Finish the batch in progress (it is committed and acknowledged),
        then stop taking requests."""
        async with self._busy:
            if self._task is not None:
                self._task.cancel()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def connected(self) -> list[Client]:
        out = [*self.facilitators, *self.screens]
        for clients in self.participants.values():
            out.extend(clients)
        return out

    # ---- requests from connections --------------------------------------

    async def hello(self, client: Client, hello: proto.Hello) -> str:
        """Queue a hello and wait for its outcome: GREETED, RETRY or FATAL."""
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        await self.queue.put(_Hello(client, hello, done))
        return await done

    async def submit(self, client: Client, command: Any) -> None:
        await self.queue.put(_Command(client, command))

    def disconnect(self, client: Client) -> None:
        if client.role == "facilitator":
            self.facilitators.discard(client)
        elif client.role == "screen":
            self.screens.discard(client)
        elif client.participant is not None:
            clients = self.participants.get(client.participant)
            if clients is not None:
                self._all_participants = None
                clients.discard(client)
                if not clients:
                    del self.participants[client.participant]
                    self._presence({client.participant: False})

    # ---- the writer -----------------------------------------------------

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < MAX_BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            async with self._busy:
                try:
                    await self._handle(batch)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # never let one bad batch stop the session
                    log.exception("hub %s: batch failed", self.code)
                    await self._recover(batch, f"internal error: {exc}")

    async def _handle(self, batch: list[_Hello | _Command]) -> None:
        assert self.state is not None
        now = time.time()
        planned: list[_Planned] = []
        applied: list[Applied] = []
        joined: list[NewParticipant] = []
        # What to send once the batch is durable, in order: ("events", n) fans
        # out the first n planned events not yet sent; a callable replies.
        outbox: list[tuple[int, Callable[[], None]]] = []
        later: list[Callable[[], None]] = []  # hellos answered with a snapshot: after all events
        pending_keys: dict[tuple[str, str], int] = {}

        def append_events(events: list[Event], bodies: list[str]) -> None:
            for event, body in zip(events, bodies, strict=True):
                self.seq += 1
                evolve(self.state, event)
                planned.append(self._plan(self.state, self.seq, event, body))
                self.ring.append(planned[-1])  # a later hello in this batch needs it

        for request in batch:
            if isinstance(request, _Hello):
                reply, snapshot = self._decide_hello(request, now, append_events, joined)
                if snapshot:
                    later.append(reply)
                else:
                    outbox.append((len(planned), reply))
                continue
            client, command = request.client, request.command
            key = (client.actor_key, command.id)
            seq = self.applied.get(key) or pending_keys.get(key)
            if seq is not None:
                outbox.append((len(planned), self._sender(client, proto.Ack(id=command.id, seq=seq, duplicate=True))))
                continue
            remembered = self.rejections.get(key)
            if remembered is not None:
                outbox.append((len(planned), self._sender(client, remembered)))
                continue
            try:
                events = decide(self.state, client.actor, command, now)
                # Serialised before the state changes: an event that cannot be
                # stored fails its own command, not the whole batch.
                bodies = [event.model_dump_json() for event in events]
            except Rejection as rejection:
                message = proto.Rejected(
                    id=command.id, code=rejection.code, message=rejection.message, details=rejection.details
                ).model_dump_json()
                self._remember(key, message)
                outbox.append((len(planned), self._sender(client, message)))
                continue
            except Exception:  # a bug in a rule must not stop the session
                log.exception("hub %s: deciding %s failed", self.code, command.type)
                message = proto.Rejected(
                    id=command.id, code="internal_error", message="The server could not handle that command."
                ).model_dump_json()
                outbox.append((len(planned), self._sender(client, message)))
                continue
            append_events(events, bodies)
            pending_keys[key] = self.seq
            applied.append(Applied(key[0], key[1], self.seq))
            outbox.append((len(planned), self._sender(client, proto.Ack(id=command.id, seq=self.seq))))

        if planned or joined:
            try:
                await self.store.append(self.session, [(p.seq, p.event.type, p.body) for p in planned], applied, joined)
            except StoreError as exc:
                log.error("hub %s: could not store a batch: %s", self.code, exc)
                await self._recover(batch, str(exc))
                return
        for key, seq in pending_keys.items():
            self.applied[key] = seq
        for j in joined:
            self.resume[j.resume_hash] = j.participant

        self._batch, self._snapshots, self._named = {}, {}, set()
        try:
            sent = 0
            for upto, reply in outbox:
                while sent < upto:
                    self._fan_out(planned[sent])
                    sent += 1
                reply()
            while sent < len(planned):
                self._fan_out(planned[sent])
                sent += 1
            for reply in later:
                reply()
        finally:
            batch, self._batch, self._snapshots = self._batch, None, {}
            self._flush(batch)

    async def _recover(self, batch: list[_Hello | _Command], why: str) -> None:
        """The batch failed: rebuild from what is stored and tell every sender.

        Senders retry with the same command ids; whatever did get stored is
        then acknowledged as a duplicate, so nothing is applied twice.
        """
        await self.load()
        for request in batch:
            if isinstance(request, _Command):
                # A rejection decided in this batch saw state that was never
                # stored: decide again when the sender retries.
                self.rejections.pop((request.client.actor_key, request.command.id), None)
            if isinstance(request, _Hello):
                self._send(request.client, proto.Error(code="storage_error", message=why).model_dump_json())
                if not request.done.done():
                    request.done.set_result(RETRY)
            else:
                message = proto.Rejected(
                    id=request.command.id,
                    code="storage_error",
                    message="The server could not save this; try again.",
                ).model_dump_json()
                self._send(request.client, message)

    def _remember(self, key: tuple[str, str], message: str) -> None:
        self.rejections[key] = message
        if len(self.rejections) > REJECTION_MEMORY:
            self.rejections.popitem(last=False)

    def _plan(self, state: State, seq: int, event: Event, body: str | None = None) -> _Planned:
        if body is None:
            body = event.model_dump_json()
        plan = []
        for delivery in deliveries(state, event):
            text = body if delivery.event is event else delivery.event.model_dump_json()
            plan.append((delivery, event_message(seq, text)))
        return _Planned(seq, event, body, plan)

    # ---- hello ----------------------------------------------------------

    def _decide_hello(
        self, request: _Hello, now: float, append_events: Callable, joined: list[NewParticipant]
    ) -> tuple[Callable[[], None], bool]:
        """Work out the answer to a hello now; send it after the commit.

        Returns the reply and whether it carries a snapshot. A snapshot reply
        is sent after all of the batch's events, with the state as of the end
        of the batch (one snapshot per audience per batch, however many
        hellos); any other reply goes at its place among the batch's events.
        """
        client, hello = request.client, request.hello
        assert self.state is not None
        resumed = hello.last_seq > 0
        newcomer = False
        if client.role == "participant":
            resume_hash = secret_hash(hello.resume or "")
            pid = self.resume.get(resume_hash) or next(
                (j.participant for j in joined if j.resume_hash == resume_hash), None
            )
            if pid is None:
                try:
                    events = decide(self.state, GUEST, cmd.Join(id="join", name=hello.name, org=hello.org), now)
                    bodies = [event.model_dump_json() for event in events]
                except Rejection as rejection:
                    return _refuse(self, request, rejection.code, rejection.message), False
                except Exception:  # a bug must not fail the whole batch
                    log.exception("hub %s: a join failed", self.code)
                    return _refuse(self, request, "internal_error", "The server could not handle that hello."), False
                append_events(events, bodies)
                pid = events[0].participant
                joined.append(NewParticipant(pid, resume_hash))
                resumed = False
                newcomer = True
            elif self.state.participants[pid].removed:
                return _refuse(
                    self, request, "participant_removed", "You have been removed from this session.", fatal=True
                ), False
            else:
                resumed = True
            client.participant = pid

        catch_up = None if newcomer else self._catch_up(client.audience, hello.last_seq if resumed else 0)
        # A catch-up reply goes out at its place among the batch's events: its
        # welcome must name the seq as of now, not as of the end of the batch
        # (the client would drop the batch's later events as already seen).
        seq_now, title_now = self.seq, self.state.title

        def reply() -> None:
            # What was missed first, then welcome: a client that has seen the
            # welcome is up to date as of its seq, and one that lost the
            # connection before it simply asks again from where it was.
            assert self.state is not None
            if catch_up is None:
                # A newcomer shares the newcomers' snapshot, unless something
                # of their own happened later in this batch (a pair's card …).
                shared = newcomer and client.participant not in self._named
                self._send(client, self._snapshot(NEWCOMER if shared else client.audience))
            else:
                for message in catch_up:
                    self._send(client, message)
            welcome = proto.Welcome(
                session=self.session,
                code=self.code,
                title=self.state.title if catch_up is None else title_now,
                role=client.role,  # type: ignore[arg-type]
                participant=client.participant,
                resumed=resumed,
                seq=self.seq if catch_up is None else seq_now,
                server_time=now,
            ).model_dump_json()
            self._send(client, welcome)
            if client.role == "facilitator":
                online = dict.fromkeys(self.participants, True)
                self._send(client, proto.Presence(online=online, full=True).model_dump_json())
            self._register(client)
            if not request.done.done():
                request.done.set_result(GREETED)

        return reply, catch_up is None

    def _snapshot(self, audience: Audience) -> _Out:
        """The snapshot message for ``audience`` as of now, made once per batch."""
        assert self.state is not None
        out = self._snapshots.get(audience)
        if out is None:
            out = _Out(snapshot_message(self.seq, view_state(self.state, audience)))
            if self._batch is not None:
                self._snapshots[audience] = out
        return out

    def _catch_up(self, audience: Audience, last_seq: int) -> list[str] | None:
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
                message = _pick(planned.plan, audience)
                if message is not None:
                    out.append(message)
        return out

    def _register(self, client: Client) -> None:
        if client.role == "facilitator":
            self.facilitators.add(client)
        elif client.role == "screen":
            self.screens.add(client)
        else:
            assert client.participant is not None
            first = client.participant not in self.participants
            self.participants.setdefault(client.participant, set()).add(client)
            self._all_participants = None
            if first:
                self._presence({client.participant: True})

    def _presence(self, changes: dict[str, bool]) -> None:
        if self.facilitators:
            message = proto.Presence(online=changes).model_dump_json()
            self._send_all(list(self.facilitators), message)

    # ---- fan-out --------------------------------------------------------

    def _fan_out(self, planned: _Planned) -> None:
        named: set[str] = set()
        for delivery, _ in planned.plan:
            named.update(delivery.only)
        self._named.update(named)
        for delivery, message in planned.plan:
            targets: list[Client] = []
            if delivery.facilitators:
                targets.extend(self.facilitators)
            if delivery.screens:
                targets.extend(self.screens)
            if delivery.participants:
                if named:
                    for pid, clients in self.participants.items():
                        if pid not in named:
                            targets.extend(clients)
                else:
                    if self._all_participants is None:
                        self._all_participants = [c for clients in self.participants.values() for c in clients]
                    targets.extend(self._all_participants)
            for pid in delivery.only:
                targets.extend(self.participants.get(pid, ()))
            if targets:
                self._send_all(targets, message)
        if isinstance(planned.event, ParticipantRemoved):
            for client in list(self.participants.get(planned.event.participant, ())):
                self._send(
                    client,
                    proto.Error(
                        code="participant_removed", message="You have been removed from this session.", fatal=True
                    ).model_dump_json(),
                )
                self.disconnect(client)
                asyncio.get_running_loop().create_task(client.ws.close(1008, "removed"))

    def _send(self, client: Client, message: str | _Out) -> None:
        """Send to one connection: gathered while a batch is sent, else at once."""
        out = message if isinstance(message, _Out) else _Out(message)
        if self._batch is None:
            self._flush({client: [out]})
        else:
            self._batch.setdefault(client, []).append(out)

    def _send_all(self, clients: list[Client], message: str) -> None:
        out = _Out(message)
        batch = self._batch
        if batch is None:
            self._flush({client: [out] for client in clients})
            return
        for client in clients:
            queued = batch.get(client)
            if queued is None:
                batch[client] = [out]
            else:
                queued.append(out)

    def _sender(self, client: Client, message: proto.Ack | str) -> Callable[[], None]:
        text = message if isinstance(message, str) else message.model_dump_json()
        return lambda: self._send(client, text)

    def _flush(self, batch: dict[Client, list[_Out]]) -> None:
        """Write what each connection gets, one write per connection, never waiting."""
        slow = []
        for client, outs in batch.items():
            ws = client.ws
            transport = ws.transport
            if transport is None or transport.is_closing() or ws.protocol.state is not WsState.OPEN:
                continue  # closing or closed: like broadcast(), skip it
            if transport.get_write_buffer_size() > SLOW_CLIENT_BYTES:
                slow.append(client)
                continue
            if ws.protocol.extensions or ws.send_in_progress is not None:
                # Not the plain frames built above (never the case with
                # compression=None): let websockets frame each message.
                for out in outs:
                    broadcast([ws], out.message)
                continue
            transport.write(outs[0].frame if len(outs) == 1 else b"".join([out.frame for out in outs]))
        for client in slow:
            self._drop_slow(client)

    def _drop_slow(self, client: Client) -> None:
        """A client that stopped reading: cut it loose; it resyncs on reconnect."""
        log.warning("hub %s: dropping a slow %s client", self.code, client.role)
        self.disconnect(client)
        transport = client.ws.transport
        if transport is not None:
            transport.abort()


def send_now(ws: ServerConnection, message: str) -> None:
    """Write a message to one connection without waiting (keeps order)."""
    broadcast([ws], message)


def _refuse(hub: Hub, request: _Hello, code: str, message: str, *, fatal: bool = False) -> Callable[[], None]:
    def reply() -> None:
        hub._send(request.client, proto.Error(code=code, message=message, fatal=fatal).model_dump_json())
        if not request.done.done():
            request.done.set_result(FATAL if fatal else RETRY)

    return reply
