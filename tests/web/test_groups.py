"""Group rounds on the web page: a dialogue conference with two phones and a
terminal participant in one group, and a phone in the case reflection's and
the county gathering's groups.

The phones do what a person does (labels, buttons, the keyboard) on a
360 px wide screen; the test checks what the server holds and what the page
shows, and scans every group screen with axe-core.
"""

from __future__ import annotations

from playwright.async_api import expect
from support import advance, ok, until

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.group_work import answer, group_of, org_group
from kompsesjon.method.state import AnswerKey

from .a11y import assert_usable
from .phone import Phone
from .test_workshop import pid, same_mirror


async def to_title(host, title: str) -> None:
    while host.state.current.title != title:
        await ok(host, c.AdvancePhase(id=new_id(), current=host.state.phase))


async def room(running, clients, template: str, **session):
    """A session of ``template`` with its facilitator and Ola (Fauske) at a terminal."""
    created = await running.new_session(template=template, **session)
    host = clients(running.url, role="facilitator", token=created.token)
    ola = clients(running.url, role="participant", code=created.code, name="Ola", org="Fauske")
    await host.wait_ready()
    await ola.wait_ready()
    return created, host, ola


async def on_phone(chromium, running, created, name: str, org: str) -> Phone:
    """Someone joins from a phone through the address in the QR code."""
    joined = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", f"/{created.code}")
    await joined.join(name, org)
    return joined


async def test_a_dialogue_conference_in_one_group_with_two_phones_and_a_terminal(running, clients, chromium):
    created, host, ola = await room(running, clients, "dialogkonferanse", title="Nettverkssamling i Salten")
    kari = await on_phone(chromium, running, created, "Kari", "Bodø")
    per = await on_phone(chromium, running, created, "Per", "Fauske")
    await until(lambda: len(host.state.participants) == 3)
    k, p, o = pid(host, "Kari"), pid(host, "Per"), ola.participant

    # ---- base groups: three people, one group; waiting until it is formed ----------
    await to_title(host, "Del 2: Basisgrupper – praksisfortellinger")
    phase = host.state.phase
    await kari.phase("Del 2: Basisgrupper – praksisfortellinger")
    await expect(kari.page.locator(".round-info")).to_contain_text("Du er ikke i en gruppe ennå")
    await expect(kari.page.locator(".round-read")).to_contain_text("Hvilket praksiseksempel")
    await ok(host, c.FormGroups(id=new_id(), set="base", seed=1))
    group = group_of(host.state, "base", k)
    assert group is not None and set(group.members) == {k, p, o}
    info = kari.page.locator(".round-info")
    await expect(info.locator("h2")).to_have_text("Gruppe 1 · Basisgrupper")
    for name in ("Kari (Bodø)", "Per (Fauske)", "Ola (Fauske)"):
        await expect(info).to_contain_text(name)
    await expect(info.locator(".roles")).to_have_text("Referent: – · Bordvert: –")
    # The question with the sub-questions that guide the talk; one answer each.
    await expect(kari.page.locator("h3.asked").first).to_have_text(
        "1. Hvilket praksiseksempel fra egen enhet deler dere?"
    )
    await expect(kari.page.locator("ul.guides").first).to_contain_text("Hva virket – og hvorfor?")
    await assert_usable(kari.page, "group work")

    # ---- both phones write; an untouched field follows along live ----------------------
    await kari.page.get_by_label("Svar 1", exact=True).fill("Faddere for <b>nyansatte</b>")
    await expect(kari.page.locator("#answer-0-q-status")).to_have_text("● ikke lagret")
    await kari.page.get_by_role("button", name="Lagre Svar 1", exact=True).click()
    await until(lambda: (a := answer(host.state, phase, 0, group.id)) is not None and a.version == 1)
    assert answer(host.state, phase, 0, group.id).text == "Faddere for <b>nyansatte</b>"
    await expect(kari.page.locator("#answer-0-q-status")).to_have_text("lagret, versjon 1, av Kari")
    await expect(per.page.get_by_label("Svar 1", exact=True)).to_have_value("Faddere for <b>nyansatte</b>")

    # ---- a stale save: Per wrote while Ola (terminal) saved; the merge, never an overwrite ----
    await per.page.get_by_label("Svar 2", exact=True).fill("Hospitering hos naboen")
    await ok(ola, c.EditAnswer(id=new_id(), phase=phase, question=1, group=group.id, text="Mentor", base_version=0))
    await expect(per.page.locator("#answer-1-q-status")).to_contain_text("endret av Ola")
    await expect(per.page.get_by_label("Svar 2", exact=True)).to_have_value("Hospitering hos naboen")  # kept
    await per.page.keyboard.press("Control+s")
    merge = per.page.locator("dialog")
    await expect(merge).to_contain_text("Svar 2 ble endret mens du skrev")
    await expect(merge).to_contain_text("Ola lagret først")
    await expect(per.page.get_by_label("Det som lagres")).to_have_value("Mentor\nHospitering hos naboen")
    await assert_usable(per.page, "merge dialog of an answer")
    await merge.get_by_role("button", name="Lagre").click()
    await until(lambda: answer(host.state, phase, 1, group.id).version == 2)
    assert answer(host.state, phase, 1, group.id).text == "Mentor\nHospitering hos naboen"
    assert answer(host.state, phase, 1, group.id).by == p
    await expect(kari.page.get_by_label("Svar 2", exact=True)).to_have_value("Mentor\nHospitering hos naboen")
    await until(lambda: ola.state.answers.get(AnswerKey(phase=phase, question=1, group=group.id)) is not None)
    assert (
        ola.state.answers[AnswerKey(phase=phase, question=1, group=group.id)].version == 2
    )  # the terminal sees it too

    # ---- the rapporteur and table host roles --------------------------------------------
    await kari.page.get_by_role("button", name="Bli referent").click()
    await until(lambda: host.state.groups[group.id].rapporteur == k)
    await expect(per.page.locator(".round-info .roles")).to_have_text("Referent: Kari · Bordvert: –")
    give_up = kari.page.get_by_role("button", name="Gi fra meg referentrollen")
    await expect(give_up).to_be_focused()  # the button stays where it was: so does the focus
    await per.page.get_by_role("button", name="Bli bordvert").click()
    await until(lambda: host.state.groups[group.id].host == p)
    await give_up.click()
    await until(lambda: host.state.groups[group.id].rapporteur is None)
    await per.page.get_by_role("button", name="Bli referent").click()
    await until(lambda: host.state.groups[group.id].rapporteur == p)
    await expect(kari.page.locator(".round-info .roles")).to_have_text("Referent: Per · Bordvert: Per")

    # ---- unsaved text survives a step back and forward, and a reload ---------------------
    await kari.page.get_by_label("Svar 1", exact=True).fill("Faddere for nyansatte, og en halvskrevet tanke")
    await ok(host, c.StepBack(id=new_id(), current=phase))
    await kari.phase("Faglig innledning i plenum")
    await ok(host, c.AdvancePhase(id=new_id(), current=phase - 1))
    await kari.phase("Del 2: Basisgrupper – praksisfortellinger")
    field = kari.page.get_by_label("Svar 1", exact=True)
    await expect(field).to_have_value("Faddere for nyansatte, og en halvskrevet tanke")
    await expect(kari.page.locator("#answer-0-q-status")).to_have_text("● ikke lagret")
    await ok(ola, c.EditAnswer(id=new_id(), phase=phase, question=0, group=group.id, text="Ola sitt", base_version=1))
    await expect(kari.page.locator("#answer-0-q-status")).to_contain_text("endret av Ola")
    await kari.reload()
    await kari.phase("Del 2: Basisgrupper – praksisfortellinger")
    await expect(field).to_have_value("Faddere for nyansatte, og en halvskrevet tanke")
    await expect(kari.page.locator("#answer-0-q-status")).to_contain_text("endret av Ola")
    await kari.page.get_by_role("button", name="Lagre Svar 1", exact=True).click()
    merge = kari.page.locator("dialog")
    await expect(kari.page.get_by_label("Det som lagres")).to_have_value(
        "Ola sitt\nFaddere for nyansatte, og en halvskrevet tanke"
    )
    await merge.get_by_role("button", name="Ta deres").click()
    await merge.get_by_role("button", name="Lagre").click()
    await expect(kari.page.locator("#answer-0-q-status")).to_have_text("lagret, versjon 2, av Ola")
    assert answer(host.state, phase, 0, group.id).version == 2  # took theirs: nothing to save
    drafts = await kari.page.evaluate("() => Object.keys(localStorage).filter((k) => k.endsWith(':drafts'))")
    assert drafts == []  # nothing unsaved is left behind
    await same_mirror(running, kari, k)

    # ---- cross groups and back: the report locks the answers, shows the presenting group ----
    await to_title(host, "Rapportering i plenum")
    await per.phase("Rapportering i plenum")
    await expect(per.page.locator(".round-info")).to_contain_text("Diskusjonen er låst")
    await expect(per.page.locator(".round-info")).to_contain_text("Gruppene rapporterer én etter én")
    assert await per.page.locator("textarea").count() == 0  # nothing to write while they report
    await ok(host, c.PresentGroup(id=new_id(), group=group.id))
    await expect(per.page.locator(".round-info")).to_contain_text("Rapporterer nå:")
    reported = per.page.locator(".round-read")
    await expect(reported).to_contain_text("Del 2: Basisgrupper – praksisfortellinger")
    await expect(reported).to_contain_text("Mentor\nHospitering hos naboen")
    await expect(reported).to_contain_text("Ola sitt")
    assert await per.page.locator(".round-read b").count() == 0  # user text is never markup
    await expect(per.page.get_by_role("button", name="Gi fra meg referentrollen")).to_be_visible()
    await assert_usable(per.page, "report")
    refused = await host.send(
        c.EditAnswer(id=new_id(), phase=phase, question=0, group=group.id, text="x", base_version=2)
    )
    assert refused.code == "discussion_locked"

    # ---- follow-up per organisation: Per and Ola write for Fauske, Kari for Bodø ---------------
    await advance(host, PhaseKind.FOLLOW_UP)
    follow = host.state.phase
    await kari.phase("Del 4: Lokal oppfølging")
    await expect(kari.page.locator(".round-info h2")).to_have_text("Svar for Bodø")
    await expect(per.page.locator(".round-info")).to_contain_text("Ola (Fauske), Per (Fauske)")
    await kari.page.get_by_label("Svar 1", exact=True).fill("Planleggingsdag 8. januar")
    await kari.page.keyboard.press("Control+s")
    bodo, fauske = org_group("Bodø", k), org_group("Fauske", p)
    await until(lambda: answer(host.state, follow, 0, bodo) is not None)
    await ok(ola, c.EditAnswer(id=new_id(), phase=follow, question=0, group=fauske, text="Fagdag", base_version=0))
    await expect(per.page.get_by_label("Svar 1", exact=True)).to_have_value("Fagdag")
    await per.page.get_by_label("Svar 2", exact=True).fill("Per tar det med til ledermøtet")
    await per.page.get_by_role("button", name="Lagre alle endringer").click()
    await until(lambda: answer(host.state, follow, 1, fauske) is not None)
    assert answer(host.state, follow, 1, fauske).by == p
    others = kari.page.locator("article.other-group")
    await expect(others).to_contain_text("Fauske")
    await expect(others).to_contain_text("Per tar det med til ledermøtet")
    await assert_usable(kari.page, "follow-up")
    await same_mirror(running, per, p)
    for phone in (kari, per):
        phone.assert_no_errors()
        await phone.close()


async def test_a_phone_in_the_case_reflection_writes_its_organisations_answers(running, clients, chromium):
    created, host, ola = await room(running, clients, "refleksjon")
    kari = await on_phone(chromium, running, created, "Kari", "Bodø")
    await until(lambda: len(host.state.participants) == 2)
    k = pid(host, "Kari")
    await advance(host, PhaseKind.GROUP_WORK)
    await ok(host, c.FormGroups(id=new_id(), set="grupper"))  # by organisation: Bodø, Fauske
    await to_title(host, "Case 3: Koordinering i krisetid")
    phase = host.state.phase
    group = group_of(host.state, "grupper", k)
    await kari.phase("Case 3: Koordinering i krisetid")
    await expect(kari.page.locator(".round-info h2")).to_have_text("Bodø · Refleksjonsgrupper (per kommune)")
    # Sub-questions answered one by one: «Hva fungerte godt?» and «Hva fungerte ikke?».
    await expect(kari.page.locator("#asked-1-0")).to_have_text("2a) Hva fungerte godt?")
    await kari.page.get_by_label("Svar 2a", exact=True).fill("Dugnaden")
    await kari.page.get_by_label("Svar 2b", exact=True).fill("Ventetid")
    await kari.page.get_by_role("button", name="Lagre alle endringer").click()
    await until(lambda: answer(host.state, phase, 1, group.id, sub=1) is not None)
    assert answer(host.state, phase, 1, group.id, sub=0).text == "Dugnaden"
    assert answer(host.state, phase, 1, group.id, sub=1).text == "Ventetid"
    assert answer(host.state, phase, 1, group.id) is None  # the question itself: not written
    # The other organisation's answers arrive below, live.
    fauske = group_of(host.state, "grupper", ola.participant)
    await ok(ola, c.EditAnswer(id=new_id(), phase=phase, question=0, group=fauske.id, text="SMS", base_version=0))
    await expect(kari.page.locator("article.other-group")).to_contain_text("SMS")
    await assert_usable(kari.page, "case reflection")
    kari.assert_no_errors()
    await kari.close()


async def test_a_phone_in_the_county_gathering_gives_its_county_and_writes(running, clients, chromium):
    created, host, _ = await room(running, clients, "fylkessamling")
    kari = await on_phone(chromium, running, created, "Kari", "Bodø kommune")
    # Asked right after joining, since the groups are formed by county.
    ask = kari.page.locator("dialog")
    await expect(ask).to_contain_text("Hvilket fylke (region) hører du til?")
    await assert_usable(kari.page, "region question")
    await ask.get_by_label("Fylke").select_option("Nordland")
    await ask.get_by_role("button", name="Lagre").click()
    await until(lambda: any(p.region == "Nordland" for p in host.state.participants.values()))
    k = pid(host, "Kari")
    await expect(kari.page.locator("#region")).to_have_text("Fylke: Nordland (endre)")
    await kari.reload()  # asked once: not again after a reload
    await expect(kari.page.locator("dialog")).to_have_count(0)
    await advance(host, PhaseKind.GROUP_WORK)
    await ok(host, c.FormGroups(id=new_id(), set="fylke"))
    group = group_of(host.state, "fylke", k)
    await kari.phase(host.state.current.title)
    await expect(kari.page.locator(".round-info h2")).to_have_text("Nordland · Fylkesgrupper")
    phase = host.state.phase
    await kari.page.get_by_label("Svar 1", exact=True).fill("Felles kompetanseplan")
    await kari.page.get_by_role("button", name="Lagre Svar 1", exact=True).click()
    await until(lambda: answer(host.state, phase, 0, group.id) is not None)
    assert answer(host.state, phase, 0, group.id).text == "Felles kompetanseplan"
    await assert_usable(kari.page, "county gathering")
    kari.assert_no_errors()
    await kari.close()
