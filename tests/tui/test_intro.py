"""Intro: the shared question, the agenda with time boxes, check-in."""

from __future__ import annotations

from kompsesjon.client import new_id
from kompsesjon.method import commands as c

from .conftest import focused, ok, run, settle, shows, type_text


async def test_intro_shows_question_agenda_and_takes_my_check_in(workshop):
    host = workshop.host
    ola = await workshop.person("Ola")
    await ok(ola, c.CheckIn(id=new_id(), text="Å lære av de andre kommunene"))
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        screen = await shows(
            pilot,
            "Hvordan får vi flere lærlinger?",
            "Agenda",
            "▶ 1. Innledning og",
            "Kritikkfase",
            "45 min",
            "Handlingsplaner",
            "90 min",
            "fase 1 av 13",
            "Du har ikke sjekket inn ennå.",
            "Innsjekk fra de andre (1)",
            "Ola: Å lære av de andre kommunene",
        )
        await focused(pilot, "checkin-input")  # the cursor is ready for the check-in

        await type_text(pilot, "Konkrete tiltak")
        await pilot.press("enter")
        await settle(pilot, lambda: any(n.author == pid for n in host.state.check_ins.values()))
        await shows(pilot, "Ditt håp: Konkrete tiltak")
        assert app.focused.id == "checkin-input" and app.focused.value == ""

        # Rewriting replaces the one hope (it is not a second note).
        await type_text(pilot, "Konkrete tiltak før jul")
        await pilot.press("enter")
        mine = lambda: [n.text for n in host.state.check_ins.values() if n.author == pid]  # noqa: E731
        await settle(pilot, lambda: mine() == ["Konkrete tiltak før jul"])
        await shows(pilot, "Ditt håp: Konkrete tiltak før jul")
        assert "Innledning og innsjekk" in screen


async def test_a_refused_check_in_gives_the_text_back(workshop):
    app = workshop.app()
    async with run(app) as pilot:
        await workshop.joined(pilot)
        await type_text(pilot, "x" * 501)  # over the 500-character limit
        await pilot.press("enter")
        await shows(pilot, "Teksten er for lang")
        await settle(pilot, lambda: app.focused.value == "x" * 501)
