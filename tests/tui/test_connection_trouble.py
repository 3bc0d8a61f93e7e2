"""A wrong address or a stopped server: after a few seconds the apps say
what they try and the likely cause, and keep trying.

Found by hand: «Kobler til økten …» for ever, with nothing to act on.
"""

from __future__ import annotations

import socket

from kompsesjon.client import SessionClient, Status
from kompsesjon.tui.host.app import HostApp
from kompsesjon.tui.participant.app import ParticipantApp

from .conftest import run, settle, shows


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_each_failure_has_a_cause_a_person_can_act_on():
    from websockets.exceptions import InvalidStatus

    from kompsesjon.client import problem_of

    assert problem_of(ConnectionRefusedError()) == "refused"
    assert problem_of(socket.gaierror(-2, "Name or service not known")) == "name"
    assert problem_of(TimeoutError()) == "unreachable"
    assert problem_of(InvalidStatus.__new__(InvalidStatus)) == "not_ours"


async def test_the_participant_app_says_what_it_tries_while_it_retries(tmp_path):
    url = f"ws://127.0.0.1:{closed_port()}"
    app = ParticipantApp(url, code="K7PQ2M", name="Kari", resume_file=tmp_path / "resume.txt")
    async with run(app) as pilot:
        await shows(pilot, "Kobler til økten")
        await shows(pilot, f"Får ikke kontakt med {url}", "Kjører", "kompsesjon serve»", "Prøver igjen")
        assert app.client is not None and app.client.status == Status.OFFLINE  # still trying
        assert app.client.problem == "refused"


async def test_a_stopped_server_is_said_in_the_host_view_and_cleared_when_it_is_back(running, clients, tmp_path):
    created = await running.new_session(title="Samling")
    app = HostApp(SessionClient(running.url, role="facilitator", token=created.token, max_delay=0.3), lang="sv")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, lambda: app.state is not None)
        await running.stop()
        await settle(pilot, lambda: any(running.url.rstrip("/") in n.message for n in app._notifications), 20)
        (said,) = [n.message for n in app._notifications]
        assert said.startswith(f"Får ingen kontakt med {running.url}") and "Försöker igen" in said
        await running.start()  # same port
        await settle(pilot, lambda: app.client.status == Status.ONLINE and not app._notifications, 20)
