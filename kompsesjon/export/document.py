"""The report as a document: an outline Markdown, HTML and Word all render.

The order of sections, the headings and the wording (in the session's
language) are decided here once; :mod:`.markdown`, :mod:`.html` and
:mod:`.docx` only know how to write each kind of block and how to keep user
text literal. :func:`build_document` makes the whole report;
:func:`build_extract` the extract one organisation (a municipality) gets.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from kompsesjon.i18n import Translator
from kompsesjon.method.agenda import SUB_LETTERS
from kompsesjon.method.series import NOTE_FIELDS
from kompsesjon.method.state import PLAN_FIELDS, REPORT_TEXTS

from .report import (
    BoardReport,
    GroupAnswers,
    IslandReport,
    Person,
    Report,
    Round,
    SeriesAction,
    SeriesPerson,
    Unit,
    org_key,
)


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
    cards: list[ListItem]  # what is inside the theme (cards, and themes with their cards)


@dataclass
class Ranking:
    """A bottom or top list: entries with their dots, drawn as bars."""

    entries: list[RankedEntry]
    head: tuple[str, str, str] = ("", "", "")  # column titles: place, theme, dots
    most: int = 0  # the dots of a full bar: the board's winner, so bars compare across tables

    @property
    def scale(self) -> int:
        return self.most or max((e.dots for e in self.entries), default=0) or 1


@dataclass
class Field:
    """A labelled, possibly multi-line answer (plan fields, group answers)."""

    label: str
    text: str
    empty: str


@dataclass
class Form:
    """Labelled answers that belong together (an action plan, a plan's parts): a table."""

    fields: list[Field]


@dataclass
class Table:
    """Rows of plain cells under a header (attendance)."""

    header: list[str]
    rows: list[list[str]]
    total: list[str] | None = None  # a last, emphasised row


@dataclass
class Bars:
    """Counts drawn as bars (the evaluation's ratings)."""

    rows: list[tuple[str, int]]  # label, count
    head: tuple[str, str] = ("", "")


@dataclass
class Contents:
    """Where a table of contents belongs (Word draws one; the others need none)."""

    title: str


Block = Heading | Para | ItemList | Ranking | Field | Form | Table | Bars | Contents


def _date(created_at: float, lang: str) -> str:
    day = datetime.datetime.fromtimestamp(created_at)
    return day.strftime("%d.%m.%Y") if lang in ("nb", "nn") else day.strftime("%Y-%m-%d")


def _closed(closed_at: float | None, t) -> list[Run]:
    """«· Lukket for nye: 15:42» once the facilitator has closed the session."""
    if closed_at is None:
        return []
    at = datetime.datetime.fromtimestamp(closed_at).strftime("%H:%M")
    return [Run(f" · {t('export.closed')}: ", strong=True), Run(at)]


def _people(people: list[Person]) -> str:
    """«Kari (Bodø), Ola (Fauske)»; without names: «Bodø, Fauske (2)»."""
    if any(p.name for p in people):
        return ", ".join(f"{p.name} ({p.org})" if p.org else p.name for p in people if p.name or p.org)
    counts: dict[str, int] = {}
    for p in people:
        if p.org:
            counts[p.org] = counts.get(p.org, 0) + 1
    return ", ".join(f"{org} ({n})" if n > 1 else org for org, n in counts.items())


class _Writer:
    """Builds the blocks of one document in one language."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.t = Translator(report.session.lang)
        self.out: list[Block] = []

    def add(self, *blocks: Block) -> None:
        self.out.extend(blocks)

    # ---- the head ------------------------------------------------------------

    def head(self, title: str, *, extract_for: str = "") -> None:
        s, t = self.report.session, self.t
        self.add(Heading(1, title))
        if extract_for:
            self.add(Para([Run(t("export.extract_for", org=extract_for), muted=True)]))
        if s.question:
            self.add(Para([Run(t("export.shared_question") + ": ", strong=True), Run(s.question)]))
        active = sum(a.count for a in self.report.attendance) or len(
            [p for p in self.report.participants if not p.removed]
        )
        self.add(
            Para(
                [
                    Run(f"{t('export.date')}: ", strong=True),
                    Run(_date(s.created_at, s.lang)),
                    *_closed(s.closed_at, t),
                    Run(f" · {t('export.participants')}: ", strong=True),
                    Run(str(active)),
                    Run(f" · {t('export.template')}: ", strong=True),
                    Run(s.template),
                ]
            )
        )
        if s.anonymous:
            self.add(Para([Run(t("export.anonymous"), muted=True)]))
        elif not s.names:
            self.add(Para([Run(t("export.no_names"), muted=True)]))
        self.add(Contents(t("export.contents")))

    def texts(self) -> None:
        """The facilitator's purpose, background, summary and decisions."""
        texts = self.report.texts
        written = [(f, getattr(texts, f)) for f in REPORT_TEXTS if getattr(texts, f).strip()]
        if not written:
            return
        self.add(Heading(2, self.t("export.about")))
        for name, text in written:
            self.add(Field(self.t(f"export.text.{name}"), text, ""))

    def attendance(self, only: str | None = None) -> None:
        t = self.t
        rows = [a for a in self.report.attendance if only is None or org_key(a.org) == only]
        if not rows:
            return
        self.add(Heading(2, t("export.attendance")))
        listed = any(a.people for a in rows)
        header = [t("export.organisation"), t("export.count")] + ([t("export.names")] if listed else [])
        body = []
        for a in rows:
            row = [a.org or t("export.no_org"), str(a.count)]
            if listed:
                row.append(", ".join(self._name_with_roles(p) for p in a.people))
            body.append(row)
        total = None
        if len(rows) > 1:
            total = [t("export.total"), str(sum(a.count for a in rows))] + ([""] if listed else [])
        self.add(Table(header, body, total))
        if self.report.session.anonymous:
            self.add(Para([Run(t("export.counts_only"), muted=True)]))

    def _name_with_roles(self, p: Person) -> str:
        roles = [self.t(f"export.{role}") for role in p.roles]
        return f"{p.name} ({', '.join(roles)})" if roles else p.name

    def notes(self, title: str, entries) -> None:
        if not entries:
            return
        self.add(Heading(2, title))
        self.add(
            ItemList(
                [ListItem([Run(n.text), *([Run(f" — {n.author}", muted=True)] if n.author else [])]) for n in entries]
            )
        )

    # ---- boards --------------------------------------------------------------

    def board_title(self, board: BoardReport) -> str:
        if board.title:
            return board.title
        name = self.t(f"export.{board.list_name}") if board.list_name in ("bottom_list", "top_list") else board.id
        same = [b for b in self.report.boards if b.list_name == board.list_name and not b.title]
        return f"{name} ({board.id})" if len(same) > 1 else name

    def board(self, board: BoardReport, *, level: int = 2, whole: bool = True) -> None:
        """A board's ranked list; ``whole``: then everything else on the wall."""
        t = self.t
        if not board.units and not board.ranking:
            return
        self.add(Heading(level, self.board_title(board)))
        ranked = [u for u in board.units if u.rank is not None]
        if not ranked:
            self.add(Para([Run(t("export.no_votes"), muted=True)]))
        elif not board.votes_revealed:
            self.add(Para([Run(t("export.not_revealed"), muted=True)]))
        texts = {c.id: c.text for c in board.cards}
        most = max((u.dots for u in ranked), default=0)
        on_list = [u for u in ranked if u.on_list]
        if on_list:
            self.add(self._ranking(on_list, texts, most))
        if not whole:
            return
        below = [u for u in ranked if not u.on_list]
        unvoted = [u for u in board.units if u.rank is None]
        if below or unvoted:
            self.add(Heading(level + 1, t("export.outside_list")))
        if below:
            self.add(self._ranking(below, texts, most))
        if unvoted:
            if ranked:
                self.add(Para([Run(t("export.no_dots"), strong=True)]))
            self.add(ItemList([self._unit_item(u, texts) for u in unvoted]))
        withdrawn = sum(1 for c in board.cards if c.withdrawn)
        if withdrawn:
            self.add(Para([Run(self.t.n("export.withdrawn", withdrawn), muted=True)]))

    def _ranking(self, units: list[Unit], texts: dict[str, str], most: int) -> Ranking:
        t = self.t
        return Ranking(
            [
                RankedEntry(
                    rank=u.rank or 0,
                    title=u.title,
                    dots=u.dots,
                    detail=f"{self.t.n('export.dots', u.dots)}, {self.t.n('export.voters', u.voters)}",
                    note=t(f"tie.{u.tie_break}") if u.tie_break else "",
                    cards=self._inside(u, texts),
                )
                for u in units
            ],
            head=(t("export.place"), t("export.theme"), t("export.dots_head")),
            most=most,
        )

    def _inside(self, unit: Unit, texts: dict[str, str], title: str | None = None) -> list[ListItem]:
        """The cards of a unit and its inner themes. A title is never repeated:
        a card or an inner theme that carries the title shown above it (a merge
        without a new title keeps the first one's) is not written again."""
        title = unit.title if title is None else title
        items = [ListItem([Run(texts.get(c, c))]) for c in unit.cards if texts.get(c, c) != title]
        same = sum(1 for c in unit.cards if texts.get(c, c) == title)
        if same > 1:  # several people wrote the title's words: say how many
            items.insert(0, ListItem([Run(self.t("export.same_cards", n=same), muted=True)]))
        for inner in unit.themes:
            if inner.title == title:
                items += self._inside(inner, texts, title)
            else:
                items.append(self._unit_item(inner, texts))
        return items

    def _unit_item(self, unit: Unit, texts: dict[str, str]) -> ListItem:
        return ListItem([Run(unit.title, strong=bool(unit.themes) or len(unit.cards) > 1)], self._inside(unit, texts))

    # ---- islands, rounds, the end -------------------------------------------

    def island(self, n: int, island: IslandReport, level: int = 3) -> None:
        t = self.t
        self.add(Heading(level, f"{t('export.island')} {n}: {island.title}"))
        if island.links:
            self.add(Para([Run(t("export.linked") + ": ", strong=True), Run("; ".join(k.title for k in island.links))]))
        if island.members:
            self.add(Para([Run(t("export.members") + ": ", strong=True), Run(_people(island.members))]))
        if island.owners:
            self.add(Para([Run(t("export.owners") + ": ", strong=True), Run(_series_people(island.owners))]))
        self.add(
            Form([Field(t(f"plan.{name}"), getattr(island.plan, name), t("export.no_answer")) for name in PLAN_FIELDS])
        )

    def group_name(self, r: Round, group: GroupAnswers) -> str:
        # Groups formed again (latecomers came) keep what they wrote, under a
        # name that tells them from the new groups, which are numbered anew.
        earlier = f" ({self.t('export.earlier_grouping')})" if group.earlier else ""
        if group.label:
            same = [
                g
                for g in r.groups
                if g.label and org_key(g.label) == org_key(group.label) and g.earlier == group.earlier
            ]
            if len(same) > 1:
                return f"{group.label} ({same.index(group) + 1}){earlier}"
            return group.label + earlier
        return f"{self.t('export.group')} {group.number or r.groups.index(group) + 1}{earlier}"

    def round(self, r: Round, *, level: int, default_title: str = "", groups: list[GroupAnswers] | None = None):
        t = self.t
        self.add(Heading(level, r.title or default_title or r.group_set_title))
        if r.prompt:
            self.add(Para([Run(r.prompt, muted=True)]))
        questions = [q for q in r.questions if not q.part]
        if questions:
            self.add(
                ItemList(
                    [ListItem([Run(q.text)], [ListItem([Run(sub)]) for sub in q.sub]) for q in questions],
                    ordered=True,
                )
            )
        for group in r.groups if groups is None else groups:
            self.add(Heading(level + 1, self.group_name(r, group)))
            who = _people(group.members)
            roles = []
            if group.rapporteur:
                roles.append(f"{t('export.rapporteur')}: {group.rapporteur}")
            if group.host:
                roles.append(f"{t('export.host')}: {group.host}")
            if who or roles:
                self.add(Para([Run(who), *([Run(" · " + " · ".join(roles), muted=True)] if roles else [])]))
            asked = [(m, q) for m, q in enumerate(r.questions) if not q.part]
            for n, (m, question) in enumerate(asked, start=1):
                text = group.answers[m] if m < len(group.answers) else ""
                self.add(Field(f"{n}. {question.text}", text, t("export.no_answer")))
                # Sub-questions answered one by one: 2a, 2b … under their question.
                subs = group.sub_answers[m] if m < len(group.sub_answers) else []
                for letter, (sub, sub_text) in zip(SUB_LETTERS, zip(question.sub, subs, strict=False), strict=False):
                    self.add(Field(f"{n}{letter}. {sub}", sub_text, t("export.no_answer")))
            if r.plan:
                self.plan(r, group, level=level + 2)

    def plan(self, r: Round, group: GroupAnswers, *, level: int) -> None:
        """A group's plan (seed 004: the municipality's seven parts); empty parts marked."""
        parts = [(q.part, text) for q, text in zip(r.questions, group.answers, strict=False) if q.part]
        self.add(Heading(level, r.plan))
        self.add(Form([Field(part, text, self.t("export.not_filled")) for part, text in parts]))

    def closing(self) -> None:
        t, report = self.t, self.report
        if report.next_steps or report.next_meeting:
            self.add(Heading(2, t("export.next_steps")))
            if report.next_steps:
                self.add(ItemList([ListItem([Run(step)]) for step in report.next_steps]))
            if report.next_meeting:
                self.add(Para([Run(t("export.next_meeting") + ": ", strong=True), Run(report.next_meeting)]))

    # ---- a series --------------------------------------------------------------

    def status(self, status: str | None) -> str:
        return self.t(f"action_status.{status or 'none'}")

    def action(self, action: SeriesAction, *, level: int) -> None:
        """An action as written, then what each later gathering said about it."""
        t, lang = self.t, self.report.session.lang
        title = action.island or action.plan.what
        self.add(Heading(level, f"{title} – {self.status(action.status)}"))
        meta = [Run(t("export.written") + ": ", strong=True), Run(_date(action.date, lang))]
        if action.members:
            meta += [Run(f" · {t('export.members_of')}: ", strong=True), Run(_series_people(action.members))]
        if action.owners:
            meta += [Run(f" · {t('export.owners')}: ", strong=True), Run(_series_people(action.owners))]
        if action.due:
            meta += [Run(f" · {t('export.due')}: ", strong=True), Run(action.due)]
        self.add(Para(meta))
        self.add(Form([Field(t(f"plan.{f}"), getattr(action.plan, f), t("export.not_filled")) for f in PLAN_FIELDS]))
        if action.history:
            header = [t("export.date"), t("export.status")] + [t(f"review.{f}") for f in NOTE_FIELDS]
            rows = [
                [_date(e.date, lang), self.status(e.status), *(getattr(e, f) for f in NOTE_FIELDS)]
                for e in action.history
            ]
            self.add(Table(header, rows))

    def carried(self) -> None:
        """In a session that follows another: the actions it followed up."""
        series = self.report.series
        if series is None:
            return
        carried = [a for a in series.actions if a.session != self.report.session.id]
        if not carried:
            return
        self.add(Heading(2, self.t("export.series")))
        for action in carried:
            self.action(action, level=3)

    def evaluation(self) -> None:
        t, e = self.t, self.report.evaluation
        if e is None:
            return
        self.add(Heading(2, t("export.evaluation")))
        if not e.count:
            self.add(Para([Run(t("export.no_evaluations"), muted=True)]))
            return
        summary = [Run(self.t.n("export.evaluations", e.count))]
        if e.average is not None:
            average = f"{e.average:.1f}".replace(".", "," if self.report.session.lang != "en" else ".")
            summary.append(Run(" · " + t("export.average", average=average)))
        self.add(Para(summary))
        if any(e.ratings):
            self.add(
                Bars(
                    [(str(n), e.ratings[n - 1]) for n in range(5, 0, -1)], head=(t("export.rating"), t("export.count"))
                )
            )
        if e.comments:
            self.add(Para([Run(t("export.differently"), strong=True)]))
            self.add(ItemList([ListItem([Run(text)]) for text in e.comments]))


def build_document(report: Report) -> list[Block]:
    w = _Writer(report)
    t = w.t
    w.head(report.session.title)
    w.texts()
    w.attendance()
    w.notes(t("export.check_ins"), report.check_ins)
    w.carried()
    for board in report.boards:
        w.board(board)

    if report.islands:
        w.add(Heading(2, t("export.islands")))
        for n, island in enumerate(report.islands, start=1):
            w.island(n, island)

    # In the order of the agenda; consecutive group rounds under one heading.
    previous = ""
    for r in report.rounds:
        if r.kind == "group_work":
            if previous != "group_work":
                w.add(Heading(2, t("export.rounds")))
            w.round(r, level=3)
        else:
            w.round(r, level=2, default_title=t("export.follow_up"))
        previous = r.kind

    w.closing()
    w.notes(t("export.check_outs"), report.check_outs)
    w.evaluation()
    w.add(Para([Run(t("export.generated"), muted=True)]))
    return w.out


def _has_org(people: list[Person], key: str) -> bool:
    return any(org_key(p.org) == key for p in people)


def build_extract(report: Report, org: str) -> list[Block]:
    """What one organisation takes home: its plan, its groups' answers, its
    follow-up and the action plans its people are on, with the common lists."""
    key = org_key(org)
    w = _Writer(report)
    t = w.t
    w.head(f"{report.session.title} – {org}", extract_for=org)
    w.texts()
    w.attendance(only=key)

    rounds = [r for r in report.rounds if r.kind == "group_work"]
    mine = {r.phase: [g for g in r.groups if _has_org(g.members, key)] for r in rounds}
    for r in rounds:  # the organisation's own plan first: it is what they take home
        if r.plan and mine[r.phase]:
            w.add(Heading(2, f"{r.plan} – {org}"))
            for group in mine[r.phase]:
                if len(mine[r.phase]) > 1:
                    w.add(Heading(3, w.group_name(r, group)))
                parts = [(q.part, text) for q, text in zip(r.questions, group.answers, strict=False) if q.part]
                w.add(Form([Field(part, text, t("export.not_filled")) for part, text in parts]))

    islands = [(n, i) for n, i in enumerate(report.islands, start=1) if _has_org(i.members, key)]
    if islands:
        w.add(Heading(2, t("export.islands_of", org=org)))
        for n, island in islands:
            w.island(n, island)

    answered = [r for r in rounds if mine[r.phase]]
    if answered:
        w.add(Heading(2, t("export.rounds")))
        for r in answered:
            w.round(r.model_copy(update={"plan": ""}), level=3, groups=mine[r.phase])

    for r in (r for r in report.rounds if r.kind == "follow_up"):
        ours = [g for g in r.groups if org_key(g.label) == key]
        if ours:
            w.round(r, level=2, default_title=t("export.follow_up"), groups=ours)

    lists = [b for b in report.boards if any(u.on_list for u in b.units)]
    if lists:
        w.add(Heading(2, t("export.common_lists")))
        for board in lists:
            w.board(board, level=3, whole=False)
    w.closing()
    w.add(Para([Run(t("export.generated"), muted=True)]))
    return w.out


def _series_people(people: list[SeriesPerson]) -> str:
    return _people([Person(name=p.name, org=p.org) for p in people])


def build_series(report: Report) -> list[Block]:
    """The series a session belongs to (``export --series``): its gatherings,
    then every action with its history, then the next meeting."""
    series = report.series
    assert series is not None
    w = _Writer(report)
    t, lang = w.t, report.session.lang
    first, last = series.gatherings[0].title, series.gatherings[-1].title
    w.add(Heading(1, t("export.series_title", title=first if first == last else f"{first} – {last}")))
    w.add(Contents(t("export.contents")))
    w.add(Heading(2, t("export.gatherings")))
    w.add(
        Table(
            [t("export.date"), t("export.gathering"), t("export.code"), t("export.next_meeting")],
            [[_date(g.date, lang), g.title, g.code, g.next_meeting] for g in series.gatherings],
        )
    )
    for g in series.gatherings:
        if g.next_steps or g.follow_ups:
            w.add(Heading(3, f"{_date(g.date, lang)} – {g.title}"))
            if g.next_steps:
                w.add(Para([Run(t("export.next_steps"), strong=True)]))
                w.add(ItemList([ListItem([Run(step)]) for step in g.next_steps]))
            if g.follow_ups:
                w.add(Para([Run(t("export.follow_up"), strong=True)]))
                w.add(
                    ItemList(
                        [ListItem([Run(f"{f.org}: ", strong=True), Run(f.text)]) for f in g.follow_ups],
                    )
                )
    if series.actions:
        w.add(Heading(2, t("export.series_actions")))
        for action in series.actions:
            w.action(action, level=3)
    w.add(Para([Run(t("export.generated"), muted=True)]))
    return w.out
