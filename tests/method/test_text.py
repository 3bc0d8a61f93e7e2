"""Text that misleads or breaks the layout is refused; real writing is not.

Found by an attack with nothing but the join code: a name of Hangul fillers
(U+3164) that shows as nothing, letters joined by zero-width joiners that a
terminal draws far wider than the app measures (the card's border is pushed
out), line separators (U+2028/U+2029) inside one-line fields, right-to-left
marks (U+200F) that reorder what is shown, and tag characters that the apps
escaped ambiguously. Emoji sequences, flags, accents and the scripts people
write their names in still pass.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kompsesjon.method import GUEST, Rejection, participant
from kompsesjon.method.text import LIMITS, MAX_MARKS, clean

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 3 ZWJs, the longest in Unicode's list
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"

WRITING = [
    "Résumé, Nguyễn, Ærlig ø å",
    FAMILY,
    "\U0001f469\u200d\U0001f4bb koder",  # woman technologist
    "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag: VS16 before the joiner
    "\u2764\ufe0f",  # red heart, emoji presentation
    "\U0001f44d\U0001f3fd",  # thumbs up, skin tone
    "\U0001f9d1\U0001f3fb\u200d\U0001f91d\u200d\U0001f9d1\U0001f3fc",  # people holding hands, two tones
    SCOTLAND,
    "1\ufe0f\u20e3 nummer",  # keycap
    "\U0001f1f3\U0001f1f4 Norge",
    "\u0dc1\u0dca\u200d\u0dbb\u0dd3 Lanka",  # Sinhala: a joiner after the virama
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian with a zero-width non-joiner
    "\u05e2\u05d1\u05e8\u05d9\u05ea",  # Hebrew, right to left without any mark
    "Ti\u1ebfng Vi\u1ec7t",
]

REFUSED = [
    ("Kari\u3164", 0x3164),  # Hangul filler: invisible, yet two cells wide in a terminal
    ("\u115fKari", 0x115F),
    ("Ola\uffa0", 0xFFA0),
    ("x\u200fy", 0x200F),  # right-to-left mark
    ("x\u200ey", 0x200E),
    ("\u061cx", 0x061C),  # Arabic letter mark
    ("a\u2028b", 0x2028),  # line separator in a one-line field
    ("a\u2029b", 0x2029),
    ("a\u200db", 0x200D),  # a joiner between letters: one cell to the app, two on screen
    ("\u200d".join("aaaaaaaaaa"), 0x200D),
    ("\u200d\U0001f469", 0x200D),
    ("\U0001f469\u200d", 0x200D),
    ("\u200d".join(["\U0001f469"] * 5), 0x200D),  # four joiners: longer than any real emoji
    ("a\u200bb", 0x200B),  # zero-width space
    ("\ufeffx", 0xFEFF),
    ("a\u2060b", 0x2060),
    ("x\u00ady", 0x00AD),  # soft hyphen
    ("x\U000e0041", 0xE0041),  # a tag character outside a flag
    ("\U0001f3f4\U000e0067\U000e0062", 0xE0067),  # a flag's tags without their end
    ("q" + "\u0301" * (MAX_MARKS + 1), 0x0301),  # "zalgo": marks stacked far above the line
    ("\u0301abc", 0x0301),  # a mark with nothing of its own to sit on
]


@pytest.mark.parametrize("text", WRITING)
def test_real_writing_passes_unchanged(text):
    assert clean("item", text) == text
    assert clean("name", text[: LIMITS["name"]]) == text[: LIMITS["name"]]


@pytest.mark.parametrize(("text", "codepoint"), REFUSED)
def test_misleading_text_is_refused_with_the_character_named(text, codepoint):
    with pytest.raises(Rejection) as refused:
        clean("item", text)
    assert refused.value.code == "bad_text"
    assert refused.value.details["codepoint"] == codepoint
    assert refused.value.details["char"] == f"U+{codepoint:04X}"
    assert f"U+{codepoint:04X}" in refused.value.message


@pytest.mark.parametrize("text", ["\u3164", "\u2800", "\u200b", " \u2800 ", "\ufe0f"])
def test_a_name_of_nothing_visible_is_refused(text):
    with pytest.raises(Rejection):
        clean("name", text)


def test_blank_braille_is_no_name_but_is_allowed_inside_text():
    with pytest.raises(Rejection) as refused:
        clean("name", "\u2800\u2800")
    assert refused.value.code == "text_empty"
    assert clean("item", "a\u2800b") == "a\u2800b"


def test_line_separators_become_new_lines_where_text_has_lines():
    assert clean("plan", "Første\u2028andre\u2029tredje") == "Første\nandre\ntredje"
    assert clean("note", "a\u2028b") == "a\nb"


def test_the_join_refuses_an_invisible_name(workshop):
    workshop.rejects("bad_text", GUEST, "join", name="\u3164\u3164\u3164")
    workshop.rejects("bad_text", GUEST, "join", name="Kari\u200f")
    pid = workshop.join("Kari")
    workshop.rejects("bad_text", participant(pid), "set_profile", name="Kari", org="Bod\u200d\u00f8")


@given(st.text(max_size=40))
def test_what_passes_has_no_invisible_or_reordering_characters(text):
    try:
        kept = clean("item", text)
    except Rejection:
        return
    for banned in ("\u3164", "\u115f", "\u1160", "\uffa0", "\u200e", "\u200f", "\u2028", "\u2029", "\u200b"):
        assert banned not in kept
    assert kept.strip() == kept and kept
