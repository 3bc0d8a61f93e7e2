"""Why a command was refused.

A rejection carries a stable machine-readable ``code`` (clients translate it),
an English ``message`` for logs and plain clients, and ``details`` with the
facts a client needs to recover (for example the current text of a plan field
after a stale edit). A rejected command changes nothing.
"""

from __future__ import annotations

from typing import Any


class Rejection(Exception):
    """A command broke a rule or came from the wrong role."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def __repr__(self) -> str:
        return f"Rejection({self.code!r}, {self.message!r})"
