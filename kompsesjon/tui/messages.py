"""Messages that views send up to their screen, and how the screen sends them.

Both apps work the same way: a widget posts :class:`Propose` with a command;
the screen submits it to the session (:func:`send_proposal`) and, when the
widget asked for it, hands the server's answer back to ``reply_to``.
"""

from __future__ import annotations

import asyncio
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


def send_proposal(app: Any, message: Propose) -> asyncio.Future:
    """Submit a proposed command (``app`` is a SessionApp); reply when asked."""
    message.stop()
    future = app.send(message.command, quiet=message.quiet)
    reply_to = message.reply_to
    if reply_to is not None:

        def answered(done: asyncio.Future) -> None:
            if not done.cancelled():
                reply_to.command_answered(message.command, done.result())

        future.add_done_callback(answered)
    return future
