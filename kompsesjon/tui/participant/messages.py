"""Messages that widgets send upward to the session screen."""

from __future__ import annotations

from typing import Any, Protocol

from textual.message import Message

from kompsesjon.client import Outcome


class Answered(Protocol):
    def command_answered(self, command: Any, outcome: Outcome) -> None: ...


class Propose(Message):
    """A widget wants a command sent to the session.

    ``reply_to`` (usually the sender) gets ``command_answered(command,
    outcome)`` when the server answers. ``quiet`` rejections are not shown as
    a notification: the widget handles them itself.
    """

    def __init__(self, command: Any, *, reply_to: Answered | None = None, quiet: bool = False) -> None:
        super().__init__()
        self.command = command
        self.reply_to = reply_to
        self.quiet = quiet
