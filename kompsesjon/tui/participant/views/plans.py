"""Action plans: my island's WHAT / HOW / WHO / FIRST STEP / BY WHEN.

Each field is saved against the version it was started from. Never a silent
overwrite, never lost text:

* a newer version from someone else does not replace a field I have changed
  (the field says "changed by …" instead); an unchanged field follows along;
* a save that the server finds stale (``stale_version``) opens
  :class:`~kompsesjon.tui.participant.modals.MergeScreen` with both texts,
  and the merge is saved against the newer version.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane, TextArea

from kompsesjon import i18n
from kompsesjon.client import Outcome, new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.islands import active_islands, island_members
from kompsesjon.method.state import PLAN_FIELDS, PlanField
from kompsesjon.tui.participant.keys import N_
from kompsesjon.tui.participant.messages import Propose
from kompsesjon.tui.participant.modals import Merged, MergeScreen
from kompsesjon.tui.participant.views.base import VIEWS, PhaseView, names
from kompsesjon.tui.text import person, plain

_UNSEEN = object()


def same_text(a: str, b: str) -> bool:
    """Equal as the server stores them (it trims and NFC-normalises)."""
    return unicodedata.normalize("NFC", a).strip() == unicodedata.normalize("NFC", b).strip()


def plan_table(state: State, island: str) -> Table:
    """An island's plan, read-only: each field beside its heading."""
    table = Table.grid(padding=(0, 1, 0, 0), expand=True)
    table.add_column(no_wrap=True, style="bold")
    table.add_column(ratio=1)
    fields = state.plans.get(island, {})
    for name in PLAN_FIELDS:
        text = fields[name].text if name in fields else ""
        table.add_row(t(f"plan.{name}"), plain(text) if text else Text("–", style="dim"))
    return table


class PlanFieldEditor(Vertical):
    """One field of my island's plan, with its version and merge on conflict."""

    def __init__(self, field: str) -> None:
        super().__init__(id=f"field-{field}", classes="plan-field")
        self.field = field
        self.island: str | None = None
        self.loaded_text = ""  # the server's text that the editor started from
        self.base_version = 0  # ... and its version
        self.newer: PlanField | None = None  # someone saved while I was editing
        self.state: State | None = None
        self.current = PlanField()  # the server's latest version of this field

    def compose(self) -> ComposeResult:
        area = TextArea(id=f"plan-{self.field}", soft_wrap=True, tab_behavior="focus")
        area.border_title = Text(t(f"plan.{self.field}"))  # on the border: never scrolled apart
        yield area

    @property
    def area(self) -> TextArea:
        return self.query_one(TextArea)

    @property
    def dirty(self) -> bool:
        return not same_text(self.area.text, self.loaded_text)

    # ---- downward -------------------------------------------------------

    def sync(self, state: State, island: str) -> None:
        """Follow the server's version without clobbering my unsaved text."""
        self.state = state
        current = state.plans.get(island, {}).get(self.field) or PlanField()
        self.current = current
        if island != self.island:
            self.island = island
            self._load(current)
        elif current.version != self.base_version:
            if same_text(self.area.text, current.text) or not self.dirty:
                self._load(current)  # my own save came back, or I had not changed it
            else:
                self.newer = current
        self._show_status()

    def _load(self, current: PlanField) -> None:
        self.loaded_text = current.text
        self.base_version = current.version
        self.newer = None
        if not same_text(self.area.text, current.text):
            self.area.load_text(current.text)
            self.area.move_cursor(self.area.document.end)  # ready to write on

    def _show_status(self) -> None:
        """The field's state, on the bottom border of its text area."""
        state = self.state
        current = self.current
        if self.newer is not None and state is not None:
            name = person(state, self.newer.by) if self.newer.by else t("participant.plans.someone")
            status = Text(t("participant.plans.changed_by", who=name), style="bold")
        elif self.dirty:
            status = Text(t("participant.plans.unsaved"), style="italic")
        elif current.version == 0:
            status = Text(t("participant.plans.empty"))
        elif state is not None and current.by:
            status = Text(t("participant.plans.saved_by", version=current.version, who=person(state, current.by)))
        else:
            status = Text(t("participant.plans.saved", version=current.version))
        self.area.border_subtitle = status
        self.set_class(self.newer is not None, "-conflict")
        self.set_class(self.dirty and self.newer is None, "-dirty")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._show_status()

    # ---- saving ---------------------------------------------------------

    def save(self) -> bool:
        """Send my text against the version I started from (if changed)."""
        if self.island is None or not self.dirty:
            return False
        command = c.EditPlan(
            id=new_id(), island=self.island, field=self.field, text=self.area.text, base_version=self.base_version
        )
        self.post_message(Propose(command, reply_to=self, quiet=True))
        return True

    def command_answered(self, command: Any, outcome: Outcome) -> None:
        if outcome.ok or not self.is_attached or command.island != self.island:
            return
        if outcome.code == "stale_version":
            self._merge(command.text, outcome.details)
        elif outcome.code != "nothing_to_change":
            reason = i18n.rejection(outcome.code, outcome.message, outcome.details)
            self.notify(reason, severity="warning", markup=False)

    def _merge(self, mine: str, details: dict) -> None:
        theirs = str(details.get("text", ""))
        version = int(details.get("version", 0))
        by = details.get("by")
        name = person(self.state, by) if self.state is not None and by else None

        def merged(result: Merged | None) -> None:
            if result is None or not self.is_attached:
                return  # my text stays in the field, unsaved; nothing is lost
            self.loaded_text = theirs
            self.base_version = result.version
            self.newer = None
            self.area.load_text(result.text)
            if not self.save():
                self._show_status()

        self.app.push_screen(
            MergeScreen(t(f"plan.{self.field}"), mine=mine, theirs=theirs, version=version, by=name), merged
        )


@VIEWS.register(PhaseKind.ACTION_PLANS)
class PlansView(PhaseView):
    BINDINGS = [
        Binding("ctrl+s", "save", N_("participant.keys.save_plan")),
        Binding("ctrl+o", "switch_tab", N_("participant.keys.other_islands")),
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
        if self._island is not _UNSEEN and island != self._island and self.display:
            self.call_after_refresh(self.focus_default)  # put on (another) island: go there
        self._island = island
        info = self.query_one("#island-info", Static)
        editors = list(self.query(PlanFieldEditor))
        if island in state.islands and not state.islands[island].removed:
            people = island_members(state, island)
            info.update(
                Text.assemble(
                    (t("participant.plans.island") + " ", "bold"),
                    plain(state.islands[island].title, style="bold"),
                    ("  " + t("participant.islands.people") + " ", "dim"),
                    plain(names(state, people)),
                    ("\n" + t("participant.plans.help"), "dim"),
                )
            )
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

    def action_switch_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "others" if tabs.active == "own" else "own"
        if tabs.active == "own":
            self.focus_default()
        else:  # keep the focus inside this view, so its keys stay on
            self.query_one("#others-scroll").focus()
