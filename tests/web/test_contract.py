"""The web page and issue 13: a closed session says so at the join form,
text typed and not sent is told to the facilitator (never the text), and
someone alone on an island is told on their own screen."""

from __future__ import annotations

from playwright.async_api import expect
from support import advance, ok, until

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind

from .a11y import assert_usable
from .phone import Phone


async def test_a_closed_session_refuses_a_phone_in_its_language(running, clients, chromium):
    created = await running.new_session(title="Samarbeid i Salten")
    host = clients(running.url, role="facilitator", token=created.token)
    await host.wait_ready()
    await ok(host, c.CloseSession(id=new_id()))
    phone = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", f"/{created.code}")
    await phone.page.get_by_label("Navn").fill("Kari")
    await phone.page.get_by_role("button", name="Bli med").click()
    await expect(phone.page.locator("#join-error")).to_have_text(
        "Økten er avsluttet og tar ikke imot nye deltakere. Spør fasilitator."
    )
    assert not host.state.participants
    phone.assert_no_errors()
    await phone.close()


async def test_unsaved_text_and_someone_alone_on_an_island(running, clients, chromium):
    created = await running.new_session(title="Samarbeid i Salten")
    host = clients(running.url, role="facilitator", token=created.token)
    ola = clients(running.url, role="participant", code=created.code, name="Ola", org="Fauske")
    await host.wait_ready()
    await ola.wait_ready()
    kari = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", f"/{created.code}")
    await kari.join("Kari", "Bodø")
    await until(lambda: len(host.state.participants) == 2)
    me = next(p.id for p in host.state.participants.values() if p.name == "Kari")

    # A card being written is unsaved text; the facilitator learns that, not the words.
    await advance(host, PhaseKind.BRAINSTORM, "critique")
    await kari.phase("Kritikkfase")
    await kari.page.get_by_label("Ny lapp").fill("Lite tid")
    await until(lambda: host.unsaved == {me}, timeout=5)
    assert not any("Lite tid" in frame for frame in kari.sent if '"unsaved"' in frame)
    await kari.page.get_by_label("Ny lapp").press("Enter")
    await until(lambda: host.unsaved == set(), timeout=5)
    card = next(i.id for i in host.state.items.values())
    await ok(host, c.RevealItems(id=new_id(), board="critique"))

    # Alone on an island: told on her own screen, until someone joins her.
    await advance(host, PhaseKind.ISLANDS)
    await ok(host, c.CreateIsland(id=new_id(), title="Tid", links=[c.LinkRef(board="critique", card=card)]))
    await kari.phase("Øyer")
    await kari.page.get_by_role("button", name="Velg øy: «Tid»").click()
    alone = kari.page.locator("#island-alone")
    await expect(alone).to_have_text("Du er alene på øya – den trenger minst 2. Velg en annen øy, eller vent på flere.")
    await assert_usable(kari.page, "alone on an island")
    await ok(ola, c.ChooseIsland(id=new_id(), island="I1"))
    await expect(alone).to_be_hidden()
    kari.assert_no_errors()
    await kari.close()
