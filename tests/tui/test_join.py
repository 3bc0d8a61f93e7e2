"""Joining: the form, a name the server asks for, a bad code, removal."""

from __future__ import annotations

from kompsesjon.client import Status, new_id
from kompsesjon.method import commands as c
from kompsesjon.tui.participant.join import JoinScreen, RefusedScreen

from .conftest import run, settle, shows, type_keys, type_text


async def test_join_form_when_the_name_is_missing(workshop):
    app = workshop.app(name=None, org=None)
    async with run(app) as pilot:
        screen = await shows(pilot, "Bli med i en økt", "Kode", "Navn", "Organisasjon")
        assert workshop.code in screen, "the code from the command line is filled in"
        assert isinstance(app.screen, JoinScreen)
        assert app.screen.focused.id == "join-name"
        await type_keys(pilot, "Kari N")
        await type_text(pilot, "ordmann")
        await pilot.press("tab")
        await type_text(pilot, "Bodø kommune")
        await pilot.press("enter")
        pid = await workshop.joined(pilot)
        host = workshop.host
        await settle(pilot, lambda: pid in host.state.participants)
        person = host.state.participants[pid]
        assert (person.name, person.org) == ("Kari Nordmann", "Bodø kommune")
        await shows(pilot, "Framtidsverksted i Salten", "Innledning og innsjekk", "Tilkoblet")


async def test_server_asks_for_a_name_and_the_form_says_so(workshop):
    # A remembered resume secret that this server does not know: the app
    # says hello without a name, the server answers "name required".
    (workshop.tmp_path / "resume.txt").write_text("x" * 30)
    app = workshop.app(name=None)
    async with run(app) as pilot:
        await shows(pilot, "Denne økten trenger navnet ditt.")
        assert isinstance(app.screen, JoinScreen)
        assert app.client is not None and app.client.status != Status.CLOSED
        assert app.screen.focused.id == "join-name"
        await type_text(pilot, "Ola")
        await pilot.press("enter")
        pid = await workshop.joined(pilot)
        await settle(pilot, lambda: workshop.host.state.participants.get(pid) is not None)
        assert workshop.host.state.participants[pid].name == "Ola"
        assert app.client.connects == 1, "the same connection said hello again"


async def test_anonymous_session_joins_without_a_name(running, clients, tmp_path):
    from .conftest import Workshop

    workshop = await Workshop(running, clients, tmp_path).start(title="Anonymt", anonymous=True)
    app = workshop.app(name=None)
    async with run(app) as pilot:
        await shows(pilot, "Bli med i en økt")
        await pilot.press("enter")  # name left empty
        pid = await workshop.joined(pilot)
        await settle(pilot, lambda: pid in workshop.host.state.participants)
        assert workshop.host.state.participants[pid].name == ""
        await shows(pilot, "Anonymt", "Innledning og innsjekk")


async def test_bad_code_offers_the_form_again(workshop):
    app = workshop.app(name="Kari", code="ZZZZZZ")
    async with run(app) as pilot:
        await shows(pilot, "Ingen økt har den koden")
        assert isinstance(app.screen, JoinScreen)
        assert app.screen.focused.id == "join-code"
        app.screen.focused.value = ""
        await type_text(pilot, workshop.code.lower())
        await pilot.press("enter")
        pid = await workshop.joined(pilot)
        await settle(pilot, lambda: pid in workshop.host.state.participants)
        assert workshop.host.state.participants[pid].name == "Kari"


async def test_the_form_insists_on_a_code(workshop):
    app = workshop.app(name="Kari", code="")
    async with run(app) as pilot:
        await shows(pilot, "Bli med i en økt")
        assert app.screen.focused.id == "join-code"
        await pilot.press("enter")
        await shows(pilot, "Skriv inn koden fra skjermen.")
        assert app.client is None


async def test_removed_participant_is_told_clearly(workshop):
    app = workshop.app(name="Kari")
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        await workshop.host.send(c.RemoveParticipant(id=new_id(), participant=pid))
        await shows(pilot, "Kan ikke bli med", "Fasilitator har fjernet deg fra økten.")
        assert isinstance(app.screen, RefusedScreen)


async def test_a_relaunch_resumes_the_same_participant(workshop):
    async with run(workshop.app(name="Kari")) as pilot:
        first = await workshop.joined(pilot)
    app = workshop.app(name=None)  # the remembered secret is enough
    async with run(app) as pilot:
        assert await workshop.joined(pilot) == first
        assert not isinstance(app.screen, JoinScreen)
    app = workshop.app(name="Kari", fresh=True)
    async with run(app) as pilot:
        assert await workshop.joined(pilot) != first
