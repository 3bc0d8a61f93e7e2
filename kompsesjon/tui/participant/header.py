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
from kompsesjon.tui.text import phase_title, plain
from kompsesjon.tui.widgets.status import ConnectionStatus, PhaseTimer, timer_classes, timer_left


def dots_text(left: int, budget: int) -> Text:
    """ "●●●○○ 3 prikker igjen" (filled: still to place)."""
    out = Text()
    out.append("●" * left, style="bold")
    out.append("○" * max(0, budget - left))
    out.append(" " + t("participant.vote.left", n=left, budget=budget))
    return out


class SessionHeader(Vertical):
    """Two lines: title · connection, then phase · dots left · timer."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._last_timer_class: str | None = None

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
        if state is None:
            self.query_one("#session-title", Static).update(t("participant.header.connecting"))
            self.query_one("#phase-title", Static).update("")
            self.query_one("#dots-left", Static).display = False
            return
        self.query_one("#session-title", Static).update(plain(state.title))
        where = t("participant.header.phase_of", n=state.phase + 1, total=len(state.agenda))
        self.query_one("#phase-title", Static).update(Text.assemble(phase_title(state), "  ", (where, "dim")))
        dots = self.query_one("#dots-left", Static)
        phase = state.current
        if phase.kind == PhaseKind.VOTE and phase.board in state.boards and me is not None:
            budget = state.rules.dot_budget
            dots.update(dots_text(dots_left(state, phase.board, me), budget))
            dots.display = True
        else:
            dots.display = False

    def show_connection(self, status: Status, pending: int) -> None:
        widget = self.query_one(ConnectionStatus)
        if (widget.status, widget.pending) != (status, pending):
            widget.status = status
            widget.pending = pending

    def tick(self, state: State | None, now: float) -> str | None:
        """Move the timer; return the warning to announce when one is crossed."""
        timer = self.query_one(PhaseTimer)
        timer.show(state, now)
        current = timer_classes(timer_left(state, now))
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
