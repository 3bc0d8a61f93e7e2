"""Export a stored session as a report: Markdown, HTML, Word, CSV or JSON.

Offline: reads the database file, folds the log with the engine's ``evolve``,
builds one :class:`~.report.Report` and renders it. In anonymous sessions no
author appears in any format; ``names=False`` (``--no-names``) leaves every
name out of any session's report. ``--per-org`` writes one extract per
organisation (municipality) instead of the whole report.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from .calendar import render_ics
from .html import render_html, render_html_extract
from .markdown import render_markdown, render_markdown_extract
from .report import Report, build_report
from .stored import ExportError, find_session, list_sessions, load_state
from .tables import render_csv, render_zip, zip_of
from .word import render_docx, render_docx_extract

FORMATS = ("md", "html", "docx", "csv", "json", "ics")
EXTRACT_FORMATS = ("md", "html", "docx")


def load_report(db: str | Path, ref: str | None, *, names: bool = True) -> Report:
    stored = find_session(db, ref)
    state = load_state(db, stored.id)
    return build_report(state, code=stored.code, exported_at=time.time(), names=names)


def render(report: Report, fmt: str) -> str | bytes:
    """The report in a format; CSV comes as a zip of the tables, Word as .docx bytes."""
    if fmt == "json":
        # A session that is not in a series has no "series" (the format of version 1 as it was).
        dumped = report.model_dump(mode="json", exclude={"series"} if report.series is None else None)
        return json.dumps(dumped, ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "docx":
        return render_docx(report)
    if fmt == "csv":
        return render_zip(report)
    if fmt == "ics":
        return render_ics(report)
    raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def render_extract(report: Report, org: str, fmt: str) -> str | bytes:
    """One organisation's extract (its plan, answers, follow-up, islands, the common lists)."""
    if fmt == "md":
        return render_markdown_extract(report, org)
    if fmt == "html":
        return render_html_extract(report, org)
    if fmt == "docx":
        return render_docx_extract(report, org)
    raise ExportError(f"--per-org works with {', '.join(EXTRACT_FORMATS)}, not {fmt!r}")


def file_stem(org: str) -> str:
    """A file name for an organisation: its letters (æøå too), digits and dashes."""
    stem = re.sub(r"[^\w]+", "-", org.strip(), flags=re.UNICODE).strip("-_")
    return stem or "org"


def render_extracts(report: Report, fmt: str) -> dict[str, bytes]:
    """File name -> contents, one per organisation that took part."""
    if fmt not in EXTRACT_FORMATS:
        raise ExportError(f"--per-org works with {', '.join(EXTRACT_FORMATS)}, not {fmt!r}")
    orgs = report.organisations()
    if not orgs:
        raise ExportError("nobody in this session gave an organisation: there is nothing to split by")
    files: dict[str, bytes] = {}
    for org in orgs:
        name = file_stem(org)
        while f"{name}.{fmt}" in files:  # two spellings that make one file name
            name += "-2"
        data = render_extract(report, org, fmt)
        files[f"{name}.{fmt}"] = data.encode("utf-8") if isinstance(data, str) else data
    return files


@dataclass(frozen=True)
class Written:
    paths: list[Path]


def _default_name(report: Report, suffix: str) -> Path:
    return Path(f"kompsesjon-{report.session.code or report.session.id}{suffix}")


def _write_files(files: dict[str, bytes], output: str | None, default: Path) -> Written:
    """Into a folder (``output`` not ending in .zip) or one zip."""
    if output and not output.endswith(".zip"):
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in files.items():
            (folder / name).write_bytes(data)
            paths.append(folder / name)
        return Written(paths)
    target = Path(output) if output else default
    target.write_bytes(zip_of(files))
    return Written([target])


def write_export(
    report: Report, fmt: str, output: str | None, *, per_org: bool = False, series: bool = False
) -> Written | str:
    """Write to ``output`` (a file; for CSV and ``per_org`` a folder or a .zip).

    Without an output, Markdown, HTML and JSON are returned for standard
    output; Word goes to ``kompsesjon-<code>.docx``, CSV to
    ``kompsesjon-<code>.zip`` and extracts to ``kompsesjon-<code>-<fmt>.zip``
    in the current folder.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if per_org and series:
        raise ExportError("--per-org and --series do not go together")
    if per_org:
        return _write_files(render_extracts(report, fmt), output, _default_name(report, f"-{fmt}.zip"))
    if series:
        from .series import render_series, render_series_csv

        if fmt == "csv":
            return _write_files(render_series_csv(report), output, _default_name(report, "-series.zip"))
        data = render_series(report, fmt)
        if isinstance(data, bytes):
            target = Path(output) if output else _default_name(report, f"-series.{fmt}")
            target.write_bytes(data)
            return Written([target])
    elif fmt == "csv":
        return _write_files(render_csv(report), output, _default_name(report, ".zip"))
    else:
        data = render(report, fmt)
    if isinstance(data, bytes):
        target = Path(output) if output else _default_name(report, f".{fmt}")
        target.write_bytes(data)
        return Written([target])
    if output:
        Path(output).write_text(data, encoding="utf-8")
        return Written([Path(output)])
    return data


def export_session(db: str | Path, ref: str | None, fmt: str) -> str | bytes:
    return render(load_report(db, ref), fmt)


__all__ = [
    "EXTRACT_FORMATS",
    "FORMATS",
    "ExportError",
    "Report",
    "build_report",
    "export_session",
    "list_sessions",
    "load_report",
    "render",
    "render_extract",
    "render_extracts",
    "write_export",
]
