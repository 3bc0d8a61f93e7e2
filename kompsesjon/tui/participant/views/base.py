"""What every phase view shares, and small helpers for reading the mirror."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import Vertical
from textual.widget import AwaitMount
from textual.widgets import Input, OptionList, Static, TabbedContent
from textual.widgets.option_list import Option

from kompsesjon.client import Outcome
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method.state import BuzzPair, Item
from kompsesjon.method.visibility import writers
from kompsesjon.tui.keys import Translated
from kompsesjon.tui.messages import Propose
from kompsesjon.tui.registry import ViewRegistry
from kompsesjon.tui.text import who


def hanging(lead: Text, body: Text, width: int) -> Table:
    """``lead`` in a fixed column, ``body`` wrapping beside it (a hanging indent)."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(width=width, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(lead, body)
    return grid


class PhaseView(Translated, Vertical):
    """A phase's view. The screen calls :meth:`show` with every new mirror."""

    can_focus = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # The mirror (a live object: it changes under us) and who I am.
        self.state: State | None = None
        self.me: str | None = None
        self.board: str | None = None  # the board shown, for board phases
        self._shown: dict[str, object] = {}  # selector → what put() shows there
        # What show() is mounting (a round's answers): the screen shows the
        # view, with the cursor in it, once these are there.
        self.mounting: list[AwaitMount] = []

    def show(self, state: State, me: str | None) -> None:
        self.state, self.me = state, me

    def put(self, selector: str, content: RenderableType, key: object = None) -> None:
        """Update the Static at ``selector``, unless it shows this already
        (``key``: what the content is made from, for content that cannot be
        compared). Every app redraws at each change in the room: what did
        not change must cost nothing — once per SSH seat on a shared server."""
        shown = key if key is not None else (content.plain, content.spans) if isinstance(content, Text) else content
        if self._shown.get(selector, self) != shown:
            self._shown[selector] = shown
            self.query_one(selector, Static).update(content)

    def focus_default(self) -> None:
        """Put the cursor where a participant starts typing or choosing."""

    def propose(self, command: Any, *, quiet: bool = False) -> None:
        self.post_message(Propose(command, reply_to=self, quiet=quiet))

    def command_answered(self, command: Any, outcome: Outcome) -> None:
        """The server answered a command this view proposed."""


VIEWS: ViewRegistry[type[PhaseView]] = ViewRegistry()  # phase kind -> the view that shows it


class OwnAndOthers:
    """A view with two tabs: ours (what we write) and the others' (Ctrl+O)."""

    OWN_TAB = "own"
    OTHERS_TAB = "others"
    OTHERS_SCROLL = "#others-scroll"

    def action_switch_tab(self) -> None:
        tabs = self.query_one(TabbedContent)  # type: ignore[attr-defined]
        tabs.active = self.OTHERS_TAB if tabs.active == self.OWN_TAB else self.OWN_TAB
        if tabs.active == self.OWN_TAB:
            self.focus_default()  # type: ignore[attr-defined]
        else:  # keep the focus inside this view, so its keys stay on
            self.query_one(self.OTHERS_SCROLL).focus()  # type: ignore[attr-defined]


def restore_input(field: Input, text: str) -> None:
    """Give refused text back to an input (unless the person typed on)."""
    if not field.value:
        field.value = text
        field.cursor_position = len(text)


class KeyedList(OptionList):
    """An OptionList of (id, prompt) rows that keeps its highlight by id."""

    def set_items(self, rows: Iterable[tuple[str, RenderableType]], *, empty: str = "") -> None:
        rows = list(rows)
        if not rows:
            self.set_options([Option(Text(empty, style="italic"), disabled=True)] if empty else [])
            return
        ids = [row_id for row_id, _ in rows]
        current = self.highlighted_id
        if ids == [o.id for o in self.options]:
            for row_id, prompt in rows:
                self.replace_option_prompt(row_id, prompt)
            return
        old_index = self.highlighted
        self.set_options(Option(prompt, id=row_id) for row_id, prompt in rows)
        if current in ids:
            self.highlighted = ids.index(current)
        else:
            self.highlighted = min(old_index or 0, len(ids) - 1)

    @property
    def highlighted_id(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None


# ---- reading the mirror -----------------------------------------------------


def my_pair(state: State, me: str | None) -> BuzzPair | None:
    for pair in state.buzz_pairs.values():
        if pair.active and me in pair.members:
            return pair
    return None


def is_mine(state: State, me: str | None, item: Item) -> bool:
    """Did I write this card (alone or with my buzz pair)?"""
    return me is not None and me in writers(state, item)


def names(state: State, pids: Iterable[str]) -> str:
    listed = [who(state, p) for p in pids]
    return ", ".join(listed) if listed else t("words.nobody")
