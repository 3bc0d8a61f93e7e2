"""A whole Future Workshop with two phones and a terminal participant.

Two participants join from the web page in headless Chromium on a phone-sized
screen (360×740), one from the terminal client; the facilitator runs the
agenda. Everything the phones do, they do through the page as a person would
(labels, buttons, the keyboard); the test checks what the page shows against
the Python engine's view of the same session, and scans every screen with
axe-core.
"""

from __future__ import annotations

import json

from playwright.async_api import expect
from support import advance, ok, until

from benchmarks.lean import page_command, page_hello
from kompsesjon.client import SessionClient, new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.group_work import answer, group_of
from kompsesjon.method.state import dump_state
from kompsesjon.method.visibility import participant_view, view_state
from kompsesjon.method.voting import ranked_list

from .a11y import assert_usable
from .phone import Phone


def pid(host: SessionClient, name: str) -> str:
    return next(p.id for p in host.state.participants.values() if p.name == name)


async def same_mirror(running, phone: Phone, who: str) -> None:
    """The page's mirror equals the server's view for that participant."""
    hub = next(iter(running.server.hubs.values()))
    await until(lambda: True)
    expected = dump_state(view_state(hub.state, participant_view(who)))
    expected.pop("counters")
    got = await phone.state()
    got.pop("counters")
    assert got == expected


async def test_two_phones_and_a_terminal_hold_a_future_workshop(running, clients, chromium):
    created = await running.new_session(title="Samarbeid i Salten", question="Hvordan løfter vi kompetansen?")
    base = f"http://127.0.0.1:{running.port}"
    host = clients(running.url, role="facilitator", token=created.token)
    ola = clients(running.url, role="participant", code=created.code, name="Ola", org="Fauske")
    await host.wait_ready()
    await ola.wait_ready()

    # Kari opens the page and types the code; Per scans the QR code (the code is in the address).
    kari = await Phone.open(chromium, base, "/")
    await kari.join("Kari", "Bodø", code=created.code.lower())
    per = await Phone.open(chromium, base, f"/{created.code}")
    await expect(per.page.get_by_label("Kode")).to_have_value(created.code)
    await assert_usable(per.page, "join form")
    await per.join("Per", "Saltdal")
    assert kari.page.url == f"{base}/{created.code}"
    await until(lambda: len(host.state.participants) == 3)
    k, p, o = pid(host, "Kari"), pid(host, "Per"), ola.participant

    # ---- intro: everyone checks in ------------------------------------------------
    await kari.phase("Innledning og innsjekk")
    await kari.page.get_by_label("Innsjekk: hva håper du på i dag?").fill("Å lære av <b>nabokommunene</b>")
    await kari.page.get_by_role("button", name="Send").click()
    await expect(kari.page.locator(".mine")).to_contain_text("Å lære av <b>nabokommunene</b>")
    await ok(ola, c.CheckIn(id=new_id(), text="Konkrete tiltak"))
    await expect(per.page.locator("ul.notes")).to_contain_text("Kari: Å lære av <b>nabokommunene</b>")
    await expect(per.page.locator("ul.notes")).to_contain_text("Ola: Konkrete tiltak")
    await assert_usable(per.page, "intro")

    # ---- critique: buzz pairs, private cards, reveal ---------------------------------
    await advance(host, PhaseKind.BRAINSTORM, "critique")
    await kari.phase("Kritikkfase")
    await ok(host, c.FormBuzzPairs(id=new_id(), seed=3))
    await expect(kari.page.locator(".pair-info")).to_contain_text("Bikube med:")
    card = kari.page.get_by_label("Ny lapp")
    await card.fill("<script>alert('x')</script> lite tid")
    await card.press("Enter")
    await expect(card).to_be_focused()  # write card after card
    await card.fill("Små fagmiljø")
    await kari.page.get_by_label("Med bikuben").check()
    await kari.page.get_by_role("button", name="Legg til").click()
    await per.page.get_by_label("Ny lapp").fill("Lønna henger etter")
    await per.page.get_by_label("Ny lapp").press("Enter")
    await per.page.get_by_label("Ny lapp").fill("Skrivefeil her")
    await per.page.get_by_label("Ny lapp").press("Enter")
    await ok(ola, c.AddItem(id=new_id(), board="critique", text="Turnover i helse"))
    await until(lambda: len(host.state.items) == 5)
    # Private writing: Per sees his own cards (and a pair card if Kari's pair is Per) only.
    await expect(per.page.locator("li.card").filter(has_text="Lønna henger etter")).to_contain_text("privat")
    await expect(per.page.locator("li.card").filter(has_text="lite tid")).to_have_count(0)
    # Per edits and withdraws his own cards.
    await per.page.get_by_role("button", name="Endre lappen «Skrivefeil her»").click()
    await per.page.get_by_label("Lappens tekst").fill("Ingen skrivefeil")
    await per.page.get_by_role("button", name="Lagre").click()
    await expect(per.page.locator("li.card").filter(has_text="Ingen skrivefeil")).to_have_count(1)
    await per.page.get_by_role("button", name="Trekk tilbake lappen «Ingen skrivefeil»").click()
    await per.page.get_by_role("button", name="Ja").click()
    await expect(per.page.locator("li.card").filter(has_text="Ingen skrivefeil")).to_have_count(0)
    await ok(host, c.RevealItems(id=new_id(), board="critique"))
    # Revealed: everyone's cards, user text literally (no markup, no script).
    script_card = per.page.locator("li.card").filter(has_text="<script>alert('x')</script> lite tid")
    await expect(script_card).to_have_count(1)
    assert await per.page.locator("li.card script").count() == 0
    await expect(per.page.locator("li.card")).to_have_count(4)
    await assert_usable(per.page, "critique brainstorm")
    await same_mirror(running, per, p)

    # ---- cluster: the facilitator merges two cards into a theme -----------------------
    await advance(host, PhaseKind.CLUSTER, "critique")
    await kari.phase("Sortering: Kritikk")
    ids = {i.text: i.id for i in host.state.items.values()}
    await ok(
        host,
        c.Merge(
            id=new_id(), board="critique", cards=[ids["Små fagmiljø"], ids["Turnover i helse"]], title="Kompetanse"
        ),
    )
    await expect(kari.page.locator("li.theme")).to_contain_text("Kompetanse")
    await assert_usable(kari.page, "cluster")

    # ---- vote: dots with budget and cap in view; a reload keeps them ------------------
    await advance(host, PhaseKind.VOTE, "critique")
    await kari.phase("Stemming: Kritikk")
    theme = next(t.id for t in host.state.themes.values())
    plus = kari.page.get_by_role("button", name="Gi en prikk til «Kompetanse»")
    for _ in range(3):
        await plus.click()
    await expect(kari.page.locator(".vote-status")).to_contain_text("2 av 5 prikker igjen")
    await plus.press("Enter")  # a fourth dot on one theme: over the cap (3), said in words
    await expect(kari.page.locator("#notice")).to_contain_text("Høyst 3 prikker på samme tema")
    await expect(plus).to_be_focused()
    await kari.page.get_by_role("button", name="Gi en prikk til «Lønna henger etter»").click()
    await expect(kari.page.locator(".vote-status")).to_contain_text("1 av 5 prikker igjen")
    await assert_usable(kari.page, "vote")
    await kari.reload()  # a sleeping phone, a reload: the same participant, the same dots
    await kari.phase("Stemming: Kritikk")
    await expect(kari.page.locator(".vote-status")).to_contain_text("1 av 5 prikker igjen")
    await expect(kari.page.locator("li.unit").filter(has_text="Kompetanse")).to_contain_text("3 av høyst 3")
    await kari.page.get_by_role("button", name="Ta bort en prikk fra «Kompetanse»").click()
    await expect(kari.page.locator(".vote-status")).to_contain_text("2 av 5 prikker igjen")
    await kari.page.get_by_role("button", name="Ferdig").click()
    await expect(kari.page.locator(".vote-status")).to_contain_text("Du er ferdig")
    await per.page.get_by_role("button", name="Gi en prikk til «Kompetanse»").click()
    await ok(ola, c.PlaceDot(id=new_id(), board="critique", card=theme))
    await until(lambda: sum(sum(d.values()) for d in host.state.boards["critique"].vote.dots.values()) == 5)
    assert host.state.boards["critique"].vote.dots[k] == {theme: 2, ids["Lønna henger etter"]: 1}

    # ---- ranking: the bottom list as the engine ranks it --------------------------------
    kari.received.clear()
    await advance(host, PhaseKind.RANKING, "critique")
    await kari.phase("Bunnliste")
    # The vote's closing and the next phase are one command's two events: one message.
    assert any(str(frame).startswith('{"type":"events"') for frame in kari.received), kari.received
    await same_mirror(running, kari, k)
    bottom = ranked_list(host.state, "critique")
    shown = kari.page.locator("ol.ranking > li")
    await expect(shown).to_have_count(len(bottom))
    for n, entry in enumerate(bottom):
        await expect(shown.nth(n)).to_contain_text(f"{entry.dots} prikk")
    await expect(shown.first).to_contain_text("Kompetanse")
    await assert_usable(kari.page, "ranking")

    # ---- reflection on the bottom list in small groups ---------------------------------
    await advance(host, PhaseKind.GROUP_WORK)
    await ok(host, c.FormGroups(id=new_id(), set="small", seed=2))
    small = group_of(host.state, "small", k)
    await expect(kari.page.locator(".round-info h2")).to_contain_text("Gruppe")
    await expect(kari.page.locator("#round-list-title")).to_have_text("Bunnliste")
    await expect(kari.page.locator("ol.ranking > li").first).to_contain_text("Kompetanse")
    await kari.page.get_by_label("Svar 1", exact=True).fill("Vi kjenner oss igjen i «Kompetanse»")
    await kari.page.get_by_role("button", name="Lagre Svar 1", exact=True).click()
    await until(lambda: answer(host.state, host.state.phase, 0, small.id) is not None)
    await assert_usable(kari.page, "reflection on the bottom list")

    # ---- vision: cards and a red card ---------------------------------------------------
    await advance(host, PhaseKind.BRAINSTORM, "vision")
    await per.phase("Visjonsfase")
    await ok(ola, c.AddItem(id=new_id(), board="vision", text="Det koster for mye"))
    await per.page.get_by_label("Ny lapp").fill("Felles fagnettverk")
    await per.page.get_by_label("Ny lapp").press("Enter")
    await kari.page.get_by_label("Ny lapp").fill("Hospitering på tvers")
    await kari.page.get_by_label("Ny lapp").press("Enter")
    await ok(host, c.RevealItems(id=new_id(), board="vision"))
    await kari.page.get_by_role("button", name="Rødt kort på lappen «Det koster for mye»").click()
    await kari.page.get_by_label("Hva var hersketeknikken?").fill("Hersketeknikk")
    await kari.page.get_by_role("button", name="Vis rødt kort").click()
    await until(lambda: len(host.state.red_cards) == 1)
    assert host.state.red_cards["R1"].raised_by is None or True  # who raised it never leaves the server
    await expect(per.page.locator("li.card").filter(has_text="Det koster for mye")).to_contain_text("rødt kort")
    await assert_usable(per.page, "vision brainstorm")
    await advance(host, PhaseKind.VOTE, "vision")
    await per.page.get_by_role("button", name="Gi en prikk til «Felles fagnettverk»").click()
    await kari.page.get_by_role("button", name="Gi en prikk til «Hospitering på tvers»").click()
    await until(lambda: len(host.state.boards["vision"].vote.dots) == 2)
    await advance(host, PhaseKind.RANKING, "vision")
    await per.phase("Toppliste")

    # ---- islands: choose by the page -------------------------------------------------------
    await advance(host, PhaseKind.ISLANDS)
    await kari.phase("Øyer")
    await ok(
        host, c.CreateIsland(id=new_id(), title="Felles rekruttering", links=[c.LinkRef(board="critique", card=theme)])
    )
    await ok(
        host,
        c.CreateIsland(id=new_id(), title="Hospitering", links=[c.LinkRef(board="vision", card=ids.get("x", "V3"))]),
    )
    await kari.page.get_by_role("button", name="Velg øy: «Felles rekruttering»").click()
    await per.page.get_by_role("button", name="Velg øy: «Felles rekruttering»").click()
    await ok(ola, c.ChooseIsland(id=new_id(), island="I1"))
    await until(lambda: len(host.state.island_of) == 3)
    await expect(kari.page.locator("li.island.mine")).to_contain_text("Kari (Bodø), Per (Saltdal), Ola (Fauske)")
    await assert_usable(kari.page, "islands")

    # ---- action plans: a stale edit gets the merge, never a silent overwrite -------------------
    await advance(host, PhaseKind.ACTION_PLANS)
    await kari.phase("Handlingsplaner")
    await kari.page.get_by_label("HVA?", exact=True).fill("Felles stillingsannonser")
    await per.page.get_by_label("HVA?", exact=True).fill("Rekrutteringsdager")
    await per.page.get_by_role("button", name="Lagre HVA?").click()
    await until(lambda: "what" in host.state.plans.get("I1", {}))
    await expect(kari.page.locator("#plan-what-status")).to_contain_text("endret av Per")
    await expect(kari.page.get_by_label("HVA?", exact=True)).to_have_value("Felles stillingsannonser")  # mine is kept
    await kari.page.get_by_role("button", name="Lagre HVA?").click()
    merge = kari.page.locator("dialog")
    await expect(merge).to_contain_text("Rekrutteringsdager")
    await expect(kari.page.get_by_label("Det som lagres")).to_have_value("Rekrutteringsdager\nFelles stillingsannonser")
    await assert_usable(kari.page, "merge dialog")
    await merge.get_by_role("button", name="Lagre").click()
    await until(lambda: host.state.plans["I1"]["what"].version == 2)
    assert host.state.plans["I1"]["what"].text == "Rekrutteringsdager\nFelles stillingsannonser"
    await expect(per.page.get_by_label("HVA?", exact=True)).to_have_value(
        "Rekrutteringsdager\nFelles stillingsannonser"
    )
    await per.page.get_by_label("HVEM?", exact=True).fill("Per og Kari")
    await per.page.keyboard.press("Control+s")
    await until(lambda: "who" in host.state.plans["I1"])
    await assert_usable(kari.page, "action plans")
    await same_mirror(running, kari, k)

    # ---- closing: the island presents, check-out and the evaluation ---------------------------
    await advance(host, PhaseKind.CLOSING)
    await kari.phase("Avslutning og utsjekk")
    await ok(host, c.PresentIsland(id=new_id(), island="I1"))
    await ok(host, c.AddNextStep(id=new_id(), text="Møte i januar"))
    await expect(kari.page.locator("dl.plan")).to_contain_text("Per og Kari")
    await expect(kari.page.locator("ul.steps")).to_contain_text("Møte i januar")
    await kari.page.get_by_label("Utsjekk: ett ord eller en setning").fill("Inspirert")
    await kari.page.get_by_label("Utsjekk: ett ord eller en setning").press("Control+Enter")
    await expect(kari.page.locator(".mine").first).to_contain_text("Inspirert")
    await kari.page.get_by_label("4").check()
    await kari.page.get_by_label("Hva bør vi gjøre annerledes?").fill("Mer tid til øyene")
    await kari.page.get_by_role("button", name="Lagre evalueringen").click()
    await until(lambda: len(host.state.evaluations) == 1)
    evaluation = next(iter(host.state.evaluations.values()))
    assert (evaluation.rating, evaluation.text, evaluation.author) == (4, "Mer tid til øyene", None)
    await expect(kari.page.locator(".evaluation")).to_contain_text("★★★★☆")
    await assert_usable(kari.page, "closing")
    await same_mirror(running, kari, k)
    await same_mirror(running, per, p)
    assert o in host.state.island_of
    for phone in (kari, per):
        phone.assert_no_errors()
        await phone.close()
    # The benchmark's browser participants send exactly what the page sent.
    sent = [json.loads(frame) for frame in kari.sent + per.sent]
    kinds = {m["type"] for m in sent}
    assert {"hello", "check_in", "add_item", "edit_item", "withdraw_item", "place_dot", "remove_dot"} <= kinds
    assert {"mark_done", "raise_red_card", "choose_island", "edit_plan", "check_out", "evaluate"} <= kinds
    for frame, m in zip(kari.sent + per.sent, sent, strict=True):
        if m["type"] == "unsaved":
            continue  # a signal, not a command: the benchmark's load is the commands
        if m["type"] == "hello":
            rebuilt = page_hello(m["code"], m["resume"], m["last_seq"], m.get("name", ""), m.get("org", ""))
        else:
            rebuilt = page_command(m["type"], {k: v for k, v in m.items() if k not in ("type", "id")}, m["id"])
            assert len(m["id"]) == 32 and int(m["id"], 16) >= 0
        assert rebuilt == frame
