"""``kompsesjon join``: the participant app.

Thin on purpose: it turns the command line (or the join form) into a
:class:`~kompsesjon.client.SessionClient`, reacts to the server's answers to
the hello, and hands everything else to :class:`SessionScreen`.
"""

from __future__ import annotations

import contextlib
import ssl
from pathlib import Path

from textual import on
from textual.binding import Binding
from textual.css.query import NoMatches

from kompsesjon import i18n
from kompsesjon.client import Refused, SessionClient, Status, new_resume_secret
from kompsesjon.i18n import t
from kompsesjon.method.events import Event, ParticipantJoined
from kompsesjon.mirror import HelloRefused, Notification, StatusChanged, Welcomed
from kompsesjon.tui.base import ConnectionChanged, MirrorChanged, SessionApp
from kompsesjon.tui.keys import N_
from kompsesjon.tui.participant.drafts import Drafts, drafts_path
from kompsesjon.tui.participant.join import JoinScreen, RefusedScreen
from kompsesjon.tui.participant.modals import ConfirmScreen
from kompsesjon.tui.participant.session import SessionScreen
from kompsesjon.tui.participant.views.other import WaitingView
from kompsesjon.tui.resume import keep, resume_path, resume_secret

# Refusals after which the join form is offered again (a new connection).
ASK_AGAIN = frozenset({"bad_code", "hello_failed", "hello_timeout", "too_many_attempts"})


def hello_problem(code: str, message: str) -> tuple[str, str]:
    """A hello the server did not accept: the reason, and the field to fix."""
    if code == "text_empty":
        return t("participant.join.name_required"), "name"
    if code in ("text_too_long", "text_too_large"):
        return t("participant.join.too_long"), "name"
    if code == "bad_code":
        return i18n.rejection(code, message), "code"
    if i18n.t(f"participant.refused.{code}") != f"participant.refused.{code}":
        return t(f"participant.refused.{code}"), ""
    return i18n.rejection(code, message), ""


def _same_code(a: str | None, b: str | None) -> bool:
    def norm(code: str | None) -> str:
        return "".join(ch for ch in (code or "").upper() if ch.isalnum())

    return norm(a) == norm(b)


class ParticipantApp(SessionApp):
    """Join a session and take part in every phase of it."""

    CSS_PATH = "participant.tcss"
    TITLE = "kompsesjon"
    BINDINGS = [
        Binding("ctrl+q", "quit", N_("participant.keys.quit"), priority=True),
        Binding("ctrl+p", "command_palette", N_("participant.keys.palette"), show=False, priority=True),
    ]

    def __init__(
        self,
        url: str,
        *,
        code: str | None = None,
        name: str | None = None,
        org: str | None = None,
        resume_file: Path | None = None,
        fresh: bool = False,
        forget: bool = False,
        lang: str = "nb",
        theme: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        follow_session: bool = False,
    ) -> None:
        super().__init__(None, lang=lang, theme=theme, follow_session=follow_session)
        self.url = url
        self.code = code or ""
        self.person_name = name or ""
        self.org = org or ""
        self.resume_file = resume_file
        self.fresh = fresh or forget
        self.forget = forget  # keep the resume secret in memory only
        self.ssl_context = ssl_context
        self.drafts = Drafts()  # unsaved texts; kept on disk once we know the session
        self._welcomed = False  # the first welcome says who we go on as
        self.session_screen = SessionScreen()

    # ---- start ----------------------------------------------------------

    def on_mount(self) -> None:
        super().on_mount()
        self.push_screen(self.session_screen)
        if self.code and (self.person_name or self._remembered(self.code)):
            self.connect(self.code, self.person_name, self.org)
        else:
            self.ask()

    def _resume_file(self, code: str) -> Path:
        # Per name: another name from the same account is another person.
        return self.resume_file or resume_path(self.url, code, self.person_name or None)

    def _remembered(self, code: str) -> bool:
        """Has this terminal joined this session before (and may resume)?"""
        if self.fresh:
            return False
        try:
            return len(self._resume_file(code).read_text(encoding="ascii").strip()) >= 22
        except (OSError, UnicodeDecodeError):
            return False

    def connect(self, code: str, name: str, org: str) -> None:
        self.code, self.person_name, self.org = code, name, org
        if not self.forget:  # the drafts belong to the participant the resume file remembers
            self.drafts = Drafts(drafts_path(self._resume_file(code)))
            if self.fresh:
                self.drafts.clear()
        client = SessionClient(
            self.url,
            role="participant",
            code=code,
            resume=new_resume_secret() if self.forget else resume_secret(self._resume_file(code), fresh=self.fresh),
            name=name,
            org=org,
            ssl_context=self.ssl_context,
        )
        client.listeners.append(self._on_hello_news)
        self.attach(client)

    def ask(self, error: str = "", field: str = "") -> None:
        """Show the join form (again), with the reason when there is one."""
        if isinstance(self.screen, JoinScreen):
            self.screen.show_error(error, field)
            return
        self.push_screen(JoinScreen(code=self.code, name=self.person_name, org=self.org, error=error, field=field))

    # ---- the join form and the server's answers -------------------------

    @on(JoinScreen.Submitted)
    async def _join_submitted(self, message: JoinScreen.Submitted) -> None:
        client = self.client
        alive = client is not None and client.refused is None and client.status != Status.CLOSED
        if client is not None and alive and _same_code(message.code, client.code):
            self.person_name, self.org = message.name, message.org
            client.retry_hello(message.name, message.org)
            return
        if client is not None:
            client.listeners.clear()
            await client.close()
        self.connect(message.code, message.name, message.org)

    def _on_hello_news(self, note: Notification) -> None:
        if isinstance(note, HelloRefused):
            error, field = hello_problem(note.code, note.message)
            self.call_later(self.ask, error, field)
        elif isinstance(note, Welcomed) and not self._welcomed:
            self._welcomed = True
            self.call_later(self._say_who, note.welcome.resumed, note.welcome.participant)
        elif isinstance(note, StatusChanged) and note.status == Status.ONLINE:
            self.fresh = False  # joined: from now on this is the remembered participant
            if not self.forget and not self.resume_file and self.person_name and self.client is not None:
                # The last one who joined from here, for a relaunch without --name.
                keep(resume_path(self.url, self.code), self.client.resume or "")
            if isinstance(self.screen, JoinScreen):
                self.call_later(self.pop_screen)

    def _say_who(self, resumed: bool, pid: str | None) -> None:
        """A relaunch goes on as the person this terminal was: say who that is."""
        state = self.state
        if not resumed or state is None or pid not in state.participants:
            return
        person = state.participants[pid]
        name = person.name or t("participant.join.anonymous")
        said = t("participant.join.continuing_org", name=name, org=person.org) if person.org else None
        self.notify(said or t("participant.join.continuing", name=name), timeout=8, markup=False)

    def refused(self, refused: Refused) -> None:
        if refused.code in ASK_AGAIN:
            error, field = hello_problem(refused.code, refused.message)
            self.call_later(self.ask, error, field)
            return
        message = i18n.rejection(refused.code, refused.message)
        if t(f"participant.refused.{refused.code}") != f"participant.refused.{refused.code}":
            message = t(f"participant.refused.{refused.code}")
        self.call_later(self.switch_to_refused, message)

    def switch_to_refused(self, message: str) -> None:
        if isinstance(self.screen, RefusedScreen):
            return
        self.push_screen(RefusedScreen(message))

    def connection_trouble(self, trouble: str) -> None:
        # Said where the person looks: the wait for the session, the join form
        # (and, once in the session, a toast).
        if self.state is not None or not trouble:
            super().connection_trouble(trouble)
        with contextlib.suppress(NoMatches):
            self.session_screen.query_one(WaitingView).show_trouble(trouble)
        if isinstance(self.screen, JoinScreen):
            self.screen.show_trouble(trouble)

    async def rebuild_screens(self) -> None:
        # At the first snapshot: the session screen made anew in the session's language.
        if self.screen is self.session_screen:
            await self.pop_screen()  # gone before its successor (same id) comes
            self.session_screen = SessionScreen()
            await self.push_screen(self.session_screen)

    def shows(self, event: Event) -> bool:
        # Someone else coming in changes nothing a participant sees (a name
        # shows only beside what its person writes), and in a room of 300
        # every seat would redraw for each of the 299 others' joins.
        if isinstance(event, ParticipantJoined):
            me = self.client.participant if self.client is not None else None
            return me is None or event.participant == me
        return True

    # ---- the rest goes to the session screen ----------------------------

    def tick(self) -> None:
        self.session_screen.tick()
        self.drafts.flush()
        self._say_unsaved()

    def _say_unsaved(self) -> None:
        # Only when it changes: the host warns before a phase change while
        # someone has unsaved text. Asked once a second and after each change
        # of the mirror (a save's own event), so a save is told at once.
        client = self.client
        if client is not None:
            client.say_unsaved(self.has_unsaved_text())

    def has_unsaved_text(self) -> bool:
        """Text typed and not saved in the phase on screen: a card or note being
        written, a shared text changed. (What waits in the view of another
        phase cannot be saved now: a phase change would not strand it.)"""
        return self.session_screen.is_attached and self.session_screen.has_unsaved_text()

    # News is posted to whichever screen is on top (a dialog, the join
    # form); the session screen below must follow along all the same.

    def _below(self) -> bool:
        return self.screen is not self.session_screen and self.session_screen.is_attached

    def on_mirror_changed(self, message: MirrorChanged) -> None:
        if self._below():
            self.session_screen.post_message(MirrorChanged(message.kinds))
        self.call_after_refresh(self._say_unsaved)

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        if self._below():
            self.session_screen.post_message(ConnectionChanged(message.status, message.pending))

    async def action_quit(self) -> None:
        client = self.client
        asked = isinstance(self.screen, ConfirmScreen)  # a second Ctrl+Q means it
        if client is not None and client.unanswered and client.status != Status.CLOSED and not asked:

            async def answered(yes: bool | None) -> None:
                if yes:
                    await SessionApp.action_quit(self)

            self.push_screen(ConfirmScreen(t("participant.quit_pending", n=client.unanswered)), answered)
            return
        self.drafts.flush()
        await super().action_quit()

    def on_unmount(self) -> None:
        self.drafts.flush()  # however the app ends (hang-up included)
