"""A whole Future Workshop over real websockets: 10 participants, 1 facilitator."""

from __future__ import annotations

import asyncio

from support import advance, ok, until

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.islands import island_members
from kompsesjon.method.state import dump_state
from kompsesjon.method.visibility import FACILITATOR_VIEW, participant_view, view_state
from kompsesjon.method.voting import dots_used, ranked_list

ORGS = ["Bodø", "Fauske", "Saltdal", "Meløy", "Gildeskål"]


async def test_full_future_workshop(running, clients):
    created = await running.new_session(title="Samarbeid i Salten", question="Hvordan løfter vi kompetansen?")
    host = clients(running.url, role="facilitator", token=created.token)
    screen = clients(running.url, role="screen", code=created.code)
    people = [
        clients(running.url, role="participant", code=created.code, name=f"Deltaker {n}", org=ORGS[n % 5])
        for n in range(10)
    ]
    for client in [host, screen, *people]:
        await client.wait_ready()
    await until(lambda: len(host.state.participants) == 10)
    await until(lambda: sum(host.presence.values()) == 10)

    # Intro: everyone checks in.
    await asyncio.gather(*(ok(p, c.CheckIn(id=new_id(), text=f"Håp fra {p.name}")) for p in people))

    # Critique: buzz pairs across organisations, then many cards.
    await advance(host, PhaseKind.BRAINSTORM, "critique")
    await ok(host, c.FormBuzzPairs(id=new_id(), seed=7))
    await until(lambda: all(p.state.buzz_pairs for p in people))
    for pair in host.state.buzz_pairs.values():
        orgs = {host.state.participants[m].org for m in pair.members}
        assert len(orgs) == len(pair.members), "a buzz pair should mix organisations"
    for n, p in enumerate(people):
        await ok(p, c.AddItem(id=new_id(), board="critique", text=f"Hinder {n}: lite tid"))
        await ok(p, c.AddItem(id=new_id(), board="critique", text=f"Hinder {n}b", with_pair=True))
    # Private writing: a participant sees only their own and their pair's cards.
    sample = people[0]
    assert all(i.author == sample.participant or i.pair is not None for i in sample.state.items.values())
    assert screen.state.items == {}
    await ok(host, c.RevealItems(id=new_id(), board="critique"))
    await until(lambda: len(screen.state.items) == 20)

    # Cluster: merge two duplicates into a titled theme.
    await advance(host, PhaseKind.CLUSTER, "critique")
    await ok(host, c.Merge(id=new_id(), board="critique", cards=["K1", "K3", "K5"], title="Tid"))

    # Vote: everybody spends dots; the tally stays hidden from participants.
    await advance(host, PhaseKind.VOTE, "critique")
    for n, p in enumerate(people):
        await ok(p, c.PlaceDot(id=new_id(), board="critique", card="T1"))
        await ok(p, c.PlaceDot(id=new_id(), board="critique", card=f"K{(n % 4) * 2 + 7}"))
        await ok(p, c.MarkDone(id=new_id(), board="critique"))
    assert all(len(p.state.boards["critique"].vote.dots) == 1 for p in people)
    assert all(p.state.boards["critique"].vote.revealed is None for p in people)
    assert dots_used(host.state, "critique", people[0].participant) == 2
    await advance(host, PhaseKind.RANKING, "critique")
    await until(lambda: screen.state.boards["critique"].vote.revealed is not None)
    bottom = ranked_list(screen.state, "critique")
    assert bottom[0].unit == "T1" and bottom[0].dots == 10

    # Vision, quickly.
    await advance(host, PhaseKind.BRAINSTORM, "vision")
    for n, p in enumerate(people[:6]):
        await ok(p, c.AddItem(id=new_id(), board="vision", text=f"Visjon {n}"))
    await ok(host, c.RevealItems(id=new_id(), board="vision"))
    await advance(host, PhaseKind.VOTE, "vision")
    for n, p in enumerate(people):
        await ok(p, c.PlaceDot(id=new_id(), board="vision", card=f"V{n % 3 + 1}"))
    await advance(host, PhaseKind.ISLANDS)
    top = ranked_list(host.state, "vision")
    assert [r.unit for r in top][:3] == ["V1", "V2", "V3"]

    # Islands from both lists; everyone chooses.
    await ok(
        host,
        c.CreateIsland(
            id=new_id(),
            title="Tid til læring",
            links=[c.LinkRef(board="critique", card="T1"), c.LinkRef(board="vision", card="V1")],
        ),
    )
    await ok(host, c.CreateIsland(id=new_id(), title="Nettverk", links=[c.LinkRef(board="vision", card="V2")]))
    for n, p in enumerate(people):
        await ok(p, c.ChooseIsland(id=new_id(), island="I1" if n < 6 else "I2"))
    await advance(host, PhaseKind.ACTION_PLANS)
    assert len(island_members(host.state, "I1")) == 6

    # Action plans: a stale edit is refused with the newer text.
    a, b = people[0], people[1]
    await ok(a, c.EditPlan(id=new_id(), island="I1", field="what", text="Felles fagdag", base_version=0))
    stale = await b.send(c.EditPlan(id=new_id(), island="I1", field="what", text="Noe annet", base_version=0))
    assert not stale.ok and stale.code == "stale_version"
    assert stale.details["text"] == "Felles fagdag" and stale.details["version"] == 1
    await ok(b, c.EditPlan(id=new_id(), island="I1", field="what", text="Felles fagdag i mars", base_version=1))

    # Closing: report mode, next step, check-out.
    await advance(host, PhaseKind.CLOSING)
    await ok(host, c.PresentIsland(id=new_id(), island="I1"))
    await ok(host, c.AddNextStep(id=new_id(), text="Nytt møte 12. mars"))
    await asyncio.gather(*(ok(p, c.CheckOut(id=new_id(), text="Takk")) for p in people))
    await until(lambda: len(screen.state.check_outs) == 10 and screen.state.presenting == "I1")

    # Every mirror equals what the server would show that audience.
    hub = running.server.hubs[created.session]

    def same(client, audience):
        a = dump_state(client.state)
        a.pop("counters")
        b = dump_state(view_state(hub.state, audience))
        b.pop("counters")
        return a == b

    await until(lambda: all(p.seq == hub.seq or p.seq > 0 for p in people))
    await until(lambda: same(host, FACILITATOR_VIEW))
    for p in people:
        await until(lambda p=p: same(p, participant_view(p.participant)))
