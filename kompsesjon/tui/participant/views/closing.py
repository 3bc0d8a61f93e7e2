"""Closing: the island being presented (where there are islands), next steps,
check-out and the evaluation."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Static

from kompsesjon.client import Outcome, new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.islands import active_islands, island_members
from kompsesjon.tui.keys import N_
from kompsesjon.tui.participant.modals import EvaluationScreen, Given
from kompsesjon.tui.participant.views.base import VIEWS, PhaseView, names, restore_input
from kompsesjon.tui.participant.views.intro import my_note
from kompsesjon.tui.participant.views.islands import link_lines
from kompsesjon.tui.participant.views.plans import plan_table
from kompsesjon.tui.participant.widgets import LineInput
from kompsesjon.tui.text import plain


def stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating)


@VIEWS.register(PhaseKind.CLOSING)
class ClosingView(PhaseView):
    BINDINGS = [Binding("ctrl+r", "evaluate", N_("participant.keys.evaluate"))]

    def compose(self) -> ComposeResult:
        with Horizontal():
            with VerticalScroll(id="presenting-col", classes="column"):
                yield Static(id="presenting", markup=False)
            with Vertical(id="checkout-col", classes="column"):
                yield Static(t("participant.closing.checkout_label"), classes="section-title")
                yield LineInput(placeholder=t("participant.closing.checkout_placeholder"), id="checkout-input")
                yield Static(id="my-checkout", markup=False)
                yield Static(id="my-evaluation", markup=False)
                yield Static(t("participant.closing.my_hopes"), classes="section-title")
                yield Static(id="my-hopes", markup=False)
                with VerticalScroll(id="next-scroll"):
                    yield Static(id="next-steps", markup=False)

    def show(self, state: State, me: str | None) -> None:
        super().show(state, me)
        presenting = state.islands.get(state.presenting or "")
        # Without islands (a dialogue conference, a case reflection) there is
        # nothing to present: check-out and next steps take the width.
        self.query_one("#presenting-col").display = presenting is not None or bool(active_islands(state))
        if presenting is None:
            shown = Group(Text(t("participant.closing.nobody_presenting"), style="italic"))
        else:
            head = Text(t("participant.closing.presenting") + "\n", style="dim")
            head.append_text(plain(presenting.title, style="bold reverse"))
            head.append("\n")
            head.append_text(plain(names(state, island_members(state, presenting.id)), style="dim"))
            for line in link_lines(state, presenting):
                head.append("\n")
                head.append_text(line)
            head.append("\n")
            shown = Group(head, plan_table(state, presenting.id))
        self.query_one("#presenting", Static).update(shown)

        steps = Text(t("participant.closing.next_steps") + "\n", style="bold")
        live = [s for s in state.next_steps.values() if not s.removed]
        for step in live:
            steps.append("• ")
            steps.append_text(plain(step.text))
            steps.append("\n")
        if not live:
            steps.append(t("participant.closing.no_steps") + "\n", style="dim italic")
        steps.append(t("participant.closing.next_meeting") + " ", style="bold")
        steps.append_text(plain(state.next_meeting) if state.next_meeting else Text("–", style="dim"))
        self.query_one("#next-steps", Static).update(steps)

        hopes = my_note(state.check_ins, me)
        self.query_one("#my-hopes", Static).update(
            plain(hopes) if hopes else Text(t("participant.closing.no_hopes"), style="dim italic")
        )
        word = my_note(state.check_outs, me)
        self.query_one("#my-checkout", Static).update(
            Text.assemble((t("participant.closing.mine") + " ", "bold"), plain(word))
            if word
            else Text(t("participant.closing.none_yet"), style="dim italic")
        )
        evaluation = self.query_one("#my-evaluation", Static)
        evaluation.display = state.rules.evaluation
        mine = self._my_evaluation(state, me)
        if mine is None:
            evaluation.update(Text(t("participant.evaluation.invite"), style="bold"))
        else:
            given = Text.assemble((t("participant.evaluation.mine") + " ", "bold"))
            if mine.rating:
                given.append(stars(mine.rating) + " ")
            given.append_text(plain(mine.text))
            given.append("  " + t("participant.evaluation.change"), style="dim")
            evaluation.update(given)

    @staticmethod
    def _my_evaluation(state: State, me: str | None):
        return next((e for e in state.evaluations.values() if me is not None and e.author == me), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "evaluate":
            return bool(self.state is not None and self.state.rules.evaluation)
        return True

    def action_evaluate(self) -> None:
        state = self.state
        if state is None or not state.rules.evaluation:
            return
        mine = self._my_evaluation(state, self.me)

        def given(result: Given | None) -> None:
            if result is not None:
                self.propose(c.Evaluate(id=new_id(), rating=result.rating, text=result.text))

        self.app.push_screen(EvaluationScreen(mine.rating if mine else None, mine.text if mine else ""), given)

    def focus_default(self) -> None:
        self.query_one("#checkout-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        self.propose(c.CheckOut(id=new_id(), text=text))

    def command_answered(self, command: Any, outcome: Outcome) -> None:
        if not outcome.ok and self.is_attached and isinstance(command, c.CheckOut):
            restore_input(self.query_one("#checkout-input", Input), command.text)
