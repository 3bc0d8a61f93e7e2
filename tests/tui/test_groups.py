"""The participant app in group rounds: my group, shared answers, roles,
reports and local follow-up, against a real server (80×24)."""

from __future__ import annotations

import pytest

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.group_work import answer, group_of, org_group
from kompsesjon.tui.modals import Picker
from kompsesjon.tui.participant.modals import MergeScreen
from kompsesjon.tui.participant.views.groups import AnswerEditor, GroupWorkView

from .conftest import Workshop, advance, ok, run, screen_text, settle, shows, type_keys, type_text


async def conference(running, clients, tmp_path, template: str = "dialogkonferanse") -> Workshop:
    return await Workshop(running, clients, tmp_path).start(template=template, title="Nettverkssamling i Salten")


@pytest.fixture
async def dialogue(running, clients, tmp_path) -> Workshop:
    """A dialogue conference; the app is Kari from Bodø."""
    return await conference(running, clients, tmp_path)


async def at_first_answer(pilot) -> None:
    """The cursor is in the first answer, ready to write."""
    app = pilot.app
    await settle(pilot, lambda: app.focused is not None and app.focused.id == "answer-0-q")


async def room(workshop: Workshop):
    """Ola (Fauske) and Per (Bodø) join beside the app's Kari (Bodø)."""
    ola = await workshop.person("Ola", "Fauske")
    per = await workshop.person("Per", "Bodø")
    return ola, per


async def base_groups(workshop: Workshop, pid: str):
    """Into the first base-group round, with two mixed groups (seeded)."""
    host = workshop.host
    await advance(host, PhaseKind.GROUP_WORK)
    await ok(host, c.FormGroups(id=new_id(), set="base", seed=3))
    return group_of(host.state, "base", pid)


def view(app) -> GroupWorkView:
    return app.screen.query_one("#view-group_work", GroupWorkView)


def editor(app, question: int, sub: int | None = None) -> AnswerEditor:
    return next(
        e for e in app.screen.query(AnswerEditor) if e.key.question == question and e.key.sub == sub and e.display
    )


async def test_my_group_its_questions_and_a_shared_answer(dialogue):
    workshop = dialogue
    host = workshop.host
    app = workshop.app(org="Bodø")
    async with run(app) as pilot:
        kari = await workshop.joined(pilot)
        ola, _ = await room(workshop)
        await advance(host, PhaseKind.GROUP_WORK)
        await shows(pilot, "Du er ikke i en gruppe ennå")
        # With only three people there is one group; the seed does not matter.
        await ok(host, c.FormGroups(id=new_id(), set="base", seed=3))
        group = group_of(host.state, "base", kari)
        screen = await shows(
            pilot,
            "Gruppe 1",
            "Basisgrupper",
            "Kari (Bodø)",
            "Ola (Fauske)",
            "Per (Bodø)",
            "Referent: –",
            "Bordvert: –",
            "1. Hvilket praksiseksempel fra egen enhet deler dere?",
            "– Hva gjorde dere?",
            "Svar 1",
        )
        assert "Følg med på skjermen" not in screen
        await at_first_answer(pilot)

        await type_text(pilot, "Faddere for nyansatte")
        await shows(pilot, "● ikke lagret")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: (a := answer(host.state, host.state.phase, 0, group.id)) and a.version == 1)
        assert answer(host.state, host.state.phase, 0, group.id).text == "Faddere for nyansatte"
        await shows(pilot, "lagret, versjon 1, av Kari")

        # Ola saves the second answer: it arrives live in my (untouched) editor.
        await ok(
            ola,
            c.EditAnswer(id=new_id(), phase=host.state.phase, question=1, group=group.id, text="Mye", base_version=0),
        )
        await settle(pilot, lambda: editor(app, 1).area.text == "Mye")
        assert str(editor(app, 1).area.border_subtitle) == "lagret, versjon 1, av Ola"


async def test_a_stale_save_opens_the_same_merge_dialog(dialogue):
    workshop = dialogue
    host = workshop.host
    app = workshop.app(org="Bodø")
    async with run(app) as pilot:
        kari = await workshop.joined(pilot)
        ola, _ = await room(workshop)
        group = await base_groups(workshop, kari)
        phase = host.state.phase
        await at_first_answer(pilot)
        await type_text(pilot, "Vi deler [b]Bodø[/b]-modellen")
        await ok(ola, c.EditAnswer(id=new_id(), phase=phase, question=0, group=group.id, text="Fauske", base_version=0))
        await shows(pilot, "⚠ endret av Ola")
        assert editor(app, 0).area.text == "Vi deler [b]Bodø[/b]-modellen"  # never replaced under my hands

        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, MergeScreen))
        await shows(pilot, "Svar 1 ble endret mens du skrev", "Ola lagret først", "Fauske")
        await pilot.press("f4", "ctrl+s")  # both texts, saved over Ola's version
        await settle(pilot, lambda: answer(host.state, phase, 0, group.id).version == 2)
        assert answer(host.state, phase, 0, group.id).text == "Fauske\nVi deler [b]Bodø[/b]-modellen"
        await shows(pilot, "lagret, versjon 2, av Kari")


async def test_taking_and_giving_up_the_rapporteur_and_table_host_roles(dialogue):
    workshop = dialogue
    host = workshop.host
    app = workshop.app(org="Bodø")
    async with run(app) as pilot:
        kari = await workshop.joined(pilot)
        await room(workshop)
        group = await base_groups(workshop, kari)
        await shows(pilot, "Referent: –")
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: host.state.groups[group.id].rapporteur == kari)
        await shows(pilot, "Referent: Kari")
        await pilot.press("ctrl+t")
        await settle(pilot, lambda: host.state.groups[group.id].host == kari)
        await shows(pilot, "Bordvert: Kari")
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: host.state.groups[group.id].rapporteur is None)
        await shows(pilot, "Referent: –")


async def test_unsaved_text_survives_a_phase_change_and_a_relaunch(dialogue):
    workshop = dialogue
    host = workshop.host
    app = workshop.app(org="Bodø")
    async with run(app) as pilot:
        kari = await workshop.joined(pilot)
        ola, _ = await room(workshop)
        group = await base_groups(workshop, kari)
        phase = host.state.phase
        await at_first_answer(pilot)
        await type_text(pilot, "Halvskrevet tanke")
        await ok(host, c.StepBack(id=new_id(), current=phase))
        await shows(pilot, "Faglig innledning")
        await ok(host, c.AdvancePhase(id=new_id(), current=phase - 1))
        await settle(pilot, lambda: editor(app, 0).area.text == "Halvskrevet tanke")
        await shows(pilot, "● ikke lagret")
        # Meanwhile Ola saves the same answer: mine comes back, marked to merge.
        await ok(ola, c.EditAnswer(id=new_id(), phase=phase, question=0, group=group.id, text="Ola", base_version=0))
        await shows(pilot, "⚠ endret av Ola")

    # The terminal is closed and opened again: the same participant, the same text.
    again = workshop.app(org="Bodø")
    async with run(again) as pilot:
        assert await workshop.joined(pilot) == kari
        await settle(pilot, lambda: editor(again, 0).area.text == "Halvskrevet tanke")
        await shows(pilot, "⚠ endret av Ola")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(again.screen, MergeScreen))
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: answer(host.state, phase, 0, group.id).version == 2)
        assert answer(host.state, phase, 0, group.id).text == "Ola\nHalvskrevet tanke"
    assert (workshop.tmp_path / "resume.drafts.json").read_text(encoding="utf-8") == "[]"  # saved: nothing left


async def test_sub_questions_answered_one_by_one(running, clients, tmp_path):
    workshop = await conference(running, clients, tmp_path, "refleksjon")
    host = workshop.host
    app = workshop.app(org="Bodø")
    async with run(app) as pilot:
        kari = await workshop.joined(pilot)
        await room(workshop)
        await ok(host, c.FormGroups(id=new_id(), set="grupper"))
        while host.state.current.title != "Case 3: Koordinering i krisetid":
            await ok(host, c.AdvancePhase(id=new_id(), current=host.state.phase))
        group = group_of(host.state, "grupper", kari)
        assert host.state.groups[group.id].label == "Bodø"  # groups by municipality
        await shows(pilot, "Bodø", "Kari (Bodø)", "Per (Bodø)")
        await shows(pilot, "1. Hvilke informasjonskanaler", "Svar 1a")
        for _ in range(12):  # Tab goes down to «Hva fungerte godt?» and «Hva fungerte ikke?»
            if "2a) Hva fungerte godt?" in screen_text(app):
                break
            await pilot.press("tab")
        await shows(pilot, "2a) Hva fungerte godt?", "Svar 2a")
        editor(app, 1, 0).area.focus()
        await type_keys(pilot, "Dugnaden")
        editor(app, 1, 1).area.focus()
        await type_keys(pilot, "Ventetid")
        await pilot.press("ctrl+s")
        phase = host.state.phase
        await settle(pilot, lambda: answer(host.state, phase, 1, group.id, sub=1) is not None)
        assert answer(host.state, phase, 1, group.id, sub=0).text == "Dugnaden"
        assert answer(host.state, phase, 1, group.id, sub=1).text == "Ventetid"
        assert answer(host.state, phase, 1, group.id) is None  # the question itself: not written


async def test_the_report_locks_the_answers_and_shows_the_reporting_group(running, clients, tmp_path):
    workshop = await conference(running, clients, tmp_path, "refleksjon")
    host = workshop.host
    app = workshop.app(org="Bodø")
    async with run(app) as pilot:
        kari = await workshop.joined(pilot)
        ola, _ = await room(workshop)
        await advance(host, PhaseKind.GROUP_WORK)
        await ok(host, c.FormGroups(id=new_id(), set="grupper"))  # by municipality: Bodø, Fauske
        fauske = group_of(host.state, "grupper", ola.participant)
        phase = host.state.phase
        await ok(
            ola,
            c.EditAnswer(id=new_id(), phase=phase, question=0, group=fauske.id, text="Ja, stort sett", base_version=0),
        )
        await advance(host, PhaseKind.REPORT)
        await shows(pilot, "Diskusjonen er låst", "Gruppene rapporterer én etter én", "Kari (Bodø)")
        assert not list(app.screen.query("#view-report AnswerEditor")), "nothing to write while they report"
        await ok(host, c.PresentGroup(id=new_id(), group=fauske.id))
        await shows(
            pilot,
            "Rapporterer nå:",
            "Fauske",
            "Ola (Fauske)",
            "Ja, stort sett",
            "Refleksjon etter den innledende delen",
        )
        assert host.state.timer.running, "the rapporteur's minutes run"
        refused = await workshop.host.send(
            c.EditAnswer(id=new_id(), phase=phase, question=0, group=fauske.id, text="x", base_version=1)
        )
        assert refused.code == "discussion_locked" and kari


async def test_each_organisation_writes_its_follow_up(dialogue):
    workshop = dialogue
    host = workshop.host
    app = workshop.app(org="Bodø")
    async with run(app) as pilot:
        kari = await workshop.joined(pilot)
        ola, _ = await room(workshop)
        await ok(host, c.FormGroups(id=new_id(), set="base", seed=1))
        while host.state.current.title != "Del 4: Lokal oppfølging":
            await ok(host, c.AdvancePhase(id=new_id(), current=host.state.phase))
        await shows(pilot, "Svar for", "Bodø", "Kari (Bodø), Per (Bodø)", "Hva gjør vi i vår enhet")
        await at_first_answer(pilot)
        await type_text(pilot, "Planleggingsdag 8. januar")
        await pilot.press("ctrl+s")
        key = org_group("Bodø", kari)
        await settle(pilot, lambda: answer(host.state, host.state.phase, 0, key) is not None)
        await ok(
            ola,
            c.EditAnswer(
                id=new_id(),
                phase=host.state.phase,
                question=0,
                group=org_group("Fauske", ola.participant),
                text="Nettverksmøte i Fauske",
                base_version=0,
            ),
        )
        await pilot.press("ctrl+o")
        await shows(pilot, "Fauske", "Nettverksmøte i Fauske")


async def test_a_county_gathering_asks_for_the_county_at_join(running, clients, tmp_path):
    workshop = await conference(running, clients, tmp_path, "fylkessamling")
    host = workshop.host
    app = workshop.app(org="Bodø")
    async with run(app) as pilot:
        # Right after joining (before anything else) the app asks.
        await settle(pilot, lambda: isinstance(app.screen, Picker))
        kari = app.client.participant
        await shows(pilot, "Hvilket fylke (region) hører du til?", "Agder", "Nordland")
        await type_keys(pilot, "nord")
        await pilot.press("enter")
        await settle(pilot, lambda: host.state.participants[kari].region == "Nordland")
        # Ctrl+F asks again; a county not on the list can be typed.
        await pilot.press("ctrl+f")
        await settle(pilot, lambda: isinstance(app.screen, Picker))
        await shows(pilot, "Nå: Nordland")
        await type_keys(pilot, "Svalbard")
        await shows(pilot, "Bruk «Svalbard»")
        await pilot.press("enter")
        await settle(pilot, lambda: host.state.participants[kari].region == "Svalbard")


async def test_the_future_workshop_reflects_on_the_bottom_list_in_small_groups(workshop):
    """Seed 002: «reflektioner utifrån bottenlistan i smågrupper»."""
    from .conftest import critique_wall

    host = workshop.host
    app = workshop.app(org="Bodø")
    async with run(app) as pilot:
        kari = await workshop.joined(pilot)
        ola, per = await critique_wall(workshop)
        await advance(host, PhaseKind.VOTE, "critique")
        await ok(ola, c.PlaceDot(id=new_id(), board="critique", card="K2"))
        await ok(per, c.PlaceDot(id=new_id(), board="critique", card="K4"))
        await advance(host, PhaseKind.GROUP_WORK)
        await ok(host, c.FormGroups(id=new_id(), set="small", seed=1))
        screen = await shows(
            pilot,
            "Refleksjon over bunnlista i smågrupper",
            "Bunnliste",
            "1. Ingen tid til veiledning",
            "2. For mange skjema",
            "Hvilke punkter på bunnlista kjenner dere mest igjen",
        )
        assert "Gruppe 1" in screen
        group = group_of(host.state, "small", kari)
        await at_first_answer(pilot)
        await type_text(pilot, "Veiledning – punkt 1")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: answer(host.state, host.state.phase, 0, group.id) is not None)


async def test_keys_typed_right_after_tab_go_to_the_next_answer(dialogue):
    """A terminal may deliver "text⇥more" in one read (a quick typist, a
    loaded machine): what follows Tab belongs in the next answer, not glued
    onto the first."""
    from textual import events

    workshop = dialogue
    app = workshop.app(org="Bodø")
    async with run(app) as pilot:
        kari = await workshop.joined(pilot)
        await room(workshop)
        await base_groups(workshop, kari)
        await at_first_answer(pilot)
        for key, character in (("a", "a"), ("tab", "\t"), ("b", "b"), ("c", "c")):
            app.post_message(events.Key(key, character))  # all at once, as the driver does
        await settle(pilot, lambda: editor(app, 1).area.text == "bc")
        assert editor(app, 0).area.text == "a"
        assert app.focused is editor(app, 1).area
