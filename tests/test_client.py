"""The network client's own promises, without a server."""

from __future__ import annotations

import asyncio

import pytest

from kompsesjon import protocol as proto
from kompsesjon.client import SessionClient
from kompsesjon.method import commands as c


async def test_a_task_cancelled_as_its_outcome_arrives_is_cancelled():
    """A task told to stop while it waits in ``send`` stops, even when the
    outcome arrives in the same moment (asyncio.wait_for on Python 3.11 gives
    the result instead, and a simulated person's loop then never ended)."""
    client = SessionClient("ws://127.0.0.1:9", role="participant", code="ABCDEF", name="Kari")  # never started
    for steps in range(6):  # the cancel at each point of the wait
        command = c.CheckIn(id=f"c{steps}", text="Håper på mye")
        waiting = asyncio.create_task(client.send(command, timeout=5))
        for _ in range(steps):
            await asyncio.sleep(0)
        client._take(client.mirror.receive(proto.Ack(id=command.id, seq=1)))  # the server's answer arrives
        waiting.cancel()
        (result,) = await asyncio.gather(waiting, return_exceptions=True)
        assert isinstance(result, asyncio.CancelledError), f"after {steps} steps the task went on with {result!r}"


async def test_send_still_times_out():
    client = SessionClient("ws://127.0.0.1:9", role="participant", code="ABCDEF", name="Kari")
    with pytest.raises(TimeoutError):
        await client.send(c.CheckIn(id="late", text="Hei"), timeout=0.05)
