"""The report as one self-contained, print-friendly HTML file.

No scripts, no external files: the page can be attached to an e-mail and
printed. Every piece of user text is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from .document import Block, Field, Heading, ItemList, ListItem, Para, Ranking, Run, build_document
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
.cards { margin: .2rem 0 0 1rem; padding: 0; color: var(--muted); font-size: .95em; }
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
    most = max((e.dots for e in block.entries), default=0) or 1
    rows = []
    for e in block.entries:
        width = round(100 * e.dots / most)
        cards = "".join(f"<li>{escape(c)}</li>" for c in e.cards)
        note = f' <span class="muted">· {escape(e.note)}</span>' if e.note else ""
        rows.append(
            f'<tr><td class="rank">{e.rank}.</td>'
            f"<td><strong>{escape(e.title)}</strong>{f'<ul class=cards>{cards}</ul>' if cards else ''}</td>"
            f'<td class="dots"><span class="bar" style="width:{width}%"></span>'
            f"{escape(e.detail)}{note}</td></tr>"
        )
    return f'<table class="ranking">{"".join(rows)}</table>'


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
        text = escape(block.text) if block.text.strip() else f'<span class="muted">{escape(block.empty)}</span>'
        return f'<div class="field"><div class="label">{escape(block.label)}</div><div class="text">{text}</div></div>'
    raise TypeError(block)  # pragma: no cover


def render_html(report: Report) -> str:
    blocks = build_document(report)
    title = next((b.text for b in blocks if isinstance(b, Heading)), "kompsesjon")
    body = "\n".join(_block(b) for b in blocks)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(report.session.lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
