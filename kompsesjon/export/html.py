"""The report as one self-contained, print-friendly HTML file.

No scripts, no external files: the page can be attached to an e-mail and
printed. Every piece of user text is HTML-escaped.
"""

from __future__ import annotations

from html import escape

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

STYLE = """
:root { --ink: #1a1a1a; --muted: #5f6368; --bar: #1d5c96; --line: #d9d9d4; }
* { box-sizing: border-box; }
body { font: 11pt/1.5 "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       max-width: 46rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.8rem; margin: 0 0 .5rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin-top: 1.4rem; }
h4 { font-size: 1rem; margin: 1rem 0 .3rem; }
.muted { color: var(--muted); }
.field { margin: .4rem 0 .8rem; }
.field .label { font-weight: 600; }
.field .text { white-space: pre-wrap; margin-left: 1rem; }
table.ranking { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; }
table.ranking td { padding: .25rem .4rem; vertical-align: top; border-bottom: 1px solid var(--line); }
table.ranking td.rank { width: 2rem; font-weight: 700; }
table.ranking td.dots { width: 40%; }
.bar { background: var(--bar); height: .8rem; display: inline-block; vertical-align: middle; margin-right: .4rem;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.cards { margin: .2rem 0 0 1rem; padding: 0 0 0 .8rem; color: var(--muted); font-size: .95em; }
.cards ul { padding-left: 1rem; }
table.form, table.data { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; }
table.form th, table.form td, table.data th, table.data td { padding: .3rem .5rem; vertical-align: top;
       border: 1px solid var(--line); text-align: left; }
table.form th { width: 28%; background: #f3f3f0; font-weight: 600; }
table.form td { white-space: pre-wrap; }
table.data th { background: #f3f3f0; }
table.data tr.total td { font-weight: 700; }
table.data td.bar { width: 50%; }
@media print {
  body { margin: 0; max-width: none; }
  h2 { break-after: avoid; }
  h3, h4, .field, tr { break-inside: avoid; }
}
"""


def _runs(runs: list[Run]) -> str:
    out = []
    for run in runs:
        text = escape(run.text).replace("\n", "<br>")
        if run.strong:
            text = f"<strong>{text}</strong>"
        elif run.muted:
            text = f'<span class="muted">{text}</span>'
        out.append(text)
    return "".join(out)


def _list(items: list[ListItem], ordered: bool) -> str:
    tag = "ol" if ordered else "ul"
    inner = "".join(f"<li>{_runs(i.runs)}{_list(i.children, False) if i.children else ''}</li>" for i in items)
    return f"<{tag}>{inner}</{tag}>"


def _ranking(block: Ranking) -> str:
    most = block.scale
    rows = []
    for e in block.entries:
        width = round(100 * e.dots / most)
        cards = _list(e.cards, False).removeprefix("<ul>").removesuffix("</ul>") if e.cards else ""
        note = f' <span class="muted">· {escape(e.note)}</span>' if e.note else ""
        rows.append(
            f'<tr><td class="rank">{e.rank}.</td>'
            f"<td><strong>{escape(e.title)}</strong>{f'<ul class=cards>{cards}</ul>' if cards else ''}</td>"
            f'<td class="dots"><span class="bar" style="width:{width}%"></span>'
            f"{escape(e.detail)}{note}</td></tr>"
        )
    return f'<table class="ranking">{"".join(rows)}</table>'


def _text(block: Field) -> str:
    return escape(block.text) if block.text.strip() else f'<span class="muted">{escape(block.empty)}</span>'


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        level = min(block.level, 6)
        return f"<h{level}>{escape(block.text)}</h{level}>"
    if isinstance(block, Para):
        return f"<p>{_runs(block.runs)}</p>"
    if isinstance(block, ItemList):
        return _list(block.items, block.ordered)
    if isinstance(block, Ranking):
        return _ranking(block)
    if isinstance(block, Field):
        return (
            f'<div class="field"><div class="label">{escape(block.label)}</div>'
            f'<div class="text">{_text(block)}</div></div>'
        )
    if isinstance(block, Form):
        rows = "".join(f'<tr><th scope="row">{escape(f.label)}</th><td>{_text(f)}</td></tr>' for f in block.fields)
        return f'<table class="form">{rows}</table>'
    if isinstance(block, Table):
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in block.header)
        rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows)
        if block.total:
            rows += '<tr class="total">' + "".join(f"<td>{escape(c)}</td>" for c in block.total) + "</tr>"
        return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    if isinstance(block, Bars):
        most = max((n for _, n in block.rows), default=0) or 1
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in block.head)
        rows = "".join(
            f"<tr><td>{escape(label)}</td><td>{n}</td>"
            f'<td class="bar"><span class="bar" style="width:{round(100 * n / most)}%"></span></td></tr>'
            for label, n in block.rows
        )
        return f'<table class="data"><thead><tr>{head}<th></th></tr></thead><tbody>{rows}</tbody></table>'
    if isinstance(block, Contents):
        return ""  # a page this short reads without one
    raise TypeError(block)  # pragma: no cover


def _page(report: Report, blocks: list[Block]) -> str:
    title = next((b.text for b in blocks if isinstance(b, Heading)), "kompsesjon")
    body = "\n".join(html for b in blocks if (html := _block(b)))
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(report.session.lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def render_html(report: Report) -> str:
    return _page(report, build_document(report))


def render_html_extract(report: Report, org: str) -> str:
    return _page(report, build_extract(report, org))
