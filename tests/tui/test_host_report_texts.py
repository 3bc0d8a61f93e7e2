"""Host view: writing the report's purpose, background, summary and decisions."""

from __future__ import annotations

from support import until
from textual.command import CommandPalette
from textual.widgets import TabbedContent, TextArea

from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.host.report_texts import ReportTextsScreen

from .conftest import type_text
from .host_support import cid, ok, opened, room, screen_text, shows  # noqa: F401


def summary(room) -> str:
    field = room.fac.state.report_texts.get("summary")
    return field.text if field else ""


async def test_the_facilitator_writes_summary_and_decisions_in_a_dialog(room):
    await room.advance_to(PhaseKind.CLOSING)
    app = room.host()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await opened(pilot, app, room)
        await shows(pilot, app, "o: skriv oppsummering og beslutninger")
        await pilot.press("o")
        text = await shows(pilot, app, "Til rapporten")
        assert isinstance(app.screen, ReportTextsScreen)
        for tab in ("Formål", "Bakgrunn", "Oppsummering", "Beslutninger"):
            assert tab in text
        assert app.screen.query_one(TabbedContent).active == "tab-summary"
        assert isinstance(app.focused, TextArea) and app.focused.id == "report-summary"

        await type_text(pilot, "Vi fant tid som det største hinderet.\n[bold]ikke fet[/]")
        await shows(pilot, app, "● ikke lagret")
        await pilot.press("ctrl+s")
        await until(lambda: summary(room) == "Vi fant tid som det største hinderet.\n[bold]ikke fet[/]")
        await shows(pilot, app, "lagret (versjon 1)")
        assert "[bold]ikke fet[/]" in screen_text(app)  # user text is never markup

        # The decisions: written, then the dialog closed before saving: kept as a draft.
        await pilot.press("ctrl+pagedown")
        await until(lambda: app.screen.query_one(TabbedContent).active == "tab-decisions")
        await until(lambda: app.focused is not None and app.focused.id == "report-decisions")
        await type_text(pilot, "1. Fagdag i mars")
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, ReportTextsScreen))
        await shows(pilot, app, "Ulagret tekst er tatt vare på")
        assert "decisions" not in room.fac.state.report_texts
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, ReportTextsScreen))
        await until(lambda: app.focused is not None and app.focused.id == "report-decisions")
        assert app.screen.query_one(TabbedContent).active == "tab-decisions"
        assert app.focused.text == "1. Fagdag i mars"
        await pilot.press("ctrl+s")
        await until(lambda: "decisions" in room.fac.state.report_texts)
        assert room.fac.state.report_texts["decisions"].text == "1. Fagdag i mars"

        # The purpose came from the template and can be changed here too.
        await pilot.press("ctrl+pageup", "ctrl+pageup", "ctrl+pageup")
        await until(lambda: app.screen.query_one(TabbedContent).active == "tab-purpose")
        await shows(pilot, app, "fra malen")
        assert app.focused.text.startswith("Sammen finne hva som hindrer oss")
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, ReportTextsScreen))

    # Summary and decisions are the facilitator's; participants see only the purpose.
    await ok(room.fac, c.AddNextStep(id=cid(), text="Rapport til kommunene"))  # an event everyone gets
    await until(lambda: len(room.people[0].state.next_steps) == 1)
    assert set(room.people[0].state.report_texts) == {"purpose"}


async def test_a_secretarys_save_is_never_overwritten_silently(room):
    app = room.host()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await opened(pilot, app, room)
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, ReportTextsScreen))
        await until(lambda: app.focused is not None and app.focused.id == "report-summary")
        await type_text(pilot, "Min oppsummering")
        # Another facilitator (the secretary, with the same token) saves first.
        await ok(room.fac, c.EditReportText(id=cid(), field="summary", text="Sekretærens referat", base_version=0))
        await shows(pilot, app, "En annen har lagret en nyere versjon")
        assert app.focused.text == "Min oppsummering"  # my text is kept
        await pilot.press("ctrl+s")
        await shows(pilot, app, "begge tekstene står her nå")
        assert app.focused.text == "Sekretærens referat\nMin oppsummering"
        assert summary(room) == "Sekretærens referat"  # nothing was overwritten
        await pilot.press("ctrl+s")
        await until(lambda: summary(room) == "Sekretærens referat\nMin oppsummering")
        assert room.fac.state.report_texts["summary"].version == 2


async def test_the_dialog_is_in_the_command_palette_and_not_on_a_screen(room):
    app = room.host()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await opened(pilot, app, room)
        await pilot.press("ctrl+p")
        await until(lambda: isinstance(app.screen, CommandPalette))
        await type_text(pilot, "oppsummering")
        await shows(pilot, app, "Rapport: formål, oppsummering, beslutninger")
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ReportTextsScreen))

    screen = room.host(role="screen")
    async with screen.run_test(size=(100, 30)) as pilot:
        await opened(pilot, screen, room)
        await pilot.press("o")
        await pilot.pause(0.2)
        assert not isinstance(screen.screen, ReportTextsScreen)


async def test_the_closing_view_counts_evaluations_but_never_says_whose(room):
    await room.advance_to(PhaseKind.CLOSING)
    await ok(room.people[0], c.Evaluate(id=cid(), rating=5, text="Mer tid til øyene"))
    await ok(room.people[1], c.Evaluate(id=cid(), rating=4))
    app = room.host()
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot, app, room)
        text = await shows(pilot, app, "Evaluering: 2 svar · snitt 4,5 av 5")
        assert "Mer tid til øyene" not in text
        await ok(room.people[2], c.Evaluate(id=cid(), rating=3))
        await shows(pilot, app, "Evaluering: 3 svar · snitt 4,0 av 5")


async def test_the_intro_shows_the_purpose_to_the_room(room):
    app = room.host(role="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        await shows(pilot, app, "Formål: Sammen finne hva som hindrer oss")
        await ok(room.fac, c.EditReportText(id=cid(), field="purpose", text="Lære av hverandre", base_version=0))
        await shows(pilot, app, "Formål: Lære av hverandre")
