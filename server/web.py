"""The participant web page, served on the websocket port.

``kompsesjon serve`` answers plain HTTP GETs on the same port as the
websocket: ``/`` and ``/K7PQ2M`` (a join code in the path) give the page, and
``/assets/…`` and ``/i18n/<lang>.json`` its files (the strings, and the
limits of what people type, from :mod:`kompsesjon.method.text`). The page is a small
hand-written bundle in ``kompsesjon/web/`` that speaks docs/protocol.md to
this same server over ``ws(s)://<the page's host>/`` — there is no second
backend.

Everything is read once at start: each file is kept with its gzip form and an
ETag, so a request costs a dictionary look-up. The responses say what they
are (content type), are revalidated by ETag (``no-cache``: a new version is
picked up at once, an unchanged one costs a 304), carry a strict
Content-Security-Policy (scripts and styles only from this origin, no inline
script, no other site) and are never framed. A websocket handshake whose
``Origin`` is another site is refused, so a page elsewhere cannot drive a
participant's browser into a session.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

import kompsesjon
from kompsesjon import i18n
from kompsesjon.method.text import LIMITS
from kompsesjon.protocol import CODE_LENGTH_MAX

WEB = Path(kompsesjon.__file__).resolve().parent / "web"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
# The page's strings: the participant app's, the shared ones and the page's own.
I18N_AREAS: tuple[str, ...] = (
    "participant.",
    "web.",
    "status.",
    "board.",
    "list.",
    "phase.",
    "plan.",
    "timer.",
    "tie.",
    "words.",
)
I18N_AREAS += ("reject.", "app_name")
I18N_AREAS += ("action_status.", "review.")  # a series: the follow-up round
# A join code in the path: letters, digits and dashes (``/7mk-dxv`` works too).
CODE_PATH = re.compile(r"^/([A-Za-z0-9-]{4,32})/?$")
# Where the page's language came from: the session its address names, or not.
SOURCES = ("session", "default")
HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None  # None when compressing does not pay
    content_type: str
    etag: str


def _asset(body: bytes, content_type: str) -> Asset:
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Asset(body, packed if len(packed) < len(body) else None, content_type, etag)


def strings(lang: str) -> dict[str, str]:
    """The strings the page uses, in ``lang`` (Bokmål where one is missing)."""
    merged = {**i18n.catalog(i18n.DEFAULT), **i18n.catalog(lang)}
    return {key: text for key, text in sorted(merged.items()) if key.startswith(I18N_AREAS)}


def limits() -> dict[str, int]:
    """The longest text the page lets people type in each kind of field:
    the method's limits (the server refuses longer) and a join code's."""
    return {**LIMITS, "code": CODE_LENGTH_MAX}


def page_texts(lang: str) -> dict[str, dict]:
    """``/i18n/<lang>.json``: the page's strings in ``lang`` and its limits."""
    return {"strings": strings(lang), "limits": limits()}


def load_assets(root: Path = WEB) -> dict[str, Asset]:
    """Every file the page needs, by its path on the server."""
    assets: dict[str, Asset] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in CONTENT_TYPES and path.name != "index.html":
            name = "/assets/" + path.relative_to(root).as_posix()
            assets[name] = _asset(path.read_bytes(), CONTENT_TYPES[path.suffix])
    # Every module is named up front, so the browser fetches them side by side.
    preload = "\n".join(
        f'<link rel="modulepreload" href="{name}">' for name in assets if name.endswith(".js") and "main.js" not in name
    )
    template = (root / "index.html").read_text(encoding="utf-8").replace("{{preload}}", preload)
    for lang in i18n.LANGUAGES:
        text = json.dumps(page_texts(lang), ensure_ascii=False, separators=(",", ":"))
        assets[f"/i18n/{lang}.json"] = _asset(text.encode(), CONTENT_TYPES[".json"])
        for source in SOURCES:
            page = template.replace("{{lang}}", lang).replace("{{source}}", source)
            assets[f"/index.{lang}.{source}.html"] = _asset(page.encode(), CONTENT_TYPES[".html"])
    return assets


def policy(host: str | None) -> str:
    """The Content-Security-Policy: this origin only, no inline script."""
    sockets = "'self'"
    if host and HOST.match(host):  # older browsers do not count ws:// as 'self'
        sockets += f" ws://{host} wss://{host}"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src {sockets}; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def _is_upgrade(request: Request) -> bool:
    return "websocket" in request.headers.get("Upgrade", "").lower()


def same_origin(request: Request) -> bool:
    """Is a websocket handshake from this server's own page (or no page)?

    Browsers always send ``Origin``; the terminal app, the SSH gateway and
    scripts send none and are not affected.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    host = request.headers.get("Host", "")
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return _with_port(parts.netloc, parts.scheme) == _with_port(host, parts.scheme)


def _with_port(netloc: str, scheme: str) -> str:
    netloc = netloc.lower()
    if re.search(r":\d+$", netloc):
        return netloc
    return f"{netloc}:{443 if scheme == 'https' else 80}"


class WebPage:
    """Answers the HTTP requests that are not websocket handshakes.

    ``lang_of(code, address)`` gives the language of the session with that
    join code (None when there is none; the server counts that as a wrong
    guess, exactly as a wrong code in a ``hello``).
    """

    def __init__(self, lang_of: Callable[[str, str], str | None], root: Path = WEB) -> None:
        self.lang_of = lang_of
        self.assets = load_assets(root)

    def respond(self, request: Request, address: str) -> Response | None:
        """The response to ``request``, or None to go on with the websocket handshake."""
        if _is_upgrade(request):
            if not same_origin(request):
                return _text(HTTPStatus.FORBIDDEN, "This page may not join from another site.\n")
            return None
        path = urlsplit(request.path).path
        if path == "/":
            return self._serve(request, f"/index.{i18n.DEFAULT}.default.html")
        code = CODE_PATH.match(path)
        if code is not None:
            lang = self.lang_of(code.group(1), address)
            if lang in i18n.LANGUAGES:
                return self._serve(request, f"/index.{lang}.session.html")
            return self._serve(request, f"/index.{i18n.DEFAULT}.default.html")
        if path in self.assets and not path.startswith("/index."):
            return self._serve(request, path)
        return _text(HTTPStatus.NOT_FOUND, "Not found.\n")

    def _serve(self, request: Request, name: str) -> Response:
        asset = self.assets[name]
        headers = _headers(request, asset.content_type)
        headers["ETag"] = asset.etag
        headers["Cache-Control"] = "no-cache"  # revalidate: a new version shows at once
        headers["Vary"] = "Accept-Encoding"
        if asset.etag in request.headers.get("If-None-Match", ""):
            headers["Content-Length"] = "0"
            return Response(HTTPStatus.NOT_MODIFIED.value, "Not Modified", headers, b"")
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        return Response(HTTPStatus.OK.value, "OK", headers, body)


def _headers(request: Request, content_type: str) -> Headers:
    return Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Type", content_type),
            ("Content-Security-Policy", policy(request.headers.get("Host"))),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Cross-Origin-Resource-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ]
    )


def _text(status: HTTPStatus, text: str) -> Response:
    body = text.encode()
    headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
        ]
    )
    return Response(status.value, status.phrase, headers, body)
