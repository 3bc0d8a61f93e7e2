"""Intro: the shared question, the agenda, and one's check-in hopes."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Static

from kompsesjon.client import Outcome, new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.participant.views.base import VIEWS, PhaseView, restore_input
from kompsesjon.tui.participant.widgets import LineInput
from kompsesjon.tui.text import person, phase_title, plain


def agenda_table(state: State) -> Table:
    """Every phase with its time box; the current one marked, past ones dim."""
    table = Table.grid(expand=True)
    table.add_column(no_wrap=True, width=5)
    table.add_column(ratio=1)
    table.add_column(justify="right", no_wrap=True)
    for n, phase in enumerate(state.agenda):
        minutes = t("participant.intro.minutes", n=phase.minutes) if phase.minutes else ""
        style = "bold reverse" if n == state.phase else "dim" if n < state.phase else ""
        table.add_row(
            Text(f"{'▶' if n == state.phase else ' '}{n + 1:>2}. "),
            Text(phase_title(state, phase)),
            Text(f" {minutes}", style="" if style else "dim"),
            style=style,
        )
    return table


def my_note(notes: dict, me: str | None) -> str | None:
    for note in notes.values():
        if me is not None and note.author == me:
            return note.text
    return None


@VIEWS.register(PhaseKind.INTRO)
class IntroView(PhaseView):
    def compose(self) -> ComposeResult:
        with Horizontal():
            with VerticalScroll(id="agenda-col", classes="column"):
                yield Static(t("participant.intro.agenda"), classes="section-title")
                yield Static(id="agenda", markup=False)
            with Vertical(id="checkin-col", classes="column"):
                yield Static(t("participant.intro.question"), classes="section-title")
                yield Static(id="question", markup=False)
                yield Static(t("participant.intro.checkin_label"), classes="section-title")
                yield LineInput(placeholder=t("participant.intro.checkin_placeholder"), id="checkin-input")
                yield Static(id="my-checkin", markup=False)
                yield Static(id="room-title", classes="section-title", markup=False)
                with VerticalScroll(id="room"):
                    yield Static(id="room-checkins", markup=False)

    def show(self, state: State, me: str | None) -> None:
        super().show(state, me)
        agenda = [(phase_title(state, phase), phase.minutes) for phase in state.agenda]
        self.put("#agenda", agenda_table(state), key=(state.phase, agenda))
        question = state.question or t("participant.intro.no_question")
        self.put("#question", plain(state.question) if state.question else Text(question, "dim"))
        mine = my_note(state.check_ins, me)
        self.put(
            "#my-checkin",
            Text.assemble((t("participant.intro.mine") + " ", "bold"), plain(mine))
            if mine
            else Text(t("participant.intro.none_yet"), style="dim italic"),
        )
        others = [n for n in state.check_ins.values() if n.author is None or n.author != me]
        self.put("#room-title", t("participant.intro.room", n=len(others)))
        room = Text()
        for note in others:
            if room:
                room.append("\n")
            room.append("• ")
            if note.author is not None:
                room.append(person(state, note.author) + ": ", style="bold")
            room.append_text(plain(note.text))
        self.put("#room-checkins", room)

    def focus_default(self) -> None:
        self.query_one("#checkin-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        self.propose(c.CheckIn(id=new_id(), text=text))

    def command_answered(self, command: Any, outcome: Outcome) -> None:
        if not outcome.ok and self.is_attached:
            restore_input(self.query_one("#checkin-input", Input), command.text)
