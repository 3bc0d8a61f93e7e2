"""Host view: closing a session to newcomers, and the warning before `n`
while people have unsaved text (issue 13)."""

from __future__ import annotations

from support import until

from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.host.modals import Confirm

from .host_support import opened, room, shows  # noqa: F401


async def test_n_asks_first_while_people_have_unsaved_text(room):
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        room.people[0].say_unsaved(True)
        room.people[1].say_unsaved(True)
        await until(lambda: len(app.client.unsaved) == 2)
        await shows(pilot, app, "2 med ulagret tekst")
        await pilot.press("n")
        await shows(pilot, app, "2 personer har ulagret tekst. Gå videre likevel?")
        await pilot.press("n")  # no: stay
        await until(lambda: not isinstance(app.screen, Confirm))
        assert room.fac.state.phase == 0
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")  # yes: the facilitator may still go on
        await until(lambda: room.fac.state.current.kind == PhaseKind.BRAINSTORM)
        # Saved (or cleared): no question any more.
        room.people[0].say_unsaved(False)
        room.people[1].say_unsaved(False)
        await until(lambda: not app.client.unsaved)
        await pilot.press("n")
        await until(lambda: room.fac.state.phase == 2)
        assert not isinstance(app.screen, Confirm)


async def test_one_person_with_unsaved_text_is_named_as_one(room):
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        room.people[2].say_unsaved(True)
        await until(lambda: len(app.client.unsaved) == 1)
        await pilot.press("n")
        await shows(pilot, app, "1 person har ulagret tekst.")


async def test_L_closes_the_session_after_a_yes_and_opens_it_again(room):
    app = room.host()
    screen = room.host(role="screen")
    async with app.run_test(size=(120, 40)) as pilot, screen.run_test(size=(120, 40)) as projector:
        await opened(pilot, app, room)
        await opened(projector, screen, room)
        await shows(projector, screen, "--code")  # how to join, while it admits people
        await pilot.press("L")
        await shows(pilot, app, "Lukke økten? Ingen nye kan bli med")
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, Confirm))
        assert not room.fac.state.closed
        await pilot.press("L")
        await until(lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")
        await until(lambda: room.fac.state.closed)
        await shows(pilot, app, "Økten er lukket – ingen nye kan bli med")
        await shows(pilot, app, "LUKKET for nye")
        # What is projected says so too.
        await shows(projector, screen, "Økten er lukket – ingen nye kan bli med")
        # ... and no longer tells the room how to join.
        await shows(projector, screen, lambda text: "--code" not in text and "http://" not in text)
        await pilot.press("L")
        await shows(pilot, app, "Åpne økten igjen, så nye kan bli med?")
        await pilot.press("y")
        await until(lambda: not room.fac.state.closed)
        await shows(pilot, app, "Bli med – kode:")
