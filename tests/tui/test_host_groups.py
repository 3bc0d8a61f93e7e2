"""Host view and projector in group rounds: forming the groups, moving people,
roles, answers arriving live, reports one group at a time, follow-up per
organisation, regions — against a real server."""

from __future__ import annotations

from support import until
from textual.widgets import Input

from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.group_work import active_groups, group_of, org_group
from kompsesjon.tui.host.modals import Confirm
from kompsesjon.tui.modals import Picker

from .host_support import Room, cid, ok, opened, screen_text, shows

PEOPLE = [
    ("Kari Nordmann", "Bodø kommune"),
    ("Ola Hansen", "Fauske kommune"),
    ("Ingrid Johansen", "Bodø kommune"),
    ("Per Olsen", "Fauske kommune"),
]
SIZE = (130, 38)


async def conference(running, clients, template: str = "dialogkonferanse", people=PEOPLE) -> Room:
    return await Room(running, clients).start(people=people, template=template, title="Nettverkssamling i Salten")


async def pick(pilot, app, typed: str) -> None:
    """In a picker: filter by ``typed`` and take the first match."""
    await until(lambda: isinstance(app.screen, Picker))
    app.screen.query_one(Input).value = typed
    await pilot.pause()
    await pilot.press("enter")


async def test_forming_re_forming_and_moving_by_keyboard(running, clients):
    room = await conference(running, clients)
    await room.advance_to(PhaseKind.GROUP_WORK)
    app = room.host()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, app, room)
        await shows(pilot, app, "Basisgrupper · blandet på tvers av organisasjoner · høyst 8 · grupper: 0")
        await shows(pilot, app, "trykk g for")
        await pilot.press("g")
        await until(lambda: active_groups(room.fac.state, "base"))
        text = await shows(pilot, app, "Gruppe 1")
        for name, org in PEOPLE:
            assert name in text and org in text
        first = {g.id for g in active_groups(room.fac.state, "base")}

        # Again: asked first, then new groups (the old ones end).
        await pilot.press("g")
        await until(lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")
        await until(lambda: {g.id for g in active_groups(room.fac.state, "base")} - first)

        # Four people make one group of at most eight; move Per out and back.
        per = room.people[3].participant
        await pilot.press("m")
        await pick(pilot, app, "Per Olsen")
        await pick(pilot, app, "ingen gruppe")
        await until(lambda: group_of(room.fac.state, "base", per) is None)
        await shows(pilot, app, "(1): Per Olsen")
        await pilot.press("m")
        await pick(pilot, app, "Per Olsen")
        await pick(pilot, app, "Gruppe 1")
        await until(lambda: group_of(room.fac.state, "base", per) is not None)


async def test_roles_and_answers_arrive_live_on_the_board(running, clients):
    room = await conference(running, clients)
    await room.advance_to(PhaseKind.GROUP_WORK)
    await ok(room.fac, c.FormGroups(id=cid(), set="base", seed=1))
    (group,) = active_groups(room.fac.state, "base")
    kari, ola = room.people[0], room.people[1]
    app = room.host()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, app, room)
        await shows(pilot, app, "✎ 0/2 svar")
        await pilot.press("r")
        await pick(pilot, app, "Ola Hansen")
        await until(lambda: room.fac.state.groups[group.id].rapporteur == ola.participant)
        await shows(pilot, app, "Ola Hansen  Fauske kommune  (referent)")
        await pilot.press("h")
        await pick(pilot, app, "Kari")
        await until(lambda: room.fac.state.groups[group.id].host == kari.participant)
        await shows(pilot, app, "Kari Nordmann  Bodø kommune  (bordvert)")

        phase = room.fac.state.phase
        await ok(kari, c.EditAnswer(id=cid(), phase=phase, question=1, group=group.id, text="Ja, mye", base_version=0))
        await shows(pilot, app, "✎ 1/2 svar", "Ja, mye", "(Kari Nordmann)")

        # The answers pane folds away (s) so the groups get the room.
        await pilot.press("s")
        await until(lambda: "Ja, mye" not in screen_text(app))
        assert "Gruppe 1" in screen_text(app)


async def test_reports_step_through_the_groups_and_every_screen_follows(running, clients):
    people = [*PEOPLE, ("Siri Berg", "Saltdal kommune")]
    room = await conference(running, clients, "refleksjon", people)
    await room.advance_to(PhaseKind.GROUP_WORK)
    await ok(room.fac, c.FormGroups(id=cid(), set="grupper"))  # one per municipality
    phase = room.fac.state.phase
    fauske = group_of(room.fac.state, "grupper", room.people[1].participant)
    await ok(
        room.people[1],
        c.EditAnswer(id=cid(), phase=phase, question=0, group=fauske.id, text="Felles rutiner", base_version=0),
    )
    await ok(
        room.fac, c.SetGroupRole(id=cid(), group=fauske.id, role="rapporteur", participant=room.people[3].participant)
    )
    while room.fac.state.current.title != "Case 3: Koordinering i krisetid":
        await ok(room.fac, c.AdvancePhase(id=cid(), current=room.fac.state.phase))
    last = room.fac.state.phase  # the last round's answers, under three earlier rounds' questions
    await ok(
        room.people[3],
        c.EditAnswer(
            id=cid(), phase=last, question=1, sub=1, group=fauske.id, text="Rollene var uklare", base_version=0
        ),
    )
    await room.advance_to(PhaseKind.REPORT)
    app, screen = room.host(), room.host("screen")
    async with app.run_test(size=SIZE) as pilot, screen.run_test(size=SIZE) as screen_pilot:
        await opened(pilot, app, room)
        await opened(screen_pilot, screen, room)
        await shows(
            pilot,
            app,
            "Gruppene (← → viser én om gangen på alle skjermer)",
            "Bodø kommune",
            "Fauske kommune",
            "Saltdal kommune",
        )
        order = [g.id for g in active_groups(room.fac.state, "grupper")]
        for group in order[: order.index(fauske.id) + 1]:  # a key, the next once the host view has seen it
            await pilot.press("right")
            await until(lambda group=group: room.fac.state.presenting_group == app.state.presenting_group == group)
        assert room.fac.state.timer.running, "each rapporteur gets the template's minutes"
        reporting = (
            "Rapporterer: Fauske kommune",
            "Referent: Per Olsen",
            "Felles rutiner",
            "Ola Hansen (Fauske kommune)",
            # What the group answered, all of it in view: unanswered questions are left out.
            "2b. Hva fungerte ikke?",
            "Rollene var uklare",
        )
        for view, p in ((app, pilot), (screen, screen_pilot)):
            text = await shows(p, view, *reporting)
            assert "Er vi en potensiell flaskehals" not in text
            assert "Case 2: Vertikal koordinering med fylkeskommunen" not in text  # nothing answered there
        await pilot.press("escape")
        await until(lambda: room.fac.state.presenting_group is None)
        await shows(screen_pilot, screen, "Gruppene (← → viser én om gangen på alle skjermer)")


async def test_follow_up_per_organisation_arrives_live(running, clients):
    room = await conference(running, clients)
    while room.fac.state.current.title != "Del 4: Lokal oppfølging":
        await ok(room.fac, c.AdvancePhase(id=cid(), current=room.fac.state.phase))
    app = room.host()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, app, room)
        await shows(pilot, app, "0 av 2 organisasjoner har skrevet")
        kari = room.people[0]
        await ok(
            kari,
            c.EditAnswer(
                id=cid(),
                phase=room.fac.state.phase,
                question=0,
                group=org_group("Bodø kommune", kari.participant),
                text="Fagdag for alle lærere",
                base_version=0,
            ),
        )
        await shows(
            pilot, app, "1 av 2 organisasjoner har skrevet", "Fagdag for alle lærere", "Bodø kommune", "Fauske kommune"
        )


async def test_county_groups_by_region_given_by_the_facilitator(running, clients):
    room = await conference(running, clients, "fylkessamling")
    await room.advance_to(PhaseKind.GROUP_WORK)
    app, screen = room.host(), room.host("screen")
    async with app.run_test(size=SIZE) as pilot, screen.run_test(size=SIZE) as screen_pilot:
        await opened(pilot, app, room)
        await opened(screen_pilot, screen, room)
        await shows(pilot, app, "4 har ikke valgt fylke (R)")
        for n, person in enumerate(room.people):
            await pilot.press("R")
            await pick(pilot, app, PEOPLE[n][0])
            await pick(pilot, app, ["Nordland", "Troms"][n % 2])
            await until(lambda: room.fac.state.participants[person.participant].region)
        await pilot.press("g")
        await until(lambda: active_groups(room.fac.state, "fylke"))
        labels = sorted(g.label for g in active_groups(room.fac.state, "fylke"))
        assert labels == ["Nordland", "Troms"]
        text = await shows(screen_pilot, screen, "Nordland")
        assert "Troms" in text and "Kari Nordmann" in text and "Lag grupper" not in text
