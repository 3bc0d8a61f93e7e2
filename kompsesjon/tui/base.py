"""What the participant app and the host view share: the connection.

:class:`SessionApp` runs a :class:`~kompsesjon.client.SessionClient` in a
worker on the app's own event loop. The client's news becomes Textual
messages: :class:`MirrorChanged` (debounced, and others' news at most once a
second: a room full of people writing must not re-render the screen a
thousand times a second), :class:`ConnectionChanged`, and rejections as notifications in the
user's language.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from typing import Any

from textual import events, work
from textual.app import App, ScreenStackError, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer

from kompsesjon import i18n
from kompsesjon.client import Outcome, Refused, SessionClient, Status
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method.events import Event
from kompsesjon.mirror import (
    EventApplied,
    HelloRefused,
    Notification,
    RefusedForGood,
    ServerError,
    SnapshotLoaded,
    StatusChanged,
)
from kompsesjon.tui.hangup import EXIT_CODE, HangUpWatch
from kompsesjon.tui.keys import N_, retranslate_bindings, translate_bindings
from kompsesjon.tui.themes import load_themes, resolve_name
from kompsesjon.tui.widgets.status import connection_trouble

log = logging.getLogger("kompsesjon.tui")

REFRESH_DELAY = 0.05  # seconds from the first news to its redraw (news that comes with it waits too)
# Seconds between redraws for others' news, at least: a room of 300 writing
# at once must not redraw each of 300 SSH seats 20 times a second (a redraw
# costs a seat ~6 ms). For a while after one's own command, news is drawn
# at once: one's own card appears as one presses Enter.
REDRAW_EVERY = 1.0
OWN_NEWS = 2.0  # seconds after sending a command in which news is one's own


class MirrorChanged(Message):
    """The session state changed (sent to the active screen)."""

    def __init__(self, kinds: frozenset[str]) -> None:
        super().__init__()
        self.kinds = kinds  # event types since the last message, or "snapshot"


class ConnectionChanged(Message):
    def __init__(self, status: Status, pending: int) -> None:
        super().__init__()
        self.status = status
        self.pending = pending


class SessionApp(App):
    """Base for the apps: owns the client, the language and the themes.

    The language is the person's own ``--lang`` if they gave one; else the
    session's, once joined (``follow_session=True``): ``serve --lang sv``
    makes every app that joins speak Swedish.
    """

    DEFAULT_THEME = "kompsesjon-dark"
    BINDINGS = [Binding("ctrl+p", "command_palette", N_("commands.palette"), show=False, priority=True)]

    def __init__(
        self,
        client: SessionClient | None,
        *,
        lang: str = "nb",
        theme: str | None = None,
        follow_session: bool = False,
    ) -> None:
        i18n.use(lang)
        super().__init__()
        translate_bindings(self)
        self.client: SessionClient | None = client
        self.lang = lang
        self.follow_session = follow_session  # until the session's language is known
        self._theme_choice = theme
        self._pending_kinds: set[str] = set()
        self._redraw: Timer | None = None  # the redraw to come, if any
        self._redraw_due = 0.0  # time.monotonic() when it comes
        self._redrawn_at = 0.0  # time.monotonic() of the last redraw from the network
        self._sent_at = -OWN_NEWS  # time.monotonic() of the last command sent
        self._leaving = False
        # Watch the process's terminal for a hang-up; off where the driver
        # watches the app's own terminal (several apps in one SSH seat host).
        self.watch_hang_up = True

    # ---- start-up -------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Our CSS uses these; a theme that does not define them still works.
        # A variable's value cannot name another variable, so give colours
        # derived from whatever theme is active (also before ours are loaded).
        colors = self.current_theme.to_color_system().generate()
        return {
            "dot": colors["accent"],
            "private-card": colors["text-muted"],
            "timer-warning": colors["warning"],
            "timer-over": colors["error"],
            "bar": colors["primary"],
        }

    def on_mount(self) -> None:
        themes, problems = load_themes(self._theme_choice)
        for theme in themes:
            self.register_theme(theme)
        for problem in problems:
            self.notify(problem, title=i18n.t("theme.title"), severity="warning", markup=False)
        wanted = resolve_name(self._theme_choice) or self.DEFAULT_THEME
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            self.notify(
                i18n.t("theme.unknown", name=wanted), title=i18n.t("theme.title"), severity="warning", markup=False
            )
            self.theme = self.DEFAULT_THEME
        self.set_interval(1.0, self.tick)
        self.set_interval(1.0, self._check_connection)
        if not self.is_headless and self.watch_hang_up:
            # A terminal that goes away (window closed, SSH gone) ends the app.
            HangUpWatch(self._hang_up).start()
        if self.client is not None:
            self.attach(self.client)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # A steady cursor: a blinking one repaints twice a second for as long
        # as a field has the focus, which is most of a session — the largest
        # part of what an idle app (an SSH seat: of the server's) CPU costs.
        if getattr(event.widget, "cursor_blink", False):
            event.widget.cursor_blink = False  # type: ignore[attr-defined]

    def terminal_lost(self) -> None:
        """The app's terminal has gone: leave the session normally and end (exit code 129)."""
        self._hang_up()

    def _hang_up(self) -> None:
        if not self._leaving:
            self.run_worker(self._leave(EXIT_CODE), group="leave")

    async def _leave(self, return_code: int = 0) -> None:
        # A normal close first: the room sees us offline at once (and we come
        # back as the same person: the resume secret stays where it is).
        self._leaving = True
        if self.client is not None:
            await self.client.close()
        self.exit(return_code=return_code)

    def attach(self, client: SessionClient) -> None:
        """Start talking to the session (at mount, or once we know the code)."""
        self.client = client
        client.listeners.append(self._on_client)
        self.run_client()

    @work(exclusive=True, group="net")
    async def run_client(self) -> None:
        # The client reconnects by itself; an unexpected error is shown, and
        # must not end the app (Textual's exit_on_error would).
        assert self.client is not None
        try:
            await self.client.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # pragma: no cover - defensive
            log.exception("client stopped")
            self.notify(f"{exc}", severity="error", markup=False)

    def tick(self) -> None:
        """Once a second: timers move even when nothing else happens."""

    _trouble = ""

    def _check_connection(self) -> None:
        trouble = connection_trouble(self.client)
        if trouble != self._trouble:
            self._trouble = trouble
            self.connection_trouble(trouble)

    def connection_trouble(self, trouble: str) -> None:
        """(Re)connecting has failed for a while (``trouble`` says what is tried
        and the likely cause), or works again (""). Said as a lasting toast."""
        if trouble:
            self.notify(trouble, severity="warning", timeout=60, markup=False)
        else:
            self.clear_notifications()

    # ---- news from the client ------------------------------------------

    @property
    def state(self) -> State | None:
        return self.client.state if self.client is not None else None

    def _on_client(self, note: Notification) -> None:
        with contextlib.suppress(ScreenStackError):  # news that arrives while the app shuts down
            self._news(note)

    def _news(self, note: Notification) -> None:
        match note:
            case EventApplied(event=event) if self.shows(event):
                self._mirror_changed(event.type)
            case SnapshotLoaded():
                self._mirror_changed("snapshot")
            case StatusChanged(status=status):
                assert self.client is not None
                self.screen.post_message(ConnectionChanged(status, self.client.unanswered))
                if status == Status.ONLINE:
                    self._mirror_changed("online")
                    self._session_language()  # after what the apps do on joining (the join form goes)
            case RefusedForGood(refused=refused):
                self.refused(refused)
            case ServerError(code=code, message=message):
                self.notify(i18n.rejection(code, message), severity="warning", markup=False)
            case HelloRefused(code=code, message=message) if (
                self.client is not None and self.client.role != "participant"
            ):
                # A screen or host view turned away for now (the session is
                # busy): it tries again by itself; say why meanwhile.
                self.notify(i18n.rejection(code, message), severity="warning", markup=False)

    def shows(self, event: Event) -> bool:
        """Does ``event`` change what this app shows? (If not, nothing is
        redrawn: the mirror has it all the same, for the next redraw.)"""
        return True

    def _session_language(self) -> None:
        state = self.state
        if not self.follow_session or state is None:
            return
        self.follow_session = False  # once: a person's later choice is not overridden
        wanted = i18n.detect(state.lang)
        if wanted != self.lang:
            self.call_later(self.switch_language, wanted)

    async def switch_language(self, lang: str) -> None:
        """Speak ``lang`` from now on: the keys, and screens made anew."""
        self.lang = lang
        i18n.use(lang)
        retranslate_bindings(self)
        await self.rebuild_screens()

    async def rebuild_screens(self) -> None:
        """Make the screens again in the new language (the apps know theirs)."""

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own commands (theme, keys, quit), in the user's language.
        for name, action in (
            ("theme", self.action_change_theme),
            ("keys", self.action_show_help_panel),
            ("quit", self.action_quit),
        ):
            yield SystemCommand(t(f"commands.{name}"), t(f"commands.{name}_help"), action)

    def _mirror_changed(self, kind: str) -> None:
        self._pending_kinds.add(kind)
        now = time.monotonic()
        own = now - self._sent_at < OWN_NEWS
        delay = REFRESH_DELAY if own else max(REFRESH_DELAY, REDRAW_EVERY - (now - self._redrawn_at))
        if self._redraw is not None:
            if self._redraw_due <= now + delay:
                return  # comes soon enough
            self._redraw.stop()  # one's own news: sooner than others' would be drawn
        self._redraw, self._redraw_due = self.set_timer(delay, self._flush_refresh), now + delay

    def _flush_refresh(self) -> None:
        self._redraw = None
        self._redrawn_at = time.monotonic()
        kinds, self._pending_kinds = frozenset(self._pending_kinds), set()
        if self.state is not None:
            with contextlib.suppress(ScreenStackError):  # the app is shutting down
                self.screen.post_message(MirrorChanged(kinds))

    def refused(self, refused: Refused) -> None:
        """The server refused us for good; subclasses may offer a way back."""
        self.notify(i18n.rejection(refused.code, refused.message), severity="error", timeout=30, markup=False)

    # ---- sending --------------------------------------------------------

    def send(self, command: Any, *, quiet: bool = False) -> asyncio.Future:
        """Submit a command; a rejection is shown to the user unless quiet."""
        assert self.client is not None
        self._sent_at = time.monotonic()
        future = self.client.submit(command)
        if not quiet:
            future.add_done_callback(self._show_outcome)
        if self.client.status != Status.ONLINE:
            self.screen.post_message(ConnectionChanged(self.client.status, self.client.unanswered))
        return future

    def _show_outcome(self, future: asyncio.Future) -> None:
        if future.cancelled():
            return
        outcome: Outcome = future.result()
        if not outcome.ok:
            # A command that would change nothing is news, not a problem.
            text = i18n.rejection(outcome.code, outcome.message, outcome.details)
            if outcome.code == "nothing_to_change":
                self.notify(text, severity="information", markup=False)
            else:
                self.notify(text, severity="warning", markup=False)

    async def action_quit(self) -> None:
        await self._leave()
