"""Reconnects resume, restarts replay: nothing written is ever lost."""

from __future__ import annotations

import asyncio

from support import until

from kompsesjon.client import Status, new_id
from kompsesjon.method import commands as c
from kompsesjon.method.state import dump_state
from kompsesjon.method.visibility import participant_view, view_state
from kompsesjon.mirror import EventApplied, SnapshotLoaded


def _same_as_server(running, session, client) -> bool:
    hub = running.server.hubs[session]
    mine = dump_state(client.state)
    theirs = dump_state(view_state(hub.state, participant_view(client.participant)))
    mine.pop("counters"), theirs.pop("counters")
    return mine == theirs


async def test_restart_mid_session_every_client_resumes(running, clients):
    created = await running.new_session(title="Restart")
    host = clients(running.url, role="facilitator", token=created.token)
    people = [clients(running.url, role="participant", code=created.code, name=f"P{n}") for n in range(10)]
    for client in [host, *people]:
        await client.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    await host.send(c.ChangeRules(id=new_id(), private_writing=False))

    # Everyone writes; half-way the server goes down and comes back.
    futures = []
    for round_ in range(6):
        for n, p in enumerate(people):
            futures.append(p.submit(c.AddItem(id=new_id(), board="critique", text=f"{n}-{round_}")))
        if round_ == 2:
            await asyncio.sleep(0.05)
            await running.stop()
            await until(lambda: all(p.status != Status.ONLINE for p in people))
            await running.start()
    outcomes = await asyncio.wait_for(asyncio.gather(*futures), 30)
    assert all(o.ok for o in outcomes), [o for o in outcomes if not o.ok][:3]

    hub = running.server.hubs[created.session]
    texts = sorted(i.text for i in hub.state.items.values())
    assert texts == sorted(f"{n}-{r}" for n in range(10) for r in range(6)), "each card exactly once"
    for p in people:
        await until(lambda p=p: _same_as_server(running, created.session, p), timeout=10)
    assert all(p.connects >= 2 for p in people)


async def test_offline_client_gets_exactly_what_it_missed(running, clients):
    created = await running.new_session(title="Missed")
    host = clients(running.url, role="facilitator", token=created.token)
    late = clients(running.url, role="participant", code=created.code, name="Sovende")
    await host.wait_ready()
    await late.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    await host.send(c.ChangeRules(id=new_id(), private_writing=False))
    await until(lambda: late.state.phase == 1)

    events_seen = []
    late.listeners.append(lambda note: events_seen.append(type(note)))
    # The laptop sleeps: drop its socket (the client reconnects on its own).
    hub = running.server.hubs[created.session]
    for client in list(hub.participants[late.participant]):
        client.conn.transport.abort()
    for n in range(5):
        await host.send(c.AddItem(id=new_id(), board="critique", text=f"mens du sov {n}"))
    await until(lambda: late.status == Status.ONLINE and len(late.state.items) == 5)
    assert SnapshotLoaded not in events_seen, "a short absence resumes from the log, not a snapshot"
    assert events_seen.count(EventApplied) == 5
    assert _same_as_server(running, created.session, late)


async def test_far_behind_client_gets_a_snapshot(running, clients, monkeypatch):

    created = await running.new_session(title="Far behind")
    host = clients(running.url, role="facilitator", token=created.token)
    late = clients(running.url, role="participant", code=created.code, name="Borte")
    await host.wait_ready()
    await late.wait_ready()
    hub = running.server.hubs[created.session]
    hub.core.ring = type(hub.core.ring)(hub.core.ring, maxlen=5)  # a short memory for this test
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    await until(lambda: late.state.phase == 1)
    kinds = []
    late.listeners.append(lambda note: kinds.append(type(note)))
    for client in list(hub.participants[late.participant]):
        client.conn.transport.abort()
    await until(lambda: late.status != Status.ONLINE)
    for n in range(12):
        await host.send(c.AddItem(id=new_id(), board="critique", text=f"kort {n}"))
    await until(lambda: late.status == Status.ONLINE and SnapshotLoaded in kinds)
    assert _same_as_server(running, created.session, late)


async def test_resume_after_restart_uses_the_rebuilt_log(running, clients):
    created = await running.new_session(title="Ring after restart")
    host = clients(running.url, role="facilitator", token=created.token)
    person = clients(running.url, role="participant", code=created.code, name="Kari")
    await host.wait_ready()
    await person.wait_ready()
    await host.send(c.AdvancePhase(id=new_id(), current=0))
    await until(lambda: person.state.phase == 1)
    kinds = []
    person.listeners.append(lambda note: kinds.append(type(note)))
    await running.stop()
    await running.start()
    await until(lambda: person.status == Status.ONLINE and person.connects == 2)
    assert SnapshotLoaded not in kinds, "an up-to-date client needs nothing after a restart"
    assert person.participant == "p1"
    outcome = await person.send(c.AddItem(id=new_id(), board="critique", text="etter omstart"))
    assert outcome.ok
