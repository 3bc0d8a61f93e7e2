"""Host view: islands from marked list entries, placing the unassigned;
action plans one island at a time; closing report mode and next steps."""

from __future__ import annotations

from support import until
from textual.widgets import Input

from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.host.rows import Rows
from kompsesjon.tui.host.views.islands import ListEntry

from .host_support import body_lines, cid, ok, opened, room, shows  # noqa: F401


async def _lists(room):
    """Vote both boards so the bottom and top lists exist; return card ids."""
    kari, ola, ingrid, per = room.people
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    k = await room.cards("critique", ["Lite tid", "Uklare roller"])
    await room.advance_to(PhaseKind.VOTE, "critique")
    await ok(kari, c.PlaceDot(id=cid(), board="critique", card=k[0]))
    await ok(ola, c.PlaceDot(id=cid(), board="critique", card=k[1]))
    await room.advance_to(PhaseKind.BRAINSTORM, "vision")
    v = await room.cards("vision", ["Felles koordinator", "Digitale møter som fungerer"])
    await room.advance_to(PhaseKind.VOTE, "vision")
    await ok(ingrid, c.PlaceDot(id=cid(), board="vision", card=v[0]))
    await ok(per, c.PlaceDot(id=cid(), board="vision", card=v[1]))
    await room.advance_to(PhaseKind.ISLANDS)
    return k, v


async def test_islands_create_from_marked_entries_and_place_unassigned(room):
    k, v = await _lists(room)
    kari = room.people[0]
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        text = await shows(
            pilot, app, "Bunnliste og toppliste", "Lite tid", "Felles koordinator", "Har ikke valgt øy (4):"
        )
        lists = app.query_one("#lists", Rows)
        assert app.focused is lists
        # Mark "Uklare roller" (bottom list) and "Felles koordinator" (top list).
        await pilot.press("home")
        while lists.cursor_key != ListEntry("critique", k[1]):
            await pilot.press("down")
        await pilot.press("space")
        while lists.cursor_key != ListEntry("vision", v[0]):
            await pilot.press("down")
        await pilot.press("space")
        await pilot.press("c")
        await shows(pilot, app, "Ny øy av 2 punkter – tittel")
        app.screen.query_one(Input).value = "Koordinering"
        await pilot.press("enter")
        await until(lambda: len(room.fac.state.islands) == 1)
        island = next(iter(room.fac.state.islands.values()))
        assert island.title == "Koordinering"
        assert {(link.board, link.unit) for link in island.links} == {("critique", k[1]), ("vision", v[0])}
        # linked entries are marked on the lists
        text = await shows(
            pilot,
            app,
            "Koordinering   0 (2–8)",
            "↳ Bunnliste: Uklare roller",
            "↳ Toppliste: Felles koordinator",
            "→ I1",
        )
        # A second island from the entry under the cursor.
        while lists.cursor_key != ListEntry("vision", v[1]):
            await pilot.press("down")
        await pilot.press("c")
        await shows(pilot, app, "Ny øy av 1 punkter")
        app.screen.query_one(Input).value = "Møtekultur"
        await pilot.press("enter")
        await until(lambda: len(room.fac.state.islands) == 2)
        await ok(kari, c.ChooseIsland(id=cid(), island="I1"))
        text = await shows(pilot, app, "for få!", "Har ikke valgt øy (3):", "Ola Hansen")  # one person alone is marked
        await pilot.press("f")  # place the rest
        await until(lambda: len(room.fac.state.island_of) == 4)
        text = await shows(pilot, app, "Har ikke valgt øy (0):")
        assert "for få!" not in text
        # Rename the island under the cursor of the island board (Tab moves there).
        await pilot.press("tab")
        assert app.focused is app.query_one("#islands", Rows)
        await pilot.press("e")
        await shows(pilot, app, "Ny tittel på øya")
        app.screen.query_one(Input).value = "Koordinator i regionen"
        await pilot.press("enter")
        await until(lambda: room.fac.state.islands["I1"].title == "Koordinator i regionen")
        await shows(pilot, app, "Koordinator i regionen")


async def test_action_plans_one_island_at_a_time_and_closing_report(room):
    kari, ola, ingrid, per = room.people
    await ok(kari, c.CheckIn(id=cid(), text="Konkrete tiltak"))
    await _lists(room)
    await ok(room.fac, c.CreateIsland(id=cid(), title="Koordinering", links=[c.LinkRef(board="critique", card="K1")]))
    await ok(room.fac, c.CreateIsland(id=cid(), title="Møtekultur", links=[c.LinkRef(board="vision", card="V1")]))
    await ok(kari, c.ChooseIsland(id=cid(), island="I1"))
    await ok(ola, c.ChooseIsland(id=cid(), island="I1"))
    await ok(ingrid, c.ChooseIsland(id=cid(), island="I2"))
    await ok(per, c.ChooseIsland(id=cid(), island="I2"))
    await room.advance_to(PhaseKind.ACTION_PLANS)
    what = "Ansette en felles koordinator"
    await ok(kari, c.EditPlan(id=cid(), island="I1", field="what", text=what, base_version=0))
    await ok(per, c.EditPlan(id=cid(), island="I2", field="who", text="Per og Ingrid", base_version=0))
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        text = await shows(
            pilot, app, "Koordinering   (1/2)", "HVA?   sist endret av Kari Nordmann", "Ansette en felles koordinator"
        )
        assert "Per og Ingrid" not in text  # one island at a time
        assert "Fremdrift per øy" in text and "■□□□□ 1/5" in text
        await pilot.press("right")
        text = await shows(pilot, app, "Møtekultur   (2/2)", "Per og Ingrid", "sist endret av Per Olsen")
        assert "Ansette en felles koordinator" not in text
        # A new edit shows up live.
        step = c.EditPlan(id=cid(), island="I2", field="first_step", text="Kalle inn til møte", base_version=0)
        await ok(ingrid, step)
        await shows(pilot, app, "Kalle inn til møte")

        await room.advance_to(PhaseKind.CLOSING)
        await ok(kari, c.CheckOut(id=cid(), text="Inspirert og klar"))
        text = await shows(pilot, app, "Inspirert og klar", "Neste steg (0)", "Innsjekk – håp (1)", "Utsjekk (1)")
        # The hope of the day beside the check-out word, on the same line.
        line = next(line for line in text.splitlines() if "Inspirert og klar" in line)
        assert "Kari Nordmann: Konkrete tiltak" in line
        # Report mode: right presents the first island, big, for everyone.
        await pilot.press("right")
        await until(lambda: room.fac.state.presenting == "I1")
        text = await shows(
            pilot, app, "Rapport: Koordinering   1/2", "Ansette en felles koordinator", "Kari Nordmann · Ola Hansen"
        )
        await pilot.press("right")
        await until(lambda: room.fac.state.presenting == "I2")
        await shows(pilot, app, "Rapport: Møtekultur   2/2")
        await pilot.press("escape")
        await until(lambda: room.fac.state.presenting is None)
        await shows(pilot, app, "Neste steg (0)")
        # Next steps and the next meeting.
        await pilot.press("s")
        await shows(pilot, app, "Hva skjer etter i dag?")
        app.screen.query_one(Input).value = "Sende rapporten til kommunene"
        await pilot.press("enter")
        await shows(pilot, app, "1. Sende rapporten til kommunene")
        await pilot.press("m")
        await shows(pilot, app, "Når og hvor er neste møte?")
        app.screen.query_one(Input).value = "12. januar i Bodø"
        await pilot.press("enter")
        await shows(pilot, app, "Neste møte: 12. januar i Bodø")
        await pilot.press("delete")
        await shows(pilot, app, "Hvilket steg skal fjernes?")
        await pilot.press("enter")
        await until(lambda: all(s.removed for s in room.fac.state.next_steps.values()))
        await shows(pilot, app, "Ingen neste steg ennå.")
