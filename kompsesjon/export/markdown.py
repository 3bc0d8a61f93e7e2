"""The report as Markdown (CommonMark), ready to paste or attach.

User text is escaped so that nothing a participant wrote becomes a heading,
a link, emphasis, a table or raw HTML.
"""

from __future__ import annotations

import re

from .document import (
    Bars,
    Block,
    Contents,
    Field,
    Form,
    Heading,
    ItemList,
    ListItem,
    Para,
    Ranking,
    Run,
    Table,
    build_document,
    build_extract,
)
from .report import Report

# Characters that start emphasis, code, links, images, raw HTML, tables or
# strike-through. With [ ] and < escaped, ( ) and ! can no longer form a link
# or an image, so they stay as they are.
_INLINE = re.compile(r"([\\`*_\[\]<>|~#])")  # "#" also ends an ATX heading
_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&amp;" would be read as "&"
# At the start of a line: headings, quotes, lists, thematic breaks.
_LINE_START = re.compile(r"^([ \t]*)(>|[-+=](?=\s|$|[-=]*[ \t]*$)|\d+(?=[.)](?:\s|$)))", re.MULTILINE)
# Indentation: after a blank line, four spaces or a tab start a code block. A
# paragraph drops a line's leading whitespace anyway, so it is dropped here.
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def escape(text: str, *, line_start: bool = True) -> str:
    """User text as literal Markdown text.

    ``line_start``: the text begins a line (so "1. " or "# " would matter).
    """
    text = _ENTITY.sub(r"\\&", _INLINE.sub(r"\\\1", text.replace("\r", "")))
    if line_start:
        return _LINE_START.sub(_escape_marker, _INDENT.sub("", text))
    head, newline, rest = text.partition("\n")
    return head + newline + _LINE_START.sub(_escape_marker, _INDENT.sub("", rest)) if newline else head


def _escape_marker(match: re.Match) -> str:
    indent, marker = match.group(1), match.group(2)
    if marker[0].isdigit():  # "1." / "1)": escape the dot, not the number
        return f"{indent}{marker}\\"
    return f"{indent}\\{marker}"


def _runs(runs: list[Run]) -> str:
    out = []
    for n, run in enumerate(runs):
        text = escape(run.text, line_start=n == 0)
        core = text.strip()
        if core and (run.strong or run.muted):
            # Emphasis markers must touch the text; spaces stay outside them.
            mark = "**" if run.strong else "*"
            lead = text[: len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()) :]
            text = f"{lead}{mark}{core}{mark}{trail}"
        out.append(text)
    return "".join(out).replace("\n", "  \n")


def _list(items: list[ListItem], ordered: bool, indent: str = "") -> list[str]:
    lines = []
    for n, item in enumerate(items, start=1):
        marker = f"{n}." if ordered else "-"
        lines.append(f"{indent}{marker} {_runs(item.runs)}".replace("  \n", "  \n" + indent + "   "))
        if item.children:
            lines.extend(_list(item.children, False, indent + " " * (len(marker) + 1)))
    return lines


def _field(block: Field) -> str:
    body = escape(block.text).replace("\n", "  \n") if block.text.strip() else f"*{escape(block.empty)}*"
    return f"**{escape(block.label)}**  \n{body}"


def _cell(text: str) -> str:
    # A table row is one line: a newline in a cell becomes a space.
    return escape(" ".join(text.split()), line_start=False) or " "


def _table(header: list[str], rows: list[list[str]], total: list[str] | None = None) -> str:
    """A GitHub-style pipe table (Markdown readers, pandoc and GitHub show it)."""
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    if total:
        lines.append("| " + " | ".join(f"**{_cell(c)}**" if c.strip() else " " for c in total) + " |")
    return "\n".join(lines)


def _block(block: Block) -> str | None:
    if isinstance(block, Heading):
        return "#" * block.level + " " + escape(block.text).replace("\n", " ")
    if isinstance(block, Para):
        return _runs(block.runs)
    if isinstance(block, ItemList):
        return "\n".join(_list(block.items, block.ordered))
    if isinstance(block, Ranking):
        lines = []
        for e in block.entries:
            detail = f"{e.detail} · {e.note}" if e.note else e.detail
            lines.append(f"{e.rank}. **{escape(e.title, line_start=False)}** — {escape(detail, line_start=False)}")
            lines.extend(_list(e.cards, False, "   "))
        return "\n".join(lines)
    if isinstance(block, Field):
        return _field(block)
    if isinstance(block, Form):
        return "\n\n".join(_field(f) for f in block.fields)
    if isinstance(block, Table):
        return _table(block.header, block.rows, block.total)
    if isinstance(block, Bars):
        most = max((n for _, n in block.rows), default=0) or 1
        return _table([*block.head, ""], [[label, str(n), "█" * round(10 * n / most)] for label, n in block.rows])
    if isinstance(block, Contents):
        return None  # a Markdown reader makes its own outline from the headings
    raise TypeError(block)  # pragma: no cover


def _render(blocks: list[Block]) -> str:
    return "\n\n".join(text for b in blocks if (text := _block(b)) is not None) + "\n"


def render_markdown(report: Report) -> str:
    return _render(build_document(report))


def render_markdown_extract(report: Report, org: str) -> str:
    return _render(build_extract(report, org))
