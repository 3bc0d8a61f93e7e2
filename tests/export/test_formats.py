"""Every export format, checked against golden files and read back with real parsers.

Golden files are made from stored sessions of every template (see
``sessions.py``): Markdown, HTML, JSON and the Word document's outline
(``*.docx.txt``, read back with python-docx), and for the county gathering
one extract per municipality.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from kompsesjon.export import render, render_extract, render_extracts, write_export
from kompsesjon.export.report import Report, build_report
from kompsesjon.export.stored import ExportError, find_session, load_state
from kompsesjon.export.tables import COLUMNS, render_csv
from kompsesjon.method import commands as c
from kompsesjon.method import dump_state, evolve, participant
from kompsesjon.method.agenda import BoardKind, BoardSpec, Phase, PhaseKind
from kompsesjon.method.events import SessionCreated
from kompsesjon.templates import builtin_names

from .sessions import HOSTILE, NOW, Script, future_workshop, run_template, store
from .word_reader import outline, texts

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"  # regenerate after a deliberate change


def report(anonymous: bool = False) -> Report:
    return build_report(future_workshop(anonymous).state, code="K7PQ2M", exported_at=NOW + 3600)


def golden(name: str, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{name} changed; run with UPDATE_GOLDEN=1 if that was intended"


def text_of(fmt: str, data: str | bytes) -> str | bytes:
    """What a golden file holds: the text, or for Word its outline."""
    if fmt == "docx":
        assert isinstance(data, bytes)
        return outline(data)
    return data


@pytest.mark.parametrize("fmt,suffix", [("md", "md"), ("html", "html"), ("json", "json"), ("docx", "docx.txt")])
def test_golden_files(fmt, suffix):
    golden(f"framtidsverksted.{suffix}", text_of(fmt, render(report(), fmt)))
    golden(f"framtidsverksted-anonymous.{suffix}", text_of(fmt, render(report(anonymous=True), fmt)))
    nameless = build_report(future_workshop().state, code="K7PQ2M", exported_at=NOW + 3600, names=False)
    golden(f"framtidsverksted-no-names.{suffix}", text_of(fmt, render(nameless, fmt)))


def template_report(name: str) -> Report:
    """A template's session as the export reads it: stored in a database file, folded back."""
    script = run_template(name)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "okt.sqlite3"
        asyncio.run(store(script, db, code="TMPL01"))
        state = load_state(db, find_session(db, "TMPL01").id)
    assert dump_state(state) == dump_state(script.state)
    return build_report(state, code="TMPL01", exported_at=NOW + 3600)


@pytest.mark.parametrize("name", [n for n in builtin_names() if n != "framtidsverksted"])
@pytest.mark.parametrize("fmt,suffix", [("md", "md"), ("html", "html"), ("json", "json"), ("docx", "docx.txt")])
def test_golden_files_of_every_template(name, fmt, suffix):
    golden(f"{name}.{suffix}", text_of(fmt, render(template_report(name), fmt)))


@pytest.mark.parametrize("name", [n for n in builtin_names() if n != "framtidsverksted"])
def test_golden_csv_of_every_template(name):
    for table, data in render_csv(template_report(name)).items():
        golden(f"{name}-{table}", data)


@pytest.mark.parametrize("fmt,suffix", [("md", "md"), ("docx", "docx.txt")])
def test_golden_extracts_per_municipality(fmt, suffix):
    county = template_report("fylkessamling")
    files = render_extracts(county, fmt)
    assert sorted(files) == [f"{org}.{fmt}" for org in ("Bodø", "Fauske", "Meløy", "Saltdal")]
    for name, data in files.items():
        golden(
            f"fylkessamling-{name.removesuffix('.' + fmt)}.{suffix}",
            text_of(fmt, data if fmt == "docx" else data.decode()),
        )


def test_golden_csv():
    for name, data in render_csv(report()).items():
        golden(f"framtidsverksted-{name}", data)


def test_csv_yes_no_columns_are_1_or_0():
    # They said True/False: Python's words, in a Norwegian spreadsheet.
    files = render_csv(report())
    for name, column in (("items.csv", "withdrawn"), ("votes.csv", "on_list")):
        rows = list(csv.DictReader(io.StringIO(files[name].decode("utf-8-sig"))))
        assert rows and {row[column] for row in rows} <= {"0", "1"}, name
    assert {row["withdrawn"] for row in csv.DictReader(io.StringIO(files["items.csv"].decode("utf-8-sig")))} == {
        "0",
        "1",
    }


def test_markdown_parses_and_keeps_user_text_literal():
    text = render(report(), "md")
    tokens = MarkdownIt("commonmark").parse(text)
    headings = [tokens[i + 1].content for i, tok in enumerate(tokens) if tok.type == "heading_open"]
    assert headings[0].startswith("Samarbeid i Salten")
    for expected in (
        "Innsjekk – forhåpninger for dagen",
        "Bunnliste",
        "Toppliste",
        "Øyer og handlingsplaner",
        "Veien videre",
        "Utsjekk",
    ):
        assert expected in headings
    # Nothing a participant typed became HTML, a link, a heading or a list.
    assert not any(
        tok.type in ("html_block", "html_inline", "link_open", "image") for tok in tokens if tok.type
    ) and not any(child.type in ("html_inline", "link_open", "image") for tok in tokens for child in tok.children or [])
    rendered = MarkdownIt("commonmark").render(text)
    assert "<script>" not in rendered
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; [bold]fet[/] *stjerne* | rør" in rendered
    assert "1. Mangler felles mål" in rendered  # not turned into a list
    assert "<h1>Samarbeid i Salten &lt;script&gt;" in rendered


def test_markdown_report_has_what_the_municipality_needs():
    text = render(report(), "md")
    for needed in (
        "Hvordan løfter vi kompetansen \\# sammen?",  # the shared question
        "23.11.2026",  # date
        "Deltakere:** 5",  # number of participants
        "Håper på \\*konkrete\\* tiltak",  # check-in
        "1. **Tid** — 3 prikker, 3 stemte",  # bottom list with votes
        "1. **Felles fagdager hver måned** — 3 prikker, 3 stemte",  # top list
        "2. **Delingskultur \\# overalt** — 1 prikk, 1 stemte",  # singular
        "Øy 1: Tid til læring",
        "**HVA?**  \nMånedlige fagdager  \nmed \\*deling\\*",  # full plan, multi-line
        "Kari \\[red\\]Nordmann\\[/\\] (Bodø)",  # members
        "12. mars 2027",  # next meeting
        "Takk for \\<i\\>i dag\\</i\\>",  # check-out
    ):
        assert needed in text, needed


def test_anonymous_exports_no_authors():
    names = ("Kari", "Ola", "Siri", "Per")
    anonymous = report(anonymous=True)
    data = anonymous.model_dump()
    for board in data["boards"]:
        assert all(card["author"] is None for card in board["cards"])
    assert all(n["author"] is None for n in data["check_ins"] + data["check_outs"])
    md = render(anonymous, "md")
    # Names still appear where the method shows them (island members),
    # never as the author of a card, a hope or a word.
    for section in md.split("## ")[1:]:
        if section.startswith(("Innsjekk", "Utsjekk", "Bunnliste", "Toppliste")):
            assert not any(name in section for name in names), section
    items = list(csv.DictReader(io.StringIO(render_csv(anonymous)["items.csv"].decode("utf-8-sig"))))
    assert all(row["author"] == "" for row in items)
    named = list(csv.DictReader(io.StringIO(render_csv(report())["items.csv"].decode("utf-8-sig"))))
    assert {row["author"] for row in named} >= {"Ola", "Siri"}


def test_csv_reads_back_with_bom_headers_and_norwegian_letters():
    files = render_csv(report())
    assert set(files) == {f"{name}.csv" for name in COLUMNS}
    for name, data in files.items():
        assert data.startswith(b"\xef\xbb\xbf"), f"{name} lacks the UTF-8 BOM Excel needs"
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0] == COLUMNS[name.removesuffix(".csv")]
    items = list(csv.DictReader(io.StringIO(files["items.csv"].decode("utf-8-sig"))))
    assert HOSTILE in [row["text"] for row in items], "quotes, commas and pipes survive"
    votes = list(csv.DictReader(io.StringIO(files["votes.csv"].decode("utf-8-sig"))))
    assert votes[0] | {} == votes[0] and votes[0]["title"] == "Tid" and votes[0]["dots"] == "3"
    plans = list(csv.DictReader(io.StringIO(files["action_plans.csv"].decode("utf-8-sig"))))
    assert plans[0]["what"] == "Månedlige fagdager\nmed *deling*"
    archive = zipfile.ZipFile(io.BytesIO(render(report(), "csv")))
    assert sorted(archive.namelist()) == sorted(files)


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.attrs: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_one_self_contained_page_with_literal_user_text():
    page = render(report(), "html")
    parser = _Collect()
    parser.feed(page)
    parser.close()
    assert parser.tags.count("html") == 1 and "style" in parser.tags
    assert "script" not in parser.tags, "user text must not create elements"
    assert not any(name in ("src", "href") for name, _ in parser.attrs), "nothing external"
    text = "".join(parser.text)
    assert HOSTILE in text
    assert "@media print" in page
    assert parser.tags.count("h1") == 1 and "table" in parser.tags


def test_json_is_the_whole_report_and_matches_its_schema():
    data = json.loads(render(report(), "json"))
    again = Report.model_validate(data)
    assert again == report()
    schema = json.loads((Path(__file__).parents[2] / "docs" / "report.schema.json").read_text())
    assert schema == Report.model_json_schema(), "docs/report.schema.json is stale: regenerate it"


def test_dialogue_conference_with_group_rounds():
    dialogue = template_report("dialogkonferanse")
    text = render(dialogue, "md")
    assert "## Grupperunder" in text and "## Del 4: Lokal oppfølging" in text
    assert text.index("## Del 1: I egen enhet") < text.index("## Grupperunder") < text.index("## Del 4")
    assert "referent: Deltaker" in text
    answers = list(csv.DictReader(io.StringIO(render_csv(dialogue)["answers.csv"].decode("utf-8-sig"))))
    assert {row["kind"] for row in answers} == {"group_work", "follow_up"}
    assert any(row["group_label"] == "Bodø" for row in answers)


def test_the_first_section_has_the_facilitators_purpose_summary_and_decisions():
    text = render(report(), "md")
    first = text.split("\n## ")[1]
    assert first.startswith("Formål og oppsummering")
    for needed in (
        "**Formål**  \nSammen finne hva som hindrer oss",  # from the template
        "**Bakgrunn**  \nSalten-kommunene har delt",  # given when the session was made
        "**Oppsummering**  \nVi fant tid som det største hinderet.",
        "**Beslutninger**  \n1\\. Fagdag hver måned fra mars  \n2\\. Rapport til kommunene",
    ):
        assert needed in first, needed


def test_every_card_and_theme_of_both_boards_is_there_with_or_without_dots():
    text = render(report(), "md")
    bottom = text.split("## Bunnliste")[1].split("\n## ")[0]
    assert "### Utenfor lista" in bottom and "**Uten prikker**" in bottom
    assert "- **Roller**\n  - Uklare roller\n  - Hvem gjør hva?" in bottom  # a theme without dots, with its cards
    assert "1 kort ble trukket tilbake" in bottom and "Skrevet feil" not in text
    top = text.split("## Toppliste")[1].split("\n## ")[0]
    assert "- **Infrastruktur for deling**\n  - Åpne nettverk\n  - **Verktøy**\n    - Delt kompetansebank" in top


def test_a_second_board_of_the_same_kind_is_reported_under_its_own_title():
    s = Script()
    s.state = evolve(
        None,
        SessionCreated(
            session="s-two",
            title="To vegger",
            created_at=NOW,
            boards=[
                BoardSpec(id="kritikk", kind=BoardKind.CRITIQUE, prefix="K", title="Hindre i skolen"),
                BoardSpec(id="kritikk2", kind=BoardKind.CRITIQUE, prefix="B", title="Hindre i barnehagen"),
                BoardSpec(id="visjon", kind=BoardKind.VISION, prefix="V"),
            ],
            agenda=[
                Phase(kind=PhaseKind.BRAINSTORM, board="kritikk"),
                Phase(kind=PhaseKind.BRAINSTORM, board="kritikk2"),
                Phase(kind=PhaseKind.BRAINSTORM, board="visjon"),
            ],
        ),
    )
    kari = s.join("Kari", "Bodø")
    for board, text in (("kritikk", "Lite tid i skolen"), ("kritikk2", "Lite tid i barnehagen"), ("visjon", "Tid")):
        s.do(participant(kari), c.AddItem, board=board, text=text)
        if board != "visjon":
            s.advance()
    text = render(build_report(s.state), "md")
    assert "## Hindre i skolen" in text and "## Hindre i barnehagen" in text and "## Toppliste" in text
    assert "Lite tid i barnehagen" in text.split("## Hindre i barnehagen")[1]


def test_attendance_lists_names_by_organisation_and_only_counts_when_anonymous():
    named = report()
    assert [(a.org, a.count, [p.name for p in a.people]) for a in named.attendance] == [
        ("Bodø", 2, ["Kari [red]Nordmann[/]", "Åse"]),
        ("Fauske", 1, ["Ola"]),
        ("Meløy", 1, ["Per"]),
        ("Saltdal", 1, ["Siri"]),
    ]
    anonymous = render(report(anonymous=True), "md")
    table = anonymous.split("## Deltakere")[1].split("\n## ")[0]
    assert "| Organisasjon | Antall |\n" in table and "| Bodø | 2 |" in table
    assert not any(name in table for name in ("Kari", "Ola", "Åse"))
    assert "bare antall per organisasjon" in table


def test_no_names_leaves_every_name_out_of_a_named_session():
    nameless = build_report(future_workshop().state, code="K7PQ2M", names=False)
    names = ("Kari", "Nordmann", "Ola", "Siri", "Per", "Åse")
    word = "\n".join(texts(render(nameless, "docx")))
    for fmt, text in (
        ("md", render(nameless, "md")),
        ("html", render(nameless, "html")),
        ("json", render(nameless, "json")),
        ("docx", word),
    ):
        assert isinstance(text, str)
        # What people wrote stays as written (WHO? says «Kari og Ola»); «Per»
        # is also inside words: look for whole words elsewhere.
        text = text.replace("Kari og Ola", "")
        found = [n for n in names if re.search(rf"(?<!\w){n}(?!\w)", text)]
        assert found == [], (fmt, found)
    md = render(nameless, "md")
    assert "Rapporten er laget uten navn." in md
    assert "**Deltakere på øya:** Bodø, Fauske, Saltdal, Meløy" in md  # organisations only
    assert "| Bodø | 2 |" in md
    # What people wrote is all still there.
    assert "Håper på \\*konkrete\\* tiltak" in md and "Takk for \\<i\\>i dag\\</i\\>" in md


def test_the_evaluation_is_summed_up_without_names():
    r = report()
    assert r.evaluation is not None
    assert (r.evaluation.count, r.evaluation.average, r.evaluation.ratings) == (3, 3.67, [0, 1, 0, 1, 1])
    assert r.evaluation.comments == ["Mer tid til øyene", "Kortere *pauser*"]
    md = render(r, "md")
    section = md.split("## Evaluering")[1]
    assert "3 svar · gjennomsnitt 3,7 av 5" in section and "| 5 | 1 | ██████████ |" in section
    assert "Kari" not in section and "Per" not in section
    assert build_report(run_template("refleksjon").state).evaluation is None  # not asked for


def test_extracts_per_organisation_and_their_errors(tmp_path):
    county = template_report("fylkessamling")
    bodo = render_extract(county, "Bodø", "md")
    assert bodo.startswith("# Samarbeid i Salten \\<script\\>a – Bodø\n")
    assert "## Kommunens plan – Bodø" in bodo and "Svar G4/1" not in bodo
    assert "**Utfordringer og muligheter**  \n*(ikke fylt ut)*" in bodo
    with pytest.raises(ExportError, match="--per-org works with md, html, docx"):
        render_extracts(county, "csv")
    # Written as a folder of files or as one zip.
    written = write_export(county, "docx", str(tmp_path / "kommuner"), per_org=True)
    assert sorted(p.name for p in written.paths) == ["Bodø.docx", "Fauske.docx", "Meløy.docx", "Saltdal.docx"]
    written = write_export(county, "html", str(tmp_path / "kommuner.zip"), per_org=True)
    assert sorted(zipfile.ZipFile(written.paths[0]).namelist()) == [
        "Bodø.html",
        "Fauske.html",
        "Meløy.html",
        "Saltdal.html",
    ]


def test_per_org_needs_someone_with_an_organisation():
    s = Script()
    s.join("Kari", "")
    with pytest.raises(ExportError, match="nobody in this session gave an organisation"):
        render_extracts(build_report(s.state), "md")


def test_cards_with_the_same_words_as_their_theme_are_counted_not_repeated():
    s = Script()
    people = [s.join(name, "Bodø") for name in ("Kari", "Ola", "Siri")]
    s.advance()  # critique
    for pid in people:
        s.do(participant(pid), c.AddItem, board="critique", text="Lange reiseavstander")
    s.do(participant(people[0]), c.AddItem, board="critique", text="Mye reising")
    s.host(c.RevealItems, board="critique")
    s.advance()  # cluster
    s.host(c.Merge, board="critique", cards=["K1", "K2", "K3", "K4"])  # keeps the first card's words
    text = render(build_report(s.state), "md")
    assert "- **Lange reiseavstander**\n  - *3 lapper med denne teksten*\n  - Mye reising" in text
    assert text.count("Lange reiseavstander") == 1


def test_groups_of_an_earlier_forming_are_told_apart_from_the_new_ones():
    """Latecomers arrive, the facilitator forms the groups again: what the
    first groups wrote stays in the report, under a name no new group has."""
    s = Script("dialogkonferanse")
    people = [s.join(f"Deltaker {n}", ["Bodø", "Fauske"][n % 2]) for n in range(4)]
    while s.state.current.kind != PhaseKind.GROUP_WORK:
        s.advance()
    phase = s.state.phase
    s.host(c.FormGroups, set="base", seed=1)
    s.do(participant(people[0]), c.EditAnswer, phase=phase, question=0, group="G1", text="Før", base_version=0)
    people += [s.join(f"Sen {n}", ["Saltdal", "Steigen"][n % 2]) for n in range(6)]
    s.host(c.FormGroups, set="base", seed=2)
    new = next(g for g in s.state.groups.values() if g.active and people[0] in g.members)
    s.do(participant(people[0]), c.EditAnswer, phase=phase, question=0, group=new.id, text="Etter", base_version=0)
    text = render(build_report(s.state, code="K7PQ2M", exported_at=NOW), "md")
    headings = re.findall(r"^#### (.+)$", text.split("### Del 2")[1].split("\n### ")[0], flags=re.M)
    assert headings == ["Gruppe 1 (før ny inndeling)", "Gruppe 1", "Gruppe 2"]
    assert text.index("#### Gruppe 1 (før ny inndeling)") < text.index("Før") < text.index("#### Gruppe 1\n")
    data = json.loads(render(build_report(s.state, code="K7PQ2M", exported_at=NOW), "json"))
    rounds = [r for r in data["rounds"] if r["phase"] == phase]
    assert [g["earlier"] for g in rounds[0]["groups"]] == [True, False, False]


def test_the_export_records_when_the_session_was_closed():
    script = future_workshop()
    open_report = build_report(script.state, code="K7PQ2M", exported_at=NOW + 3600)
    assert open_report.session.closed_at is None
    assert "Lukket for nye" not in render(open_report, "md")
    script.host(c.CloseSession)
    closed = build_report(script.state, code="K7PQ2M", exported_at=NOW + 3600)
    assert closed.session.closed_at == script.state.closed_at is not None
    assert json.loads(render(closed, "json"))["session"]["closed_at"] == closed.session.closed_at
    for fmt in ("md", "html"):
        assert "Lukket for nye:" in render(closed, fmt), fmt
