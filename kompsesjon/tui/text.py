"""Showing people's text safely, and naming things in the user's language.

Everything a participant typed is wrapped in :func:`plain` before it reaches a
widget: a ``rich.text.Text`` is never parsed as markup, so ``[bold]`` stays
``[bold]``, and any control character that slipped past the server (which
refuses them) is made visible instead of being sent to the terminal.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable

from rich.text import Text

from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method.agenda import SUB_LETTERS, Phase, PhaseKind
from kompsesjon.method.clustering import unit_title
from kompsesjon.method.group_work import follow_up_groups, follow_up_label, group_number
from kompsesjon.method.series import Person
from kompsesjon.method.state import Group
from kompsesjon.method.text import flag_tags


def _escaped(ch: str) -> str:
    # \u and four digits, or \U and eight: one reading only (never "\ue004" then "1").
    return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}"


# Variation selector 16 asks for an emoji's picture form («❄️»): Rich counts
# it two cells wide, most terminals (tmux, xterm, the Linux console) draw one,
# so every border after it moves a column. Without it both agree.
_EMOJI_STYLE = str.maketrans("", "", "\ufe0f")


def safe(text: str) -> str:
    """The text with control characters shown as escapes (never executed), and
    without the emoji variation selector (see ``_EMOJI_STYLE``).

    Joiners stay (they make emoji sequences, and the server lets them through
    only there), and so do the tags of a subdivision flag.
    """
    if "\ufe0f" in text:
        text = text.translate(_EMOJI_STYLE)
    if text.isprintable():
        return text
    flags = flag_tags(text)
    return "".join(
        _escaped(ch)
        if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200d\u200c" and i not in flags
        else ch
        for i, ch in enumerate(text)
    )


def plain(text: str, style: str = "") -> Text:
    """User text as a Text: literal, never markup, never escape sequences."""
    return Text(safe(text), style=style)


def both(theirs: str, mine: str) -> str:
    """Two versions of a shared text merged: theirs with mine after it (mine
    left out if theirs already has it). The web page's versioned.js: both."""
    theirs, mine = theirs.rstrip(), mine.strip()
    if not theirs:
        return mine
    if not mine or mine in theirs:
        return theirs
    return f"{theirs}\n{mine}"


def board_name(state: State, board: str | None) -> str:
    if board is None or board not in state.boards:
        return ""
    return t(f"board.{state.boards[board].spec.kind.value}")


def list_name(state: State, board: str) -> str:
    return t(f"list.{state.boards[board].spec.kind.value}")


def phase_title(state: State, phase: Phase | int | None = None) -> str:
    if phase is None:
        phase = state.current
    elif isinstance(phase, int):
        phase = state.agenda[phase]
    if phase.title:
        return safe(phase.title)
    kind = phase.kind
    if kind in (PhaseKind.BRAINSTORM, PhaseKind.RANKING) and phase.board in state.boards:
        return t(f"phase.{kind.value}_{state.boards[phase.board].spec.kind.value}")
    if kind in (PhaseKind.CLUSTER, PhaseKind.VOTE):
        return t(f"phase.{kind.value}", board=board_name(state, phase.board))
    return t(f"phase.{kind.value}")


def person(state: State, pid: str | None) -> str:
    """A participant's display name (their id when they gave none)."""
    if pid is None:
        return t("words.anonymous")
    who = state.participants.get(pid)
    if who is None:
        return pid
    return safe(who.name) if who.name else f"#{pid.lstrip('p')}"


def who(state: State, pid: str) -> str:
    """ "Name (organisation)" for lists of people."""
    found = state.participants.get(pid)
    name = person(state, pid)
    if found is not None and found.org:
        return f"{name} ({safe(found.org)})"
    return name


def group_name(state: State, group: Group) -> str:
    """What a group is called: its organisation or region, else "Gruppe 3"."""
    if group.label:
        return safe(group.label)
    return t("words.group_n", n=group_number(state, group))


def organisation_name(state: State, key: str) -> str:
    """A follow-up's organisation ("org:bodø" → "Bodø"), or the person without one."""
    label = follow_up_label(state, key)
    if label:
        return safe(label)
    people = follow_up_groups(state).get(key, [])  # nobody with an organisation: one person
    return ", ".join(person(state, pid) for pid in people) or t("words.nobody")


def answer_number(question: int, sub: int | None) -> str:
    """What an answer is called by on screen: «2» for the second question, «2b»
    for its second sub-question."""
    return f"{question + 1}{SUB_LETTERS[sub]}" if sub is not None else f"{question + 1}"


def unit_label(state: State, unit: str) -> str:
    return safe(unit_title(state, unit))


def day(epoch: float) -> str:
    """A gathering's date as people write it: 30.11.2026."""
    return datetime.datetime.fromtimestamp(epoch).strftime("%d.%m.%Y")


def action_status(status: str | None) -> str:
    """A carried action's status in words (none reported yet, too)."""
    return t(f"action_status.{status or 'none'}")


def people_line(people: Iterable[Person]) -> str:
    """«Kari (Bodø), Ola»: people of a series, by name and organisation."""
    return ", ".join(f"{p.name} ({p.org})" if p.org else p.name for p in people)


def clock(seconds: float) -> str:
    """Seconds as M:SS (or H:MM:SS), never negative."""
    seconds = max(0, int(seconds + 0.999))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
