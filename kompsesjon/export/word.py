"""The report as a Word document (.docx), made with python-docx.

What a competence coordinator edits and sends on: real heading styles (so
Word's navigation pane and table of contents work), a table of contents
filled in already, tables for the lists, plans and attendance, the vote bars
as shaded table cells, A4 pages with the session's title and a page number
in the footer, and the session's language on every style (spelling and
hyphenation). No macros: a plain .docx.

User text is only ever put into text runs, never interpreted. The file is
reproducible: the same report gives the same bytes.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph

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

LANG_TAGS = {"nb": "nb-NO", "sv": "sv-SE", "en": "en-GB"}
MUTED = RGBColor(0x5F, 0x63, 0x68)
BAR = "1D5C96"  # the same blue as the HTML report's bars
LIGHT = "F3F3F0"  # label and header cells
LINE = "D9D9D4"
FONT = "Arial"
BAR_CELLS = 10  # a full bar is ten shaded cells
WIDTH = 16.0  # cm of text on an A4 page with 2.5 cm margins
TOC_LEVELS = (2, 3)  # document levels in the table of contents (Heading 1 and 2)

# Characters XML 1.0 cannot hold (the engine refuses them in what people
# type; a title given on the command line is not checked there).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def render_docx(report: Report) -> bytes:
    return _write(report, build_document(report))


def render_docx_extract(report: Report, org: str) -> bytes:
    return _write(report, build_extract(report, org))


# ---- the document ---------------------------------------------------------------


def _write(report: Report, blocks: list[Block]) -> bytes:
    doc = Document()
    _setup(doc, report, next((b.text for b in blocks if isinstance(b, Heading)), "kompsesjon"))
    writer = _Writer(doc, blocks)
    for block in blocks:
        writer.block(block)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _reproducible(buffer.getvalue())


def _setup(doc: DocumentType, report: Report, title: str) -> None:
    session = report.session
    tag = LANG_TAGS.get(session.lang, "nb-NO")
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)

    # The language of every style: on the document defaults, which all inherit.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attribute), tag)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    _font(fonts)
    for style in doc.styles:  # headings and the title name theme fonts: use ours
        found = style.element.find(qn("w:rPr"))
        if found is not None and found.find(qn("w:rFonts")) is not None:
            _font(found.find(qn("w:rFonts")))
    doc.styles["Normal"].font.size = Pt(11)

    props = doc.core_properties
    props.title = _safe(title)
    props.subject = _safe(session.question)
    props.author = props.last_modified_by = "kompsesjon"
    props.language = tag
    props.keywords = props.comments = props.category = ""
    props.revision = 1
    created = datetime.datetime.fromtimestamp(session.created_at, datetime.UTC).replace(microsecond=0, tzinfo=None)
    props.created = created
    props.modified = (
        datetime.datetime.fromtimestamp(report.exported_at, datetime.UTC).replace(microsecond=0, tzinfo=None)
        if report.exported_at
        else created
    )

    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    _run(footer, title + " · ", muted=True, size=9)
    _field(footer, "PAGE", "1", muted=True, size=9)


def _font(fonts) -> None:
    """Arial everywhere: in every Word, and LibreOffice has a metric twin of it."""
    for attribute in list(fonts.attrib):
        if attribute.lower().endswith("theme"):
            del fonts.attrib[attribute]
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)


def _reproducible(data: bytes) -> bytes:
    """The same entries with a fixed date, so one report gives one file."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


# ---- runs and fields --------------------------------------------------------------


def _run(paragraph: Paragraph, text: str, *, strong: bool = False, muted: bool = False, size: float | None = None):
    run = paragraph.add_run(_safe(text))  # "\n" becomes a line break, nothing else is interpreted
    if strong:
        run.bold = True
    if muted:
        run.font.color.rgb = MUTED
    if size:
        run.font.size = Pt(size)
    return run


def _runs(paragraph: Paragraph, runs: list[Run]) -> None:
    for run in runs:
        _run(paragraph, run.text, strong=run.strong, muted=run.muted)


def _field(paragraph: Paragraph, instruction: str, shown: str, **style) -> None:
    """A Word field (PAGE, TOC …) with the text shown until it is updated."""
    for kind in ("begin", "instr", "separate", "text", "end"):
        if kind == "text":
            _run(paragraph, shown, **style)
            continue
        run = _run(paragraph, "", **style)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            run._r.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


# ---- tables ----------------------------------------------------------------------


# The order the OOXML schema gives these properties: Word refuses a file
# whose elements are out of order ("unreadable content"), so every element
# added by hand goes in its place.
TBL_PR = [
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
    "tblCaption",
    "tblDescription",
    "tblPrChange",
]
TC_PR = [
    "cnfStyle",
    "tcW",
    "gridSpan",
    "hMerge",
    "vMerge",
    "tcBorders",
    "shd",
    "noWrap",
    "tcMar",
    "textDirection",
    "tcFitText",
    "vAlign",
    "hideMark",
    "headers",
    "cellIns",
    "cellDel",
    "cellMerge",
    "tcPrChange",
]


def _insert(parent, child, order: list[str]) -> None:
    """Put ``child`` into ``parent`` where the schema's ``order`` wants it."""
    name = child.tag.rsplit("}", 1)[1]
    later = {qn(f"w:{n}") for n in order[order.index(name) + 1 :]}
    for position, sibling in enumerate(parent):
        if sibling.tag in later:
            parent.insert(position, child)
            return
    parent.append(child)


def _shade(cell: _Cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    _insert(cell._tc.get_or_add_tcPr(), shading, TC_PR)


def _borders(table: DocxTable, *, vertical: bool) -> None:
    """Thin grey lines: between rows always, between columns when asked."""
    pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        shown = vertical or edge in ("top", "bottom", "insideH")
        line.set(qn("w:val"), "single" if shown else "nil")
        if shown:
            line.set(qn("w:sz"), "4")
            line.set(qn("w:space"), "0")
            line.set(qn("w:color"), LINE)
        borders.append(line)
    _insert(pr, borders, TBL_PR)


def _table(doc: DocumentType, columns: list[float], *, vertical: bool = True) -> DocxTable:
    table = doc.add_table(rows=0, cols=len(columns))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _borders(table, vertical=vertical)
    for column, width in zip(table.columns, columns, strict=True):
        column.width = Cm(width)  # the grid: what LibreOffice reads
    return table


def _row(table: DocxTable, widths: list[float], *, header: bool = False):
    row = table.add_row()
    for cell, width in zip(row.cells, widths, strict=True):
        cell.width = Cm(width)  # per cell: what Word reads
    if header:
        pr = row._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")  # repeated on every page
        pr.append(repeat)
        for cell in row.cells:
            _shade(cell, LIGHT)
    # A row is not split over two pages.
    pr = row._tr.get_or_add_trPr()
    pr.append(OxmlElement("w:cantSplit"))
    return row


def _cell_text(
    cell: _Cell, text: str, *, strong: bool = False, muted: bool = False, size: float | None = None
) -> Paragraph:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_before = Pt(2)
    paragraph.paragraph_format.space_after = Pt(2)
    _run(paragraph, text, strong=strong, muted=muted, size=size)
    return paragraph


def _keep_with_previous(row) -> None:
    """Keep a row on the page of the next one (a theme with its cards)."""
    for cell in row.cells:
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True


def _no_line_above(row) -> None:
    """A theme's cards belong to its row: no line between them."""
    for cell in row.cells:
        borders = OxmlElement("w:tcBorders")
        top = OxmlElement("w:top")
        top.set(qn("w:val"), "nil")
        borders.append(top)
        _insert(cell._tc.get_or_add_tcPr(), borders, TC_PR)


def _bar(cells: list[_Cell], value: int, most: int) -> None:
    filled = round(BAR_CELLS * value / most) if most else 0
    if value and not filled:
        filled = 1  # a dot is never drawn as nothing
    for cell in cells[:filled]:
        _shade(cell, BAR)


class _Writer:
    def __init__(self, doc: DocumentType, blocks: list[Block]) -> None:
        self.doc = doc
        self.blocks = blocks
        self.bookmarks = 0
        self.toc: list[tuple[int, str, str]] = []  # level, text, bookmark of the headings that follow Contents
        seen_contents = False
        n = 0
        for block in blocks:
            if isinstance(block, Contents):
                seen_contents = True
            elif seen_contents and isinstance(block, Heading) and block.level in TOC_LEVELS:
                n += 1
                self.toc.append((block.level, block.text, f"_Toc{n:04d}"))
        self._next_toc = 0

    def block(self, block: Block) -> None:
        doc = self.doc
        if isinstance(block, Heading):
            self.heading(block)
        elif isinstance(block, Para):
            _runs(doc.add_paragraph(), block.runs)
        elif isinstance(block, ItemList):
            self.items(block.items, ordered=block.ordered)
        elif isinstance(block, Ranking):
            self.ranking(block)
        elif isinstance(block, Field):
            label = doc.add_paragraph()
            label.paragraph_format.keep_with_next = True
            label.paragraph_format.space_after = Pt(0)
            _run(label, block.label, strong=True)
            text = doc.add_paragraph()
            text.paragraph_format.left_indent = Cm(0.5)
            _run(text, block.text if block.text.strip() else block.empty, muted=not block.text.strip())
        elif isinstance(block, Form):
            self.form(block)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Bars):
            self.bars(block)
        elif isinstance(block, Contents):
            self.contents(block)
        else:  # pragma: no cover
            raise TypeError(block)

    # ---- headings and the table of contents -----------------------------------

    def heading(self, block: Heading) -> None:
        text = _safe(block.text.replace("\n", " "))
        if block.level == 1:
            paragraph = self.doc.add_paragraph(style="Title")
            _run(paragraph, text)
            return
        paragraph = self.doc.add_paragraph(style=f"Heading {min(block.level - 1, 9)}")
        if self._next_toc < len(self.toc) and self.toc[self._next_toc][1] == block.text:
            self._bookmark(paragraph, self.toc[self._next_toc][2], text)
            self._next_toc += 1
        else:
            _run(paragraph, text)

    def _bookmark(self, paragraph: Paragraph, name: str, text: str) -> None:
        self.bookmarks += 1
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(self.bookmarks))
        start.set(qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(self.bookmarks))
        paragraph._p.append(start)
        _run(paragraph, text)
        paragraph._p.append(end)

    def contents(self, block: Contents) -> None:
        """A table of contents Word and LibreOffice treat as theirs (update it
        for page numbers); filled in already, each line a link to its heading."""
        if not self.toc:
            return
        title = self.doc.add_paragraph(style="TOC Heading")
        _run(title, block.title)
        for n, (level, text, anchor) in enumerate(self.toc):
            paragraph = self.doc.add_paragraph()
            paragraph.paragraph_format.left_indent = Cm(0.6 * (level - 2))
            paragraph.paragraph_format.space_after = Pt(2)
            if n == 0:
                self._field_char(paragraph, "begin")
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = ' TOC \\o "1-2" \\h \\z \\u '
                run = OxmlElement("w:r")
                run.append(instr)
                paragraph._p.append(run)
                self._field_char(paragraph, "separate")
            link = OxmlElement("w:hyperlink")
            link.set(qn("w:anchor"), anchor)
            link.set(qn("w:history"), "1")
            run = _run(paragraph, _safe(text.replace("\n", " ")))
            paragraph._p.remove(run._r)
            link.append(run._r)
            paragraph._p.append(link)
            if n == len(self.toc) - 1:
                self._field_char(paragraph, "end")

    @staticmethod
    def _field_char(paragraph: Paragraph, kind: str) -> None:
        run = OxmlElement("w:r")
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run.append(char)
        paragraph._p.append(run)

    # ---- lists ------------------------------------------------------------------

    def items(self, items: list[ListItem], *, ordered: bool, depth: int = 1) -> None:
        numbering = self._restart_numbering() if ordered else None
        for item in items:
            if ordered:
                paragraph = self.doc.add_paragraph(style="List Number")
                self._number(paragraph, numbering)
            else:
                paragraph = self.doc.add_paragraph(style="List Bullet" + (f" {min(depth, 3)}" if depth > 1 else ""))
            paragraph.paragraph_format.space_after = Pt(2)
            _runs(paragraph, item.runs)
            if item.children:
                self.items(item.children, ordered=False, depth=depth + 1)

    def _restart_numbering(self) -> int:
        """A new numbering instance of the «List Number» list, starting at 1
        (python-docx would continue one list's numbers in the next)."""
        numbering = self.doc.part.numbering_part.element
        style = self.doc.styles["List Number"].element
        style_num = style.pPr.numPr.numId.val
        abstract = next(
            n.find(qn("w:abstractNumId")).get(qn("w:val"))
            for n in numbering.findall(qn("w:num"))
            if n.numId == style_num
        )
        num_id = max(n.numId for n in numbering.findall(qn("w:num"))) + 1
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(num_id))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), abstract)
        num.append(ref)
        override = OxmlElement("w:lvlOverride")
        override.set(qn("w:ilvl"), "0")
        start = OxmlElement("w:startOverride")
        start.set(qn("w:val"), "1")
        override.append(start)
        num.append(override)
        numbering.append(num)
        return num_id

    @staticmethod
    def _number(paragraph: Paragraph, num_id: int | None) -> None:
        num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = num_id

    # ---- tables -----------------------------------------------------------------

    def ranking(self, block: Ranking) -> None:
        """One row per theme: place, title, the bar (shaded cells) and the count;
        what is inside the theme in a row of its own below, so the bar stays a bar."""
        bar = 0.4
        widths = [1.0, 7.0, *([bar] * BAR_CELLS), WIDTH - 8.0 - bar * BAR_CELLS]
        table = self._bar_table(widths, block.head)
        most = block.scale
        for entry in block.entries:
            row = _row(table, widths)
            cells = row.cells
            _cell_text(cells[0], f"{entry.rank}.", strong=True)
            _cell_text(cells[1], entry.title, strong=True)
            _bar(cells[2 : 2 + BAR_CELLS], entry.dots, most)
            _cell_text(cells[-1], entry.detail, size=10)
            if entry.cards or entry.note:
                below = _row(table, widths)
                _keep_with_previous(row)
                _no_line_above(below)
                inside = below.cells[1].merge(below.cells[-1])
                if entry.note:
                    _cell_text(inside, entry.note, muted=True, size=10)
                self._inside(inside, entry.cards, 0, first=not entry.note)
        self._after_table()

    def _inside(self, cell: _Cell, items: list[ListItem], depth: int, *, first: bool = False) -> None:
        """Cards (and themes with their cards) inside a ranked theme, indented."""
        for item in items:
            paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
            first = False
            paragraph.paragraph_format.left_indent = Cm(0.5 * depth)
            paragraph.paragraph_format.space_after = Pt(1)
            _run(paragraph, "– ", muted=True, size=10)
            for run in item.runs:
                _run(paragraph, run.text, strong=run.strong, muted=not run.strong, size=10)
            self._inside(cell, item.children, depth + 1)

    def form(self, block: Form) -> None:
        widths = [4.5, WIDTH - 4.5]
        table = _table(self.doc, widths)
        for f in block.fields:
            row = _row(table, widths)
            _shade(row.cells[0], LIGHT)
            _cell_text(row.cells[0], f.label, strong=True)
            if f.text.strip():
                _cell_text(row.cells[1], f.text)
            else:
                _cell_text(row.cells[1], f.empty, muted=True).runs[0].italic = True
        self._after_table()

    def table(self, block: Table) -> None:
        columns = len(block.header)
        if columns == 3:
            widths = [4.5, 1.8, WIDTH - 6.3]
        else:
            widths = [WIDTH - 2.0 * (columns - 1), *([2.0] * (columns - 1))]
        table = _table(self.doc, widths)
        head = _row(table, widths, header=True)
        for cell, text in zip(head.cells, block.header, strict=True):
            _cell_text(cell, text, strong=True)
        for values in block.rows:
            row = _row(table, widths)
            for cell, text in zip(row.cells, values, strict=True):
                _cell_text(cell, text)
        if block.total:
            row = _row(table, widths)
            for cell, text in zip(row.cells, block.total, strict=True):
                _cell_text(cell, text, strong=True)
        self._after_table()

    def bars(self, block: Bars) -> None:
        bar = 1.0
        widths = [2.5, 2.0, *([bar] * BAR_CELLS), WIDTH - 4.5 - bar * BAR_CELLS]
        table = self._bar_table(widths, (*block.head, ""))
        most = max((n for _, n in block.rows), default=0)
        for label, n in block.rows:
            row = _row(table, widths)
            _cell_text(row.cells[0], label, strong=True)
            _cell_text(row.cells[1], str(n))
            _bar(row.cells[2 : 2 + BAR_CELLS], n, most)
        self._after_table()

    def _bar_table(self, widths: list[float], head: tuple[str, str, str]) -> DocxTable:
        """Two columns, a bar of ``BAR_CELLS`` cells and one more; the third
        title heads the bar and the last column together."""
        table = _table(self.doc, widths, vertical=False)
        row = _row(table, widths, header=True)
        _cell_text(row.cells[0], head[0], strong=True)
        _cell_text(row.cells[1], head[1], strong=True)
        _cell_text(row.cells[2].merge(row.cells[-1]), head[2], strong=True)
        return table

    def _after_table(self) -> None:
        # Space after a table, and two tables in a row would otherwise merge.
        self.doc.add_paragraph().paragraph_format.space_after = Pt(2)
