"""Ranking: the bottom list / top list as bars, cut at ``list_cut``."""

from __future__ import annotations

from textual.app import ComposeResult

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.voting import ranking
from kompsesjon.tui.host.header import Texty
from kompsesjon.tui.host.keys import control
from kompsesjon.tui.host.rows import Rows
from kompsesjon.tui.host.views.base import CARDS, VIEWS, VOTES, PhaseView
from kompsesjon.tui.host.views.vote import tally_rows
from kompsesjon.tui.text import list_name


@VIEWS.register(PhaseKind.RANKING)
class RankingView(PhaseView):
    DEPENDS = VOTES | CARDS

    BINDINGS = [control("r", "reveal_tally", "host.key.reveal_tally")]

    def compose(self) -> ComposeResult:
        yield Texty(id="list-title", classes="phase-prompt")
        yield Texty(id="list-note", classes="info-line")
        yield Rows(id="ranked", interactive=self.facilitator, empty=t("host.ranking.not_revealed"))

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        board_id = state.agenda[self.phase].board
        if board_id not in state.boards:
            return
        cut = state.rules.list_cut
        self.query_one("#list-title", Texty).show(f"{list_name(state, board_id)}  ·  {t('host.ranking.top', n=cut)}")
        rows = self.query_one("#ranked", Rows)
        vote = state.boards[board_id].vote
        if vote.revealed is None:
            rows.empty = t("host.ranking.not_revealed")
            rows.set_rows([])
            self.query_one("#list-note", Texty).show("")
            return
        ranked = ranking(state, board_id)
        rows.empty = t("host.vote.no_dots")
        rows.set_rows(tally_rows(state, ranked, cut=cut))
        ties = any(r.tie_break for r in ranked)
        self.query_one("#list-note", Texty).show(t("host.ranking.tie_note") if ties else "")

    def action_reveal_tally(self) -> None:
        self.propose(c.RevealTally(id=new_id(), board=self.board))

    def available(self, action: str, state: State) -> bool:
        board = state.agenda[self.phase].board
        if action == "reveal_tally":
            vote = state.boards[board].vote if board in state.boards else None
            return vote is not None and vote.closed and vote.revealed is None
        return True
