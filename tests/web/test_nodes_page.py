"""The web page behind HAProxy follows its session to another node.

Two nodes on one PostgreSQL, HAProxy in front (deploy/haproxy.cfg). A phone
opens the page through the proxy (``/CODE``) and connects to ``/s/CODE`` of
the same origin; the node that hosts the session is killed; the page
reconnects through the proxy to the other node, which takes the session over,
and what Kari writes next is stored. Marked ``nodes`` (run by ``.ci/run``'s
nodes step); skips without PostgreSQL, HAProxy or Chromium.
"""

from __future__ import annotations

import shutil
import signal

import asyncpg
import pytest
from playwright.async_api import expect
from support import until

from benchmarks.cluster import Proxy
from benchmarks.procs import KompsesjonServer
from kompsesjon.client import SessionClient, new_id
from kompsesjon.method import commands as c
from server.app import SessionServer
from server.pgstore import PgStore

from .phone import Phone

pytestmark = pytest.mark.nodes


async def owner(db: str, session: str) -> int:
    """The process id of the node that owns the session now."""
    conn = await asyncpg.connect(db)
    try:
        node = await conn.fetchval("SELECT node FROM owners WHERE session = $1 AND expires_at > now()", session)
    finally:
        await conn.close()
    return int(node.split()[2]) if node else 0


async def test_the_page_follows_its_session_to_another_node(pg_url, tmp_path, chromium):
    if shutil.which("haproxy") is None:
        pytest.skip("HAProxy is not installed (apt-get install haproxy; .ci/run does)")
    maker = SessionServer(await PgStore.open(pg_url))
    created = await maker.create_session(title="Flytting")
    await maker.stop()
    nodes: list[KompsesjonServer] = []
    proxy = None
    host = None
    try:
        nodes = [await KompsesjonServer.start(pg_url) for _ in range(2)]
        proxy = Proxy(tmp_path, [node.port for node in nodes])
        await proxy.start()
        host = SessionClient(
            f"ws://127.0.0.1:{proxy.port}/s/{created.code}", role="facilitator", token=created.token, max_delay=0.5
        )
        host.start()
        await host.wait_ready(30)
        assert (await host.send(c.AdvancePhase(id=new_id(), current=0))).ok
        kari = await Phone.open(chromium, f"http://127.0.0.1:{proxy.port}", f"/{created.code}")
        await kari.join("Kari", "Bodø")
        await kari.phase("Kritikkfase")
        url = await kari.page.evaluate("() => window.kompsesjon.client.url")
        assert url == f"ws://127.0.0.1:{proxy.port}/s/{created.code}", "the page connects through the proxy"
        before = await kari.page.evaluate("() => window.kompsesjon.client.connects")

        hosting = await owner(pg_url, created.session)
        victim = next(node for node in nodes if node.pid == hosting)
        await victim.stop(signal.SIGKILL)
        await kari.page.wait_for_function("(n) => window.kompsesjon.client.connects > n", arg=before, timeout=20_000)
        await expect(kari.page.locator("#connection")).to_have_text("Tilkoblet", timeout=20_000)
        survivor = next(node for node in nodes if node is not victim)
        assert await owner(pg_url, created.session) == survivor.pid, "the other node took the session over"

        card = kari.page.get_by_label("Ny lapp")
        await card.fill("Skrevet etter flyttingen")
        await card.press("Enter")
        await expect(kari.page.locator("li.card.mine")).to_have_count(1, timeout=10_000)
        await until(lambda: any(i.text == "Skrevet etter flyttingen" for i in host.state.items.values()), timeout=20)
        kari.assert_no_errors()
        await kari.close()
    finally:
        if host is not None:
            await host.close()
        if proxy is not None:
            await proxy.stop()
        for node in nodes:
            await node.stop()
