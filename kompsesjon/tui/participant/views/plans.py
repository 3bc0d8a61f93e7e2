"""Action plans: my island's WHAT / HOW / WHO / FIRST STEP / BY WHEN.

Each field is a :class:`~kompsesjon.tui.participant.versioned.VersionedEditor`:
saved against the version it was started from, never silently overwritten,
merged on conflict, and kept as a draft until it is saved.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from kompsesjon.client import new_id
from kompsesjon.i18n import t, tn
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.islands import active_islands, island_members
from kompsesjon.method.review import date_in, people_of
from kompsesjon.method.state import PLAN_FIELDS, PlanField
from kompsesjon.tui.keys import N_
from kompsesjon.tui.participant.drafts import DraftKey
from kompsesjon.tui.participant.modals import PeoplePicker
from kompsesjon.tui.participant.versioned import VersionedEditor
from kompsesjon.tui.participant.views.base import VIEWS, OwnAndOthers, PhaseView, names
from kompsesjon.tui.text import people_line, person, plain

_UNSEEN = object()


def field_text(state: State, value: PlanField | None) -> Text:
    """A plan field read-only: its text, or for another island's plan (whose
    text the server keeps to the island) how long it is and who saved it."""
    if value is None or not (value.text or value.length):
        return Text("–", style="dim")
    if value.length is None:
        return plain(value.text)
    if value.by is None:
        note = tn("participant.plans.compact", value.length, version=value.version)
    else:
        note = tn("participant.plans.compact_by", value.length, version=value.version, who=person(state, value.by))
    return Text(note, style="dim italic")


def plan_table(state: State, island: str) -> Table:
    """An island's plan, read-only: each field beside its heading."""
    table = Table.grid(padding=(0, 1, 0, 0), expand=True)
    table.add_column(no_wrap=True, style="bold")
    table.add_column(ratio=1)
    fields = state.plans.get(island, {})
    for name in PLAN_FIELDS:
        table.add_row(t(f"plan.{name}"), field_text(state, fields.get(name)))
    owners = state.plan_owners.get(island, [])
    if owners:
        table.add_row(t("participant.plans.owners"), plain(people_line(owners)))
    return table


class PlanFieldEditor(VersionedEditor):
    """One field of my island's plan (the island is what it follows)."""

    def __init__(self, field: str) -> None:
        super().__init__(t(f"plan.{field}"), area_id=f"plan-{field}", id=f"field-{field}")
        self.field = field

    @property
    def island(self) -> str | None:
        return self.target

    def read(self, state: State, target: str) -> PlanField:
        return state.plans.get(target, {}).get(self.field) or PlanField()

    def command(self, text: str, base_version: int) -> c.EditPlan:
        return c.EditPlan(id=new_id(), island=self.target, field=self.field, text=text, base_version=base_version)

    def draft_key(self) -> DraftKey | None:
        return ("plan", self.target, self.field) if self.target is not None else None

    def answers(self, command: Any) -> bool:
        return command.island == self.target


@VIEWS.register(PhaseKind.ACTION_PLANS)
class PlansView(OwnAndOthers, PhaseView):
    BINDINGS = [
        Binding("ctrl+s", "save", N_("participant.keys.save_plan")),
        Binding("ctrl+o", "switch_tab", N_("participant.keys.other_islands")),
        Binding("ctrl+n", "name_owner", N_("participant.keys.name_owner")),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._island: object = _UNSEEN  # my island when last shown

    def compose(self) -> ComposeResult:
        with TabbedContent(id="plan-tabs"):
            with TabPane(t("participant.plans.own_tab"), id="own"), VerticalScroll(id="own-plan"):
                yield Static(id="island-info", markup=False)
                for field in PLAN_FIELDS:
                    yield PlanFieldEditor(field)
            with TabPane(t("participant.plans.others_tab"), id="others"), VerticalScroll(id="others-scroll"):
                yield Static(id="other-plans", markup=False)

    def show(self, state: State, me: str | None) -> None:
        super().show(state, me)
        island = state.island_of.get(me or "")
        moved = self._island is not _UNSEEN and island != self._island and self.display
        self._island = island
        info = self.query_one("#island-info", Static)
        editors = list(self.query(PlanFieldEditor))
        if island in state.islands and not state.islands[island].removed:
            people = island_members(state, island)
            owners = state.plan_owners.get(island, [])
            line = Text.assemble(
                (t("participant.plans.island") + " ", "bold"),
                plain(state.islands[island].title, style="bold"),
                ("  " + t("participant.islands.people") + " ", "dim"),
                plain(names(state, people)),
            )
            if owners:
                line.append("\n" + t("participant.plans.owners") + " ", style="bold")
                line.append_text(plain(people_line(owners)))
            due = date_in(state.plans.get(island, {}).get("when", PlanField()).text)
            if due is not None:  # WHEN holds a date: it goes in the calendar
                line.append("\n" + t("participant.plans.due") + " ", style="bold")
                line.append(due.strftime("%d.%m.%Y"))
            line.append("\n" + t("participant.plans.help"), style="dim")
            info.update(line)
            for editor in editors:
                editor.display = True
                editor.sync(state, island)
        else:
            info.update(Text(t("participant.plans.no_island"), style="italic"))
            for editor in editors:
                editor.display = False
        parts: list = []
        for other in active_islands(state):
            if other.id == island:
                continue
            heading = plain(other.title, style="bold reverse")
            heading.append("  ")
            heading.append_text(plain(names(state, island_members(state, other.id)), style="dim"))
            parts += [heading, plan_table(state, other.id), Text("")]
        if not parts:
            parts = [Text(t("participant.plans.no_others"), style="italic")]
        self.query_one("#other-plans", Static).update(Group(*parts))
        if moved:  # put on (another) island: go there, in the step that shows it
            self.focus_default()
        picker = self.app.screen
        if isinstance(picker, PeoplePicker):  # the named people change while it is open
            picker.update_people(self._people())

    def _people(self) -> list[tuple[str, Text]]:
        """Everyone WHO may name, with a ✓ for those named."""
        state, island = self.state, self._island
        if state is None or not isinstance(island, str):
            return []
        named = state.plan_owners.get(island, [])
        out = []
        for n, p in enumerate(people_of(state)):
            mark = "✓ " if p in named else "  "
            label = Text(mark, style="bold")
            label.append_text(plain(f"{p.name} ({p.org})" if p.org else p.name))
            out.append((f"p{n}", label))
        return out

    def action_name_owner(self) -> None:
        state, island = self.state, self._island
        if state is None or not isinstance(island, str) or island not in state.islands:
            self.notify(t("participant.plans.no_island"), markup=False)
            return

        def pick(key: str) -> None:
            current = self.state
            if current is None:
                return
            everyone = people_of(current)
            n = int(key[1:])
            if n >= len(everyone):
                return
            person = everyone[n]
            kind = c.UnnameOwner if person in current.plan_owners.get(island, []) else c.NameOwner
            self.propose(kind(id=new_id(), island=island, name=person.name, org=person.org))

        self.app.push_screen(PeoplePicker(t("participant.plans.who_title"), self._people(), pick))

    def focus_default(self) -> None:
        editors = [e for e in self.query(PlanFieldEditor) if e.display]
        tabs = self.query_one(TabbedContent)
        if editors:
            tabs.active = "own"
            editors[0].area.focus()
        else:  # on no island: the other islands' plans are what there is to read
            tabs.active = "others"
            self.query_one("#others-scroll").focus()

    def action_save(self) -> None:
        saved = [e.field for e in self.query(PlanFieldEditor) if e.display and e.save()]
        if not saved:
            self.notify(t("participant.plans.nothing_to_save"), markup=False)
