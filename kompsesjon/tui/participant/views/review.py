"""The follow-up round of a series: what became of the earlier gathering's actions.

The carried actions are listed (mine — my island group's or my organisation's
— first); for the chosen one the plan as it was written and its history are
shown, and if it is ours we set its status (done, in progress, not started,
dropped) and write the three notes: what has happened, what has not, how we
go on. Each note is a :class:`~kompsesjon.tui.participant.versioned.VersionedEditor`,
merged like plan fields.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, OptionList, Static

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.review import may_review, note_of, reviewed_actions, status_of
from kompsesjon.method.series import NOTE_FIELDS, STATUSES, Action
from kompsesjon.method.state import PlanField
from kompsesjon.tui.keys import N_
from kompsesjon.tui.participant.drafts import DraftKey
from kompsesjon.tui.participant.versioned import VersionedEditor
from kompsesjon.tui.participant.views.base import VIEWS, KeyedList, PhaseView
from kompsesjon.tui.text import action_status, day, people_line, plain


def action_title(action: Action) -> str:
    """«Tid: Fast møtetid» — the island and what the action is."""
    if action.island and action.what:
        return f"{action.island}: {action.what}"
    return action.island or action.what or action.id


def action_details(action: Action) -> Group:
    """The plan as written at its gathering, and what later gatherings said."""
    lines: list[Text] = []
    for name in ("how", "who", "first_step", "when"):
        text = getattr(action, name)
        if text:
            line = Text(t(f"plan.{name}") + " ", style="bold")
            line.append_text(plain(text))
            lines.append(line)
    if action.owners:
        lines.append(Text.assemble((t("participant.review.owners") + " ", "bold"), plain(people_line(action.owners))))
    if action.members:
        lines.append(Text.assemble((t("participant.review.members") + " ", "dim"), plain(people_line(action.members))))
    for entry in action.history:
        line = Text(f"{day(entry.date)}: {action_status(entry.status)}", style="italic")
        for name in NOTE_FIELDS:
            if getattr(entry, name):
                line.append(" · ")
                line.append_text(plain(getattr(entry, name)))
        lines.append(line)
    return Group(*lines)


class ActionNoteEditor(VersionedEditor):
    """One of the three notes on the chosen action."""

    def __init__(self, field: str) -> None:
        super().__init__(t(f"review.{field}"), area_id=f"note-{field}", id=f"note-field-{field}")
        self.field = field

    def read(self, state: State, target: str) -> PlanField:
        return note_of(state, target, self.field)

    def command(self, text: str, base_version: int) -> c.EditActionNote:
        return c.EditActionNote(id=new_id(), action=self.target, field=self.field, text=text, base_version=base_version)

    def draft_key(self) -> DraftKey | None:
        return ("review", self.target, self.field) if self.target is not None else None

    def answers(self, command: Any) -> bool:
        return command.action == self.target


@VIEWS.register(PhaseKind.ACTION_REVIEW)
class ReviewView(PhaseView):
    BINDINGS = [Binding("ctrl+s", "save", N_("participant.keys.save_notes"))]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.chosen: str | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="review-scroll"):
            yield Static(id="review-info", markup=False)
            yield KeyedList(id="review-actions")
            yield Static(id="review-action", markup=False)
            with Horizontal(id="review-status"):
                for status in STATUSES:
                    yield Button(t(f"action_status.{status}"), id=f"status-{status}", compact=True)
            for field in NOTE_FIELDS:
                yield ActionNoteEditor(field)

    def _mine(self, state: State, action: Action) -> bool:
        return self.me is not None and may_review(state, self.me, action)

    def show(self, state: State, me: str | None) -> None:
        super().show(state, me)
        actions = sorted(reviewed_actions(state), key=lambda a: not self._mine(state, a))
        info = self.query_one("#review-info", Static)
        if state.series is None or not actions:
            info.update(Text(t("participant.review.nothing"), style="italic"))
        else:
            earlier = state.series.follows
            line = Text(t("participant.review.from", title=earlier.title, date=day(earlier.date)), style="bold")
            person = state.participants.get(self.me or "")
            org = person.org.casefold() if person is not None else ""
            ours = [f for f in earlier.follow_ups if org and f.org.casefold() == org]
            for follow_up in ours:  # what our organisation said it would do
                line.append("\n" + t("participant.review.our_follow_up") + " ", style="bold")
                line.append_text(plain(follow_up.text))
            line.append("\n" + t("participant.review.help"), style="dim")
            info.update(line)
        rows = []
        for action in actions:
            line = plain(action_title(action), style="bold" if self._mine(state, action) else "dim")
            line.append(f"  · {action_status(status_of(state, action.id))}")
            if self._mine(state, action):
                line.append(f"  ({t('participant.review.ours')})", style="dim")
            rows.append((action.id, line))
        listing = self.query_one("#review-actions", KeyedList)
        listing.set_items(rows, empty=t("participant.review.nothing"))
        self.chosen = listing.highlighted_id
        self._show_chosen()

    def _show_chosen(self) -> None:
        state = self.state
        action = state.series.action(self.chosen) if state is not None and state.series and self.chosen else None
        details = self.query_one("#review-action", Static)
        mine = action is not None and state is not None and self._mine(state, action)
        if action is None or state is None:
            details.update("")
        else:
            head = Text.assemble(
                plain(action_title(action), style="bold reverse"),
                f"  {t('participant.review.written', date=day(action.date))}",
            )
            if not mine:
                head.append("\n" + t("participant.review.not_ours"), style="italic")
            details.update(Group(head, action_details(action)))
        self.query_one("#review-status").display = mine
        current = status_of(state, action.id) if mine and state is not None and action is not None else None
        for status in STATUSES:
            button = self.query_one(f"#status-{status}", Button)
            button.variant = "primary" if status == current else "default"
            # Not by colour alone: the chosen status is marked.
            button.label = ("◉ " if status == current else "") + t(f"action_status.{status}")
        for editor in self.query(ActionNoteEditor):
            editor.display = mine
            if mine and state is not None and action is not None:
                editor.sync(state, action.id)

    @on(OptionList.OptionHighlighted, "#review-actions")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id != self.chosen:
            self.chosen = event.option.id
            self._show_chosen()

    @on(Button.Pressed)
    def _status(self, event: Button.Pressed) -> None:
        event.stop()
        status = (event.button.id or "").removeprefix("status-")
        if self.chosen is None or status not in STATUSES or self.state is None:
            return
        wanted = None if status_of(self.state, self.chosen) == status else status  # pressed again: undo
        self.propose(c.SetActionStatus(id=new_id(), action=self.chosen, status=wanted))

    def focus_default(self) -> None:
        self.query_one("#review-actions").focus()

    def action_save(self) -> None:
        saved = [e.field for e in self.query(ActionNoteEditor) if e.display and e.save()]
        if not saved:
            self.notify(t("participant.plans.nothing_to_save"), markup=False)
