"""Several people join from one OS account (a shared PC in the meeting room,
a facilitator trying several terminals): another name is another person.

Found by hand: a second ``join --name Ola`` silently became the first
participant (Kari) and dropped the name and organisation.
"""

from __future__ import annotations

from kompsesjon.tui.participant.app import ParticipantApp

from .conftest import run, shows


async def joined_as(workshop, name: str | None, org: str | None = None, *, says: str = "") -> tuple[str, str]:
    """Join with the account's own resume files (no --resume-file); the
    participant id, and the screen once it shows the session (and ``says``)."""
    app = ParticipantApp(workshop.running.url, code=workshop.code, name=name, org=org)
    async with run(app) as pilot:
        pid = await workshop.joined(pilot)
        return pid, await shows(pilot, "Framtidsverksted i Salten", says)


async def test_another_name_is_another_person_and_the_same_name_resumes(workshop, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "account"))
    kari, _ = await joined_as(workshop, "Kari Nordmann", "Bodø")
    ola, _ = await joined_as(workshop, "Ola Hansen", "Fauske")
    assert ola != kari
    people = workshop.host.state.participants
    assert (people[ola].name, people[ola].org) == ("Ola Hansen", "Fauske")
    assert (people[kari].name, people[kari].org) == ("Kari Nordmann", "Bodø")

    again, said = await joined_as(workshop, "kari  nordmann", "Bodø", says="Fortsetter som")
    assert again == kari
    assert "Fortsetter som Kari Nordmann (Bodø)" in said

    # Without a name: the last one who joined from this account, said so.
    last, said = await joined_as(workshop, None, says="Fortsetter som")
    assert last == kari and "Fortsetter som Kari Nordmann (Bodø)" in said
    assert len([p for p in workshop.host.state.participants.values() if not p.removed]) == 2
