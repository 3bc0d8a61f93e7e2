"""The web page over plain HTTP: what ``kompsesjon serve`` answers, and how.

No browser here: these read the responses as bytes (headers, content types,
caching, compression, the Content-Security-Policy) and the bundle's source
(no inline script, no other site, every string there in every language).
"""

from __future__ import annotations

import asyncio
import gzip
import http.client
import json
import re
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from kompsesjon import i18n
from kompsesjon.client import SessionClient
from kompsesjon.method.text import LIMITS
from kompsesjon.protocol import CODE_LENGTH_MAX
from server.web import WEB, load_assets, strings


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


async def fetch(port: int, path: str, headers: dict | None = None):
    return await asyncio.to_thread(get, port, path, headers)


async def test_the_page_is_served_with_a_strict_policy(running):
    status, headers, body = await fetch(running.port, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert f"connect-src 'self' ws://127.0.0.1:{running.port} wss://127.0.0.1:{running.port}" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    page = body.decode()
    assert '<html lang="nb" data-lang-source="default">' in page
    # Every module is named for preloading, and the page starts from one.
    for path in sorted((WEB / "js").rglob("*.js")):
        assert f"/assets/{path.relative_to(WEB).as_posix()}" in page


def test_no_inline_script_no_inline_style_no_other_site():
    for path in sorted(WEB.rglob("*")):
        if path.suffix not in (".html", ".js", ".css", ".svg"):
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            scripts = re.findall(r"<script\b[^>]*>", text)
            assert scripts and all(" src=" in s for s in scripts), path
            assert not re.search(r"\son[a-z]+=", text), f"inline handler in {path}"
            assert not re.search(r"\sstyle=", text), f"inline style in {path}"
        # No request to any other site: no absolute URL but the SVG namespace.
        urls = set(re.findall(r"https?://[^\s\"')]+", text)) - {"http://www.w3.org/2000/svg"}
        assert not urls, f"{path}: {urls}"
        if path.suffix == ".js":
            assert "innerHTML" not in text and "insertAdjacentHTML" not in text, path
            assert not re.search(r"\beval\(|new Function\(", text), path


async def test_a_code_in_the_address_gives_the_sessions_language(running):
    created = await running.new_session(lang="sv")
    status, _, body = await fetch(running.port, f"/{created.code.lower()[:3]}-{created.code.lower()[3:]}")
    assert status == 200
    assert '<html lang="sv" data-lang-source="session">' in body.decode()
    status, _, body = await fetch(running.port, "/ZZZZZ9")
    assert status == 200
    assert '<html lang="nb" data-lang-source="default">' in body.decode()


async def test_wrong_codes_in_the_address_count_as_guesses(running, clients):
    created = await running.new_session()
    for n in range(running.server.limits.guesses):
        await fetch(running.port, f"/WRONG{n}")
    # The address has guessed enough: even the right code is refused for a minute.
    _, _, body = await fetch(running.port, f"/{created.code}")
    assert 'data-lang-source="default"' in body.decode()
    client = clients(running.url, role="participant", code=created.code, name="Kari")
    with pytest.raises(Exception) as refused:
        await client.wait_ready()
    assert getattr(refused.value, "code", "") == "too_many_attempts"


async def test_assets_have_types_caching_and_compression(running):
    assets = load_assets()
    for name, asset in assets.items():
        if name.startswith("/index."):
            continue
        status, headers, body = await fetch(running.port, name, {"Accept-Encoding": "gzip"})
        assert status == 200, name
        assert headers["content-type"] == asset.content_type, name
        assert headers["cache-control"] == "no-cache"
        assert headers["etag"] == asset.etag
        if asset.gzipped is not None:
            assert headers["content-encoding"] == "gzip"
            assert gzip.decompress(body) == asset.body
        else:
            assert body == asset.body
        status, headers, body = await fetch(running.port, name, {"If-None-Match": asset.etag})
        assert (status, body) == (304, b""), name
    _, headers, body = await fetch(running.port, "/assets/js/main.js")
    assert "content-encoding" not in headers and body == assets["/assets/js/main.js"].body
    assert {n for n in assets if n.endswith(".js")} == {
        f"/assets/{p.relative_to(WEB).as_posix()}" for p in WEB.rglob("*.js")
    }


async def test_other_paths_are_not_found(running):
    for path in ("/nope/nope", "/assets/../server/app.py", "/assets/js/nope.js", "/index.nb.default.html", "/x"):
        status, headers, _ = await fetch(running.port, path)
        assert status == 404, path
        assert headers["content-type"].startswith("text/plain")
    status, _, body = await fetch(running.port, "/healthz")
    assert (status, body) == (200, b"OK\n")


async def test_page_weight_is_within_budget():
    """All a phone downloads for one language, compressed: at most 100 KB."""
    assets = load_assets()
    total = sum(
        len(asset.gzipped or asset.body)
        for name, asset in assets.items()
        if name.startswith("/assets/") or name in ("/i18n/nb.json", "/index.nb.session.html")
    )
    print(f"\npage weight (gzip): {total / 1000:.1f} KB")
    assert total <= 100_000


async def test_websockets_from_another_site_are_refused(running):
    created = await running.new_session()
    url = f"ws://127.0.0.1:{running.port}/"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, origin="http://evil.example", proxy=None):
            pass
    assert refused.value.response.status_code == 403
    # The page's own origin, and clients that send none (terminal, SSH gateway), are fine.
    async with connect(url, origin=f"http://127.0.0.1:{running.port}", proxy=None) as ws:
        hello = {"type": "hello", "role": "screen", "code": created.code}
        await ws.send(json.dumps(hello))
        kinds = [json.loads(await ws.recv())["type"] for _ in range(2)]
        assert kinds == ["snapshot", "welcome"]
    client = SessionClient(url, role="screen", code=created.code)
    client.start()
    await client.wait_ready()
    await client.close()


JS_KEY = re.compile(r"""\btn?\(\s*["`]([a-z_]+(?:\.[a-z0-9_]+)+)["`]""")


def test_every_string_the_page_uses_is_there_in_every_language():
    used: set[str] = set()
    for path in sorted((WEB / "js").rglob("*.js")):
        used |= {key for key in JS_KEY.findall(path.read_text(encoding="utf-8")) if "${" not in key}
    assert len(used) > 80
    for lang in i18n.LANGUAGES:
        own = i18n.catalog(lang)
        missing = sorted(key for key in used if key not in own)
        assert not missing, f"{lang}: {missing}"
        served = strings(lang)
        assert used <= set(served)
    # The page's own strings: the same keys in every language.
    web_keys = {k for k in i18n.catalog("nb") if k.startswith("web.")}
    for lang in ("sv", "en"):
        assert {k for k in i18n.catalog(lang) if k.startswith("web.")} == web_keys


def test_the_page_takes_its_limits_from_the_method():
    """The fields' lengths come with the strings, from kompsesjon/method/text.py: none is written in the page."""
    assets = load_assets()
    for lang in i18n.LANGUAGES:
        served = json.loads(assets[f"/i18n/{lang}.json"].body)
        assert served["strings"] == strings(lang)
        assert served["limits"] == {**LIMITS, "code": CODE_LENGTH_MAX}
    for path in sorted((WEB / "js").rglob("*.js")):
        assert not re.search(r"\bmax(?:length)?:\s*\d", path.read_text(encoding="utf-8")), path.name


def test_the_bundle_is_in_the_package():
    assert (Path(__file__).resolve().parents[2] / "kompsesjon" / "web") == WEB
    assert (WEB / "index.html").exists()
