"""A participant on a phone: one browser context (its own localStorage) on the page.

Tests talk to it as a person would: they fill in labelled fields, press the
buttons a person sees, and read what the page shows. Errors in the page's
JavaScript fail the test.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, expect

PHONE = {"width": 360, "height": 740}


class Phone:
    def __init__(self, context: BrowserContext, page: Page, base: str) -> None:
        self.context = context
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.sent: list[str] = []  # every websocket frame the page sent
        self.received: list[str] = []  # every websocket frame the page was sent
        self._watch(page)

    @classmethod
    async def open(cls, browser: Browser, base: str, path: str = "/", *, viewport=PHONE, locale="nb-NO") -> Phone:
        context = await browser.new_context(viewport=viewport, locale=locale, has_touch=True, is_mobile=True)
        page = await context.new_page()
        phone = cls(context, page, base)
        await page.goto(base + path)
        return phone

    def _watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        page.on("websocket", self._websocket)

    def _websocket(self, ws) -> None:
        ws.on("framesent", lambda payload: self.sent.append(payload))
        ws.on("framereceived", lambda payload: self.received.append(payload))

    def _console(self, message) -> None:
        # The browser's own line about a refused connection is expected while offline.
        if message.type == "error" and not message.text.startswith("WebSocket connection to"):
            self.errors.append(message.text)

    async def join(self, name: str, org: str = "", code: str | None = None) -> None:
        page = self.page
        if code is not None:
            await page.get_by_label("Kode").fill(code)
        await page.get_by_label("Navn").fill(name)
        await page.get_by_label("Organisasjon").fill(org)
        await page.get_by_role("button", name="Bli med").click()
        await self.joined()

    async def joined(self) -> None:
        await expect(self.page.locator("body[data-joined]")).to_have_count(1, timeout=10_000)
        await expect(self.page.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)

    async def phase(self, title: str) -> None:
        """Wait until the page shows the phase with this heading."""
        await expect(self.page.locator("h1.view-title")).to_have_text(title, timeout=10_000)

    async def reload(self) -> None:
        await self.page.reload()
        await self.joined()

    async def state(self) -> dict[str, Any]:
        """The page's mirror (for comparing with the Python one)."""
        return json.loads(await self.page.evaluate("() => JSON.stringify(window.kompsesjon.client.state)"))

    async def close(self) -> None:
        await self.context.close()

    def assert_no_errors(self) -> None:
        assert not self.errors, self.errors
