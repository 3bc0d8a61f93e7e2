"""Browser tests: real headless Chromium (Debian's ``chromium``) driven by Playwright.

The browser is never downloaded (``playwright install`` is not used): the
tests launch /usr/bin/chromium, which ``.ci/run`` installs with apt-get when
it runs as root. Without it every browser test is skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from support import CHROMIUM, CHROMIUM_ARGS


def chromium_missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (uv sync --dev)"
    return None


@pytest.fixture
async def chromium() -> AsyncIterator:
    reason = chromium_missing()
    if reason:
        print(f"\nskipped: {reason}")
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
