"""A session follows another only with what the server says that one holds.

``follow_session`` carries the earlier session's record into this one; the
record is made by the server from the session the earlier facilitator token
names, never taken from the client (a forged ``series`` is replaced), and a
join code, a wrong token or this session's own token carry nothing.
"""

from __future__ import annotations

from support import earlier_gathering, until

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.series import Action, Gathering, Series


async def test_only_the_earlier_sessions_own_token_carries_its_record(running, clients):
    earlier = await earlier_gathering(running, clients)
    created = await running.new_session(title="Andre samling")
    host = clients(running.url, role="facilitator", token=created.token)
    kari = clients(running.url, role="participant", code=created.code, name="Kari", org="Bodø")
    await host.wait_ready()
    await kari.wait_ready()
    forged = Series(
        gatherings=[Gathering(session="x", title="Forfalsket", date=0.0)],
        actions=[Action(id="x:I1", session="x", date=0.0, what="Noe som aldri ble skrevet")],
    )
    for token in (earlier.code, "f-wrong", created.token):
        refused = await host.send(c.FollowSession(id=new_id(), token=token, series=forged))
        assert refused.code == "unknown_session", token
    refused = await kari.send(c.FollowSession(id=new_id(), token=earlier.token))
    assert refused.code == "not_facilitator"
    assert host.state.series is None and running.server.hubs[host.state.session].state.series is None

    linked = await host.send(c.FollowSession(id=new_id(), token=earlier.token, series=forged))
    assert linked.ok
    series = running.server.hubs[host.state.session].state.series
    assert [g.title for g in series.gatherings] == ["Første samling"]
    assert [a.what for a in series.actions] == ["Fast møtetid", "Rollebeskrivelser"]
    await until(lambda: kari.state.series == series)  # everyone's mirror has it
