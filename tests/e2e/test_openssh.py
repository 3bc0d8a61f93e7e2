"""The system-OpenSSH variant: sshd's ForceCommand runs kompsesjon-ssh-join.

Runs a private sshd on a spare port with the files from server/openssh/,
logs in with the stock client in tmux and takes part in a session. Needs
sshd and root (sshd must switch users); skipped otherwise.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support import start_server, until

from kompsesjon.client import SessionClient

from .ssh import HAVE_TOOLS, SSH_OPTIONS, Tmux

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
REPO = Path(__file__).resolve().parents[2]
WRAPPER = REPO / "server" / "openssh" / "kompsesjon-ssh-join"

pytestmark = pytest.mark.skipif(
    not (HAVE_TOOLS and os.path.exists(SSHD) and os.geteuid() == 0 and shutil.which("ssh-keygen")),
    reason="needs sshd, ssh-keygen, tmux and root",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def sshd(tmp_path):
    server, info = await start_server(tmp_path / "db.sqlite3", 0, "--title", "Over OpenSSH")
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / name)], check=True)
    (tmp_path / "authorized_keys").write_text((tmp_path / "client_key.pub").read_text())
    (tmp_path / "ssh-join.conf").write_text(
        f"KOMPSESJON_URL={info['url']}\nKOMPSESJON_CODE={info['code']}\n"
        f'KOMPSESJON_BIN="{sys.executable} -m kompsesjon"\n'
    )
    port = free_port()
    user = os.environ.get("USER") or "root"
    (tmp_path / "sshd_config").write_text(
        f"""Port {port}
ListenAddress 127.0.0.1
HostKey {tmp_path}/host_key
PidFile {tmp_path}/sshd.pid
AuthorizedKeysFile {tmp_path}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no

Match User {user}
    ForceCommand {WRAPPER} {tmp_path}/ssh-join.conf
    PermitTTY yes
    AllowTcpForwarding no
    AllowStreamLocalForwarding no
    AllowAgentForwarding no
    X11Forwarding no
    PermitTunnel no
    PermitUserRC no
"""
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    daemon = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(tmp_path / "sshd_config")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    async with asyncio.timeout(10):
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.1)
    ssh = ["ssh", *SSH_OPTIONS, "-i", str(tmp_path / "client_key"), "-p", str(port), f"{user}@127.0.0.1"]
    try:
        yield ssh, info
    finally:
        daemon.terminate()
        daemon.wait(10)
        server.terminate()
        await server.wait()


async def test_forcecommand_gives_the_participant_app_and_nothing_else(sshd):
    ssh, info = sshd
    host = SessionClient(info["url"], role="facilitator", token=info["token"])
    host.start()
    term = Tmux(ssh, width=100, height=30)
    try:
        await host.wait_ready()
        await term.wait_for("Bli med i en økt", timeout=30)  # the join form asks for the name
        term.keys("Eva Fjell", literal=True)
        term.keys("Enter")
        await until(lambda: any(p.name == "Eva Fjell" for p in host.state.participants.values()))
        await term.wait_for("Innsjekk")
        term.keys("Håper på mye", literal=True)
        term.keys("Enter")
        await until(lambda: any(n.text == "Håper på mye" for n in host.state.check_ins.values()))
        term.kill()  # the SSH client goes away: no app may be left behind
        async with asyncio.timeout(20):
            while (
                subprocess.run(["pgrep", "-f", "kompsesjon join " + info["url"]], capture_output=True).returncode == 0
            ):
                await asyncio.sleep(0.2)
        assert any(p.name == "Eva Fjell" and not p.removed for p in host.state.participants.values()), (
            "disconnecting leaves the session intact"
        )
    finally:
        term.kill()
        await host.close()

    # A command asked for by the client is ignored: no shell, no cat.
    result = subprocess.run(
        [a for a in ssh if a != "-t"] + ["cat", "/etc/passwd"], capture_output=True, text=True, timeout=30
    )
    assert "root:" not in result.stdout
    assert result.returncode != 0 and "needs a terminal" in result.stderr
