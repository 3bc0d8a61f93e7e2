"""The session screen: header, the current phase's view, footer."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack, suppress

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import BOARD_PHASES, PhaseKind
from kompsesjon.method.group_work import needs_region
from kompsesjon.tui.base import ConnectionChanged, MirrorChanged
from kompsesjon.tui.keys import N_, Translated
from kompsesjon.tui.messages import Propose, send_proposal
from kompsesjon.tui.modals import Picker
from kompsesjon.tui.participant.header import SessionHeader
from kompsesjon.tui.participant.versioned import VersionedEditor
from kompsesjon.tui.participant.views import VIEWS, PhaseView
from kompsesjon.tui.participant.views.other import WaitingView
from kompsesjon.tui.participant.widgets import LineInput
from kompsesjon.tui.text import phase_title

# Seconds a view waits for its fields before it is shown all the same.
MOUNTING_AT_MOST = 10.0

# The inputs whose text is the participant's own writing, lost if not sent.
TYPED_TEXT = frozenset({"card-input", "checkin-input", "checkout-input"})


class SessionScreen(Translated, Screen):
    """Shows the mirror; sends what the views propose."""

    BINDINGS = [Binding("ctrl+f", "region", N_("participant.keys.region"))]

    def __init__(self) -> None:
        super().__init__(id="session")
        self._phase: int | None = None
        self._ready = False  # children composed and mounted
        self._asked_region = False  # asked once at join; Ctrl+F asks again
        self._making: set[str] = set()  # ids of phase views being mounted
        self._settling: set[str] = set()  # ids of views whose fields are being mounted
        self._batches: list[ExitStack] = []  # repaints held while a view's fields are mounted
        self._remade: set[str] = set()  # ids of views whose fields were made anew (the cursor goes back in)

    def compose(self) -> ComposeResult:
        yield SessionHeader(id="header")
        # The phases' views are made when their phase comes (_phase_view):
        # all thirteen at once would be ~170 widgets to build and style before
        # the first frame, most never shown (and the memory of every SSH seat).
        with ContentSwitcher(initial="view-waiting", id="views"):
            yield WaitingView(id="view-waiting")
        yield Footer()

    def on_mount(self) -> None:
        self._ready = True
        self.refresh_view()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    # ---- news from the app (downward) ----------------------------------

    @on(MirrorChanged)
    def _mirror_changed(self, message: MirrorChanged) -> None:
        message.stop()
        self.refresh_view()

    @on(ConnectionChanged)
    def _connection_changed(self, message: ConnectionChanged) -> None:
        message.stop()
        if self._ready and not self._view_coming():
            with suppress(NoMatches):
                self.query_one(SessionHeader).show_connection(message.status, message.pending)

    def _view_coming(self) -> bool:
        """Is the session known but its view not yet on screen? (Then the
        header waits for it: "Connected" and the session appear together.)"""
        client = self.app.client  # type: ignore[attr-defined]
        return bool(self._making) or (client is not None and client.state is not None and self._phase is None)

    def refresh_view(self) -> None:
        if not self._ready:
            return
        with suppress(NoMatches):  # widgets go away while the app shuts down
            self._refresh_view()

    def _refresh_view(self) -> None:
        client = self.app.client  # type: ignore[attr-defined]
        state = client.state if client is not None else None
        me = client.participant if client is not None else None
        header = self.query_one(SessionHeader)
        switcher = self.query_one("#views", ContentSwitcher)
        view = None
        if state is not None:
            phase = state.current
            known = phase.kind in VIEWS and (phase.kind not in BOARD_PHASES or phase.board in state.boards)
            view_id = f"view-{phase.kind.value}" if known else "view-other"
            view = self._phase_view(switcher, view_id, phase.kind if known else None)
            if view is None:
                # Being made: the header waits too, so that the screen
                # changes in one frame (no "Connected" over "Connecting …").
                return
            if view_id in self._settling:
                return  # shown (as it is then) once its fields are there
            view.show(state, me)
            if view.mounting:
                # Its fields are being made (a new round's answers): nothing
                # of it is drawn, nor the header, until they are there.
                self._settle(view)
                return
        header.show(state, me)
        if client is not None:
            header.show_connection(client.status, client.unanswered)
        if state is None or view is None:
            switcher.current = "view-waiting"
            return
        moved = switcher.current != view_id or view_id in self._remade
        self._remade.discard(view_id)
        if switcher.current != view_id:
            switcher.current = view_id
        self._ask_region(state, me)
        if state.phase != self._phase:
            if self._phase is not None:
                # Older messages are about the phase before: do not let a
                # facilitator's quick steps stack up notices over the view.
                self.app.clear_notifications()
                self.notify(t("participant.phase_changed", phase=phase_title(state)), timeout=4, markup=False)
            self._phase = state.phase
            header.reset_timer_warnings()
            moved = True
        if moved:
            # Now, in the step that shows the view, not after the frame that
            # does: keys typed once it is seen must not go to the view before
            # (hidden now) or to nothing.
            with suppress(NoMatches):
                view.focus_default()
        self.tick()

    def _settle(self, view: PhaseView) -> None:
        """Show ``view`` once the widgets its :meth:`show` mounts are there
        (and not a frame before): then with the cursor in its first field."""
        mounting, view.mounting = view.mounting, []
        view_id = view.id or ""
        self._settling.add(view_id)
        self._remade.add(view_id)
        # Repaints wait until then: a view on screen whose answers are made
        # anew would otherwise show the new round without its fields.
        batch = ExitStack()
        batch.enter_context(self.app.batch_update())
        self._batches.append(batch)

        async def mounted() -> None:
            try:
                # (Bounded: a screen never stays frozen; at worst the view
                # comes before its fields, and the cursor follows them.)
                with suppress(TimeoutError):
                    async with asyncio.timeout(MOUNTING_AT_MOST):
                        for awaited in mounting:
                            await awaited
            finally:
                self._settling.discard(view_id)
                try:
                    self.refresh_view()
                finally:
                    batch.close()
                    self._batches.remove(batch)

        self.call_later(mounted)

    def set_focus(self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False) -> None:
        if widget is not None and scroll_visible and not widget.region:
            # Not laid out yet (its view is shown in this very step): the
            # focus now, but scrolling to it only after the frame — now it
            # would go by no geometry and scroll the view's heading away.
            super().set_focus(widget, scroll_visible=False, from_app_focus=from_app_focus)
            self.call_after_refresh(self._scroll_to_focused, widget)
            return
        super().set_focus(widget, scroll_visible=scroll_visible, from_app_focus=from_app_focus)

    def _scroll_to_focused(self, widget: Widget) -> None:
        if self.focused is widget:
            widget.scroll_visible(animate=False)  # only as far as needed: a field in view stays where it is

    def on_unmount(self) -> None:
        # Made anew (the session's language) or closing while a view's fields
        # were mounted: the app's repaints must not stay held.
        for batch in self._batches:
            batch.close()

    def _phase_view(self, switcher: ContentSwitcher, view_id: str, kind: PhaseKind | None) -> PhaseView | None:
        """The view with that id; None while it is being made (the first time its phase comes)."""
        if view_id in self._making:
            return None
        with suppress(NoMatches):
            return switcher.get_child_by_id(view_id, PhaseView)
        view = VIEWS.view_for(kind) if kind is not None else VIEWS.fallback
        assert view is not None
        self._making.add(view_id)
        self.call_later(self._make_view, switcher, view(id=view_id, classes="phase-view"))
        return None

    async def _make_view(self, switcher: ContentSwitcher, view: PhaseView) -> None:
        try:
            await switcher.add_content(view)
        finally:
            self._making.discard(view.id or "")
        # After its widgets' own start-up (a list's first highlight): then as
        # any view that was there all along.
        self.call_after_refresh(self.refresh_view)

    def has_unsaved_text(self) -> bool:
        """Is text typed and not saved in the view on screen (a card or a
        note not yet sent, a shared text changed and not saved)?"""
        # Asked every second: by id (cached), not by a query that matches
        # every widget of every view (the most an idle app spent its CPU on).
        switcher = self.query_one_optional("#views", ContentSwitcher)
        if switcher is None or switcher.current is None:
            return False
        try:
            view = switcher.get_child_by_id(switcher.current)
        except NoMatches:  # the views being mounted (or rebuilt in the session's language): nothing typed yet
            return False
        if any(line.value.strip() for line in view.query(LineInput) if line.id in TYPED_TEXT):
            return True
        for editor in view.query(VersionedEditor):
            with suppress(NoMatches):  # an editor still being mounted has no text yet
                if editor.dirty:
                    return True
        return False

    def tick(self) -> None:
        """Once a second: the timer, and the count of unanswered commands."""
        client = self.app.client  # type: ignore[attr-defined]
        if client is None or not self._ready:
            return
        with suppress(NoMatches):  # widgets go away while the app shuts down
            self._tick(client)

    def _tick(self, client) -> None:
        header = self.query_one(SessionHeader)
        warning = header.tick(client.state, client.server_now())
        header.show_connection(client.status, client.unanswered)
        if warning:
            self.notify(warning, severity="warning", timeout=8, markup=False)
        if self.focused is None and self.app.screen is self:
            # A focused widget that is removed or hidden gives the focus up
            # (to nothing, where no sibling can take it), e.g. a plan's field
            # hidden when its island goes: the keys of the phase must keep
            # working, so put the cursor back.
            switcher = self.query_one("#views", ContentSwitcher)
            view = switcher.get_child_by_id(switcher.current) if switcher.current else None
            if isinstance(view, PhaseView):
                view.focus_default()

    # ---- the region (county), where groups are formed by it -------------

    def _ask_region(self, state, me: str | None) -> None:
        person = state.participants.get(me or "")
        if self._asked_region or person is None or person.region or not needs_region(state):
            return
        self._asked_region = True
        self.call_after_refresh(self.action_region)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "region":
            state = self.app.state  # type: ignore[attr-defined]
            return state is not None and needs_region(state)
        return True

    def action_region(self) -> None:
        client = self.app.client  # type: ignore[attr-defined]
        state = client.state if client is not None else None
        if state is None or client.participant not in state.participants:
            return
        current = state.participants[client.participant].region

        def chosen(region: str | None) -> None:
            if region and region.strip() and region != current:
                self.post_message(Propose(c.SetRegion(id=new_id(), region=region.strip())))

        hint = t("participant.region.hint", current=current) if current else t("participant.region.hint_none")
        choices = [(r, r) for r in state.regions]
        self.app.push_screen(Picker(t("participant.region.title"), choices, hint=hint, free=True), chosen)

    # ---- requests from the views (upward) ------------------------------

    @on(Propose)
    def _propose(self, message: Propose) -> None:
        send_proposal(self.app, message)
