"""Big letters for the join code: a 5×5 pixel font drawn with half blocks.

Textual's :class:`~textual.widgets.Digits` draws digits and A–F only, but a
join code uses most of the alphabet (``ABCDEFGHJKMNPQRSTUVWXYZ23456789``).
This font has every letter and digit; each glyph is 5 cells wide and 3 rows
high (two pixel rows per cell with ``▀``/``▄``/``█``), so a six-letter code
takes 35 columns and stays readable from the back of a room. A character the
font does not know is drawn as a small normal character, never dropped.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from textual.widget import Widget

_FONT_SOURCE = {
    "A": ".###. #...# ##### #...# #...#",
    "B": "####. #...# ####. #...# ####.",
    "C": ".#### #.... #.... #.... .####",
    "D": "####. #...# #...# #...# ####.",
    "E": "##### #.... ####. #.... #####",
    "F": "##### #.... ####. #.... #....",
    "G": ".#### #.... #..## #...# .###.",
    "H": "#...# #...# ##### #...# #...#",
    "I": "##### ..#.. ..#.. ..#.. #####",
    "J": "....# ....# ....# #...# .###.",
    "K": "#...# #..#. ###.. #..#. #...#",
    "L": "#.... #.... #.... #.... #####",
    "M": "#...# ##.## #.#.# #...# #...#",
    "N": "#...# ##..# #.#.# #..## #...#",
    "O": ".###. #...# #...# #...# .###.",
    "P": "####. #...# ####. #.... #....",
    "Q": ".###. #...# #.#.# #..#. .##.#",
    "R": "####. #...# ####. #..#. #...#",
    "S": ".#### #.... .###. ....# ####.",
    "T": "##### ..#.. ..#.. ..#.. ..#..",
    "U": "#...# #...# #...# #...# .###.",
    "V": "#...# #...# #...# .#.#. ..#..",
    "W": "#...# #...# #.#.# ##.## #...#",
    "X": "#...# .#.#. ..#.. .#.#. #...#",
    "Y": "#...# .#.#. ..#.. ..#.. ..#..",
    "Z": "##### ...#. ..#.. .#... #####",
    "0": ".###. #..## #.#.# ##..# .###.",
    "1": "..#.. .##.. ..#.. ..#.. .###.",
    "2": ".###. #...# ..##. .#... #####",
    "3": "####. ....# .###. ....# ####.",
    "4": "#..#. #..#. ##### ...#. ...#.",
    "5": "##### #.... ####. ....# ####.",
    "6": ".###. #.... ####. #...# .###.",
    "7": "##### ....# ...#. ..#.. ..#..",
    "8": ".###. #...# .###. #...# .###.",
    "9": ".###. #...# .#### ....# .###.",
    "-": "..... ..... ##### ..... .....",
    " ": "..... ..... ..... ..... .....",
}

_CELL = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def _glyph(rows: list[str]) -> tuple[str, str, str]:
    pixels = [[ch == "#" for ch in row] for row in rows] + [[False] * 5]
    return tuple(  # type: ignore[return-value]
        "".join(_CELL[(pixels[2 * r][x], pixels[2 * r + 1][x])] for x in range(5)) for r in range(3)
    )


FONT: dict[str, tuple[str, str, str]] = {ch: _glyph(src.split()) for ch, src in _FONT_SOURCE.items()}


def big_lines(text: str, spacing: int = 1) -> tuple[str, str, str]:
    """``text`` in the big font as three lines of equal width."""
    rows: list[list[str]] = [[], [], []]
    gap = " " * spacing
    for n, ch in enumerate(text.upper()):
        glyph = FONT.get(ch)
        if glyph is None:  # shown small, centred on the bottom row
            glyph = (" ", " ", ch if ch.isprintable() else "?")
        for r in range(3):
            if n:
                rows[r].append(gap)
            rows[r].append(glyph[r])
    return tuple("".join(r) for r in rows)  # type: ignore[return-value]


class _BigRenderable:
    def __init__(self, text: str, style: Style) -> None:
        self.lines = big_lines(text)
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines:
            yield Segment(line, self.style)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = max((len(line) for line in self.lines), default=0)
        return Measurement(width, width)


class BigText(Widget):
    """A short text (a join code) in letters three rows high."""

    DEFAULT_CSS = """
    BigText {
        width: auto;
        height: 3;
    }
    """

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self._text = text

    @property
    def text(self) -> str:
        return self._text

    def update(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.refresh(layout=True)

    def render(self) -> _BigRenderable:
        return _BigRenderable(self._text, self.rich_style)

    def get_content_width(self, container, viewport) -> int:
        return max((len(line) for line in big_lines(self._text)), default=0)

    def get_content_height(self, container, viewport, width: int) -> int:
        return 3
