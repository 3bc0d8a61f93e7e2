"""SSH seats under failure: the gateway or its zygote dies.

The real apps over the stock OpenSSH client in tmux, against a ``kompsesjon
serve`` subprocess:

* the gateway is SIGKILLed with two participants (their apps in one seat
  host) and a facilitator (in a host of its own) connected: within seconds
  nothing it started runs any more (zygote, hosts), and every SSH client is
  told the connection is gone;
* the zygote is SIGKILLed: the participant on it keeps working, the next
  person gets a seat from a new zygote, and once no zygote can be started a
  connection is refused with a clear message while the others go on.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import sys
from pathlib import Path

import asyncssh
import pytest
from support import proc_stat, process_tree, start_server, still_running, until

from server.seats import base_env

from .ssh import HAVE_TOOLS, SSH_OPTIONS, Tmux, served_gateway

pytestmark = pytest.mark.skipif(not HAVE_TOOLS, reason="needs tmux and the OpenSSH client")


def ssh(port: int, user: str, *extra: str) -> list[str]:
    return ["ssh", *SSH_OPTIONS, *extra, "-p", str(port), f"{user}@127.0.0.1"]


async def test_killing_the_gateway_leaves_nothing_running(tmp_path):
    server, info = await start_server(tmp_path / "db.sqlite3", 0, "--title", "Fylkessamling")
    key = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "id_host").write_bytes(key.export_private_key())
    (tmp_path / "id_host").chmod(0o600)
    (tmp_path / "facilitators").write_bytes(key.export_public_key())
    log = tmp_path / "gateway.log"  # not a pipe: the zygote would hold it open, and wait() with it
    with log.open("wb") as out:
        gateway = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kompsesjon", "ssh-gateway", "--url", info["url"], "--code", info["code"],
            "--port", "0", "--host-key", str(tmp_path / "hostkey"),
            "--facilitator-keys", str(tmp_path / "facilitators"),
            env={**os.environ, "KOMPSESJON_TOKEN": info["token"], "XDG_DATA_HOME": str(tmp_path / "data")},
            stdout=out, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    terminals: list[Tmux] = []
    tree: dict[int, str] = {}
    try:
        async with asyncio.timeout(60):
            while not (match := re.search(r"on 127\.0\.0\.1:(\d+)", log.read_text())):
                await asyncio.sleep(0.1)
        port = int(match.group(1))
        kari = Tmux(ssh(port, "kari"), width=90, height=28)
        terminals.append(kari)
        ola = Tmux(ssh(port, "ola"), width=100, height=30)
        terminals.append(ola)
        host = Tmux(ssh(port, "host", "-i", str(tmp_path / "id_host")), width=120, height=36)
        terminals.append(host)
        await kari.wait_for("Tilkoblet", timeout=30)
        await ola.wait_for("Tilkoblet", timeout=30)
        await host.wait_for("Fylkessamling", timeout=30)  # the host view, forked the same way
        tree = process_tree(gateway.pid)
        titles = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").strip() for pid in tree]
        assert titles.count(b"kompsesjon ssh seats (host)") == 2 and len(tree) == 4, (
            f"gateway, zygote, a seat host with Kari's and Ola's apps, one with the facilitator's: {titles}"
        )

        gateway.kill()  # SIGKILL: nothing of the gateway runs its clean-up
        await gateway.wait()
        try:
            await until(lambda: not still_running(tree))
        except TimeoutError:
            raise AssertionError(f"left running after the gateway died: {still_running(tree)}") from None
        # ssh saw the connection end
        await until(lambda: not kari.alive() and not ola.alive() and not host.alive())
    finally:
        for terminal in terminals:
            terminal.kill()
        for pid in still_running(tree):
            os.kill(pid, signal.SIGKILL)
        if gateway.returncode is None:
            gateway.kill()
            await gateway.wait()
        server.terminate()
        await server.wait()


async def test_the_zygote_dying_is_survived(tmp_path):
    async with served_gateway(tmp_path, "Fylkessamling") as (gateway, room, _):
        terminals: list[Tmux] = []

        def check_ins(name: str) -> list[str]:
            ids = {p.id for p in room.state.participants.values() if p.name == name}
            return [note.text for note in room.state.check_ins.values() if note.author in ids]

        try:
            kari = Tmux(ssh(gateway.port, "kari"), width=90, height=28)
            terminals.append(kari)
            await kari.wait_for("Tilkoblet", timeout=30)
            (kari_seat,) = gateway.children
            first = gateway.zygote.pid

            os.kill(first, signal.SIGKILL)
            await until(lambda: not gateway.zygote.running)
            kari.keys("Dele erfaringer", literal=True)
            kari.keys("Enter")
            await until(lambda: check_ins("kari") == ["Dele erfaringer"])  # Kari never noticed

            ola = Tmux(ssh(gateway.port, "ola"), width=90, height=28)
            terminals.append(ola)
            await ola.wait_for("Tilkoblet", timeout=30)  # from a new zygote
            assert gateway.zygote.pid != first
            ola_seat = next(seat for seat in gateway.children if seat is not kari_seat)
            assert int(proc_stat(ola_seat.pid)[1]) == gateway.zygote.pid

            # No zygote can be started any more (a broken installation): refused, clearly.
            gateway.zygote.env = {**base_env(), "PYTHONHOME": "/nonexistent"}
            os.kill(gateway.zygote.pid, signal.SIGKILL)
            await until(lambda: not gateway.zygote.running)
            per = Tmux(["sh", "-c", f"{shlex.join(ssh(gateway.port, 'per'))}; sleep 30"], width=90, height=28)
            terminals.append(per)
            await per.wait_for("cannot start the app right now", timeout=30)
            assert len(gateway.children) == 2

            ola.keys("Lære", literal=True)
            ola.keys("Enter")
            await until(lambda: check_ins("ola") == ["Lære"])  # the others go on

            kari.kill()  # an orphaned seat still ends with its SSH connection
            await until(lambda: kari_seat not in gateway.children)
            # (Kari's was the last app in its seat host: the host goes too.)
            await until(lambda: proc_stat(kari_seat.pid) is None or proc_stat(kari_seat.pid)[0] == "Z")
        finally:
            for terminal in terminals:
                terminal.kill()
