"""The follow-up round of a series on the web page: a phone reports on its
island group's action from the earlier gathering (status and a note), sees
another group's action read-only, and the page passes axe-core."""

from __future__ import annotations

from playwright.async_api import expect
from support import advance, earlier_gathering, ok, until

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind

from .a11y import assert_usable
from .phone import Phone


async def test_a_phone_reports_on_its_groups_action(running, clients, chromium):
    code = (await earlier_gathering(running, clients)).code
    created = await running.new_session(title="Andre samling", follows=code)
    host = clients(running.url, role="facilitator", token=created.token)
    await host.wait_ready()
    tid, roller = (a.id for a in host.state.series.actions)
    phone = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", f"/{created.code}")
    await phone.join("Kari", "Bodø")
    await advance(host, PhaseKind.ACTION_REVIEW)
    page = phone.page
    await phone.phase("Oppfølging: hva har skjedd?")
    await expect(page.locator(".view")).to_contain_text("Tiltakene fra «Første samling»")
    actions = page.locator(".review-actions button")
    await expect(actions.nth(0)).to_have_text("Tid: Fast møtetid · Ikke rapportert (deres)")
    await expect(actions.nth(1)).to_have_text("Roller: Rollebeskrivelser · Ikke rapportert")
    await assert_usable(page, "follow-up round")

    # Ours: a status and a note, saved against the version it started from.
    await page.get_by_role("button", name="Pågår", exact=True).click()
    await until(lambda: tid in host.state.reviews and host.state.reviews[tid].status == "in_progress")
    await expect(page.get_by_role("button", name="Pågår", exact=True)).to_have_attribute("aria-pressed", "true")
    await page.get_by_label("Hva har skjedd?", exact=True).fill("Møtetid avtalt i <b>Bodø</b>")
    await page.get_by_role("button", name="Lagre Hva har skjedd?", exact=True).click()
    await until(lambda: "happened" in host.state.reviews[tid].notes)
    assert host.state.reviews[tid].notes["happened"].text == "Møtetid avtalt i <b>Bodø</b>"
    await expect(actions.nth(0)).to_have_text("Tid: Fast møtetid · Pågår (deres)")

    # Another group's action: shown, not reported on from here.
    await actions.nth(1).click()
    await expect(page.locator(".review-action")).to_contain_text("En annen gruppes tiltak")
    await expect(page.locator(".review-status")).to_be_hidden()
    assert roller not in host.state.reviews
    phone.assert_no_errors()
    await phone.close()


async def test_a_phone_names_who_from_the_session_and_the_series(running, clients, chromium):
    code = (await earlier_gathering(running, clients)).code
    created = await running.new_session(title="Andre samling", follows=code)
    host = clients(running.url, role="facilitator", token=created.token)
    ola = clients(running.url, role="participant", code=created.code, name="Ola", org="Bodø")
    await host.wait_ready()
    await ola.wait_ready()
    phone = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", f"/{created.code}")
    await phone.join("Kari", "Bodø")
    await advance(host, PhaseKind.BRAINSTORM, "critique")
    await ok(ola, c.AddItem(id=new_id(), board="critique", text="Lite tid"))
    await ok(host, c.RevealItems(id=new_id(), board="critique"))
    await advance(host, PhaseKind.ISLANDS)
    await ok(host, c.CreateIsland(id=new_id(), title="Tid", links=[c.LinkRef(board="critique", card="K1")]))
    await ok(ola, c.ChooseIsland(id=new_id(), island="I1"))
    kari = next(p.id for p in host.state.participants.values() if p.name == "Kari")
    await ok(host, c.AssignIsland(id=new_id(), participant=kari, island="I1"))
    await advance(host, PhaseKind.ACTION_PLANS)
    page = phone.page
    await phone.phase("Handlingsplaner")
    choice = page.get_by_label("Person fra økten eller tidligere samlinger")
    # Siv (Meløy) was only at the first gathering.
    await expect(choice).to_contain_text("Siv (Meløy)")
    await choice.select_option(label="Siv (Meløy)")
    await page.get_by_role("button", name="Navngi", exact=True).click()
    await until(lambda: [p.name for p in host.state.plan_owners.get("I1", [])] == ["Siv"])
    await expect(page.locator(".plan-owners .owners")).to_contain_text("Siv (Meløy)")
    await assert_usable(page, "naming WHO")
    await page.get_by_role("button", name="Fjern Siv (Meløy) fra HVEM").click()
    await until(lambda: host.state.plan_owners.get("I1") == [])
    phone.assert_no_errors()
    await phone.close()
