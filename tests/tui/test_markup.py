"""People's text is shown literally everywhere: markup stays markup, Unicode stays."""

from __future__ import annotations

import unicodedata

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.templates import load_template
from kompsesjon.tui.text import safe

from .conftest import Workshop, advance, focused, ok, run, settle, shows, type_text

ODD = "Zoë 日本 🙂 e\u0301 ∑"
SHOWN = unicodedata.normalize("NFC", ODD)  # the server stores text NFC-normalised


async def test_markup_and_odd_unicode_are_shown_literally(running, clients, tmp_path):
    template = load_template("framtidsverksted")
    phases = list(template.phases)
    phases[1] = phases[1].model_copy(update={"title": "[blink]Kritikk[/] [", "prompt": "Hva er [i]vanskelig[/i]?"})
    workshop = await Workshop(running, clients, tmp_path).start(
        template=template.model_copy(update={"phases": phases}),
        title="[bold]Tittel[/] \\[red]",
        question="Hva med [red]farge[/]?",
    )
    host = workshop.host
    ola = await workshop.person("Ola [i]", "Kommune \\[x]")
    await ok(ola, c.CheckIn(id=new_id(), text="[/] slutt"))
    app = workshop.app(name="[red]Kari[/]", org="[/]")
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        assert host.state.participants[pid].name == "[red]Kari[/]"
        await shows(
            pilot, "[bold]Tittel[/] \\[red]", "Hva med [red]farge[/]?", "Ola [i]: [/] slutt", "2. [blink]Kritikk[/]"
        )
        # The check-in field takes the focus once the intro view is mounted (later under load).
        await focused(pilot, "checkin-input")
        await type_text(pilot, "[bold]x[/]")
        await pilot.press("enter")
        await shows(pilot, "Ditt håp: [bold]x[/]")

        await advance(host, PhaseKind.BRAINSTORM, "critique")
        await ok(host, c.FormBuzzPairs(id=new_id(), seed=3))
        # The phase title (from the template) in the header and in a notification.
        screen = await shows(
            pilot, "Ny fase: [blink]Kritikk[/] [", "Hva er [i]vanskelig[/i]?", "Bikube med: Ola [i] (Kommune \\[x])"
        )
        assert screen.splitlines()[1].startswith(" [blink]Kritikk[/] [")
        await focused(pilot, "card-input")
        for text in ("[bold]x[/]", "\\[red]", "[/]", ODD):
            await type_text(pilot, text)
            await pilot.press("enter")
        await ok(ola, c.AddItem(id=new_id(), board="critique", text="[red]alarm", with_pair=True))
        await shows(pilot, "K1 [bold]x[/]", "K2 \\[red]", "K3 [/]", f"K4 {SHOWN}", "K5 [red]alarm")

        await ok(host, c.RevealItems(id=new_id(), board="critique"))
        await advance(host, PhaseKind.CLUSTER, "critique")
        await ok(host, c.Merge(id=new_id(), board="critique", cards=["K1", "K2"], title="[b]Tema[/b] ["))
        await shows(pilot, "▣ [b]Tema[/b] [", "K1 [bold]x[/]", "K2 \\[red]")

        await advance(host, PhaseKind.VOTE, "critique")
        await shows(pilot, "[b]Tema[/b] [", SHOWN)
        await focused(pilot, "units")
        await pilot.press("plus")
        await settle(pilot, lambda: pid in host.state.boards["critique"].vote.dots)
        await advance(host, PhaseKind.RANKING, "critique")
        await shows(pilot, "[b]Tema[/b] [", "[bold]x[/] · \\[red]")

        await advance(host, PhaseKind.ISLANDS)
        link = c.LinkRef(board="critique", card="T1")
        await ok(host, c.CreateIsland(id=new_id(), title="[u]Øy[/u] 🙂", links=[link]))
        await ok(ola, c.ChooseIsland(id=new_id(), island="I1"))
        await shows(pilot, "[u]Øy[/u] 🙂", "Bunnliste #1: [b]Tema[/b] [", "Deltakere: Ola [i] (Kommune \\[x])")
        await pilot.press("enter")
        await shows(pilot, "Du er på: [u]Øy[/u] 🙂", "Ola [i] (Kommune \\[x]), [red]Kari[/] ([/])")


def test_the_apps_escape_what_slipped_through_unambiguously():
    # A tag character stored before the server refused it shows as one escape
    # that cannot be read as another character followed by a digit.
    assert safe("x\U000e0041") == "x\\U000e0041"
    assert safe("a\u200bb\x1b") == "a\\u200bb\\u001b"
    # A flag's tags are part of the flag; joiners make emoji sequences.
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    assert safe(scotland) == scotland
    assert safe(family) == family
