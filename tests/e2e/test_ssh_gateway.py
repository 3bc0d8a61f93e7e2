"""The SSH gateway with the stock OpenSSH client: pty, keys, resize, cleanup."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap

import asyncssh
import pytest

from server.ssh_gateway import GatewayConfig, SSHGateway

from .ssh import HAVE_TOOLS, SSH_OPTIONS, Tmux

pytestmark = pytest.mark.skipif(not HAVE_TOOLS, reason="needs tmux and the OpenSSH client")

# Stands in for the app: reports its terminal size, echoes keys, exits on q.
PROBE = textwrap.dedent(
    """
    import os, signal, sys, termios, tty
    def size(*_):
        cols, rows = os.get_terminal_size(0)
        print(f"SIZE {cols}x{rows} TTY={os.ttyname(0)!r} SID={os.getsid(0) == os.getpid()}", flush=True)
    signal.signal(signal.SIGWINCH, size)
    print("ARGS " + " ".join(sys.argv[1:]), flush=True)
    size()
    tty.setraw(0)
    while True:
        ch = os.read(0, 1).decode()
        if ch == "q":
            break
        print(f"GOT {ch}", end="\\r\\n", flush=True)
    """
)


@pytest.fixture
async def gateway(tmp_path, monkeypatch):
    config = GatewayConfig(
        url="ws://127.0.0.1:9/", code="ABC234", port=0, host_key=tmp_path / "hostkey", state_dir=tmp_path / "state"
    )
    gw = SSHGateway(config)
    real = gw.command_for

    def probe(process, who):
        return [sys.executable, "-c", PROBE, *real(process, who)[3:]]

    monkeypatch.setattr(gw, "command_for", probe)
    await gw.start()
    yield gw
    await gw.stop()


async def test_pty_keys_resize_and_cleanup(gateway):
    term = Tmux(["ssh", *SSH_OPTIONS, "-p", str(gateway.port), "kari@127.0.0.1"], width=90, height=28)
    try:
        screen = await term.wait_for("SIZE")
        assert "SIZE 90x28" in screen and "SID=True" in screen
        assert "join ws://127.0.0.1:9/ --code ABC234 --name kari --resume-file" in screen
        term.keys("x")
        await term.wait_for("GOT x")
        term.resize(120, 40)
        await term.wait_for("SIZE 120x40")
        (child,) = gateway.children
        pid = child.pid
        term.kill()  # the SSH client goes away
        async with asyncio.timeout(10):
            while gateway.children:
                await asyncio.sleep(0.05)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # no orphaned app left behind
    finally:
        term.kill()


async def test_child_exit_ends_the_ssh_session(gateway):
    term = Tmux(["ssh", *SSH_OPTIONS, "-p", str(gateway.port), "join@127.0.0.1"])
    try:
        screen = await term.wait_for("SIZE")
        assert "--name" not in screen, "a generic user name is asked for, not used"
        assert "--forget" in screen
        term.keys("q")
        async with asyncio.timeout(10):
            while term.alive():
                await asyncio.sleep(0.1)
    finally:
        term.kill()


async def test_no_command_no_shell_no_forwarding(gateway):
    async with asyncssh.connect("127.0.0.1", gateway.port, username="join", known_hosts=None, client_keys=None) as conn:
        result = await conn.run("cat /etc/passwd", check=False, encoding=None)
        assert result.exit_status == 1 and b"only runs kompsesjon" in result.stderr
        result = await conn.run(check=False, encoding=None)  # no pty requested
        assert result.exit_status == 1 and b"needs a terminal" in result.stderr
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.open_connection("127.0.0.1", 22)
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22)
        with pytest.raises((asyncssh.SFTPError, asyncssh.ChannelOpenError, asyncssh.Error)):
            async with conn.start_sftp_client():
                pass
    assert not gateway.children


async def test_host_key_is_generated_once_and_kept(tmp_path):
    from server.ssh_gateway import load_host_key

    first = load_host_key(tmp_path / "k")
    again = load_host_key(tmp_path / "k")
    assert first.get_fingerprint() == again.get_fingerprint()
    assert oct(os.stat(tmp_path / "k").st_mode)[-3:] == "600"


async def test_authorized_keys_and_facilitator_keys(tmp_path, monkeypatch):
    participant_key = asyncssh.generate_private_key("ssh-ed25519")
    stranger_key = asyncssh.generate_private_key("ssh-ed25519")
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "allowed").write_bytes(participant_key.export_public_key())
    (tmp_path / "hosts").write_bytes(host_key.export_public_key())
    config = GatewayConfig(
        url="ws://127.0.0.1:9/",
        port=0,
        host_key=tmp_path / "hk",
        state_dir=tmp_path / "s",
        authorized_keys=tmp_path / "allowed",
        facilitator_keys=tmp_path / "hosts",
        token="f-secret-token",
    )
    gw = SSHGateway(config)
    seen = []
    real = gw.command_for

    def record(process, who):
        args = real(process, who)
        seen.append(args)
        return [sys.executable, "-c", "import os; print(os.environ.get('KOMPSESJON_TOKEN'))"]

    monkeypatch.setattr(gw, "command_for", record)
    await gw.start()
    try:

        async def run(username, key):
            async with asyncssh.connect(
                "127.0.0.1", gw.port, username=username, known_hosts=None, client_keys=[key], agent_path=None
            ) as conn:
                return await conn.run(term_type="xterm", check=False, encoding=None)

        result = await run("kari", participant_key)
        assert seen[-1][3] == "join" and "--name" in seen[-1]
        assert b"None" in result.stdout, "participants never see the token"
        with pytest.raises(asyncssh.PermissionDenied):
            await run("kari", stranger_key)
        result = await run("host", host_key)
        assert seen[-1][3] == "host" and "f-secret-token" not in " ".join(seen[-1])
        assert b"f-secret-token" in result.stdout, "the host view gets the token in its environment"
        with pytest.raises(asyncssh.PermissionDenied):
            await run("host", participant_key)
        # Same key, same participant: the resume file follows the key, not the name.
        fingerprint = participant_key.get_fingerprint()
        assert gw.resume_file("kari", fingerprint) == gw.resume_file("other-name", fingerprint)
        assert gw.resume_file("kari", fingerprint) != gw.resume_file("kari", None)
        assert gw.resume_file("join", None) is None, "anonymous generic users always join fresh"
    finally:
        await gw.stop()
