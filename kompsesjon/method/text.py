"""Rules for text that people type: length limits and forbidden characters.

Everything a participant writes ends up on other people's terminals and in a
report. Control characters (ESC, BEL, backspace, C1 controls …) could move a
cursor or recolour a screen, so they are refused outright instead of being
cleaned silently; a newline is allowed only in fields that are multi-line.

Text that would mislead or break the layout is refused the same way, naming
the character:

* invisible formatting characters (zero-width space, soft hyphen, byte order
  mark, left-to-right and right-to-left marks, bidi overrides) — nothing in a
  meeting needs them, and they make text look like other text;
* the Hangul fillers (U+3164 …): they show as nothing, so a name of them is
  invisible, yet a terminal gives each two cells that the app never counted;
* a zero-width joiner anywhere but inside an emoji sequence (at most three,
  the longest real one) or after an Indic virama: an app counts a joined run
  as one character's width, a terminal draws every letter of it;
* tag characters outside a flag (🏴 + tags + cancel tag), more than
  ``MAX_MARKS`` combining marks on one letter, a mark at the very start;
* U+2028 / U+2029 (line and paragraph separators) in a one-line field; in a
  multi-line field they become new lines.

A required text must have something visible in it: a name of blank braille
cells is no name.
"""

from __future__ import annotations

import re
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

# Limits in bytes (UTF-8): what a text costs to store and to send to everyone.
# Twice the characters, so that any text in Latin letters (æ, ø, å, á, š: two
# bytes each) fits its character limit; four-byte emoji fit half of it.
BYTE_LIMITS: dict[str, int] = {kind: 2 * n for kind, n in LIMITS.items()}

MULTILINE = frozenset({"plan", "note", "question", "report"})

# More combining marks than this on one letter stack far above and below the
# line ("zalgo"); real writing (Vietnamese, Hebrew points) needs two or three.
MAX_MARKS = 4
# Emoji joined by zero-width joiners: the longest in Unicode's list (a family
# of four, a kiss) has three.
MAX_JOINERS = 3
ZWJ = "\u200d"
ZWNJ = "\u200c"
# Show as nothing, yet are letters (Lo) two cells wide in a terminal.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
# Blank, but not whitespace: no name on its own.
_BLANK = frozenset("\u2800")
# What may stand between an emoji and its joiner: variation selectors, skin tones.
_EMOJI_TRAILERS = frozenset("\ufe0e\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")
# A subdivision flag (Scotland, Wales, England): black flag, tags, cancel tag.
FLAG = re.compile("\U0001f3f4[\U000e0020-\U000e007e]{1,32}\U000e007f")
_TAGS = re.compile("[\U000e0000-\U000e007f]")
_UNUSUAL = re.compile("[^\x20-\x7e]")


def char_name(ch: str) -> str:
    """How a refused character is named to a person: U+3164."""
    return f"U+{ord(ch):04X}"


def flag_tags(text: str) -> set[int]:
    """The positions of tag characters that belong to a subdivision flag."""
    if not _TAGS.search(text):
        return set()
    return {i for m in FLAG.finditer(text) for i in range(m.start() + 1, m.end())}


def stored(text: str) -> str:
    """A text as it is kept: NFC, without outer whitespace (what :func:`clean`
    starts from)."""
    return unicodedata.normalize("NFC", text).strip()


def same_text(a: str, b: str) -> bool:
    """Equal once stored: an editor whose text is the stored one has nothing to save."""
    return stored(a) == stored(b)


def clean(kind: str, text: str, *, required: bool = True) -> str:
    """Return ``text`` stripped of outer whitespace, or raise a Rejection."""
    if not isinstance(text, str):  # pragma: no cover - pydantic guarantees str
        raise Rejection("bad_text", "Text must be a string.")
    text = stored(text)
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
    if text.isascii() and text.isprintable():  # fast path: plain ASCII, the usual case
        return text
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > BYTE_LIMITS[kind]:
        raise Rejection(
            "text_too_large",
            f"The {kind} text is {size} bytes; the limit is {BYTE_LIMITS[kind]} (emoji take four each).",
            field=kind,
            limit=BYTE_LIMITS[kind],
            size=size,
        )
    text = _checked(kind, text, kind in MULTILINE)
    if required and not any(_visible(ch) for ch in text):
        raise Rejection("text_empty", f"The {kind} text has nothing visible in it.", field=kind)
    return text


def _refuse(kind: str, ch: str, what: str) -> Rejection:
    return Rejection(
        "bad_text",
        f"The {kind} text contains {what} ({char_name(ch)}); only plain text is allowed.",
        field=kind,
        codepoint=ord(ch),
        char=char_name(ch),
    )


def _visible(ch: str) -> bool:
    if ch in _FILLERS or ch in _BLANK or ch in "\n\t":
        return False
    return unicodedata.category(ch) not in ("Zs", "Mn", "Me", "Cf", "Zl", "Zp")


def _checked(kind: str, text: str, multiline: bool) -> str:
    """``text`` with tabs (and in multi-line fields line separators) made
    plain, or the Rejection for its first misleading character."""
    flags = flag_tags(text)
    marks = joiners = 0
    previous = -1
    for found in _UNUSUAL.finditer(text):  # printable ASCII needs no look
        i, ch = found.start(), found.group()
        if i != previous + 1:
            marks = 0  # a plain letter came between
        previous = i
        category = unicodedata.category(ch)
        if category in ("Mn", "Me"):
            if i == 0:
                raise _refuse(kind, ch, "a combining mark with no letter before it")
            marks += 1
            if marks > MAX_MARKS:
                raise _refuse(kind, ch, f"more than {MAX_MARKS} combining marks on one letter")
            continue
        marks = 0
        if (ch == "\n" and multiline) or ch == "\t":
            continue
        if category in ("Cc", "Cs"):  # Cs: lone surrogates, which are not text
            raise _refuse(kind, ch, "a control character")
        if category in ("Zl", "Zp"):
            if not multiline:
                raise _refuse(kind, ch, "a line break")
            continue
        if ch in _FILLERS:
            raise _refuse(kind, ch, "an invisible character")
        if ch == ZWJ:
            joiners = _joined(text, i, joiners)
            if joiners < 0:
                raise _refuse(kind, ch, "a zero-width joiner that joins no emoji")
            if joiners > MAX_JOINERS:
                raise _refuse(kind, ch, f"more than {MAX_JOINERS} zero-width joiners in one emoji")
            continue
        if category == "So" and (i == 0 or text[i - 1] != ZWJ):
            joiners = 0  # a new emoji sequence starts
        if category == "Cf" and ch != ZWNJ and i not in flags:
            raise _refuse(kind, ch, "an invisible formatting character")
    text = text.replace("\t", " ")
    if multiline:
        text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return text


def _joined(text: str, i: int, joiners: int) -> int:
    """The joiners in the emoji sequence so far, counting the one at ``i``;
    -1 when it does not stand between two emoji (or after an Indic virama)."""
    after = text[i + 1] if i + 1 < len(text) else ""
    before = i - 1
    while before >= 0 and text[before] in _EMOJI_TRAILERS:
        before -= 1
    if before < 0 or not after:
        return -1
    if unicodedata.category(text[before]) == "So" and unicodedata.category(after) == "So":
        return joiners + 1
    # Sinhala, Malayalam …: a joiner after the virama shapes a conjunct.
    virama = unicodedata.category(text[i - 1]) == "Mn" and unicodedata.combining(text[i - 1]) == 9
    if virama and unicodedata.category(after).startswith("L"):
        return joiners
    return -1
