"""User text with Rich markup is shown literally everywhere; themes switch."""

from __future__ import annotations

from support import until
from textual.widgets import Input

from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.host.commands import available_actions
from kompsesjon.tui.host.screen import parse_minutes

from .host_support import Room, cid, ok, opened, room, shows  # noqa: F401

MARKUP_PEOPLE = [("[bold]Kari[/]", "[red]Bodø"), ("Ola [/]", "Fauske")]


async def test_markup_in_user_text_is_literal(running, clients):
    room = await Room(running, clients).start(people=MARKUP_PEOPLE, title="Økt [bold]x[/]", question="Hva [red]nå[/]?")
    kari, ola = room.people
    await ok(kari, c.CheckIn(id=cid(), text="Håper [italic]mye[/italic]"))
    app = room.host()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await opened(pilot, app, room)
        await shows(pilot, app, "Håper [italic]mye[/italic]", "Økt [bold]x[/]", "Hva [red]nå[/]?", "[bold]Kari[/]")
        await room.advance_to(PhaseKind.BRAINSTORM, "critique")
        await ok(ola, c.AddItem(id=cid(), board="critique", text="[/] knekker [link=x]alt[/link]"))
        await ok(kari, c.AddItem(id=cid(), board="critique", text="[b]fet[/b] lapp"))
        await shows(pilot, app, "2 skjult for deltakerne")
        await pilot.press("l")  # private cards: their words only in the facilitator's peek
        await shows(pilot, app, "[/] knekker [link=x]alt[/link]", "[b]fet[/b] lapp")
        await pilot.press("l")
        await pilot.press("k")  # buzz pairs list names
        await shows(pilot, app, lambda s: "[bold]Kari[/] + Ola [/]" in s or "Ola [/] + [bold]Kari[/]" in s)
        await ok(room.fac, c.RevealItems(id=cid(), board="critique"))
        await room.advance_to(PhaseKind.CLUSTER, "critique")
        await ok(room.fac, c.Merge(id=cid(), board="critique", cards=["K1", "K2"], title="[red]Tema[/red]"))
        await shows(pilot, app, "▣ [red]Tema[/red]")
        await room.advance_to(PhaseKind.VOTE, "critique")
        await shows(pilot, app, "Hvem har ikke stemt (2)", "[bold]Kari[/] · Ola [/]")
        # A dialog that quotes user text (remove a participant).
        await pilot.press("X")
        await shows(pilot, app, "[bold]Kari[/] ([red]Bodø)")
        app.screen.query_one(Input).value = "Kari"
        await pilot.pause(0.05)
        await pilot.press("enter")
        await shows(pilot, app, "Fjerne [bold]Kari[/] ([red]Bodø) fra økten?")
        await pilot.press("escape")
        # A notification (a refused command) is never parsed either.
        app.notify("[bold]x[/] literal", markup=False)
        await shows(pilot, app, "[bold]x[/] literal")


async def test_theme_can_be_switched(room):
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        assert app.theme == "projector"
        bar = app.theme_variables["bar"]
        await pilot.press("ctrl+t")
        assert app.theme == "kompsesjon-dark"
        assert app.theme_variables["bar"] != bar
        await pilot.press("ctrl+t")
        assert app.theme == "kompsesjon-light"
        await pilot.press("ctrl+t")
        assert app.theme == "projector"
        # Textual's own themes (the theme picker lists them) work too, even
        # though they do not define kompsesjon's variables.
        app.theme = "textual-light"
        await until(lambda: app.theme_variables.get("bar", "").startswith("#"))
        await shows(pilot, app, "Innsjekk")
        # The theme is also a command in the palette.
        actions = {action for _, _, _, action in available_actions(app.screen)}
        assert "cycle_theme" in actions and "next_phase" in actions


async def test_an_unknown_theme_is_said_in_the_users_language(room):
    app = room.host(theme="finnes-ikke")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await opened(pilot, app, room)
        assert app.theme == "projector"
        await shows(pilot, app, "Ukjent fargetema «finnes-ikke»")


async def test_command_palette_lists_facilitator_actions(room):
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        found = {description for description, _, _, _ in available_actions(app.screen)}
        assert {"Neste fase", "Forrige fase", "Start tid", "Vis lappene", "Lag bikuber", "Fjern deltaker"} <= found
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        app.screen.query_one(Input).value = "bikuber"
        await shows(pilot, app, "Lag bikuber   (k)")
        await pilot.press("down", "enter")
        await until(lambda: any(p.active for p in room.fac.state.buzz_pairs.values()))


def test_parse_minutes():
    assert parse_minutes("15") == 900
    assert parse_minutes("2:30") == 150
    assert parse_minutes("1,5") == 90
    assert parse_minutes("0") == 0
    assert parse_minutes("abc") is None
