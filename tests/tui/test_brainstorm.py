"""Brainstorm: fast writing, private cards, buzz pairs, edit, withdraw, red card."""

from __future__ import annotations

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.participant.modals import ConfirmScreen, TextPrompt

from .conftest import advance, focused, ok, run, settle, shows, type_text


def cards_of(host, pid):
    return {i.text: i for i in host.state.items.values() if i.author == pid}


async def test_write_cards_private_until_revealed_with_my_buzz_pair(workshop):
    host = workshop.host
    ola = await workshop.person("Ola", "Fauske")
    app = workshop.app(org="Bodø")
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        await advance(host, PhaseKind.BRAINSTORM, "critique")
        await shows(pilot, "Kritikkfase", "Hva er vanskelig, tregt, umulig?", "Ingen debatt")
        await focused(pilot, "card-input")
        assert not app.screen.query_one("#with-pair").display, "no pair: no pair toggle"

        # Fast writing: Enter sends and the cursor stays for the next card.
        for text in ("Lite tid til veiledning", "Mangler rutiner"):
            await type_text(pilot, text)
            await pilot.press("enter")
            assert app.focused.id == "card-input" and app.focused.value == ""
        await settle(pilot, lambda: len(cards_of(host, pid)) == 2)
        assert all(i.private for i in cards_of(host, pid).values())
        await shows(pilot, "K1 Lite tid til veiledning  din  privat", "K2 Mangler rutiner  din  privat")

        # Ola's own card stays hidden from me until the facilitator reveals.
        await ok(ola, c.AddItem(id=new_id(), board="critique", text="Olas hemmelige lapp"))
        await ok(host, c.FormBuzzPairs(id=new_id(), seed=1))
        screen = await shows(pilot, "Bikube med: Ola (Fauske)")
        assert "Olas hemmelige lapp" not in screen

        # Written together: both of us see it, marked as the pair's.
        await ok(ola, c.AddItem(id=new_id(), board="critique", text="Fra Ola til bikuben", with_pair=True))
        await shows(pilot, "Fra Ola til bikuben  bikubens  privat")
        await pilot.press("ctrl+t")
        assert app.screen.query_one("#with-pair").value
        await type_text(pilot, "Sammen skrevet")
        await pilot.press("enter")
        await settle(pilot, lambda: "Sammen skrevet" in cards_of(host, pid))
        assert cards_of(host, pid)["Sammen skrevet"].pair is not None
        await settle(pilot, lambda: any(i.text == "Sammen skrevet" for i in ola.state.items.values()))

        await ok(host, c.RevealItems(id=new_id(), board="critique"))
        screen = await shows(pilot, "Olas hemmelige lapp", "K1 Lite tid til veiledning  din")
        assert "privat" not in screen


async def test_edit_and_withdraw_my_card(workshop):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        await advance(host, PhaseKind.BRAINSTORM, "critique")
        await focused(pilot, "card-input")
        await type_text(pilot, "Skrivfeil i lapen")
        await pilot.press("enter")
        await shows(pilot, "K1 Skrivfeil i lapen")
        await pilot.press("down")  # to the list of cards
        assert app.focused.id == "cards"
        await pilot.press("e")
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        field = app.screen.query_one("#prompt-input")
        assert field.value == "Skrivfeil i lapen"
        field.value = "Ingen skrivefeil i lappen"
        await pilot.press("enter")
        await settle(pilot, lambda: host.state.items["K1"].text == "Ingen skrivefeil i lappen")
        await shows(pilot, "K1 Ingen skrivefeil i lappen")

        await pilot.press("w")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot, lambda: host.state.items["K1"].withdrawn)
        screen = await shows(pilot, "Ingen lapper ennå")
        assert "Ingen skrivefeil i lappen" not in screen
        assert host.state.items["K1"].author == pid


async def test_red_card_in_the_vision_phase_is_anonymous(workshop):
    host = workshop.host
    ola = await workshop.person("Ola")
    app = workshop.app()
    async with run(app) as pilot:
        await workshop.joined(pilot)
        await advance(host, PhaseKind.BRAINSTORM, "critique")
        await settle(pilot, lambda: any(view.display for view in app.screen.query("#view-brainstorm")))
        assert "Rødt kort" not in await shows(pilot, "Kritikkfase"), "no red cards while criticising"

        await advance(host, PhaseKind.BRAINSTORM, "vision")
        await ok(ola, c.AddItem(id=new_id(), board="vision", text="Det har vi prøvd før"))
        await ok(host, c.RevealItems(id=new_id(), board="vision"))
        screen = await shows(pilot, "Visjonsfase", "V1 Det har vi prøvd før", "^r Rødt kort")
        assert "ingen ser hvem som viste det" in screen.lower()

        # On the highlighted card, with a note; the dialog says it is anonymous.
        await pilot.press("down")
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        screen = await shows(pilot, "Rødt kort (anonymt)", "V1 Det har vi prøvd før", "heller ikke fasilitator")
        await type_text(pilot, "Hersketeknikk")
        await pilot.press("enter")
        await settle(pilot, lambda: len(host.state.red_cards) == 1)
        card = next(iter(host.state.red_cards.values()))
        assert (card.item, card.note, card.raised_by) == ("V1", "Hersketeknikk", None)
        await shows(pilot, "V1 Det har vi prøvd før  ■ rødt kort", "■ 1 rødt kort oppe")

        # A general one (no card) needs a note; it is raised from the input.
        await pilot.press("escape")
        assert app.focused.id == "card-input"
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press("enter")
        await shows(pilot, "Skriv noe først.")
        await type_text(pilot, "Vi snakker om kostnader igjen")
        await pilot.press("enter")
        await settle(pilot, lambda: len(host.state.red_cards) == 2)
