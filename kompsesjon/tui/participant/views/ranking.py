"""Ranking: the bottom list / top list after the reveal, cut at list_cut."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from kompsesjon.i18n import t, tn
from kompsesjon.method import State
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.clustering import members
from kompsesjon.method.voting import ranked_list, ranking
from kompsesjon.tui.participant.views.base import VIEWS, PhaseView
from kompsesjon.tui.text import list_name, plain, unit_label


def ranked_table(state: State, board: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False)
    table.add_column("#", justify="right", width=3, no_wrap=True)
    table.add_column(t("participant.ranking.unit"), ratio=1)
    table.add_column(t("participant.ranking.dots"), justify="right", no_wrap=True)
    for entry in ranked_list(state, board):
        cell = plain(unit_label(state, entry.unit), style="bold")
        inside = members(state, entry.unit)
        if entry.unit in state.themes and inside:
            cell.append("\n")
            cell.append_text(plain(" · ".join(i.text for i in inside), style="dim"))
        if entry.tie_break:
            cell.append("\n")
            cell.append(f"({t(f'tie.{entry.tie_break}')})", style="italic")
        dots = Text(tn("participant.ranking.dot_count", entry.dots, voters=entry.voters))
        table.add_row(Text(str(entry.rank)), cell, dots)
    return table


@VIEWS.register(PhaseKind.RANKING)
class RankingView(PhaseView):
    def compose(self) -> ComposeResult:
        yield Static(id="ranking-title", classes="section-title", markup=False)
        with VerticalScroll(id="ranking-scroll"):
            yield Static(id="ranking", markup=False)

    def show(self, state: State, me: str | None) -> None:
        super().show(state, me)
        board = state.current.board
        assert board is not None  # shown only in a board's phases (session.py)
        name = list_name(state, board)
        ranking_widget = self.query_one("#ranking", Static)
        if state.boards[board].vote.revealed is None:
            self.query_one("#ranking-title", Static).update(name)
            ranking_widget.update(Text(t("participant.ranking.not_revealed"), style="italic"))
            return
        full = len(ranking(state, board))
        shown = min(full, state.rules.list_cut)
        self.query_one("#ranking-title", Static).update(
            Text.assemble(name, ("  " + t("participant.ranking.cut", shown=shown, total=full), "dim"))
        )
        if not shown:
            ranking_widget.update(Text(t("participant.ranking.empty"), style="italic"))
            return
        ranking_widget.update(ranked_table(state, board))

    def focus_default(self) -> None:
        self.query_one("#ranking-scroll").focus()
