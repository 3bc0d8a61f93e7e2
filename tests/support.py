"""Helpers for tests (importable as ``support``; see pythonpath in pyproject)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``predicate()`` holds (polling), or fail with a timeout."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)
