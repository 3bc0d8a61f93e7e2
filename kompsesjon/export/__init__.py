"""Export a stored session as a report: JSON (and more formats to come).

Offline: reads the database file, folds the log, renders the report.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .report import build_report
from .stored import ExportError, find_session, list_sessions, load_state

FORMATS = ("json",)


def export_session(db: str | Path, ref: str | None, fmt: str) -> str:
    stored = find_session(db, ref)
    state = load_state(db, stored.id)
    report = build_report(state, code=stored.code, exported_at=time.time())
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "ExportError", "build_report", "export_session", "list_sessions"]
