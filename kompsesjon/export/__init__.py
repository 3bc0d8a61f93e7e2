"""Export a stored session as a report: Markdown, CSV, JSON or HTML.

Offline: reads the database file, folds the log with the engine's ``evolve``,
builds one :class:`~.report.Report` and renders it. In anonymous sessions no
author appears in any format.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from .html import render_html
from .markdown import render_markdown
from .report import Report, build_report
from .stored import ExportError, find_session, list_sessions, load_state
from .tables import render_csv, render_zip

FORMATS = ("md", "csv", "json", "html")


def load_report(db: str | Path, ref: str | None) -> Report:
    stored = find_session(db, ref)
    state = load_state(db, stored.id)
    return build_report(state, code=stored.code, exported_at=time.time())


def render(report: Report, fmt: str) -> str | bytes:
    """The report in a format; CSV comes as a zip of the tables."""
    if fmt == "json":
        return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "csv":
        return render_zip(report)
    raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


@dataclass(frozen=True)
class Written:
    paths: list[Path]


def write_export(report: Report, fmt: str, output: str | None) -> Written | str:
    """Write to ``output`` (a file, or for CSV a folder or a .zip); without an
    output the text formats are returned for standard output and CSV goes to
    ``kompsesjon-<code>.zip`` in the current folder."""
    if fmt == "csv":
        if output and not output.endswith(".zip"):
            folder = Path(output)
            folder.mkdir(parents=True, exist_ok=True)
            paths = []
            for name, data in render_csv(report).items():
                (folder / name).write_bytes(data)
                paths.append(folder / name)
            return Written(paths)
        target = Path(output or f"kompsesjon-{report.session.code or report.session.id}.zip")
        target.write_bytes(render_zip(report))
        return Written([target])
    text = render(report, fmt)
    assert isinstance(text, str)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        return Written([Path(output)])
    return text


def export_session(db: str | Path, ref: str | None, fmt: str) -> str | bytes:
    return render(load_report(db, ref), fmt)


__all__ = [
    "FORMATS",
    "ExportError",
    "Report",
    "build_report",
    "export_session",
    "list_sessions",
    "load_report",
    "render",
    "write_export",
]
