"""Shared fixtures: a real server on a free port, real clients.

Helpers that tests import directly live in ``tests/support.py``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from kompsesjon.client import SessionClient
from server.app import CreatedSession, Limits, SessionServer
from server.stores import open_store

_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A database connection a test left open keeps its worker thread, which is not
    a daemon, and Python would wait for it for ever after the last test: the run
    would never end. Give such threads a moment, then name them and exit anyway
    with the run's own status."""
    left = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    for thread in left:
        thread.join(timeout=5 / len(left))
    left = [t for t in left if t.is_alive()]
    if left:
        names = ", ".join(sorted({t.name for t in left}))
        print(f"\ntests left {len(left)} thread(s) running ({names}); exiting without them", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status)


class RunningServer:
    """A SessionServer on 127.0.0.1 that tests can stop and start again."""

    def __init__(self, db: Path | str, limits: Limits | None = None) -> None:
        self.db = db
        self.limits = limits or Limits(rate=1000, burst=1000)
        self.server: SessionServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    async def start(self) -> SessionServer:
        store = await open_store(self.db)  # a file, or postgresql://…
        self.server = SessionServer(store, self.limits)
        await self.server.load_sessions()
        await self.server.start("127.0.0.1", self.port)
        self.port = self.server.port
        return self.server

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None

    async def new_session(self, **kwargs) -> CreatedSession:
        assert self.server is not None
        return await self.server.create_session(**kwargs)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[RunningServer]:
    srv = RunningServer(tmp_path / "test.sqlite3")
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def each_store(request, tmp_path: Path) -> Path | str:
    """An SQLite file, then a PostgreSQL database (skipped where it is not installed)."""
    return tmp_path / "test.sqlite3" if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
async def running_on_each_store(each_store: Path | str) -> AsyncIterator[RunningServer]:
    """A running server on SQLite, then on PostgreSQL."""
    srv = RunningServer(each_store)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
async def clients() -> AsyncIterator[Callable[..., SessionClient]]:
    """Make started clients; all are closed at the end of the test."""
    made: list[SessionClient] = []

    def make(url: str, **kwargs) -> SessionClient:
        client = SessionClient(url, **kwargs)
        client.start()
        made.append(client)
        return client

    yield make
    for client in made:
        with contextlib.suppress(Exception):
            await client.close()


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL for the run (started on first use); skips where it is not installed."""
    from benchmarks.cluster import Postgres, binaries

    if binaries() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql; .ci/run does)")
    server = Postgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def pg_url(postgres_server) -> AsyncIterator[str]:
    """A fresh, empty database of its own for one test."""
    import secrets

    import asyncpg

    name = f"t_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(postgres_server.url())
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    yield postgres_server.url(name)
