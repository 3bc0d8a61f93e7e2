"""Messages that widgets send upward to the session screen (shared with the
host view: :mod:`kompsesjon.tui.messages`)."""

from kompsesjon.tui.messages import Answered, Propose

__all__ = ["Answered", "Propose"]
