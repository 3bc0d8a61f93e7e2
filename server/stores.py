"""Which store a ``--db`` names, and what the server needs of any store.

``--db postgresql://…`` opens :class:`~server.pgstore.PgStore` (several nodes
may share it); anything else is an SQLite file (:class:`~server.store.Store`,
the embedded default). Both have the same methods (:class:`SessionStore`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from kompsesjon.method.events import Event

from .rows import Applied, NewParticipant
from .store import SessionRow, Store, StoreError

__all__ = ["SessionStore", "is_postgres", "open_store", "without_password"]


def is_postgres(db: object) -> bool:
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


def without_password(url: str) -> str:
    """The database's address without its password, for messages."""
    scheme, _, rest = url.partition("://")
    credentials, at, place = rest.rpartition("@")
    user = credentials.partition(":")[0]
    return f"{scheme}://{user}{at}{place}"


class SessionStore(Protocol):
    shared: bool  # other servers may write the same database: claim a session before hosting it
    path: str
    on_lost: Callable[[StoreError], None] | None
    on_moved: Callable[[str, str], None] | None

    async def close(self) -> None: ...
    def owns(self, session: str) -> bool: ...
    async def claim(self, session: str) -> bool: ...
    async def want(self, session: str) -> None: ...
    async def release(self, session: str) -> None: ...
    def forget(self, session: str) -> None: ...
    async def create_session(self, session: str, code: str, token: str, title: str, created: Event) -> None: ...
    async def sessions(self) -> list[SessionRow]: ...
    async def event_counts(self) -> dict[str, int]: ...
    async def token_hashes(self) -> dict[str, str]: ...
    async def replace_token(self, session: str, token: str) -> bool: ...
    async def find(self, *, code: str | None = None, token_hash: str | None = None) -> tuple[str, str, str] | None: ...
    async def events(self, session: str, after: int = 0) -> list[tuple[int, Event]]: ...
    async def participants(self, session: str) -> dict[str, str]: ...
    async def applied_commands(self, session: str) -> dict[tuple[str, str], int]: ...
    async def append(
        self,
        session: str,
        events: Iterable[tuple[int, str, str]],
        applied: Iterable[Applied] = (),
        joined: Iterable[NewParticipant] = (),
    ) -> None: ...


async def open_store(db: str | Path, *, durability: str = "normal", tool: bool = False) -> SessionStore:
    """The store a server writes; ``tool``: for a command-line tool beside
    running servers (PostgreSQL only: an SQLite file is read by
    :mod:`kompsesjon.databases` without its server's lock)."""
    if is_postgres(db):
        from .pgstore import PgStore  # asyncpg is imported only by a server that uses it

        return await PgStore.open(str(db), tool=tool)
    if tool:
        raise ValueError("open_store(tool=True) is for PostgreSQL; an SQLite file is read with kompsesjon.databases")
    return await Store.open(db, durability=durability)
