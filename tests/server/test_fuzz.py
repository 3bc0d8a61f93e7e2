"""Fuzzing a live server over real websockets.

Hypothesis generates messages — random JSON, garbage frames, fragmented and
invalid-UTF-8 frames, valid commands with mutated fields (wrong types, huge
strings, odd Unicode: lone surrogates, bidi overrides, combining marks, NUL,
terminal escape sequences, Rich markup), replayed command ids, facilitator
commands from participants, anything from a screen, and hellos with wrong,
foreign or replayed codes, tokens and resume secrets — and sends them to a
real server (running in its own thread and event loop) from participants,
screens, a facilitator and fresh connections.

After every message the sender also sends a *sentinel* command that the hub
always refuses; its answer proves the connection still answers and that the
hub has finished with the fuzzed message. Then the test checks:

* **crashes = 0**: no ERROR record from the server's loggers (a handler
  exception, "connection handler failed", a failed batch), no
  ``internal_error`` answer, no connection closed unexpectedly (only the
  closes the protocol promises: a fatal hello error, 1007 for invalid UTF-8
  in a text frame, a removed participant), every hub task alive;
* **state changes on refused messages = 0**: a message that "must not change
  state" is one that was not accepted — answered with ``rejected``, an
  ``error``, an ``ack`` marked ``duplicate``, or (a hello) anything but the
  welcome of a newly joined participant. For those, every session's ``seq``
  and full state (``dump_state`` of the hub's state) must be exactly what
  they were before. Accepted messages (a fresh ``ack``, a join) may change
  state and are counted apart;
* **escalations = 0**: nobody is acknowledged for a command their role may
  not send (a participant's facilitator command is ``not_facilitator``, a
  screen's anything is ``read_only``), a hello becomes a facilitator only
  with that session's real token, and resumes a participant only with that
  participant's own secret.

The CI run fuzzes for 12 s; ``pytest -m slow`` for 10 minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import re
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import RunningServer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as sync_connect

from kompsesjon import protocol as proto
from kompsesjon.client import SessionClient, new_id, new_resume_secret
from kompsesjon.method import commands as c
from kompsesjon.method import dump_state, evolve
from server.app import Limits, normalise_code

ROOT = Path(__file__).resolve().parents[2]
# The sync client is used without "with" (connections outlive a block).
pytestmark = pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager")

# ---- the server in a thread ---------------------------------------------------


class LiveServer:
    """A real SessionServer on 127.0.0.1 in its own thread and event loop.

    The test thread talks to it only over sockets, and reads the hubs' state
    between messages with :meth:`run` (on the server's loop, so never in the
    middle of a batch's synchronous part).
    """

    def __init__(self, db: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzzed-server", daemon=True)
        self.thread.start()
        # No rate or guessing limits here: they are tested elsewhere, and would
        # only turn fuzzed messages into rate_limited / too_many_attempts.
        self.srv = RunningServer(db, Limits(rate=1e9, burst=1e9, guesses=10**9))
        self.call(self.srv.start())

    @property
    def url(self) -> str:
        return self.srv.url

    def call(self, coro, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def run(self, fn) -> Any:
        async def wrapped():
            return fn()

        return self.call(wrapped())

    def states(self) -> dict[str, tuple[int, dict]]:
        """Every session's seq and full state, right now."""
        hubs = self.srv.server.hubs
        return self.run(lambda: {s: (hub.seq, dump_state(hub.state)) for s, hub in hubs.items()})

    def alive(self) -> bool:
        if not self.thread.is_alive():
            return False
        hubs = self.srv.server.hubs
        return self.run(lambda: all(h._task is not None and not h._task.done() for h in hubs.values()))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call(self.srv.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


class ErrorLog(logging.Handler):
    """Collects ERROR records of the server side (handler exceptions)."""

    WATCHED = ("kompsesjon", "server", "websockets.server", "asyncio")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(self.WATCHED):
            self.records.append(record)


# ---- the room being fuzzed ------------------------------------------------------


@dataclass
class Session:
    name: str
    id: str
    code: str
    token: str


@dataclass
class Actor:
    """A raw connection that has said hello, re-opened when it gets closed."""

    name: str
    session: Session
    role: str
    secret: str | None = None
    pid: str | None = None
    ws: ClientConnection | None = None
    used_ids: list[str] = field(default_factory=list)


@dataclass
class World:
    live: LiveServer
    sessions: dict[str, Session]
    actors: list[Actor]
    known: dict[tuple[str, str], str]  # (session id, resume secret) -> participant


async def _build(live: LiveServer) -> tuple[dict[str, Session], dict[tuple[str, str], str]]:
    """Four sessions in different phases, so fuzzed commands reach deep rules."""
    srv = live.srv
    made: list[SessionClient] = []
    known: dict[tuple[str, str], str] = {}

    async def start(name: str, template: str = "framtidsverksted"):
        created = await srv.new_session(template=template, title=f"Fuzz {name}")
        host = SessionClient(srv.url, role="facilitator", token=created.token)
        host.start()
        made.append(host)
        await host.wait_ready()
        people = []
        for n, org in enumerate(["Bodø kommune", "Fauske kommune", "Saltdal kommune"]):
            secret = new_resume_secret()
            person = SessionClient(
                srv.url, role="participant", code=created.code, resume=secret, name=f"{name}-{n}", org=org
            )
            person.start()
            made.append(person)
            await person.wait_ready()
            known[(created.session, secret)] = person.participant
            people.append(person)
        return Session(name, created.session, created.code, created.token), host, people

    async def ok(client: SessionClient, command) -> None:
        outcome = await client.send(command)
        assert outcome.ok, (command, outcome)

    async def advance_to(host: SessionClient, kind: str, board: str | None = None) -> None:
        while not (host.state.current.kind == kind and board in (None, host.state.current.board)):
            await ok(host, c.AdvancePhase(id=new_id(), current=host.state.phase))

    sessions = {}
    # S1: the vision brainstorm, with a clustered and voted critique board,
    # buzz pairs and a red card.
    s1, host, (a, b, d) = await start("brainstorm")
    await ok(a, c.CheckIn(id=new_id(), text="Håp"))
    await advance_to(host, "brainstorm", "critique")
    for person, text in ((a, "Tid"), (b, "Penger"), (a, "Folk"), (d, "Kultur")):
        await ok(person, c.AddItem(id=new_id(), board="critique", text=text))
    await advance_to(host, "cluster", "critique")
    await ok(host, c.Merge(id=new_id(), board="critique", cards=["K1", "K2"], title="Ressurser"))
    await advance_to(host, "vote", "critique")
    await ok(a, c.PlaceDot(id=new_id(), board="critique", card="T1"))
    await ok(b, c.PlaceDot(id=new_id(), board="critique", card="K3"))
    await advance_to(host, "brainstorm", "vision")
    await ok(host, c.FormBuzzPairs(id=new_id(), seed=1))
    await ok(a, c.AddItem(id=new_id(), board="vision", text="Fagnettverk"))
    await ok(b, c.AddItem(id=new_id(), board="vision", text="Felles vakter", with_pair=True))
    await ok(d, c.RaiseRedCard(id=new_id(), note="Hersketeknikk"))
    sessions["S1"] = s1
    # S2: action plans on an island.
    s2, host, (a, b, d) = await start("plans")
    await advance_to(host, "brainstorm", "critique")
    await ok(a, c.AddItem(id=new_id(), board="critique", text="Rekruttering"))
    await advance_to(host, "islands")
    await ok(host, c.CreateIsland(id=new_id(), title="Øy", links=[c.LinkRef(board="critique", card="K1")]))
    for person in (a, b, d):
        await ok(person, c.ChooseIsland(id=new_id(), island="I1"))
    await advance_to(host, "action_plans")
    await ok(a, c.EditPlan(id=new_id(), island="I1", field="what", text="Mentor", base_version=0))
    sessions["S2"] = s2
    # S3: a dialogue conference in its first group round.
    s3, host, (a, b, d) = await start("groups", "dialogkonferanse")
    await advance_to(host, "group_work")
    await ok(host, c.FormGroups(id=new_id(), set="base", seed=2))
    group = next(iter(host.state.groups))
    member = next(p for p in (a, b, d) if p.participant in host.state.groups[group].members)
    await ok(
        member, c.EditAnswer(id=new_id(), phase=host.state.phase, question=0, group=group, text="Svar", base_version=0)
    )
    sessions["S3"] = s3
    # S4: a sandbox whose facilitator is fuzzed too.
    s4, host, (a, b, d) = await start("sandbox")
    await advance_to(host, "brainstorm", "critique")
    await ok(a, c.AddItem(id=new_id(), board="critique", text="Sandkasse"))
    sessions["S4"] = s4

    for client in made:
        await client.close()
    return sessions, known


def _connect(live: LiveServer) -> ClientConnection:
    return sync_connect(live.url, proxy=None, max_size=None, compression=None, open_timeout=10, close_timeout=1)


def _hello_of(actor: Actor) -> dict:
    if actor.role == "facilitator":
        return {"type": "hello", "role": "facilitator", "token": actor.session.token}
    if actor.role == "screen":
        return {"type": "hello", "role": "screen", "code": actor.session.code}
    return {
        "type": "hello",
        "role": "participant",
        "code": actor.session.code,
        "resume": actor.secret,
        "name": actor.name,
        "org": "Fuzz",
    }


def open_actor(world: World, actor: Actor) -> None:
    """(Re)connect; a removed participant comes back as a new one."""
    for _ in range(3):
        ws = _connect(world.live)
        ws.send(json.dumps(_hello_of(actor)))
        while True:
            message = json.loads(ws.recv(timeout=10))
            if message["type"] in ("welcome", "error"):
                break
        if message["type"] == "welcome":
            actor.ws, actor.pid = ws, message["participant"]
            if actor.role == "participant":
                world.known[(actor.session.id, actor.secret)] = actor.pid
            return
        ws.close()
        assert message["code"] == "participant_removed", message
        actor.secret = new_resume_secret()  # the fuzzed facilitator removed them
    raise AssertionError(f"{actor.name} cannot connect")


# ---- what is sent -------------------------------------------------------------------

NASTY = [
    "\x00",
    "\x1b",
    "\x1b[31m",
    "\x1b[2J\x1b[H",
    "\x1b]8;;http://127.0.0.1/\x1b\\link\x1b]8;;\x1b\\",
    "\x1b]0;title\x07",
    "\x07",
    "\x08",
    "\r",
    "\n",
    "\t",
    "\x7f",
    "\x85",
    "\x9b31m",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u2028",
    "\u0301",
    "\u0336\u0336\u0336",
    "\ud800",
    "\udfff",
    "\ud83d",
    "[bold]",
    "[/]",
    "[link=http://127.0.0.1/]x[/link]",
    "[red]",
    "\\[",
    "**x**",
    "<script>",
    "&amp;",
    "# ",
    "- ",
    "1. ",
    "`",
    "|",
    "e\u0301",
    "\ufdfa",
    "עברית",
    "مرحبا",
    "𝕏",
    "👩\u200d👩\u200d👧",
    "🙂",
    "Zoë",
    " ",
    "",
]
REFS = [
    "K1",
    "K2",
    "K3",
    "K4",
    "K9",
    "V1",
    "V2",
    "T1",
    "T2",
    "I1",
    "I2",
    "p1",
    "p2",
    "p3",
    "p99",
    "G1",
    "G2",
    "B1",
    "R1",
    "S1",
    "critique",
    "vision",
    "base",
    "cross",
    "org:bodø kommune",
    "org:#p1",
    "what",
    "how",
]
ALL_TYPES = ["hello", *sorted(m.model_fields["type"].default for m in proto.COMMAND_TYPES)]
EXTRA_KEYS = ["text", "board", "card", "item", "island", "participant", "extra", "__proto__", "\ud800", "id "]
REPLAY = "<replay>"  # replaced by an id this actor used before
SENTINEL_ITEM = "none-such"


def _corpus() -> list[dict]:
    """Every command example of docs/protocol.md: valid commands of every type."""
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"^```json[ \t]*\n(.*?)^```[ \t]*$", text, re.M | re.S):
        data = json.loads(block)
        if isinstance(data, dict) and data.get("type") in ALL_TYPES and data["type"] != "hello":
            found.append(data)
    return found


CORPUS = _corpus()
FACILITATOR_ONLY = [m for m in CORPUS if m["type"] not in c.PARTICIPANT_COMMANDS and m["type"] != "join"]

# Strategies are built once: building them per draw costs more than sending.
odd_text = st.lists(
    st.sampled_from(NASTY) | st.text(st.characters(codec=None, exclude_categories=()), max_size=3), max_size=5
).map("".join)
texty = st.one_of(odd_text, st.text(max_size=20), st.sampled_from(NASTY))
huge_text = st.integers(250, 40_000).map(lambda n: "æ" * n)  # up to 80 KB: over the 64 KiB limit too
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | odd_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=6,
)
values = st.one_of(
    odd_text,
    st.sampled_from(REFS),
    json_values,
    huge_text,
    st.integers(-(2**70), 2**70),
    st.integers(-3, 3),
    st.lists(st.sampled_from(REFS), max_size=4),
    st.lists(st.fixed_dictionaries({"board": st.sampled_from(REFS), "card": st.sampled_from(REFS)}), max_size=3),
)
mutation_ids = st.just(REPLAY) | odd_text | st.text("az09_.:-", min_size=1, max_size=80) | values
types = st.sampled_from(ALL_TYPES) | values
corpus = st.sampled_from(CORPUS)
mutations = st.lists(
    st.tuples(st.sampled_from(["set", "set", "set", "delete", "add", "type", "id"]), st.integers(0, 20)), max_size=3
)

# Commands a session's phase allows (with odd text): the fuzz must also reach
# the rules that accept, not only the parser that refuses.
LIKELY: dict[str, list] = {
    "S1": [  # vision brainstorm
        lambda t, n: {"type": "add_item", "board": "vision", "text": t},
        lambda t, n: {"type": "add_item", "board": "vision", "text": t, "with_pair": True},
        lambda t, n: {"type": "edit_item", "item": f"V{n % 3 + 1}", "text": t},
        lambda t, n: {"type": "raise_red_card", "item": None if n % 2 else "V1", "note": t},
        lambda t, n: {"type": "set_profile", "name": t, "org": t},
        lambda t, n: {"type": "set_region", "region": t, "participant": None if n % 2 else f"p{n % 4}"},
        lambda t, n: {"type": "withdraw_item", "item": f"V{n % 4 + 1}"},
    ],
    "S2": [  # action plans on island I1
        lambda t, n: {
            "type": "edit_plan",
            "island": "I1",
            "field": ["what", "how", "who", "first_step", "when"][n % 5],
            "text": t,
            "base_version": n % 3,
        },
        lambda t, n: {"type": "set_profile", "name": t},
    ],
    "S3": [  # group work, base groups
        lambda t, n: {
            "type": "edit_answer",
            "phase": 3,  # the first round of base groups
            "question": n % 3,
            "sub": [None, 0, 2, 5][n % 4],
            "group": f"G{1 if n % 4 else 2}",
            "text": t,
            "base_version": n % 2,
        },
        lambda t, n: {
            "type": "set_group_role",
            "group": f"G{1 if n % 4 else 2}",
            "role": ["rapporteur", "host"][n % 2],
            "participant": f"p{n % 4}",
        },
    ],
    "S4": [  # critique brainstorm; the facilitator may do anything
        lambda t, n: {"type": "add_item", "board": "critique", "text": t},
        lambda t, n: {"type": "edit_item", "item": f"K{n % 3 + 1}", "text": t},
        lambda t, n: {"type": "edit_session", "title": t} if n % 2 else {"type": "edit_session", "question": t},
        lambda t, n: {"type": "check_in", "text": t},
    ],
}


@dataclass(frozen=True)
class Known:
    """Placeholder for the resume secret of a participant already known (any
    session), picked when sent: strategies must not depend on the server."""

    index: int


@dataclass
class Probe:
    kind: str
    target: str  # an actor's name, or "hello" (a fresh connection)
    payload: Any  # a dict (sent as JSON), or str / bytes (sent as they are)
    frame: str = "text"  # text, binary, fragments, bad-utf8
    ascii: bool = True


def probes(world: World) -> st.SearchStrategy[Probe]:
    names = [a.name for a in world.actors]
    participants = [a.name for a in world.actors if a.role == "participant"]
    screens = [a.name for a in world.actors if a.role == "screen"]
    sessions = list(world.sessions.values())
    target = st.sampled_from(names)
    likely_target = st.sampled_from([a.name for a in world.actors if a.role != "screen"])

    @st.composite
    def mutated(draw) -> Probe:
        message = dict(draw(corpus), id=None)  # None: a fresh id when sent
        for how, n in draw(mutations):
            keys = [k for k in message if k not in ("type", "id")]
            if how == "set" and keys:
                message[keys[n % len(keys)]] = draw(values)
            elif how == "delete" and keys:
                del message[keys[n % len(keys)]]
            elif how == "add":
                message[EXTRA_KEYS[n % len(EXTRA_KEYS)]] = draw(values)
            elif how == "type":
                message["type"] = draw(types)
            elif how == "id":
                message["id"] = draw(mutation_ids)
        return Probe("mutated", draw(target), message, ascii=draw(st.booleans()))

    @st.composite
    def likely(draw) -> Probe:
        name = draw(likely_target)
        options = LIKELY[name.split(".")[0]]
        n = draw(st.integers(0, 11))
        message = dict(options[n % len(options)](draw(texty), n), id=None)
        return Probe("odd-text", name, message, ascii=draw(st.booleans()))

    @st.composite
    def role_violation(draw) -> Probe:
        if draw(st.booleans()):
            return Probe(
                "facilitator-command",
                draw(st.sampled_from(participants)),
                dict(draw(st.sampled_from(FACILITATOR_ONLY)), id=None),
            )
        return Probe("screen-command", draw(st.sampled_from(screens)), dict(draw(corpus), id=None))

    @st.composite
    def raw_frame(draw) -> Probe:
        to = draw(target)
        how = draw(st.sampled_from(["text", "binary", "json", "json", "fragments", "bad-utf8", "deep"]))
        if how == "text":
            return Probe("raw-text", to, draw(st.text(st.characters(codec="utf-8"), max_size=60)))
        if how == "binary":
            return Probe("raw-binary", to, draw(st.binary(max_size=60)), frame="binary")
        if how == "json":
            return Probe("random-json", to, draw(json_values), ascii=draw(st.booleans()))
        if how == "fragments":
            return Probe("fragmented", to, dict(draw(corpus), id=None), frame="fragments")
        if how == "deep":
            return Probe("deep-json", to, draw(st.sampled_from(["[", '{"a":'])) * draw(st.integers(900, 30_000)))
        return Probe("bad-utf8", to, b'{"type":"check_in","id":"u","text":"\xff\xfe"}', frame="bad-utf8")

    letters = st.text("ABCDEFGHJKMNPQRSTUVWXYZ23456789", min_size=6, max_size=6)
    roles = st.sampled_from(["participant", "participant", "facilitator", "screen"]) | values

    @st.composite
    def hello(draw) -> Probe:
        """A hello on a fresh connection: right, wrong, foreign and replayed credentials."""
        session = draw(st.sampled_from(sessions))

        def one_of(*options):  # draws only the option it picks
            chosen = options[draw(st.integers(0, len(options) - 1))]
            return chosen() if callable(chosen) else chosen

        if draw(st.booleans()):  # well-formed: only the credentials vary
            code = one_of(
                session.code, session.code.lower(), f"{session.code[:3]}-{session.code[3:]}", lambda: draw(letters)
            )
            token = one_of(None, session.token, session.token, session.token + "x", lambda: "f-" + new_resume_secret())
            resume = one_of(new_resume_secret, lambda: Known(draw(st.integers(0, 63))), session.token)
            message: dict = {
                "type": "hello",
                "role": draw(st.sampled_from(["participant", "facilitator", "screen"])),
                "code": code,
                "token": token,
                "resume": resume,
                "name": one_of("Fuzz", lambda: draw(texty)),
                "org": one_of("", lambda: draw(texty)),
            }
            if draw(st.booleans()):
                message["last_seq"] = draw(st.integers(0, 200))
            return Probe("hello", "hello", {k: v for k, v in message.items() if v is not None})
        code = one_of(
            session.code,
            session.code.lower(),
            f"{session.code[:3]}-{session.code[3:]}",
            lambda: draw(letters),
            lambda: draw(odd_text),
            None,
            lambda: draw(values),
        )
        token = one_of(
            None,
            session.token,
            session.token + "x",
            session.token[:-1],
            lambda: "f-" + new_resume_secret(),
            lambda: draw(odd_text),
            lambda: draw(values),
        )
        resume = one_of(
            new_resume_secret,
            lambda: Known(draw(st.integers(0, 63))),
            session.token,
            None,
            lambda: "abc" * draw(st.integers(0, 10)),
            lambda: draw(odd_text),
            lambda: draw(values),
        )
        name = one_of("Fuzz", "", lambda: draw(odd_text), lambda: draw(values))
        message = {
            "type": "hello",
            "role": draw(roles),
            "code": code,
            "token": token,
            "resume": resume,
            "name": name,
            "org": draw(st.just("") | odd_text),
        }
        if draw(st.booleans()):
            message["last_seq"] = draw(st.integers(-2, 2**70) | values)
        if draw(st.integers(0, 9)) == 0:
            message["protocol"] = draw(st.integers(0, 3) | values)
        for key in draw(st.lists(st.sampled_from(list(message)), max_size=2, unique=True)):
            if key != "type":
                del message[key]
        message = {k: v for k, v in message.items() if v is not None or draw(st.booleans())}
        return Probe("hello", "hello", message, ascii=draw(st.booleans()))

    return st.one_of(mutated(), mutated(), likely(), likely(), role_violation(), raw_frame(), hello(), hello())


# ---- sending and judging --------------------------------------------------------------


@dataclass
class Tally:
    tried: Counter = field(default_factory=Counter)
    accepted: int = 0
    refused: int = 0
    state_changes: list[str] = field(default_factory=list)  # refused, but something changed
    crashes: list[str] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)
    closed: Counter = field(default_factory=Counter)  # expected closes, by reason
    answers: Counter = field(default_factory=Counter)  # (kind, answer code), for tuning

    @property
    def total(self) -> int:
        return sum(self.tried.values())


BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _forbidden(data: Any) -> str | None:
    """A character no stored text may hold: a control (but newline), a bidi override, a surrogate."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            for ch in item:
                if ch != "\n" and (unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI):
                    return ch
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


RAW_KINDS = frozenset({"raw-text", "raw-binary", "deep-json", "bad-utf8"})


def _encode(probe: Probe) -> str | bytes:
    if probe.kind in RAW_KINDS:
        return probe.payload
    text = json.dumps(probe.payload, ensure_ascii=probe.ascii)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only JSON's \\u escape can carry it
        text = json.dumps(probe.payload, ensure_ascii=True)
    return text


class Fuzzer:
    def __init__(self, world: World, errors: ErrorLog) -> None:
        self.world = world
        self.errors = errors
        self.tally = Tally()
        self.n = 0
        self.by_name = {a.name: a for a in world.actors}

    def check_logs(self, label: str) -> None:
        while self.errors.records:
            record = self.errors.records.pop(0)
            self.tally.crashes.append(f"{label}: logged {record.name}: {record.getMessage()[:200]}")

    def send(self, probe: Probe) -> None:
        self.n += 1
        self.tally.tried[probe.kind] += 1
        if probe.target != "hello" and self.by_name[probe.target].ws is None:
            open_actor(self.world, self.by_name[probe.target])  # may join: before the "before"
        before = self.world.live.states()
        if probe.target == "hello":
            accepted, label = self.hello(probe)
        else:
            accepted, label = self.command(probe)
        after = self.world.live.states()
        if accepted:
            self.tally.accepted += 1
            changed = [s for s in after if before.get(s) != after[s]]
            if len(changed) > 1 or (probe.target != "hello" and changed and changed[0] != self.session_of(probe)):
                self.tally.state_changes.append(f"{label}: an accepted message changed other sessions: {changed}")
        else:
            self.tally.refused += 1
            if before != after:
                changed = [s for s in after if before.get(s) != after[s]]
                self.tally.state_changes.append(f"{label}: refused, yet sessions changed: {changed}")
        self.check_logs(label)
        if not self.world.live.alive():
            self.tally.crashes.append(f"{label}: a hub task or the server thread died")
            raise AssertionError("the server died")

    def session_of(self, probe: Probe) -> str:
        return self.by_name[probe.target].session.id

    def command(self, probe: Probe) -> tuple[bool, str]:
        actor = self.by_name[probe.target]
        payload = probe.payload
        command_id = None
        if isinstance(payload, dict) and "id" in payload:
            payload = dict(payload)
            if payload["id"] is None:
                payload["id"] = f"fz-{self.n}"
            elif payload["id"] == REPLAY:
                payload["id"] = actor.used_ids[self.n % len(actor.used_ids)] if actor.used_ids else f"fz-{self.n}"
            if isinstance(payload["id"], str):
                command_id = payload["id"]
                actor.used_ids.append(command_id)
        label = f"#{self.n} {probe.kind} from {actor.name}: {str(payload)[:160]!r}"
        sentinel = f"sentinel-{self.n}"
        replies: list[dict] = []
        encoded = _encode(Probe(probe.kind, probe.target, payload, probe.frame, probe.ascii))
        try:
            if probe.frame == "binary":
                actor.ws.send(encoded if isinstance(encoded, bytes) else encoded.encode(), text=False)
            elif probe.frame == "bad-utf8":
                actor.ws.send(encoded, text=True)
            elif probe.frame == "fragments":
                cut = [0, len(encoded) // 3, 2 * len(encoded) // 3, len(encoded)]
                actor.ws.send([encoded[a:b] for a, b in itertools.pairwise(cut) if b > a])
            else:
                actor.ws.send(encoded)
            actor.ws.send(json.dumps({"type": "withdraw_item", "id": sentinel, "item": SENTINEL_ITEM}))
            while True:
                message = json.loads(actor.ws.recv(timeout=15))
                if message.get("id") == sentinel and message["type"] in ("rejected", "ack"):
                    break
                replies.append(message)
        except TimeoutError:
            self.tally.crashes.append(f"{label}: no answer within 15 s")
            self.reopen(actor)
            return False, label
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            fatal = [r for r in replies if r["type"] == "error" and r.get("fatal")]
            if probe.frame == "bad-utf8" and code == 1007:
                self.tally.closed["1007 invalid UTF-8"] += 1
            elif fatal and fatal[0]["code"] == "participant_removed":
                self.tally.closed["participant removed"] += 1
            else:
                self.tally.crashes.append(f"{label}: connection closed ({code}) after {replies}")
            self.reopen(actor)
            return False, label
        # The sentinel is refused by the hub, the same way every time.
        expected = "read_only" if actor.role == "screen" else "unknown_item"
        if message["type"] != "rejected" or message["code"] != expected:
            self.tally.crashes.append(f"{label}: sentinel answered {message}")
        for reply in replies:
            if reply["type"] == "event" and (bad := _forbidden(reply)):
                self.tally.escalations.append(f"{label}: stored text with U+{ord(bad):04X}: {reply}")
        answers = [r for r in replies if r["type"] in ("ack", "rejected", "error")]
        for answer in answers:
            if answer.get("code") == "internal_error":
                self.tally.crashes.append(f"{label}: internal_error {answer}")
            if answer.get("code") == "participant_removed":
                self.reopen(actor)
        for answer in answers:
            self.tally.answers[(probe.kind, answer.get("code", answer["type"]))] += 1
        acked = [r for r in answers if r["type"] == "ack" and r["id"] == command_id]
        fresh = [r for r in acked if not r["duplicate"]]
        if fresh:
            kind = payload.get("type")
            if actor.role == "screen" or (actor.role == "participant" and kind not in c.PARTICIPANT_COMMANDS):
                self.tally.escalations.append(f"{label}: {actor.role} was acknowledged for {kind}")
        if probe.kind in ("facilitator-command", "screen-command"):
            wanted = "read_only" if actor.role == "screen" else "not_facilitator"
            if not any(a["type"] == "rejected" and a["code"] == wanted for a in answers):
                self.tally.escalations.append(f"{label}: not refused with {wanted}: {answers}")
        if len(answers) != 1 and not any(a.get("code") == "participant_removed" for a in answers):
            self.tally.crashes.append(f"{label}: {len(answers)} answers instead of one: {answers}")
        return bool(fresh), label

    def reopen(self, actor: Actor) -> None:
        with contextlib.suppress(Exception):
            actor.ws.close()
        actor.ws = None

    def hello(self, probe: Probe) -> tuple[bool, str]:
        message = probe.payload
        label = f"#{self.n} hello {str(message)[:200]!r}"
        try:
            ws = _connect(self.world.live)
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            self.tally.crashes.append(f"{label}: cannot connect: {exc!r}")
            return False, label
        if isinstance(message.get("resume"), Known):
            known = sorted(secret for (_, secret) in self.world.known)
            message = dict(message, resume=known[message["resume"].index % len(known)])
            probe = Probe(probe.kind, probe.target, message, probe.frame, probe.ascii)
            label = f"#{self.n} hello {str(message)[:200]!r}"
        replies = []
        try:
            ws.send(_encode(probe))
            while True:
                reply = json.loads(ws.recv(timeout=15))
                replies.append(reply)
                if reply["type"] in ("welcome", "error"):
                    break
        except TimeoutError:
            self.tally.crashes.append(f"{label}: no answer within 15 s")
            return False, label
        except ConnectionClosed as closed:
            self.tally.crashes.append(f"{label}: closed ({closed.rcvd}) without an answer: {replies}")
            return False, label
        finally:
            with contextlib.suppress(Exception):
                ws.close()
        reply = replies[-1]
        self.tally.answers[("hello", reply["code"] if reply["type"] == "error" else reply["type"])] += 1
        if reply["type"] == "error":
            if reply["code"] == "internal_error":
                self.tally.crashes.append(f"{label}: internal_error")
            if reply["fatal"]:
                self.tally.closed[f"fatal {reply['code']}"] += 1
            return False, label
        return self.judge_welcome(message, reply, label), label

    def judge_welcome(self, hello: dict, welcome: dict, label: str) -> bool:
        """Was the welcome earned? True: a participant joined (state changed)."""
        role = welcome["role"]
        by_id = {s.id: s for s in self.world.sessions.values()}
        session = by_id.get(welcome["session"])
        if session is None or role != hello.get("role"):
            self.tally.escalations.append(f"{label}: welcomed as {role} in {welcome['session']}")
            return False
        if role == "facilitator":
            if hello.get("token") != session.token:
                self.tally.escalations.append(f"{label}: a facilitator without the token")
            return False
        if not isinstance(hello.get("code"), str) or normalise_code(hello["code"]) != session.code:
            self.tally.escalations.append(f"{label}: welcomed to {session.name} without its code")
            return False
        if role == "screen":
            return False
        secret = hello.get("resume")
        earlier = self.world.known.get((session.id, secret))
        if earlier is not None:
            if welcome["participant"] != earlier or not welcome["resumed"]:
                self.tally.escalations.append(f"{label}: secret of {earlier} gave {welcome['participant']}")
            return False
        existing = {p for (s, _), p in self.world.known.items() if s == session.id}
        if welcome["resumed"] or welcome["participant"] in existing:
            self.tally.escalations.append(f"{label}: an unknown secret resumed {welcome['participant']}")
            return False
        self.world.known[(session.id, secret)] = welcome["participant"]
        return True


def _setup(tmp_path: Path) -> tuple[World, ErrorLog]:
    live = LiveServer(tmp_path / "fuzz.sqlite3")
    sessions, known = live.call(_build(live), timeout=60)
    actors = []
    for key, session in sessions.items():
        participants = [(secret, pid) for (sid, secret), pid in known.items() if sid == session.id]
        for n, (secret, _) in enumerate(participants[:2]):
            actors.append(Actor(f"{key}.p{n}", session, "participant", secret=secret))
        if key == "S4":
            actors.append(Actor(f"{key}.fac", session, "facilitator"))
        else:
            actors.append(Actor(f"{key}.screen", session, "screen"))
    world = World(live, sessions, actors, known)
    for actor in actors:
        open_actor(world, actor)
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    return world, errors


def _teardown(world: World, errors: ErrorLog) -> None:
    logging.getLogger().removeHandler(errors)
    for actor in world.actors:
        if actor.ws is not None:
            with contextlib.suppress(Exception):
                actor.ws.close()
    world.live.close()


def run_fuzz(tmp_path: Path, capsys, *, seconds: float, examples: int) -> Tally:
    world, errors = _setup(tmp_path)
    fuzzer = Fuzzer(world, errors)
    probe = probes(world)
    deadline = time.monotonic() + seconds

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(probe, min_size=1, max_size=12))
    def fuzz(probes: list[Probe]) -> None:
        for one in probes:
            if time.monotonic() > deadline:
                return
            fuzzer.send(one)

    started = time.monotonic()
    try:
        fuzz()
        # Still serving: a new connection is welcomed, and every hub's state
        # is still exactly the fold of its stored log.
        screen = Actor("final", world.sessions["S1"], "screen")
        open_actor(world, screen)
        screen.ws.close()
        for hub in world.live.srv.server.hubs.values():
            stored = world.live.call(hub.store.events(hub.session))
            replay = None
            for _, event in stored:
                replay = evolve(replay, event)
            assert world.live.run(lambda hub=hub: dump_state(hub.state)) == dump_state(replay)
        fuzzer.check_logs("after fuzzing")
    finally:
        _teardown(world, errors)
    tally = fuzzer.tally
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nfuzz: tried {tally.total} messages in {elapsed:.1f} s "
            f"({', '.join(f'{k} {v}' for k, v in sorted(tally.tried.items()))}); "
            f"accepted {tally.accepted}, refused {tally.refused}; crashes {len(tally.crashes)}; "
            f"state changes on refused {len(tally.state_changes)}; escalations {len(tally.escalations)}; "
            f"closed as promised {dict(tally.closed)}"
        )
    if os.environ.get("FUZZ_VERBOSE"):
        with capsys.disabled():
            for (kind, code), n in sorted(tally.answers.items()):
                print(f"  {kind:20} {code:24} {n}")
    assert not tally.crashes, "\n".join(tally.crashes[:20])
    assert not tally.state_changes, "\n".join(tally.state_changes[:20])
    assert not tally.escalations, "\n".join(tally.escalations[:20])
    return tally


def test_fuzzed_messages_never_crash_and_refusals_change_nothing(tmp_path, capsys):
    tally = run_fuzz(tmp_path, capsys, seconds=12, examples=1000)
    assert tally.total > 300, "the fuzzer hardly ran"
    assert tally.tried["hello"] > 20 and tally.tried["mutated"] > 50
    assert tally.accepted > 0, "no fuzzed message was valid: the mutations are too blunt"


@pytest.mark.slow
def test_fuzzing_for_ten_minutes(tmp_path, capsys):
    tally = run_fuzz(tmp_path, capsys, seconds=600, examples=100_000)
    assert tally.total > 10_000
