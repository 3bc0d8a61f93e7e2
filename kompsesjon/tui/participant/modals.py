"""Small dialogs: a line of text, a yes/no, merging a plan field, the evaluation."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static, TextArea

from kompsesjon.i18n import t
from kompsesjon.tui.keys import N_, Translated
from kompsesjon.tui.participant.widgets import LineInput
from kompsesjon.tui.text import both


class TextPrompt(Translated, ModalScreen[str | None]):
    """Ask for one line of text; dismissed with the text, or None."""

    BINDINGS = [Binding("escape", "cancel", N_("participant.keys.cancel"))]

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        context: Text | None = None,
        hint: str = "",
        placeholder: str = "",
        required: bool = True,
        ok: str = "",
        classes: str = "",
    ) -> None:
        super().__init__(classes=classes)
        self.title_text = title
        self.value = value
        self.context = context
        self.hint = hint
        self.placeholder = placeholder
        self.required = required
        self.ok_label = ok or t("participant.modal.save")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            if self.context is not None:
                yield Static(self.context, classes="dialog-context", markup=False)
            if self.hint:
                yield Static(self.hint, classes="dialog-hint", markup=False)
            yield LineInput(self.value, placeholder=self.placeholder, id="prompt-input", clear_on_submit=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.ok_label, variant="primary", id="ok")
                yield Button(t("participant.modal.cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _submit(self) -> None:
        text = self.query_one(Input).value
        if self.required and not text.strip():
            self.notify(t("participant.modal.empty"), severity="warning", markup=False)
            return
        self.dismiss(text)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self._submit()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(Translated, ModalScreen[bool]):
    """Yes or no."""

    BINDINGS = [
        Binding("y,j", "answer(True)", N_("participant.keys.yes")),
        Binding("n,escape", "answer(False)", N_("participant.keys.no")),
    ]

    def __init__(self, question: str, context: Text | None = None) -> None:
        super().__init__()
        self.question = question
        self.context = context

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-title", markup=False)
            if self.context is not None:
                yield Static(self.context, classes="dialog-context", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("participant.modal.yes"), variant="warning", id="yes")
                yield Button(t("participant.modal.no"), id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


@dataclass(frozen=True)
class Merged:
    """The text to save, and the version it was merged against."""

    text: str
    version: int


class MergeScreen(Translated, ModalScreen[Merged | None]):
    """Someone saved this field first: show both texts and merge, never lose.

    Left: the newer text from the server (read-only). Right: the text to
    save, which starts as both texts together and can be edited freely.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", N_("participant.keys.save_merge")),
        # (F6 and F7 select text in a TextArea.)
        Binding("f2", "use('theirs')", N_("participant.keys.take_theirs")),
        Binding("f3", "use('mine')", N_("participant.keys.keep_mine")),
        Binding("f4", "use('both')", N_("participant.keys.use_both")),
        Binding("escape", "cancel", N_("participant.keys.cancel")),
    ]

    def __init__(self, label: str, *, mine: str, theirs: str, version: int, by: str | None) -> None:
        super().__init__()
        self.label = label
        self.mine = mine
        self.theirs = theirs
        self.version = version
        self.by = by

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="merge-dialog"):
            yield Static(t("participant.merge.title", field=self.label), classes="dialog-title", markup=False)
            explain = t("participant.merge.by", who=self.by) if self.by else t("participant.merge.someone")
            yield Static(explain, classes="dialog-hint", markup=False)
            with Horizontal(id="merge-texts"):
                with Vertical(classes="merge-side"):
                    yield Static(t("participant.merge.theirs", version=self.version), classes="section-title")
                    yield TextArea(self.theirs, read_only=True, id="merge-theirs", soft_wrap=True)
                with Vertical(classes="merge-side"):
                    yield Static(t("participant.merge.result"), classes="section-title")
                    yield TextArea(both(self.theirs, self.mine), id="merge-result", soft_wrap=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{t('participant.merge.take_theirs')} (F2)", id="theirs")
                yield Button(f"{t('participant.merge.keep_mine')} (F3)", id="mine")
                yield Button(f"{t('participant.merge.both')} (F4)", id="both")
                yield Button(f"{t('participant.merge.save')} (Ctrl+S)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#merge-result", TextArea).focus()

    @property
    def result(self) -> TextArea:
        return self.query_one("#merge-result", TextArea)

    def action_use(self, which: str) -> None:
        text = {"theirs": self.theirs, "mine": self.mine, "both": both(self.theirs, self.mine)}[which]
        self.result.load_text(text)
        self.result.focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        elif event.button.id in ("theirs", "mine", "both"):
            self.action_use(event.button.id)

    def action_save(self) -> None:
        self.dismiss(Merged(self.result.text, self.version))

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class Given:
    """A check-out evaluation as written in the dialog."""

    rating: int | None
    text: str


class EvaluationScreen(Translated, ModalScreen[Given | None]):
    """The check-out evaluation: a rating from 1 to 5 and what we should do
    differently. Anonymous: nobody but the writer sees who gave it."""

    BINDINGS = [
        Binding("escape", "cancel", N_("participant.keys.cancel")),
        Binding("ctrl+s", "save", N_("participant.keys.save_evaluation")),
        *(Binding(str(n), f"rate({n})", show=False) for n in range(1, 6)),
    ]

    def __init__(self, rating: int | None = None, text: str = "") -> None:
        super().__init__()
        self.rating = rating
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="evaluation-dialog"):
            yield Static(t("participant.evaluation.title"), classes="dialog-title", markup=False)
            yield Static(t("participant.evaluation.rating"), classes="dialog-context", markup=False)
            with RadioSet(id="evaluation-rating"):
                for n in range(1, 6):
                    yield RadioButton(t(f"participant.evaluation.grade_{n}"), value=n == self.rating, id=f"grade-{n}")
            yield Static(t("participant.evaluation.differently"), classes="dialog-context", markup=False)
            yield LineInput(
                self.text,
                placeholder=t("participant.evaluation.placeholder"),
                id="evaluation-text",
                clear_on_submit=False,
            )
            yield Static(t("participant.evaluation.hint"), classes="dialog-hint", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("participant.modal.save"), variant="primary", id="ok")
                yield Button(t("participant.modal.cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()
        self.call_after_refresh(self._highlight_given)

    def _highlight_given(self) -> None:
        # The set's cursor starts on «1»: move it to the rating given before,
        # so that the arrow keys start from there.
        choices = self.query_one(RadioSet)
        for _ in range((self.rating or 1) - 1):
            choices.action_next_button()

    def action_rate(self, rating: int) -> None:
        self.query_one(f"#grade-{rating}", RadioButton).value = True

    def _chosen(self) -> int | None:
        pressed = self.query_one(RadioSet).pressed_button
        return int(pressed.id.removeprefix("grade-")) if pressed is not None and pressed.id else None

    def action_save(self) -> None:
        rating, text = self._chosen(), self.query_one(Input).value.strip()
        if rating is None and not text:
            self.notify(t("participant.evaluation.empty"), severity="warning", markup=False)
            return
        self.dismiss(Given(rating, text))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PeoplePicker(Translated, ModalScreen[None]):
    """WHO of an island's plan: name people of the session and its series.

    Enter names (or un-names) the highlighted person at once; the list shows
    who is named (✓) as the session says. Escape closes.
    """

    BINDINGS = [Binding("escape", "dismiss_picker", N_("participant.keys.close"))]

    def __init__(self, title: str, people: list[tuple[str, Text]], pick) -> None:
        super().__init__()
        self.title_text = title
        self.people = people
        self.pick = pick  # called with the key of the person chosen

    def on_option_list_option_selected(self, event) -> None:
        event.stop()
        if event.option.id is not None:
            self.pick(event.option.id)

    def compose(self) -> ComposeResult:
        from textual.widgets import OptionList
        from textual.widgets.option_list import Option

        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(t("participant.plans.who_hint"), classes="dialog-hint", markup=False)
            yield OptionList(*(Option(label, id=key) for key, label in self.people), id="people")

    def on_mount(self) -> None:
        self.query_one("#people").focus()

    def update_people(self, people: list[tuple[str, Text]]) -> None:
        from textual.widgets import OptionList

        listing = self.query_one("#people", OptionList)
        for key, label in people:
            listing.replace_option_prompt(key, label)

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
