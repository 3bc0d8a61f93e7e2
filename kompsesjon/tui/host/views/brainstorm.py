"""Brainstorm: the live wall of cards, buzz pairs and red cards.

The host view is projected: a private card shows as a hidden card, its words
only while the facilitator peeks (``l``, under a banner, ending by itself).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import BoardKind, PhaseKind
from kompsesjon.method.state import Item
from kompsesjon.tui.host.header import Texty
from kompsesjon.tui.host.keys import control
from kompsesjon.tui.host.queries import hidden_at_least, open_red_cards, red_cards_on
from kompsesjon.tui.host.rows import Card, CardFace, CardWall, Palette, Row, Rows
from kompsesjon.tui.host.views.base import PEOPLE, VIEWS, PhaseView
from kompsesjon.tui.host.views.peek import Peeking
from kompsesjon.tui.text import person, safe


def item_card(item: Item, reds: int, peeking: bool):
    def make(p: Palette, width: int) -> CardFace:
        private = item.private
        subtitle = None
        if private:
            subtitle = Text(t("host.card.hidden"), style=p.private)
        if reds:
            subtitle = Text(t("host.card.red", n=reds), style=p.error)
        body = safe(item.text) if peeking or not private else t("host.card.masked")
        return CardFace(
            Text(body, style=p.private if private else ""),
            title=Text(item.id, style=p.muted),
            subtitle=subtitle,
            border=p.border_private if private else p.border,
        )

    return make


@VIEWS.register(PhaseKind.BRAINSTORM)
class BrainstormView(Peeking, PhaseView):
    DEPENDS = (
        frozenset(
            {
                "item_added",
                "item_edited",
                "item_withdrawn",
                "items_revealed",
                "buzz_pairs_formed",
                "buzz_pairs_cleared",
                "red_card_raised",
                "red_card_dismissed",
            }
        )
        | PEOPLE
    )

    BINDINGS = [
        control("r", "reveal", "host.key.reveal_cards"),
        control("k", "form_pairs", "host.key.form_pairs"),
        control("K", "clear_pairs", "host.key.clear_pairs"),
        control("d", "dismiss_red", "host.key.dismiss_red"),
        control("l", "peek", "host.key.peek"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._cards: dict[str, Card] = {}  # by card id, reused while unchanged

    def compose(self) -> ComposeResult:
        yield Texty(id="prompt", classes="phase-prompt")
        yield Texty(id="wall-info", classes="info-line")
        yield Texty(id="peek-banner", classes="peek-banner")
        with Horizontal(id="wall-row"):
            yield CardWall(id="wall", empty=t("host.brainstorm.empty"))
            with Vertical(id="side"):
                yield Texty(id="pairs-title", classes="section-title")
                yield Rows(id="pairs", interactive=False)
                yield Texty(id="reds-title", classes="section-title red-title")
                yield Rows(id="reds", interactive=False)

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        board_id = state.agenda[self.phase].board
        if board_id not in state.boards:
            return
        board = state.boards[board_id]
        vision = board.spec.kind == BoardKind.VISION
        prompt = state.agenda[self.phase].prompt or t(
            "host.brainstorm.prompt_vision" if vision else "host.brainstorm.prompt_critique"
        )
        self.query_one("#prompt", Texty).show(prompt)
        reds = red_cards_on(state)
        items = [i for i in state.items.values() if i.board == board_id and not i.withdrawn]
        hidden = sum(1 for i in items if i.private)
        rule = t("host.brainstorm.rules_vision" if vision else "host.brainstorm.rules_critique")
        if self.facilitator:
            info = t("host.brainstorm.count", n=len(items))
            if hidden:
                info += " · " + t("host.brainstorm.hidden_facilitator", n=hidden)
        else:
            hiding = state.rules.private_writing and not board.revealed
            info = t("host.brainstorm.count_visible" if hiding else "host.brainstorm.count", n=len(items))
            unseen = hidden_at_least(state, board_id)
            if unseen:
                info += " · " + t("host.brainstorm.hidden_screen", n=unseen)
            elif hiding:
                info += " · " + t("host.brainstorm.hidden_until")
            self.query_one("#wall", CardWall).empty = t(
                "host.brainstorm.empty_hidden" if hiding else "host.brainstorm.empty"
            )
        self.query_one("#wall-info", Texty).show(f"{info}   {rule}")
        peeking = self.peeking and self.facilitator and hidden > 0
        if self.peeking and not peeking:
            self.stop_peek()  # nothing private left to peek at
        banner = self.query_one("#peek-banner", Texty)
        banner.display = peeking
        banner.show(t("host.brainstorm.peek_banner") if peeking else "")
        known = self._cards
        cards = []
        for item in items:
            sig = (item.text, item.private, reds.get(item.id, 0), peeking and item.private)
            card = known.get(item.id)
            if card is None or card.sig != sig:
                card = known[item.id] = Card(item.id, sig, item_card(item, sig[2], peeking))
            cards.append(card)
        self.query_one("#wall", CardWall).set_cards(cards)
        self._side(state)

    def _side(self, state: State) -> None:
        pairs = [p for p in state.buzz_pairs.values() if p.active]
        reds = open_red_cards(state)
        side = self.query_one("#side")
        side.set_class(not pairs and not reds, "-empty")
        self.query_one("#pairs-title", Texty).show(t("host.brainstorm.pairs", n=len(pairs)) if pairs else "")
        self.query_one("#pairs", Rows).set_rows(
            [Row(p.id, (p.id, tuple(person(state, m) for m in p.members)), _pair_row(state, p)) for p in pairs]
        )
        self.query_one("#pairs").display = bool(pairs)
        self.query_one("#reds-title", Texty).show(t("host.brainstorm.red_cards", n=len(reds)) if reds else "")
        self.query_one("#reds", Rows).set_rows(
            [Row(r.id, (r.item, r.note, _card_text(state, r.item)), _red_row(state, r)) for r in reds]
        )
        self.query_one("#reds").display = bool(reds)

    def available(self, action: str, state: State) -> bool:
        board = state.agenda[self.phase].board
        if action == "reveal":
            return any(i.private and not i.withdrawn for i in state.items.values() if i.board == board) or (
                board in state.boards and not state.boards[board].revealed
            )
        if action == "peek":
            return any(i.private and not i.withdrawn for i in state.items.values() if i.board == board)
        if action == "clear_pairs":
            return any(p.active for p in state.buzz_pairs.values())
        if action == "dismiss_red":
            return any(not r.dismissed for r in state.red_cards.values())
        return True

    # ---- actions -----------------------------------------------------------

    def action_reveal(self) -> None:
        self.propose(c.RevealItems(id=new_id(), board=self.board))

    def peek_changed(self) -> None:
        if self.state is not None:
            self.redraw(self.state, frozenset())

    def action_form_pairs(self) -> None:
        self.propose(c.FormBuzzPairs(id=new_id()))

    def action_clear_pairs(self) -> None:
        pairs = sum(1 for p in self.state.buzz_pairs.values() if p.active) if self.state else 0
        self.confirm(
            t("host.brainstorm.clear_pairs_confirm", n=pairs), lambda: self.propose(c.ClearBuzzPairs(id=new_id()))
        )

    def action_dismiss_red(self) -> None:
        state = self.state
        if state is None:
            return
        reds = open_red_cards(state)
        if not reds:
            self.say("host.brainstorm.no_red_cards")
            return
        if len(reds) == 1:
            self.propose(c.DismissRedCard(id=new_id(), card=reds[0].id))
            return
        options = [(r.id, _red_label(state, r)) for r in reds]
        self.pick(
            t("host.brainstorm.pick_red"), options, lambda key: self.propose(c.DismissRedCard(id=new_id(), card=key))
        )


def _card_text(state: State, item_id: str | None) -> str:
    item = state.items.get(item_id) if item_id else None
    return item.text if item is not None else ""


def _red_label(state: State, red) -> str:
    parts = [red.id]
    if red.item:
        parts.append(f"{red.item}: {_card_text(state, red.item)}")
    if red.note:
        parts.append(red.note)
    return "  ".join(parts)


def _pair_row(state: State, pair):
    who = [person(state, m) for m in pair.members]

    def make(p: Palette, width: int) -> Text:
        text = Text(f"{pair.id} ", style=p.muted)
        for n, name in enumerate(who):
            if n:
                text.append(" + ", style=p.muted)
            text.append(name, style=p.name)
        return text

    return make


def _red_row(state: State, red):
    card = _card_text(state, red.item)

    def make(p: Palette, width: int) -> Text:
        text = Text("■ ", style=p.error)
        if red.item:
            text.append(f"{red.item} ", style=p.muted)
            text.append(safe(card))
        if red.note:
            if red.item:
                text.append(" — ", style=p.muted)
            text.append(safe(red.note), style=p.error)
        return text

    return make
