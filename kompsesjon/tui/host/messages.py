"""Messages that widgets send upward to the host screen."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class Propose(Message):
    """A view wants a command sent to the session (the screen sends it)."""

    def __init__(self, command: Any) -> None:
        super().__init__()
        self.command = command
