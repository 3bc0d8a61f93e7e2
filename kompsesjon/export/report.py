"""The report: one typed structure built from a session's state.

Every export format (JSON, Markdown, CSV, HTML) renders this same structure,
so they cannot disagree about what happened, and the JSON schema in
``docs/report.schema.json`` is generated from these models. In anonymous
sessions the report is built from the facilitator's view, which holds no
authors.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from kompsesjon.method import State
from kompsesjon.method.agenda import ANSWER_PHASES, BoardKind, PhaseKind
from kompsesjon.method.clustering import members, unit_title
from kompsesjon.method.group_work import answer, follow_up_groups, questions_of
from kompsesjon.method.islands import active_islands, island_members
from kompsesjon.method.state import PLAN_FIELDS
from kompsesjon.method.visibility import FACILITATOR_VIEW, view_state
from kompsesjon.method.voting import live_tally, ranking

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


class Person(BaseModel):
    name: str
    org: str
    removed: bool = False


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


class BoardReport(BaseModel):
    id: str
    kind: str = Field(description="critique or vision")
    list_name: str = Field(description="bottom_list or top_list")
    cards: list[Card]
    themes: list[ThemeEntry]
    votes_revealed: bool
    ranking: list[Ranked]


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


class IslandReport(BaseModel):
    id: str
    title: str
    links: list[Link]
    members: list[Person]
    plan: Plan


class QuestionEntry(BaseModel):
    text: str
    sub: list[str] = []


class GroupAnswers(BaseModel):
    group: str = Field(description="group id (G3), or org:<name> in a follow-up")
    label: str = Field(description="organisation name in a follow-up, else empty")
    members: list[Person]
    rapporteur: str | None = None
    host: str | None = Field(default=None, description="table host")
    answers: list[str] = Field(description="one per question, in order ('' when none)")


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


class RedCard(BaseModel):
    id: str
    item: str | None
    note: str
    dismissed: bool


class Report(BaseModel):
    format: str = REPORT_FORMAT
    version: int = REPORT_VERSION
    exported_at: float | None = None
    session: SessionInfo
    rules: dict[str, int | bool]
    agenda: list[dict]
    participants: list[Person]
    check_ins: list[Note]
    boards: list[BoardReport]
    red_cards: list[RedCard]
    islands: list[IslandReport]
    rounds: list[Round] = []
    next_steps: list[str]
    next_meeting: str
    check_outs: list[Note]

    def board(self, kind: str) -> BoardReport | None:
        return next((b for b in self.boards if b.kind == kind), None)


def build_report(state: State, *, code: str = "", exported_at: float | None = None) -> Report:
    seen = view_state(state, FACILITATOR_VIEW)  # no authors in anonymous sessions
    people = seen.participants

    def name(pid: str | None) -> str | None:
        if pid is None or pid not in people:
            return None
        return people[pid].name or None

    boards = []
    for board_id, board in seen.boards.items():
        revealed = board.vote.revealed
        entries = revealed if revealed is not None else live_tally(seen, board_id)
        boards.append(
            BoardReport(
                id=board_id,
                kind=board.spec.kind.value,
                list_name=LIST_NAMES.get(board.spec.kind, "list"),
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
                        on_list=r.rank <= seen.rules.list_cut,
                    )
                    for r in ranking(seen, board_id, entries)
                ],
            )
        )

    islands = []
    for island in active_islands(seen):
        plan = seen.plans.get(island.id, {})
        islands.append(
            IslandReport(
                id=island.id,
                title=island.title,
                links=[Link(board=k.board, unit=k.unit, title=unit_title(seen, k.unit)) for k in island.links],
                members=[
                    Person(name=people[p].name, org=people[p].org)
                    for p in island_members(seen, island.id)
                    if p in people
                ],
                plan=Plan(**{f: plan[f].text for f in PLAN_FIELDS if f in plan}),
            )
        )

    rounds = [_round(seen, n, name) for n, phase in enumerate(seen.agenda) if phase.kind in ANSWER_PHASES]

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
        ),
        rules=seen.rules.model_dump(),
        agenda=[p.model_dump(mode="json") for p in seen.agenda],
        participants=[Person(name=p.name, org=p.org, removed=p.removed) for p in people.values()],
        check_ins=[Note(text=n.text, author=name(n.author)) for n in seen.check_ins.values()],
        boards=boards,
        red_cards=[RedCard(id=r.id, item=r.item, note=r.note, dismissed=r.dismissed) for r in seen.red_cards.values()],
        islands=islands,
        rounds=rounds,
        next_steps=[s.text for s in seen.next_steps.values() if not s.removed],
        next_meeting=seen.next_meeting,
        check_outs=[Note(text=n.text, author=name(n.author)) for n in seen.check_outs.values()],
    )


def _round(seen: State, number: int, name) -> Round:
    phase = seen.agenda[number]
    people = seen.participants
    texts = questions_of(seen, number)
    if phase.questions:
        questions = [QuestionEntry(text=q.text, sub=list(q.sub)) for q in phase.questions]
    else:
        questions = [QuestionEntry(text=text) for text in texts]

    def answers_of(group: str) -> list[str]:
        return [(a.text if (a := answer(seen, number, q, group)) else "") for q in range(len(texts))]

    groups: list[GroupAnswers] = []
    if phase.kind == PhaseKind.FOLLOW_UP:
        for key, pids in follow_up_groups(seen).items():
            label = next((people[p].org for p in pids if people[p].org), "")
            groups.append(
                GroupAnswers(
                    group=key,
                    label=label,
                    members=[Person(name=people[p].name, org=people[p].org) for p in pids],
                    answers=answers_of(key),
                )
            )
    else:
        answered = {k.split(":", 2)[2] for k in seen.answers if k.startswith(f"{number}:")}
        for group in seen.groups.values():
            if group.set != phase.groups or not (group.active or group.id in answered):
                continue
            groups.append(
                GroupAnswers(
                    group=group.id,
                    label="",
                    members=[Person(name=people[p].name, org=people[p].org) for p in group.members if p in people],
                    rapporteur=name(group.rapporteur),
                    host=name(group.host),
                    answers=answers_of(group.id),
                )
            )
    spec = seen.group_sets.get(phase.groups or "")
    return Round(
        phase=number,
        kind=phase.kind.value,
        title=phase.title,
        prompt=phase.prompt,
        group_set=phase.groups,
        group_set_title=spec.title if spec else "",
        questions=questions,
        groups=groups,
    )
