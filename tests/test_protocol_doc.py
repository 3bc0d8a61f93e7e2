"""docs/protocol.md stays true: every example parses, every message is shown.

The document promises that anyone can take part with a plain websocket
client. These tests keep that promise as the protocol grows:

* every ```json block is a real message: a client message, a server message
  or a bare event, and exactly one of them;
* every client message type (``hello`` and every command), every server
  message type and every event type has at least one example — a new command
  or event without documentation fails here;
* every rejection code raised in ``kompsesjon/method`` is in the table of
  rejection codes, and the protocol-level error codes are in the table of
  errors.
"""

from __future__ import annotations

import json
import re
import typing
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from kompsesjon import protocol as proto
from kompsesjon.method import commands as cmd
from kompsesjon.method import events as ev
from kompsesjon.method import load_state

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "protocol.md"
METHOD = ROOT / "kompsesjon" / "method"

# Codes of `error` messages that the document must explain.
PROTOCOL_ERROR_CODES = (
    "bad_json",
    "bad_message",
    "too_large",
    "rate_limited",
    "bad_code",
    "bad_token",
)

ADAPTERS = {
    "client": proto.CLIENT_ADAPTER,
    "server": proto.SERVER_ADAPTER,
    "event": ev.EVENT_ADAPTER,
}

_FENCE = re.compile(r"^```json[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
_HEADING = re.compile(r"^(#{2,3}) (.+?)\s*$", re.M)
_REJECTION = re.compile(r"""Rejection\(\s*["']([A-Za-z0-9_]+)["']""")


def _members(union: object) -> tuple[type[BaseModel], ...]:
    """The model classes of an ``Annotated[Union[...], Field(discriminator=...)]``."""
    inner = typing.get_args(union)[0]
    return typing.get_args(inner)


def _type_of(model: type[BaseModel]) -> str:
    return model.model_fields["type"].default


@cache
def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


class Example(typing.NamedTuple):
    line: int
    section: str  # the nearest "##" or "###" heading above the block
    data: typing.Any
    kinds: tuple[str, ...]  # which adapters accept it
    parsed: typing.Any  # the parsed message, if exactly one adapter accepts it
    errors: str


def _section_at(text: str, offset: int) -> str:
    title = ""
    for match in _HEADING.finditer(text, 0, offset):
        title = match.group(2)
    return title


@cache
def examples() -> tuple[Example, ...]:
    text = doc_text()
    out = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        section = _section_at(text, match.start())
        try:
            data = json.loads(match.group(1))
        except ValueError as exc:
            out.append(Example(line, section, None, (), None, f"not JSON: {exc}"))
            continue
        kinds, parsed, errors = [], None, []
        for kind, adapter in ADAPTERS.items():
            try:
                result = adapter.validate_python(data)
            except ValidationError as exc:
                errors.append(f"as {kind} message: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}")
                continue
            kinds.append(kind)
            parsed = result
        out.append(Example(line, section, data, tuple(kinds), parsed, "; ".join(errors)))
    return tuple(out)


def _section(text: str, title: str) -> str:
    """The text of the "## title" section, up to the next "## " heading."""
    match = re.search(rf"^## {re.escape(title)}\s*$", text, re.M)
    assert match, f"docs/protocol.md has no '## {title}' section"
    end = re.search(r"^## ", text[match.end() :], re.M)
    return text[match.end() : match.end() + end.start()] if end else text[match.end() :]


def _table_codes(section: str) -> set[str]:
    """Codes named in the first column of a markdown table (`a`, `b` allowed)."""
    codes: set[str] = set()
    for row in re.findall(r"^\|([^|\n]+)\|", section, re.M):
        codes.update(re.findall(r"`([a-z_]+)`", row))
    return codes


# ---- the examples -----------------------------------------------------------


def test_the_document_has_examples() -> None:
    assert len(examples()) > 50


@pytest.mark.parametrize("example", examples(), ids=lambda e: f"line{e.line}")
def test_every_example_is_a_real_message(example: Example) -> None:
    assert example.kinds, (
        f"docs/protocol.md line {example.line}: the ```json block is not a valid client message, "
        f"server message or event: {example.errors}"
    )
    assert len(example.kinds) == 1, (
        f"docs/protocol.md line {example.line}: the block parses as more than one kind: {example.kinds}"
    )


def test_every_snapshot_example_is_a_loadable_state() -> None:
    snapshots = [e for e in examples() if isinstance(e.parsed, proto.Snapshot)]
    assert snapshots
    for example in snapshots:
        state = load_state(example.parsed.state)
        assert state.session, f"line {example.line}"


def test_events_are_shown_one_way() -> None:
    """The document shows events inside their envelope; keep it consistent."""
    bare = [e.line for e in examples() if e.kinds == ("event",)]
    assert not bare, f"bare events (not inside {{'type':'event',...}}) at lines {bare}"


def _documented() -> dict[str, set[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for example in examples():
        message = example.parsed
        if message is None or len(example.kinds) != 1:
            continue
        kind = example.kinds[0]
        if kind == "event":
            seen["event"].add(message.type)
            continue
        seen[kind].add(message.type)
        if isinstance(message, proto.EventMessage):
            seen["event"].add(message.event.type)
    return seen


def test_every_client_message_type_has_an_example() -> None:
    wanted = {_type_of(proto.Hello), _type_of(proto.Unsaved)} | {_type_of(model) for model in proto.COMMAND_TYPES}
    missing = wanted - _documented()["client"]
    assert not missing, f"client messages without an example in docs/protocol.md: {sorted(missing)}"


def test_every_server_message_type_has_an_example() -> None:
    wanted = {_type_of(model) for model in _members(proto.ServerMessage)}
    missing = wanted - _documented()["server"]
    assert not missing, f"server messages without an example in docs/protocol.md: {sorted(missing)}"


def test_every_event_type_has_an_example() -> None:
    wanted = {_type_of(model) for model in _members(ev.Event)}
    missing = wanted - _documented()["event"]
    assert not missing, f"events without an example in docs/protocol.md: {sorted(missing)}"


def test_commands_are_grouped_by_who_sends_them() -> None:
    """Participant commands under "Participant commands", the rest under
    "Facilitator commands", ``join`` and ``hello`` under "Joining"."""
    sections: dict[str, set[str]] = defaultdict(set)
    for example in examples():
        if example.kinds == ("client",):
            sections[example.parsed.type].add(example.section)
    misplaced = []
    for model in proto.COMMAND_TYPES:
        kind = _type_of(model)
        if kind == "join":
            home = "Joining"
        elif kind in cmd.PARTICIPANT_COMMANDS:
            home = "Participant commands"
        else:
            home = "Facilitator commands"
        if home not in sections[kind]:
            misplaced.append(f"{kind} (belongs under '{home}', found under {sorted(sections[kind])})")
    assert not misplaced, "commands shown in the wrong group: " + "; ".join(misplaced)


# ---- codes ------------------------------------------------------------------


def rejection_codes() -> set[str]:
    codes: set[str] = set()
    for path in sorted(METHOD.glob("*.py")):
        codes.update(_REJECTION.findall(path.read_text(encoding="utf-8")))
    return codes


def test_the_source_scan_finds_rejection_codes() -> None:
    # Guards the regex: if it stopped matching, the next test would pass vacuously.
    assert {"wrong_phase", "not_facilitator", "stale_version", "text_too_long"} <= rejection_codes()


def test_every_rejection_code_is_in_the_table() -> None:
    table = _table_codes(_section(doc_text(), "Rejection codes"))
    missing = rejection_codes() - table
    assert not missing, f"rejection codes missing from the table in docs/protocol.md: {sorted(missing)}"


def test_protocol_error_codes_are_in_the_table() -> None:
    table = _table_codes(_section(doc_text(), "Protocol errors"))
    missing = set(PROTOCOL_ERROR_CODES) - table
    assert not missing, f"error codes missing from docs/protocol.md: {sorted(missing)}"


def test_transport_facts() -> None:
    text = doc_text()
    assert str(proto.MAX_MESSAGE_BYTES) in text
    assert "1009" in text
    assert "/healthz" in text
    assert f'"protocol": {proto.PROTOCOL_VERSION}' in text
    assert f"Protocol version: {proto.PROTOCOL_VERSION}" in text


# ---- the contract of issue 13 ------------------------------------------------


def _state_models() -> dict[str, set[str]]:
    """Every dataclass a snapshot holds, with its field names."""
    import dataclasses

    from kompsesjon.method import state as st

    out: dict[str, set[str]] = {}
    for name, value in vars(st).items():
        if dataclasses.is_dataclass(value) and isinstance(value, type) and value.__module__ == st.__name__:
            out[name] = {f.name for f in dataclasses.fields(value)}
    out["Rules"] = set(st.Rules.model_fields)
    return out


def test_the_snapshot_section_names_every_field_of_every_shape() -> None:
    section = _section(doc_text(), "Server messages")
    start = section.index("### snapshot")
    snapshot = section[start : section.index("### event", start)]
    named = set(re.findall(r"`([a-z_]+)`", snapshot))
    missing = {f"{model}.{name}" for model, fields in _state_models().items() for name in fields - named}
    assert not missing, f"fields of the snapshot not described under '### snapshot': {sorted(missing)}"
    # The shapes are described here, not left to the source.
    for shape in ("themes", "islands", "next_steps", "check_ins", "buzz_pairs", "red_cards"):
        assert re.search(rf"^\| `{shape}`", snapshot, re.M), shape


def test_the_presence_examples_say_what_their_text_says() -> None:
    text = doc_text()
    for words, online in (("went offline", False), ("back online", True)):
        at = text.index(words)
        block = _FENCE.search(text, at)
        assert block is not None
        message = json.loads(block.group(1))
        assert message["type"] == "presence" and set(message["online"].values()) == {online}, words


def test_the_list_rules_are_in_the_protocol() -> None:
    text = doc_text()
    lists = text[text.index("#### The bottom and top lists") :]
    for words in ("rules.list_cut", "tie_break", '"voters"', '"earlier"', "written first", "themes inside it"):
        assert words in lists, words


def test_a_usable_id_is_defined() -> None:
    assert "A **usable `id`**" in doc_text()


def test_an_ack_documents_what_it_created() -> None:
    acks = [e.parsed for e in examples() if isinstance(e.parsed, proto.Ack)]
    assert any(a.created for a in acks) and any(not a.created for a in acks)
    section = _section(doc_text(), "Server messages")
    table = section[section.index("### ack") : section.index("### rejected")]
    listed = set(re.findall(r"^\| `([a-z_]+)`", table, re.M))
    assert {"add_item", "merge", "create_island", "form_buzz_pairs", "raise_red_card", "add_next_step"} <= listed
    assert listed <= {_type_of(model) for model in proto.COMMAND_TYPES}


def test_what_the_document_calls_a_usable_id_is_answered_for_that_id() -> None:
    from server import frames

    for raw, wanted in (
        ('{"type": "nope", "id": "x1"}', "rejected"),
        ('{"type": "place_dot", "id": "has space", "board": "critique", "card": "K1"}', "rejected"),
        ('{"type": "place_dot", "id": 7, "board": "critique", "card": "K1"}', "error"),
        ('{"type": "place_dot", "id": "", "board": "critique", "card": "K1"}', "error"),
        ('{"type": "place_dot", "id": "' + "x" * 65 + '", "board": "critique", "card": "K1"}', "error"),
    ):
        message, reply = frames.parse(raw)
        assert message is None and reply is not None
        assert json.loads(reply)["type"] == wanted, raw
