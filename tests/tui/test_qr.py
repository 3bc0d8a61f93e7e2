"""The QR code on the projector: it must decode to the page's address.

The half-block text is drawn back into pixels exactly as a terminal shows it
(▀ dark above, ▄ dark below, █ both; dark on light), and zxing-cpp reads it
like a phone camera would; the modules are also compared one by one with
segno's symbol.
"""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image

from kompsesjon.addresses import page_url
from kompsesjon.tui.widgets.qr import QUIET, QRCode, qr_lines, qr_matrix

PIXELS = {" ": (0, 0), "▀": (1, 0), "▄": (0, 1), "█": (1, 1)}


def modules(lines: list[str]) -> list[list[bool]]:
    """The modules a terminal shows for the lines (two per cell, top and bottom)."""
    rows: list[list[bool]] = []
    for line in lines:
        rows.append([bool(PIXELS[ch][0]) for ch in line])
        rows.append([bool(PIXELS[ch][1]) for ch in line])
    return rows


def picture(lines: list[str], scale: int = 8) -> Image.Image:
    rows = modules(lines)
    image = Image.new("L", (len(rows[0]), len(rows)), 255)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                image.putpixel((x, y), 0)
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)


@pytest.mark.parametrize(
    "address",
    [
        "HTTP://192.168.1.23:8765/K7PQ2M",
        "HTTPS://10.0.0.200:8443/ABCDEF",
        "https://kompsesjon.bodo.kommune.no/s/K7PQ2M",
    ],
)
def test_the_drawn_code_decodes_to_the_address(address):
    lines = qr_lines(address)
    (found,) = zxingcpp.read_barcodes(picture(lines))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    assert found.text == address
    # What the terminal shows is segno's symbol, module for module, quiet zone included.
    matrix = qr_matrix(address)
    shown = modules(lines)
    assert shown[: len(matrix)] == matrix
    assert all(not dark for row in shown[len(matrix) :] for dark in row)
    for row in matrix[:QUIET] + matrix[-QUIET:]:
        assert not any(row)
    assert all(not any(row[:QUIET]) and not any(row[-QUIET:]) for row in matrix)


def test_the_code_is_small_enough_for_the_header():
    # A room address and a join code: version 2 (25 modules), 33 × 17 cells with the quiet zone.
    lines = qr_lines(page_url("ws://127.0.0.1:8765", "k7pq2m", rooms=["192.168.100.200"]))
    assert (len(lines[0]), len(lines)) == (33, 17)


def test_page_address_from_the_server_address():
    rooms = ["192.168.1.23"]
    assert page_url("ws://127.0.0.1:8765", "k7p-q2m", rooms=rooms) == "HTTP://192.168.1.23:8765/K7PQ2M"
    assert page_url("ws://localhost:8765/", "K7PQ2M", rooms=[]) == "HTTP://LOCALHOST:8765/K7PQ2M"
    assert page_url("wss://kurs.example.no", "K7PQ2M", rooms=rooms) == "HTTPS://KURS.EXAMPLE.NO/K7PQ2M"
    assert page_url("ws://10.1.2.3:9000", "K7PQ2M", rooms=rooms) == "HTTP://10.1.2.3:9000/K7PQ2M"


async def test_the_widget_draws_black_on_white():
    from textual.app import App

    class One(App):
        def compose(self):
            yield QRCode("HTTP://192.168.1.23:8765/K7PQ2M", id="qr")

    app = One()
    async with app.run_test(size=(60, 24)) as pilot:
        await pilot.pause()
        qr = app.query_one(QRCode)
        assert (qr.size.width, qr.size.height) == (33, 17)
        strip = qr.render_line(5)
        segments = list(strip)
        text = "".join(s.text for s in segments)
        assert text == qr.lines[5]
        assert all(
            s.style.color.triplet == (0, 0, 0) and s.style.bgcolor.triplet == (255, 255, 255)
            for s in segments
            if s.text.strip()
        )
