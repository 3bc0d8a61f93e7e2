"""``kompsesjon host`` and ``kompsesjon screen``: the projected host view.

Thin: the role, the projector theme by default, the command palette's
facilitator actions, and the join code to show (from the welcome).
Everything else is in :mod:`.screen` and the phase views.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.screen import Screen

from kompsesjon import i18n
from kompsesjon.addresses import page_url
from kompsesjon.client import Refused, SessionClient
from kompsesjon.i18n import t
from kompsesjon.mirror import Notification, PresenceChanged, Welcomed
from kompsesjon.tui.base import SessionApp
from kompsesjon.tui.host.commands import HostCommands
from kompsesjon.tui.host.screen import HostScreen


class HostApp(SessionApp):
    """The facilitator's host view (``role="facilitator"``) or a read-only
    projector view (``role="screen"``) of one session."""

    CSS_PATH = "host.tcss"
    DEFAULT_THEME = "projector"
    COMMANDS = App.COMMANDS | {HostCommands}
    TITLE = "kompsesjon"

    def __init__(
        self,
        client: SessionClient | None,
        *,
        role: str = "facilitator",
        lang: str = "nb",
        theme: str | None = None,
        page_base: str | None = None,
        follow_session: bool = False,
    ) -> None:
        super().__init__(client, lang=lang, theme=theme, follow_session=follow_session)
        self.role = role
        self.join_code: str | None = client.code if client is not None else None
        self.page_base = page_base  # the web page's address as people reach it (else worked out)
        self.server_addresses: list[str] = []  # where the server says people reach it (from the welcome)

    @property
    def join_url(self) -> str:
        """The server's address as the room reaches it: what the server said
        (its room-network address first), else the one we connected to."""
        if self.server_addresses:
            return self.server_addresses[0]
        return getattr(self.client, "url", None) or ""  # a stand-in client (benchmarks, tests) may have none

    @property
    def page_address(self) -> str:
        """The web page's address with the join code in it, for the QR code."""
        url = self.join_url
        if not url or not self.join_code:
            return ""
        if self.page_base:
            return f"{self.page_base.rstrip('/')}/{self.join_code}"
        # An address the server gave is what it listens on: 127.0.0.1 only
        # when it listens nowhere else (a loopback demo).
        return page_url(url, self.join_code, rooms=[] if self.server_addresses else None)

    @property
    def facilitator(self) -> bool:
        return self.role == "facilitator"

    def get_default_screen(self) -> Screen:
        self.host_screen = HostScreen(facilitator=self.facilitator)
        return self.host_screen

    async def rebuild_screens(self) -> None:
        # At the first snapshot: a host screen made anew in the session's
        # language, over the first (which stays below, idle: it is the default
        # screen and cannot go).
        if self.screen is self.host_screen:
            self.host_screen = HostScreen(facilitator=self.facilitator)
            await self.push_screen(self.host_screen)

    def refused(self, refused: Refused) -> None:
        if self.state is not None:
            super().refused(refused)  # what was shown stays in view, with the reason
            return
        # Refused before the first welcome (a wrong token or code): there is
        # nothing to show and no key would work. Say why, and end.
        reason = i18n.rejection(refused.code, refused.message)
        hint = t(f"host.refused.{self.role}")
        self.exit(return_code=2, message=Text(f"{reason}\n{hint}"))

    def _news(self, note: Notification) -> None:
        super()._news(note)
        if isinstance(note, Welcomed):
            # A facilitator connects with a token: the welcome says the code.
            self.join_code = note.welcome.code
            self.server_addresses = list(note.welcome.addresses)
        elif isinstance(note, PresenceChanged):
            self._mirror_changed("presence")

    def tick(self) -> None:
        screen = getattr(self, "host_screen", None)
        if screen is not None and screen.is_mounted:
            screen.tick()
