"""The report as a document: an outline both Markdown and HTML render.

The order of sections, the headings and the wording (in the session's
language) are decided here once; :mod:`.markdown` and :mod:`.html` only know
how to write each kind of block and how to escape user text.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from kompsesjon.i18n import Translator
from kompsesjon.method.state import PLAN_FIELDS

from .report import BoardReport, Report


@dataclass(frozen=True)
class Run:
    """A piece of text; ``strong`` and ``muted`` are the only styles."""

    text: str
    strong: bool = False
    muted: bool = False


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    runs: list[Run]


@dataclass
class ListItem:
    runs: list[Run]
    children: list[ListItem] = field(default_factory=list)


@dataclass
class ItemList:
    items: list[ListItem]
    ordered: bool = False


@dataclass
class RankedEntry:
    rank: int
    title: str
    dots: int
    detail: str  # "3 prikker, 3 stemte"
    note: str  # how a tie was broken, or ""
    cards: list[str]


@dataclass
class Ranking:
    """A bottom or top list: entries with their dots, for bars in HTML."""

    entries: list[RankedEntry]


@dataclass
class Field:
    """A labelled, possibly multi-line answer (plan fields, group answers)."""

    label: str
    text: str
    empty: str


Block = Heading | Para | ItemList | Ranking | Field


def _date(created_at: float, lang: str) -> str:
    day = datetime.datetime.fromtimestamp(created_at)
    return day.strftime("%d.%m.%Y") if lang == "nb" else day.strftime("%Y-%m-%d")


def _people(people) -> str:
    return ", ".join(f"{p.name} ({p.org})" if p.org else p.name for p in people if p.name or p.org)


def build_document(report: Report) -> list[Block]:
    s = report.session
    t = Translator(s.lang)
    out: list[Block] = [Heading(1, s.title)]
    if s.question:
        out.append(Para([Run(t("export.shared_question") + ": ", strong=True), Run(s.question)]))
    active = [p for p in report.participants if not p.removed]
    out.append(
        Para(
            [
                Run(f"{t('export.date')}: ", strong=True),
                Run(_date(s.created_at, s.lang)),
                Run(f" · {t('export.participants')}: ", strong=True),
                Run(str(len(active))),
                Run(f" · {t('export.template')}: ", strong=True),
                Run(s.template),
            ]
        )
    )
    if s.anonymous:
        out.append(Para([Run(t("export.anonymous"), muted=True)]))

    def notes(title: str, entries) -> None:
        if not entries:
            return
        out.append(Heading(2, title))
        out.append(
            ItemList(
                [ListItem([Run(n.text), *([Run(f" — {n.author}", muted=True)] if n.author else [])]) for n in entries]
            )
        )

    notes(t("export.check_ins"), report.check_ins)

    for kind, key in (("critique", "export.bottom_list"), ("vision", "export.top_list")):
        board = report.board(kind)
        if board is not None and (board.cards or board.ranking):
            out.append(Heading(2, t(key)))
            out.extend(_board(board, t))

    if report.islands:
        out.append(Heading(2, t("export.islands")))
        for n, island in enumerate(report.islands, start=1):
            out.append(Heading(3, f"{t('export.island')} {n}: {island.title}"))
            if island.links:
                out.append(
                    Para([Run(t("export.linked") + ": ", strong=True), Run("; ".join(k.title for k in island.links))])
                )
            if island.members:
                out.append(Para([Run(t("export.members") + ": ", strong=True), Run(_people(island.members))]))
            for name in PLAN_FIELDS:
                out.append(Field(t(f"plan.{name}"), getattr(island.plan, name), t("export.no_answer")))

    group_rounds = [r for r in report.rounds if r.kind == "group_work"]
    if group_rounds:
        out.append(Heading(2, t("export.rounds")))
        for r in group_rounds:
            out.extend(_round(r, t, level=3))
    for r in (r for r in report.rounds if r.kind == "follow_up"):
        out.extend(_round(r, t, level=2, default_title=t("export.follow_up")))

    if report.next_steps or report.next_meeting:
        out.append(Heading(2, t("export.next_steps")))
        if report.next_steps:
            out.append(ItemList([ListItem([Run(step)]) for step in report.next_steps]))
        if report.next_meeting:
            out.append(Para([Run(t("export.next_meeting") + ": ", strong=True), Run(report.next_meeting)]))
    notes(t("export.check_outs"), report.check_outs)
    out.append(Para([Run(t("export.generated"), muted=True)]))
    return out


def _board(board: BoardReport, t: Translator) -> list[Block]:
    if not board.ranking:
        return [Para([Run(t("export.no_votes"), muted=True)])]
    blocks: list[Block] = []
    if not board.votes_revealed:
        blocks.append(Para([Run(t("export.not_revealed"), muted=True)]))
    on_list = [r for r in board.ranking if r.on_list]
    rest = [r for r in board.ranking if not r.on_list]

    def count(key: str, n: int) -> str:
        return t(f"{key}_one", n=n) if n == 1 else t(key, n=n)

    def ranking(entries) -> Ranking:
        return Ranking(
            [
                RankedEntry(
                    rank=r.rank,
                    title=r.title,
                    dots=r.dots,
                    detail=f"{count('export.dots', r.dots)}, {count('export.voters', r.voters)}",
                    note=t(f"tie.{r.tie_break}") if r.tie_break else "",
                    cards=[c for c in r.cards if c != r.title],
                )
                for r in entries
            ]
        )

    blocks.append(ranking(on_list))
    if rest:
        blocks.append(Para([Run(t("export.outside_list"), strong=True)]))
        blocks.append(ranking(rest))
    return blocks


def _round(r, t: Translator, *, level: int, default_title: str = "") -> list[Block]:
    blocks: list[Block] = [Heading(level, r.title or default_title or r.group_set_title)]
    if r.prompt:
        blocks.append(Para([Run(r.prompt, muted=True)]))
    blocks.append(
        ItemList(
            [ListItem([Run(q.text)], [ListItem([Run(sub)]) for sub in q.sub]) for q in r.questions],
            ordered=True,
        )
    )
    for n, group in enumerate(r.groups, start=1):
        name = group.label or f"{t('export.group')} {n}"
        roles = []
        if group.rapporteur:
            roles.append(f"{t('export.rapporteur')}: {group.rapporteur}")
        if group.host:
            roles.append(f"{t('export.host')}: {group.host}")
        blocks.append(Heading(level + 1, name))
        who = _people(group.members)
        if who or roles:
            blocks.append(Para([Run(who), *([Run(" · " + " · ".join(roles), muted=True)] if roles else [])]))
        for number, (question, text) in enumerate(zip(r.questions, group.answers, strict=False), start=1):
            blocks.append(Field(f"{number}. {question.text}", text, t("export.no_answer")))
    return blocks
