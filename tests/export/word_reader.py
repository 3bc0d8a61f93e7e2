"""Reading a .docx back with python-docx, the way Word would lay it out.

``outline`` gives a text picture of the document (paragraph styles, tables
with their cells, shaded bar cells as ▇) that golden files compare and a
person can read; ``texts`` gives every paragraph's text, in tables too.
"""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

BAR = "1D5C96"


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def _cell_text(tc) -> str:
    paragraphs = [Paragraph(p, None).text for p in tc.iter(qn("w:p"))]
    return " / ".join(p for p in paragraphs if p)


def _shaded(tc) -> bool:
    shading = tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
    return shading is not None and shading.get(qn("w:fill")) == BAR


def _row(tr) -> str:
    """Cells as text; a run of empty cells (a vote bar) as ▇ (shaded) and · (not)."""
    cells: list[str] = []
    bar = ""
    for tc in tr.findall(qn("w:tc")):
        text = _cell_text(tc)
        if not text and tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}") is None:
            bar += "▇" if _shaded(tc) else "·"
            continue
        if bar:
            cells.append(bar if len(bar) > 1 else "")
            bar = ""
        cells.append(text)
    if bar:
        cells.append(bar if len(bar) > 1 else "")
    return "| " + " | ".join(cells) + " |"


def outline(data: bytes) -> str:
    """The document as text: one line per paragraph (with its style) or table row."""
    doc = open_docx(data)
    lines = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, doc)
            text = paragraph.text
            anchors = [h.get(qn("w:anchor")) for h in child.iter(qn("w:hyperlink"))]
            if anchors:
                text += f"  → {anchors[0]}"
            if text or paragraph.style.name != "Normal":
                lines.append(f"[{paragraph.style.name}] {text}")
        elif child.tag == qn("w:tbl"):
            table = Table(child, doc)
            lines.append(f"[table {len(table.rows)}×{len(table.columns)}]")
            lines.extend(_row(tr) for tr in child.findall(qn("w:tr")))
    footer = doc.sections[0].footer.paragraphs[0].text
    lines.append(f"[footer] {footer}")
    return "\n".join(lines) + "\n"


def texts(data: bytes) -> list[str]:
    """The text of every paragraph, in the body and in table cells."""
    doc = open_docx(data)
    return [Paragraph(p, doc).text for p in doc.element.body.iter(qn("w:p"))]
