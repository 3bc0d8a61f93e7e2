"""Host view: vote progress, who has not voted, the facilitator's peek, the
reveal as bars; the ranked list with tie-break notes and the cut line."""

from __future__ import annotations

from support import until

from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind

from .host_support import body_lines, cid, ok, opened, room, shows  # noqa: F401


async def _vote_setup(room, texts):
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    ids = await room.cards("critique", texts)
    await room.advance_to(PhaseKind.VOTE, "critique")
    return ids


async def test_vote_progress_who_has_not_voted_peek_and_reveal(room):
    k1, k2, _k3 = await _vote_setup(room, ["Lite tid", "Uklare roller", "Lange reiser"])
    kari, ola, ingrid, _per = room.people
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        text = await shows(
            pilot, app, "Hvem har ikke stemt (4)", "Kari Nordmann · Ola Hansen · Ingrid Johansen · Per Olsen"
        )
        await ok(kari, c.PlaceDot(id=cid(), board="critique", card=k1))
        await ok(kari, c.PlaceDot(id=cid(), board="critique", card=k1))
        await ok(ola, c.PlaceDot(id=cid(), board="critique", card=k2))
        await ok(ola, c.MarkDone(id=cid(), board="critique"))
        await ok(ingrid, c.Abstain(id=cid(), board="critique"))
        text = await shows(pilot, app, "Hvem har ikke stemt (1)", "Ferdig: 1 · avstått: 1 · stemmer: 1 · ikke stemt: 1")
        assert "Per Olsen" in text and "Kari Nordmann" not in text.split("Hvem har ikke stemt")[1]
        # The tally is hidden on the projected view until revealed …
        assert "Resultatet er skjult til fasilitator viser det." in text
        assert "██ 2 ●" not in text
        # … unless the facilitator peeks, clearly marked.
        await pilot.press("l")
        text = await shows(pilot, app, "IKKE VIST FOR DELTAKERNE", "2 ● · 1 stemte")
        await pilot.press("l")
        text = await shows(pilot, app, lambda s: "IKKE VIST FOR DELTAKERNE" not in s)
        assert "2 ● · 1 stemte" not in text
        # Reveal (closes the vote first): bars for everyone.
        await pilot.press("r")
        await until(lambda: room.fac.state.boards["critique"].vote.revealed is not None)
        text = await shows(pilot, app, "2 ● · 1 stemte")
        lines = body_lines(text)
        first = next(n for n, line in enumerate(lines) if " 1. Lite tid" in line)
        assert "█" in lines[first + 1] and "2 ●" in lines[first + 1]
        assert " 2. Uklare roller" in lines[first + 2]
        assert lines[first + 1].count("█") > lines[first + 3].count("█")  # bars scale with the dots
        assert "IKKE VIST" not in text
        assert room.fac.state.boards["critique"].vote.closed


async def test_ranking_tie_break_note_and_cut_line(room):
    await ok(room.fac, c.ChangeRules(id=cid(), list_cut=2))
    k1, k2, k3, k4 = await _vote_setup(room, ["Lite tid", "Uklare roller", "Lange reiser", "Mangler koordinator"])
    kari, ola, ingrid, per = room.people
    # K1: 2 dots from 2 people; K2: 2 dots from 1 person → tie on dots, broken by voters.
    await ok(kari, c.PlaceDot(id=cid(), board="critique", card=k1))
    await ok(ola, c.PlaceDot(id=cid(), board="critique", card=k1))
    await ok(ingrid, c.PlaceDot(id=cid(), board="critique", card=k2))
    await ok(ingrid, c.PlaceDot(id=cid(), board="critique", card=k2))
    # K3 and K4: one dot each from one person → tie broken by the earlier card.
    await ok(per, c.PlaceDot(id=cid(), board="critique", card=k3))
    await ok(per, c.PlaceDot(id=cid(), board="critique", card=k4))
    await room.advance_to(PhaseKind.RANKING, "critique")
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        text = await shows(pilot, app, "Bunnliste  ·  de 2 øverste")
        lines = body_lines(text)
        order = [n for n, line in enumerate(lines) if any(f" {r}. " in line for r in (1, 2, 3, 4))]
        assert " 1. Lite tid" in lines[order[0]] and " 2. Uklare roller" in lines[order[1]]
        assert "likt – flere stemte" in text
        assert "likt – skrevet først" in text
        cut = next(n for n, line in enumerate(lines) if "grense: 2" in line)
        assert order[1] < cut < order[2]  # the cut line sits after the second entry
        assert " 3. Lange reiser" in lines[order[2]] and " 4. Mangler koordinator" in lines[order[3]]
        assert "Likt antall prikker avgjøres synlig" in text
