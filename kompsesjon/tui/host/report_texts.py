"""The facilitator's texts for the report: purpose, background, summary, decisions.

A dialog over the host view (key ``o``, or «Rapport: formål, oppsummering,
beslutninger» in the command palette) with one tab per text. The facilitator,
or a secretary holding a facilitator token, writes during or after the
meeting; Ctrl+S saves every changed text against the version it was started
from, like an action-plan field. Never a silent overwrite and never lost:

* a save that another facilitator got in before (``stale_version``) puts
  their newer text and mine together in the field, to look over and save;
* a newer version that arrives while I have not changed a field replaces it;
  while I have, the field says so and keeps my text;
* closing the dialog keeps unsaved text as a draft on the host screen until
  it is opened again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TabbedContent, TabPane, TextArea

from kompsesjon import i18n
from kompsesjon.client import Outcome, new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.state import REPORT_TEXTS, PlanField
from kompsesjon.method.text import LIMITS, same_text
from kompsesjon.tui.base import MirrorChanged
from kompsesjon.tui.messages import Propose
from kompsesjon.tui.modals import Dialog
from kompsesjon.tui.text import both


@dataclass
class Draft:
    """Unsaved text of one field, and the version it was written over."""

    text: str
    base_version: int


class ReportTextField(Vertical):
    """One text: its editor and a line that says whether it is saved."""

    def __init__(self, field: str) -> None:
        super().__init__(id=f"field-{field}", classes="report-text")
        self.field = field
        self.loaded = ""  # the server's text the editor started from
        self.base_version = 0
        self.note = ""  # why the text needs a look (merged, changed by another)

    def compose(self) -> ComposeResult:
        # Undo history is fixed when the editor is made (setting it later does nothing).
        yield TextArea(id=f"report-{self.field}", soft_wrap=True, tab_behavior="focus", max_checkpoints=200)
        yield Label("", id=f"status-{self.field}", classes="report-status", markup=False)

    @property
    def area(self) -> TextArea:
        return self.query_one(TextArea)

    @property
    def dirty(self) -> bool:
        return not same_text(self.area.text, self.loaded)

    def load(self, current: PlanField, draft: Draft | None) -> None:
        self.loaded, self.base_version = current.text, current.version
        text = current.text
        if draft is not None and not same_text(draft.text, current.text):
            text, self.base_version = draft.text, draft.base_version
            if draft.base_version != current.version:
                self.note = t("host.report.changed_meanwhile")
        self.area.load_text(text)
        self.area.move_cursor(self.area.document.end)
        self.show_status()

    def follow(self, current: PlanField) -> None:
        """A newer version from the server: take it unless I have changed the text."""
        if current.version == self.base_version and same_text(current.text, self.loaded):
            return
        if same_text(self.area.text, current.text) or not self.dirty:
            self.note = ""
            self.loaded, self.base_version = current.text, current.version
            if not same_text(self.area.text, current.text):
                self.area.load_text(current.text)
        else:
            self.note = t("host.report.changed_meanwhile")
        self.show_status()

    def merge(self, theirs: str, version: int) -> None:
        """Someone saved first: both texts in the field, to be looked over and saved."""
        mine = self.area.text
        self.loaded, self.base_version = theirs, version
        self.area.load_text(both(theirs, mine))
        self.note = t("host.report.merged")
        self.show_status()

    def show_status(self) -> None:
        if self.note:
            status = Text(self.note, style="bold")
        elif self.dirty:
            status = Text(t("host.report.unsaved"), style="italic")
        elif self.base_version:
            status = Text(t("host.report.saved", version=self.base_version))
        else:
            status = Text(t("host.report.empty") if not self.loaded else t("host.report.from_template"))
        self.query_one(Label).update(status)
        self.set_class(bool(self.note), "-conflict")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.show_status()


class ReportTextsScreen(Dialog, ModalScreen[dict[str, Draft]]):
    """Write the report's purpose, background, summary and decisions.

    Dismissed with the drafts that are not saved yet (the host screen keeps
    them for the next time the dialog opens).
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "host.key.save_texts"),
        Binding("escape", "close", "host.key.close_texts"),
        Binding("ctrl+pagedown", "tab(1)", "host.key.next_text", show=False),
        Binding("ctrl+pageup", "tab(-1)", "host.key.prev_text", show=False),
    ]

    def __init__(self, state: State, drafts: dict[str, Draft] | None = None, first: str = "summary") -> None:
        super().__init__()
        self.state = state
        self.drafts = dict(drafts or {})
        self.first = first

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog report-dialog"):
            yield Label(t("host.report.title"), classes="dialog-title")
            with TabbedContent(initial=f"tab-{self.first}"):
                for field in REPORT_TEXTS:
                    with TabPane(t(f"export.text.{field}"), id=f"tab-{field}"):
                        yield ReportTextField(field)
            yield Label(t("host.report.hint"), classes="dialog-hint")

    def on_mount(self) -> None:
        for editor in self.query(ReportTextField):
            editor.load(self._current(editor.field), self.drafts.get(editor.field))
        self.call_after_refresh(self._focus_tab)

    def _current(self, field: str) -> PlanField:
        state = getattr(self.app, "state", None) or self.state
        return state.report_texts.get(field) or PlanField()

    def _editor(self, field: str) -> ReportTextField:
        return self.query_one(f"#field-{field}", ReportTextField)

    def _focus_tab(self) -> None:
        active = self.query_one(TabbedContent).active.removeprefix("tab-")
        self._editor(active).area.focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.call_after_refresh(self._focus_tab)

    def on_mirror_changed(self, message: MirrorChanged) -> None:
        super().on_mirror_changed(message)
        state = self.app.state  # type: ignore[attr-defined]
        if state is None:
            return
        self.state = state
        for editor in self.query(ReportTextField):
            editor.follow(self._current(editor.field))

    # ---- actions ----------------------------------------------------------------

    def action_save(self) -> None:
        changed = [e for e in self.query(ReportTextField) if e.dirty or e.note]
        if not changed:
            self.notify(t("host.report.nothing_to_save"), markup=False)
            return
        for editor in changed:
            text = editor.area.text
            if len(text.strip()) > LIMITS["report"]:
                self.notify(t("host.report.too_long", limit=LIMITS["report"]), severity="warning", markup=False)
                continue
            command = c.EditReportText(id=new_id(), field=editor.field, text=text, base_version=editor.base_version)
            below = self._below()
            if below is not None:
                below.post_message(Propose(command, reply_to=self, quiet=True))

    def command_answered(self, command: Any, outcome: Outcome) -> None:
        if not self.is_attached:
            return
        editor = self._editor(command.field)
        current = self._current(command.field)  # the mirror may already hold the new version
        if outcome.ok or outcome.code == "nothing_to_change":
            editor.note = ""
            if same_text(current.text, command.text):
                editor.loaded, editor.base_version = current.text, current.version
            else:
                editor.loaded, editor.base_version = command.text.strip(), command.base_version + 1
            editor.show_status()
        elif outcome.code == "stale_version":
            editor.merge(str(outcome.details.get("text", "")), int(outcome.details.get("version", 0)))
            self.notify(t("host.report.merged_notice"), severity="warning", markup=False)
        else:
            self.notify(
                i18n.rejection(outcome.code, outcome.message, outcome.details), severity="warning", markup=False
            )

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        names = [f"tab-{f}" for f in REPORT_TEXTS]
        tabs.active = names[(names.index(tabs.active) + step) % len(names)]

    def action_close(self) -> None:
        drafts = {e.field: Draft(e.area.text, e.base_version) for e in self.query(ReportTextField) if e.dirty or e.note}
        self.dismiss(drafts)
