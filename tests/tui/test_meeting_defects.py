"""Defects found when a facilitator held a real meeting (issue 13): each
test here failed before its fix."""

from __future__ import annotations

from support import until

from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind

from .host_support import body_lines, cid, ok, opened, room, shows  # noqa: F401


async def test_projected_host_view_hides_private_cards_until_the_facilitator_peeks(room):
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    await room.cards("critique", ["Lite tid til samarbeid", "Uklare roller"], reveal=False)
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        text = await shows(pilot, app, "2 skjult for deltakerne")
        # The wall is projected: the cards are there, their words are not.
        assert "Lite tid til samarbeid" not in text and "Uklare roller" not in text
        assert text.count("skjult") >= 3
        await pilot.press("l")  # the facilitator's explicit, labelled peek
        text = await shows(pilot, app, "Uklare roller")
        assert "IKKE VIST FOR DELTAKERNE" in text and "Lite tid til samarbeid" in text
        await pilot.press("l")  # and it hides again
        text = await shows(pilot, app, lambda s: "Uklare roller" not in s)
        assert "IKKE VIST FOR DELTAKERNE" not in text
        await pilot.press("r")  # revealed: everyone sees them
        await until(lambda: room.fac.state.boards["critique"].revealed)
        await shows(pilot, app, lambda s: "Uklare roller" in s and "Lite tid til samarbeid" in s)
