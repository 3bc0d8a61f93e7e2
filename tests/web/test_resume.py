"""The page keeps the terminal app's promises: offline queue, reconnect, resume.

The server is stopped and started again on the same port and database while
a phone is in the session; the page says it is offline and how many changes
wait, keeps what is written, and sends it (once) when the server is back —
also from a tab that was closed meanwhile. Languages and keyboard-only use
are checked here too.
"""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.async_api import expect
from support import tls_server, until

from kompsesjon.client import new_id
from kompsesjon.method import commands as c

from .a11y import assert_usable
from .phone import Phone


async def facilitator(running, clients, token: str):
    host = clients(running.url, role="facilitator", token=token)
    await host.wait_ready()
    return host


async def test_offline_queue_and_reconnect(running, clients, chromium):
    created = await running.new_session()
    host = await facilitator(running, clients, created.token)
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    kari = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", f"/{created.code}")
    await kari.join("Kari", "Bodø")
    await kari.phase("Kritikkfase")
    me = next(iter(host.state.participants))
    connects = await kari.page.evaluate("() => window.kompsesjon.client.connects")

    await running.stop()  # the wifi drops (the server is gone)
    await expect(kari.page.locator("#connection")).to_have_text("Frakoblet – prøver igjen …", timeout=10_000)
    card = kari.page.get_by_label("Ny lapp")
    for text in ("Skrevet mens nettet var borte", "Og en til"):
        await card.fill(text)
        await card.press("Enter")
    await expect(kari.page.locator("#connection")).to_contain_text("2 venter på svar")
    await assert_usable(kari.page, "offline")

    await running.start()  # back: the page reconnects by itself and resumes
    await expect(kari.page.locator("#connection")).to_have_text("Tilkoblet", timeout=15_000)
    await expect(kari.page.locator("li.card.mine")).to_have_count(2)
    host = await facilitator(running, clients, created.token)
    texts = sorted(i.text for i in host.state.items.values())
    assert texts == ["Og en til", "Skrevet mens nettet var borte"]
    assert all(i.author == me for i in host.state.items.values())
    assert await kari.page.evaluate("() => window.kompsesjon.client.connects") > connects
    assert await kari.page.evaluate("() => window.kompsesjon.client.participant") == me

    # The network comes back after a sleep: the page opens a fresh connection at once
    # and resumes from where it was (missed events, no snapshot needed).
    await host.send(c.AddItem(id=new_id(), board="critique", text="Fra fasilitator"))
    before = await kari.page.evaluate("() => window.kompsesjon.client.connects")
    await kari.page.evaluate("() => window.dispatchEvent(new Event('online'))")
    await expect(kari.page.locator("li.card")).to_have_count(3, timeout=10_000)
    # The card may come over the old connection before the new one is open.
    await kari.page.wait_for_function("(n) => window.kompsesjon.client.connects >= n", arg=before + 1)
    assert await kari.page.evaluate("() => window.kompsesjon.client.connects") == before + 1
    kari.assert_no_errors()
    await kari.close()


async def test_what_waits_survives_a_closed_tab(running, clients, chromium):
    created = await running.new_session()
    host = await facilitator(running, clients, created.token)
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    base = f"http://127.0.0.1:{running.port}"
    kari = await Phone.open(chromium, base, f"/{created.code}")
    await kari.join("Kari", "Bodø")
    await kari.phase("Kritikkfase")
    await running.stop()
    await expect(kari.page.locator("#connection")).to_contain_text("Frakoblet")
    await kari.page.get_by_label("Ny lapp").fill("Skrevet før fanen ble lukket")
    await kari.page.get_by_label("Ny lapp").press("Enter")
    await expect(kari.page.locator("#connection")).to_contain_text("1 venter på svar")
    await kari.page.close()  # the phone's browser drops the tab

    await running.start()
    page = await kari.context.new_page()  # later: the same browser opens the address again
    again = Phone(kari.context, page, base)
    await page.goto(f"{base}/{created.code}")
    await again.joined()  # no join form: the browser remembers who it is
    await expect(page.locator("li.card.mine .card-text")).to_have_text("Skrevet før fanen ble lukket", timeout=10_000)
    host = await facilitator(running, clients, created.token)
    assert [i.text for i in host.state.items.values()] == ["Skrevet før fanen ble lukket"]
    assert len(host.state.participants) == 1
    again.assert_no_errors()
    await again.close()


async def test_languages_follow_the_session_and_the_person(running, chromium):
    swedish = await running.new_session(lang="sv")
    base = f"http://127.0.0.1:{running.port}"
    page = (await Phone.open(chromium, base, f"/{swedish.code}", locale="en-GB")).page
    await expect(page.get_by_role("heading", level=1)).to_have_text("Gå med i en session")
    await expect(page.get_by_role("button", name="Gå med")).to_be_visible()
    await page.get_by_label("Språk").select_option("en")
    await expect(page.get_by_role("button", name="Join")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    # Without a code in the address, the browser's language (English here) until joined …
    english = await Phone.open(chromium, base, "/", locale="en-GB")
    await expect(english.page.get_by_role("button", name="Join")).to_be_visible()
    await english.page.get_by_label("Code").fill(swedish.code)
    await english.page.get_by_label("Name").fill("Anna")
    await english.page.get_by_role("button", name="Join").click()
    await english.joined()
    # … then the session's language (Swedish), unless the person chose one.
    await english.phase("Inledning och incheckning")
    await expect(english.page.locator("html")).to_have_attribute("lang", "sv")


async def test_keyboard_only(running, clients, chromium):
    created = await running.new_session()
    host = await facilitator(running, clients, created.token)
    kari = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", "/")
    keys = kari.page.keyboard
    await expect(kari.page.get_by_label("Kode")).to_be_focused()
    await keys.type(created.code)
    await keys.press("Tab")
    await keys.type("Kari")
    await keys.press("Enter")
    await kari.joined()
    await expect(kari.page.locator("h1.view-title")).to_be_focused()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    await host.send(c.AddItem(id=new_id(), board="critique", text="Lite tid"))
    for _ in range(2):
        await host.send(c.AdvancePhase(id=new_id(), current=host.state.phase))
    await kari.phase("Stemming: Kritikk")
    await expect(kari.page.locator("h1.view-title")).to_be_focused()
    # Tab to the first + and press it twice, with Enter and with Space.
    plus = kari.page.get_by_role("button", name="Gi en prikk til «Lite tid»")
    for _ in range(12):
        if await plus.evaluate("(el) => el === document.activeElement"):
            break
        await keys.press("Tab")
    await expect(plus).to_be_focused()
    await keys.press("Enter")
    await keys.press(" ")
    await expect(kari.page.locator(".vote-status")).to_contain_text("3 av 5 prikker igjen")
    me = next(iter(host.state.participants))
    await until(lambda: host.state.boards["critique"].vote.dots.get(me) == {"K1": 2})
    kari.assert_no_errors()
    await kari.close()


async def test_https_with_the_servers_certificate(tmp_path, chromium):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    server, _ = await tls_server(tmp_path)
    try:
        created = await server.create_session(title="Kryptert")
        context = await chromium.new_context(ignore_https_errors=True, viewport={"width": 360, "height": 740})
        page = await context.new_page()
        kari = Phone(context, page, f"https://127.0.0.1:{server.port}")
        await page.goto(f"{kari.base}/{created.code}")
        await kari.join("Kari")  # over wss:// to the same server, the code in the path for a proxy
        url = await page.evaluate("() => window.kompsesjon.client.url")
        assert url == f"wss://127.0.0.1:{server.port}/s/{created.code}"
        await kari.close()
    finally:
        await server.stop()


async def test_join_errors_are_said_at_the_field(running, chromium):
    created = await running.new_session()
    phone = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", "/")
    page = phone.page
    await page.get_by_label("Kode").fill("ZZZZZZ")
    await page.get_by_label("Navn").fill("Kari")
    await page.get_by_role("button", name="Bli med").click()
    await expect(page.get_by_role("alert")).to_have_text("Ingen økt har den koden. Sjekk koden på skjermen.")
    await expect(page.get_by_label("Kode")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Kode")).to_be_focused()
    assert await page.evaluate("() => localStorage.length") == 0  # nothing kept of a wrong code
    await page.get_by_label("Kode").fill(created.code)
    await page.get_by_label("Navn").fill("")
    await page.get_by_role("button", name="Bli med").click()  # a named session needs a name
    await expect(page.get_by_role("alert")).to_have_text("Denne økten trenger navnet ditt.")
    await expect(page.get_by_label("Navn")).to_be_focused()
    await assert_usable(page, "join form with an error")
    await page.get_by_label("Navn").fill("Kari")
    await page.get_by_role("button", name="Bli med").click()
    await phone.joined()
    phone.assert_no_errors()
    await phone.close()


async def test_screen_readers_hear_new_cards_phases_and_the_timer(running, clients, chromium):
    created = await running.new_session()
    host = await facilitator(running, clients, created.token)
    kari = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", f"/{created.code}")
    await kari.join("Kari")
    announce = kari.page.locator("#announce")
    await expect(announce).to_have_attribute("aria-live", "polite")
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    await expect(announce).to_have_text("Ny fase: Kritikkfase")
    await host.send(c.RevealItems(id=new_id(), board="critique"))
    await host.send(c.AddItem(id=new_id(), board="critique", text="Lite tid"))
    await expect(announce).to_have_text("Ny lapp: Lite tid")
    # The timer: a warning when five minutes are left, seen and heard (role=status).
    await host.send(c.SetTimer(id=new_id(), seconds=302))
    await expect(kari.page.locator("#timer")).to_have_attribute("aria-label", re.compile(r"^Tid igjen: 0[45]:\d\d$"))
    notice = kari.page.locator("#notice")
    await expect(notice).to_have_attribute("role", "status")
    await expect(notice).to_have_text("5 minutter igjen", timeout=10_000)
    kari.assert_no_errors()
    await kari.close()
