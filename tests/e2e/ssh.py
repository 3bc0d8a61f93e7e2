"""Helpers for driving the stock OpenSSH client inside tmux."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from support import WAIT, start_server

from kompsesjon.client import SessionClient
from server.ssh_gateway import GatewayConfig, SSHGateway

HAVE_TOOLS = shutil.which("tmux") is not None and shutil.which("ssh") is not None

SSH_OPTIONS = [
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-t",
]


class Tmux:
    """A detached tmux session running one command, read with capture-pane."""

    def __init__(
        self,
        command: list[str],
        width: int = 100,
        height: int = 30,
        *,
        cwd: str | None = None,
        server: str | None = None,
    ) -> None:
        """``server`` names a private tmux server (``tmux -L``): started here,
        it has this process's environment and signal mask."""
        self.name = f"k-{uuid.uuid4().hex[:8]}"
        self.tmux = ["tmux", *(["-L", server] if server else [])]
        subprocess.run(
            [
                *self.tmux,
                "new-session",
                "-d",
                "-s",
                self.name,
                *(["-c", cwd] if cwd else []),
                "-x",
                str(width),
                "-y",
                str(height),
                "env",
                # The tmux server may be someone else's, started with a fixed
                # size in its environment: apps must read the pane's own size.
                "-u",
                "COLUMNS",
                "-u",
                "LINES",
                "TERM=xterm-256color",
                *command,
            ],
            check=True,
        )

    def screen(self) -> str:
        result = subprocess.run([*self.tmux, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return result.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *(["-l"] if literal else []), *keys], check=True)

    def resize(self, width: int, height: int) -> None:
        subprocess.run([*self.tmux, "resize-window", "-t", self.name, "-x", str(width), "-y", str(height)], check=True)

    def pane_pid(self) -> int:
        result = subprocess.run(
            [*self.tmux, "display-message", "-p", "-t", self.name, "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(result.stdout)

    def alive(self) -> bool:
        return subprocess.run([*self.tmux, "has-session", "-t", self.name], capture_output=True).returncode == 0

    def kill(self) -> None:
        subprocess.run([*self.tmux, "kill-session", "-t", self.name], capture_output=True)

    async def wait_for(self, text: str, timeout: float = WAIT) -> str:
        screen = ""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    screen = self.screen()
                    if text in screen:
                        return screen
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise AssertionError(f"{text!r} did not appear within {timeout} s; the screen:\n{screen}") from None


@contextlib.asynccontextmanager
async def served_gateway(
    tmp_path: Path, title: str, **config: object
) -> AsyncIterator[tuple[SSHGateway, SessionClient, dict]]:
    """A ``kompsesjon serve`` subprocess with one session, the gateway (in this
    process, every connection joining that session; ``config``: more of its
    GatewayConfig) and the facilitator's client."""
    server, info = await start_server(tmp_path / "db.sqlite3", 0, "--title", title)
    gateway = SSHGateway(
        GatewayConfig(
            url=info["url"],
            code=info["code"],
            port=0,
            host_key=tmp_path / "hostkey",
            state_dir=tmp_path / "state",
            **config,  # type: ignore[arg-type]
        )
    )
    host = SessionClient(info["url"], role="facilitator", token=info["token"])
    try:
        await gateway.start()
        host.start()
        await host.wait_ready()
        yield gateway, host, info
    finally:
        await host.close()
        await gateway.stop()
        server.terminate()
        await server.wait()
