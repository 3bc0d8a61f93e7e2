"""Every card on the wall is in the report exactly once: Markdown, HTML and Word.

Hypothesis writes cards on both boards of a Future Workshop (texts with
Markdown, HTML and Rich syntax in them), withdraws some, merges others into
themes (with and without a new title, themes into themes), places dots
within the budget and stops the session in any phase from brainstorm to the
top list. Each rendered report is read back as text (markdown-it, the HTML
parser, python-docx) and every card's text must occur exactly once — ranked,
«outside the list», with no dots, or as the title a theme took from it — and
a withdrawn card's text not at all.
"""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from kompsesjon.export import render
from kompsesjon.export.report import build_report
from kompsesjon.method import FACILITATOR, Rejection, participant
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.clustering import live_units

from .sessions import Script
from .word_reader import texts

# Awkward, but every text starts with a marker no other text contains.
SUFFIX = st.text(alphabet="abc æøå*_#[]<>|`\\!&;", max_size=12)


def markdown_text(source: str) -> str:
    """The text a Markdown reader shows, one line per inline block."""
    lines = []
    for token in MarkdownIt("commonmark").enable("table").parse(source):
        if token.type == "inline":
            lines.append("".join(child.content for child in token.children or [] if child.type.startswith("text")))
    return "\n".join(lines)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def html_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    parser.close()
    return "\n".join(parser.chunks)


def step(s: Script, actor, command_type, **fields) -> bool:
    """A command that the engine may refuse (over the dot budget, a stale unit …)."""
    try:
        s.do(actor, command_type, **fields)
    except Rejection:
        return False
    return True


@st.composite
def sessions(draw):
    s = Script()
    people = [s.join(f"Person {n}", f"Kommune {n % 2}") for n in range(draw(st.integers(1, 4)))]
    stop = draw(st.sampled_from(range(1, 9)))  # the phase the session ends in (brainstorm … top list)
    written: dict[str, str] = {}
    serial = 0
    while s.state.phase < stop:
        phase = s.state.current
        board = phase.board
        if phase.kind == PhaseKind.BRAINSTORM:
            for _ in range(draw(st.integers(0, 6))):
                serial += 1
                text = f"kort{serial}§{draw(SUFFIX)}".strip()
                who = draw(st.sampled_from(people))
                (event,) = s.do(participant(who), c.AddItem, board=board, text=text)
                written[event.item.id] = text
                if draw(st.integers(0, 5)) == 0:
                    s.do(participant(who), c.WithdrawItem, item=event.item.id)
        elif phase.kind == PhaseKind.CLUSTER:
            for _ in range(draw(st.integers(0, 3))):
                units = live_units(s.state, board)
                if len(units) < 2:
                    break
                picked = draw(st.lists(st.sampled_from(units), min_size=2, max_size=3, unique=True))
                serial += 1
                title = draw(st.sampled_from(["", f"tema{serial}¤"]))
                s.host(c.Merge, board=board, cards=picked, title=title)
        elif phase.kind == PhaseKind.VOTE:
            units = live_units(s.state, board)
            for who in people:
                for _ in range(draw(st.integers(0, 5)) if units else 0):
                    step(s, participant(who), c.PlaceDot, board=board, card=draw(st.sampled_from(units)))
        if s.state.phase < stop:
            s.host(c.AdvancePhase, current=s.state.phase)
    if draw(st.booleans()) and s.state.current.kind == PhaseKind.VOTE:
        step(s, FACILITATOR, c.CloseVote, board=s.state.current.board)
    withdrawn = {item for item, i in s.state.items.items() if i.withdrawn}
    return (
        s,
        {item: text for item, text in written.items() if item not in withdrawn},
        [written[item] for item in withdrawn],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sessions())
def test_every_card_appears_exactly_once_in_markdown_html_and_word(session):
    s, on_wall, withdrawn = session
    report = build_report(s.state, code="PROP01")
    shown = {
        "md": markdown_text(render(report, "md")),
        "html": html_text(render(report, "html")),
        "docx": "\n".join(texts(render(report, "docx"))),
    }
    for fmt, text in shown.items():
        for item, card in on_wall.items():
            assert text.count(card) == 1, (fmt, item, card, text)
        for card in withdrawn:
            assert text.count(card) == 0, (fmt, card)
