"""The series export (``kompsesjon export --series CODE``): every gathering
of a series and each action's history across them, in every format.

A series is found from any of its sessions: the latest session in the
database that follows it (directly or through others) carries the whole
record, so the export is built from that one session's state — the same
:func:`~kompsesjon.method.review.carry_over` a next session would start from.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from kompsesjon.method.review import carry_over
from kompsesjon.method.series import NOTE_FIELDS
from kompsesjon.method.state import PLAN_FIELDS
from kompsesjon.method.visibility import FACILITATOR_VIEW, view_state

from .calendar import render_ics
from .document import build_series
from .html import _page
from .markdown import _render
from .report import Report, build_report, series_report
from .stored import ExportError, find_session, list_sessions, load_state
from .tables import csv_files, zip_of
from .word import _write

SERIES_FORMAT = "kompsesjon.series"


def load_series_report(db: str | Path, ref: str | None, *, names: bool = True) -> Report:
    """The report of the latest session of the series ``ref`` is in, with
    the series as it stands after it."""
    stored = find_session(db, ref)
    latest, latest_state = stored, load_state(db, stored.id)
    for other in list_sessions(db):
        if other.id == stored.id or other.created_at < latest.created_at:
            continue
        state = load_state(db, other.id)
        if state.series and any(g.session == latest.id for g in state.series.gatherings):
            latest, latest_state = other, state
    report = build_report(latest_state, code=latest.code, exported_at=time.time(), names=names)
    if report.series is None:  # a first gathering, not yet followed: a series of one
        seen = view_state(latest_state, FACILITATOR_VIEW)
        report.series = series_report(carry_over(seen, latest.code), names=names)
    return report


COLUMNS = {
    "gatherings": ["session", "code", "date", "title", "next_meeting", "next_steps"],
    "actions": ["action_id", "session", "code", "date", "island", "members", "owners", "due", "status", *PLAN_FIELDS],
    "action_history": ["action_id", "island", "session", "code", "date", "status", *NOTE_FIELDS],
}


def _day(epoch: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(epoch))


def series_tables(report: Report) -> dict[str, list[list[object]]]:
    assert report.series is not None
    series = report.series

    def people(listed) -> str:
        return "; ".join(f"{p.name} ({p.org})" if p.org and p.name else p.name or p.org for p in listed)

    return {
        "gatherings": [
            [g.session, g.code, _day(g.date), g.title, g.next_meeting, "; ".join(g.next_steps)]
            for g in series.gatherings
        ],
        "actions": [
            [
                a.id,
                a.session,
                a.code,
                _day(a.date),
                a.island,
                people(a.members),
                people(a.owners),
                a.due,
                a.status or "",
                *(getattr(a.plan, f) for f in PLAN_FIELDS),
            ]
            for a in series.actions
        ],
        "action_history": [
            [a.id, a.island, e.session, e.code, _day(e.date), e.status or "", *(getattr(e, f) for f in NOTE_FIELDS)]
            for a in series.actions
            for e in a.history
        ],
    }


def render_series_csv(report: Report) -> dict[str, bytes]:
    return csv_files(series_tables(report), COLUMNS)


def render_series(report: Report, fmt: str) -> str | bytes:
    """The series in a format (CSV: a zip of its tables)."""
    if fmt == "json":
        dumped = {
            "format": SERIES_FORMAT,
            "version": report.version,
            "exported_at": report.exported_at,
            "session": report.session.model_dump(mode="json"),
            "series": report.series.model_dump(mode="json") if report.series else None,
        }
        return json.dumps(dumped, ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return _render(build_series(report))
    if fmt == "html":
        return _page(report, build_series(report))
    if fmt == "docx":
        return _write(report, build_series(report))
    if fmt == "csv":
        return zip_of(render_series_csv(report))
    if fmt == "ics":
        return render_ics(report)
    raise ExportError(f"unknown format {fmt!r}")
