"""The report: one typed structure built from a session's state.

Every export format (JSON, Markdown, CSV, HTML, Word) renders this same
structure, so they cannot disagree about what happened, and the JSON schema
in ``docs/report.schema.json`` is generated from these models. In anonymous
sessions the report is built from the facilitator's view, which holds no
authors; ``names=False`` leaves every name out of any session's report.

This is the one module that reads the session's state (cards, votes, group
answers …); the renderers only read the report.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from kompsesjon.method import State
from kompsesjon.method.agenda import ANSWER_PHASES, BoardKind, PhaseKind
from kompsesjon.method.clustering import live_units, members, unit_title
from kompsesjon.method.group_work import answer, follow_up_groups, follow_up_label, group_number, question_specs
from kompsesjon.method.islands import active_islands, island_members
from kompsesjon.method.review import carry_over
from kompsesjon.method.series import Person as SeriesMember
from kompsesjon.method.series import Series
from kompsesjon.method.state import PLAN_FIELDS, REPORT_TEXTS
from kompsesjon.method.visibility import FACILITATOR_VIEW, view_state
from kompsesjon.method.voting import live_tally, ranked_list, ranking

REPORT_FORMAT = "kompsesjon.report"
REPORT_VERSION = 1

LIST_NAMES = {BoardKind.CRITIQUE: "bottom_list", BoardKind.VISION: "top_list"}


class SessionInfo(BaseModel):
    id: str
    code: str = Field(description="join code")
    title: str
    question: str = Field(description="the shared question")
    lang: str = Field(description="nb, sv or en")
    anonymous: bool = Field(description="true: no authors anywhere in the report")
    template: str
    created_at: float = Field(description="epoch seconds")
    phase: int = Field(description="index of the phase the session was in")
    phase_kind: str
    names: bool = Field(default=True, description="false: made without names (--no-names)")
    closed_at: float | None = Field(
        default=None, description="epoch seconds the facilitator closed the session to newcomers; null: still open"
    )


class Person(BaseModel):
    name: str = Field(description="'' when the report is made without names")
    org: str
    removed: bool = False
    roles: list[str] = Field(default=[], description="group roles held: rapporteur, host (table host)")
    region: str = Field(default="", description="county or region, where the session asks for it")


class ReportTexts(BaseModel):
    """The facilitator's own texts: the report's first section."""

    purpose: str = ""
    background: str = ""
    summary: str = ""
    decisions: str = ""


class Attendance(BaseModel):
    """Who took part from one organisation."""

    org: str = Field(description="the organisation as first written; '' for people who gave none")
    count: int
    people: list[Person] = Field(description="empty in anonymous sessions and in reports without names")


class Evaluation(BaseModel):
    """The check-out evaluation, summed up; never with names."""

    count: int = Field(description="how many gave an evaluation")
    average: float | None = Field(description="mean rating 1–5, null when nobody rated")
    ratings: list[int] = Field(description="how many rated 1, 2, 3, 4 and 5")
    comments: list[str] = Field(description="what we should do differently")


class Note(BaseModel):
    text: str
    author: str | None = Field(default=None, description="name; null in anonymous sessions")


class Card(BaseModel):
    id: str = Field(description="K1, V3 …")
    text: str
    author: str | None = None
    theme: str | None = Field(default=None, description="id of the theme it was merged into")
    withdrawn: bool = False


class ThemeEntry(BaseModel):
    id: str
    title: str
    inside: str | None = Field(default=None, description="theme this theme was merged into")


class Ranked(BaseModel):
    rank: int
    unit: str = Field(description="theme id, or card id of a card in no theme")
    title: str
    dots: int
    voters: int
    tie_break: str | None = Field(default=None, description="'voters' or 'earlier' when a tie on dots was broken")
    cards: list[str] = Field(description="texts of the cards in this unit")
    on_list: bool = Field(description="within the cut (the bottom/top list proper)")


class Unit(BaseModel):
    """A theme or a loose card as it stands on the wall, with what is inside it."""

    unit: str = Field(description="theme id, or card id of a card in no theme")
    title: str
    rank: int | None = Field(default=None, description="place in the ranking; null: no dots")
    dots: int = 0
    voters: int = 0
    tie_break: str | None = None
    on_list: bool = Field(default=False, description="within the cut (the bottom/top list proper)")
    cards: list[str] = Field(default=[], description="ids of the cards directly in it (a loose card: itself)")
    themes: list[Unit] = Field(default=[], description="themes merged into this one, with their cards")


class BoardReport(BaseModel):
    id: str
    kind: str = Field(description="critique or vision")
    list_name: str = Field(description="bottom_list or top_list")
    title: str = Field(default="", description="the board's own title from the template ('' : the list's name)")
    cards: list[Card]
    themes: list[ThemeEntry]
    votes_revealed: bool
    ranking: list[Ranked]
    units: list[Unit] = Field(
        default=[],
        description="every theme and card still on the wall: the ranking first, then all without dots",
    )


class Link(BaseModel):
    board: str
    unit: str
    title: str


class Plan(BaseModel):
    what: str = ""
    how: str = ""
    who: str = ""
    first_step: str = ""
    when: str = ""


class SeriesPerson(BaseModel):
    name: str = Field(description="'' when the report is made without names")
    org: str = ""


class IslandReport(BaseModel):
    id: str
    title: str
    links: list[Link]
    members: list[Person]
    plan: Plan
    owners: list[SeriesPerson] = Field(default=[], description="people named in WHO (by name and organisation)")


class QuestionEntry(BaseModel):
    text: str
    sub: list[str] = []
    part: str = Field(default="", description="the part of the round's plan this question fills")
    answer_each_sub: bool = Field(default=False, description="each sub-question has its own answer too")


class GroupAnswers(BaseModel):
    group: str = Field(description="group id (G3), or org:<name> in a follow-up")
    label: str = Field(
        description="the group's organisation or region (a follow-up's organisation, a group formed by one, "
        "or the organisation all members share), else empty"
    )
    number: int = Field(default=0, description="1, 2, 3 … within its group set, in the order formed (0: follow-up)")
    earlier: bool = Field(
        default=False, description="a group of an earlier forming of its set, formed again since (numbered apart)"
    )
    members: list[Person]
    rapporteur: str | None = None
    host: str | None = Field(default=None, description="table host")
    answers: list[str] = Field(description="one per question, in order ('' when none)")
    sub_answers: list[list[str]] = Field(
        default=[],
        description="per question: one answer per sub-question where they are answered one by one, else []",
    )


class Round(BaseModel):
    """A group-work or follow-up phase: its questions and every group's answers."""

    phase: int
    kind: str = Field(description="group_work or follow_up")
    title: str
    prompt: str
    group_set: str | None
    group_set_title: str = ""
    questions: list[QuestionEntry]
    groups: list[GroupAnswers]
    plan: str = Field(default="", description="title of the plan each group's answers fill (parts: questions)")
    reflects_on: list[str] = Field(default=[], description="the list the questions refer to (e.g. the bottom list)")
    reflects_on_list: str = Field(default="", description="which list that is: bottom_list or top_list")


class RedCard(BaseModel):
    id: str
    item: str | None
    note: str
    dismissed: bool


class ActionEntry(BaseModel):
    """What one gathering said about an action."""

    session: str
    code: str
    date: float = Field(description="the gathering's date, epoch seconds")
    status: str | None = Field(description="done, in_progress, not_started, dropped, or null: not reported")
    happened: str = Field(default="", description="what has happened")
    not_happened: str = Field(default="", description="what has not happened")
    next: str = Field(default="", description="how we go on")


class SeriesAction(BaseModel):
    """An action of the series: the plan as written, and its history."""

    id: str = Field(description="<session>:<island> of the gathering that wrote it")
    session: str
    code: str
    date: float = Field(description="when it was written (that gathering's date)")
    island: str = Field(description="the island's title")
    members: list[SeriesPerson]
    owners: list[SeriesPerson] = Field(description="people named in WHO")
    plan: Plan
    due: str = Field(description="the date in WHEN (YYYY-MM-DD), or ''")
    history: list[ActionEntry] = Field(description="each later gathering's status and notes, oldest first")
    status: str | None = Field(description="its latest status (null: none reported yet)")


class SeriesFollowUp(BaseModel):
    org: str
    question: str
    text: str


class SeriesGathering(BaseModel):
    session: str
    code: str
    title: str
    date: float
    next_meeting: str
    next_steps: list[str]
    follow_ups: list[SeriesFollowUp]
    islands: dict[str, list[SeriesPerson]] = Field(description="island title -> its members")


class SeriesReport(BaseModel):
    """The series up to and including this session (``serve --follows``)."""

    gatherings: list[SeriesGathering] = Field(description="oldest first; this session last")
    actions: list[SeriesAction] = Field(description="every action of the series, this session's own plans last")


class Report(BaseModel):
    format: str = REPORT_FORMAT
    version: int = REPORT_VERSION
    exported_at: float | None = None
    session: SessionInfo
    texts: ReportTexts = ReportTexts()
    rules: dict[str, int | bool]
    agenda: list[dict]
    participants: list[Person]
    attendance: list[Attendance] = []
    check_ins: list[Note]
    boards: list[BoardReport]
    red_cards: list[RedCard]
    islands: list[IslandReport]
    rounds: list[Round] = []
    next_steps: list[str]
    next_meeting: str
    check_outs: list[Note]
    evaluation: Evaluation | None = Field(default=None, description="null when the session asked for none")
    series: SeriesReport | None = Field(
        default=None, description="a session that follows another: the series so far (left out when null)"
    )

    def board(self, kind: str) -> BoardReport | None:
        return next((b for b in self.boards if b.kind == kind), None)

    def organisations(self) -> list[str]:
        """The organisations that took part (one spelling each), as in the attendance."""
        return [a.org for a in self.attendance if a.org]


def org_key(org: str) -> str:
    """Organisations are typed by people: «Bodø» and «bodø » are one."""
    return org.strip().casefold()  # as the engine's follow-up groups (``org_group``)


def build_report(state: State, *, code: str = "", exported_at: float | None = None, names: bool = True) -> Report:
    """The report of a session. ``names=False``: no name anywhere (authors,
    attendance, members, roles), even in a named session."""
    seen = view_state(state, FACILITATOR_VIEW)  # no authors in anonymous sessions
    people = seen.participants

    def name(pid: str | None) -> str | None:
        if not names or pid is None or pid not in people:
            return None
        return people[pid].name or None

    roles = _group_roles(seen)

    def person(pid: str) -> Person:
        p = people[pid]
        return Person(
            name=p.name if names else "", org=p.org, removed=p.removed, roles=roles.get(pid, []), region=p.region
        )

    boards = [_board(seen, board_id, name) for board_id in seen.boards]

    islands = []
    for island in active_islands(seen):
        plan = seen.plans.get(island.id, {})
        islands.append(
            IslandReport(
                id=island.id,
                title=island.title,
                links=[Link(board=k.board, unit=k.unit, title=unit_title(seen, k.unit)) for k in island.links],
                members=[person(p) for p in island_members(seen, island.id) if p in people],
                plan=Plan(**{f: plan[f].text for f in PLAN_FIELDS if f in plan}),
                owners=_series_people(seen.plan_owners.get(island.id, []), names),
            )
        )

    rounds = [_round(seen, n, name, person) for n, phase in enumerate(seen.agenda) if phase.kind in ANSWER_PHASES]
    texts = {f: seen.report_texts[f].text for f in REPORT_TEXTS if f in seen.report_texts}

    return Report(
        exported_at=exported_at,
        session=SessionInfo(
            id=seen.session,
            code=code,
            title=seen.title,
            question=seen.question,
            lang=seen.lang,
            anonymous=seen.anonymous,
            template=seen.template,
            created_at=seen.created_at,
            phase=seen.phase,
            phase_kind=seen.current.kind.value,
            names=names,
            closed_at=seen.closed_at,
        ),
        texts=ReportTexts(**texts),
        rules=seen.rules.model_dump(),
        agenda=[p.model_dump(mode="json") for p in seen.agenda],
        participants=[person(pid) for pid in people],
        attendance=_attendance(seen, person, listed=names and not seen.anonymous),
        check_ins=[Note(text=n.text, author=name(n.author)) for n in seen.check_ins.values()],
        boards=boards,
        red_cards=[RedCard(id=r.id, item=r.item, note=r.note, dismissed=r.dismissed) for r in seen.red_cards.values()],
        islands=islands,
        rounds=rounds,
        next_steps=[s.text for s in seen.next_steps.values() if not s.removed],
        next_meeting=seen.next_meeting,
        check_outs=[Note(text=n.text, author=name(n.author)) for n in seen.check_outs.values()],
        evaluation=_evaluation(seen),
        series=series_report(carry_over(seen, code), names=names) if seen.series is not None else None,
    )


def series_report(series: Series, *, names: bool = True) -> SeriesReport:
    """The series as the report shows it: ``series`` is what a session that
    followed this one would carry over (see :func:`~kompsesjon.method.review.carry_over`)."""
    return SeriesReport(
        gatherings=[
            SeriesGathering(
                session=g.session,
                code=g.code,
                title=g.title,
                date=g.date,
                next_meeting=g.next_meeting,
                next_steps=list(g.next_steps),
                follow_ups=[SeriesFollowUp(org=f.org, question=f.question, text=f.text) for f in g.follow_ups],
                islands={i.title: _series_people(i.members, names) for i in g.islands},
            )
            for g in series.gatherings
        ],
        actions=[
            SeriesAction(
                id=a.id,
                session=a.session,
                code=a.code,
                date=a.date,
                island=a.island,
                members=_series_people(a.members, names),
                owners=_series_people(a.owners, names),
                plan=Plan(**{f: getattr(a, f) for f in PLAN_FIELDS}),
                due=a.due,
                history=[ActionEntry(**e.model_dump()) for e in a.history],
                status=a.status,
            )
            for a in series.actions
        ],
    )


def _series_people(listed: Iterable[SeriesMember], names: bool) -> list[SeriesPerson]:
    """People known by name and organisation; only the organisation without names."""
    return [SeriesPerson(name=p.name if names else "", org=p.org) for p in listed]


def _group_roles(seen: State) -> dict[str, list[str]]:
    """Participant -> the group roles they hold in groups still at work."""
    out: dict[str, list[str]] = {}
    for group in seen.groups.values():
        if not group.active:
            continue
        for role in ("rapporteur", "host"):
            pid = getattr(group, role)
            if pid is not None and role not in out.setdefault(pid, []):
                out[pid].append(role)
    return out


def _attendance(seen: State, person, *, listed: bool) -> list[Attendance]:
    """Who took part, by organisation (first-seen spelling), largest first."""
    by_org: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for p in seen.participants.values():
        if p.removed:
            continue
        key = org_key(p.org)
        spelling.setdefault(key, p.org.strip())
        by_org.setdefault(key, []).append(p.id)
    rows = [
        Attendance(org=spelling[key], count=len(pids), people=[person(pid) for pid in pids] if listed else [])
        for key, pids in by_org.items()
    ]
    # Organisations by size, then name; people without one last.
    return sorted(rows, key=lambda a: (not a.org, -a.count, a.org.casefold()))


def _evaluation(seen: State) -> Evaluation | None:
    given = list(seen.evaluations.values())
    if not seen.rules.evaluation and not given:
        return None
    rated = [e.rating for e in given if e.rating is not None]
    return Evaluation(
        count=len(given),
        average=round(sum(rated) / len(rated), 2) if rated else None,
        ratings=[rated.count(n) for n in range(1, 6)],
        comments=[e.text for e in given if e.text],
    )


def _board(seen: State, board_id: str, name) -> BoardReport:
    board = seen.boards[board_id]
    revealed = board.vote.revealed
    entries = revealed if revealed is not None else live_tally(seen, board_id)
    ranked = ranking(seen, board_id, entries)
    cut = seen.rules.list_cut
    placed: set[str] = set()  # cards already in a unit: each card appears once

    def unit(unit_id: str, r=None) -> Unit:
        theme = seen.themes.get(unit_id)
        if theme is None:  # a loose card
            item = seen.items.get(unit_id)
            cards = [unit_id] if item is not None and not item.withdrawn and unit_id not in placed else []
            inner: list[Unit] = []
        else:
            cards = [
                i.id
                for i in seen.items.values()
                if i.theme == unit_id and not i.withdrawn and i.board == board_id and i.id not in placed
            ]
            inner = [unit(t.id) for t in seen.themes.values() if t.merged_into == unit_id]
            inner = [u for u in inner if u.cards or u.themes]
        placed.update(cards)
        return Unit(
            unit=unit_id,
            title=unit_title(seen, unit_id),
            rank=r.rank if r else None,
            dots=r.dots if r else 0,
            voters=r.voters if r else 0,
            tie_break=r.tie_break if r else None,
            on_list=bool(r and r.rank <= cut),
            cards=cards,
            themes=inner,
        )

    units = [unit(r.unit, r) for r in ranked]
    ranked_ids = {r.unit for r in ranked}
    units += [unit(u) for u in live_units(seen, board_id) if u not in ranked_ids]
    return BoardReport(
        id=board_id,
        kind=board.spec.kind.value,
        list_name=LIST_NAMES.get(board.spec.kind, "list"),
        title=board.spec.title,
        cards=[
            Card(id=i.id, text=i.text, author=name(i.author), theme=i.theme, withdrawn=i.withdrawn)
            for i in seen.items.values()
            if i.board == board_id
        ],
        themes=[
            ThemeEntry(id=t.id, title=t.title, inside=t.merged_into)
            for t in seen.themes.values()
            if t.board == board_id
        ],
        votes_revealed=revealed is not None,
        ranking=[
            Ranked(
                rank=r.rank,
                unit=r.unit,
                title=unit_title(seen, r.unit),
                dots=r.dots,
                voters=r.voters,
                tie_break=r.tie_break,
                cards=[i.text for i in members(seen, r.unit) if not i.withdrawn],
                on_list=r.rank <= cut,
            )
            for r in ranked
        ],
        units=units,
    )


def _one_org(people: list[Person]) -> str:
    """The organisation all members share, or ''."""
    keys = {org_key(p.org) for p in people}
    return people[0].org.strip() if len(keys) == 1 and people and people[0].org.strip() else ""


def _round(seen: State, number: int, name, person) -> Round:
    phase = seen.agenda[number]
    people = seen.participants
    questions = question_specs(seen, number)

    # The one place that reads group answers out of the state.
    def text_of(group: str, question: int, sub: int | None = None) -> str:
        found = answer(seen, number, question, group, sub)
        return found.text if found is not None else ""

    def entry(group: str, **fields) -> GroupAnswers:
        return GroupAnswers(
            group=group,
            answers=[text_of(group, n) for n in range(len(questions))],
            sub_answers=[
                [text_of(group, n, sub) for sub in range(len(q.sub))] if q.answer_each_sub else []
                for n, q in enumerate(questions)
            ],
            **fields,
        )

    groups: list[GroupAnswers] = []
    if phase.kind == PhaseKind.FOLLOW_UP:
        for key, pids in follow_up_groups(seen).items():
            groups.append(entry(key, label=follow_up_label(seen, key), members=[person(p) for p in pids]))
    else:
        answered = {k.group for k in seen.answers if k.phase == number}
        for group in seen.groups.values():
            if group.set != phase.groups or not (group.active or group.id in answered):
                continue
            members_ = [person(p) for p in group.members if p in people]
            groups.append(
                entry(
                    group.id,
                    label=group.label or _one_org(members_),
                    number=group_number(seen, group),
                    earlier=not group.active,
                    members=members_,
                    rapporteur=name(group.rapporteur),
                    host=name(group.host),
                )
            )
    spec = seen.group_sets.get(phase.groups or "")
    board = phase.board if phase.board in seen.boards else None
    listed = ranked_list(seen, board) if board is not None else []
    return Round(
        phase=number,
        kind=phase.kind.value,
        title=phase.title,
        prompt=phase.prompt,
        group_set=phase.groups,
        group_set_title=spec.title if spec else "",
        questions=[
            QuestionEntry(text=q.text, sub=list(q.sub), part=q.part, answer_each_sub=q.answer_each_sub)
            for q in questions
        ],
        groups=groups,
        plan=phase.plan,
        reflects_on=[unit_title(seen, r.unit) for r in listed],
        reflects_on_list=LIST_NAMES.get(seen.boards[board].spec.kind, "") if board is not None and listed else "",
    )
