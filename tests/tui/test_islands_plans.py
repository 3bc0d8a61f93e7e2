"""Islands (choose, leave, full) and action plans (live, never clobbered, merged)."""

from __future__ import annotations

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.participant.modals import MergeScreen

from .conftest import advance, critique_wall, focused, ok, run, settle, shows, type_text


async def islands(workshop) -> tuple:
    host = workshop.host
    ola, per = await critique_wall(workshop)
    await advance(host, PhaseKind.CLUSTER, "critique")
    await ok(host, c.Merge(id=new_id(), board="critique", cards=["K1", "K2"], title="Tid"))
    await advance(host, PhaseKind.VOTE, "critique")
    await ok(ola, c.PlaceDot(id=new_id(), board="critique", card="T1"))
    await advance(host, PhaseKind.ISLANDS)
    await ok(host, c.CreateIsland(id=new_id(), title="Tid til læring", links=[c.LinkRef(board="critique", card="T1")]))
    await ok(host, c.CreateIsland(id=new_id(), title="Bedre nett", links=[c.LinkRef(board="critique", card="K3")]))
    return ola, per


async def plans(workshop, pid: str) -> tuple:
    """Kari and Ola on «Tid til læring» (I1), Per and Siv on «Bedre nett» (I2): the plans phase."""
    host = workshop.host
    ola, per = await islands(workshop)
    await ok(ola, c.ChooseIsland(id=new_id(), island="I1"))
    await ok(host, c.AssignIsland(id=new_id(), participant=pid, island="I1"))
    await ok(per, c.ChooseIsland(id=new_id(), island="I2"))
    siv = await workshop.person("Siv")
    await ok(siv, c.ChooseIsland(id=new_id(), island="I2"))
    await advance(host, PhaseKind.ACTION_PLANS)
    return ola, per


async def test_choose_and_leave_an_island(workshop):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        ola, per = await islands(workshop)
        await ok(host, c.ChangeRules(id=new_id(), island_max=2))
        await ok(ola, c.ChooseIsland(id=new_id(), island="I2"))
        screen = await shows(
            pilot,
            "Øyer",
            "Tid til læring  0/2",
            "Bunnliste #1: Tid",
            "Bedre nett  1/2",
            "Bunnliste: Dårlig nett",
            "Deltakere: Ola (Fauske)",
            "Du har ikke valgt øy ennå.",
        )
        assert "2–2 personer per øy" in screen
        await focused(pilot, "islands")
        await pilot.press("enter")
        await settle(pilot, lambda: host.state.island_of.get(pid) == "I1")
        await shows(pilot, "Du er på: Tid til læring", "◉ Tid til læring  1/2  din øy", "Deltakere: Kari")
        await pilot.press("l")
        await settle(pilot, lambda: pid not in host.state.island_of)
        await shows(pilot, "Du har ikke valgt øy ennå.")

        await ok(per, c.ChooseIsland(id=new_id(), island="I2"))
        await shows(pilot, "Bedre nett  2/2  full", "Deltakere: Ola (Fauske), Per (Saltdal)")
        await pilot.press("down", "enter")
        await shows(pilot, "Øya er full (høyst 2).")
        assert pid not in host.state.island_of


async def test_action_plan_live_unclobbered_and_merged_without_loss(workshop):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        ola, per = await plans(workshop, pid)
        await ok(per, c.EditPlan(id=new_id(), island="I2", field="what", text="Fiber til alle skoler", base_version=0))
        await shows(pilot, "Vår handlingsplan", "Øy: Tid til læring", "HVA?", "HVORDAN?", "tomt")
        await focused(pilot, "plan-what")

        plan = lambda field: host.state.plans.get("I1", {}).get(field)  # noqa: E731
        await type_text(pilot, "Felles fagdag")
        await shows(pilot, "● ikke lagret")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: plan("what") is not None and plan("what").text == "Felles fagdag")
        await shows(pilot, "lagret, versjon 1, av Kari")

        # Someone else's save of a field I am not editing follows along.
        await ok(ola, c.EditPlan(id=new_id(), island="I1", field="how", text="Halv dag i mars", base_version=0))
        await settle(pilot, lambda: app.screen.query_one("#plan-how").text == "Halv dag i mars")

        # ... but never replaces what I am writing: it says so instead.
        app.screen.query_one("#plan-who").focus()
        await type_text(pilot, "Kari og Ola")
        await ok(ola, c.EditPlan(id=new_id(), island="I1", field="who", text="Per [bold]leder[/]", base_version=0))
        await shows(pilot, "⚠ endret av Ola – Ctrl+S")
        assert app.screen.query_one("#plan-who").text == "Kari og Ola"

        # Saving is refused as stale by the server: both texts side by side.
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, MergeScreen))
        screen = await shows(
            pilot,
            "HVEM? ble endret mens du skrev",
            "Ola lagret først",
            "Nyeste lagrede tekst (versjon 1)",
            "Per [bold]leder[/]",
            "Kari og Ola",
        )
        merge = app.screen
        assert merge.query_one("#merge-theirs").text == "Per [bold]leder[/]"
        assert merge.query_one("#merge-result").text == "Per [bold]leder[/]\nKari og Ola"
        await pilot.press("f2")  # take theirs …
        assert merge.query_one("#merge-result").text == "Per [bold]leder[/]"
        await pilot.press("f4")  # … no: both
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: plan("who").version == 2)
        assert plan("who").text == "Per [bold]leder[/]\nKari og Ola" and plan("who").by == pid
        await shows(pilot, "lagret, versjon 2, av Kari")
        assert app.screen.query_one("#plan-who").text == "Per [bold]leder[/]\nKari og Ola"
        assert "Per [bold]leder[/]" in screen

        # Other islands' plans: how far they have come, not their text (the
        # server keeps a plan's text to its island until it is presented).
        await pilot.press("ctrl+o")
        screen = await shows(pilot, "Bedre nett", "Per (Saltdal)", "21 tegn, versjon 1, av Per")
        assert "Fiber til alle skoler" not in screen


async def test_cancelled_merge_keeps_my_text(workshop):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        ola, _ = await islands(workshop)
        await ok(ola, c.ChooseIsland(id=new_id(), island="I1"))
        await ok(host, c.AssignIsland(id=new_id(), participant=pid, island="I1"))
        await advance(host, PhaseKind.ACTION_PLANS)
        await focused(pilot, "plan-what")
        await type_text(pilot, "Min tekst")
        await ok(ola, c.EditPlan(id=new_id(), island="I1", field="what", text="Olas tekst", base_version=0))
        await shows(pilot, "⚠ endret av Ola")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, MergeScreen))
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is app.session_screen)
        assert app.screen.query_one("#plan-what").text == "Min tekst"
        assert host.state.plans["I1"]["what"].text == "Olas tekst"
        await shows(pilot, "⚠ endret av Ola")
