"""Intro: the shared question, large, and the purpose; check-in hopes as a wall."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.host.header import Texty
from kompsesjon.tui.host.keys import control
from kompsesjon.tui.host.modals import TextPrompt
from kompsesjon.tui.host.rows import Card, CardFace, CardWall, Palette
from kompsesjon.tui.host.views.base import PEOPLE, VIEWS, PhaseView
from kompsesjon.tui.text import person, safe


def note_card(text: str, who: str | None):
    def make(p: Palette, width: int) -> CardFace:
        return CardFace(Text(safe(text)), title=Text(safe(who), style=p.name) if who else None, border=p.border)

    return make


def note_cards(state: State, notes) -> list[Card]:
    cards = []
    for note in notes.values():
        who = person(state, note.author) if note.author else None
        cards.append(Card(note.id, (note.text, who), note_card(note.text, who)))
    return cards


@VIEWS.register(PhaseKind.INTRO)
class IntroView(PhaseView):
    DEPENDS = frozenset({"checked_in", "report_text_edited", "series_linked"}) | PEOPLE

    BINDINGS = [control("f", "follow", "host.key.follow")]

    def compose(self) -> ComposeResult:
        yield Texty(id="intro-question", classes="big-question")
        yield Texty(id="intro-purpose", classes="phase-prompt")
        yield Texty(id="intro-series", classes="names")
        yield Texty(id="check-in-title", classes="section-title")
        yield CardWall(id="check-ins", card_width=30, empty=t("host.intro.no_check_ins"))

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        prompt = state.current.prompt
        question = state.question or prompt or t("host.intro.no_question")
        self.query_one("#intro-question", Texty).show(question)
        purpose = state.report_texts.get("purpose")
        shown = self.query_one("#intro-purpose", Texty)
        shown.display = bool(purpose and purpose.text)
        shown.show(f"{t('export.text.purpose')}: {purpose.text}" if purpose and purpose.text else "")
        self.query_one("#check-in-title", Texty).show(t("host.intro.check_ins", n=len(state.check_ins)))
        self.query_one("#check-ins", CardWall).set_cards(note_cards(state, state.check_ins))
        series = self.query_one("#intro-series", Texty)
        series.display = state.series is not None
        if state.series is not None:
            series.show(t("host.intro.follows", title=state.series.follows.title, n=len(state.series.open_actions)))

    def available(self, action: str, state: State) -> bool:
        if action == "follow":  # a series is chosen before the day starts
            return state.series is None and state.phase == 0
        return True

    def action_follow(self) -> None:
        """Follow an earlier session: its facilitator token proves the right to its record."""

        def follow(token: str | None) -> None:
            if token and token.strip():
                self.propose(c.FollowSession(id=new_id(), token=token.strip()))

        # A secret on a projected screen: typed blind.
        prompt = TextPrompt(t("host.intro.follow_prompt"), hint=t("host.intro.follow_hint"), password=True)
        self.app.push_screen(prompt, follow)
