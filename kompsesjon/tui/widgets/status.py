"""Connection status and the phase timer, shown on every screen."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Digits, Static

from kompsesjon.client import Status
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.tui.text import clock


class ConnectionStatus(Static):
    """ "Connected" / "Disconnected – retrying …", always visible."""

    # layout=True: the text's width changes ("Tilkoblet" → "Frakoblet – prøver igjen …").
    status: reactive[Status] = reactive(Status.CONNECTING, layout=True)
    pending: reactive[int] = reactive(0, layout=True)

    def render(self) -> str:
        text = t(f"status.{self.status.value}")
        if self.pending and self.status != Status.ONLINE:
            text += "  ·  " + t("status.pending", n=self.pending)
        return text

    def watch_status(self, old: Status, new: Status) -> None:
        self.remove_class(f"-{old.value}")
        self.add_class(f"-{new.value}")


TROUBLE_AFTER = 4.0  # seconds of failed attempts before saying what is tried and why it fails


def connection_trouble(client) -> str:
    """The address tried and the likely cause, once (re)connecting has failed
    for a few seconds; "" before that and while connected."""
    failing_for = getattr(client, "failing_for", None)  # a stand-in client (benchmarks, tests) may have none
    failing = failing_for() if failing_for is not None else None
    if failing is None or failing < TROUBLE_AFTER:
        return ""
    cause = t(f"status.cause.{client.problem or 'unreachable'}")
    return t("status.trouble", url=client.url, cause=cause)


def timer_left(state: State | None, now: float) -> float | None:
    """Seconds left on the phase timer, or None when there is none."""
    if state is None:
        return None
    timer = state.timer
    if timer.deadline is not None:
        return timer.deadline - now
    if timer.remaining is not None:
        return timer.remaining
    return None


def timer_classes(left: float | None) -> str:
    if left is None:
        return "-none"
    if left <= 0:
        return "-over"
    if left <= 60:
        return "-one"
    if left <= 300:
        return "-five"
    return "-ok"


class _TimerMixin:
    CLASSES = ("-none", "-over", "-one", "-five", "-ok", "-paused")

    def show(self, state: State | None, now: float) -> None:
        left = timer_left(state, now)
        for name in self.CLASSES:
            self.remove_class(name)  # type: ignore[attr-defined]
        self.add_class(timer_classes(left))  # type: ignore[attr-defined]
        if state is not None and state.timer.paused:
            self.add_class("-paused")  # type: ignore[attr-defined]
        self.set_text(t("timer.none") if left is None else clock(left))

    def set_text(self, text: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class PhaseTimer(_TimerMixin, Static):
    """The time left in the phase, small (participant header)."""

    def set_text(self, text: str) -> None:
        self.update(text)


class BigTimer(_TimerMixin, Digits):
    """The time left in the phase, in big digits (host view)."""

    def set_text(self, text: str) -> None:
        self.update(text)
