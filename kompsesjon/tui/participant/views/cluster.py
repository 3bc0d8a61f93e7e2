"""Cluster: the wall as the facilitator groups it, read-only and live."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static, Tree

from kompsesjon.i18n import t, tn
from kompsesjon.method import State
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.clustering import live_units, members
from kompsesjon.method.state import Item
from kompsesjon.tui.participant.views.base import VIEWS, PhaseView, is_mine
from kompsesjon.tui.text import board_name, plain, unit_label


@VIEWS.register(PhaseKind.CLUSTER)
class ClusterView(PhaseView):
    def compose(self) -> ComposeResult:
        yield Static(id="cluster-help", markup=False)
        tree: Tree[str] = Tree(Text(""), id="wall")
        tree.show_root = False
        tree.guide_depth = 3
        yield tree

    def show(self, state: State, me: str | None) -> None:
        super().show(state, me)
        board = state.current.board
        assert board is not None  # shown only in a board's phases (session.py)
        units = live_units(state, board)
        themes = [u for u in units if u in state.themes]
        self.query_one("#cluster-help", Static).update(
            Text.assemble(
                t("participant.cluster.help", board=board_name(state, board)),
                (
                    "  "
                    + tn("participant.cluster.themes", len(themes))
                    + " · "
                    + t("participant.cluster.units", n=len(units)),
                    "dim",
                ),
            )
        )
        tree = self.query_one("#wall", Tree)
        cursor = tree.cursor_line
        tree.clear()
        if not units:
            tree.root.add_leaf(Text(t("participant.cluster.empty"), style="italic"))
        for unit in units:
            if unit in state.themes:
                inside = members(state, unit)
                label = Text.assemble(("▣ ", "bold"), plain(unit_label(state, unit), style="bold"))
                label.append(f"  ({tn('participant.cluster.cards', len(inside))})", style="dim")
                node = tree.root.add(label, data=unit, expand=True)
                for item in inside:
                    node.add_leaf(self._card(state, me, item), data=item.id)
            else:
                tree.root.add_leaf(self._card(state, me, state.items[unit]), data=unit)
        tree.cursor_line = max(0, min(cursor, tree.last_line))

    def _card(self, state: State, me: str | None, item: Item) -> Text:
        label = Text(f"{item.id} ", style="bold")
        label.append_text(plain(item.text))
        if item.withdrawn:
            label.stylize("strike dim")
        if item.private:
            label.append(f"  {t('participant.brainstorm.private')}", style="italic dim")
        elif is_mine(state, me, item):
            tag = t("participant.brainstorm.ours") if item.pair else t("participant.brainstorm.mine")
            label.append(f"  {tag}", style="dim")
        return label

    def focus_default(self) -> None:
        self.query_one("#wall", Tree).focus()
