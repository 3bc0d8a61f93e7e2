"""A phase's view is made when its phase first comes, not all at start
(~170 widgets to build before the first frame; every SSH seat pays for them)."""

from __future__ import annotations

from textual.widgets import ContentSwitcher

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind

from .conftest import advance, focused, ok, run, settle, shows, type_text


def views(app) -> list[str]:
    return [view.id for view in app.session_screen.query_one("#views", ContentSwitcher).children]


async def test_only_the_phases_that_came_have_views(workshop):
    host = workshop.host
    app = workshop.app()
    async with run(app) as pilot:
        await workshop.joined(pilot)
        await focused(pilot, "checkin-input")
        assert views(app) == ["view-waiting", "view-intro"]

        await advance(host, PhaseKind.BRAINSTORM, "critique")
        await shows(pilot, "Kritikkfase")
        await focused(pilot, "card-input")  # the new view has the cursor, ready to write
        assert views(app) == ["view-waiting", "view-intro", "view-brainstorm"]
        await type_text(pilot, "Lite tid")
        await pilot.press("enter")
        await settle(pilot, lambda: any(item.text == "Lite tid" for item in host.state.items.values()))

        # Back to a phase seen before: its view is still there.
        await ok(host, c.StepBack(id=new_id(), current=host.state.phase))
        await shows(pilot, "Innsjekk fra de andre")
        assert views(app) == ["view-waiting", "view-intro", "view-brainstorm"]
        assert app.session_screen.query_one("#views", ContentSwitcher).current == "view-intro"
