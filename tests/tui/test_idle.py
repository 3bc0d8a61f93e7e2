"""An app nobody touches paints nothing: no blinking cursor, no clock that
repaints the same time, no redraw for someone else's join.

Every idle repaint is paid for by the server once per SSH seat (300 seats:
benchmarks/README.md "SSH seats"), so these count repaints (calls of
``Widget.refresh``), not time.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections import Counter

import pytest
from textual.widget import Widget

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.tui import base
from kompsesjon.tui.base import REDRAW_EVERY
from kompsesjon.tui.text import clock
from kompsesjon.tui.widgets.status import timer_left

from .conftest import focused, ok, run, screen_text, settle, shows, type_text


@pytest.fixture
def refreshes(monkeypatch) -> Counter:
    """Which widgets asked to be repainted (by id or class), from now on."""
    counts: Counter = Counter()
    original = Widget.refresh

    def counting(self, *args, **kwargs):
        counts[self.id or type(self).__name__] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Widget, "refresh", counting)
    return counts


async def quiet(workshop, pilot, refreshes: Counter) -> None:
    """Joined, the cursor in the check-in, the first frames done: count from now."""
    await workshop.joined(pilot)
    await focused(pilot, "checkin-input")
    await shows(pilot, "Innsjekk fra de andre (0)")
    await pilot.pause(0.3)
    refreshes.clear()


async def test_the_focused_field_does_not_blink(workshop, refreshes):
    app = workshop.app()
    async with run(app) as pilot:
        await quiet(workshop, pilot, refreshes)
        assert app.focused.cursor_blink is False
        await pilot.pause(1.2)  # a blinking cursor would have repainted twice
        assert refreshes["checkin-input"] == 0, refreshes


async def test_the_once_a_second_tick_repaints_nothing_without_a_timer(workshop, refreshes):
    app = workshop.app()
    async with run(app) as pilot:
        await quiet(workshop, pilot, refreshes)
        for _ in range(5):
            app.tick()
            await pilot.pause()
        assert sum(refreshes.values()) == 0, refreshes


async def test_a_running_timer_repaints_only_the_timer(workshop, refreshes):
    app = workshop.app()
    async with run(app) as pilot:
        await workshop.joined(pilot)
        await ok(workshop.host, c.SetTimer(id=new_id(), seconds=600))
        # Running (on a loaded machine it may be past 10:00 when first seen).
        await settle(pilot, lambda: re.search(r"\b(10|0\d):\d\d\b", screen_text(app)) is not None)
        await pilot.pause(0.3)
        refreshes.clear()
        client = app.client
        start = client.server_now()
        for second in range(1, 4):
            client.server_now = lambda second=second: start + second  # the clock moves a second
            app.tick()
            await pilot.pause()
        await shows(pilot, clock(timer_left(app.state, start + 3)))
        assert set(refreshes) == {"timer"}, refreshes
        assert refreshes["timer"] <= 3 * 2  # a text update per second (and its layout)


async def test_someone_else_joining_redraws_nothing(workshop, refreshes):
    app = workshop.app()
    async with run(app) as pilot:
        await quiet(workshop, pilot, refreshes)
        others = [await workshop.person(name) for name in ("Ola", "Per", "Siri")]
        await settle(pilot, lambda: len(app.state.participants) == 4)
        await pilot.pause(REDRAW_EVERY + 0.1)  # past when a redraw would have come
        assert sum(refreshes.values()) == 0, refreshes

        # What they write is news: it is drawn.
        await ok(others[0], c.CheckIn(id=new_id(), text="Lære av de andre"))
        await shows(pilot, "Ola: Lære av de andre", "Innsjekk fra de andre (1)")


async def test_someone_else_checking_in_redraws_only_the_room(workshop, refreshes):
    app = workshop.app()
    async with run(app) as pilot:
        ola = await workshop.person("Ola")
        await quiet(workshop, pilot, refreshes)
        await ok(ola, c.CheckIn(id=new_id(), text="Lære av de andre"))
        await shows(pilot, "Ola: Lære av de andre", "Innsjekk fra de andre (1)")
        await pilot.pause(0.3)
        assert set(refreshes) <= {"room-title", "room-checkins", "room"}, refreshes


def count_redraws(app, monkeypatch) -> list[float]:
    """When the session screen redraws for news (time.monotonic()), from now on."""
    redraws: list[float] = []
    screen = app.session_screen
    original = screen.refresh_view

    def counted() -> None:
        redraws.append(time.monotonic())
        original()

    monkeypatch.setattr(screen, "refresh_view", counted)
    return redraws


async def test_a_busy_room_is_redrawn_at_most_once_a_second(workshop, monkeypatch):
    app = workshop.app()
    async with run(app) as pilot:
        await workshop.joined(pilot)
        people = [await workshop.person(name) for name in ("Ola", "Per", "Siri")]
        await pilot.pause(0.3)
        redraws = count_redraws(app, monkeypatch)
        began = time.monotonic()
        sent = []
        for n in range(60):  # a check-in every 40 ms, as in a big room
            sent.append(people[n % 3].submit(c.CheckIn(id=new_id(), text=f"Håp nummer {n}")))
            await asyncio.sleep(0.04)
        assert all(outcome.ok for outcome in await asyncio.gather(*sent))
        await shows(pilot, "Håp nummer 59")
        elapsed = time.monotonic() - began
        assert redraws, "the room's check-ins were never drawn"
        assert len(redraws) <= elapsed / REDRAW_EVERY + 1, (len(redraws), elapsed)
        assert all(b - a >= REDRAW_EVERY * 0.9 for a, b in itertools.pairwise(redraws)), redraws


async def test_ones_own_news_is_drawn_at_once_in_a_busy_room(workshop, monkeypatch):
    app = workshop.app()
    async with run(app) as pilot:
        await quiet(workshop, pilot, Counter())
        ola = await workshop.person("Ola")
        await ok(ola, c.CheckIn(id=new_id(), text="Først"))
        await shows(pilot, "Ola: Først")
        monkeypatch.setattr(base, "REDRAW_EVERY", 60.0)  # others' news now waits a minute
        await ok(ola, c.CheckIn(id=new_id(), text="Andre"))
        await pilot.pause(0.5)
        assert "Ola: Andre" not in screen_text(app)
        await type_text(pilot, "Mitt håp")
        await pilot.press("enter")
        await shows(pilot, "Ditt håp: Mitt håp", "Ola: Andre")  # mine at once, and what waited with it
