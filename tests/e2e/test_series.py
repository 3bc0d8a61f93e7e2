"""Two gatherings in one database: the second ``serve --follows`` the first.

The first is a short Future Workshop up to its action plans and closing (two
participants over real websockets); the server is stopped and started again
with ``--follows CODE``; in the second gathering the participants report on
the carried actions in the follow-up phase; then ``kompsesjon export
--series`` writes the series in every format and the calendar file is read
back with the icalendar library.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

from icalendar import Calendar
from support import SERVE_ENV, advance, ok, start_server, stop_server, until

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind


async def first_gathering(url: str, code: str, token: str, clients) -> None:
    host = clients(url, role="facilitator", token=token)
    kari = clients(url, role="participant", code=code, name="Kari", org="Bodø")
    per = clients(url, role="participant", code=code, name="Per", org="Meløy")
    for client in (host, kari, per):
        await client.wait_ready()
    await advance(host, PhaseKind.BRAINSTORM, "critique")
    await ok(kari, c.AddItem(id=new_id(), board="critique", text="Lite tid"))
    await ok(host, c.RevealItems(id=new_id(), board="critique"))
    await advance(host, PhaseKind.ISLANDS)
    await ok(host, c.CreateIsland(id=new_id(), title="Tid", links=[c.LinkRef(board="critique", card="K1")]))
    for person in (kari, per):
        await ok(person, c.ChooseIsland(id=new_id(), island="I1"))
    await advance(host, PhaseKind.ACTION_PLANS)
    await ok(kari, c.EditPlan(id=new_id(), island="I1", field="what", text="Fast møtetid", base_version=0))
    await ok(per, c.EditPlan(id=new_id(), island="I1", field="when", text="Innen 15.1.2027", base_version=0))
    await ok(per, c.NameOwner(id=new_id(), island="I1", name="Kari", org="Bodø"))
    await advance(host, PhaseKind.CLOSING)
    await ok(host, c.SetNextMeeting(id=new_id(), text="2027-02-03 kl. 10.00 i Bodø"))


async def test_a_second_gathering_follows_up_the_first(tmp_path, clients):
    db = tmp_path / "serie.sqlite3"
    proc, first = await start_server(db, 0, "--title", "Første samling")
    try:
        await first_gathering(first["url"], first["code"], first["token"], clients)
    finally:
        await stop_server(proc)

    proc, second = await start_server(db, 0, "--follows", first["code"].lower(), "--title", "Andre samling")
    try:
        assert second["code"] != first["code"]
        url = second["url"]
        host = clients(url, role="facilitator", token=second["token"])
        screen = clients(url, role="screen", code=second["code"])
        kari = clients(url, role="participant", code=second["code"], name="Kari", org="Bodø")
        guest = clients(url, role="participant", code=second["code"], name="Åse", org="Fauske")
        for client in (host, screen, kari, guest):
            await client.wait_ready()
        (action,) = host.state.series.actions
        assert (action.what, action.due, [o.name for o in action.owners]) == ("Fast møtetid", "2027-01-15", ["Kari"])
        await advance(host, PhaseKind.ACTION_REVIEW)
        await ok(kari, c.SetActionStatus(id=new_id(), action=action.id, status="in_progress"))
        await ok(
            kari,
            c.EditActionNote(id=new_id(), action=action.id, field="happened", text="Møtetid avtalt", base_version=0),
        )
        refused = await guest.send(c.SetActionStatus(id=new_id(), action=action.id, status="dropped"))
        assert refused.code == "not_action_group"
        await ok(host, c.PresentAction(id=new_id(), action=action.id))
        await until(lambda: screen.state.presenting_action == action.id)
        assert screen.state.reviews[action.id].status == "in_progress"
    finally:
        await stop_server(proc)

    def export(fmt: str, *more: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "kompsesjon", "export", "--db", str(db), "--format", fmt, *more]
        done = subprocess.run(command, capture_output=True, check=False, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return done

    # The series from either gathering's code is the same series.
    for code in (first["code"], second["code"]):
        data = json.loads(export("json", "--series", code).stdout)
        assert data["format"] == "kompsesjon.series"
        assert [g["title"] for g in data["series"]["gatherings"]] == ["Første samling", "Andre samling"]
        (exported,) = data["series"]["actions"]
        assert exported["status"] == "in_progress"
        assert [(e["code"], e["status"], e["happened"]) for e in exported["history"]] == [
            (second["code"], "in_progress", "Møtetid avtalt")
        ]
    markdown = export("md", "--series", first["code"]).stdout.decode()
    assert "Fast møtetid" in markdown and "Møtetid avtalt" in markdown and "Pågår" in markdown
    assert "<html" in export("html", "--series", first["code"]).stdout.decode()
    export("docx", "--series", first["code"], "-o", "serie.docx")
    assert zipfile.is_zipfile(tmp_path / "serie.docx")
    export("csv", "--series", first["code"], "-o", "serie.zip")
    with zipfile.ZipFile(tmp_path / "serie.zip") as archive:
        history = archive.read("action_history.csv").decode("utf-8-sig")
    assert "in_progress" in history and "Møtetid avtalt" in history

    # The first gathering's calendar: the next meeting and the action's date, read back.
    calendar = Calendar.from_ical(export("ics", first["code"]).stdout)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    meeting = next(e for s, e in events.items() if s.startswith("Neste møte"))
    assert meeting.decoded("dtstart").isoformat() == "2027-02-03T10:00:00"
    due = next(e for s, e in events.items() if "Fast møtetid" in s)
    assert due.decoded("dtstart").isoformat() == "2027-01-15"
    # The single report of the second gathering shows the follow-up too.
    report = export("md", second["code"]).stdout.decode()
    assert "Oppfølging av tiltak" in report and "Møtetid avtalt" in report
    assert io.BytesIO(export("ics", "--series", second["code"]).stdout).getvalue().startswith(b"BEGIN:VCALENDAR")


async def test_following_a_session_that_is_not_there_is_one_error_and_changes_nothing(tmp_path):
    db = tmp_path / "serie.sqlite3"
    proc, first = await start_server(db, 0, "--title", "Første samling")
    await stop_server(proc)
    command = [sys.executable, "-m", "kompsesjon", "serve", "--db", str(db), "--port", "0", "--follows", "NOPE99"]
    done = subprocess.run(command, capture_output=True, check=False, timeout=30, env=SERVE_ENV)  # its English words
    out = (done.stdout + done.stderr).decode()
    assert done.returncode == 1, out
    assert "Traceback" not in out
    assert [line for line in out.splitlines() if line.startswith("error: ")] == [
        "error: no session with the join code 'NOPE99' is stored here"
    ]
    listed = subprocess.run(
        [sys.executable, "-m", "kompsesjon", "sessions", "--db", str(db)], capture_output=True, check=True
    )
    assert listed.stdout.decode().count("\n") == 1 and first["code"] in listed.stdout.decode()
