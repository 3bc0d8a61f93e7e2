"""The report as CSV tables: cards, votes, islands, action plans, answers, notes.

UTF-8 with a byte order mark, so Excel and LibreOffice show æ, ø and å; a
header row with stable, English column names; one file per table, or all of
them in one zip.

Every text cell that a spreadsheet would read as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, OWASP's list) gets a
leading apostrophe: Excel and LibreOffice then show it as text and hide the
apostrophe, so a card ``=HYPERLINK(…)`` stays a card. Numbers are left as
numbers.
"""

from __future__ import annotations

import csv
import io
import zipfile

from kompsesjon.method.state import PLAN_FIELDS

from .report import Report

# What a spreadsheet reads as the start of a formula (or of a DDE command).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(cell: object) -> object:
    """A text cell that cannot run as a formula; anything else as it is."""
    if isinstance(cell, str) and cell.lstrip(" \n").startswith(FORMULA_START):
        return "'" + cell
    return cell


COLUMNS: dict[str, list[str]] = {
    "items": ["board", "card_id", "text", "author", "theme_id", "theme_title", "withdrawn"],
    "votes": ["board", "list", "rank", "unit", "title", "dots", "voters", "tie_break", "on_list"],
    "islands": ["island_id", "title", "linked", "members", "member_count"],
    "action_plans": ["island_id", "island_title", *PLAN_FIELDS],
    "answers": [
        "phase",
        "phase_title",
        "kind",
        "question_no",
        "sub",
        "question",
        "group",
        "group_label",
        "members",
        "answer",
    ],
    "notes": ["kind", "text", "author"],
}


def flag(value: bool) -> int:
    """A yes/no column: 1 or 0, the same in every language (a spreadsheet sums it)."""
    return 1 if value else 0


def tables(report: Report) -> dict[str, list[list[object]]]:
    """Each table's rows (without the header)."""
    items, votes = [], []
    for board in report.boards:
        titles = {t.id: t.title for t in board.themes}
        for card in board.cards:
            items.append(
                [
                    board.id,
                    card.id,
                    card.text,
                    card.author or "",
                    card.theme or "",
                    titles.get(card.theme or "", ""),
                    flag(card.withdrawn),
                ]
            )
        for r in board.ranking:
            votes.append(
                [
                    board.id,
                    board.list_name,
                    r.rank,
                    r.unit,
                    r.title,
                    r.dots,
                    r.voters,
                    r.tie_break or "",
                    flag(r.on_list),
                ]
            )
    islands = [
        [i.id, i.title, "; ".join(link.title for link in i.links), "; ".join(m.name for m in i.members), len(i.members)]
        for i in report.islands
    ]
    plans = [[i.id, i.title, *(getattr(i.plan, f) for f in PLAN_FIELDS)] for i in report.islands]
    answers = []
    for rnd in report.rounds:
        for g in rnd.groups:
            members = "; ".join(m.name for m in g.members)
            for n, (q, text) in enumerate(zip(rnd.questions, g.answers, strict=False), start=1):
                answers.append([rnd.phase, rnd.title, rnd.kind, n, "", q.text, g.group, g.label, members, text])
                subs = g.sub_answers[n - 1] if n - 1 < len(g.sub_answers) else []
                for m, (sub, sub_text) in enumerate(zip(q.sub, subs, strict=False), start=1):
                    answers.append([rnd.phase, rnd.title, rnd.kind, n, m, sub, g.group, g.label, members, sub_text])
    notes = [["check_in", n.text, n.author or ""] for n in report.check_ins]
    notes += [["check_out", n.text, n.author or ""] for n in report.check_outs]
    notes += [["next_step", s, ""] for s in report.next_steps]
    if report.next_meeting:
        notes.append(["next_meeting", report.next_meeting, ""])
    return {
        "items": items,
        "votes": votes,
        "islands": islands,
        "action_plans": plans,
        "answers": answers,
        "notes": notes,
    }


def render_csv(report: Report) -> dict[str, bytes]:
    """File name -> contents (UTF-8 with BOM)."""
    return csv_files(tables(report), COLUMNS)


def csv_files(rows_of: dict[str, list[list[object]]], columns: dict[str, list[str]]) -> dict[str, bytes]:
    """Tables as CSV files: a header row, every cell formula-safe, UTF-8 with BOM."""
    files = {}
    for name, rows in rows_of.items():
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns[name])
        writer.writerows([formula_safe(cell) for cell in row] for row in rows)
        files[f"{name}.csv"] = buffer.getvalue().encode("utf-8-sig")
    return files


def zip_of(files: dict[str, bytes]) -> bytes:
    """Files (name -> contents) in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def render_zip(report: Report) -> bytes:
    return zip_of(render_csv(report))
