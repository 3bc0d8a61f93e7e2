"""A shared text that a group writes together: an action-plan field, a
group's answer, an organisation's follow-up.

Each text is saved against the version it was started from (the engine's
:func:`~kompsesjon.method.decide.next_version`). Never a silent overwrite,
never lost text:

* a newer version from someone else does not replace what I have changed
  (the editor says "changed by …" instead); an unchanged text follows along;
* a save that the server finds stale (``stale_version``) opens
  :class:`~kompsesjon.tui.participant.modals.MergeScreen` with both texts,
  and the merge is saved against the newer version;
* what I have not saved is kept in the app's
  :class:`~kompsesjon.tui.participant.drafts.Drafts`, so it comes back after
  a phase change or a relaunch.

Subclasses say what they edit: :meth:`read` the server's version of it,
:meth:`command` to save it and :meth:`draft_key` to remember it by.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import TextArea

from kompsesjon import i18n
from kompsesjon.client import Outcome
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method.state import PlanField
from kompsesjon.method.text import same_text
from kompsesjon.tui.messages import Propose
from kompsesjon.tui.participant.drafts import DraftKey, Drafts
from kompsesjon.tui.participant.modals import Merged, MergeScreen
from kompsesjon.tui.participant.widgets import FieldArea
from kompsesjon.tui.text import person


class VersionedEditor(Vertical):
    """One shared text, with its version, its draft and merge on conflict."""

    def __init__(self, label: str, *, area_id: str, id: str | None = None, classes: str = "") -> None:
        super().__init__(id=id, classes=f"plan-field {classes}".strip())
        self.label = label  # on the border, and the merge dialog's title
        self.area_id = area_id
        self.target: Any = None  # what is edited; set by the first sync
        self.loaded_text = ""  # the server's text that the editor started from
        self.base_version = 0  # ... and its version
        self.newer: PlanField | None = None  # someone saved while I was editing
        self.state: State | None = None
        self.current = PlanField()  # the server's latest version of this text
        self._pending: tuple[State, Any] | None = None  # a sync that came before the text area

    # ---- what a subclass says ---------------------------------------------

    def read(self, state: State, target: Any) -> PlanField:
        """The server's version of ``target`` (an empty field if none yet)."""
        raise NotImplementedError

    def command(self, text: str, base_version: int) -> Any:
        """The command that saves ``text`` over ``base_version``."""
        raise NotImplementedError

    def draft_key(self) -> DraftKey | None:
        raise NotImplementedError

    def answers(self, command: Any) -> bool:
        """Is ``command`` one this editor sent for what it edits now?"""
        return True

    # ---- the widget ---------------------------------------------------------

    def compose(self) -> ComposeResult:
        area = FieldArea(id=self.area_id, soft_wrap=True, tab_behavior="focus")
        area.border_title = Text(self.label)  # on the border: never scrolled apart
        yield area

    @property
    def area(self) -> TextArea:
        return self.query_one(TextArea)

    @property
    def dirty(self) -> bool:
        return not same_text(self.area.text, self.loaded_text)

    @property
    def drafts(self) -> Drafts:
        return self.app.drafts  # type: ignore[attr-defined]  # the participant app's, made with it

    # ---- downward -------------------------------------------------------

    def on_mount(self) -> None:
        # (Compose has run by now: the text area is there.)
        if self._pending is not None:
            state, target = self._pending
            self._pending = None
            self.sync(state, target)

    def sync(self, state: State, target: Any) -> None:
        """Follow the server's version without clobbering my unsaved text."""
        if not self.query(TextArea):  # made just now: its text area comes with the mount
            self._pending = (state, target)
            return
        self.state = state
        current = self.read(state, target)
        self.current = current
        if target != self.target:
            self.target = target
            self._load(current)
            self._restore(current)
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

    def _restore(self, current: PlanField) -> None:
        """Text I wrote and did not save (before a phase change, a relaunch)."""
        key = self.draft_key()
        draft = self.drafts.get(key) if key is not None else None
        if draft is None or same_text(draft.text, current.text):
            return
        self.area.load_text(draft.text)
        self.area.move_cursor(self.area.document.end)
        self.base_version = draft.base
        if current.version != draft.base:
            self.newer = current  # saved meanwhile by someone else: merge when saving

    def _show_status(self) -> None:
        """The text's state, on the bottom border of its text area."""
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
        self._remember()

    def _remember(self) -> None:
        key = self.draft_key()  # None until the first sync says what is edited
        if key is None:
            return
        if self.dirty:
            self.drafts.put(key, self.area.text, self.base_version)
        else:
            self.drafts.drop(key)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._show_status()

    # ---- saving ---------------------------------------------------------

    def save(self) -> bool:
        """Send my text against the version I started from (if changed)."""
        if self.target is None or not self.dirty:
            return False
        self.post_message(Propose(self.command(self.area.text, self.base_version), reply_to=self, quiet=True))
        return True

    def command_answered(self, command: Any, outcome: Outcome) -> None:
        if outcome.ok or not self.is_attached or not self.answers(command):
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
                return  # my text stays in the editor, unsaved; nothing is lost
            self.loaded_text = theirs
            self.base_version = result.version
            self.newer = None
            self.area.load_text(result.text)
            if not self.save():
                self._show_status()

        self.app.push_screen(MergeScreen(self.label, mine=mine, theirs=theirs, version=version, by=name), merged)
