"""Defects found when a facilitator held a real meeting (issue 13): each
test here failed before its fix."""

from __future__ import annotations

from support import until

from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.host.modals import Confirm

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
        text = await shows(pilot, app, "Uklare roller", "IKKE VIST FOR DELTAKERNE", "Lite tid til samarbeid")
        await pilot.press("l")  # and it hides again
        text = await shows(pilot, app, lambda s: "Uklare roller" not in s)
        assert "IKKE VIST FOR DELTAKERNE" not in text
        await pilot.press("r")  # revealed: everyone sees them
        await until(lambda: room.fac.state.boards["critique"].revealed)
        await shows(pilot, app, lambda s: "Uklare roller" in s and "Lite tid til samarbeid" in s)


def _bars(text: str) -> list[tuple[int, int]]:
    """(cells of bar, dots) for every vote bar on the screen."""
    import re

    found = []
    for line in body_lines(text):
        match = re.search(r"(█+) (\d+) ●", line)
        if match:
            found.append((len(match.group(1)), int(match.group(2))))
    return found


async def test_vote_bars_are_proportional_to_dots_across_rows(room):
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    k1, k2, k3 = await room.cards("critique", ["Lite tid", "Uklare roller", "Lange reiser"])
    await room.advance_to(PhaseKind.VOTE, "critique")
    kari, ola, ingrid, per = room.people
    for person in (kari, ola, ingrid):  # K1: 3 dots from 3 people
        await ok(person, c.PlaceDot(id=cid(), board="critique", card=k1))
    # K2 and K3 tie on 2 dots; K2 wins on voters: both rows carry a long tie note.
    await ok(kari, c.PlaceDot(id=cid(), board="critique", card=k2))
    await ok(ola, c.PlaceDot(id=cid(), board="critique", card=k2))
    await ok(per, c.PlaceDot(id=cid(), board="critique", card=k3))
    await ok(per, c.PlaceDot(id=cid(), board="critique", card=k3))
    await room.advance_to(PhaseKind.RANKING, "critique")
    for role in ("facilitator", "screen"):
        for size in ((120, 40), (80, 24)):
            app = room.host(role=role)
            async with app.run_test(size=size) as pilot:
                await opened(pilot, app, room)
                text = await shows(pilot, app, lambda s: len(_bars(s)) == 3)
                (top, three), *rest = _bars(text)
                assert three == 3
                for cells, dots in rest:
                    # the same cells per dot on every row (rounding: one cell)
                    assert abs(cells - top * dots / three) <= 1, (role, size, _bars(text), text)


async def test_wording_one_theme_and_the_others_checkins(workshop):
    from .conftest import advance, critique_wall, run
    from .conftest import shows as app_shows

    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        await workshop.joined(pilot)
        screen = await app_shows(pilot, "Du har ikke sjekket inn ennå.")
        assert "I rommet (0)" not in screen  # Kari is in the room: the count is of the others' check-ins
        await app_shows(pilot, "Innsjekk fra de andre (0)")
        await critique_wall(workshop)
        await advance(host, PhaseKind.CLUSTER, "critique")
        await ok(host, c.Merge(id=cid(), board="critique", cards=["K1", "K2"], title="Tid"))
        await app_shows(pilot, "1 tema · 3 å stemme på")


async def test_host_timer_in_its_last_seconds_says_less_than_a_minute(room):
    await ok(room.fac, c.SetTimer(id=cid(), seconds=20))
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        text = await shows(pilot, app, "Siste minutt")  # not «1 minutt igjen» at 00:05
        assert "1 minutt igjen" not in text


def test_swedish_names_the_lists_and_questions_one_way():
    from kompsesjon.i18n import Translator

    sv = Translator("sv")
    assert sv("list.vision") == "Topplista" and sv("phase.ranking_vision") == "Topplista"
    assert sv("export.top_list") == "Topplista" and sv("host.islands.lists") == "Bottenlistan och topplistan"
    # The critique rule names the same kind of question on every screen.
    assert "klargörande frågor" in sv("host.brainstorm.rules_critique")
    assert "klargörande frågor" in sv("participant.brainstorm.rules_critique")


async def test_abstaining_with_dots_placed_asks_first(workshop):
    from kompsesjon.method.voting import dots_by_unit
    from kompsesjon.tui.participant.modals import ConfirmScreen

    from .conftest import advance, critique_wall, focused, run, settle
    from .conftest import shows as app_shows

    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        await critique_wall(workshop)
        await advance(host, PhaseKind.VOTE, "critique")
        await focused(pilot, "units")
        await pilot.press("plus", "plus")
        await settle(pilot, lambda: sum(dots_by_unit(host.state, "critique", pid).values()) == 2)
        await pilot.press("a")  # would take both dots away: asked first
        await app_shows(pilot, "Avstå og ta bort prikkene dine (2)?")
        await pilot.press("n")
        await settle(pilot, lambda: not isinstance(app.screen, ConfirmScreen))  # answered: no
        await pilot.pause(0.2)  # (time for a wrong command to arrive)
        assert sum(dots_by_unit(host.state, "critique", pid).values()) == 2
        assert host.state.boards["critique"].vote.status.get(pid) != "abstained"
        await pilot.press("a")
        await app_shows(pilot, "Avstå og ta bort prikkene dine (2)?")
        await pilot.press("y")
        await settle(pilot, lambda: host.state.boards["critique"].vote.status.get(pid) == "abstained")
        assert dots_by_unit(host.state, "critique", pid) == {}


async def test_host_asks_before_closing_the_vote_and_dissolving_buzz_pairs(room):
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    await ok(room.fac, c.FormBuzzPairs(id=cid()))
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        await shows(pilot, app, "Bikuber (2)")
        await pilot.press("K")
        await shows(pilot, app, "Oppløse alle bikubene (2)?")
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, Confirm))  # answered: no
        await pilot.pause(0.2)  # (time for a wrong command to arrive)
        assert any(p.active for p in room.fac.state.buzz_pairs.values())
        await pilot.press("K")
        await shows(pilot, app, "Oppløse alle bikubene (2)?")
        await pilot.press("enter")
        await until(lambda: not any(p.active for p in room.fac.state.buzz_pairs.values()))
        await room.cards("critique", ["Lite tid"])
        await room.advance_to(PhaseKind.VOTE, "critique")
        await shows(pilot, app, "Hvem har ikke stemt (4)")
        await pilot.press("c")
        await shows(pilot, app, "Avslutte stemmingen? 4 har ikke stemt.")
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, Confirm))  # answered: no
        await pilot.pause(0.2)  # (time for a wrong command to arrive)
        assert not room.fac.state.boards["critique"].vote.closed
        await pilot.press("c")
        await shows(pilot, app, "Avslutte stemmingen? 4 har ikke stemt.")
        await pilot.press("enter")
        await until(lambda: room.fac.state.boards["critique"].vote.closed)


async def test_small_host_view_always_shows_the_key_to_go_on_the_phase_and_the_question(room):
    from kompsesjon.tui.text import phase_title

    app = room.host()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app, room)
        while True:
            state = room.fac.state
            where = f"{state.phase + 1}/{len(state.agenda)}:  {phase_title(state)}"

            def header(text: str) -> str:
                return " ".join(line.strip() for line in text.splitlines()[:6])

            # the phase in full, and the key to go on in the footer (its last line)
            text = await shows(
                pilot, app, lambda s, where=where: where in header(s) and "n Neste fase" in s.splitlines()[-1]
            )
            assert "Hvordan lærer kommunene av hverandre?" in header(text), (where, text)
            if state.current.kind == PhaseKind.ISLANDS:
                break  # leaving the islands needs people on them
            await ok(room.fac, c.AdvancePhase(id=cid(), current=state.phase))


async def test_participant_sees_how_to_edit_or_withdraw_a_card(workshop):
    from .conftest import advance, focused, run, settle
    from .conftest import shows as app_shows

    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        await advance(host, PhaseKind.BRAINSTORM, "critique")
        await focused(pilot, "card-input")
        screen = await app_shows(pilot, "Skriv en lapp")
        assert "Endre eller trekk tilbake" not in screen  # nothing of mine to change yet
        app.screen.focused.value = "Lite tid"
        await pilot.press("enter")
        await settle(pilot, lambda: any(i.author == pid for i in host.state.items.values()))
        screen = await app_shows(pilot, "↓ Endre eller trekk tilbake")
        assert "↓ Endre eller trekk tilbake" in screen.splitlines()[-1]  # in the footer, while writing
        await pilot.press("down")
        screen = await app_shows(pilot, "e Endre", "w Trekk tilbake")


async def test_someone_alone_on_an_island_is_told_on_their_own_screen(workshop):
    from .conftest import run, screen_text, settle
    from .conftest import shows as app_shows
    from .test_islands_plans import islands

    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        ola, per = await islands(workshop)
        await ok(ola, c.ChooseIsland(id=cid(), island="I2"))
        await ok(per, c.ChooseIsland(id=cid(), island="I2"))
        await ok(app.client, c.ChooseIsland(id=cid(), island="I1"))
        await settle(pilot, lambda: host.state.island_of.get(pid) == "I1")
        await app_shows(pilot, "Du er alene på øya", "minst 2")
        await ok(per, c.ChooseIsland(id=cid(), island="I1"))  # company: the warning goes
        await settle(pilot, lambda: "Du er alene" not in screen_text(app))


async def test_a_wrong_facilitator_token_says_why_and_exits(room):
    import asyncio

    from kompsesjon.client import SessionClient
    from kompsesjon.tui.host.app import HostApp

    app = HostApp(SessionClient(room.running.url, role="facilitator", token="f-wrong"), role="facilitator")
    said = ""
    async with app.run_test(size=(80, 24)) as pilot:
        async with asyncio.timeout(10):
            while app.return_code is None:  # it ends by itself …
                await pilot.pause(0.05)
            said = "".join(str(r) for r in app._exit_renderables)  # … printed once the terminal is back
    assert app.return_code == 2
    assert "Fasilitatornøkkelen er ikke gyldig her." in said and "--token" in said, said


async def test_an_emoji_with_a_variation_selector_keeps_borders_straight(room):
    # «❄️» is ❄ + U+FE0F: Rich counts two cells, most terminals (tmux, xterm)
    # draw one, so every border after it moved a column. Shown without the
    # selector, both count one.
    from kompsesjon.tui.text import safe

    assert safe("❄️ Snø") == "❄ Snø" and safe("👍️") == "👍"
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    await room.cards("critique", ["❄️ Brøyting om vinteren"])
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        text = await shows(pilot, app, "Brøyting om vinteren")
        assert "\ufe0f" not in text
        card = next(line for line in body_lines(text) if "Brøyting" in line)
        top = next(line for line in body_lines(text) if "╭─ K1" in line)
        assert card.index("│", card.index("Brøyting")) == top.rindex("╮")  # the right border lines up


async def test_an_unsaved_action_plan_survives_a_phase_change_and_a_relaunch(workshop):
    from kompsesjon.client import new_id

    from .conftest import focused, run, settle, type_text
    from .conftest import shows as app_shows
    from .test_islands_plans import plans

    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        await plans(workshop, pid)
        await focused(pilot, "plan-what")
        await type_text(pilot, "Felles fagdag i mars")
        await app_shows(pilot, "● ikke lagret")
        phase = host.state.phase
        await ok(host, c.AdvancePhase(id=new_id(), current=phase))  # the facilitator presses n
        await app_shows(pilot, "Avslutning")
        await ok(host, c.StepBack(id=new_id(), current=phase + 1))
        await settle(pilot, lambda: app.screen.query_one("#plan-what").text == "Felles fagdag i mars")
        await app_shows(pilot, "● ikke lagret")
    again = workshop.app()  # the terminal closed and opened again
    async with run(again) as pilot:
        assert await workshop.joined(pilot) == pid
        await settle(pilot, lambda: again.screen.query_one("#plan-what").text == "Felles fagdag i mars")
