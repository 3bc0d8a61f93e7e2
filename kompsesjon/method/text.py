"""Rules for text that people type: length limits and forbidden characters.

Everything a participant writes ends up on other people's terminals and in a
report. Control characters (ESC, BEL, backspace, C1 controls …) could move a
cursor or recolour a screen, so they are refused outright instead of being
cleaned silently; a newline is allowed only in fields that are multi-line.
"""

from __future__ import annotations

import unicodedata

from .rejection import Rejection

# Limits in characters. Keyword cards are short by design (METHOD: "short
# keyword cards"); action-plan fields are paragraphs.
LIMITS: dict[str, int] = {
    "item": 280,
    "title": 120,
    "question": 500,
    "name": 60,
    "org": 80,
    "region": 80,
    "note": 500,  # check-in hopes, check-out words
    "plan": 2000,
    "step": 300,
    "red_card": 200,
    "report": 5000,  # the facilitator's summary, decisions, purpose, background
}

MULTILINE = frozenset({"plan", "note", "question", "report"})

# Bidirectional overrides can make a card display text that differs from what
# was stored ("Trojan Source"); nothing in a meeting needs them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean(kind: str, text: str, *, required: bool = True) -> str:
    """Return ``text`` stripped of outer whitespace, or raise a Rejection."""
    if not isinstance(text, str):  # pragma: no cover - pydantic guarantees str
        raise Rejection("bad_text", "Text must be a string.")
    text = unicodedata.normalize("NFC", text).strip()
    if required and not text:
        raise Rejection("text_empty", f"The {kind} text is empty.", field=kind)
    limit = LIMITS[kind]
    if len(text) > limit:
        raise Rejection(
            "text_too_long",
            f"The {kind} text is {len(text)} characters; the limit is {limit}.",
            field=kind,
            limit=limit,
            length=len(text),
        )
    if text.isprintable():  # fast path: no control or format characters at all
        return text
    multiline = kind in MULTILINE
    for ch in text:
        if ch in "\n\t" and multiline:
            continue
        if ch == "\t":
            continue
        # Cc: control characters; Cs: lone surrogates, which are not text.
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI_CONTROLS:
            raise Rejection(
                "bad_text",
                f"The {kind} text contains a control character (U+{ord(ch):04X}); only plain text is allowed.",
                field=kind,
                codepoint=ord(ch),
            )
    return text.replace("\t", " ")
