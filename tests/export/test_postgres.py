"""``kompsesjon export`` and ``sessions`` from PostgreSQL (``--db postgresql://…``).

The same sessions are put in an SQLite file and, row for row, in a
PostgreSQL database (as several nodes would have written them); every
format, the extracts per municipality and the series export must come out
the same from both. Skipped where PostgreSQL is not installed (``.ci/run``
installs it).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import zipfile
from pathlib import Path

import asyncpg
from support import advance, earlier_gathering, ok

from kompsesjon.cli import main
from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from server.stores import open_store

from .sessions import NOW, run_template, store
from .word_reader import texts

TABLES = ("sessions", "events", "participants", "commands")


async def copy_to_postgres(db: Path, url: str) -> None:
    """Every row of the file's tables into the PostgreSQL database (its schema made by a node's store)."""
    await (await open_store(url)).close()
    conn = await asyncpg.connect(url)
    try:
        with sqlite3.connect(db) as source:
            for table in TABLES:
                cursor = source.execute(f"SELECT * FROM {table}")
                columns = [d[0] for d in cursor.description]
                await conn.copy_records_to_table(table, records=cursor.fetchall(), columns=columns)
    finally:
        await conn.close()


async def cli(capsys, *args: str) -> tuple[int, str, str]:
    """The command line in a thread (it runs its own event loop for PostgreSQL)."""
    capsys.readouterr()
    status = await asyncio.to_thread(main, list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


class Clock:
    """The ``time`` module as an export sees it, stopped at one moment (the time of export)."""

    def time(self) -> float:
        return NOW + 86400

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


def contents(path: Path) -> object:
    """What a written export holds: a zip's files, a Word document's text, else the bytes."""
    if path.suffix == ".zip":
        archive = zipfile.ZipFile(path)
        return {name: contents_of(name, archive.read(name)) for name in sorted(archive.namelist())}
    return contents_of(path.name, path.read_bytes())


def contents_of(name: str, data: bytes) -> object:
    return texts(data) if name.endswith(".docx") else data


async def test_every_export_from_postgresql_is_the_one_from_the_file(
    tmp_path, pg_url, running, clients, capsys, monkeypatch
):
    # A series through the server: a first gathering and a second that follows it.
    first = await earlier_gathering(running, clients)
    second = await running.new_session(title="Andre samling")
    host = clients(running.url, role="facilitator", token=second.token)
    await host.wait_ready()
    await ok(host, c.FollowSession(id=new_id(), token=first.token))
    await advance(host, PhaseKind.CLOSING)
    await running.stop()
    db = Path(running.db)
    await store(run_template("fylkessamling"), db, code="FYLKE1")  # every part of a report, four municipalities
    await copy_to_postgres(db, pg_url)
    for module in ("kompsesjon.export", "kompsesjon.export.series"):  # the time of export, the same for both
        monkeypatch.setattr(f"{module}.time", Clock())

    status, listed, _ = await cli(capsys, "sessions", "--db", pg_url)
    assert status == 0 and listed == (await cli(capsys, "sessions", "--db", str(db)))[1]
    assert "FYLKE1" in listed and first.code in listed and "Andre samling" in listed

    exports = [
        *[("FYLKE1", "--format", fmt) for fmt in ("md", "html", "json", "ics")],
        *[(second.code, "--series", "--format", fmt) for fmt in ("md", "html", "json")],
    ]
    for args in exports:
        if "--series" in args:
            args = ("--series", args[0], *args[2:])
        from_file = await cli(capsys, "export", "--db", str(db), *args)
        from_postgres = await cli(capsys, "export", "--db", pg_url, *args)
        assert from_file[0] == 0 and from_file[1], (args, from_file[2])
        assert from_postgres == from_file, args

    written = [
        ("FYLKE1", "--format", "docx", "-o", "{}.docx"),
        ("FYLKE1", "--format", "csv", "-o", "{}.zip"),
        ("FYLKE1", "--format", "docx", "--per-org", "-o", "{}.zip"),
        ("FYLKE1", "--format", "md", "--per-org", "--no-names", "-o", "{}.zip"),
        ("--series", second.code, "--format", "csv", "-o", "{}.zip"),
        ("--series", second.code, "--format", "docx", "-o", "{}.docx"),
    ]
    made_all = []
    for n, args in enumerate(written):
        made: dict[str, object] = {}
        for where, name in ((str(db), "file"), (pg_url, "postgres")):
            target = str(tmp_path / f"{n}-{name}")
            status, _, err = await cli(capsys, "export", "--db", where, *(a.format(target) for a in args))
            assert status == 0, (args, err)
            made[name] = contents(Path(args[-1].format(target)))
        assert made["postgres"] == made["file"], args
        assert made["file"], args
        made_all.append(made["file"])
    series_tables = made_all[4]
    assert isinstance(series_tables, dict) and "Fast møtetid".encode() in b"".join(series_tables.values())


async def test_export_from_postgresql_says_what_is_wrong_in_one_line(pg_url, capsys):
    status, _, err = await cli(capsys, "export", "--db", pg_url)
    assert status == 1 and "holds no kompsesjon tables yet" in err and "Traceback" not in err

    await (await open_store(pg_url)).close()  # a node made the tables; no session yet
    status, _, err = await cli(capsys, "export", "--db", pg_url, "NOSUCH")
    assert status == 1 and err.strip() == f"error: {pg_url}: holds no sessions"

    wrong = pg_url.replace("postgres@", "postgres:hemmelig@").rsplit(":", 1)[0] + ":1/nowhere"
    status, _, err = await cli(capsys, "sessions", "--db", wrong)
    assert status == 1 and "cannot be reached" in err
    assert "hemmelig" not in err, "the password is never printed"
