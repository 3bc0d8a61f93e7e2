"""Helpers for tests (importable as ``support``; see pythonpath in pyproject)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``predicate()`` holds (polling), or fail with a timeout."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def start_server(db: Path, port: int = 0, *extra: str) -> tuple[asyncio.subprocess.Process, dict]:
    """``kompsesjon serve`` as a subprocess; returns it and what it printed
    (url, port, and for a new session its code and token)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kompsesjon",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
        *extra,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    info: dict = {}
    try:
        async with asyncio.timeout(20):
            while "ready" not in info:
                line = (await proc.stdout.readline()).decode()
                assert line, f"server exited early: {info}"
                if m := re.search(r"serving on (ws://\S+)", line):
                    info["url"] = m.group(1)
                    info["port"] = int(info["url"].rsplit(":", 1)[1])
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


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 and localhost (needs the openssl command)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
