"""Phases of the other methods (plenary, group rounds, reports, follow-up)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.host.header import Texty
from kompsesjon.tui.host.rows import Palette, Row, Rows
from kompsesjon.tui.host.views.base import VIEWS, PhaseView
from kompsesjon.tui.text import safe


def _question_row(n: int, text: str, sub: tuple[str, ...]):
    def make(p: Palette, width: int) -> Text:
        out = Text(f"{n}. ", style=p.accent)
        out.append(safe(text), style=p.heading)
        for line in sub:
            out.append("\n    – " + safe(line), style=p.muted)
        return out

    return make


@VIEWS.register(PhaseKind.PLENARY)
@VIEWS.register()  # and any kind without a view of its own
class OtherView(PhaseView):
    DEPENDS = frozenset({"groups_formed", "answer_edited", "group_presented"})

    def compose(self) -> ComposeResult:
        yield Texty(id="other-prompt", classes="big-question")
        yield Rows(id="questions", interactive=False, empty="")

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        phase = state.agenda[self.phase]
        self.query_one("#other-prompt", Texty).show(phase.prompt or state.question or t("host.other.no_prompt"))
        self.query_one("#questions", Rows).set_rows(
            [
                Row(f"Q{n}", (q.text, tuple(q.sub)), _question_row(n, q.text, tuple(q.sub)))
                for n, q in enumerate(phase.questions, 1)
            ]
        )
