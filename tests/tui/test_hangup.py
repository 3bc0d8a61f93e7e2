"""HangUpWatch on a real pseudo-terminal: closing its other side (what a closed
terminal window or ``tmux kill-session`` does) is noticed without any signal,
the output goes to /dev/null, SIGCONT reaches Textual only while the terminal
lives, and a shutdown that gets stuck is ended by the watchdog."""

from __future__ import annotations

import asyncio
import os
import pty
import signal
import subprocess
import sys
import textwrap
import threading
import time

from kompsesjon.tui.hangup import EXIT_CODE, HangUpWatch


def is_dev_null(fd: int) -> bool:
    return os.fstat(fd).st_rdev == os.stat(os.devnull).st_rdev


async def test_a_closed_terminal_is_noticed_without_a_signal():
    master, slave = pty.openpty()
    out = os.dup(slave)
    lost = asyncio.Event()
    watch = HangUpWatch(lost.set, input_fd=slave, output_fds=[out], grace=3600)
    assert watch.fds == [slave, out]
    watch.start()
    try:
        os.write(out, b"Tilkoblet")
        assert os.read(master, 100) == b"Tilkoblet"
        await asyncio.sleep(0.2)
        assert not lost.is_set() and not watch.gone, "a live terminal is left alone"

        os.close(master)  # the terminal window closes
        await asyncio.wait_for(lost.wait(), 10)
        assert watch.gone
        assert is_dev_null(out), "output goes to /dev/null, where no write fails"
        assert os.write(out, b"x" * 100_000) == 100_000
        assert os.read(slave, 10) == b"", "the input is left to read end-of-file (Textual stops reading it)"
    finally:
        watch.stop()
        os.close(slave)
        os.close(out)


async def test_sigcont_reaches_textual_only_while_the_terminal_lives():
    master, slave = pty.openpty()
    continued: list[int] = []
    before = signal.signal(signal.SIGCONT, lambda signum, frame: continued.append(signum))
    lost = asyncio.Event()
    watch = HangUpWatch(lost.set, input_fd=slave, output_fds=[], grace=3600)
    watch.start()
    try:
        os.kill(os.getpid(), signal.SIGCONT)  # back from Ctrl+Z: Textual resumes
        await asyncio.sleep(0.05)
        assert continued == [signal.SIGCONT]
        assert not lost.is_set()

        os.close(master)
        os.kill(os.getpid(), signal.SIGCONT)  # the kernel sends it with the hang-up
        await asyncio.wait_for(lost.wait(), 10)
        assert continued == [signal.SIGCONT], "Textual must not restart on a dead terminal"
    finally:
        watch.stop()
        signal.signal(signal.SIGCONT, before)
        os.close(slave)


async def test_sighup_on_a_live_terminal_ends_the_app_and_leaves_the_terminal_be():
    master, slave = pty.openpty()
    out = os.dup(slave)
    hung_up = asyncio.Event()
    watch = HangUpWatch(hung_up.set, input_fd=slave, output_fds=[out], grace=3600)
    watch.start()
    try:
        assert signal.getsignal(signal.SIGHUP) not in (signal.SIG_DFL, signal.SIG_IGN)
        os.kill(os.getpid(), signal.SIGHUP)  # e.g. the SSH gateway ending its child
        await asyncio.wait_for(hung_up.wait(), 10)
        assert not watch.gone and not is_dev_null(out), "the terminal lives: Textual restores it on the way out"
    finally:
        watch.stop()
        os.close(master)
        os.close(slave)
        os.close(out)


def watching_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "kompsesjon-hangup"]


async def test_stop_ends_the_watching_thread_and_the_callers_descriptors_are_its_own():
    # The watch polls descriptors of its own. Polling the caller's numbers would,
    # once the caller closed them, poll whatever file took the number next: a
    # poll holds a reference to it, so a subprocess's exec pipe polled that way
    # never reads end-of-file and Popen waits for ever (seen in CI).
    master, slave = pty.openpty()
    lost = asyncio.Event()
    watch = HangUpWatch(lost.set, input_fd=slave, output_fds=[], grace=3600)
    watch.start()
    os.close(slave)  # the caller's number is free again; the watch keeps its own
    reused_read, reused_write = os.pipe()  # likely the very number just freed
    try:
        await asyncio.sleep(0.2)
        assert not lost.is_set(), "the terminal lives: nothing is lost"
        watch.stop()
        deadline = time.monotonic() + 10
        while watching_threads() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert not watching_threads(), "stop() ends the thread, which lets go of what it polled"
        os.close(reused_write)
        assert os.read(reused_read, 1) == b"", "nothing else holds the pipe open"
        assert not lost.is_set()
    finally:
        os.close(master)
        os.close(reused_read)


def test_a_stuck_shutdown_is_ended_by_the_watchdog(tmp_path):
    # An app whose shutdown never finishes (on_lost does nothing): the process
    # still ends, with the hang-up's exit code.
    script = textwrap.dedent(
        """
        import asyncio, os, pty
        from kompsesjon.tui.hangup import HangUpWatch

        async def main():
            master, slave = pty.openpty()
            HangUpWatch(lambda: None, input_fd=slave, output_fds=[], grace=0.5).start()
            os.close(master)
            await asyncio.sleep(60)

        asyncio.run(main())
        """
    )
    result = subprocess.run([sys.executable, "-c", script], timeout=30, capture_output=True, text=True)
    assert result.returncode == EXIT_CODE, result.stderr
