"""Islands: choose one by desire and engagement; names are shown."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.islands import active_islands, island_members, island_sizes
from kompsesjon.method.state import Island
from kompsesjon.method.voting import ranked_list
from kompsesjon.tui.keys import N_, Translated
from kompsesjon.tui.participant.views.base import VIEWS, KeyedList, PhaseView, names
from kompsesjon.tui.text import list_name, plain, unit_label


def link_lines(state: State, island: Island) -> list[Text]:
    """ "Bunnliste #2: Tema …" for each item the island links."""
    out = []
    for link in island.links:
        if link.board not in state.boards:
            continue
        rank = next((r.rank for r in ranked_list(state, link.board) if r.unit == link.unit), None)
        line = Text(f"{list_name(state, link.board)}{f' #{rank}' if rank else ''}: ", style="dim")
        line.append_text(plain(unit_label(state, link.unit)))
        out.append(line)
    return out


class IslandList(Translated, KeyedList):
    BINDINGS = [Binding("enter", "select", N_("participant.keys.choose_island"))]


@VIEWS.register(PhaseKind.ISLANDS)
class IslandsView(PhaseView):
    BINDINGS = [Binding("l", "leave", N_("participant.keys.leave_island"))]

    def compose(self) -> ComposeResult:
        yield Static(id="islands-help", markup=False)
        yield Static(id="my-island", markup=False)
        yield IslandList(id="islands")

    def show(self, state: State, me: str | None) -> None:
        super().show(state, me)
        rules = state.rules
        self.query_one("#islands-help", Static).update(
            t("participant.islands.help", low=rules.island_min, high=rules.island_max)
        )
        mine = state.island_of.get(me or "")
        mine_widget = self.query_one("#my-island", Static)
        sizes = island_sizes(state)
        if mine in state.islands:
            line = Text.assemble((t("participant.islands.yours") + " ", "bold"), plain(state.islands[mine].title))
            # The phase cannot end while an island is this small: say so to
            # the person it concerns, not only on the facilitator's view.
            needed = max(rules.island_min, 2)
            size = sizes.get(mine, 0)
            if size < needed:
                key = "participant.islands.alone" if size <= 1 else "participant.islands.too_few"
                line.append("\n")
                line.append(t(key, n=size, min=needed), style="bold reverse")
            mine_widget.update(line)
        else:
            mine_widget.update(Text(t("participant.islands.none"), style="italic"))
        rows = []
        for island in active_islands(state):
            size = sizes.get(island.id, 0)
            row = Text("◉ " if island.id == mine else "○ ", style="bold")
            row.append_text(plain(island.title, style="bold"))
            row.append(f"  {t('participant.islands.size', n=size, max=rules.island_max)}")
            if size >= rules.island_max:
                row.append(f"  {t('participant.islands.full')}", style="bold reverse")
            if island.id == mine:
                row.append(f"  {t('participant.islands.yours_tag')}", style="bold")
            for line in link_lines(state, island):
                row.append("\n    ")
                row.append_text(line)
            people = island_members(state, island.id)
            row.append("\n    ")
            row.append(t("participant.islands.people") + " ", style="dim")
            row.append_text(plain(names(state, people)))
            rows.append((island.id, row))
        self.query_one(IslandList).set_items(rows, empty=t("participant.islands.empty"))
        self.refresh_bindings()

    def focus_default(self) -> None:
        self.query_one(IslandList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave":
            return bool(self.state is not None and self.me in self.state.island_of)
        return True

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose()

    def action_choose(self) -> None:
        island = self.query_one(IslandList).highlighted_id
        if island is None or self.state is None:
            return
        if self.state.island_of.get(self.me or "") == island:
            return
        self.propose(c.ChooseIsland(id=new_id(), island=island))

    def action_leave(self) -> None:
        self.propose(c.ChooseIsland(id=new_id(), island=None))
