"""Closing: the island being presented, next steps, check-out beside my hopes."""

from __future__ import annotations

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind

from .conftest import advance, focused, ok, run, screen_text, settle, shows, type_text
from .test_islands_plans import islands


async def test_closing_shows_the_report_and_takes_my_check_out(workshop):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        await focused(pilot, "checkin-input")
        await type_text(pilot, "Å gå hjem med en plan")
        await pilot.press("enter")
        await settle(pilot, lambda: len(host.state.check_ins) == 1)

        ola, per = await islands(workshop)
        await ok(ola, c.ChooseIsland(id=new_id(), island="I1"))
        await ok(host, c.RemoveIsland(id=new_id(), island="I2"))
        await ok(per, c.ChooseIsland(id=new_id(), island="I1"))
        await advance(host, PhaseKind.ACTION_PLANS)
        await ok(ola, c.EditPlan(id=new_id(), island="I1", field="what", text="Felles fagdag", base_version=0))
        await ok(ola, c.EditPlan(id=new_id(), island="I1", field="when", text="Innen 1. mars", base_version=0))
        await advance(host, PhaseKind.CLOSING)
        await shows(
            pilot,
            "Avslutning og utsjekk",
            "Øyene presenterer etter tur.",
            "Ikke bestemt ennå.",
            "Ditt håp ved innsjekk",
            "Å gå hjem med en plan",
            "Du har ikke sjekket ut ennå.",
        )

        # Not on the island: its plan's text reaches me when it is presented.
        await settle(pilot, lambda: app.state is not None and app.state.plans["I1"]["what"].length == 13)
        assert app.state is not None and app.state.plans["I1"]["what"].text == ""
        await ok(host, c.PresentIsland(id=new_id(), island="I1"))
        await ok(host, c.AddNextStep(id=new_id(), text="Rapport til kommunene innen fredag"))
        await ok(host, c.SetNextMeeting(id=new_id(), text="12. mars i Bodø"))
        await shows(
            pilot,
            "Presenteres nå",
            "Tid til læring",
            "Felles fagdag",
            "NÅR?",
            "Innen 1. mars",
            "• Rapport til kommunene innen fredag",
            "Neste møte: 12. mars i Bodø",
        )

        await focused(pilot, "checkout-input")
        await type_text(pilot, "Takknemlig")
        await pilot.press("enter")
        mine = lambda: [n.text for n in host.state.check_outs.values() if n.author == pid]  # noqa: E731
        await settle(pilot, lambda: mine() == ["Takknemlig"])
        await shows(pilot, "Din utsjekk: Takknemlig")


async def test_the_closing_evaluation_is_given_anonymously(workshop):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        await advance(host, PhaseKind.CLOSING)
        await shows(pilot, "Ctrl+R: evaluer dagen (anonymt)")
        await pilot.press("ctrl+r")
        await shows(pilot, "Evaluering av dagen (anonym)", "Hva bør vi gjøre annerledes?", "5 Svært bra")
        # A rating with the keyboard: right arrow to 4, space to choose it.
        for _ in range(3):
            await pilot.press("right")
        await pilot.press("space")
        await pilot.press("tab")
        await focused(pilot, "evaluation-text")
        await type_text(pilot, "Mer tid til [bold]øyene[/]")
        await pilot.press("enter")
        given = lambda: [(e.rating, e.text) for e in host.state.evaluations.values()]  # noqa: E731
        await settle(pilot, lambda: given() == [(4, "Mer tid til [bold]øyene[/]")])
        # The facilitator knows the rating, never whose it is.
        assert all(e.author is None for e in host.state.evaluations.values())
        await shows(pilot, "Din evaluering: ★★★★☆ Mer tid til", "[bold]øyene[/]  (Ctrl+R endrer)")
        assert [e.author for e in app.client.state.evaluations.values()] == [pid]

        # Changing it later: the dialog opens with what I gave.
        await pilot.press("ctrl+r")
        await shows(pilot, "Evaluering av dagen (anonym)")
        assert app.screen.query_one("#evaluation-text").value == "Mer tid til [bold]øyene[/]"
        await pilot.press("left", "space", "ctrl+s")  # from 4 to 3
        await settle(pilot, lambda: given() == [(3, "Mer tid til [bold]øyene[/]")])
        await shows(pilot, "Din evaluering: ★★★☆☆")
        await pilot.press("ctrl+r")
        await shows(pilot, "Evaluering av dagen (anonym)")
        await pilot.press("5", "ctrl+s")  # a digit chooses the rating directly
        await settle(pilot, lambda: given() == [(5, "Mer tid til [bold]øyene[/]")])


async def test_no_evaluation_when_the_template_asks_for_none(workshop):
    from kompsesjon.templates import load_template

    await workshop.start(template=load_template("refleksjon"))
    app = workshop.app()
    async with run(app) as pilot:
        await workshop.joined(pilot)
        await advance(workshop.host, PhaseKind.CLOSING)
        text = await shows(pilot, "Utsjekk")
        assert "evaluer dagen" not in text
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        assert "Evaluering av dagen" not in screen_text(app)


async def test_a_closing_without_islands_speaks_of_none(running, clients, tmp_path):
    """A dialogue conference has no islands: its closing is check-out and next
    steps, without «the islands present in turn»."""
    from .conftest import Workshop

    conference = await Workshop(running, clients, tmp_path).start(template="dialogkonferanse", title="Salten")
    app = conference.app()
    async with run(app) as pilot:
        await conference.joined(pilot)
        await advance(conference.host, PhaseKind.CLOSING)
        await ok(conference.host, c.AddNextStep(id=new_id(), text="Rapport til kommunene"))
        await shows(pilot, "Utsjekk: ett ord eller en setning", "• Rapport til kommunene")
        assert "Øyene" not in screen_text(app)
