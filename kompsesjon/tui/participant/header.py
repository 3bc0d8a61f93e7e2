"""The header every participant sees: session, phase, timer, connection, dots."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from kompsesjon.client import Status
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.voting import dots_left
from kompsesjon.tui.text import clock, phase_title, plain
from kompsesjon.tui.widgets.status import ConnectionStatus, PhaseTimer, timer_classes, timer_left


def dots_text(left: int, budget: int) -> Text:
    """ "●●●○○ 3 prikker igjen" (filled: still to place)."""
    out = Text()
    out.append("●" * left, style="bold")
    out.append("○" * max(0, budget - left))
    out.append(" " + t("participant.vote.left", n=left, budget=budget))
    return out


def _header_key(state: State | None, me: str | None) -> tuple | None:
    """What the header shows of ``state``: the same key, the same header."""
    if state is None:
        return None
    phase = state.current
    board = phase.board
    voting = phase.kind == PhaseKind.VOTE and board is not None and board in state.boards
    left = dots_left(state, board, me) if voting and board is not None and me is not None else None
    return (state.title, state.phase, len(state.agenda), phase_title(state), state.rules.dot_budget, left)


class SessionHeader(Vertical):
    """Two lines: title · connection, then phase · dots left · timer."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._last_timer_class: str | None = None
        self._timer_shown: tuple = ()
        self._shown: tuple | None = ()  # what show() has put on screen

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-top"):
            yield Static(id="session-title", markup=False)
            yield ConnectionStatus(id="connection")
        with Horizontal(id="header-bottom"):
            yield Static(id="phase-title", markup=False)
            yield Static(id="dots-left", markup=False)
            yield PhaseTimer(id="timer", markup=False)

    # ---- downward -------------------------------------------------------

    def show(self, state: State | None, me: str | None) -> None:
        shown = _header_key(state, me)
        if shown == self._shown:
            return  # as on screen: restyling and repainting it for nothing costs every app CPU
        self._shown = shown
        if state is None:
            self.query_one("#session-title", Static).update(t("participant.header.connecting"))
            self.query_one("#phase-title", Static).update("")
            self.query_one("#dots-left", Static).display = False
            return
        self.query_one("#session-title", Static).update(plain(state.title))
        where = t("participant.header.phase_of", n=state.phase + 1, total=len(state.agenda))
        self.query_one("#phase-title", Static).update(Text.assemble(phase_title(state), "  ", (where, "dim")))
        dots = self.query_one("#dots-left", Static)
        left = shown[-1] if shown is not None else None
        if left is not None:
            dots.update(dots_text(left, state.rules.dot_budget))
        dots.display = left is not None

    def show_connection(self, status: Status, pending: int) -> None:
        widget = self.query_one(ConnectionStatus)
        if (widget.status, widget.pending) != (status, pending):
            widget.status = status
            widget.pending = pending

    def tick(self, state: State | None, now: float) -> str | None:
        """Move the timer; return the warning to announce when one is crossed."""
        left = timer_left(state, now)
        current = timer_classes(left)
        paused = state is not None and state.timer.paused
        shown = (current, paused, None if left is None else clock(left))
        if shown != self._timer_shown:
            # Called every second: a timer restyled and repainted when nothing
            # on it changed costs every idle app (and SSH seat) its CPU.
            self._timer_shown = shown
            self.query_one(PhaseTimer).show(state, now)
        previous, self._last_timer_class = self._last_timer_class, current
        if state is None or state.timer.paused or previous is None or previous == current:
            return None
        order = ["-ok", "-five", "-one", "-over"]
        # Only a running time box that crosses a line warns (not a new short timer).
        if previous in order and current in order and order.index(current) > order.index(previous):
            return {"-five": t("timer.five_left"), "-one": t("timer.one_left"), "-over": t("timer.over")}.get(current)
        return None

    def reset_timer_warnings(self) -> None:
        """A new phase: its time box starts over."""
        self._last_timer_class = None
