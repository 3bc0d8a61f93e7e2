"""The Word report, opened and walked with python-docx and converted by LibreOffice.

python-docx reads what Word reads: the styles of the paragraphs (headings
for the navigation pane and the table of contents), the tables and their
shaded bar cells, the language, the parts of the package. LibreOffice
(headless, Debian's ``libreoffice-writer-nogui``) converts every template's
report to PDF, and ``pdftoppm`` renders the first page; where LibreOffice is
not installed those tests are skipped with the reason printed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from docx.oxml.ns import qn

from kompsesjon.export import render, render_extracts
from kompsesjon.export.report import Report, build_report
from kompsesjon.export.word import BAR_CELLS, TBL_PR, TC_PR
from kompsesjon.templates import builtin_names

from .sessions import HOSTILE, NOW, SEVEN_PARTS, future_workshop, run_template
from .word_reader import open_docx, texts


def report(**kwargs) -> Report:
    return build_report(future_workshop(**kwargs).state, code="K7PQ2M", exported_at=NOW + 3600)


def docx_of(r: Report) -> bytes:
    data = render(r, "docx")
    assert isinstance(data, bytes)
    return data


def headings(doc) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]


def test_headings_are_real_heading_styles_for_the_navigation_pane_and_contents():
    doc = open_docx(docx_of(report()))
    found = headings(doc)
    assert found[0] == ("Title", "Samarbeid i Salten <script>a")
    level_one = [text for style, text in found if style == "Heading 1"]
    assert level_one == [
        "Formål og oppsummering",
        "Deltakere",
        "Innsjekk – forhåpninger for dagen",
        "Bunnliste",
        "Toppliste",
        "Øyer og handlingsplaner",
        "Grupperunder",  # the reflection on the bottom list in small groups
        "Veien videre",
        "Utsjekk",
        "Evaluering",
    ]
    assert ("Heading 2", "Utenfor lista") in found and ("Heading 2", "Øy 1: Tid til læring") in found
    # Heading styles carry an outline level: that is what Word's navigation pane shows.
    for name in ("Heading 1", "Heading 2"):
        assert doc.styles[name].element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}") is not None, name

    # The table of contents is a TOC field whose lines link to bookmarks on the headings.
    body = doc.element.body
    instructions = "".join(i.text for i in body.iter(qn("w:instrText")))
    assert 'TOC \\o "1-2"' in instructions
    bookmarks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    anchors = [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink"))]
    assert len(anchors) == len(set(anchors)) >= len(level_one) and set(anchors) <= bookmarks
    kinds = [c.get(qn("w:fldCharType")) for c in body.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]


def test_lists_plans_and_attendance_are_tables_and_votes_are_bars():
    doc = open_docx(docx_of(report()))
    tables = doc.tables
    cells = [[c.text for c in row.cells] for row in tables[0].rows]
    assert cells[0] == ["Organisasjon", "Antall", "Navn"]
    assert cells[1] == ["Bodø", "2", "Kari [red]Nordmann[/], Åse"]  # «bodø » is Bodø too
    assert cells[-1][:2] == ["Til sammen", "5"]

    bottom = tables[1]
    first = bottom.rows[1]._tr.findall(qn("w:tc"))
    fills = [tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}") for tc in first[2 : 2 + BAR_CELLS]]
    shaded = sum(1 for f in fills if f is not None and f.get(qn("w:fill")) == "1D5C96")
    assert shaded == BAR_CELLS  # «Tid», 3 dots: the longest bar
    second = bottom.rows[3]._tr.findall(qn("w:tc"))
    fills = [tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}") for tc in second[2 : 2 + BAR_CELLS]]
    assert sum(1 for f in fills if f is not None) == round(BAR_CELLS * 2 / 3)  # 2 of 3 dots
    assert "– Lite tid til samarbeid" in bottom.rows[2].cells[1].text

    plan = next(t for t in tables if t.rows[0].cells[0].text == "HVA?")
    assert [r.cells[0].text for r in plan.rows] == ["HVA?", "HVORDAN?", "HVEM?", "FØRSTE STEG?", "NÅR?"]
    assert plan.rows[0].cells[1].text == "Månedlige fagdager\nmed *deling*"
    assert plan.rows[1].cells[1].text == "(ikke besvart)"

    everything = "\n".join(texts(docx_of(report())))
    assert HOSTILE in everything  # user text is text, never markup
    assert "Roller" in everything and "Hvem gjør hva?" in everything  # no dots, still there
    assert "Skrevet feil" not in everything  # withdrawn by its writer


def test_the_session_language_is_on_every_style_and_in_the_properties():
    for lang, tag, heading in (
        ("nb", "nb-NO", "Bunnliste"),
        ("sv", "sv-SE", "Bottenlista"),
        ("en", "en-GB", "Bottom list"),
    ):
        doc = open_docx(docx_of(report(lang=lang)))
        lang_el = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
        assert lang_el.get(qn("w:val")) == tag
        assert doc.core_properties.language == tag
        assert ("Heading 1", heading) in headings(doc)


def test_a_plain_docx_without_macros_that_is_the_same_every_time():
    data = docx_of(report())
    assert data == docx_of(report())  # reproducible: one report, one file
    package = zipfile.ZipFile(BytesIO(data))
    names = package.namelist()
    assert not any("vba" in n.lower() or n.endswith(".bin") for n in names)
    types = package.read("[Content_Types].xml").decode()
    assert "wordprocessingml.document.main+xml" in types and "macroEnabled" not in types
    assert package.testzip() is None


def test_properties_added_by_hand_are_in_the_order_word_requires():
    """Word reports a damaged file when table or cell properties are out of
    the schema's order; LibreOffice would not notice, so check it here."""
    for r in (report(), build_report(run_template("fylkessamling").state)):
        body = open_docx(docx_of(r)).element.body
        for tag, order in (("w:tblPr", TBL_PR), ("w:tcPr", TC_PR)):
            for props in body.iter(qn(tag)):
                seen = [child.tag.rsplit("}", 1)[1] for child in props]
                assert seen == sorted(seen, key=order.index), (tag, seen)


def test_the_municipal_extract_has_the_seven_part_plan_with_empty_parts_marked():
    county = build_report(run_template("fylkessamling").state, code="FYLKE1")
    files = render_extracts(county, "docx")
    doc = open_docx(files["Bodø.docx"])
    assert ("Title", "Samarbeid i Salten <script>a – Bodø") in headings(doc)
    assert ("Heading 1", "Kommunens plan – Bodø") in headings(doc)
    plan = next(t for t in doc.tables if t.rows[0].cells[0].text == SEVEN_PARTS[0])
    assert [r.cells[0].text for r in plan.rows] == SEVEN_PARTS
    answers = [r.cells[1].text for r in plan.rows]
    assert answers[:6] == [f"Svar G3/{n}" for n in range(1, 7)]
    assert answers[6] == "(ikke fylt ut)"  # the part the group left empty
    # Another municipality's plan is not in Bodø's extract.
    everything = "\n".join(texts(files["Bodø.docx"]))
    assert "Svar G4/1" not in everything and "Svar G3/1" in everything
    fauske = "\n".join(texts(files["Fauske.docx"]))
    assert "Svar G4/7" in fauske and "Svar G3/1" not in fauske


# ---- LibreOffice ---------------------------------------------------------------------


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        reason = "LibreOffice is not installed (Debian: apt-get install libreoffice-writer-nogui; .ci/run does it)"
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    return found


def convert(program: str, docx: Path, folder: Path) -> Path:
    profile = folder / "lo-profile"  # its own profile: no clash with another LibreOffice
    result = subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(docx),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = folder / (docx.stem + ".pdf")
    assert result.returncode == 0 and pdf.exists(), (result.stdout, result.stderr)
    assert "Error" not in result.stderr, result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    return pdf


def pdf_text(pdf: Path) -> str:
    program = shutil.which("pdftotext")
    if not program:
        pytest.skip("pdftotext is not installed (Debian: poppler-utils)")
    out = subprocess.run([program, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())  # lines wrapped inside table cells join again


def test_libreoffice_converts_every_templates_report_and_an_extract(tmp_path):
    program = soffice()
    documents = {"framtidsverksted": docx_of(report())}
    for name in builtin_names():
        if name != "framtidsverksted":
            documents[name] = docx_of(build_report(run_template(name).state, code="TMPL01", exported_at=NOW))
    county = build_report(run_template("fylkessamling").state, code="FYLKE1", exported_at=NOW)
    documents["fylkessamling-Bodø"] = render_extracts(county, "docx")["Bodø.docx"]
    for name, data in documents.items():
        path = tmp_path / f"{name}.docx"
        path.write_bytes(data)
    for name in documents:
        text = pdf_text(convert(program, tmp_path / f"{name}.docx", tmp_path))
        assert "Samarbeid i Salten <script>a" in text, name
        assert "Laget med kompsesjon" in text, name
    bodo = pdf_text(tmp_path / "fylkessamling-Bodø.pdf")
    for part in SEVEN_PARTS:
        assert part in bodo
    assert "Bunnliste" in pdf_text(tmp_path / "framtidsverksted.pdf")


def test_the_first_page_renders_to_an_image(tmp_path):
    """pdftoppm draws the first page; set KOMPSESJON_PAGE_DIR to keep the PNG and look at it."""
    program = soffice()
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is not installed (Debian: poppler-utils)")
    docx = tmp_path / "rapport.docx"
    docx.write_bytes(docx_of(report()))
    pdf = convert(program, docx, tmp_path)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "side")], check=True)
    (page,) = tmp_path.glob("side*.png")
    assert page.read_bytes().startswith(b"\x89PNG") and page.stat().st_size > 10_000
    keep = os.environ.get("KOMPSESJON_PAGE_DIR")
    if keep:
        shutil.copy(page, Path(keep) / "rapport-side-1.png")


def test_bars_compare_across_the_list_and_the_rest_below_it():
    """A theme below the cut with 2 dots gets 2/3 of the winner's bar, not a full one."""
    from kompsesjon.method import commands as c

    s = future_workshop()
    s.host(c.ChangeRules, list_cut=1)
    r = build_report(s.state, code="K7PQ2M")
    doc = open_docx(docx_of(r))
    below = doc.tables[2]  # attendance, the bottom list (1 theme), the rest of it
    assert below.rows[1].cells[1].text.startswith("<script>")
    cells = below.rows[1]._tr.findall(qn("w:tc"))[2 : 2 + BAR_CELLS]
    shaded = sum(1 for tc in cells if tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}") is not None)
    assert shaded == round(BAR_CELLS * 2 / 3)
    rankings = "".join(re.findall(r'<table class="ranking">.*?</table>', render(r, "html")))
    assert rankings.count('style="width:100%"') == 2  # the winner of each board, nothing below the cut
    assert rankings.count('style="width:67%"') == 2  # 2 of 3 dots, on the list or below it
