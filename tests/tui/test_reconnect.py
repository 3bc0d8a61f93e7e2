"""The connection drops and comes back; nothing typed meanwhile is lost."""

from __future__ import annotations

from .conftest import focused, run, settle, shows, type_text


async def test_status_while_the_server_is_away_and_pending_commands_survive(workshop, running):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        await shows(pilot, "Tilkoblet")
        await running.stop()
        await shows(pilot, "Frakoblet – prøver igjen …")

        await focused(pilot, "checkin-input")
        await type_text(pilot, "Skrevet uten nett")
        await pilot.press("enter")
        await shows(pilot, "1 venter på svar")

        await running.start()
        await shows(pilot, "Tilkoblet")
        await settle(
            pilot,
            lambda: any(n.author == pid and n.text == "Skrevet uten nett" for n in host.state.check_ins.values()),
        )
        screen = await shows(pilot, "Ditt håp: Skrevet uten nett")
        assert "venter på svar" not in screen


async def test_joining_while_the_server_is_down_waits_and_says_so(workshop, running):
    await running.stop()
    app = workshop.app(name=None)
    async with run(app) as pilot:
        await shows(pilot, "Bli med i en økt")
        await type_text(pilot, "Kari")
        await pilot.press("enter")
        await shows(pilot, "Frakoblet – prøver igjen …")
        await running.start()
        pid = await workshop.joined(pilot)
        assert workshop.host is not None
        await settle(pilot, lambda: pid in workshop.host.state.participants)
