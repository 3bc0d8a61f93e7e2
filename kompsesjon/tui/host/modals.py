"""Small dialogs: ask for a text, pick one of many (with a filter)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from kompsesjon.i18n import t
from kompsesjon.tui.base import ConnectionChanged, MirrorChanged
from kompsesjon.tui.host.keys import Translated
from kompsesjon.tui.text import plain


class _Dialog(Translated):
    """A modal over the host screen; session news goes on to the screen below."""

    def _below(self):
        stack = self.app.screen_stack
        return stack[-2] if len(stack) > 1 and stack[-1] is self else None

    def on_mirror_changed(self, message: MirrorChanged) -> None:
        below = self._below()
        if below is not None:
            below.post_message(MirrorChanged(message.kinds))

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        below = self._below()
        if below is not None:
            below.post_message(ConnectionChanged(message.status, message.pending))


class TextPrompt(_Dialog, ModalScreen[str | None]):
    """Ask for one line of text. Enter answers, Escape cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", "host.key.cancel")]

    def __init__(self, title: str, *, value: str = "", hint: str = "", max_length: int = 0) -> None:
        super().__init__()
        self.prompt_title = title
        self.value = value
        self.hint = hint
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.prompt_title), classes="dialog-title")
            yield Input(value=self.value, max_length=self.max_length, id="prompt-input")
            yield Label(plain(self.hint or t("host.prompt.hint")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Picker(_Dialog, ModalScreen[str | None]):
    """Pick one of many (people, red cards, next steps); type to filter."""

    BINDINGS = [
        Binding("escape", "cancel", "host.key.cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, title: str, options: list[tuple[str, str]], *, hint: str = "") -> None:
        super().__init__()
        self.prompt_title = title
        self.choices = options  # (id, label) — labels are user text, shown literally
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.prompt_title), classes="dialog-title")
            yield Input(placeholder=t("host.prompt.filter"), id="picker-filter")
            yield OptionList(id="picker-list")
            yield Label(plain(self.hint or t("host.prompt.pick_hint")), classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, needle: str) -> None:
        needle = needle.casefold().strip()
        options = [
            Option(plain(label), id=key) for key, label in self.choices if not needle or needle in label.casefold()
        ]
        listing = self.query_one(OptionList)
        listing.set_options(options or [Option(Text(t("host.prompt.no_match"), style="italic"), disabled=True)])
        listing.highlighted = 0 if options else None

    @on(Input.Changed)
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        listing = self.query_one(OptionList)
        option = listing.highlighted_option
        if option is not None and not option.disabled:
            self.dismiss(option.id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if step > 0:
            listing.action_cursor_down()
        else:
            listing.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(_Dialog, ModalScreen[bool]):
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
