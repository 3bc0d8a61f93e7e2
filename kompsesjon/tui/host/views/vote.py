"""Vote: how far the room is, who has not voted, and (after reveal) bars.

Tallies stay hidden on the projected view until the facilitator reveals
them. The facilitator may peek (``l``): the live tally then shows under a
banner saying it is not shown to participants, and hides again by itself.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.voting import live_tally, ranking
from kompsesjon.tui.host.header import Texty
from kompsesjon.tui.host.keys import control
from kompsesjon.tui.host.queries import unit_cards, vote_progress
from kompsesjon.tui.host.rows import Palette, Row, Rows
from kompsesjon.tui.host.views.base import CARDS, PEOPLE, VIEWS, VOTES, PhaseView, names, ranked_row
from kompsesjon.tui.host.views.peek import Peeking
from kompsesjon.tui.text import unit_label


def tally_rows(state: State, ranked, *, cut: int | None = None) -> list[Row]:
    """Ranked entries as bars; with ``cut``, a line after that many and the rest muted."""
    most = max((r.dots for r in ranked), default=0)
    rows: list[Row] = []
    for entry in ranked:
        if cut is not None and entry.rank == cut + 1:
            rows.append(Row("cut", (cut, "cut"), _cut_row(cut), cursor=False))
        title = unit_label(state, entry.unit)
        muted = cut is not None and entry.rank > cut
        rows.append(
            Row(
                f"R:{entry.unit}",
                (entry.rank, entry.dots, entry.voters, entry.tie_break, title, most, muted),
                ranked_row(state, entry, most, title, muted=muted),
            )
        )
    return rows


def _cut_row(cut: int):
    def make(p: Palette, width: int) -> Text:
        label = f" {t('host.ranking.cut', n=cut)} "
        side = max(2, (width - len(label)) // 2)
        return Text("─" * side + label + "─" * max(0, width - side - len(label)), style=p.cut)

    return make


def _progress_bar(p: Palette, progress, width: int) -> Text:
    total = max(1, progress.total)
    room = max(10, width - 2)
    parts = [
        (progress.done, p.success),
        (progress.abstained, p.muted),
        (progress.voting, p.bar),
    ]
    text = Text()
    used = 0
    for count, style in parts:
        n = round(room * count / total)
        text.append("█" * n, style=style)
        used += n
    text.append("░" * max(0, room - used), style=p.muted)
    return text


@VIEWS.register(PhaseKind.VOTE)
class VoteView(Peeking, PhaseView):
    DEPENDS = VOTES | PEOPLE | CARDS | frozenset({"presence"})

    BINDINGS = [
        control("c", "close_vote", "host.key.close_vote"),
        control("r", "reveal_tally", "host.key.reveal_tally"),
        control("l", "peek", "host.key.peek"),
    ]

    def compose(self) -> ComposeResult:
        yield Texty(id="vote-state", classes="phase-prompt")
        yield Rows(id="progress", interactive=False)
        with Vertical(id="not-voted-box"):
            yield Texty(id="not-voted-title", classes="section-title")
            yield Texty(id="not-voted", classes="names")
        yield Texty(id="peek-banner", classes="peek-banner")
        with Horizontal(id="tally-row"):
            yield Rows(id="tally", interactive=self.facilitator, empty=t("host.vote.hidden"))

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        board_id = state.agenda[self.phase].board
        if board_id not in state.boards:
            return
        vote = state.boards[board_id].vote
        if vote.revealed is not None:
            status = t("host.vote.revealed")
        elif vote.closed:
            status = t("host.vote.closed")
        else:
            status = t("host.vote.open", budget=state.rules.dot_budget, cap=state.rules.dot_cap)
        self.query_one("#vote-state", Texty).show(status)
        live = unit_cards(state, board_id)
        if self.facilitator:
            progress = vote_progress(state, board_id, set(live))
            summary = t(
                "host.vote.progress",
                done=progress.done,
                abstained=progress.abstained,
                voting=progress.voting,
                not_voted=len(progress.not_voted),
            )
            sig = (progress.done, progress.abstained, progress.voting, len(progress.not_voted))

            def make(p: Palette, width: int, progress=progress, summary=summary):
                out = Text(summary + "\n", style=p.heading)
                out.append_text(_progress_bar(p, progress, width))
                return out

            self.query_one("#progress", Rows).set_rows([Row("progress", sig, make, cursor=False)])
            waiting = progress.not_voted
            self.query_one("#not-voted-box").display = vote.revealed is None
            self.query_one("#not-voted-title", Texty).show(t("host.vote.who_not_voted", n=len(waiting)))
            self.query_one("#not-voted", Texty).show(names(state, waiting) if waiting else t("host.vote.everyone"))
        else:
            self.query_one("#progress", Rows).set_rows([])
            self.query_one("#progress").display = False
            self.query_one("#not-voted-box").display = False
        self._tally(state, board_id)

    def _tally(self, state: State, board_id: str) -> None:
        vote = state.boards[board_id].vote
        tally = self.query_one("#tally", Rows)
        banner = self.query_one("#peek-banner", Texty)
        if vote.revealed is not None:
            self.stop_peek()
            banner.display = False
            tally.empty = t("host.vote.no_dots")
            tally.set_rows(tally_rows(state, ranking(state, board_id)))
        elif self.peeking and self.facilitator:
            banner.display = True
            banner.show(t("host.vote.peek_banner"))
            tally.empty = t("host.vote.no_dots")
            tally.set_rows(tally_rows(state, ranking(state, board_id, live_tally(state, board_id))))
        else:
            banner.display = False
            tally.empty = t("host.vote.hidden")
            tally.set_rows([])

    def available(self, action: str, state: State) -> bool:
        board = state.agenda[self.phase].board
        if board not in state.boards:
            return False
        vote = state.boards[board].vote
        if action == "close_vote":
            return not vote.closed
        if action in ("reveal_tally", "peek"):
            return vote.revealed is None
        return True

    # ---- actions -------------------------------------------------------------

    def action_close_vote(self) -> None:
        state, board = self.state, self.board
        if state is None:
            return
        # Closing ends everyone's voting at once: asked first, saying who is not done.
        waiting = len(vote_progress(state, board, set(unit_cards(state, board))).not_voted)
        question = t("host.vote.close_confirm", n=waiting) if waiting else t("host.vote.close_confirm_all")
        self.confirm(question, lambda: self.propose(c.CloseVote(id=new_id(), board=board)))

    def action_reveal_tally(self) -> None:
        state = self.state
        if state is not None and not state.boards[self.board].vote.closed:
            # Revealing needs a closed vote: close it first, then reveal.
            self.propose(c.CloseVote(id=new_id(), board=self.board))
        self.propose(c.RevealTally(id=new_id(), board=self.board))

    def peek_changed(self) -> None:
        if self.state is not None:
            self._tally(self.state, self.board)
