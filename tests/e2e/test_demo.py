"""``kompsesjon demo`` end to end, sped up: simulated people and the autopilot
facilitator run a whole Future Workshop; stopping keeps it all; export works.

The host view is left out here (it has its own pilot tests); the demo is
otherwise the one ``uv run kompsesjon demo --autopilot`` runs.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from support import until

from kompsesjon.cli import main
from kompsesjon.client import SessionClient
from kompsesjon.demo import run_demo
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.group_work import active_groups
from kompsesjon.simulate import Pace


async def test_the_demo_runs_a_workshop_that_can_be_exported(tmp_path, capsys):
    db = tmp_path / "demo.sqlite3"
    lines: list[str] = []
    ready = asyncio.Event()
    demo = asyncio.create_task(
        run_demo(
            db=db,
            participants=8,
            autopilot=True,
            host_view=False,
            pace=Pace(0.05, 0.3),
            phase_seconds=2.0,
            out=lines.append,
            ready=ready,
        )
    )
    screen = None
    try:
        await asyncio.wait_for(ready.wait(), 20)
        url = re.search(r"on (ws://\S+)", lines[0]).group(1)
        code = re.search(r"--code (\w+)", "\n".join(lines)).group(1)
        screen = SessionClient(url, role="screen", code=code)
        screen.start()
        await screen.wait_ready()

        def reached(kind: PhaseKind) -> bool:
            return screen.state.current.kind == kind

        # Generous: on a loaded 2-core machine the whole workshop takes longer.
        try:
            await until(lambda: reached(PhaseKind.CLOSING), timeout=180)
        except TimeoutError:
            raise AssertionError(
                f"the demo stopped at {screen.state.current.kind} (demo done: {demo.done()})"
            ) from None
        state = screen.state
        assert len(state.participants) == 8 and len(state.check_ins) == 8
        assert any(t.board == "critique" for t in state.themes.values()), "the autopilot sorted the wall"
        islands = [i for i in state.islands.values() if not i.removed]
        assert islands and all(len(state.plans.get(i.id, {})) for i in islands), "islands wrote plans"
    finally:
        # Bounded, and named: a stop that hangs fails here instead of stalling the run.
        if screen is not None:
            await asyncio.wait_for(screen.close(), 30)
        demo.cancel()
        done, _ = await asyncio.wait([demo], timeout=60)
        assert done, "the demo did not stop within 60 s of being cancelled"
    assert any("Everything is stored in" in line for line in lines), lines

    capsys.readouterr()
    assert main(["export", "--db", str(db), code, "--format", "md"]) == 0
    report = capsys.readouterr().out
    assert "## Bunnliste" in report and "## Toppliste" in report and "kompetanse i Salten" in report


@pytest.mark.parametrize(
    "template, labels",
    [
        ("dialogkonferanse", ["Gruppe 1", "Gruppe 2"]),
        ("refleksjon", ["Bodø kommune", "Fauske kommune", "Saltdal kommune", "Meløy kommune"]),
        ("fylkessamling", ["Nordland", "Troms", "Tromsø kommune", "Bodø kommune"]),
    ],
)
async def test_the_demo_runs_every_group_method_to_its_end(tmp_path, capsys, template, labels):
    """``kompsesjon demo --template … --autopilot``: simulated people give their
    county, write their group's answers (sub-questions too) and follow-ups,
    take the rapporteur's role; the autopilot forms the groups and steps
    through the reports; the report has it all under the groups' names."""
    db = tmp_path / "demo.sqlite3"
    lines: list[str] = []
    ready = asyncio.Event()
    demo = asyncio.create_task(
        run_demo(
            db=db,
            template=template,
            autopilot=True,
            host_view=False,
            pace=Pace(0.05, 0.2),
            phase_seconds=2.5,
            out=lines.append,
            ready=ready,
        )
    )
    screen = None
    presented: set[str] = set()
    try:
        await asyncio.wait_for(ready.wait(), 20)
        url = re.search(r"on (ws://\S+)", lines[0]).group(1)
        code = re.search(r"--code (\w+)", "\n".join(lines)).group(1)
        screen = SessionClient(url, role="screen", code=code)
        screen.listeners.append(
            lambda kind, event: (
                presented.add(event.group) if kind == "event" and event.type == "group_presented" else None
            )
        )
        screen.start()
        await screen.wait_ready()
        await until(lambda: screen.state.phase == len(screen.state.agenda) - 1, timeout=120)
        state = screen.state
        assert state.current.kind == PhaseKind.CLOSING
        for number, phase in enumerate(state.agenda):
            if phase.kind == PhaseKind.GROUP_WORK:
                groups = active_groups(state, phase.groups)
                assert groups and all(any(k.phase == number and k.group == g.id for k in state.answers) for g in groups)
            if phase.kind == PhaseKind.REPORT:
                assert {g.id for g in active_groups(state, phase.groups)} <= presented, "every group reported"
        assert any(k.sub is not None for k in state.answers) or template == "dialogkonferanse"
        assert any(g.rapporteur for g in state.groups.values())
    finally:
        if screen is not None:
            await screen.close()
        demo.cancel()
        await asyncio.gather(demo, return_exceptions=True)

    capsys.readouterr()
    assert main(["export", "--db", str(db), code, "--format", "md"]) == 0
    report = capsys.readouterr().out
    for label in labels:
        assert label in report, label
    assert "referent:" in report
