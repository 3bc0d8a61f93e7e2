"""``kompsesjon export`` on a database that is not what it should be.

An unknown or malformed event, a schema from a newer kompsesjon, a damaged
page, a path with ``#`` or ``?`` in it: each gets one clear line on standard
error (or a warning), never a traceback, and never another file's session.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kompsesjon.cli import main
from kompsesjon.export.stored import SCHEMA_VERSION
from server.store import MIGRATIONS

from .sessions import Script, future_workshop, store


def export(db: Path, capsys, *args: str, command: str = "export") -> tuple[int, str, str]:
    status = main([command, "--db", str(db), *args])
    out, err = capsys.readouterr()
    return status, out, err


def one_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_the_export_knows_the_servers_schema():
    assert len(MIGRATIONS) == SCHEMA_VERSION


async def test_an_unknown_event_type_is_named_with_its_place(tmp_path, capsys):
    db = tmp_path / "okt.sqlite3"
    await store(future_workshop(), db)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO events (session, seq, type, body, at) VALUES ('s-golden', 999, 'time_travel', ?, 0)",
            ('{"type": "time_travel", "to": 1999}',),
        )
    status, out, err = export(db, capsys)
    assert status == 1 and out == ""
    line = one_error(err)
    assert "event 999" in line and "'time_travel'" in line and "newer kompsesjon" in line


async def test_a_malformed_event_is_named_with_its_place(tmp_path, capsys):
    db = tmp_path / "okt.sqlite3"
    await store(future_workshop(), db)
    with sqlite3.connect(db) as conn:
        conn.execute('UPDATE events SET body = \'{"type": "item_added", "board"\' WHERE seq = 12')
    status, _, err = export(db, capsys)
    assert status == 1
    line = one_error(err)
    assert "event 12" in line and "damaged" in line


async def test_an_event_that_does_not_apply_is_named(tmp_path, capsys):
    db = tmp_path / "okt.sqlite3"
    s = Script()
    s.join("Kari", "Bodø")
    await store(s, db)
    with sqlite3.connect(db) as conn:  # cards revealed on a board the session does not have
        conn.execute(
            "INSERT INTO events (session, seq, type, body, at) VALUES ('s-golden', 3, 'items_revealed', ?, 0)",
            ('{"type": "items_revealed", "board": "nowhere", "items": []}',),
        )
    status, _, err = export(db, capsys)
    assert status == 1
    line = one_error(err)
    assert "event 3" in line


async def test_a_newer_schema_is_refused(tmp_path, capsys):
    db = tmp_path / "okt.sqlite3"
    await store(future_workshop(), db)
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    status, _, err = export(db, capsys)
    assert status == 1
    assert "newer kompsesjon" in one_error(err) and f"schema {SCHEMA_VERSION + 1}" in err
    status, _, err = export(db, capsys, command="sessions")
    assert status == 1 and "newer kompsesjon" in one_error(err)


def test_a_file_that_is_not_a_database(tmp_path, capsys):
    db = tmp_path / "okt.sqlite3"
    db.write_bytes(b"this is not a database\n" * 200)
    status, _, err = export(db, capsys)
    assert status == 1 and "not a kompsesjon database" in one_error(err)
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    status, _, err = export(empty, capsys)
    assert status == 1 and "not a kompsesjon database" in one_error(err)


def _page_of(db: Path, table: str) -> tuple[int, int]:
    """Where the root page of ``table`` starts in the file, and the page size."""
    with sqlite3.connect(db) as conn:
        (page,) = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = ?", (table,)).fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
    return (page - 1) * size, size


async def _damage(db: Path, table: str) -> None:
    offset, size = _page_of(db, table)
    with open(db, "r+b") as handle:
        handle.seek(offset)
        handle.write(b"\xff" * (size // 2))


async def test_a_damaged_page_of_the_log_is_an_error(tmp_path, capsys):
    db = tmp_path / "okt.sqlite3"
    await store(future_workshop(), db)
    await _damage(db, "events")
    status, out, err = export(db, capsys)
    assert status == 1 and out == ""
    assert "damaged" in one_error(err)


async def test_a_damaged_page_elsewhere_is_a_warning(tmp_path, capsys):
    db = tmp_path / "okt.sqlite3"
    await store(future_workshop(), db)
    await _damage(db, "commands")  # the export does not read it, but the file is not sound
    status, out, err = export(db, capsys)
    assert status == 0 and out.startswith("# Samarbeid i Salten")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "damaged" in lines[0], err


@pytest.mark.parametrize("name", ["okt#2.sqlite3", "okt?mode=rw.sqlite3", "okt%23.sqlite3", "møte 1.sqlite3"])
async def test_a_path_with_uri_characters_opens_that_file(tmp_path, capsys, name):
    # A decoy at the name SQLite would open if the path were pasted into a URI.
    decoy = tmp_path / "okt"
    other = Script()
    other.join("Lurendreier", "Andeby")
    await store(other, decoy, code="DECOY1")
    db = tmp_path / name
    await store(future_workshop(), db)
    status, out, err = export(db, capsys, "--no-names")
    assert status == 0, err
    assert out.startswith("# Samarbeid i Salten")
    status, out, _ = export(db, capsys, command="sessions")
    assert status == 0 and "K7PQ2M" in out and "DECOY1" not in out
