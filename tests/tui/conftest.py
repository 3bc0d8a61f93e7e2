"""Fixtures for pilot tests of the participant app against a real server."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from support import WAIT, advance, ok
from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.pilot import Pilot

from kompsesjon.client import SessionClient, new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.participant.app import ParticipantApp

SIZE = (80, 24)


def run(app: App, size: tuple[int, int] = SIZE):
    """``app.run_test`` at 80×24 with notifications shown (off by default)."""
    return app.run_test(size=size, notifications=True)


def screen_text(app: App) -> str:
    """The whole screen (with dialogs and the screens below) as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


async def settle(pilot: Pilot, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    """Let the app run until ``predicate()`` holds."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await pilot.pause(0.02)


async def focused(pilot: Pilot, widget_id: str) -> None:
    """Wait until the widget with that id has the focus (set after a refresh)."""
    await settle(pilot, lambda: pilot.app.focused is not None and pilot.app.focused.id == widget_id)


async def shows(pilot: Pilot, *texts: str, timeout: float = WAIT) -> str:
    """Wait until every text is on the screen; return the screen."""
    screen = ""

    def visible() -> bool:
        nonlocal screen
        screen = screen_text(pilot.app)
        return all(text in screen for text in texts)

    try:
        await settle(pilot, visible, timeout)
    except TimeoutError:
        missing = [text for text in texts if text not in screen]
        raise AssertionError(f"not on screen: {missing}\n{screen}") from None
    return screen


async def type_keys(pilot: Pilot, text: str) -> None:
    """Type like a person, key by key (brackets, spaces and æøå included)."""
    await pilot.press(*(_character_to_key(ch) for ch in text))


async def type_text(pilot: Pilot, text: str) -> None:
    """Paste text into the focused widget (pilot keys take ~80 ms each)."""
    await pilot.pause()  # a focus() just asked for is applied first
    field = pilot.app.focused
    assert field is not None, "nothing has the focus"

    def content() -> object:
        return getattr(field, "text", getattr(field, "value", None))

    before = content()
    pilot.app.post_message(events.Paste(text))  # as the terminal driver does
    await pilot.pause()
    if before is not None and text:
        # On a loaded machine the paste can still be on its way when the test's
        # next step (another person's save) arrives: wait until it is in.
        await settle(pilot, lambda: content() != before)


@dataclass
class Workshop:
    """A session with a facilitator client, and a way to start the app."""

    running: Any
    clients: Callable[..., SessionClient]
    tmp_path: Path
    code: str = ""
    token: str = ""
    host: SessionClient | None = None

    async def start(self, **kwargs) -> Workshop:
        created = await self.running.new_session(**kwargs)
        self.code, self.token = created.code, created.token
        self.host = self.clients(self.running.url, role="facilitator", token=created.token)
        await self.host.wait_ready()
        return self

    def app(
        self, name: str | None = "Kari", *, code: str | None = None, resume: str = "resume.txt", **kwargs
    ) -> ParticipantApp:
        return ParticipantApp(
            self.running.url,
            code=self.code if code is None else code,
            name=name,
            resume_file=self.tmp_path / resume,
            **kwargs,
        )

    async def person(self, name: str, org: str = "") -> SessionClient:
        client = self.clients(self.running.url, role="participant", code=self.code, name=name, org=org)
        await client.wait_ready()
        return client

    async def joined(self, pilot: Pilot) -> str:
        """Wait until the app's participant is in the session; its id."""
        app: Any = pilot.app
        await settle(
            pilot,
            lambda: (
                app.client is not None
                and app.client.participant is not None
                and app.client.state is not None
                and app.screen is app.session_screen
            ),
        )
        await pilot.pause()
        return app.client.participant


@pytest.fixture
async def workshop(running, clients, tmp_path) -> Workshop:
    return await Workshop(running, clients, tmp_path).start(
        title="Framtidsverksted i Salten", question="Hvordan får vi flere lærlinger?"
    )


async def critique_wall(workshop: Workshop) -> tuple[SessionClient, SessionClient]:
    """Ola and Per write four critique cards, revealed: K1…K4."""
    host = workshop.host
    ola = await workshop.person("Ola", "Fauske")
    per = await workshop.person("Per", "Saltdal")
    await advance(host, PhaseKind.BRAINSTORM, "critique")
    cards = ((ola, "Lite tid"), (per, "Ingen tid til veiledning"), (ola, "Dårlig nett"), (per, "For mange skjema"))
    for person, text in cards:
        await ok(person, c.AddItem(id=new_id(), board="critique", text=text))
    await ok(host, c.RevealItems(id=new_id(), board="critique"))
    return ola, per
