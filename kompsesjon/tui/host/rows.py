"""Line-based widgets that stay fast with a wall of 500 cards.

A room of 300 people writes hundreds of cards; one Textual widget per card
would make every refresh re-layout hundreds of widgets. These two widgets
draw themselves line by line (Textual's line API) instead:

* :class:`Rows` — a vertical list of rows (themes with their cards, ranked
  entries, islands …), with an optional cursor and marks;
* :class:`CardWall` — cards laid out in as many columns as fit.

Both take *keyed* items with a signature: an item is rendered again only when
its signature (its content), the width or the theme changed, so a refresh
with one new card renders one card. The layout itself is a linear pass over
cached lines. Colours come from component classes (styled in ``host.tcss``),
handed to the item builders as a :class:`Palette`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kompsesjon.tui.keys import Translated

PALETTE = (
    "cursor",
    "marked",
    "muted",
    "private",
    "bar",
    "dot",
    "accent",
    "warning",
    "error",
    "success",
    "heading",
    "cut",
    "border",
    "border-private",
    "name",
)


class Palette:
    """Rich styles by name (``palette.bar``), taken from component classes."""

    def __init__(self, styles: dict[str, Style]) -> None:
        self._styles = styles
        self.signature = tuple(styles[name] for name in PALETTE)

    def __getattr__(self, name: str) -> Style:
        try:
            return self._styles[name.replace("_", "-")]
        except KeyError:
            raise AttributeError(name) from None


Builder = Callable[[Palette, int], RenderableType]  # (palette, width) -> renderable


# A row's key: any hashable value; views use small frozen dataclasses for
# rows that stand for something (a card, a list entry), never strings to slice.
RowKey = Hashable


@dataclass(frozen=True, slots=True)
class Row:
    """One entry of a :class:`Rows` list."""

    key: RowKey
    sig: Hashable  # anything that changes when what the row shows changes
    make: Builder
    cursor: bool = True  # the cursor may stop here
    markable: bool = False  # space may mark it


@dataclass(frozen=True, slots=True)
class Card:
    key: RowKey
    sig: Hashable
    make: Builder  # may return a CardFace (drawn fast) or any renderable


NO_STYLE = Style()  # immutable: one shared default is safe


@dataclass(frozen=True, slots=True)
class CardFace:
    """A card with a rounded border: title top left, subtitle bottom right.

    Drawn directly as segments, about four times faster than a Rich Panel,
    which matters when a wall of 500 cards is laid out at a new width.
    """

    body: Text
    title: Text | None = None
    subtitle: Text | None = None
    border: Style = NO_STYLE


class _LineWidget(ScrollView):
    """Shared by Rows and CardWall: palette, caches, drawing of lines."""

    COMPONENT_CLASSES = {f"rows--{name}" for name in PALETTE}

    def __init__(self, *, empty: str = "", id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.empty = empty
        self._lines: list[Strip] = []
        self._palette: Palette | None = None
        self._generation = 0  # bumped when the palette changes: cached lines are stale
        self._laid_out_width = -1
        self.layouts = 0  # how many times the layout ran (for benchmarks)
        self.rendered = 0  # how many items were rendered (not taken from the cache)

    # ---- palette -------------------------------------------------------

    def _component_style(self, name: str) -> Style:
        """A component class as a Rich style, its colour resolved against this
        widget's background (``auto`` and translucent colours such as
        ``$text-muted`` cannot be handed to Rich as they are)."""
        styles = self.get_component_styles(f"rows--{name}")
        style = styles.partial_rich_style
        background = self.background_colors[1]
        if styles.has_rule("color"):
            color = styles.color
            if getattr(color, "auto", False):
                resolved = background.get_contrast_text(color.a)
            else:
                resolved = background + color
            style = style + Style(color=resolved.rich_color)
        if styles.has_rule("background"):
            style = style + Style(bgcolor=(background + styles.background).rich_color)
        return style

    @property
    def palette(self) -> Palette:
        if self._palette is None:
            styles = {name: self._component_style(name) for name in PALETTE}
            palette = Palette(styles)
            if self._last_signature != palette.signature:
                self._generation += 1
            self._last_signature = palette.signature
            self._palette = palette
        return self._palette

    _last_signature: tuple = ()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Theme switched (or CSS changed): re-read colours; re-render only if
        # they really differ (a focus change also lands here).
        self._palette = None
        if self.is_mounted:
            self.call_later(self._restyle)

    def _restyle(self) -> None:
        before = self._generation
        _ = self.palette
        if self._generation != before:
            self.relayout()

    # ---- rendering -------------------------------------------------------

    def _draw(self, renderable: RenderableType, width: int) -> list[Strip]:
        self.rendered += 1
        console = self.app.console
        if isinstance(renderable, CardFace):
            return self._draw_face(renderable, width)
        if isinstance(renderable, Text):  # the common case, without Rich's layout machinery
            if renderable.style is None:
                renderable.style = ""
            return [
                Strip(list(line.render(console, end="")), line.cell_len).extend_cell_length(width)
                for line in renderable.wrap(console, width, overflow="fold")
            ] or [Strip.blank(width)]
        options = console.options.update_width(width)
        lines = console.render_lines(renderable, options, pad=True)
        return [Strip(line, width) for line in lines] or [Strip.blank(width)]

    def _draw_face(self, face: CardFace, width: int) -> list[Strip]:
        console = self.app.console
        border = face.border
        width = max(width, 6)
        inner = width - 4
        strips: list[Strip] = []

        def label(text: Text | None, room: int) -> tuple[list[Segment], int]:
            if text is None or not text.plain or room < 3:
                return [], 0
            text = text.copy()
            text.style = text.style or ""
            text.truncate(room - 2, overflow="ellipsis")
            return [Segment(" ", border), *text.render(console, end=""), Segment(" ", border)], text.cell_len + 2

        title, used = label(face.title, width - 4)
        strips.append(Strip([Segment("╭─", border), *title, Segment("─" * (width - 3 - used) + "╮", border)], width))
        if face.body.style is None:
            face.body.style = ""
        for line in face.body.wrap(console, inner, overflow="fold") or [Text("")]:
            pad = " " * (inner - line.cell_len + 1)
            strips.append(
                Strip([Segment("│ ", border), *line.render(console, end=""), Segment(pad), Segment("│", border)], width)
            )
        sub, used = label(face.subtitle, width - 4)
        strips.append(Strip([Segment("╰" + "─" * (width - 3 - used), border), *sub, Segment("─╯", border)], width))
        return strips

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def on_resize(self, event: events.Resize) -> None:
        if self._content_width() != self._laid_out_width:
            self.relayout()

    def relayout(self) -> None:
        width = self._content_width()
        if width <= 0 or not self.is_mounted:
            # Hidden (display: none) or not there yet: lay out when it gets a
            # size. Forget the old width, or a list shown again at that same
            # width would keep the lines it had before it was hidden.
            self._laid_out_width = -1
            return
        at_end = self.scroll_y >= self.max_scroll_y
        old_height = self.virtual_size.height
        self._layout(width)
        self._laid_out_width = width
        self.layouts += 1
        self._empty_lines = (
            self._draw(Text(self.empty, style=self.palette.muted), width) if not self._lines and self.empty else []
        )
        height = len(self._lines) or len(self._empty_lines)  # room for the "empty" note
        self.virtual_size = Size(width, height)
        self._after_layout(at_end)
        # A list sized to its content (height: auto) must be laid out again.
        self.refresh(layout=old_height != height)

    def _layout(self, width: int) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _after_layout(self, was_at_end: bool) -> None:
        pass

    def _decorate(self, line_no: int, strip: Strip) -> Strip:
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self._content_width()
        line_no = scroll_y + y
        if not self._lines:
            empty = getattr(self, "_empty_lines", [])
            if line_no < len(empty):
                return empty[line_no].crop_extend(0, width, self.rich_style).apply_style(self.rich_style)
            return Strip.blank(width, self.rich_style)
        if line_no >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        strip = self._decorate(line_no, self._lines[line_no])
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style).apply_style(self.rich_style)


class Rows(Translated, _LineWidget, can_focus=True):
    """A list of keyed rows; optionally a cursor and marks (space).

    ``interactive=False`` (a projector screen) shows no cursor and binds
    nothing but scrolling.
    """

    BINDINGS = [
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "edge(-1)", show=False),
        Binding("end", "edge(1)", show=False),
        Binding("space", "toggle_mark", "host.key.mark"),
        Binding("escape", "clear_marks", "host.key.clear_marks", show=False),
    ]

    class CursorMoved(Message):
        def __init__(self, rows: Rows, key: RowKey | None) -> None:
            super().__init__()
            self.rows = rows
            self.key = key

        @property
        def control(self) -> Rows:
            return self.rows

    class MarksChanged(Message):
        def __init__(self, rows: Rows) -> None:
            super().__init__()
            self.rows = rows

        @property
        def control(self) -> Rows:
            return self.rows

    def __init__(
        self,
        *,
        interactive: bool = True,
        markable: bool = False,
        follow_end: bool = False,
        empty: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(empty=empty, id=id, classes=classes)
        self.interactive = interactive
        self.markable = markable and interactive
        self.follow_end = follow_end
        self.rows: list[Row] = []
        self._index: dict[RowKey, int] = {}
        self._starts: list[int] = []
        self._cache: dict[RowKey, tuple[Hashable, int, int, list[Strip]]] = {}
        self.cursor: int | None = None
        self.marked: list[RowKey] = []  # in the order they were marked
        if not interactive:
            self.can_focus = False

    # ---- data ------------------------------------------------------------

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show these rows; keeps the cursor and the marks by key."""
        old_key = self.cursor_key
        old_index = self.cursor
        self.rows = list(rows)
        self._index = {row.key: n for n, row in enumerate(self.rows)}
        before = len(self.marked)
        self.marked = [k for k in self.marked if k in self._index and self.rows[self._index[k]].markable]
        if old_key is not None and old_key in self._index and self.rows[self._index[old_key]].cursor:
            self.cursor = self._index[old_key]
        elif self.rows:
            self.cursor = self._nearest(min(old_index or 0, len(self.rows) - 1))
        else:
            self.cursor = None
        self.relayout()
        if self.cursor_key != old_key:
            self.post_message(self.CursorMoved(self, self.cursor_key))
        if len(self.marked) != before:
            self.post_message(self.MarksChanged(self))

    def _nearest(self, index: int) -> int | None:
        for n in list(range(index, len(self.rows))) + list(range(index - 1, -1, -1)):
            if self.rows[n].cursor:
                return n
        return None

    @property
    def cursor_key(self) -> RowKey | None:
        if self.cursor is None or self.cursor >= len(self.rows):
            return None
        return self.rows[self.cursor].key

    def move_to(self, key: RowKey) -> None:
        if key in self._index and self.rows[self._index[key]].cursor:
            self.cursor = self._index[key]
            self._cursor_changed()

    def clear_marks(self) -> None:
        if self.marked:
            self.marked = []
            self.refresh()
            self.post_message(self.MarksChanged(self))

    # ---- layout ------------------------------------------------------------

    @property
    def mark_width(self) -> int:
        return 2 if self.markable else 0

    def _layout(self, width: int) -> None:
        palette = self.palette
        generation = self._generation
        inner = max(1, width - self.mark_width)
        lines: list[Strip] = []
        starts: list[int] = []
        cache = self._cache
        fresh: dict[RowKey, tuple[Hashable, int, int, list[Strip]]] = {}
        for row in self.rows:
            hit = cache.get(row.key)
            if hit is None or hit[0] != row.sig or hit[1] != inner or hit[2] != generation:
                hit = (row.sig, inner, generation, self._draw(row.make(palette, inner), inner))
            fresh[row.key] = hit
            starts.append(len(lines))
            lines.extend(hit[3])
        self._cache = fresh
        self._lines = lines
        self._starts = starts

    def _after_layout(self, was_at_end: bool) -> None:
        if self.follow_end and was_at_end:
            self.scroll_end(animate=False, immediate=True)

    def _row_span(self, index: int) -> tuple[int, int]:
        start = self._starts[index]
        end = self._starts[index + 1] if index + 1 < len(self._starts) else len(self._lines)
        return start, end

    def _decorate(self, line_no: int, strip: Strip) -> Strip:
        index = bisect_right(self._starts, line_no) - 1
        row = self.rows[index] if 0 <= index < len(self.rows) else None
        palette = self.palette
        if self.mark_width:
            first = row is not None and self._starts[index] == line_no
            mark = "◆ " if first and row is not None and row.key in self.marked else "  "
            strip = Strip.join([Strip([Segment(mark, palette.marked)], 2), strip])
        if self.interactive and index == self.cursor and row is not None and row.cursor:
            strip = strip.apply_style(palette.cursor)
        return strip

    # ---- cursor ------------------------------------------------------------

    def _cursor_changed(self) -> None:
        if self.cursor is not None and self._starts:
            start, end = self._row_span(self.cursor)
            self.scroll_to_region(
                Region(0, start, max(1, self._content_width()), max(1, end - start)), animate=False, force=True
            )
        self.refresh()
        self.post_message(self.CursorMoved(self, self.cursor_key))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_mark", "clear_marks"):
            return self.markable
        return not (action in ("cursor", "edge") and not self.interactive)

    def action_cursor(self, step: int) -> None:
        if not self.rows:
            return
        n = self.cursor if self.cursor is not None else -step
        while 0 <= n + step < len(self.rows):
            n += step
            if self.rows[n].cursor:
                self.cursor = n
                self._cursor_changed()
                return

    def action_page(self, step: int) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        if not self.interactive or self.cursor is None:
            self.scroll_to(y=self.scroll_y + step * height, animate=False)
            return
        target_line = self._starts[self.cursor] + step * height
        target_line = max(0, min(target_line, len(self._lines) - 1))
        index = bisect_right(self._starts, target_line) - 1
        nearest = self._nearest(max(0, index))
        if nearest is not None:
            self.cursor = nearest
            self._cursor_changed()

    def action_edge(self, step: int) -> None:
        if not self.rows:
            return
        order = range(len(self.rows)) if step < 0 else range(len(self.rows) - 1, -1, -1)
        for n in order:
            if self.rows[n].cursor:
                self.cursor = n
                self._cursor_changed()
                return

    def action_toggle_mark(self) -> None:
        key = self.cursor_key
        if key is None or not self.rows[self.cursor].markable:  # type: ignore[index]
            return
        if key in self.marked:
            self.marked.remove(key)
        else:
            self.marked.append(key)
        self.refresh()
        self.post_message(self.MarksChanged(self))

    def action_clear_marks(self) -> None:
        self.clear_marks()

    def on_click(self, event: events.Click) -> None:
        if not self.interactive or not self._starts:
            return
        line_no = int(self.scroll_y) + event.y
        if 0 <= line_no < len(self._lines):
            index = bisect_right(self._starts, line_no) - 1
            if self.rows[index].cursor:
                self.cursor = index
                self._cursor_changed()


class CardWall(_LineWidget, can_focus=True):
    """Cards side by side, as many columns as fit, rows as tall as needed."""

    BINDINGS = [
        Binding("up", "scroll_up", show=False),
        Binding("down", "scroll_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home", "scroll_home", show=False),
        Binding("end", "scroll_end", show=False),
    ]

    def __init__(
        self,
        *,
        card_width: int = 26,
        gap: int = 1,
        follow_end: bool = True,
        empty: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(empty=empty, id=id, classes=classes)
        self.card_width = card_width
        self.gap = gap
        self.follow_end = follow_end
        self.cards: list[Card] = []
        self._cache: dict[RowKey, tuple[Hashable, int, int, list[Strip]]] = {}
        self.columns = 1

    def set_cards(self, cards: Sequence[Card]) -> None:
        signature = [(card.key, card.sig) for card in cards]
        if signature == self._signature and self._laid_out_width == self._content_width():
            return  # nothing on the wall changed
        self._signature = signature
        self.cards = list(cards)
        self.relayout()

    _signature: list = []

    def _layout(self, width: int) -> None:
        palette = self.palette
        generation = self._generation
        gap = self.gap
        columns = max(1, (width + gap) // (self.card_width + gap))
        card_width = max(8, (width - gap * (columns - 1)) // columns) if columns > 1 else width
        self.columns = columns
        grid_key = (card_width, columns, generation)
        if grid_key != self._grid_key:
            self._grid_key = grid_key
            self._grid = {}
        cache = self._cache
        fresh: dict[RowKey, tuple[Hashable, int, int, list[Strip]]] = {}
        grid: dict[int, tuple[tuple, list[Strip]]] = {}
        blank = Strip.blank(card_width)
        spacer = Strip.blank(gap)
        lines: list[Strip] = []
        cards = self.cards
        for row, start in enumerate(range(0, len(cards), columns)):
            group = cards[start : start + columns]
            row_sig = tuple((card.key, card.sig) for card in group)
            built = self._grid.get(row)
            if built is not None and built[0] == row_sig:
                # Same cards in this row as last time: reuse its lines.
                for card in group:
                    if card.key in cache:
                        fresh[card.key] = cache[card.key]
                grid[row] = built
                lines.extend(built[1])
                continue
            rendered: list[list[Strip]] = []
            for card in group:
                hit = cache.get(card.key)
                if hit is None or hit[0] != card.sig or hit[1] != card_width or hit[2] != generation:
                    hit = (card.sig, card_width, generation, self._draw(card.make(palette, card_width), card_width))
                fresh[card.key] = hit
                rendered.append(hit[3])
            height = max(len(c) for c in rendered)
            row_lines: list[Strip] = []
            for y in range(height):
                parts: list[Strip] = []
                for n, card_lines in enumerate(rendered):
                    if n:
                        parts.append(spacer)
                    parts.append(card_lines[y] if y < len(card_lines) else blank)
                row_lines.append(Strip.join(parts))
            grid[row] = (row_sig, row_lines)
            lines.extend(row_lines)
        self._cache = fresh
        self._grid = grid
        self._lines = lines

    _grid_key: tuple = ()
    _grid: dict = {}

    def _after_layout(self, was_at_end: bool) -> None:
        if self.follow_end and was_at_end:
            self.scroll_end(animate=False, immediate=True)
