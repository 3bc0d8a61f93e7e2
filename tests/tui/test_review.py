"""The follow-up round of a series, in the participant app, the host view and on the screen."""

from __future__ import annotations

from support import earlier_gathering

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind

from .conftest import Workshop, advance, focused, ok, run, settle, shows, type_text


async def follow_up(running, clients, tmp_path) -> Workshop:
    code = (await earlier_gathering(running, clients)).code
    return await Workshop(running, clients, tmp_path).start(title="Andre samling", follows=code)


async def test_a_participant_reports_on_their_groups_action(running, clients, tmp_path):
    workshop = await follow_up(running, clients, tmp_path)
    host = workshop.host
    tid, roller = (a.id for a in host.state.series.actions)
    app = workshop.app("Kari", org="Bodø")
    async with run(app) as pilot:
        await workshop.joined(pilot)
        await advance(host, PhaseKind.ACTION_REVIEW)
        await shows(pilot, "Tiltakene fra «Første samling»", "Tid: Fast møtetid", "deres", "Roller: Rollebeskrivelser")
        await pilot.click("#status-in_progress")
        await settle(pilot, lambda: host.state.reviews.get(tid) is not None)
        assert host.state.reviews[tid].status == "in_progress"
        await shows(pilot, "Tid: Fast møtetid  · Pågår", "◉ Pågår")
        await pilot.click("#note-happened")
        await focused(pilot, "note-happened")
        await type_text(pilot, "Møtetid avtalt")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: "happened" in host.state.reviews[tid].notes)
        assert host.state.reviews[tid].notes["happened"].text == "Møtetid avtalt"
        # Another group's action is shown, read-only.
        await pilot.click("#review-actions")
        await pilot.press("down")
        await shows(pilot, "En annen gruppes tiltak")
        assert not app.screen.query_one("#review-status").display
        assert roller not in host.state.reviews


async def test_the_host_steps_through_the_actions_and_the_screen_follows(running, clients, tmp_path):
    from .host_support import Room, opened
    from .host_support import shows as host_shows

    code = (await earlier_gathering(running, clients)).code
    room = await Room(running, clients).start(people=[("Kari", "Bodø"), ("Per", "Meløy")], follows=code)
    tid, roller = (a.id for a in room.fac.state.series.actions)
    kari = room.people[0]
    await room.advance_to(PhaseKind.ACTION_REVIEW)
    await ok(kari, c.SetActionStatus(id=new_id(), action=tid, status="done"))
    await ok(kari, c.EditActionNote(id=new_id(), action=tid, field="happened", text="Møtetid avtalt", base_version=0))
    host, screen = room.host(), room.host(role="screen")
    async with host.run_test(size=(80, 24)) as pilot:
        await opened(pilot, host, room)
        await host_shows(
            pilot,
            host,
            "Oppfølging av tiltakene fra «Første samling»",
            "Tid (Bodø)   Gjennomført  · 1/3 notater\n     Fast møtetid",
            "Roller (Meløy)   Ikke rapportert  · 0/3 notater\n     Rollebeskrivelser",
            "Veien videre sist: Rapport til kommunene",
        )
        await pilot.press("right")
        await settle(pilot, lambda: room.fac.state.presenting_action == tid)
        await host_shows(
            pilot, host, "Fast møtetid   (1/2)", "Status nå: Gjennomført", "Hva har skjedd? Møtetid avtalt"
        )
        # The facilitator reports for a group that cannot: s, then the status.
        await pilot.press("right")
        await settle(pilot, lambda: room.fac.state.presenting_action == roller)
        await pilot.press("s")
        await host_shows(pilot, host, "Hvilken status?")
        await pilot.press("down", "enter")
        await settle(pilot, lambda: roller in room.fac.state.reviews)
        assert room.fac.state.reviews[roller].status == "in_progress"
        # t starts the phase's time here as in every phase.
        await pilot.press("t")
        await settle(pilot, lambda: room.fac.state.timer.deadline is not None)
    async with screen.run_test(size=(80, 24)) as pilot:
        await opened(pilot, screen, room)
        await host_shows(pilot, screen, "Rollebeskrivelser   (2/2)", "Status nå: Pågår")
        await ok(room.fac, c.PresentAction(id=new_id(), action=None))
        await host_shows(pilot, screen, "Tid (Bodø)   Gjennomført")


async def test_who_names_people_of_the_session_and_the_series(running, clients, tmp_path):
    workshop = await follow_up(running, clients, tmp_path)
    host = workshop.host
    app = workshop.app("Kari", org="Bodø")
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        ola = await workshop.person("Ola", "Bodø")
        await advance(host, PhaseKind.BRAINSTORM, "critique")
        await ok(ola, c.AddItem(id=new_id(), board="critique", text="Lite tid"))
        await ok(host, c.RevealItems(id=new_id(), board="critique"))
        await advance(host, PhaseKind.ISLANDS)
        await ok(host, c.CreateIsland(id=new_id(), title="Tid", links=[c.LinkRef(board="critique", card="K1")]))
        await ok(ola, c.ChooseIsland(id=new_id(), island="I1"))
        await ok(host, c.AssignIsland(id=new_id(), participant=pid, island="I1"))
        await advance(host, PhaseKind.ACTION_PLANS)
        await shows(pilot, "Øy: Tid")
        await pilot.press("ctrl+n")
        # Siv (Meløy) was only at the first gathering: she can be named too.
        await shows(pilot, "HVEM? Navngi ansvarlige", "Siv (Meløy)", "Kari (Bodø)")
        listing = app.screen.query_one("#people")
        siv = next(n for n, o in enumerate(listing.options) if "Siv" in str(o.prompt))
        listing.highlighted = siv
        await pilot.press("enter")
        await settle(pilot, lambda: [p.name for p in host.state.plan_owners.get("I1", [])] == ["Siv"])
        await shows(pilot, "✓ Siv (Meløy)")
        await pilot.press("enter")  # again: un-named
        await settle(pilot, lambda: host.state.plan_owners.get("I1") == [])
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is app.session_screen)
        # WHEN holds a date: shown as the due date (it goes in the calendar).
        await ok(ola, c.EditPlan(id=new_id(), island="I1", field="when", text="Innen 15.1.2027", base_version=0))
        info = app.session_screen.query_one("#island-info")
        await settle(pilot, lambda: "Frist: 15.01.2027" in str(info.render()))  # may be scrolled above the field


async def test_the_host_view_makes_a_new_session_follow_an_earlier_one(running, clients):
    from .host_support import Room, opened
    from .host_support import shows as host_shows

    earlier = await earlier_gathering(running, clients)
    room = await Room(running, clients).start(people=[("Kari", "Bodø")], title="Andre samling")
    host = room.host()
    async with host.run_test(size=(80, 24), notifications=True) as pilot:
        await opened(pilot, host, room)
        await pilot.press("f")
        await host_shows(pilot, host, "Følg opp en tidligere samling: dens")
        for ch in "f-wrong":
            await pilot.press(ch)
        assert "f-wrong" not in screen_of(host)  # a secret on a projected screen: typed blind
        await pilot.press("enter")
        await host_shows(pilot, host, "Ingen annen økt her")
        assert room.fac.state.series is None
        await pilot.press("f")
        await host_shows(pilot, host, "Følg opp en tidligere samling: dens")
        host.screen.query_one("#prompt-input").value = earlier.token
        await pilot.press("enter")
        await settle(pilot, lambda: room.fac.state.series is not None)
        await host_shows(pilot, host, "Følger opp «Første samling»: 2 tiltak å følge opp.")
        assert [p.kind for p in room.fac.state.agenda[:2]] == [PhaseKind.INTRO, PhaseKind.ACTION_REVIEW]
        await pilot.press("n")
        await host_shows(pilot, host, "Oppfølging av tiltakene fra «Første samling»")


def screen_of(app) -> str:
    from .host_support import screen_text

    return screen_text(app)
