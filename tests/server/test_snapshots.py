"""Snapshots are made once per audience per batch; newcomers share one.

The hub sends every participant who joins in a batch the same snapshot (the
view of a participant with nothing of their own). These tests check that it
is exactly what each of them may see, also when the room is busy, anonymous,
has private cards, buzz pairs and dots — and that a burst of joins all end up
with mirrors equal to the server's view.
"""

from __future__ import annotations

import asyncio

from support import until

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.state import dump_state
from kompsesjon.method.visibility import participant_view, view_state
from server.core import NEWCOMER


def _mirror_matches(running, session, client) -> bool:
    hub = running.server.hubs[session]
    mine = dump_state(client.state)
    theirs = dump_state(view_state(hub.state, participant_view(client.participant)))
    mine.pop("counters"), theirs.pop("counters")
    return mine == theirs


async def _busy_room(running, clients, *, anonymous: bool):
    created = await running.new_session(anonymous=anonymous)
    host = clients(running.url, role="facilitator", token=created.token)
    early = [clients(running.url, role="participant", code=created.code, name=f"E{n}") for n in range(4)]
    for client in [host, *early]:
        await client.wait_ready()
    await early[0].send(c.CheckIn(id=new_id(), text="håp"))
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    await host.send(c.FormBuzzPairs(id=new_id(), seed=3))
    for n, person in enumerate(early):
        assert (await person.send(c.AddItem(id=new_id(), board="critique", text=f"privat {n}"))).ok
        assert (await person.send(c.AddItem(id=new_id(), board="critique", text=f"par {n}", with_pair=True))).ok
    return created, host, early


async def test_a_newcomers_view_is_the_shared_newcomer_view(running, clients):
    for anonymous in (False, True):
        created, _host, _early = await _busy_room(running, clients, anonymous=anonymous)
        late = clients(running.url, role="participant", code=created.code, name="Sen")
        await late.wait_ready()
        hub = running.server.hubs[created.session]
        own = dump_state(view_state(hub.state, participant_view(late.participant)))
        shared = dump_state(view_state(hub.state, NEWCOMER))
        assert own == shared
        await until(lambda: _mirror_matches(running, created.session, late))


async def test_a_burst_of_joins_gets_consistent_mirrors(running, clients):
    created, host, early = await _busy_room(running, clients, anonymous=False)
    burst = [clients(running.url, role="participant", code=created.code, name=f"B{n}") for n in range(40)]
    # Something happens while they join: cards from the early ones.
    writes = [p.send(c.AddItem(id=new_id(), board="critique", text=f"midt i {n}")) for n, p in enumerate(early)]
    await asyncio.gather(*(p.wait_ready() for p in burst))
    assert all(o.ok for o in await asyncio.gather(*writes))
    await host.send(c.RevealItems(id=new_id(), board="critique"))
    hub = running.server.hubs[created.session]
    await until(lambda: all(p.seq == hub.seq for p in burst))
    for person in [*burst, *early]:
        await until(lambda p=person: _mirror_matches(running, created.session, p))
    assert len({p.participant for p in burst}) == 40
