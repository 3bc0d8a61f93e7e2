"""The host view and the projector show the web page's QR code beside the join code.

The QR code is read back from the terminal's own text (the cells the app
draws, cut out where the widget sits) and decoded with zxing-cpp: what the
room's phones scan is the page's address with the join code in it.
"""

from __future__ import annotations

import zxingcpp
from support import until

from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.widgets.qr import QRCode

from .host_support import opened, room, screen_text, shows  # noqa: F401
from .test_qr import picture


def scanned(app) -> str | None:
    """What a phone reads from the QR code on the screen now (None: no code seen)."""
    qr = app.query_one(QRCode)
    if not qr.display or qr.region.width == 0:
        return None
    lines = [line.ljust(app.size.width) for line in screen_text(app).splitlines()]
    region = qr.region
    cut = [line[region.x : region.x + region.width] for line in lines[region.y : region.y + region.height]]
    found = zxingcpp.read_barcodes(picture(cut))
    return found[0].text if found else None


async def test_the_intro_shows_the_pages_qr_code_and_j_toggles_it(room):
    app = room.host(page_base="https://kurs.example.no/")
    async with app.run_test(size=(130, 40)) as pilot:
        await opened(pilot, app, room)
        address = f"https://kurs.example.no/{room.code}"
        assert app.page_address == address
        assert scanned(app) == address
        text = screen_text(app)
        assert address in text  # readable too, for typing it
        await pilot.press("j")
        await until(lambda: scanned(app) is None)
        await pilot.press("j")
        await until(lambda: scanned(app) == address)


async def test_later_phases_show_it_on_request_and_the_screen_shows_it(room):
    await room.advance_to(PhaseKind.BRAINSTORM, "critique")
    app = room.host(role="screen")
    async with app.run_test(size=(130, 40)) as pilot:
        await opened(pilot, app, room)
        await shows(pilot, app, "Kritikkfase")
        assert scanned(app) is None  # the phase's work needs the room
        await pilot.press("j")  # someone comes late: show the code
        await until(lambda: scanned(app) is not None)
        address = scanned(app)
        assert address is not None and address.endswith(f":{room.running.port}/{room.code}")
        assert address.startswith("HTTP://")


async def test_by_default_the_address_the_server_listens_on(room, monkeypatch):
    # A server on 127.0.0.1 only: a room address would reach nothing (the
    # demo showed one), so the QR code and the join line say 127.0.0.1.
    monkeypatch.setattr("kompsesjon.addresses.room_addresses", lambda: ["192.168.1.23"])
    app = room.host()
    async with app.run_test(size=(130, 40)) as pilot:
        await opened(pilot, app, room)
        assert scanned(app) == f"HTTP://127.0.0.1:{room.running.port}/{room.code}"
        await shows(pilot, app, f"ws://127.0.0.1:{room.running.port} --code {room.code}", "kompsesjon join")


async def test_a_server_on_the_room_network_gives_its_room_address(room, monkeypatch):
    # serve --host 0.0.0.0: the host view on the same laptop connects to
    # 127.0.0.1, and shows the room's address the server listens on.
    monkeypatch.setattr("kompsesjon.addresses.room_addresses", lambda: ["192.168.1.23"])
    port = room.running.port
    room.running.server.listening_on([("0.0.0.0", port)])
    for role, size in (("facilitator", (130, 40)), ("screen", (80, 24))):
        app = room.host(role=role)
        async with app.run_test(size=size) as pilot:
            await opened(pilot, app, room)
            assert app.page_address == f"HTTP://192.168.1.23:{port}/{room.code}"
            await shows(
                pilot, app, f"ws://192.168.1.23:{port} --code {room.code}", f"http://192.168.1.23:{port}/{room.code}"
            )
            line = app.screen.query_one("#join-line")._shown  # what it says, before the terminal wraps it
            assert f"kompsesjon join ws://192.168.1.23:{port} --code {room.code}" in line
