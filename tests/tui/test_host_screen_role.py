"""The projector screen (role "screen"): read-only and only public data."""

from __future__ import annotations

from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.host.commands import available_actions

from .host_support import cid, ok, opened, room, shows  # noqa: F401

CONTROL_KEYS = [
    "n",
    "b",
    "t",
    "T",
    "plus",
    "minus",
    "p",
    "X",
    "r",
    "k",
    "K",
    "d",
    "c",
    "l",
    "m",
    "u",
    "f",
    "s",
    "space",
    "delete",
    "left",
    "right",
    "escape",
    "enter",
]


async def test_screen_binds_no_control_and_shows_no_hidden_cards(room):
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    await room.cards("critique", ["Offentlig lapp"], reveal=True)
    app = room.host(role="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app)
        text = await shows(pilot, app, "Offentlig lapp")
        assert app.join_code == room.code
        assert "PROSJEKTOR – bare visning" in text
        assert "tilkoblet" not in text  # presence is for facilitators only
        # No control in the footer or the command palette, and keys do nothing.
        footer = text.splitlines()[-1]
        for word in ("Neste fase", "Vis lappene", "Lag bikuber", "Start tid"):
            assert word not in footer
        assert {action for _, _, _, action in available_actions(app.screen)} <= {
            "toggle_agenda",
            "cycle_theme",
            "toggle_qr",
        }
        phase, seq = room.fac.state.phase, room.fac.seq
        for key in CONTROL_KEYS:
            await pilot.press(key)
        await pilot.pause(0.3)
        assert room.fac.state.phase == phase and room.fac.seq == seq
        assert not room.fac.state.timer.running
        assert len(app.screen_stack) == 1  # no dialog opened


async def test_screen_hides_private_cards_tally_and_who_has_not_voted(room):
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    app = room.host(role="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app)
        await ok(room.people[0], c.AddItem(id=cid(), board="critique", text="Hemmelig lapp"))
        await ok(room.fac, c.AddItem(id=cid(), board="critique", text="Fasilitators lapp"))
        text = await shows(pilot, app, "Fasilitators lapp")
        assert "Hemmelig lapp" not in text
        assert "minst 1 skjulte lapper" in text  # K1 is missing before the visible K2
        await ok(room.fac, c.RevealItems(id=cid(), board="critique"))
        text = await shows(pilot, app, "Hemmelig lapp")
        await room.advance_to(PhaseKind.VOTE, "critique")
        await ok(room.people[0], c.PlaceDot(id=cid(), board="critique", card="K1"))
        await ok(room.people[0], c.PlaceDot(id=cid(), board="critique", card="K1"))
        await ok(room.people[1], c.PlaceDot(id=cid(), board="critique", card="K2"))
        text = await shows(pilot, app, "Resultatet er skjult til fasilitator viser det.")
        assert "Hvem har ikke stemt" not in text
        for name in ("Ingrid Johansen", "Per Olsen"):
            assert name not in text
        assert "●" not in text
        await ok(room.fac, c.CloseVote(id=cid(), board="critique"))
        await ok(room.fac, c.RevealTally(id=cid(), board="critique"))
        text = await shows(pilot, app, "2 ● · 1 stemte", "1 ● · 1 stemte")
