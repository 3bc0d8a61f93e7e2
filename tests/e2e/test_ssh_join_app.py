"""The real participant app over the SSH gateway, with the stock OpenSSH client.

A ``kompsesjon serve`` subprocess holds the session; the gateway runs in this
process; ``ssh kari@127.0.0.1`` runs in tmux. The app appears, a keystroke
reaches the session, a resized window is followed, and when the SSH client
goes away the app ends while Kari stays in the session. The app runs in a
seat host forked from the gateway's zygote (or, with one app a process, is a
seat of its own leading its own session on its own pty), with nothing of the
gateway's; once Kari has gone, nothing of it is left.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest
from support import open_sockets, proc_stat, until

from .ssh import HAVE_TOOLS, SSH_OPTIONS, Tmux, served_gateway

pytestmark = pytest.mark.skipif(not HAVE_TOOLS, reason="needs tmux and the OpenSSH client")


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()


def right_edge(screen: str, text: str) -> int:
    """The column just after ``text`` on the first line that shows it."""
    for line in screen.splitlines():
        if text in line:
            return line.index(text) + len(text)
    raise AssertionError(f"{text!r} is not on the screen:\n{screen}")


def app_running(code: str) -> bool:
    return subprocess.run(["pgrep", "-f", f"kompsesjon join .* --code {code}"], capture_output=True).returncode == 0


@pytest.mark.parametrize("apps_per_process", [8, 1], ids=["seat-host", "process-per-seat"])
async def test_the_participant_app_over_ssh(tmp_path, apps_per_process):
    async with served_gateway(tmp_path, "Over SSH i Salten", apps_per_process=apps_per_process) as (
        gateway,
        host,
        info,
    ):
        term = Tmux(["ssh", *SSH_OPTIONS, "-p", str(gateway.port), "kari@127.0.0.1"], width=80, height=24)
        try:
            screen = await term.wait_for("Tilkoblet", timeout=30)  # joined with the SSH user name
            assert "Over SSH i Salten" in screen and "Innsjekk" in screen
            await until(lambda: any(p.name == "kari" for p in host.state.participants.values()))
            (kari,) = [p for p in host.state.participants.values() if p.name == "kari"]

            term.keys("Lære av nabokommunene", literal=True)
            term.keys("Enter")
            await until(
                lambda: (
                    [n.text for n in host.state.check_ins.values() if n.author == kari.id] == ["Lære av nabokommunene"]
                ),
            )

            assert right_edge(screen, "Tilkoblet") <= 80
            term.resize(120, 32)
            async with asyncio.timeout(10):
                while right_edge(term.screen(), "Tilkoblet") <= 80:
                    await asyncio.sleep(0.1)
            assert 100 < right_edge(term.screen(), "Tilkoblet") <= 120, "the app follows the new window size"

            (seat,) = gateway.children
            _, parent, group, session, tty = proc_stat(seat.pid)[:5]
            assert int(parent) == gateway.zygote.pid, "forked by the zygote, not started afresh"
            if apps_per_process == 1:
                assert app_running(info["code"])
                assert int(group) == int(session) == seat.pid and int(tty) != 0, "leads its own session on its pty"
            else:
                assert cmdline(seat.pid) == "kompsesjon ssh seats (host)"
                assert int(group) == int(session) == seat.pid and int(tty) == 0, "its own group, no terminal"
            assert not open_sockets(seat.pid) & (open_sockets(os.getpid()) | open_sockets(gateway.zygote.pid)), (
                "no socket inherited"
            )
            term.kill()  # the SSH client goes away
            async with asyncio.timeout(15):
                while app_running(info["code"]) or gateway.children:
                    await asyncio.sleep(0.1)
            await until(lambda: not gateway.children)
            assert proc_stat(seat.pid) is None, "ended and reaped: not even a zombie is left"
            await until(lambda: host.presence.get(kari.id) is False)
            assert not host.state.participants[kari.id].removed, "disconnecting leaves the session intact"
            assert [n.text for n in host.state.check_ins.values() if n.author == kari.id] == ["Lære av nabokommunene"]
        finally:
            term.kill()
