"""The real thing: ``kompsesjon join`` in a terminal (tmux) against a real server."""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from support import start_server, stop_server

from kompsesjon.client import SessionClient

from .ssh import Tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


async def test_join_and_check_in_from_a_real_terminal(tmp_path):
    proc, info = await start_server(tmp_path / "kompsesjon.sqlite3", 0, "--title", "Nettverksmøte [Salten]")
    terminal = None
    host = None
    try:
        terminal = Tmux(
            [
                sys.executable,
                "-m",
                "kompsesjon",
                "join",
                info["url"],
                "--code",
                info["code"],
                "--name",
                "Kari",
                "--resume-file",
                str(tmp_path / "r.txt"),
                "--lang",
                "nb",
            ]
        )
        screen = await terminal.wait_for("Tilkoblet")
        assert "Nettverksmøte [Salten]" in screen and "Innsjekk" in screen
        terminal.keys("Håper på [bold]mye[/] læring", literal=True)
        terminal.keys("Enter")
        screen = await terminal.wait_for("Ditt håp: Håper på [bold]mye[/] læring")
        assert "fase 1 av 13" in screen

        host = SessionClient(info["url"], role="facilitator", token=info["token"])
        host.start()
        await host.wait_ready()
        (kari,) = [p for p in host.state.participants.values() if p.name == "Kari"]
        notes = [n.text for n in host.state.check_ins.values() if n.author == kari.id]
        assert notes == ["Håper på [bold]mye[/] læring"]
        assert (tmp_path / "r.txt").read_text().strip(), "the resume secret is remembered"
    finally:
        if terminal is not None:
            terminal.kill()
        if host is not None:
            await host.close()
        await stop_server(proc)
    assert os.path.exists(tmp_path / "kompsesjon.sqlite3")
