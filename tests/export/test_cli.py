"""``kompsesjon export`` from a stored database: Word, extracts per municipality, no names."""

from __future__ import annotations

import zipfile

from kompsesjon.cli import main

from .sessions import future_workshop, run_template, store
from .word_reader import open_docx, texts


async def test_export_writes_a_word_document(tmp_path, capsys, monkeypatch):
    db = tmp_path / "okt.sqlite3"
    await store(future_workshop(), db)
    out = tmp_path / "rapport.docx"
    assert main(["export", "--db", str(db), "K7PQ2M", "--format", "docx", "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().err
    doc = open_docx(out.read_bytes())
    assert doc.paragraphs[0].text == "Samarbeid i Salten <script>a"
    # Without -o the document goes next to you, named by the join code.
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--db", str(db), "--format", "docx"]) == 0
    assert (tmp_path / "kompsesjon-K7PQ2M.docx").read_bytes().startswith(b"PK")


async def test_export_per_org_and_without_names(tmp_path, capsys):
    db = tmp_path / "fylke.sqlite3"
    await store(run_template("fylkessamling"), db, code="FYLKE1")
    target = tmp_path / "kommuner.zip"
    assert main(["export", "--db", str(db), "--format", "docx", "--per-org", "--no-names", "-o", str(target)]) == 0
    archive = zipfile.ZipFile(target)
    assert sorted(archive.namelist()) == ["Bodø.docx", "Fauske.docx", "Meløy.docx", "Saltdal.docx"]
    bodo = "\n".join(texts(archive.read("Bodø.docx")))
    assert "Kommunens plan – Bodø" in bodo and "Deltaker 0" not in bodo

    folder = tmp_path / "md"
    assert main(["export", "--db", str(db), "--format", "md", "--per-org", "-o", str(folder)]) == 0
    assert (folder / "Meløy.md").read_text(encoding="utf-8").startswith("# Samarbeid i Salten \\<script\\>a – Meløy")

    capsys.readouterr()
    assert main(["export", "--db", str(db), "--format", "csv", "--per-org"]) == 1
    assert "--per-org works with md, html, docx" in capsys.readouterr().err


async def test_sessions_and_export_find_the_demo_database_without_db(tmp_path, capsys, monkeypatch):
    # After `kompsesjon demo`, `sessions` and `export` without --db said «no such database file».
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    from kompsesjon.demo import demo_db

    db = demo_db()
    db.parent.mkdir(parents=True)
    await store(future_workshop(), db)
    assert main(["sessions"]) == 0
    listed = capsys.readouterr().out
    assert f"{db}:" in listed and "K7PQ2M" in listed
    assert main(["export", "K7PQ2M", "--format", "md"]) == 0
    assert capsys.readouterr().out.startswith("# Samarbeid i Salten")
    assert main(["export", "NOSUCH", "--format", "md"]) == 1
    assert "no session with id or code 'NOSUCH'" in capsys.readouterr().err


def test_sessions_without_any_database_says_where_it_looked(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["sessions"]) == 0
    assert f"no databases in {tmp_path / 'data' / 'kompsesjon'}" in capsys.readouterr().out


async def test_the_command_line_speaks_the_operators_language(tmp_path, capsys, monkeypatch):
    db = tmp_path / "okt.sqlite3"
    await store(future_workshop(), db)
    monkeypatch.setenv("KOMPSESJON_LANG", "nb")
    out = tmp_path / "rapport.docx"
    assert main(["export", "--db", str(db), "K7PQ2M", "--format", "docx", "-o", str(out)]) == 0
    assert f"skrev {out}" in capsys.readouterr().err
    monkeypatch.setenv("KOMPSESJON_LANG", "sv")
    assert main(["sessions", "--db", str(tmp_path / "tom.sqlite3")]) == 1
    assert capsys.readouterr().err.startswith("fel: ")


def test_sessions_count_one_event_in_the_singular(tmp_path, capsys, monkeypatch):
    # A session just made has one event: the listing said «1 hendelser».
    monkeypatch.setenv("KOMPSESJON_LANG", "nb")
    db = tmp_path / "ny.sqlite3"
    assert main(["new", "--db", str(db), "--title", "Nettverk Nord"]) == 0
    capsys.readouterr()
    assert main(["sessions", "--db", str(db)]) == 0
    listed = capsys.readouterr().out
    assert " 1 hendelse " in listed and "hendelser" not in listed
