"""A QR code of the web page's address, for the projector.

Drawn with half blocks (``▀ ▄ █``): one terminal cell holds two modules one
above the other, so the modules come out square in a terminal's 1:2 cells.
Always dark on light whatever the theme (a phone camera expects dark
modules), with the quiet zone of four modules the standard asks for. The
symbol is made by segno; error correction M survives a projector's blur and
some keystone at a few metres.
"""

from __future__ import annotations

import segno
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from textual.widget import Widget

QUIET = 4  # modules of light border around the symbol (ISO/IEC 18004)
INK = Style(color="#000000", bgcolor="#ffffff")
_CELL = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def qr_matrix(text: str) -> list[list[bool]]:
    """The symbol's modules with the quiet zone, True = dark."""
    symbol = segno.make(text, error="m", micro=False, boost_error=True)
    return [[bool(module) for module in row] for row in symbol.matrix_iter(scale=1, border=QUIET)]


def qr_lines(text: str) -> list[str]:
    """The symbol as half-block lines, to be shown dark (foreground) on light."""
    rows = qr_matrix(text)
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))  # the bottom half of the last line: quiet zone
    return [
        "".join(_CELL[top, bottom] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(rows[::2], rows[1::2], strict=True)
    ]


class QRLines:
    """A Rich renderable of :func:`qr_lines` in fixed black on white."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines:
            yield Segment(line, INK)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = len(self.lines[0]) if self.lines else 0
        return Measurement(width, width)


class QRCode(Widget):
    """Shows the QR code of an address (nothing while there is none)."""

    DEFAULT_CSS = """
    QRCode {
        width: auto;
        height: auto;
    }
    """

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = ""
        self.lines: list[str] = []
        self.show(text)

    def show(self, text: str) -> None:
        if text == self.text:
            return
        self.text = text
        self.lines = qr_lines(text) if text else []
        self.refresh(layout=True)

    def render(self) -> QRLines:
        return QRLines(self.lines)

    def get_content_width(self, container, viewport) -> int:
        return len(self.lines[0]) if self.lines else 0

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines)
