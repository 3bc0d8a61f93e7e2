"""Action plans: one island at a time (left/right), progress of all."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.islands import active_islands, island_members
from kompsesjon.method.review import date_in
from kompsesjon.method.state import PLAN_FIELDS
from kompsesjon.tui.host.header import Texty
from kompsesjon.tui.host.rows import Palette, Row, Rows
from kompsesjon.tui.host.views.base import ISLANDS, PEOPLE, VIEWS, PhaseView, names
from kompsesjon.tui.text import people_line, person, safe


def plan_rows(state: State, island: str) -> list[Row]:
    """The five fields of an island's plan, each with who wrote it last."""
    plan = state.plans.get(island, {})
    rows = []
    for name in PLAN_FIELDS:
        entry = plan.get(name)
        text = entry.text if entry else ""
        by = person(state, entry.by) if entry and entry.by else ""
        rows.append(Row(f"F:{name}", (text, by), _field_row(name, text, by)))
        if name == "when" and (due := date_in(text)) is not None:  # goes in the calendar
            rows.append(Row("F:due", due, _due_row(due.strftime("%d.%m.%Y"))))
        if name == "who" and state.plan_owners.get(island):
            named = people_line(state.plan_owners[island])
            rows.append(Row("F:owners", named, _owners_row(named)))
    return rows


def _due_row(day: str):
    def make(p: Palette, width: int) -> Text:
        out = Text("  " + t("host.plans.due") + " ", style=p.accent)
        out.append(day)
        return out

    return make


def _owners_row(named: str):
    def make(p: Palette, width: int) -> Text:
        out = Text("  " + t("host.plans.owners") + " ", style=p.accent)
        out.append(safe(named))
        return out

    return make


def _field_row(name: str, text: str, by: str):
    def make(p: Palette, width: int) -> Group:
        head = Text(t(f"plan.{name}"), style=p.accent)
        if by:
            head.append(f"   {t('host.plans.edited_by', name=safe(by))}", style=p.muted)
        body = Text("  " + safe(text).replace("\n", "\n  ")) if text else Text("  –", style=p.muted)
        return Group(head, body, Text(""))

    return make


def filled(state: State, island: str) -> int:
    return sum(1 for f in state.plans.get(island, {}).values() if f.text.strip())


def _overview_row(state: State, island, current: bool, done: int, people: int):
    def make(p: Palette, width: int) -> Text:
        text = Text("▶ " if current else "  ", style=p.accent)
        text.append(safe(island.title), style=p.heading if current else None)
        text.append("  ")
        text.append("■" * done, style=p.success)
        text.append("□" * (len(PLAN_FIELDS) - done), style=p.muted)
        text.append(f" {done}/{len(PLAN_FIELDS)}", style=p.muted)
        text.append(f"  · {t('host.plans.people', n=people)}", style=p.muted)
        return text

    return make


@VIEWS.register(PhaseKind.ACTION_PLANS)
class PlansView(PhaseView):
    DEPENDS = ISLANDS | PEOPLE
    PUBLIC_ACTIONS = frozenset({"step"})

    BINDINGS = [
        Binding("left", "step(-1)", "host.key.prev_island"),
        Binding("right", "step(1)", "host.key.next_island"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.current: str | None = None

    def compose(self) -> ComposeResult:
        yield Texty(id="plan-island", classes="island-title")
        yield Texty(id="plan-members", classes="names")
        yield Rows(id="plan-fields", interactive=False, empty=t("host.plans.no_islands"))
        yield Texty(t("host.plans.overview"), classes="section-title")
        yield Rows(id="plan-overview", interactive=False)

    def _islands(self, state: State) -> list:
        return active_islands(state)

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        islands = self._islands(state)
        ids = [i.id for i in islands]
        if state.presenting in ids and "island_presented" in kinds:
            self.current = state.presenting
        if self.current not in ids:
            self.current = ids[0] if ids else None
        overview = []
        for island in islands:
            done = filled(state, island.id)
            people = len(island_members(state, island.id))
            here = island.id == self.current
            overview.append(
                Row(island.id, (island.title, here, done, people), _overview_row(state, island, here, done, people))
            )
        self.query_one("#plan-overview", Rows).set_rows(overview)
        if self.current is None:
            self.query_one("#plan-island", Texty).show(t("host.plans.no_islands"))
            self.query_one("#plan-members", Texty).show("")
            self.query_one("#plan-fields", Rows).set_rows([])
            return
        island = state.islands[self.current]
        position = f"{ids.index(island.id) + 1}/{len(ids)}"
        self.query_one("#plan-island", Texty).show(f"{island.title}   ({position})")
        self.query_one("#plan-members", Texty).show(names(state, island_members(state, island.id)))
        self.query_one("#plan-fields", Rows).set_rows(plan_rows(state, island.id))

    def action_step(self, step: int) -> None:
        state = self.state
        if state is None:
            return
        ids = [i.id for i in self._islands(state)]
        if not ids:
            return
        n = ids.index(self.current) if self.current in ids else 0
        self.current = ids[(n + step) % len(ids)]
        self.redraw(state, frozenset({"snapshot"}))
