"""Group rounds: writing a group's answers, the reports, local follow-up.

* ``group_work``: my group (its name, the members and their organisations,
  the rapporteur and the table host), the round's questions with their
  sub-questions, and one shared answer per question — and per sub-question
  where the template asks for that — each an
  :class:`~kompsesjon.tui.participant.versioned.VersionedEditor` like an
  action-plan field. Ctrl+R and Ctrl+T take or give up the rapporteur and
  table-host roles.
* ``report``: the discussion is locked; the group that is reporting is shown
  with its answers (mine while nobody reports).
* ``follow_up``: my organisation writes what it does at home before next time.

Ctrl+O shows what the other groups (organisations) wrote.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group as Renderables
from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import Static, TabbedContent, TabPane

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind, Question
from kompsesjon.method.group_work import (
    active_groups,
    answer_keys,
    follow_up_groups,
    group_of,
    org_group,
    question_specs,
    reporting_phases,
)
from kompsesjon.method.state import AnswerKey, Group, PlanField
from kompsesjon.method.voting import ranked_list
from kompsesjon.tui.keys import N_
from kompsesjon.tui.participant.drafts import DraftKey
from kompsesjon.tui.participant.versioned import VersionedEditor
from kompsesjon.tui.participant.views.base import VIEWS, OwnAndOthers, PhaseView
from kompsesjon.tui.text import (
    answer_number,
    group_name,
    list_name,
    organisation_name,
    person,
    phase_title,
    plain,
    unit_label,
    who,
)


class AnswerEditor(VersionedEditor):
    """A group's (or organisation's) answer to one question or sub-question."""

    def __init__(self, key: AnswerKey) -> None:
        number = answer_number(key.question, key.sub)
        super().__init__(
            t("participant.groups.answer", n=number),
            area_id=f"answer-{key.question}-{'q' if key.sub is None else key.sub}",
            classes="answer-field",
        )
        self.key = key

    def read(self, state: State, target: AnswerKey) -> PlanField:
        return state.answers.get(target) or PlanField()

    def command(self, text: str, base_version: int) -> c.EditAnswer:
        k = self.target
        return c.EditAnswer(
            id=new_id(),
            phase=k.phase,
            question=k.question,
            sub=k.sub,
            group=k.group,
            text=text,
            base_version=base_version,
        )

    def draft_key(self) -> DraftKey | None:
        k = self.target
        return ("answer", k.phase, k.question, k.sub, k.group) if k is not None else None

    def answers(self, command: Any) -> bool:
        key = AnswerKey(phase=command.phase, question=command.question, group=command.group, sub=command.sub)
        return key == self.target


def question_text(n: int, question: Question) -> Text:
    """The question, and the sub-questions that guide the talk (not answered
    on their own: those head their own editors)."""
    text = Text(f"{n + 1}. ", style="bold")
    text.append_text(plain(question.text, style="bold"))
    if not question.answer_each_sub:
        for sub in question.sub:
            text.append("\n  – ")
            text.append_text(plain(sub, style="italic"))
    return text


def asked_text(key: AnswerKey, question: Question) -> Text:
    """What an answer answers: its question, or its sub-question («  2b) …»)."""
    if key.sub is None:
        return question_text(key.question, question)
    text = Text(f"  {answer_number(key.question, key.sub)}) ", style="bold")
    text.append_text(plain(question.sub[key.sub]))
    return text


def written_answers(state: State, phase: int, group: str) -> list[RenderableType]:
    """A group's answers in a phase, read-only: each under its question."""
    out: list[RenderableType] = []
    questions = question_specs(state, phase)
    for key in answer_keys(state, phase, group):
        heading = asked_text(key, questions[key.question])
        found = state.answers.get(key)
        body = plain(found.text) if found is not None and found.text.strip() else Text("–", style="dim")
        body.pad_left(4)
        out += [heading, body]
    return out


def roles_text(state: State, group: Group) -> Text:
    def name(pid: str | None) -> str:
        return person(state, pid) if pid is not None else "–"

    return Text.assemble(
        (t("participant.groups.rapporteur") + ": ", "dim"),
        plain(name(group.rapporteur), style="bold"),
        ("   " + t("participant.groups.table_host") + ": ", "dim"),
        plain(name(group.host), style="bold"),
    )


def other_groups(state: State, mine: str | None, phases: list[int]) -> list[RenderableType]:
    """The other groups of this round, each with its answers in ``phases``."""
    out: list[RenderableType] = []
    for group in active_groups(state, state.current.groups or ""):
        if group.id == mine:
            continue
        heading = Text(group_name(state, group), style="bold reverse")
        heading.append("  ")
        heading.append_text(plain(", ".join(person(state, p) for p in group.members), style="dim"))
        out.append(heading)
        for phase in phases:
            out += written_answers(state, phase, group.id)
        out.append(Text(""))
    return out


def group_heading(state: State, group: Group, me: str | None) -> list[RenderableType]:
    """A group's name (and its set's), its members, its roles."""
    spec = state.group_sets.get(group.set)
    title = Text(group_name(state, group), style="bold reverse")
    if spec is not None and spec.title:
        title.append("  ")
        title.append_text(plain(spec.title, style="dim"))
    return [title, members_text(state, group.members, me), roles_text(state, group)]


def members_text(state: State, people: list[str], me: str | None) -> Text:
    text = Text()
    for n, pid in enumerate(people):
        if n:
            text.append(", ")
        text.append_text(plain(who(state, pid), style="bold" if pid == me else ""))
    return text


class GroupRoundView(OwnAndOthers, PhaseView):
    """What the three views share: my group (or organisation) on one tab,
    the others on the other (Ctrl+O); the answers as editors or read-only."""

    BINDINGS = [Binding("ctrl+o", "switch_tab", N_("participant.keys.other_groups"))]
    EDITS = True  # answers are written in this phase
    OWN_TAB, OTHERS_TAB, OTHERS_SCROLL = "round-own", "round-others", ".others-scroll"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._built: tuple | None = None  # (phase, group, editing) the blocks were made for

    def compose(self) -> ComposeResult:
        with TabbedContent(classes="round-tabs"):
            with TabPane(t("participant.groups.own_tab"), id="round-own"), VerticalScroll(classes="round-scroll"):
                yield Static(classes="round-info", markup=False)
                yield Static(classes="round-list", markup=False)
                yield Static(classes="round-read", markup=False)  # answers to read (no editors)
                yield Vertical(classes="round-answers")  # the editors
            with (
                TabPane(t("participant.groups.others_tab"), id="round-others"),
                VerticalScroll(classes="round-scroll others-scroll"),
            ):
                yield Static(classes="round-others", markup=False)

    # ---- what each view says ------------------------------------------------

    def mine(self, state: State) -> str | None:
        """The group (or organisation) whose answers I write or read."""
        raise NotImplementedError

    def info(self, state: State, mine: str | None) -> RenderableType:
        raise NotImplementedError

    def others(self, state: State, mine: str | None) -> list[RenderableType]:
        raise NotImplementedError

    # ---- drawing ----------------------------------------------------------

    def show(self, state: State, me: str | None) -> None:
        super().show(state, me)
        mine = self.mine(state)
        self.query_one(".round-info", Static).update(self.info(state, mine))
        listing = self.query_one(".round-list", Static)
        board = state.current.board
        listing.display = board in state.boards and state.current.kind == PhaseKind.GROUP_WORK
        if board is not None and listing.display:  # a round that reflects on a list (the bottom list) shows it
            revealed = state.boards[board].vote.revealed is not None
            entries = (
                [plain(f"{e.rank}. {unit_label(state, e.unit)}") for e in ranked_list(state, board)] if revealed else []
            )
            heading = Text(list_name(state, board), style="bold underline")
            listing.update(Renderables(heading, *(entries or [Text("–", style="dim")]), Text("")))
        editing = self.EDITS and mine is not None
        built = (state.phase, mine, editing)
        if built != self._built:
            self._built = built
            self._build(state, mine, editing)
        read = self.query_one(".round-read", Static)
        read.display = not editing
        if editing:
            for editor in self.query(AnswerEditor):
                editor.sync(state, editor.key)
        else:
            read.update(self.read_only(state, mine))
        parts = self.others(state, mine) or [Text(t("participant.groups.no_others"), style="italic")]
        self.query_one(".round-others", Static).update(Renderables(*parts))

    def read_only(self, state: State, mine: str | None) -> RenderableType:
        if mine is None:
            questions = question_specs(state, state.phase)
            return Renderables(*(question_text(n, q) for n, q in enumerate(questions)))
        return Renderables(*written_answers(state, state.phase, mine))

    def _build(self, state: State, mine: str | None, editing: bool) -> None:
        box = self.query_one(".round-answers", Vertical)
        box.remove_children()
        if not editing or mine is None:
            return
        questions = question_specs(state, state.phase)
        widgets = []
        for key in answer_keys(state, state.phase, mine):
            heading = asked_text(key, questions[key.question])
            widgets += [Static(heading, markup=False, classes="question"), AnswerEditor(key)]
        self.mounting.append(box.mount_all(widgets))  # the screen puts the cursor in once they are there

    def focus_default(self) -> None:
        editors = list(self.query(AnswerEditor))
        self.query_one(TabbedContent).active = "round-own"
        if not editors:
            self.query_one(".round-scroll").focus()
            return
        try:
            editors[0].area.focus()
        except NoMatches:  # the editors are still being built
            self.call_after_refresh(self.focus_default)

    # ---- actions ------------------------------------------------------------

    def action_save(self) -> None:
        saved = [e for e in self.query(AnswerEditor) if e.save()]
        if not saved:
            self.notify(t("participant.plans.nothing_to_save"), markup=False)

    def action_role(self, role: str) -> None:
        """Take a role in my group, or give it up (only where a view binds it)."""
        state, me = self.state, self.me
        group = group_of(state, state.current.groups or "", me) if state is not None else None
        if group is None:
            self.notify(t("participant.groups.no_group"), markup=False)
            return
        holder = getattr(group, role)
        self.propose(c.SetGroupRole(id=new_id(), group=group.id, role=role, participant=None if holder == me else me))


@VIEWS.register(PhaseKind.GROUP_WORK)
class GroupWorkView(GroupRoundView):
    BINDINGS = [
        Binding("ctrl+s", "save", N_("participant.keys.save_answers")),
        Binding("ctrl+r", "role('rapporteur')", N_("participant.keys.rapporteur")),
        Binding("ctrl+t", "role('host')", N_("participant.keys.table_host")),
    ]

    def mine(self, state: State) -> str | None:
        group = group_of(state, state.current.groups or "", self.me)
        return group.id if group is not None else None

    def info(self, state: State, mine: str | None) -> RenderableType:
        parts: list[RenderableType] = []
        if state.current.prompt:
            parts.append(plain(state.current.prompt, style="italic"))
        if mine is None:
            parts.append(Text(t("participant.groups.waiting"), style="italic"))
        else:
            parts += group_heading(state, state.groups[mine], self.me)
            parts.append(Text(t("participant.groups.help"), style="dim"))
        return Renderables(*parts)

    def others(self, state: State, mine: str | None) -> list[RenderableType]:
        return other_groups(state, mine, [state.phase])


@VIEWS.register(PhaseKind.REPORT)
class ReportView(GroupRoundView):
    """The discussion is locked: the reporting group and its answers."""

    EDITS = False
    BINDINGS = [Binding("ctrl+r", "role('rapporteur')", N_("participant.keys.rapporteur"))]

    def mine(self, state: State) -> str | None:
        presenting = state.presenting_group
        if presenting in state.groups and state.groups[presenting].set == state.current.groups:
            return presenting
        group = group_of(state, state.current.groups or "", self.me)
        return group.id if group is not None else None

    def info(self, state: State, mine: str | None) -> RenderableType:
        parts: list[RenderableType] = [Text(t("participant.groups.locked"), style="italic")]
        if state.current.prompt:
            parts.append(plain(state.current.prompt, style="dim"))
        if mine is None:
            parts.append(Text(t("participant.groups.no_group"), style="italic"))
            return Renderables(*parts)
        group = state.groups[mine]
        if mine == state.presenting_group:
            parts.append(Text(t("participant.groups.reporting_now"), style="bold"))
        else:
            parts.append(Text(t("participant.groups.reports_one_by_one"), style="dim"))
        parts += group_heading(state, group, self.me)
        return Renderables(*parts)

    def read_only(self, state: State, mine: str | None) -> RenderableType:
        if mine is None:
            return Text("")
        parts: list[RenderableType] = []
        for phase in reporting_phases(state, state.phase):
            parts += [Text(phase_title(state, phase), style="bold underline"), *written_answers(state, phase, mine)]
            parts.append(Text(""))
        return Renderables(*parts)

    def others(self, state: State, mine: str | None) -> list[RenderableType]:
        return other_groups(state, mine, reporting_phases(state, state.phase))


@VIEWS.register(PhaseKind.FOLLOW_UP)
class FollowUpView(GroupRoundView):
    """My organisation writes what it does at home before next time."""

    BINDINGS = [Binding("ctrl+s", "save", N_("participant.keys.save_answers"))]

    def mine(self, state: State) -> str | None:
        person_ = state.participants.get(self.me or "")
        if person_ is None or person_.removed:
            return None
        key = org_group(person_.org, person_.id)
        return key if key in follow_up_groups(state) else None

    def info(self, state: State, mine: str | None) -> RenderableType:
        parts: list[RenderableType] = []
        if state.current.prompt:
            parts.append(plain(state.current.prompt, style="italic"))
        if mine is not None:
            title = Text(t("participant.groups.follow_up_for") + " ", style="bold")
            title.append_text(plain(organisation_name(state, mine), style="bold reverse"))
            parts += [title, members_text(state, follow_up_groups(state)[mine], self.me)]
            parts.append(Text(t("participant.groups.follow_up_help"), style="dim"))
        return Renderables(*parts)

    def others(self, state: State, mine: str | None) -> list[RenderableType]:
        out: list[RenderableType] = []
        for key in follow_up_groups(state):
            if key == mine:
                continue
            out += [
                Text(organisation_name(state, key), style="bold reverse"),
                *written_answers(state, state.phase, key),
            ]
            out.append(Text(""))
        return out
