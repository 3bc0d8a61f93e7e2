"""Dialogs both apps use: the base that keeps the screen below up to date,
and picking one of many with a filter (people, groups, regions …)."""

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
from kompsesjon.tui.keys import Translated
from kompsesjon.tui.text import plain


class Dialog(Translated):
    """A modal over a screen; session news goes on to the screen below."""

    def _below(self):
        stack = self.app.screen_stack
        return stack[-2] if len(stack) > 1 and stack[-1] is self else None

    def on_mirror_changed(self, message: MirrorChanged) -> None:
        message.stop()
        below = self._below()
        if below is not None:
            below.post_message(MirrorChanged(message.kinds))

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        message.stop()
        below = self._below()
        if below is not None:
            below.post_message(ConnectionChanged(message.status, message.pending))


class Picker(Dialog, ModalScreen[str | None]):
    """Pick one of many; type to filter. Dismissed with the option's id.

    With ``free=True`` what was typed can be the answer too (offered after
    the options it matches): a region that is not on the list.
    """

    BINDINGS = [
        Binding("escape", "cancel", "dialog.cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, title: str, options: list[tuple[str, str]], *, hint: str = "", free: bool = False) -> None:
        super().__init__()
        self.prompt_title = title
        self.choices = options  # (id, label) — labels are user text, shown literally
        self.hint = hint
        self.free = free

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.prompt_title), classes="dialog-title")
            yield Input(placeholder=t("dialog.filter"), id="picker-filter", max_length=80)
            yield OptionList(id="picker-list")
            yield Label(plain(self.hint or t("dialog.pick_hint")), classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, typed: str) -> None:
        needle = typed.casefold().strip()
        options = [
            Option(plain(label), id=key) for key, label in self.choices if not needle or needle in label.casefold()
        ]
        if self.free and needle and not any(label.casefold() == needle for _, label in self.choices):
            # After the options that match: Enter takes the first match.
            options.append(Option(Text(t("dialog.use_typed", text=typed.strip())), id=f"\0{typed.strip()}"))
        listing = self.query_one(OptionList)
        listing.set_options(options or [Option(Text(t("dialog.no_match"), style="italic"), disabled=True)])
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
            self._choose(option.id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id)

    def _choose(self, key: str | None) -> None:
        # What was typed comes back as itself ("\0" marks it among the ids).
        self.dismiss(key[1:] if key and key.startswith("\0") else key)

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if step > 0:
            listing.action_cursor_down()
        else:
            listing.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
