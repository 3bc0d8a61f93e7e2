"""A dialogue conference held in real terminals (tmux): four participants from
two municipalities and a facilitator, everything typed by keyboard; the
exported report has every answer under its group and municipality."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys

import pytest
from support import WAIT, start_server, stop_server

from .ssh import Tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

PEOPLE = [
    ("Kari", "Bodø kommune"),
    ("Ola", "Fauske kommune"),
    ("Ingrid", "Bodø kommune"),
    ("Per", "Fauske kommune"),
]


def app(*args: str) -> list[str]:
    return [sys.executable, "-m", "kompsesjon", *args, "--lang", "nb"]


async def still(terminal: Tmux, quiet: float = 0.6) -> None:
    """Wait until the terminal has stopped changing, as a person looks before
    typing (six apps share two cores here: a fixed pause is not enough)."""
    async with asyncio.timeout(WAIT):
        before = terminal.screen()
        while True:
            await asyncio.sleep(quiet)
            now = terminal.screen()
            if now == before:
                return
            before = now


async def test_a_dialogue_conference_in_real_terminals(tmp_path):
    db = tmp_path / "konferanse.sqlite3"
    proc, info = await start_server(db, 0, "--template", "dialogkonferanse", "--title", "Dialogkonferanse i Salten")
    terminals: list[Tmux] = []
    try:
        host = Tmux(app("host", info["url"], "--token", info["token"]), width=130, height=38)
        terminals.append(host)
        people: dict[str, Tmux] = {}
        for name, org in PEOPLE:
            resume = str(tmp_path / f"{name}.txt")
            args = ("join", info["url"], "--code", info["code"], "--name", name, "--org", org, "--resume-file", resume)
            people[name] = Tmux(app(*args), width=80, height=24)
            terminals.append(people[name])
        for terminal in people.values():
            await terminal.wait_for("Tilkoblet", timeout=30)
        await host.wait_for("Deltakere: 4", timeout=30)

        async def next_phase(expected: str) -> None:
            # As a person looks before pressing: a save's «no unsaved text any
            # more» reaches the host a moment after the saved text does (else
            # `n` asks first, as it should while someone has unsaved text).
            async with asyncio.timeout(WAIT):
                while "ulagret tekst" in host.screen():
                    await asyncio.sleep(0.1)
            await still(host)
            host.keys("n")
            await host.wait_for(expected)
            for terminal in people.values():
                await terminal.wait_for(expected[:30])

        async def write(name: str, text: str, *, tabs: int = 0) -> None:
            """Type into the own group's answer (Tab to the next one) and save:
            as soon as the answers are on the screen, as a quick typist does
            (the cursor is in the first one from the frame that shows it)."""
            terminal = people[name]
            await terminal.wait_for("─ Svar 1 ─")
            for _ in range(tabs):
                terminal.keys("Tab")
            terminal.keys(text, literal=True)
            await terminal.wait_for("ikke lagret")
            terminal.keys("C-s")
            await terminal.wait_for("lagret, versjon 1")

        # Part 1 and the talk in plenary, then the base groups.
        await next_phase("Del 1: I egen enhet")
        await next_phase("Faglig innledning i plenum")
        await next_phase("Del 2: Basisgrupper")
        await people["Kari"].wait_for("Du er ikke i en gruppe ennå")
        await host.wait_for("trykk g for")
        await still(host)
        host.keys("g")
        await host.wait_for("Gruppe 1")
        for terminal in people.values():
            await terminal.wait_for("Gruppe 1")
        await people["Ola"].wait_for("Gruppe 1  Basisgrupper")
        await write("Kari", "Faddere for alle nyansatte")
        await people["Ola"].wait_for("lagret, versjon 1, av Kari")  # live in Ola's terminal too
        await write("Ola", "Vi kjenner igjen tidspresset", tabs=1)
        people["Kari"].keys("C-r")  # Kari reports for the group
        await host.wait_for("Kari  Bodø kommune  (referent)")
        await host.wait_for("(Ola)")  # answers arrive live on the host view

        # Lunch, the cross groups, back in the base groups.
        await next_phase("Lunsj")
        await next_phase("Del 3: Kryssgrupper")
        await host.wait_for("trykk g for")
        await still(host)
        host.keys("g")
        await people["Ingrid"].wait_for("Kryssgrupper")
        await write("Ingrid", "Spør nabokommunen først")
        await next_phase("Tilbake i basisgruppene")
        await write("Per", "Vi tar med oss fadderordningen")

        # The reports: the host steps to the group; every participant sees it.
        await next_phase("Rapportering i plenum")
        await host.wait_for("Gruppene (← → viser")
        await still(host)
        host.keys("Right")
        await host.wait_for("Rapporterer: Gruppe 1")
        await people["Per"].wait_for("Rapporterer nå:")

        # Local follow-up, per municipality.
        await next_phase("Del 4: Lokal oppfølging")
        await people["Kari"].wait_for("Svar for Bodø kommune")
        await write("Kari", "Planleggingsdag 8. januar")
        await write("Ola", "Nettverksmøte i Fauske i mars")

        export = subprocess.run(
            [sys.executable, "-m", "kompsesjon", "export", "--db", str(db), info["code"], "--format", "md"],
            capture_output=True,
            text=True,
            check=True,
        )
        report = export.stdout
    finally:
        for terminal in terminals:
            terminal.kill()
        await stop_server(proc)

    def section(start: str, end: str) -> str:
        return report[report.index(start) : report.index(end, report.index(start))]

    base = section("### Del 2: Basisgrupper", "### Del 3")
    group = base[base.index("#### Gruppe 1") :]
    assert "Kari (Bodø kommune)" in group and "Ola (Fauske kommune)" in group and "referent: Kari" in group
    assert "Faddere for alle nyansatte" in group and "Vi kjenner igjen tidspresset" in group
    assert "Spør nabokommunen først" in section("### Del 3: Kryssgrupper", "### Tilbake i basisgruppene")
    assert "Vi tar med oss fadderordningen" in section("### Tilbake i basisgruppene", "## Del 4")
    follow_up = report[report.index("## Del 4: Lokal oppfølging") :]
    bodo = follow_up[follow_up.index("### Bodø kommune") :]
    fauske = follow_up[follow_up.index("### Fauske kommune") :]
    assert "Planleggingsdag 8. januar" in bodo.split("###")[1]
    assert "Nettverksmøte i Fauske i mars" in fauske.split("###")[1]
