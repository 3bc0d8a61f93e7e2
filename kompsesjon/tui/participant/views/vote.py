"""Vote: spend my dots on the units with + and −; done or abstain.

Only my own dots are in the mirror; other people's dots and the tally are
never shown here (the tally is shown in the ranking phase after the reveal).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from kompsesjon.client import new_id
from kompsesjon.i18n import t, tn
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.clustering import live_units, members
from kompsesjon.method.voting import dots_by_unit, dots_left, status_of
from kompsesjon.tui.keys import N_
from kompsesjon.tui.participant.header import dots_text
from kompsesjon.tui.participant.modals import ConfirmScreen
from kompsesjon.tui.participant.views.base import VIEWS, KeyedList, PhaseView, hanging
from kompsesjon.tui.text import board_name, plain, unit_label


class VoteList(KeyedList):
    COMPONENT_CLASSES = {"vote-list--dot"}


@VIEWS.register(PhaseKind.VOTE)
class VoteView(PhaseView):
    BINDINGS = [
        Binding("plus,equals_sign,right", "dot(1)", N_("participant.keys.dot_add"), key_display="+"),
        Binding("minus,left", "dot(-1)", N_("participant.keys.dot_remove"), key_display="-"),
        Binding("d", "done", N_("participant.keys.done")),
        Binding("a", "abstain", N_("participant.keys.abstain")),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="vote-help", markup=False)
        yield Static(id="vote-status", markup=False)
        yield VoteList(id="units")

    @property
    def closed(self) -> bool:
        state = self.state
        return state is None or self.board not in state.boards or state.boards[self.board].vote.closed

    def show(self, state: State, me: str | None) -> None:
        super().show(state, me)
        board = self.board = state.current.board
        assert board is not None  # shown only in a board's phases (session.py)
        rules = state.rules
        self.query_one("#vote-help", Static).update(
            t("participant.vote.help", board=board_name(state, board), budget=rules.dot_budget, cap=rules.dot_cap)
        )
        mine = dots_by_unit(state, board, me) if me else {}
        left = dots_left(state, board, me) if me else 0
        status = status_of(state, board, me) if me else "not_voted"
        line = dots_text(left, rules.dot_budget)
        line.append("   ")
        if self.closed:
            line.append(t("participant.vote.closed"), style="bold reverse")
            self.add_class("-closed")
        else:
            line.append(t(f"participant.vote.status_{status}"), style="bold")
            self.remove_class("-closed")
        self.query_one("#vote-status", Static).update(line)
        units = self.query_one(VoteList)
        dot_style = units.get_component_rich_style("vote-list--dot", partial=True)
        rows = []
        for unit in live_units(state, board):
            n = mine.get(unit, 0)
            dots = Text("●" * n, style=dot_style)
            dots.append("·" * max(0, rules.dot_cap - n), style="dim")
            label = plain(unit_label(state, unit))
            if unit in state.themes:
                label.append(f"  ({tn('participant.cluster.cards', len(members(state, unit)))})", style="dim")
            rows.append((unit, hanging(dots, label, rules.dot_cap + 1)))
        units.set_items(rows, empty=t("participant.vote.empty"))
        self.refresh_bindings()

    def focus_default(self) -> None:
        self.query_one(VoteList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in ("dot", "done", "abstain") and self.closed)

    def action_dot(self, change: int) -> None:
        unit = self.query_one(VoteList).highlighted_id
        if unit is None or self.board is None:
            return
        if change > 0:
            self.propose(c.PlaceDot(id=new_id(), board=self.board, card=unit))
        else:
            self.propose(c.RemoveDot(id=new_id(), board=self.board, card=unit))

    def action_done(self) -> None:
        if self.state is None or self.board is None or self.me is None:
            return
        done = status_of(self.state, self.board, self.me) != "done"
        self.propose(c.MarkDone(id=new_id(), board=self.board, done=done))

    def action_abstain(self) -> None:
        board, state, me = self.board, self.state, self.me
        if board is None:
            return
        placed = sum(dots_by_unit(state, board, me).values()) if state is not None and me else 0
        if not placed:
            self.propose(c.Abstain(id=new_id(), board=board))
            return

        # Abstaining takes away every dot placed: asked first.
        def answered(yes: bool | None) -> None:
            if yes:
                self.propose(c.Abstain(id=new_id(), board=board))

        self.app.push_screen(ConfirmScreen(t("participant.vote.abstain_confirm", n=placed)), answered)
