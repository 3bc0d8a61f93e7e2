"""Small dialogs of the host view: ask for a text, yes or no (picking one of
many is shared with the participant app: :class:`~kompsesjon.tui.modals.Picker`)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from kompsesjon.i18n import t
from kompsesjon.tui.modals import Dialog
from kompsesjon.tui.text import plain


class TextPrompt(Dialog, ModalScreen[str | None]):
    """Ask for one line of text. Enter answers, Escape cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", "host.key.cancel")]

    def __init__(
        self, title: str, *, value: str = "", hint: str = "", max_length: int = 0, password: bool = False
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.value = value
        self.hint = hint
        self.max_length = max_length
        self.password = password  # a secret: the host view is projected

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.prompt_title), classes="dialog-title")
            yield Input(value=self.value, max_length=self.max_length, id="prompt-input", password=self.password)
            yield Label(plain(self.hint or t("host.prompt.hint")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(Dialog, ModalScreen[bool]):
    """Yes or no to something that cannot simply be undone."""

    BINDINGS = [
        Binding("enter,y,j", "answer(True)", "host.key.yes"),
        Binding("escape,n", "answer(False)", "host.key.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.question), classes="dialog-title")
            yield Label(plain(t("host.prompt.confirm_hint")), classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
