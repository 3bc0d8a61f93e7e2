"""What is always on the host view: join code, timer, title, agenda, status."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from kompsesjon.client import Status
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.tui.host.queries import online_count
from kompsesjon.tui.host.rows import Palette, Row, Rows
from kompsesjon.tui.text import clock, phase_title, plain, safe
from kompsesjon.tui.widgets.bigtext import BigText
from kompsesjon.tui.widgets.qr import QRCode
from kompsesjon.tui.widgets.status import BigTimer, ConnectionStatus, timer_classes, timer_left


class Texty(Static):
    """A Static that is only updated when its text really changes."""

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(plain(text), markup=False, **kwargs)
        self._shown: object = text

    def show(self, text: str | Text) -> None:
        key = text.plain + repr(text.spans) if isinstance(text, Text) else text
        if key != self._shown:
            self._shown = key
            self.update(text if isinstance(text, Text) else plain(text))


class SessionHeader(Horizontal):
    """Join code (big) with the page's QR code, session title, phase and question, timer (big)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="code-box"):
            yield Label(t("host.header.code"), id="code-label")
            yield BigText("", id="join-code")
            yield Texty(id="join-address")
        yield QRCode(id="join-qr")
        with Vertical(id="title-box"):
            with Horizontal(id="title-row"):
                yield Texty(id="code-inline")  # the join code on one line (small terminals)
                yield Texty(id="session-title")
            yield Texty(id="phase-title")
            yield Texty(id="question")
            yield Texty(id="join-line")  # how to join, in full: late-comers read it off the wall
        with Vertical(id="timer-box"):
            yield BigTimer("--:--", id="timer")
            yield Texty(id="timer-note")

    def show_page(self, address: str, shown: bool) -> None:
        """The web page's address with the code in it: as a QR code, and readable."""
        self.query_one(QRCode).show(address)
        self.query_one("#join-address", Texty).show(_readable(address))
        self.set_class(shown and bool(address), "-qr")

    def show_join(self, page: str, url: str, code: str | None) -> None:
        """The web page's address and the terminal command, with the code
        (beside the QR code, which has the page's address under it: the command)."""
        line = self.query_one("#join-line", Texty)
        if not code or not url:
            line.show("")
        elif self.has_class("-qr"):
            line.show(t("host.header.join_command", url=url, code=code))
        else:
            line.show(t("host.header.join_line", page=_readable(page), url=url, code=code))

    def show_state(self, state: State, code: str | None) -> None:
        # A closed session's code admits nobody: say so where people look for it.
        self.query_one("#code-label", Label).update(t("host.header.closed") if state.closed else t("host.header.code"))
        self.set_class(state.closed, "-closed")
        self.query_one("#join-code", BigText).update(code or "")
        inline = t("host.header.code_inline", code=code) if code else ""
        self.query_one("#code-inline", Texty).show(t("host.header.closed") if state.closed else inline)
        self.query_one("#session-title", Texty).show(state.title)
        phase = state.current
        minutes = t("host.agenda.minutes", n=phase.minutes) if phase.minutes else ""
        where = t("host.header.phase_of", n=state.phase + 1, total=len(state.agenda))
        self.query_one("#phase-title", Texty).show(
            f"{where}  {phase_title(state)}" + (f"  ({minutes})" if minutes else "")
        )
        self.query_one("#question", Texty).show(state.question)

    def show_timer(self, state: State | None, now: float) -> None:
        left = timer_left(state, now)
        kind = timer_classes(left)
        paused = state is not None and state.timer.paused
        box_minutes = state.current.minutes if state is not None and left is None else 0
        shown = (kind, paused, box_minutes, None if left is None else clock(left))
        if shown == self._timer_shown:
            return  # called on every refresh; restyling is not free
        self._timer_shown = shown
        timer = self.query_one("#timer", BigTimer)
        timer.show(state, now)
        if box_minutes:
            timer.update(clock(box_minutes * 60))  # the time box, not yet started
        box = self.query_one("#timer-box")
        for name in ("-none", "-over", "-one", "-five", "-ok"):
            box.set_class(name == kind, name)
        box.set_class(paused, "-paused")
        if paused:
            note = t("timer.paused")
        else:
            note = {"-over": t("timer.over"), "-one": t("timer.one_left"), "-five": t("timer.five_left")}.get(kind, "")
            if box_minutes:
                note = t("host.timer.box")
        self.query_one("#timer-note", Texty).show(note)

    _timer_shown: tuple = ()


def _readable(address: str) -> str:
    """A page address in small letters but for the code (QR codes want capitals)."""
    scheme, _, rest = address.partition("://")
    host, _, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}/{path}" if rest else address


class AgendaView(Rows):
    """The agenda, current phase marked, with time boxes."""

    def __init__(self, **kwargs) -> None:
        super().__init__(interactive=False, **kwargs)

    def show_state(self, state: State) -> None:
        rows = []
        for n, phase in enumerate(state.agenda):
            title = phase_title(state, n)
            where = "now" if n == state.phase else "done" if n < state.phase else "later"
            minutes = phase.minutes
            rows.append(Row(f"phase-{n}", (title, where, minutes), _agenda_row(n, title, where, minutes)))
        self.set_rows(rows)


def _agenda_row(n: int, title: str, where: str, minutes: int):
    def make(p: Palette, width: int) -> Text:
        marker = {"now": "▶", "done": "✓", "later": " "}[where]
        style: Style | str = p.accent if where == "now" else p.muted if where == "done" else ""
        box = t("host.agenda.minutes", n=minutes) if minutes else ""
        text = Text(f"{marker}{n + 1:>3}. ", style=style)
        room = max(4, width - text.cell_len - len(box) - 1)
        name = Text(safe(title), style=style)
        name.truncate(room, overflow="ellipsis")
        text.append_text(name)
        text.append(" " * max(1, width - text.cell_len - len(box)))
        text.append(box, style=p.muted if where != "now" else style)
        return text

    return make


class StatusLine(Horizontal):
    """Connection, how many are here, what comes next, and the role."""

    def compose(self) -> ComposeResult:
        yield ConnectionStatus(id="connection")
        yield Texty(id="people")
        yield Texty(id="next-phase")
        yield Texty(id="role-note")

    def show_connection(self, status: Status, pending: int) -> None:
        widget = self.query_one(ConnectionStatus)
        widget.status = status
        widget.pending = pending

    def show_state(self, state: State, presence: dict[str, bool] | None, facilitator: bool, unsaved: int = 0) -> None:
        total = sum(1 for p in state.participants.values() if not p.removed)
        if facilitator and presence is not None:
            people = t("host.status.people_online", n=total, online=online_count(state, presence))
        else:
            people = t("host.status.people", n=total)
        if unsaved:
            people += "  · " + t("host.status.unsaved", n=unsaved)
        if state.closed:
            people += "  · " + t("host.status.closed")
        self.query_one("#people", Texty).show(people)
        if state.phase + 1 < len(state.agenda):
            nxt = state.agenda[state.phase + 1]
            text = t("host.status.next", title=phase_title(state, state.phase + 1))
            if nxt.minutes:
                text += f" ({t('host.agenda.minutes', n=nxt.minutes)})"
            if facilitator:
                text += "  [n]"
        else:
            text = t("host.status.last")
        self.query_one("#next-phase", Texty).show(text)
        self.query_one("#role-note", Texty).show("" if facilitator else t("host.status.screen"))
