"""Cluster: merge cards into titled themes, by keyboard.

The cursor walks over the units (themes and loose cards) and the cards inside
themes; space marks units, ``m`` merges the marked ones into a theme, ``u``
undoes the theme under the cursor, ``r`` renames it, ``d`` takes the card
under the cursor out of its theme.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.clustering import unit_title
from kompsesjon.method.state import Item
from kompsesjon.tui.host.header import Texty
from kompsesjon.tui.host.keys import control
from kompsesjon.tui.host.queries import unit_cards
from kompsesjon.tui.host.rows import Palette, Row, Rows
from kompsesjon.tui.host.views.base import CARDS, VIEWS, PhaseView, hang
from kompsesjon.tui.text import safe


@dataclass(frozen=True, slots=True)
class UnitRow:
    """The row of a unit on the board: a theme, or a card on its own (markable)."""

    unit: str


@dataclass(frozen=True, slots=True)
class CardRow:
    """The row of a card inside a theme."""

    item: str


def _theme_row(title: str, count: int):
    def make(p: Palette, width: int) -> Text:
        body = Text(safe(title), style=p.heading)
        body.append(f"  ({t('host.cluster.cards', n=count)})", style=p.muted)
        return hang(Text("▣ ", style=p.accent), body, width)

    return make


def _card_row(item: Item, indent: bool):
    def make(p: Palette, width: int) -> Text:
        prefix = Text("      " if indent else "")
        prefix.append(f"{item.id:<5}", style=p.muted)
        # Projected: a private card's words stay hidden here too.
        body = Text(t("host.card.masked") if item.private else safe(item.text), style=p.private if item.private else "")
        if item.private:
            body.append(f"  ({t('host.card.hidden')})", style=p.private)
        return hang(prefix, body, width)

    return make


@VIEWS.register(PhaseKind.CLUSTER)
class ClusterView(PhaseView):
    DEPENDS = CARDS

    BINDINGS = [
        control("m", "merge", "host.key.merge"),
        control("u", "undo", "host.key.undo_merge"),
        control("r", "rename", "host.key.rename_theme"),
        control("d", "detach", "host.key.detach"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._theme_of: dict[str, str] = {}  # card id -> the top-level theme it is in

    def compose(self) -> ComposeResult:
        yield Texty(id="cluster-info", classes="info-line")
        yield Rows(id="units", interactive=self.facilitator, markable=True, empty=t("host.cluster.empty"))

    @property
    def units(self) -> Rows:
        return self.query_one("#units", Rows)

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        board = state.agenda[self.phase].board
        if board not in state.boards:
            return
        rows: list[Row] = []
        themes = loose = 0
        self._theme_of = {}
        for unit, cards in unit_cards(state, board).items():
            theme = state.themes.get(unit)
            if theme is not None:
                themes += 1
                rows.append(
                    Row(UnitRow(unit), (theme.title, len(cards)), _theme_row(theme.title, len(cards)), markable=True)
                )
                for item in cards:
                    self._theme_of[item.id] = unit
                    rows.append(Row(CardRow(item.id), (item.text, item.private, True), _card_row(item, True)))
            else:
                loose += 1
                item = cards[0]
                rows.append(Row(UnitRow(unit), (item.text, item.private, False), _card_row(item, False), markable=True))
        self.units.set_rows(rows)
        self._show_info(themes, loose)

    def _show_info(self, themes: int, loose: int) -> None:
        info = t("host.cluster.info", themes=themes, loose=loose)
        if self.facilitator and self.units.marked:
            info += " · " + t("host.cluster.marked", n=len(self.units.marked))
        self.query_one("#cluster-info", Texty).show(info)

    @on(Rows.MarksChanged)
    def _marks(self, event: Rows.MarksChanged) -> None:
        if self.state is not None:
            units = [r.key.unit for r in self.units.rows if isinstance(r.key, UnitRow)]
            themes = sum(1 for unit in units if unit in self.state.themes)
            loose = len(units) - themes
            self._show_info(themes, loose)

    def available(self, action: str, state: State) -> bool:
        if action in ("undo", "rename", "detach"):
            board = state.agenda[self.phase].board
            return any(t.board == board and t.merged_into is None for t in state.themes.values())
        return True

    # ---- what is under the cursor -------------------------------------------

    def _cursor_theme(self) -> str | None:
        key = self.units.cursor_key
        if self.state is None:
            return None
        if isinstance(key, UnitRow) and key.unit in self.state.themes:
            return key.unit
        if isinstance(key, CardRow):
            return self._theme_of.get(key.item)
        return None

    # ---- actions ---------------------------------------------------------------

    def action_merge(self) -> None:
        state = self.state
        if state is None:
            return
        marked = [k.unit for k in self.units.marked if isinstance(k, UnitRow)]
        if len(marked) < 2:
            self.say("host.cluster.mark_two")
            return
        board = state.agenda[self.phase].board or ""
        first = next((u for u in marked if u in state.themes), marked[0])
        keep = unit_title(state, first)

        def merge(title: str) -> None:
            self.propose(c.Merge(id=new_id(), board=board, cards=marked, title=title.strip()))
            self.units.clear_marks()

        self.ask(
            t("host.cluster.merge_title", n=len(marked)),
            merge,
            hint=t("host.cluster.merge_hint", title=safe(keep)),
            allow_empty=True,
        )

    def action_undo(self) -> None:
        theme = self._cursor_theme()
        if theme is None:
            self.say("host.cluster.need_theme")
            return
        self.propose(c.UndoMerge(id=new_id(), theme=theme))

    def action_rename(self) -> None:
        theme = self._cursor_theme()
        if theme is None or self.state is None:
            self.say("host.cluster.need_theme")
            return
        current = self.state.themes[theme].title
        self.ask(
            t("host.cluster.rename_title"),
            lambda title: self.propose(c.RenameTheme(id=new_id(), theme=theme, title=title.strip())),
            value=current,
        )

    def action_detach(self) -> None:
        key = self.units.cursor_key
        if not isinstance(key, CardRow):
            self.say("host.cluster.need_card")
            return
        self.propose(c.DetachItem(id=new_id(), item=key.item))
