"""Cluster (read-only wall), dot voting with + and −, the bottom list."""

from __future__ import annotations

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.voting import dots_by_unit

from .conftest import advance, critique_wall, focused, ok, run, screen_text, settle, shows


async def test_cluster_view_follows_the_facilitator_live(workshop):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        await workshop.joined(pilot)
        await critique_wall(workshop)
        await advance(host, PhaseKind.CLUSTER, "critique")
        await shows(pilot, "Sortering: Kritikk", "K1 Lite tid", "K2 Ingen tid til veiledning", "K4 For mange skjema")
        await ok(host, c.Merge(id=new_id(), board="critique", cards=["K1", "K2"], title="Tid"))
        screen = await shows(pilot, "▣ Tid  (2 lapper)", "1 tema · 3 å stemme på")
        lines = screen.splitlines()
        theme_line = next(n for n, line in enumerate(lines) if "▣ Tid" in line)
        assert "K1 Lite tid" in lines[theme_line + 1] and "K2 Ingen tid" in lines[theme_line + 2]
        await ok(host, c.RenameTheme(id=new_id(), theme="T1", title="Tidsklemma"))
        await shows(pilot, "▣ Tidsklemma  (2 lapper)")
        await ok(host, c.UndoMerge(id=new_id(), theme="T1"))
        await settle(pilot, lambda: "Tidsklemma" not in screen_text(app))
        assert app.screen.query_one("#view-cluster").display


async def test_vote_with_plus_and_minus_done_and_abstain(workshop):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        ola, _ = await critique_wall(workshop)
        await advance(host, PhaseKind.CLUSTER, "critique")
        await ok(host, c.Merge(id=new_id(), board="critique", cards=["K1", "K2"], title="Tid"))
        await advance(host, PhaseKind.VOTE, "critique")
        # Someone else's dots are never shown (the mirror does not have them).
        for _ in range(3):
            await ok(ola, c.PlaceDot(id=new_id(), board="critique", card="K3"))

        screen = await shows(
            pilot,
            "Stemming: Kritikk",
            "●●●●● 5 av 5 prikker igjen",
            "···  Tid  (2 lapper)",
            "···  Dårlig nett",
            "Du har ikke stemt ennå",
        )
        await focused(pilot, "units")
        mine = lambda: dots_by_unit(host.state, "critique", pid)  # noqa: E731

        await pilot.press("plus")
        await settle(pilot, lambda: mine() == {"T1": 1})
        await shows(pilot, "●●●●○ 4 av 5 prikker igjen", "●··  Tid", "Du stemmer")
        await pilot.press("plus", "plus")
        await settle(pilot, lambda: mine() == {"T1": 3})
        await pilot.press("plus")  # over the cap of 3: refused, said in words
        await shows(pilot, "Høyst 3 prikker på samme tema.")
        await pilot.press("minus")
        await settle(pilot, lambda: mine() == {"T1": 2})
        await pilot.press("down", "plus")
        await settle(pilot, lambda: mine() == {"T1": 2, "K3": 1})
        screen = await shows(pilot, "●●○○○ 2 av 5 prikker igjen", "●●·  Tid", "●··  Dårlig nett")
        # The header shows the dots left on every line of the vote view too.
        assert screen.splitlines()[1].rstrip().endswith("--:--") and "2 av 5 prikker igjen" in screen.splitlines()[1]
        assert "stemte" not in screen and "●●●  Dårlig nett" not in screen, "no tally, no one else's dots"

        await pilot.press("d")
        await settle(pilot, lambda: host.state.boards["critique"].vote.status.get(pid) == "done")
        await shows(pilot, "Du er ferdig")
        await pilot.press("a")  # three dots placed: asked first
        await shows(pilot, "Avstå og ta bort prikkene dine (3)?")
        await pilot.press("y")
        await settle(pilot, lambda: host.state.boards["critique"].vote.status.get(pid) == "abstained")
        await shows(pilot, "Du har avstått", "●●●●● 5 av 5 prikker igjen")
        assert mine() == {}

        await ok(host, c.CloseVote(id=new_id(), board="critique"))
        await shows(pilot, "Stemmingen er avsluttet")
        sent = app.client.unanswered
        await pilot.press("plus")
        await pilot.pause()
        assert app.client.unanswered == sent and mine() == {}, "a closed vote takes no dots"


async def test_bottom_list_after_the_reveal(workshop):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        ola, per = await critique_wall(workshop)
        await advance(host, PhaseKind.CLUSTER, "critique")
        await ok(host, c.Merge(id=new_id(), board="critique", cards=["K1", "K2"], title="Tid"))
        await ok(host, c.ChangeRules(id=new_id(), list_cut=2))
        await advance(host, PhaseKind.VOTE, "critique")
        for who, card, n in ((ola, "T1", 2), (per, "T1", 1), (per, "K3", 3), (ola, "K4", 1)):
            for _ in range(n):
                await ok(who, c.PlaceDot(id=new_id(), board="critique", card=card))
        await advance(host, PhaseKind.RANKING, "critique")  # closes the vote and reveals
        screen = await shows(
            pilot,
            "Bunnliste",
            "2 av 3 med prikker",
            "Tid",
            "3 prikker (2 stemte)",
            "Dårlig nett",
            "3 prikker (1 stemte)",
            "(likt – flere stemte)",
        )
        assert screen.index("Tid") < screen.index("Dårlig nett"), "more voters wins the tie"
        assert "For mange skjema" not in screen, "cut at list_cut"
        assert "Lite tid · Ingen tid til veiledning" in screen, "a theme shows its cards"
        assert pid in host.state.participants
