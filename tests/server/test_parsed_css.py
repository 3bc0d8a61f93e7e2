"""Apps in a seat host that share parsed CSS look as they would on their own,
each in its own theme."""

from __future__ import annotations

import asyncio
import os

from support import WAIT
from textual.app import App
from textual.css.stylesheet import Stylesheet

from kompsesjon.client import Status
from kompsesjon.tui.widgets.status import ConnectionStatus
from server import parsed_css
from server.parsed_css import share_parsed_css
from server.seat_host import make_app

NAMES = ("Aud", "Bob", "Cai", "Dan", "Eva", "Fia")  # as long as each other: the screens differ only in them


async def screenshot(url: str, code: str, name: str, theme: str | None, tmp_path) -> str:
    """The participant's first screen (as SVG: text and colours) once connected, the name blanked."""
    argv = ["join", url, "--code", code, "--name", name, "--fresh", "--resume-file", str(tmp_path / f"{name}.json")]
    app = make_app(argv + (["--theme", theme] if theme else []), dict(os.environ))
    assert isinstance(app, App)
    async with app.run_test(size=(80, 24)) as pilot:
        # Connected, and the screen still: the phase's view is made after the
        # welcome, and a loaded machine paints it frames later.
        async with asyncio.timeout(WAIT):
            while not any(status.status == Status.ONLINE for status in app.screen.query(ConnectionStatus)):
                await pilot.pause(0.02)
            shot = ""
            while True:
                await pilot.pause(0.2)
                before, shot = shot, app.export_screenshot(title="seat")
                if shot == before:
                    return shot.replace(name, "___")


async def test_apps_sharing_parsed_css_look_as_alone_each_in_its_theme(running, tmp_path):
    created = await running.new_session(title="Nettverkssamling")
    names = iter(NAMES)

    async def shot(theme: str | None) -> str:
        return await screenshot(running.url, created.code, next(names), theme, tmp_path)

    alone_default, alone_light = await shot(None), await shot("kompsesjon-light")
    assert alone_default != alone_light  # the themes differ on the screen
    undo = share_parsed_css()
    try:
        share_parsed_css()  # once is enough: a second call changes nothing
        # The first app of each theme parses; the next with that theme reuses its rules.
        shared = [await shot(theme) for theme in (None, "kompsesjon-light")]
        parsed = len(parsed_css._shared)
        assert parsed > 0
        shared += [await shot(theme) for theme in (None, "kompsesjon-light")]
        assert len(parsed_css._shared) == parsed  # nothing parsed again
    finally:
        undo()
    assert Stylesheet._parse_rules is not None and not getattr(Stylesheet._parse_rules, "shared", False)
    assert shared == [alone_default, alone_light, alone_default, alone_light]
