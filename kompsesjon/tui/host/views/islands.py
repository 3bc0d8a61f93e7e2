"""Islands: form islands from the bottom and top lists; who is where.

Left: the ranked lists; space marks entries, ``c`` makes an island of the
marked ones (asking for a title). Right: the island board (Tab moves there);
``e`` renames and Delete removes the island under the cursor; ``f`` places
everyone who has not chosen into the smallest islands.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import BoardKind, PhaseKind
from kompsesjon.method.islands import active_islands, island_sizes, too_small, unassigned
from kompsesjon.method.text import LIMITS
from kompsesjon.method.voting import ranked_list
from kompsesjon.tui.host.header import Texty
from kompsesjon.tui.host.keys import control
from kompsesjon.tui.host.rows import Palette, Row, Rows
from kompsesjon.tui.host.views.base import CARDS, ISLANDS, PEOPLE, VIEWS, VOTES, PhaseView, hang, names
from kompsesjon.tui.text import list_name, person, safe, unit_label


@dataclass(frozen=True, slots=True)
class ListHeading:
    board: str


@dataclass(frozen=True, slots=True)
class ListEntry:
    """An entry of the bottom or top list (markable: islands link entries)."""

    board: str
    unit: str


@dataclass(frozen=True, slots=True)
class IslandRow:
    island: str


def list_boards(state: State) -> list[str]:
    """Boards that give a list (bottom list first, then top list)."""
    kinds = (BoardKind.CRITIQUE, BoardKind.VISION)
    return sorted(
        (b for b, board in state.boards.items() if board.spec.kind in kinds),
        key=lambda b: kinds.index(state.boards[b].spec.kind),
    )


def _heading_row(title: str):
    def make(p: Palette, width: int) -> Text:
        return Text(safe(title), style=p.heading)

    return make


def _entry_row(rank: int, title: str, dots: int, islands: tuple[str, ...]):
    def make(p: Palette, width: int) -> Text:
        body = Text(safe(title))
        body.append(f"  {dots}", style=p.muted)
        body.append("●", style=p.dot)
        if islands:
            body.append("  → " + ", ".join(islands), style=p.success)
        return hang(Text(f"{rank:>2}. ", style=p.accent), body, width)

    return make


def island_row(state: State, island, size: int, small: bool, linked: list[str], members: list[str]):
    lo, hi = state.rules.island_min, state.rules.island_max

    def make(p: Palette, width: int) -> Group:
        head = Text(safe(island.title), style=p.heading)
        head.append(f"   {t('host.islands.size', n=size, min=lo, max=hi)}", style=p.accent)
        if small:
            head.append(f"  {t('host.islands.too_small')}", style=p.error)
        elif size >= hi:
            head.append(f"  {t('host.islands.full')}", style=p.warning)
        parts = [hang(Text(f"{island.id:<4}", style=p.muted), head, width)]
        for link in linked:
            parts.append(hang(Text("    ↳ ", style=p.muted), Text(safe(link), style=p.muted), width))
        if members:
            who = Text(" · ".join(members), style=p.name)
        else:
            who = Text(t("host.islands.nobody"), style=p.muted)
        parts.append(hang(Text("    "), who, width))
        parts.append(Text(""))
        return Group(*parts)

    return make


@VIEWS.register(PhaseKind.ISLANDS)
class IslandsView(PhaseView):
    DEPENDS = ISLANDS | PEOPLE | VOTES | CARDS

    BINDINGS = [
        control("c", "create", "host.key.create_island"),
        control("e", "rename", "host.key.rename_island"),
        control("delete", "remove", "host.key.remove_island"),
        control("f", "place", "host.key.place_unassigned"),
    ]

    def compose(self) -> ComposeResult:
        yield Texty(id="islands-info", classes="info-line")
        with Horizontal(id="islands-row"):
            with Vertical(id="lists-box"):
                yield Texty(t("host.islands.lists"), classes="section-title")
                yield Rows(id="lists", interactive=self.facilitator, markable=True, empty=t("host.islands.no_lists"))
            with Vertical(id="board-box"):
                yield Texty(t("host.islands.board"), classes="section-title")
                yield Rows(id="islands", interactive=self.facilitator, empty=t("host.islands.none"))
        yield Texty(id="unassigned", classes="names")

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        islands = active_islands(state)
        sizes = island_sizes(state)
        small = too_small(state)
        members: dict[str, list[str]] = {i.id: [] for i in islands}
        for pid, chosen in state.island_of.items():
            if chosen in members:
                members[chosen].append(pid)
        linked_to: dict[tuple[str, str], list[str]] = {}
        for island in islands:
            for link in island.links:
                linked_to.setdefault((link.board, link.unit), []).append(island.id)

        rows: list[Row] = []
        for board in list_boards(state):
            title = list_name(state, board)
            rows.append(Row(ListHeading(board), title, _heading_row(title), cursor=False))
            for entry in ranked_list(state, board):
                label = unit_label(state, entry.unit)
                isl = tuple(linked_to.get((board, entry.unit), ()))
                rows.append(
                    Row(
                        ListEntry(board, entry.unit),
                        (entry.rank, label, entry.dots, isl),
                        _entry_row(entry.rank, label, entry.dots, isl),
                        markable=True,
                    )
                )
        self.query_one("#lists", Rows).set_rows(rows)

        board_rows = []
        for island in islands:
            linked = [
                f"{list_name(state, link.board)}: {unit_label(state, link.unit)}"
                for link in island.links
                if link.board in state.boards
            ]
            who = [person(state, pid) for pid in members[island.id]]
            size = sizes.get(island.id, 0)
            board_rows.append(
                Row(
                    IslandRow(island.id),
                    (
                        island.title,
                        tuple(linked),
                        tuple(who),
                        size,
                        island.id in small,
                        state.rules.island_min,
                        state.rules.island_max,
                    ),
                    island_row(state, island, size, island.id in small, linked, who),
                )
            )
        self.query_one("#islands", Rows).set_rows(board_rows)

        waiting = unassigned(state)
        self.query_one("#islands-info", Texty).show(
            t("host.islands.info", islands=len(islands), min=state.rules.island_min, max=state.rules.island_max)
        )
        self.query_one("#unassigned", Texty).show(
            t("host.islands.unassigned", n=len(waiting)) + ("  " + names(state, waiting) if waiting else "")
        )

    def available(self, action: str, state: State) -> bool:
        if action in ("rename", "remove"):
            return bool(active_islands(state))
        if action == "place":
            return bool(active_islands(state)) and bool(unassigned(state))
        return True

    # ---- actions -------------------------------------------------------------

    def action_create(self) -> None:
        state = self.state
        lists = self.query_one("#lists", Rows)
        if state is None:
            return
        marked = [k for k in lists.marked if isinstance(k, ListEntry)]
        if not marked:
            key = lists.cursor_key
            if not isinstance(key, ListEntry):
                self.say("host.islands.mark_entries")
                return
            marked = [key]
        links = [c.LinkRef(board=entry.board, card=entry.unit) for entry in marked]
        suggestion = unit_label(state, marked[0].unit)[: LIMITS["title"]]

        def create(title: str) -> None:
            self.propose(c.CreateIsland(id=new_id(), title=title.strip(), links=links))
            lists.clear_marks()

        self.ask(t("host.islands.create_title", n=len(links)), create, value=suggestion)

    def _cursor_island(self) -> str | None:
        key = self.query_one("#islands", Rows).cursor_key
        return key.island if isinstance(key, IslandRow) else None

    def action_rename(self) -> None:
        island = self._cursor_island()
        if island is None or self.state is None:
            self.say("host.islands.need_island")
            return
        self.ask(
            t("host.islands.rename_title"),
            lambda title: self.propose(c.UpdateIsland(id=new_id(), island=island, title=title.strip())),
            value=self.state.islands[island].title,
        )

    def action_remove(self) -> None:
        island = self._cursor_island()
        if island is None or self.state is None:
            self.say("host.islands.need_island")
            return
        title = self.state.islands[island].title
        self.confirm(
            t("host.islands.remove_confirm", title=safe(title)),
            lambda: self.propose(c.RemoveIsland(id=new_id(), island=island)),
        )

    def action_place(self) -> None:
        self.propose(c.PlaceUnassigned(id=new_id()))
