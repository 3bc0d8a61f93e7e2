"""The benchmark's browser participants open their websocket as Chromium does.

(The messages themselves are compared with the page's in test_workshop.py.)
"""

from __future__ import annotations

from benchmarks.lean import browser_handshake

from .phone import Phone


async def test_the_handshake_has_the_headers_chromium_sends(running, chromium):
    created = await running.new_session()
    seen = []
    web = running.server._web
    respond = web.respond

    def recording(request, address):
        if "websocket" in request.headers.get("Upgrade", "").lower():
            seen.append(request)
        return respond(request, address)

    web.respond = recording
    phone = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", f"/{created.code}")
    await phone.join("Kari")
    (request,) = seen
    chromium_names = {name.lower() for name in request.headers}
    text = browser_handshake("127.0.0.1", running.port, "x" * 24).decode()
    ours = {line.split(":", 1)[0].lower() for line in text.split("\r\n")[1:] if line}
    assert ours == chromium_names
    assert request.headers["Origin"] == f"http://127.0.0.1:{running.port}"
    assert "permessage-deflate" in request.headers["Sec-WebSocket-Extensions"]
    assert "permessage-deflate" in text
    await phone.close()
