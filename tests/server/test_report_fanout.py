"""The report's texts and the evaluation, through the real server: who receives what.

A raw websocket participant records every frame it gets, so nothing the
mirror might drop can hide a leak: the facilitator's summary and decisions
never reach a participant or a screen, and an evaluation reaches the
facilitators without its author and nobody else but the person who gave it.
"""

from __future__ import annotations

import asyncio
import json

from support import until
from websockets.asyncio.client import connect

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind


async def test_summary_and_evaluations_reach_only_whom_they_may(running, clients):
    created = await running.new_session(purpose="Dele erfaringer")
    host = clients(running.url, role="facilitator", token=created.token)
    screen = clients(running.url, role="screen", code=created.code)
    kari = clients(running.url, role="participant", code=created.code, name="Kari", org="Bodø")
    for client in (host, screen, kari):
        await client.wait_ready()
    frames: list[str] = []
    ws = await connect(running.url, proxy=None)
    await ws.send(
        json.dumps({"type": "hello", "role": "participant", "code": created.code, "resume": "r" * 30, "name": "Ola"})
    )

    async def record() -> None:
        async for frame in ws:
            frames.append(frame if isinstance(frame, str) else frame.decode())

    recorder = asyncio.create_task(record())
    try:
        assert kari.state.report_texts["purpose"].text == "Dele erfaringer"  # public, from the start
        await host.send(c.EditReportText(id=new_id(), field="summary", text="Hemmelig utkast", base_version=0))
        await host.send(c.EditReportText(id=new_id(), field="background", text="Tredje samling", base_version=0))
        while host.state.current.kind != PhaseKind.CLOSING:
            await host.send(c.AdvancePhase(id=new_id(), current=host.state.phase))
        outcome = await kari.send(c.Evaluate(id=new_id(), rating=2, text="Kortere dager"))
        assert outcome.ok
        await until(lambda: len(host.state.evaluations) == 1)
        (given,) = host.state.evaluations.values()
        assert (given.rating, given.text, given.author) == (2, "Kortere dager", None)
        (mine,) = kari.state.evaluations.values()
        assert mine.author == kari.participant
        await host.send(c.AddNextStep(id=new_id(), text="Rapport på fredag"))  # an event everyone gets
        await until(lambda: any("Rapport på fredag" in f for f in frames) and screen.state.next_steps)
        assert screen.state.evaluations == {} and set(screen.state.report_texts) == {"purpose", "background"}
        assert set(kari.state.report_texts) == {"purpose", "background"}
        seen = "\n".join(frames)
        assert "Tredje samling" in seen  # the background is for everyone
        assert "Hemmelig utkast" not in seen and "Kortere dager" not in seen and '"evaluated"' not in seen
    finally:
        recorder.cancel()
        await ws.close()
