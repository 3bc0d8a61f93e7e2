"""The real thing: ``kompsesjon join`` in a terminal (tmux) against a real server."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from kompsesjon.client import SessionClient

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

ROOT = Path(__file__).resolve().parents[2]


async def start_server(db: Path, *extra: str) -> tuple[asyncio.subprocess.Process, dict]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kompsesjon", "serve", "--db", str(db), "--port", "0", *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=ROOT,
    )
    info: dict = {}
    try:
        async with asyncio.timeout(20):
            while "ready" not in info:
                line = (await proc.stdout.readline()).decode()
                assert line, f"server exited early: {info}"
                if m := re.search(r"serving on (ws://\S+)", line):
                    info["url"] = m.group(1)
                elif m := re.search(r"join code:\s+(\w+)", line):
                    info["code"] = m.group(1)
                elif m := re.search(r"facilitator token:\s+(\S+)", line):
                    info["token"] = m.group(1)
                elif "Stop with Ctrl+C" in line:
                    info["ready"] = True
    except BaseException:
        proc.kill()
        await proc.wait()
        raise
    return proc, info


class Terminal:
    """A detached tmux session of 100×30 running one command."""

    def __init__(self, command: list[str]) -> None:
        self.name = f"kj-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "100", "-y", "30",
             "env", "TERM=xterm-256color", "KOMPSESJON_LANG=nb", *command],
            check=True, cwd=ROOT,
        )

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def type(self, text: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)

    def press(self, key: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)

    async def wait_for(self, *texts: str, timeout: float = 20.0) -> str:
        screen = ""
        try:
            async with asyncio.timeout(timeout):
                while not all(text in (screen := self.screen()) for text in texts):
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise AssertionError(f"not on screen: {texts}\n{screen}") from None
        return screen

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


async def test_join_and_check_in_from_a_real_terminal(tmp_path):
    proc, info = await start_server(tmp_path / "kompsesjon.sqlite3", "--title", "Nettverksmøte [Salten]")
    terminal = None
    host = None
    try:
        terminal = Terminal([
            sys.executable, "-m", "kompsesjon", "join", info["url"], "--code", info["code"],
            "--name", "Kari", "--resume-file", str(tmp_path / "r.txt"),
        ])
        await terminal.wait_for("Nettverksmøte [Salten]", "Innsjekk", "Tilkoblet")
        terminal.type("Håper på [bold]mye[/] læring")
        terminal.press("Enter")
        screen = await terminal.wait_for("Ditt håp: Håper på [bold]mye[/] læring")
        assert "fase 1 av 12" in screen

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
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
    assert os.path.exists(tmp_path / "kompsesjon.sqlite3")
