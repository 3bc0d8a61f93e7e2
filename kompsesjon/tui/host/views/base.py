"""What every phase view shares."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget

from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method.voting import Ranked
from kompsesjon.tui.host.keys import control
from kompsesjon.tui.host.modals import Confirm, TextPrompt
from kompsesjon.tui.host.rows import Palette
from kompsesjon.tui.keys import Translated
from kompsesjon.tui.messages import Propose
from kompsesjon.tui.modals import Picker
from kompsesjon.tui.registry import ViewRegistry
from kompsesjon.tui.text import person, plain, safe

# Refresh for these whatever the view says it depends on.
ALWAYS = frozenset(
    {"snapshot", "online", "phase_changed", "session_edited", "rules_changed", "session_closed", "session_reopened"}
)
PEOPLE = frozenset({"participant_joined", "profile_changed", "participant_removed"})
CARDS = frozenset(
    {
        "item_added",
        "item_edited",
        "item_withdrawn",
        "items_revealed",
        "merged",
        "merge_undone",
        "theme_renamed",
        "item_detached",
    }
)
VOTES = frozenset({"dots_changed", "vote_status_changed", "vote_closed", "vote_reopened", "tally_revealed"})
ISLANDS = frozenset(
    {
        "island_created",
        "island_updated",
        "island_removed",
        "island_chosen",
        "plan_edited",
        "island_presented",
        "owner_named",
        "owner_unnamed",
    }
)


class PhaseView(Translated, Vertical, can_focus=True):
    """The body of the host view for one phase.

    The screen makes one per phase and calls :meth:`show` with the mirror and
    the kinds of events since the last call; a view redraws only what those
    events touch. Commands go up as :class:`Propose` messages. On a screen
    (``facilitator=False``) every action not listed in ``PUBLIC_ACTIONS`` is
    unavailable: not shown, not run.
    """

    DEPENDS: frozenset[str] = frozenset()  # event kinds this view shows
    PUBLIC_ACTIONS: frozenset[str] = frozenset()

    class Ready(Message):
        """The view is mounted and composed: the screen may fill it."""

        def __init__(self, view: PhaseView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, *, facilitator: bool, phase: int) -> None:
        super().__init__(classes="phase-view")
        self.facilitator = facilitator
        self.phase = phase
        self.state: State | None = None

    @property
    def board(self) -> str:
        """The board this phase works on ("" for phases without one)."""
        return (self.state.agenda[self.phase].board or "") if self.state else ""

    def on_mount(self) -> None:
        self.post_message(self.Ready(self))

    # ---- downward -------------------------------------------------------

    def wants(self, kinds: frozenset[str]) -> bool:
        return bool(kinds & (ALWAYS | self.DEPENDS))

    def show(self, state: State, kinds: frozenset[str]) -> None:
        self.state = state
        if self.wants(kinds):
            self.redraw(state, kinds)

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        """Draw what changed (override)."""

    def focus_default(self) -> None:
        """Focus the first list that takes keys, else the view itself (so its
        bindings are active)."""
        for widget in self.query("*"):
            if isinstance(widget, Widget) and widget.focusable and widget.can_focus and widget is not self:
                widget.focus()
                return
        self.focus()

    def tick(self, now: float) -> None:
        """Once a second."""

    # ---- upward -----------------------------------------------------------

    def propose(self, command: Any) -> None:
        self.post_message(Propose(command))

    def ask(
        self, title: str, then: Callable[[str], None], *, value: str = "", hint: str = "", allow_empty: bool = False
    ) -> None:
        def answered(text: str | None) -> None:
            if text is None:
                return
            if not text.strip() and not allow_empty:
                return
            then(text)

        self.app.push_screen(TextPrompt(title, value=value, hint=hint), answered)

    def pick(self, title: str, options: list[tuple[str, str]], then: Callable[[str], None]) -> None:
        def answered(key: str | None) -> None:
            if key is not None:
                then(key)

        self.app.push_screen(Picker(title, options), answered)

    def confirm(self, question: str, then: Callable[[], None]) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(Confirm(question), answered)

    def say(self, key: str, **values: object) -> None:
        self.app.notify(t(key, **values), markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.facilitator and action not in self.PUBLIC_ACTIONS:
            return False
        if self.state is None:
            return True
        # Controls that make no sense right now are hidden (footer, palette).
        return self.available(action, self.state)

    def available(self, action: str, state: State) -> bool:
        return True


def presenting_keys(previous: str, following: str) -> list[Binding]:
    """Left/right: the previous and the next report (their descriptions); escape: the overview."""
    return [
        control("left", "present(-1)", previous),
        control("right", "present(1)", following),
        control("escape", "overview", "host.key.overview"),
    ]


class Presenting(PhaseView):
    """A phase that presents one report at a time: left/right step through
    them (every screen follows), escape goes back to the overview.

    A view names what it presents, in order (:meth:`present_order`), what is
    presented now (:meth:`presented`) and the command that presents another
    (:meth:`present_command`); its bindings start with :func:`presenting_keys`.
    """

    def present_order(self, state: State) -> list[str]:
        """What can be presented, in the order it is presented."""
        raise NotImplementedError

    def presented(self, state: State) -> str | None:
        """What is presented now (None: the overview)."""
        raise NotImplementedError

    def present_command(self, target: str | None) -> Any:
        """The command that presents ``target`` (None: back to the overview)."""
        raise NotImplementedError

    def available(self, action: str, state: State) -> bool:
        if action == "present":
            return bool(self.present_order(state))
        if action == "overview":
            return self.presented(state) is not None
        return super().available(action, state)

    def action_present(self, step: int) -> None:
        state = self.state
        if state is None:
            return
        current = self.presented(state)
        target = next_in_order(self.present_order(state), current, step)
        if target != current:
            self.propose(self.present_command(target))

    def action_overview(self) -> None:
        if self.state is not None and self.presented(self.state) is not None:
            self.propose(self.present_command(None))


VIEWS: ViewRegistry[type[PhaseView]] = ViewRegistry()  # phase kind -> the view that shows it


# ---- rendering helpers ----------------------------------------------------

_MEASURE = Console(width=200, file=io.StringIO(), color_system=None)


def hang(prefix: Text, body: Text, width: int, indent: int | None = None) -> Text:
    """``prefix`` then ``body`` wrapped so that its lines hang under itself."""
    indent = prefix.cell_len if indent is None else indent
    room = max(8, width - indent)
    lines = body.wrap(_MEASURE, room)
    out = Text()
    out.append_text(prefix)
    if prefix.cell_len < indent:
        out.append(" " * (indent - prefix.cell_len))
    for n, line in enumerate(lines):
        if n:
            out.append("\n" + " " * indent)
        out.append_text(line)
    return out


def bar_line(p: Palette, entry: Ranked, most: int, width: int, *, muted: bool = False) -> Text:
    """``████████ 12 ● · 7 voted (tie note)``: a bar scaled to the largest entry.

    Every row's bar has the same room (what the longest possible label leaves),
    so that bars are proportional to dots across rows, not to their labels."""
    tail = f" {entry.dots} "
    voters = f" · {t('host.vote.voters', n=entry.voters)}"
    note = f"  ({t('tie.' + entry.tie_break)})" if entry.tie_break else ""
    room = max(4, min(width - 4 - _longest_label(most) - 1, 60))
    filled = max(1, round(room * entry.dots / most)) if most else 0
    text = Text("    ")
    text.append("█" * filled, style=p.muted if muted else p.bar)
    text.append(tail, style="" if not muted else p.muted)
    text.append("●", style=p.muted if muted else p.dot)
    text.append(voters, style=p.muted)
    if note:
        text.append(note, style=p.warning if not muted else p.muted)
    return text


def _longest_label(most: int) -> int:
    """Cells of the longest label after a bar when no entry has more than ``most`` dots."""
    voters = len(f" · {t('host.vote.voters', n=most)}")  # voters ≤ dots ≤ most
    note = max(len(f"  ({t('tie.' + kind)})") for kind in ("voters", "earlier"))
    return len(f" {most} ") + 1 + voters + note


def ranked_row(state: State, entry: Ranked, most: int, title: str, *, muted: bool = False):
    """A ranked unit: rank and title on one line, the bar below."""

    def make(p: Palette, width: int) -> RenderableType:
        rank = Text(f"{entry.rank:>2}. ", style=p.muted if muted else p.accent)
        head = hang(rank, Text(safe(title), style=p.muted if muted else p.heading), width)
        return Group(head, bar_line(p, entry, most, width, muted=muted))

    return make


def next_in_order(order: list[str], current: str | None, step: int) -> str | None:
    """Stepping through reports: the overview (None), then each in turn."""
    ring: list[str | None] = [None, *order]
    n = ring.index(current) if current in ring else 0
    return ring[(n + step) % len(ring)]


def names(state: State, ids: list[str]) -> str:
    return " · ".join(person(state, pid) for pid in ids)


def literal(text: str) -> Text:
    return plain(text)
