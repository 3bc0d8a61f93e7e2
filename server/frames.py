"""What a client's frame says, or the reply that says why it is refused.

Sans-IO, like :mod:`server.core`: text in, a message or a reply out. A frame
that carries a command id the client can wait on is answered with
``rejected`` for that id; anything else wrong gets ``error``. Nothing here
sends: the caller decides when the reply is written.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from pydantic import ValidationError

from kompsesjon import protocol as proto

log = logging.getLogger("kompsesjon.server")

# A reply's message is cut to this many characters (it may quote the frame).
REPLY_TEXT = 500

_SURROGATE = re.compile("[\ud800-\udfff]")


def error(code: str, message: str, *, fatal: bool = False) -> str:
    return proto.Error(code=code, message=message, fatal=fatal).model_dump_json()


def parse(raw: str | bytes) -> tuple[Any, str | None]:
    """``(message, None)`` for a valid client message, else ``(None, reply)``.

    Never raises: a bug in here is answered ``internal_error`` and logged, and
    must not cost the person their connection.
    """
    try:
        return _parse(raw)
    except Exception:
        log.exception("could not handle a message")
        return None, error("internal_error", "The server could not handle that message.")


def _parse(raw: str | bytes) -> tuple[Any, str | None]:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        return None, error("bad_json", "That message is not valid JSON.")
    # JSON may spell a lone surrogate ("\\ud800"): not Unicode text. It would
    # pass every text rule and then fail when the event is serialised.
    surrogate = _lone_surrogate(data) if not isinstance(raw, str) or "\\u" in raw else None
    if surrogate is not None:
        return None, _invalid(
            data, f"Text must be valid Unicode: a lone surrogate (U+{ord(surrogate):04X}) is not allowed."
        )
    try:
        return proto.CLIENT_ADAPTER.validate_python(data), None
    except ValidationError as exc:
        return None, _invalid(data, _describe(exc, data))


def size_of(raw: str | bytes) -> int:
    """A frame's size in bytes, as the limit counts it."""
    size = len(raw)
    if isinstance(raw, str) and size * 4 > proto.MAX_MESSAGE_BYTES:
        size = len(raw.encode("utf-8", "surrogatepass"))  # only a long text can be over
    return size


def too_large(size: int) -> str:
    return error("too_large", f"A message may be at most {proto.MAX_MESSAGE_BYTES} bytes; this one was {size}.")


def rate_limited(raw: str | bytes, wait: float) -> str:
    """The answer to a frame over the rate: for its command id when it has one."""
    text = f"Too many messages; slow down (retry in {wait:.1f} s)."
    try:
        command_id = _command_id(json.loads(raw))
    except (ValueError, RecursionError):
        command_id = None
    if command_id is not None:
        return proto.Rejected(
            id=command_id, code="rate_limited", message=text, details={"retry_after": wait}
        ).model_dump_json()
    return error("rate_limited", text)


def _command_id(data: Any) -> str | None:
    """The id a client waits for an answer to, if it can be echoed back."""
    command_id = data.get("id") if isinstance(data, dict) else None
    if isinstance(command_id, str) and 0 < len(command_id) <= 64 and not _SURROGATE.search(command_id):
        return command_id
    return None


def _invalid(data: Any, text: str) -> str:
    command_id = _command_id(data)
    if command_id is not None and data.get("type") != "hello":
        # The client waits for an answer to this id: give it one.
        return proto.Rejected(id=command_id, code="bad_message", message=text[:REPLY_TEXT]).model_dump_json()
    return error("bad_message", text[:REPLY_TEXT])


def _lone_surrogate(data: Any) -> str | None:
    """The first lone surrogate in any string (key or value) of ``data``."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                return found.group()
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _describe(exc: ValidationError, data: Any) -> str:
    """One short sentence about what is wrong with a message."""
    if not isinstance(data, dict):
        return 'A message must be a JSON object with a "type".'
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"]]
    if first["type"] == "union_tag_invalid":
        return f"Unknown message type {str(data.get('type'))[:40]!r}."
    if first["type"] == "union_tag_not_found":
        return 'A message needs a "type".'
    kind, where = (loc[0], ".".join(loc[1:])) if loc else ("message", "")
    return f"Invalid {kind} message: {where or 'message'}: {first['msg']}"
