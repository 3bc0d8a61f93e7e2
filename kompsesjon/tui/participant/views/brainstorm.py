"""Brainstorm on the critique or vision board: write cards fast.

The input keeps the focus after Enter, so a person can write card after card.
Cards I (or my buzz pair) wrote are marked, and marked private while the
board is not revealed; others' cards appear once revealed. On a vision board
a red card can be raised against a killer phrase, anonymously.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Checkbox, Input, Static

from kompsesjon.client import Outcome, new_id
from kompsesjon.i18n import t, tn
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import BoardKind, PhaseKind
from kompsesjon.method.state import Item
from kompsesjon.tui.keys import N_, Translated
from kompsesjon.tui.participant.modals import ConfirmScreen, TextPrompt
from kompsesjon.tui.participant.views.base import (
    VIEWS,
    KeyedList,
    PhaseView,
    hanging,
    is_mine,
    my_pair,
    names,
    restore_input,
)
from kompsesjon.tui.participant.widgets import LineInput
from kompsesjon.tui.text import board_name, plain


class CardList(Translated, KeyedList):
    """The cards I can see; asks for actions on the highlighted card."""

    COMPONENT_CLASSES = {"card-list--private", "card-list--mine", "card-list--red"}

    BINDINGS = [
        Binding("e", "card('edit')", N_("participant.keys.edit_card")),
        Binding("w,delete", "card('withdraw')", N_("participant.keys.withdraw_card")),
        Binding("r", "card('red')", N_("participant.keys.red_card_on")),
        Binding("escape", "back", N_("participant.keys.back_to_writing"), show=False),
    ]

    class Action(Message):
        def __init__(self, action: str, item: str) -> None:
            super().__init__()
            self.action = action
            self.item = item

    class Back(Message):
        pass

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.red_cards_allowed = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "card" and parameters and parameters[0] == "red" and not self.red_cards_allowed)

    def action_card(self, action: str) -> None:
        if self.highlighted_id is not None:
            self.post_message(self.Action(action, self.highlighted_id))

    def action_back(self) -> None:
        self.post_message(self.Back())


@VIEWS.register(PhaseKind.BRAINSTORM)
class BrainstormView(PhaseView):
    BINDINGS = [
        Binding("ctrl+t", "toggle_pair", N_("participant.keys.with_pair")),
        Binding("ctrl+r", "red_card", N_("participant.keys.red_card")),
        # In the footer (as ↓) once I have a card to change: the way to edit and withdraw.
        Binding("down", "focus_cards('mine')", N_("participant.keys.edit_cards"), key_display="↓"),
        Binding("down", "focus_cards", N_("participant.keys.to_cards"), show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="prompt", markup=False)
        yield Static(id="pair-info", markup=False)
        with Horizontal(id="write-row"):
            yield LineInput(placeholder=t("participant.brainstorm.placeholder"), id="card-input")
            yield Checkbox(t("participant.brainstorm.with_pair"), id="with-pair")
        yield Static(id="red-info", markup=False)
        yield Static(id="cards-title", classes="section-title", markup=False)
        yield CardList(id="cards")

    # ---- downward -------------------------------------------------------

    def is_vision(self) -> bool:
        state = self.state
        board = state.boards.get(self.board or "") if state is not None else None
        return board is not None and board.spec.kind == BoardKind.VISION

    def show(self, state: State, me: str | None) -> None:
        super().show(state, me)
        board = self.board = state.current.board
        assert board is not None  # shown only in a board's phases (session.py)
        spec = state.boards[board].spec
        prompt = Text()
        if state.current.prompt:
            prompt.append_text(plain(state.current.prompt, style="bold"))
            prompt.append("\n")
        prompt.append(t(f"participant.brainstorm.rules_{spec.kind.value}"), style="dim")
        self.query_one("#prompt", Static).update(prompt)

        pair = my_pair(state, me)
        pair_info = self.query_one("#pair-info", Static)
        checkbox = self.query_one("#with-pair", Checkbox)
        if pair is not None:
            others = [p for p in pair.members if p != me]
            pair_info.update(Text.assemble((t("participant.brainstorm.pair") + " ", "bold"), names(state, others)))
            pair_info.display = True
            checkbox.display = True
        else:
            pair_info.display = False
            checkbox.display = False
            checkbox.value = False

        vision = spec.kind == BoardKind.VISION
        red = self.query_one("#red-info", Static)
        red.display = vision
        if vision:
            red.update(Text.assemble(("■ ", "bold red"), t("participant.brainstorm.red_info")))
        cards = self.query_one(CardList)
        cards.red_cards_allowed = vision
        items = [i for i in state.items.values() if i.board == board and not i.withdrawn]
        items.reverse()  # newest first: what I just wrote is right under the input
        mine = sum(1 for i in items if i.author == me)  # written by me, not by my pair
        title = Text(t("participant.brainstorm.cards", board=board_name(state, board), n=len(items), mine=mine))
        open_red = sum(1 for r in state.red_cards.values() if not r.dismissed)
        if vision and open_red:
            title.append("  ·  ")
            title.append(f"■ {tn('participant.brainstorm.red_open', open_red)}", style="bold red")
        self.query_one("#cards-title", Static).update(title)
        red_items = {r.item for r in state.red_cards.values() if not r.dismissed and r.item}
        cards.set_items(
            ((i.id, self._card_row(state, me, i, i.id in red_items)) for i in items),
            empty=t("participant.brainstorm.no_cards"),
        )
        self.refresh_bindings()

    def _card_row(self, state: State, me: str | None, item: Item, red: bool) -> Table:
        cards = self.query_one(CardList)
        row = plain(item.text)
        if is_mine(state, me, item):
            tag = t("participant.brainstorm.ours") if item.pair else t("participant.brainstorm.mine")
            row.append(f"  {tag}", style=cards.get_component_rich_style("card-list--mine", partial=True))
        if item.private:
            row.append(
                f"  {t('participant.brainstorm.private')}",
                style=cards.get_component_rich_style("card-list--private", partial=True),
            )
        if red:
            row.append(
                f"  ■ {t('participant.brainstorm.red_tag')}",
                style=cards.get_component_rich_style("card-list--red", partial=True),
            )
        return hanging(Text(item.id, style="bold", justify="right"), row, 4)

    def focus_default(self) -> None:
        self.query_one("#card-input", Input).focus()

    # ---- writing --------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text or self.board is None:
            return
        with_pair = self.query_one("#with-pair", Checkbox)
        together = with_pair.display and with_pair.value
        self.propose(c.AddItem(id=new_id(), board=self.board, text=text, with_pair=together))

    def command_answered(self, command: Any, outcome: Outcome) -> None:
        if not outcome.ok and isinstance(command, c.AddItem) and self.is_attached:
            restore_input(self.query_one("#card-input", Input), command.text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        writing = not isinstance(self.screen.focused, CardList)  # keep the footer short
        if action == "toggle_pair":
            return writing and self.state is not None and my_pair(self.state, self.me) is not None
        if action == "red_card":
            return writing and self.is_vision()
        if action == "focus_cards" and parameters:
            return writing and self._have_mine()
        return True

    def _have_mine(self) -> bool:
        state = self.state
        return state is not None and any(
            i.board == self.board and not i.withdrawn and is_mine(state, self.me, i) for i in state.items.values()
        )

    def action_toggle_pair(self) -> None:
        box = self.query_one("#with-pair", Checkbox)
        box.value = not box.value

    def action_focus_cards(self, which: str = "") -> None:
        self.query_one(CardList).focus()

    def action_red_card(self) -> None:
        self._raise_red_card(None)

    # ---- acting on a card -----------------------------------------------

    @on(CardList.Back)
    def _back(self, event: CardList.Back) -> None:
        self.focus_default()

    @on(CardList.Action)
    def _card_action(self, event: CardList.Action) -> None:
        state = self.state
        item = state.items.get(event.item) if state is not None else None
        if state is None or item is None:
            return
        if event.action == "red":
            self._raise_red_card(item)
            return
        if not is_mine(state, self.me, item):
            self.notify(t("participant.brainstorm.not_yours"), severity="warning", markup=False)
            return
        if event.action == "edit":

            def edited(text: str | None) -> None:
                if text is not None and text.strip() and text.strip() != item.text:
                    self.propose(c.EditItem(id=new_id(), item=item.id, text=text.strip()))

            self.app.push_screen(
                TextPrompt(
                    t("participant.brainstorm.edit_title", item=item.id),
                    value=item.text,
                    context=plain(item.text),
                ),
                edited,
            )
        elif event.action == "withdraw":

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.propose(c.WithdrawItem(id=new_id(), item=item.id))

            self.app.push_screen(
                ConfirmScreen(t("participant.brainstorm.withdraw_title", item=item.id), plain(item.text)), confirmed
            )

    def _raise_red_card(self, item: Item | None) -> None:
        if not self.is_vision():
            return
        context = Text(t("participant.red.general"), style="italic")
        if item is not None:
            context = Text.assemble((f"{item.id} ", "bold"), plain(item.text))

        def raised(note: str | None) -> None:
            if note is None:
                return
            self.propose(c.RaiseRedCard(id=new_id(), item=item.id if item else None, note=note.strip()))

        self.app.push_screen(
            TextPrompt(
                t("participant.red.title"),
                context=context,
                hint=t("participant.red.anonymous"),
                placeholder=t("participant.red.placeholder"),
                required=item is None,
                ok=t("participant.red.raise"),
                classes="red-card",
            ),
            raised,
        )
