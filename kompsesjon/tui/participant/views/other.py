"""Phases this app only follows (plenary, group rounds …), and the wait."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.participant.views.base import VIEWS, PhaseView
from kompsesjon.tui.text import phase_title, plain


@VIEWS.register(PhaseKind.PLENARY)
@VIEWS.register()  # and any kind without a view of its own
class OtherView(PhaseView):
    def compose(self) -> ComposeResult:
        yield Static(id="other-info", markup=False)

    def show(self, state: State, me: str | None) -> None:
        super().show(state, me)
        text = Text(phase_title(state), style="bold")
        if state.current.prompt:
            text.append("\n\n")
            text.append_text(plain(state.current.prompt))
        if state.question:
            text.append("\n\n" + t("participant.intro.question") + "\n", style="dim")
            text.append_text(plain(state.question))
        text.append("\n\n" + t("participant.other.follow"), style="italic")
        self.query_one("#other-info", Static).update(text)


class WaitingView(PhaseView):
    """Before the first snapshot: connecting, or waiting for the join form."""

    def compose(self) -> ComposeResult:
        yield Static(t("participant.header.connecting"), id="waiting", markup=False)

    def show_trouble(self, trouble: str) -> None:
        """What is tried and the likely cause, while it does not connect."""
        text = t("participant.header.connecting")
        self.query_one("#waiting", Static).update(f"{text}\n\n{trouble}" if trouble else text)
