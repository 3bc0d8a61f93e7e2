"""Messages that widgets send upward to the host screen."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class Propose(Message):
    """A view wants a command sent to the session (the screen sends it).

    ``reply_to`` gets ``command_answered(command, outcome)`` when the server
    answers; ``quiet`` rejections are left to it instead of a notification.
    """

    def __init__(self, command: Any, *, reply_to: Any = None, quiet: bool = False) -> None:
        super().__init__()
        self.command = command
        self.reply_to = reply_to
        self.quiet = quiet
