"""Unsaved text, kept until it is saved: across phases and relaunches.

A participant who writes half an answer and then sees the phase change (or
closes the laptop, or loses the terminal) must find the text again. Every
shared text editor keeps what it has not saved here, keyed by what it edits
(``("answer", phase, question, sub, group)``, ``("plan", island, field)``),
with the version it was started from. The file sits next to the resume
secret (same participant, same session) and is written at most once a
second; with ``--forget`` nothing is written.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

DraftKey = tuple[str | int | None, ...]


@dataclass(frozen=True)
class Draft:
    text: str
    base: int  # the version the text was started from


class Drafts:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._drafts: dict[DraftKey, Draft] = {}
        self._dirty = False
        if path is not None:
            self._read(path)

    def _read(self, path: Path) -> None:
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # none yet, or unreadable: start empty (never fail to join)
        if not isinstance(rows, list):
            return
        for row in rows:
            with contextlib.suppress(KeyError, TypeError, ValueError):
                self._drafts[tuple(row["key"])] = Draft(str(row["text"]), int(row["base"]))

    def get(self, key: DraftKey) -> Draft | None:
        return self._drafts.get(key)

    def put(self, key: DraftKey, text: str, base: int) -> None:
        draft = Draft(text, base)
        if self._drafts.get(key) != draft:
            self._drafts[key] = draft
            self._dirty = True

    def drop(self, key: DraftKey) -> None:
        if self._drafts.pop(key, None) is not None:
            self._dirty = True

    def clear(self) -> None:
        self._dirty = bool(self._drafts) or self._dirty
        self._drafts.clear()

    def __len__(self) -> int:
        return len(self._drafts)

    def flush(self) -> None:
        """Write the drafts if they changed (atomically, readable only by the user)."""
        if not self._dirty or self.path is None:
            self._dirty = False
            return
        rows = [{"key": list(k), "text": d.text, "base": d.base} for k, d in self._drafts.items()]
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(rows, handle, ensure_ascii=False)
            os.replace(tmp, self.path)
        except OSError:
            return  # not fatal: the text is still in the editor; try again later
        self._dirty = False


def drafts_path(resume_file: Path) -> Path:
    """Where the drafts of the participant remembered in ``resume_file`` go."""
    return resume_file.with_name(resume_file.stem + ".drafts.json")
