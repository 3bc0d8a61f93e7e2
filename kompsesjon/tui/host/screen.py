"""The host screen: header, agenda, the current phase's view, status, footer.

It owns no session logic: it reads the mirror when :class:`MirrorChanged`
arrives, hands it down to the widgets (each redraws only what the new events
touch), swaps the phase view when the phase changes, and sends the commands
that views propose. Every facilitator control is a binding here or on the
phase view; on a screen (``role="screen"``) none of them is available.
"""

from __future__ import annotations

import re

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal
from textual.screen import Screen
from textual.widgets import Footer

from kompsesjon.client import new_id
from kompsesjon.i18n import t, tn
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.base import ConnectionChanged, MirrorChanged
from kompsesjon.tui.host.header import AgendaView, SessionHeader, StatusLine
from kompsesjon.tui.host.keys import control
from kompsesjon.tui.host.modals import Confirm, TextPrompt
from kompsesjon.tui.host.report_texts import Draft, ReportTextsScreen
from kompsesjon.tui.host.views import PhaseView, view_for
from kompsesjon.tui.host.views.base import ALWAYS, PEOPLE
from kompsesjon.tui.keys import Translated, declared_bindings
from kompsesjon.tui.messages import Propose, send_proposal
from kompsesjon.tui.modals import Picker

EVERYTHING = frozenset({"snapshot"})
NARROW = 110  # columns: below this the agenda folds away (toggle with "a")
THEME_CYCLE = ("projector", "kompsesjon-dark", "kompsesjon-light")


def parse_minutes(text: str) -> int | None:
    """``"15"`` → 900, ``"2:30"`` → 150, ``"0"`` → 0; None if not a time."""
    text = text.strip().replace(",", ".")
    match = re.fullmatch(r"(\d{1,3})(?::(\d{1,2}))?", text)
    if match:
        return int(match.group(1)) * 60 + int(match.group(2) or 0)
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value * 60) if 0 <= value <= 720 else None


class HostScreen(Translated, Screen):
    BINDINGS = [
        control("n", "next_phase", "host.key.next_phase"),
        control("b", "step_back", "host.key.step_back"),
        control("t", "start_timer", "host.key.start_timer"),
        control("T", "set_timer", "host.key.set_timer", show=False),
        control("plus,equals_sign", "extend(60)", "host.key.plus_minute", key_display="+"),
        control("minus", "extend(-60)", "host.key.minus_minute", key_display="-"),
        control("p", "pause_resume", "host.key.pause"),
        control("X", "remove_participant", "host.key.remove_participant", show=False),
        control("o", "report_texts", "host.key.report_texts", show=False),
        control("L", "close_session", "host.key.close_session", show=False),
        Binding("a", "toggle_agenda", "host.key.agenda", show=False),
        Binding("j", "toggle_qr", "host.key.qr", show=False),
        Binding("ctrl+t", "cycle_theme", "host.key.theme", show=False),
    ]
    PUBLIC_ACTIONS = frozenset({"toggle_agenda", "cycle_theme", "toggle_qr"})

    def __init__(self, *, facilitator: bool) -> None:
        super().__init__(classes="-facilitator" if facilitator else "-screen")
        self.facilitator = facilitator
        self.view: PhaseView | None = None
        self.refreshes = 0  # how many MirrorChanged were drawn (benchmarks)
        self.report_drafts: dict[str, Draft] = {}  # unsaved report texts, kept between openings
        self.qr_shown: bool | None = None  # None: while people join (the intro); else as toggled

    def compose(self) -> ComposeResult:
        yield SessionHeader(id="header")
        with Horizontal(id="main"):
            yield AgendaView(id="agenda")
            yield Container(id="body")
        yield StatusLine(id="statusline")
        yield Footer()

    def on_mount(self) -> None:
        self._fit(self.size.width)
        self.draw(EVERYTHING)
        client = getattr(self.app, "client", None)
        if client is not None:
            self.query_one(StatusLine).show_connection(client.status, client.unanswered)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        self.set_class(width < NARROW, "-narrow")
        if self.state is not None and self._composed():
            self._show_page(self.state)

    @property
    def active_bindings(self):
        # The footer lists the focused view's keys before the screen's; on a
        # small terminal it cuts the last ones. The key to go on comes first.
        bindings = super().active_bindings
        first = {key: b for key, b in bindings.items() if b.binding.action == "next_phase"}
        return first | {key: b for key, b in bindings.items() if key not in first}

    # ---- news -------------------------------------------------------------

    @property
    def state(self) -> State | None:
        return self.app.state  # type: ignore[attr-defined]

    def on_mirror_changed(self, message: MirrorChanged) -> None:
        self.draw(message.kinds)

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self.query_one(StatusLine).show_connection(message.status, message.pending)

    def on_screen_resume(self) -> None:
        # News that came while a dialog or the command palette was open.
        self.draw(EVERYTHING)
        # The phase may have changed meanwhile: the focused widget is gone.
        view = self.view
        if view is not None and view.is_mounted:
            focused = self.focused
            if focused is None or (focused is not view and view not in focused.ancestors):
                view.focus_default()

    def draw(self, kinds: frozenset[str]) -> None:
        state = self.state
        if state is None or not self._composed():
            return
        self.refreshes += 1
        everything = bool(kinds & ALWAYS)
        header = self.query_one(SessionHeader)
        header.show_state(state, self.app.join_code)  # type: ignore[attr-defined]
        self._show_page(state)
        if everything:
            self.query_one(AgendaView).show_state(state)
        if everything or kinds & (PEOPLE | {"presence"}):
            presence = self.app.client.presence if self.app.client is not None else None  # type: ignore[attr-defined]
            unsaved = self._unsaved(state) if self.facilitator else 0
            self.query_one(StatusLine).show_state(state, presence, self.facilitator, unsaved)
        self.tick()
        view = self.view
        if view is None or view.phase != state.phase or type(view) is not view_for(state.current.kind):
            self._swap(state)
        elif view.is_mounted:
            view.show(state, kinds)
        self._refresh_bindings_if_changed()

    def _show_page(self, state: State) -> None:
        # By itself only where there is room for it (17 lines); "j" shows it anywhere.
        shown = self.qr_shown
        if shown is None:
            shown = state.current.kind == PhaseKind.INTRO and not self.has_class("-narrow") and self.size.height >= 36
        header = self.query_one(SessionHeader)
        header.show_page(self.app.page_address, shown)  # type: ignore[attr-defined]
        header.show_join(self.app.page_address, self.app.join_url, self.app.join_code)  # type: ignore[attr-defined]

    def action_toggle_qr(self) -> None:
        """Show or hide the QR code of the web page (it is shown by itself in the intro)."""
        state = self.state
        if state is None:
            return
        self.qr_shown = not self.query_one(SessionHeader).has_class("-qr")
        self._show_page(state)

    def _refresh_bindings_if_changed(self) -> None:
        # The footer rebuilds itself on every refresh_bindings(); only ask when
        # what is available really changed (not 20 times a second).
        nodes = [n for n in (self.view, self) if n is not None and n.is_mounted]
        signature = tuple(
            (id(node), b.action, node.check_action(b.action.split("(")[0], ()))
            for node in nodes
            for b in declared_bindings(node)
        )
        if signature != getattr(self, "_binding_signature", None):
            self._binding_signature = signature
            self.refresh_bindings()

    def _swap(self, state: State) -> None:
        old = self.view
        view = view_for(state.current.kind)(facilitator=self.facilitator, phase=state.phase)
        self.view = view
        if old is not None:
            old.remove()
        self.query_one("#body").mount(view)
        view.state = state

    @on(PhaseView.Ready)
    def _view_ready(self, event: PhaseView.Ready) -> None:
        view = event.view
        if view is self.view and self.state is not None:
            view.show(self.state, EVERYTHING)
            if self.app.screen is self:
                view.focus_default()
            self._refresh_bindings_if_changed()

    def _composed(self) -> bool:
        # False while the app shuts down (children already gone, timers not).
        return bool(self.query(SessionHeader))

    def tick(self) -> None:
        if not self._composed():
            return
        state = self.state
        client = self.app.client  # type: ignore[attr-defined]
        now = client.server_now() if client is not None else 0.0
        self.query_one(SessionHeader).show_timer(state, now)
        if self.view is not None and self.view.is_mounted:
            self.view.tick(now)
            if self.focused is None and self.app.screen is self:
                # Swapping views can leave nothing focused (Textual drops the
                # focus of a widget not laid out yet): the phase's keys must work.
                self.view.focus_default()

    # ---- upward ------------------------------------------------------------

    @on(Propose)
    def _propose(self, message: Propose) -> None:
        message.stop()
        if self.facilitator:  # a screen only shows
            send_proposal(self.app, message)

    def propose(self, command) -> None:
        self.post_message(Propose(command))

    # ---- actions -------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.PUBLIC_ACTIONS:
            return True
        if action in self._controls:
            if not self.facilitator:
                return False
            state = self.state
            if state is None:
                return True
            timer = state.timer.running or state.timer.paused
            if action == "step_back":
                return state.phase > 0
            if action == "next_phase":
                return state.phase + 1 < len(state.agenda)
            if action == "extend":
                return timer
            if action == "pause_resume":
                return timer
            if action == "start_timer":
                return not timer
        return True

    @property
    def _controls(self) -> set[str]:
        return {b.action.split("(")[0] for b in declared_bindings(self)}

    def action_next_phase(self) -> None:
        state = self.state
        if state is None:
            return
        command = c.AdvancePhase(id=new_id(), current=state.phase)
        waiting = self._unsaved(state)
        if not waiting:
            self.propose(command)
            return
        # Their text is kept on their side (drafts), but they should know.
        question = tn("host.people.unsaved_confirm", waiting)
        self.app.push_screen(Confirm(question), lambda yes: self.propose(command) if yes else None)

    def _unsaved(self, state: State) -> int:
        """How many people still in the session have text typed but not saved."""
        client = self.app.client  # type: ignore[attr-defined]
        if client is None:
            return 0
        return sum(1 for pid in client.unsaved if pid in state.participants and not state.participants[pid].removed)

    def action_close_session(self) -> None:
        """Close the session to newcomers (or open it again), after a yes."""
        state = self.state
        if state is None:
            return
        command: c.CloseSession | c.ReopenSession
        if state.closed:
            question, command = t("host.people.reopen_confirm"), c.ReopenSession(id=new_id())
        else:
            question, command = t("host.people.close_confirm"), c.CloseSession(id=new_id())
        self.app.push_screen(Confirm(question), lambda yes: self.propose(command) if yes else None)

    def action_step_back(self) -> None:
        if self.state is not None:
            self.propose(c.StepBack(id=new_id(), current=self.state.phase))

    def action_start_timer(self) -> None:
        state = self.state
        if state is None:
            return
        if state.current.minutes:
            self.propose(c.SetTimer(id=new_id(), seconds=state.current.minutes * 60))
        else:
            self.action_set_timer()

    def action_set_timer(self) -> None:
        state = self.state
        if state is None:
            return

        def answered(text: str | None) -> None:
            if text is None or not text.strip():
                return
            seconds = parse_minutes(text)
            if seconds is None:
                self.app.notify(t("host.timer.bad_minutes"), severity="warning", markup=False)
            elif seconds == 0:
                self.propose(c.ClearTimer(id=new_id()))
            else:
                self.propose(c.SetTimer(id=new_id(), seconds=seconds))

        value = str(state.current.minutes) if state.current.minutes else ""
        self.app.push_screen(TextPrompt(t("host.timer.prompt"), value=value, hint=t("host.timer.hint")), answered)

    def action_extend(self, seconds: int) -> None:
        state = self.state
        if state is None:
            return
        if state.timer.running or state.timer.paused:
            self.propose(c.ExtendTimer(id=new_id(), seconds=seconds))
        elif seconds > 0:
            self.propose(c.SetTimer(id=new_id(), seconds=seconds))

    def action_pause_resume(self) -> None:
        state = self.state
        if state is None:
            return
        if state.timer.running:
            self.propose(c.PauseTimer(id=new_id()))
        elif state.timer.paused:
            self.propose(c.ResumeTimer(id=new_id()))
        else:
            self.action_start_timer()

    def action_remove_participant(self) -> None:
        state = self.state
        if state is None:
            return
        people = [
            (p.id, f"{p.name or '#' + p.id}" + (f" ({p.org})" if p.org else ""))
            for p in state.participants.values()
            if not p.removed
        ]
        if not people:
            self.app.notify(t("host.people.none"), markup=False)
            return
        names = dict(people)

        def picked(pid: str | None) -> None:
            if pid is None:
                return
            self.app.push_screen(
                Confirm(t("host.people.remove_confirm", name=names[pid])),
                lambda yes: self.propose(c.RemoveParticipant(id=new_id(), participant=pid)) if yes else None,
            )

        self.app.push_screen(Picker(t("host.people.remove_title"), people), picked)

    def action_report_texts(self) -> None:
        """Write the report's purpose, background, summary and decisions."""
        state = self.state
        if state is None:
            return

        def closed(drafts: dict[str, Draft] | None) -> None:
            self.report_drafts = drafts or {}
            if self.report_drafts:
                self.app.notify(t("host.report.drafts_kept"), markup=False)

        first = next(iter(self.report_drafts), "summary")
        self.app.push_screen(ReportTextsScreen(state, self.report_drafts, first=first), closed)

    def action_toggle_agenda(self) -> None:
        if self.has_class("-narrow"):
            self.toggle_class("-agenda-open")
        else:
            self.toggle_class("-agenda-closed")

    def action_cycle_theme(self) -> None:
        current = self.app.theme
        order = [name for name in THEME_CYCLE if name in self.app.available_themes]
        if not order:
            return
        nxt = order[(order.index(current) + 1) % len(order)] if current in order else order[0]
        self.app.theme = nxt
