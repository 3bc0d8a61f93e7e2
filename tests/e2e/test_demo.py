"""``kompsesjon demo`` end to end, sped up: simulated people and the autopilot
facilitator run a whole Future Workshop; stopping keeps it all; export works.

The host view is left out here (it has its own pilot tests); the demo is
otherwise the one ``uv run kompsesjon demo --autopilot`` runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

import pytest
from support import advance, ok, until

from kompsesjon.cli import main
from kompsesjon.client import SessionClient, new_id
from kompsesjon.demo import run_demo
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.events import GroupPresented
from kompsesjon.method.group_work import active_groups
from kompsesjon.method.islands import active_islands, island_sizes
from kompsesjon.mirror import EventApplied
from kompsesjon.simulate import AutoFacilitator, Pace


@contextlib.asynccontextmanager
async def demo(
    tmp_path, presented: set[str] | None = None, **options
) -> AsyncIterator[tuple[SessionClient, asyncio.Task]]:
    """The demo (no host view), fast, and a screen watching it; yields the
    screen and the demo's task."""
    lines: list[str] = []
    ready = asyncio.Event()
    running = asyncio.create_task(
        run_demo(
            db=tmp_path / "demo.sqlite3", autopilot=True, host_view=False, out=lines.append, ready=ready, **options
        )
    )
    screen = None
    try:
        await asyncio.wait_for(ready.wait(), 20)
        url = re.search(r"(ws://\S+)", lines[0]).group(1)
        code = re.search(r"--code (\w+)", "\n".join(lines)).group(1)
        screen = SessionClient(url, role="screen", code=code)
        if presented is not None:
            screen.listeners.append(
                lambda note: (
                    presented.add(note.event.group)
                    if isinstance(note, EventApplied) and isinstance(note.event, GroupPresented)
                    else None
                )
            )
        screen.start()
        await screen.wait_ready()
        yield screen, running
    finally:
        # Bounded, and named: a stop that hangs fails here instead of stalling the run.
        if screen is not None:
            await asyncio.wait_for(screen.close(), 30)
        running.cancel()
        done, _ = await asyncio.wait([running], timeout=60)
        assert done, "the demo did not stop within 60 s of being cancelled"
    assert any("kompsesjon export " in line for line in lines), (lines, running)  # the task names its exception


async def until_reached(screen: SessionClient, running: asyncio.Task, reached) -> None:
    """Until ``reached()``; generous: on a loaded 2-core machine a whole
    session takes longer. Named when it does not come."""
    try:
        await until(reached, timeout=180)
    except TimeoutError:
        raise AssertionError(f"the demo stopped at {screen.state.current.kind} (demo done: {running.done()})") from None


def export(capsys, tmp_path, code: str) -> str:
    capsys.readouterr()
    assert main(["export", "--db", str(tmp_path / "demo.sqlite3"), code, "--format", "md"]) == 0
    return capsys.readouterr().out


async def test_the_demo_runs_a_workshop_that_can_be_exported(tmp_path, capsys):
    async with demo(tmp_path, participants=8, pace=Pace(0.05, 0.3), phase_seconds=2.0) as (screen, running):
        code = screen.code
        await until_reached(screen, running, lambda: screen.state.current.kind == PhaseKind.CLOSING)
        state = screen.state
        assert len(state.participants) == 8 and len(state.check_ins) == 8
        assert any(t.board == "critique" for t in state.themes.values()), "the autopilot sorted the wall"
        islands = [i for i in state.islands.values() if not i.removed]
        assert islands and all(len(state.plans.get(i.id, {})) for i in islands), "islands wrote plans"
    report = export(capsys, tmp_path, code)
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
    presented: set[str] = set()
    options = {"template": template, "pace": Pace(0.05, 0.2), "phase_seconds": 2.5}
    async with demo(tmp_path, presented, **options) as (screen, running):
        code = screen.code
        await until_reached(screen, running, lambda: screen.state.phase == len(screen.state.agenda) - 1)
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
    report = export(capsys, tmp_path, code)
    for label in labels:
        assert label in report, label
    assert "referent:" in report


async def test_the_autopilot_gives_up_islands_nobody_is_on_or_one_is_alone_on(running, clients):
    """People may choose before the last island is made: an island nobody
    chose would have no action plan, one with a single person leaves them
    alone. The autopilot gives both up and places their people."""
    created = await running.new_session(template="framtidsverksted", title="Salten")
    host = clients(running.url, role="facilitator", token=created.token)
    await host.wait_ready()
    people = []
    for n in range(5):
        person = clients(running.url, role="participant", code=created.code, name=f"P{n}", org="Bodø")
        await person.wait_ready()
        people.append(person)
    await advance(host, PhaseKind.BRAINSTORM)
    await ok(people[0], c.AddItem(id=new_id(), board="critique", text="Lite tid"))
    await advance(host, PhaseKind.ISLANDS)
    for title in ("Tid", "Roller", "Ingen valgte", "Alene"):
        await ok(host, c.CreateIsland(id=new_id(), title=title, links=[c.LinkRef(board="critique", card="K1")]))
    for person, island in zip(people, ["I1", "I1", "I2", "I2", "I4"], strict=True):
        await ok(person, c.ChooseIsland(id=new_id(), island=island))
    pilot = AutoFacilitator(running.url, created.token)
    pilot.client = host
    await pilot.settle_islands()
    await until(lambda: [i.id for i in active_islands(host.state)] == ["I1", "I2"])
    assert sorted(island_sizes(host.state).values()) == [2, 3], "the one alone joined another island"
