"""Messages that widgets send upward to the host screen (shared with the
participant app: :mod:`kompsesjon.tui.messages`)."""

from kompsesjon.tui.messages import Propose

__all__ = ["Propose"]
