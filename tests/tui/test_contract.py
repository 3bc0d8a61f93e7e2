"""The participant app and issue 13: a closed session says so at the join
form; text typed and not saved is told to the facilitator (not its words)."""

from __future__ import annotations

from support import advance, ok

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.participant.join import JoinScreen

from .conftest import focused, run, settle, shows, type_text
from .test_islands_plans import plans


async def test_a_closed_session_says_so_to_a_newcomer_and_lets_those_in_read(workshop):
    async with run(workshop.app(name="Kari", resume="kari.txt")) as pilot:
        await workshop.joined(pilot)
    await workshop.host.send(c.CloseSession(id=new_id()))
    app = workshop.app(name="Ola", resume="ola.txt")
    async with run(app) as pilot:
        await shows(pilot, "Økten er avsluttet og tar ikke imot nye deltakere.")
        assert isinstance(app.screen, JoinScreen)
    assert len(workshop.host.state.participants) == 1
    # Kari, already in, comes back and reads on.
    kari = workshop.app(name=None, resume="kari.txt")
    async with run(kari) as pilot:
        await workshop.joined(pilot)
        await shows(pilot, "Framtidsverksted i Salten")


async def test_a_card_being_written_is_unsaved_text_until_it_is_sent(workshop):
    host = workshop.host
    app = workshop.app(name="Kari")
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        await advance(host, PhaseKind.BRAINSTORM, "critique")
        await focused(pilot, "card-input")
        await type_text(pilot, "Lite tid")
        await settle(pilot, lambda: host.unsaved == {pid})
        await pilot.press("enter")
        await settle(pilot, lambda: host.unsaved == set())
        assert "Lite tid" not in str(host.presence)  # only that there is text, never the text


async def test_an_action_plan_field_not_saved_is_unsaved_text_only_in_its_phase(workshop):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        await plans(workshop, pid)
        await focused(pilot, "plan-what")
        await type_text(pilot, "Felles fagdag")
        await shows(pilot, "● ikke lagret")
        await settle(pilot, lambda: host.unsaved == {pid})
        # The facilitator goes on anyway: the draft is kept, but it cannot be
        # saved in the closing phase, so it is no longer news for the next `n`.
        await ok(host, c.AdvancePhase(id=new_id(), current=host.state.phase))
        await settle(pilot, lambda: host.unsaved == set())
        assert len(app.drafts) == 1
