"""Joining: the form (code, name, organisation) and the "refused" screen."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Static

from kompsesjon import protocol as proto
from kompsesjon.client import Status
from kompsesjon.i18n import t
from kompsesjon.method.text import LIMITS
from kompsesjon.tui.base import ConnectionChanged
from kompsesjon.tui.keys import N_, Translated
from kompsesjon.tui.participant.widgets import LineInput


class JoinInput(Translated, LineInput):
    """An input whose Enter joins (shown in the footer).

    Not a priority binding on the screen: that would run before the letters
    typed just before it reach the input, and join with half a name.
    """

    BINDINGS = [Binding("enter", "submit", N_("participant.keys.join"))]

    def __init__(self, value: str = "", **kwargs) -> None:
        super().__init__(value, clear_on_submit=False, **kwargs)


class JoinScreen(Translated, Screen):
    """Ask for the join code, a name and an organisation.

    Stays up while the app connects: the app shows errors here
    (:meth:`show_error`) and pops the screen once the session welcomes us.
    """

    class Submitted(Message):
        def __init__(self, code: str, name: str, org: str) -> None:
            super().__init__()
            self.code = code
            self.name = name
            self.org = org

    def __init__(self, *, code: str = "", name: str = "", org: str = "", error: str = "", field: str = "") -> None:
        super().__init__(id="join")
        self.initial = (code, name, org)
        self.error = error
        self.error_field = field

    def compose(self) -> ComposeResult:
        code, name, org = self.initial
        with Center(), Vertical(id="join-form"):
            yield Static(t("participant.join.title"), id="join-title")
            yield Static(t("participant.join.intro"), id="join-intro")
            yield Static(t("participant.join.code"), classes="join-label")
            yield JoinInput(
                code,
                placeholder=t("participant.join.code_placeholder"),
                id="join-code",
                max_length=proto.CODE_LENGTH_MAX,
            )
            yield Static(t("participant.join.name"), classes="join-label")
            yield JoinInput(
                name, placeholder=t("participant.join.name_placeholder"), id="join-name", max_length=LIMITS["name"]
            )
            yield Static(t("participant.join.org"), classes="join-label")
            yield JoinInput(
                org, placeholder=t("participant.join.org_placeholder"), id="join-org", max_length=LIMITS["org"]
            )
            yield Static(id="join-error", markup=False)
            with Horizontal(id="join-buttons"):
                yield Button(t("participant.join.button"), variant="primary", id="join-button")
                yield Static(id="join-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_error(self.error, self.error_field, focus=True)

    # ---- downward -------------------------------------------------------

    def show_error(self, error: str, field: str = "", *, focus: bool = False) -> None:
        """Show why joining did not work, and put the cursor where to fix it."""
        self.query_one("#join-error", Static).update(Text(error))
        self.query_one("#join-error", Static).display = bool(error)
        self.query_one("#join-status", Static).update("")
        self.query_one("#join-button", Button).disabled = False
        code, name, _ = self.values()
        target = field or ("code" if not code else "name" if not name else "code")
        if error or focus:
            self.query_one(f"#join-{target}", Input).focus()

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        # (Not stopped: the app passes it on to the session screen below.)
        if self.query_one("#join-button", Button).disabled:
            said = self._trouble if message.status != Status.ONLINE else ""
            self.query_one("#join-status", Static).update(Text(said or t(f"status.{message.status.value}")))

    _trouble = ""

    def show_trouble(self, trouble: str) -> None:
        self._trouble = trouble
        if self.query_one("#join-button", Button).disabled:  # a join on its way
            self.query_one("#join-status", Static).update(Text(trouble or t("participant.join.connecting")))

    def waiting(self) -> None:
        self.query_one("#join-error", Static).display = False
        self.query_one("#join-status", Static).update(t("participant.join.connecting"))
        self.query_one("#join-button", Button).disabled = True

    def values(self) -> tuple[str, str, str]:
        return tuple(self.query_one(f"#join-{f}", Input).value.strip() for f in ("code", "name", "org"))  # type: ignore[return-value]

    # ---- upward ---------------------------------------------------------

    def action_join(self) -> None:
        code, name, org = self.values()
        if not code:
            self.show_error(t("participant.join.code_missing"), "code")
            return
        if self.query_one("#join-button", Button).disabled:
            return  # already on its way
        self.waiting()
        self.post_message(self.Submitted(code, name, org))

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_join()

    @on(Button.Pressed, "#join-button")
    def _pressed(self) -> None:
        self.action_join()


class RefusedScreen(Translated, Screen):
    """The server refused us for good (removed, incompatible …)."""

    BINDINGS = [Binding("q,escape", "app.quit", N_("participant.keys.quit"))]

    def __init__(self, message: str) -> None:
        super().__init__(id="refused")
        self.message = message

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="refused-box"):
            yield Static(t("participant.refused.title"), id="refused-title")
            yield Static(Text(self.message), id="refused-message", markup=False)
            yield Static(t("participant.refused.quit"), id="refused-hint")
        yield Footer()
