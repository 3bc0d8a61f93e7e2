"""Nothing a participant writes becomes markup in a Markdown or HTML report.

* ``kompsesjon.export.markdown.escape``, in every context the renderer puts
  user text (a paragraph or field, a list item, a heading, bold inside a
  ranked list), for any text the server accepts — built line by line from
  Markdown's own syntax (list markers, quotes, fences, headings, tables,
  entities, autolinks, raw HTML, indentation, blank lines) and any Unicode —
  is parsed by markdown-it-py into nothing but that text: no emphasis, link,
  image, code, HTML, heading, list, quote or table the renderer did not put
  there itself, and the same characters in the same order.
* A whole report (the real engine, every kind of user text in it) rendered as
  HTML and read back with ``html.parser`` has only the renderer's own tags and
  attributes, and every user text is there as data, character for character;
  rendered as Markdown it holds no HTML, link, image or code at all.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from export.sessions import NOW, Script
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from kompsesjon.export.document import Bars, Table, build_document
from kompsesjon.export.html import render_html
from kompsesjon.export.markdown import escape, render_markdown
from kompsesjon.export.report import build_report
from kompsesjon.method import Rejection, participant
from kompsesjon.method import commands as c
from kompsesjon.method.text import clean

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])

PIECES = [
    *"\\`*_[]<>|~#!()&;:-+=.0123456789 ",
    "http://127.0.0.1/",
    "<http://127.0.0.1>",
    "&amp;",
    "&#123;",
    "&#x41;",
    "&copy;",
    "<script>",
    "</p>",
    "<!-- x -->",
    "<?php",
    "<![CDATA[",
    "![x](y)",
    "[x](y)",
    "[x]",
    "***",
    "___",
    "**",
    "__",
    "~~",
    "```",
    "~~~",
    "|a|b|",
    "\\\n",
    "  ",
    "[bold]",
    "[/]",
    "æøå",
    "e\u0301",
    "עברית",
    "🙂",
]
MARKERS = [
    "",
    "",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "2) ",
    "10. ",
    "> ",
    "# ",
    "###### ",
    "#",
    "=",
    "==",
    "---",
    "***",
    "___",
    "```",
    "~~~",
    "<div>",
    "<!--",
    "|",
    "[a]: /x",
    "-",
    "1.",
    "<",
    "&",
    "\\",
    "    ",
    "\t",
]
words = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=4).map("".join)
line = st.tuples(st.sampled_from(["", " ", "  ", "   ", "    ", "\t", "      "]), st.sampled_from(MARKERS), words).map(
    "".join
)
multiline = st.lists(st.tuples(line, st.sampled_from(["\n", "\n\n", "\n \n", "\n\n\n"])), min_size=1, max_size=5).map(
    lambda parts: "".join(a + b for a, b in parts)
)

# The renderer's contexts for user text (see kompsesjon/export/markdown.py).
CONTEXTS = {
    "field": (lambda s: escape(s).replace("\n", "  \n"), set(), "plan"),
    "list item": (
        lambda s: ("- " + escape(s).replace("\n", "  \n")).replace("  \n", "  \n   "),
        {"bullet_list_open"},
        "plan",
    ),
    "heading": (lambda s: "## " + escape(s).replace("\n", " "), {"heading_open"}, "item"),
    "ranked": (lambda s: f"1. **{escape(s, line_start=False)}** — x", {"ordered_list_open", "strong_open"}, "item"),
}
STRUCTURE = {
    "html_inline",
    "html_block",
    "link_open",
    "image",
    "code_inline",
    "code_block",
    "fence",
    "em_open",
    "strong_open",
    "s_open",
    "heading_open",
    "bullet_list_open",
    "ordered_list_open",
    "blockquote_open",
    "hr",
    "table_open",
}


def walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)


def literal(tokens) -> str:
    """The text a reader sees: text tokens, line breaks, paragraph ends."""
    out = []
    for token in walk(tokens):
        if token.type == "text":
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak", "paragraph_close", "heading_close"):
            out.append("\n")
    return "".join(out)


def squash(text: str) -> str:
    return " ".join(text.split())


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(multiline, st.sampled_from(sorted(CONTEXTS)))
@example("--- \n- \n", "field")  # a thematic break with a space after it (found by a run)
@example("---  \n\\", "field")  # a thematic break with trailing spaces (found by this property)
def test_escaped_text_is_parsed_back_as_exactly_that_text(raw, context):
    render, allowed, kind = CONTEXTS[context]
    try:
        text = clean(kind, raw)  # what the server would store
    except Rejection:
        assume(False)
    tokens = MD.parse(render(text))
    made = {t.type for t in walk(tokens)} & STRUCTURE
    assert made <= allowed, f"{context}: {text!r} became {made - allowed}"
    expected = text + " — x" if context == "ranked" else text
    assert squash(literal(tokens)) == squash(expected), f"{context}: {text!r} read back differently"


def test_indentation_after_a_blank_line_is_not_a_code_block():
    # Found by the property above: "    b" after an empty line was a code block.
    for text in ("a\n\n    b", "a\n\n\tb", "\\\n\n    \\", "- x\n\n      y"):
        tokens = MD.parse(escape(text).replace("\n", "  \n"))
        assert not {t.type for t in walk(tokens)} & {"code_block", "bullet_list_open"}, text


# ---- a whole report --------------------------------------------------------------

texts = st.one_of(multiline, words, st.sampled_from(PIECES))


def build(fields: dict[str, tuple[str, str, str]]):
    """A Future Workshop from start to end with ``fields`` as everybody's text."""
    s = Script()

    def text(kind: str, value: str, fallback: str) -> str:
        try:
            clean(kind, value)
            return value
        except Rejection:
            return fallback

    f = {k: text(kind, v, fallback) for k, (kind, v, fallback) in fields.items()}
    s.host(c.EditSession, title=f["title"], question=f["question"])
    kari = s.join(f["name"], f["org"])
    ola = s.join("Ola", "Fauske")
    s.do(participant(kari), c.CheckIn, text=f["check_in"])
    s.advance()
    s.do(participant(kari), c.AddItem, board="critique", text=f["card"])
    s.do(participant(ola), c.AddItem, board="critique", text="To")
    s.do(participant(ola), c.AddItem, board="critique", text="Tre")
    s.advance()  # cluster: the cards are revealed
    s.host(c.Merge, board="critique", cards=["K2", "K3"], title=f["theme"])
    s.advance()
    s.do(participant(kari), c.PlaceDot, board="critique", card="K1")
    s.do(participant(ola), c.PlaceDot, board="critique", card="T1")
    while s.state.current.kind.value != "islands":
        s.advance()
    s.host(c.CreateIsland, title=f["island"], links=[c.LinkRef(board="critique", card="K1")])
    for pid in (kari, ola):
        s.do(participant(pid), c.ChooseIsland, island="I1")
    s.advance()
    s.do(participant(kari), c.EditPlan, island="I1", field="what", text=f["plan"], base_version=0)
    s.do(participant(ola), c.EditPlan, island="I1", field="how", text=f["plan2"], base_version=0)
    s.advance()
    s.host(c.AddNextStep, text=f["step"])
    s.host(c.SetNextMeeting, text=f["meeting"])
    s.do(participant(ola), c.CheckOut, text=f["check_out"])
    stored = {k: clean(fields[k][0], v) for k, v in f.items()}
    return build_report(s.state, code="K7PQ2M", exported_at=NOW + 3600), stored


class Reader(HTMLParser):
    TAGS = {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "h2",
        "h3",
        "h4",
        "p",
        "ul",
        "ol",
        "li",
        "strong",
        "span",
        "div",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "br",
    }
    ATTRS = {"lang", "charset", "name", "content", "class", "style", "scope"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name not in self.ATTRS or (name == "style" and not re.fullmatch(r"width:\d+%", value or "")):
                self.problems.append(f"attribute {name}={value!r} on <{tag}>")

    def handle_data(self, data):
        self.data.append(data)

    def handle_comment(self, data):
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl):
        if decl != "DOCTYPE html":
            self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data):
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data):
        self.problems.append(f"declaration {data!r}")


@settings(max_examples=60, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "title": texts,
            "question": texts,
            "name": texts,
            "org": texts,
            "check_in": texts,
            "card": texts,
            "theme": texts,
            "island": texts,
            "plan": texts,
            "plan2": texts,
            "step": texts,
            "meeting": texts,
            "check_out": texts,
        }
    )
)
def test_every_user_text_in_a_report_stays_text(values):
    kinds = {
        "title": "title",
        "question": "question",
        "name": "name",
        "org": "org",
        "check_in": "note",
        "card": "item",
        "theme": "title",
        "island": "title",
        "plan": "plan",
        "plan2": "plan",
        "step": "step",
        "meeting": "step",
        "check_out": "note",
    }
    fields = {k: (kinds[k], v, f"tekst {k}") for k, v in values.items()}
    report, stored = build(fields)

    html = render_html(report)
    reader = Reader()
    reader.feed(html)
    reader.close()
    assert not reader.problems, reader.problems
    data = "".join(reader.data)
    for key, text in stored.items():
        for part in text.split("\n"):
            assert part.strip() in data, f"{key}: {part!r} is not in the HTML as text"

    tokens = MD.parse(render_markdown(report))
    found = {t.type for t in walk(tokens)}
    assert not found & {
        "html_inline",
        "html_block",
        "link_open",
        "image",
        "code_inline",
        "code_block",
        "fence",
        "s_open",
        "blockquote_open",
    }, found
    # The only tables are the renderer's own (attendance, the evaluation's bars).
    own = sum(isinstance(b, (Table, Bars)) for b in build_document(report))
    assert sum(t.type == "table_open" for t in walk(tokens)) == own
    seen = squash(literal(tokens))
    for key, text in stored.items():
        assert squash(text) in seen, f"{key}: {text!r} is not in the Markdown as text"
