"""The facilitator's peek: what participants may not see yet (private cards,
a hidden tally) shows only while the facilitator asks, under a banner saying
so, and hides again by itself — the host view is what the room sees."""

from __future__ import annotations

from textual.timer import Timer

PEEK_SECONDS = 15.0


class Peeking:
    """Mixed into a :class:`PhaseView`: ``peeking``, and the ``peek`` action (a
    toggle that ends by itself) for the view's ``l`` binding;
    :meth:`peek_changed` redraws what it hides."""

    peeking: bool = False
    _peek_timer: Timer | None = None

    def action_peek(self) -> None:
        if self.peeking:
            self.stop_peek()
            return
        self.peeking = True
        self._peek_timer = self.set_timer(PEEK_SECONDS, self.stop_peek)  # type: ignore[attr-defined]
        self.peek_changed()

    def stop_peek(self) -> None:
        was, self.peeking = self.peeking, False
        if self._peek_timer is not None:
            self._peek_timer.stop()
            self._peek_timer = None
        if was and self.is_mounted:  # type: ignore[attr-defined]
            self.peek_changed()

    def peek_changed(self) -> None:
        """Draw again what the peek shows or hides (override)."""
