"""Host view: the brainstorm wall (private cards, reveal, buzz pairs, red
cards) and clustering by keyboard (merge, undo, rename, detach)."""

from __future__ import annotations

from support import until
from textual.widgets import Input

from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.host.rows import Rows
from kompsesjon.tui.host.views.cluster import CardRow, UnitRow

from .host_support import cid, ok, opened, room, shows  # noqa: F401


async def test_brainstorm_private_cards_reveal_and_buzz_pairs(room):
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    await room.cards("critique", ["Lite tid til samarbeid", "Uklare roller"], reveal=False)
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        text = await shows(pilot, app, "2 skjult for deltakerne")
        assert text.count("skjult") >= 2  # private cards are marked (their words hidden: projected)
        # Cards written while the view is open appear by themselves.
        await ok(room.people[2], c.AddItem(id=cid(), board="critique", text="Dobbeltarbeid"))
        await shows(pilot, app, "3 skjult for deltakerne")
        await pilot.press("r")  # Vis lappene
        await until(lambda: room.fac.state.boards["critique"].revealed)
        text = await shows(
            pilot, app, lambda s: "skjult" not in s and "Dobbeltarbeid" in s, "Lapper: 3", "Uklare roller"
        )
        await pilot.press("k")  # Lag bikuber
        await until(lambda: any(p.active for p in room.fac.state.buzz_pairs.values()))
        await shows(pilot, app, lambda s: "Bikuber (2)" in s and "Kari" in s and " + " in s)
        await pilot.press("K")  # Oppløs bikuber (asked first)
        await shows(pilot, app, "Oppløse alle bikubene (2)?")
        await pilot.press("enter")
        await until(lambda: not any(p.active for p in room.fac.state.buzz_pairs.values()))
        await shows(pilot, app, lambda s: "Bikuber" not in s)


async def test_red_cards_visible_and_dismissed(room):
    await room.advance_to(PhaseKind.BRAINSTORM, "vision")
    [v1] = await room.cards("vision", ["Alle kommuner deler én koordinator"])
    await ok(room.people[3], c.RaiseRedCard(id=cid(), item=v1, note="Det blir for dyrt-kommentar"))
    await ok(room.people[2], c.RaiseRedCard(id=cid(), note="Hersketeknikk i rommet"))
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        text = await shows(
            pilot, app, lambda s: "Røde kort (2)" in s and "Hersketeknikk i rommet" in s and "rødt kort ×1" in s
        )  # marked on the card itself
        assert "Per Olsen" not in text and "Ingrid Johansen" not in text  # never who raised it
        await pilot.press("d")  # two open: pick one
        await shows(pilot, app, "Hvilket røde kort skal avvises?")
        app.screen.query_one(Input).value = "Hersketeknikk"
        await pilot.pause(0.05)
        await pilot.press("enter")
        await until(lambda: sum(not r.dismissed for r in room.fac.state.red_cards.values()) == 1)
        await shows(pilot, app, "Røde kort (1)")
        await pilot.press("d")  # one left: dismissed at once
        await until(lambda: all(r.dismissed for r in room.fac.state.red_cards.values()))
        await shows(pilot, app, lambda s: "Røde kort" not in s)


async def _cursor_to(pilot, rows: Rows, key: UnitRow | CardRow) -> None:
    await pilot.press("home")
    for _ in range(len(rows.rows)):
        if rows.cursor_key == key:
            return
        await pilot.press("down")
    assert rows.cursor_key == key, rows.cursor_key


async def test_cluster_merge_rename_detach_undo_by_keyboard(room):
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    k1, k2, k3 = await room.cards("critique", ["Lite tid", "Ingen tid til nettverk", "Uklare roller"])
    await room.advance_to(PhaseKind.CLUSTER, "critique")
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        await shows(pilot, app, "Temaer: 0 · løse lapper: 3")
        units = app.query_one("#units", Rows)
        assert app.focused is units
        # Mark K1 and K2 with space, merge with m, keep the first title.
        await _cursor_to(pilot, units, UnitRow(k1))
        await pilot.press("space")
        await _cursor_to(pilot, units, UnitRow(k2))
        await pilot.press("space")
        await shows(pilot, app, "merket: 2")
        await pilot.press("m")
        await shows(pilot, app, "Tomt = behold «Lite tid»")
        await pilot.press("enter")
        await until(lambda: any(t.merged_into is None for t in room.fac.state.themes.values()))
        theme = next(iter(room.fac.state.themes))
        assert room.fac.state.themes[theme].title == "Lite tid"
        text = await shows(pilot, app, "▣ Lite tid  (2 lapper)")
        # The theme's cards are shown indented below it.
        lines = text.splitlines()
        head = next(n for n, line in enumerate(lines) if "▣ Lite tid" in line)
        assert "Lite tid" in lines[head + 1] and "Ingen tid til nettverk" in lines[head + 2]
        assert lines[head + 1].index(k1) > lines[head].index("▣")
        # Rename with r.
        await _cursor_to(pilot, units, UnitRow(theme))
        await pilot.press("r")
        await shows(pilot, app, "Ny tittel på temaet")
        app.screen.query_one(Input).value = "Tidsklemma"
        await pilot.press("enter")
        await until(lambda: room.fac.state.themes[theme].title == "Tidsklemma")
        await shows(pilot, app, "▣ Tidsklemma  (2 lapper)")
        # Detach K2 with d (cursor on the card inside the theme).
        await _cursor_to(pilot, units, CardRow(k2))
        await pilot.press("d")
        await until(lambda: room.fac.state.items[k2].theme is None)
        await shows(pilot, app, "▣ Tidsklemma  (1 lapper)")
        # Merge K3 into the theme, then undo that merge with u.
        await _cursor_to(pilot, units, UnitRow(theme))
        await pilot.press("space")
        await _cursor_to(pilot, units, UnitRow(k3))
        await pilot.press("space")
        await pilot.press("m")
        await shows(pilot, app, "Tittel" if False else "Slå sammen 2")
        app.screen.query_one(Input).value = "Tid og roller"
        await pilot.press("enter")
        await until(lambda: any(t.title == "Tid og roller" for t in room.fac.state.themes.values()))
        await shows(pilot, app, "▣ Tid og roller  (2 lapper)")
        outer = next(t.id for t in room.fac.state.themes.values() if t.title == "Tid og roller")
        await _cursor_to(pilot, units, UnitRow(outer))
        await pilot.press("u")
        await until(lambda: outer not in room.fac.state.themes)
        await shows(pilot, app, "▣ Tidsklemma  (1 lapper)")
        assert room.fac.state.items[k3].theme is None


async def test_buzz_pairs_show_their_names_every_time_they_are_formed(room):
    """The pairs list is hidden while there are none; shown again it must
    show the new pairs, not what it held before it was hidden."""
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        for seed in (1, 2, 3):
            await ok(room.fac, c.FormBuzzPairs(id=cid(), seed=seed))
            pairs = [p for p in room.fac.state.buzz_pairs.values() if p.active]
            first = room.fac.state.participants[pairs[0].members[0]].name
            await shows(pilot, app, lambda s, first=first: "Bikuber (2)" in s and first in s)
            await ok(room.fac, c.ClearBuzzPairs(id=cid()))
            await shows(pilot, app, lambda s: "Bikuber" not in s)
