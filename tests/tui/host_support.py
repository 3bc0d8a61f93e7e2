"""Helpers for the host view's tests: read the screen as text, drive a session."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

import pytest
from rich.console import Console
from support import WAIT
from textual.app import App

from kompsesjon.client import Outcome, SessionClient, new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind


def screen_text(app: App) -> str:
    """What the terminal shows now (dialogs over the screen below), as text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


async def shows(pilot, app: App, *predicates: Callable[[str], bool] | str, timeout: float = WAIT) -> str:
    """Wait until the screen text satisfies every predicate (or contains
    every text): all on one screen, the one returned."""
    text = ""

    def holds(predicate: Callable[[str], bool] | str) -> bool:
        return predicate in text if isinstance(predicate, str) else predicate(text)

    try:
        async with asyncio.timeout(timeout):
            while True:
                await pilot.pause(0.02)
                text = screen_text(app)
                if all(holds(predicate) for predicate in predicates):
                    return text
    except TimeoutError:
        missing = [p for p in predicates if not holds(p)]
        raise AssertionError(f"screen never showed {missing!r}; it shows:\n{text}") from None


async def ok(client: SessionClient, command) -> Outcome:
    outcome = await client.send(command)
    assert outcome.ok, (command, outcome)
    return outcome


def cid() -> str:
    return new_id()


# ---- a room: a session with a facilitator and four named participants ---------

PEOPLE = [
    ("Kari Nordmann", "Bodø kommune"),
    ("Ola Hansen", "Fauske kommune"),
    ("Ingrid Johansen", "Saltdal kommune"),
    ("Per Olsen", "Meløy kommune"),
]


class Room:
    """A live session on the test server: ``fac`` (facilitator) and ``people``."""

    def __init__(self, running, clients) -> None:
        self.running = running
        self.clients = clients
        self.people: list[SessionClient] = []

    async def start(
        self,
        *,
        people=PEOPLE,
        title: str = "Framtidsverksted i Salten",
        question: str = "Hvordan lærer kommunene av hverandre?",
        **kwargs,
    ) -> Room:
        created = await self.running.new_session(title=title, question=question, **kwargs)
        self.code, self.token = created.code, created.token
        self.fac = self.clients(self.running.url, role="facilitator", token=self.token)
        await self.fac.wait_ready()
        for name, org in people:
            person = self.clients(self.running.url, role="participant", code=self.code, name=name, org=org)
            await person.wait_ready()
            self.people.append(person)
        return self

    def host(self, role: str = "facilitator", **kwargs):
        from kompsesjon.tui.host.app import HostApp

        if role == "facilitator":
            client = SessionClient(self.running.url, role="facilitator", token=self.token)
        else:
            client = SessionClient(self.running.url, role="screen", code=self.code)
        return HostApp(client, role=role, **kwargs)

    async def advance_to(self, kind: PhaseKind, board: str | None = None) -> None:
        while not (self.fac.state.current.kind == kind and (board is None or self.fac.state.current.board == board)):
            await ok(self.fac, c.AdvancePhase(id=cid(), current=self.fac.state.phase))

    async def cards(self, board: str, texts: list[str], *, reveal: bool = True) -> list[str]:
        ids = []
        for n, text in enumerate(texts):
            await ok(self.people[n % len(self.people)], c.AddItem(id=cid(), board=board, text=text))
            ids.append(
                max((i for i in self.fac.state.items.values() if i.board == board), key=lambda i: int(i.id[1:])).id
            )
        if reveal:
            await ok(self.fac, c.RevealItems(id=cid(), board=board))
        return ids

    async def synced(self, app, timeout: float = WAIT) -> None:
        """Wait until the app's mirror has caught up with the facilitator's."""
        async with asyncio.timeout(timeout):
            while app.client is None or app.client.seq < self.fac.seq:
                await asyncio.sleep(0.01)


@pytest.fixture
async def room(running, clients) -> Room:
    return await Room(running, clients).start()


async def opened(pilot, app, room: Room | None = None) -> None:
    """Wait until the host view is connected and drawn."""
    async with asyncio.timeout(WAIT):
        while app.state is None or app.host_screen.view is None or not app.host_screen.view.is_mounted:
            await pilot.pause(0.02)
    if room is not None:
        await room.synced(app)
    await pilot.pause(0.1)


def body_lines(text: str) -> list[str]:
    """The screen's lines without the agenda column (left of ``▕``)."""
    return [line.split("▕", 1)[1] if "▕" in line else line for line in text.splitlines()]
