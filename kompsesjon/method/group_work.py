"""Group rounds: dialogue conferences and case reflection.

A template defines *group sets* (base groups, cross groups, one group per
municipality …) and phases in which groups answer questions together. The
rules:

* the facilitator forms a set's groups (deterministic for a seed): mixed
  across organisations, by organisation, or "across" an earlier set so that
  cross groups bring new people together;
* in a ``group_work`` phase a group's members write one shared answer per
  question; answers are versioned and a stale edit is refused with the newer
  text, exactly like action-plan fields;
* a ``report`` phase locks the discussion: rapporteurs report group by group;
* a ``follow_up`` phase collects what each organisation does before the next
  meeting; its "group" is the organisation (``org:<name>``).
"""

from __future__ import annotations

from . import commands as cmd
from . import events as ev
from .agenda import ANSWER_PHASES, GroupMode, PhaseKind
from .decide import Actor, _on, _participant, _require_phase, next_version
from .grouping import groups_by_org, groups_of_at_most
from .rejection import Rejection
from .state import Group, PlanField, State
from .text import clean


def answer_key(phase: int, question: int, group: str) -> str:
    return f"{phase}:{question}:{group}"


def org_group(org: str, participant: str) -> str:
    """The follow-up "group" of a person: their organisation (or themselves)."""
    key = org.strip().casefold()
    return f"org:{key}" if key else f"org:#{participant}"


def active_groups(state: State, group_set: str) -> list[Group]:
    return [g for g in state.groups.values() if g.set == group_set and g.active]


def group_of(state: State, group_set: str, participant: str | None) -> Group | None:
    for group in active_groups(state, group_set):
        if participant in group.members:
            return group
    return None


def questions_of(state: State, phase: int) -> list[str]:
    """Question texts of a phase; a follow-up without questions asks its prompt."""
    spec = state.agenda[phase]
    if spec.questions:
        return [q.text for q in spec.questions]
    if spec.kind == PhaseKind.FOLLOW_UP:
        return [spec.prompt or "follow_up"]
    return []


def answer(state: State, phase: int, question: int, group: str) -> PlanField | None:
    return state.answers.get(answer_key(phase, question, group))


def follow_up_groups(state: State) -> dict[str, list[str]]:
    """Organisation key -> its active participants."""
    out: dict[str, list[str]] = {}
    for person in state.participants.values():
        if not person.removed:
            out.setdefault(org_group(person.org, person.id), []).append(person.id)
    return out


def _set(state: State, set_id: str):
    spec = state.group_sets.get(set_id)
    if spec is None:
        raise Rejection("unknown_group_set", f"There is no group set {set_id!r}.", set=set_id)
    return spec


def _group(state: State, group_id: str) -> Group:
    group = state.groups.get(group_id)
    if group is None or not group.active:
        raise Rejection("unknown_group", f"There is no group {group_id!r}.", group=group_id)
    return group


@_on(cmd.FormGroups)
def _form_groups(state: State, actor: Actor, c: cmd.FormGroups, now: float) -> list:
    spec = _set(state, c.set)
    people = [(p.id, p.org) for p in state.participants.values() if not p.removed]
    if not people:
        raise Rejection("too_few_participants", "There is nobody to put in groups yet.")
    seed = c.seed if c.seed is not None else state.counters.get("group", 0) + len(people)
    if spec.mode == GroupMode.BY_ORG:
        formed = groups_by_org(people, spec.size)
    elif spec.mode == GroupMode.ACROSS:
        base = _set(state, spec.across or "")
        if not active_groups(state, base.id):
            raise Rejection("groups_missing", f"Form the {base.title or base.id} groups first; cross groups mix them.")
        keys = [(pid, (group_of(state, base.id, pid) or Group(pid, "", [])).id) for pid, _ in people]
        formed = groups_of_at_most(keys, spec.size, seed)
    else:
        formed = groups_of_at_most(people, spec.size, seed)
    first = state.counters.get("group", 0) + 1
    return [ev.GroupsFormed(set=spec.id, groups={f"G{first + n}": g for n, g in enumerate(formed)})]


@_on(cmd.MoveToGroup)
def _move_to_group(state: State, actor: Actor, c: cmd.MoveToGroup, now: float) -> list:
    _set(state, c.set)
    person = _participant(state, c.participant)
    if c.group is not None:
        target = _group(state, c.group)
        if target.set != c.set:
            raise Rejection("unknown_group", f"Group {c.group!r} is not in set {c.set!r}.", group=c.group)
        if person.id in target.members:
            raise Rejection("nothing_to_change", "Already in that group.")
    elif group_of(state, c.set, person.id) is None:
        raise Rejection("nothing_to_change", "Not in any group of that set.")
    return [ev.GroupMemberMoved(set=c.set, participant=person.id, group=c.group)]


@_on(cmd.SetGroupRole)
def _set_group_role(state: State, actor: Actor, c: cmd.SetGroupRole, now: float) -> list:
    group = _group(state, c.group)
    if not actor.is_facilitator:
        # A participant can take a role in their own group, or give it up.
        if actor.id not in group.members or c.participant not in (actor.id, None):
            raise Rejection("not_group_member", "You can only take a role in your own group.")
        if c.participant is None and getattr(group, c.role) != actor.id:
            raise Rejection("nothing_to_change", "You do not have that role.")
    if c.participant is not None and c.participant not in group.members:
        raise Rejection("not_group_member", "Only a member of the group can have that role.")
    if getattr(group, c.role) == c.participant:
        raise Rejection("nothing_to_change", "That is already so.")
    return [ev.GroupRoleSet(group=group.id, role=c.role, participant=c.participant)]


@_on(cmd.EditAnswer)
def _edit_answer(state: State, actor: Actor, c: cmd.EditAnswer, now: float) -> list:
    if state.current.kind == PhaseKind.REPORT:
        raise Rejection("discussion_locked", "The groups are reporting; answers are locked now.")
    _require_phase(state, *ANSWER_PHASES)
    if c.phase != state.phase:
        raise Rejection(
            "wrong_phase",
            "Answers are written in their own phase.",
            phase=state.current.kind.value,
            wanted=[state.agenda[c.phase].kind.value] if c.phase < len(state.agenda) else [],
        )
    spec = state.current
    if c.question >= len(questions_of(state, c.phase)):
        raise Rejection("unknown_question", f"This phase has no question {c.question + 1}.", question=c.question)
    if spec.kind == PhaseKind.FOLLOW_UP:
        groups = follow_up_groups(state)
        if c.group not in groups:
            raise Rejection("unknown_group", f"There is no organisation {c.group!r}.", group=c.group)
        if not actor.is_facilitator and actor.id not in groups[c.group]:
            raise Rejection("not_group_member", "You write the follow-up of your own organisation.")
    else:
        group = _group(state, c.group)
        if group.set != spec.groups:
            raise Rejection("unknown_group", f"Group {c.group!r} does not work in this phase.", group=c.group)
        if not actor.is_facilitator and actor.id not in group.members:
            raise Rejection("not_group_member", "Only the group's own members write its answers.")
    text = clean("plan", c.text, required=False)
    current = state.answers.get(answer_key(c.phase, c.question, c.group))
    version = next_version(state, actor, current, c.base_version, text, "answer", group=c.group, question=c.question)
    return [ev.AnswerEdited(phase=c.phase, question=c.question, group=c.group, text=text, version=version, by=actor.id)]


@_on(cmd.PresentGroup)
def _present_group(state: State, actor: Actor, c: cmd.PresentGroup, now: float) -> list:
    _require_phase(state, PhaseKind.REPORT)
    if c.group is not None:
        group = _group(state, c.group)
        if group.set != state.current.groups:
            raise Rejection("unknown_group", f"Group {c.group!r} is not reporting now.", group=c.group)
    if state.presenting_group == c.group:
        raise Rejection("nothing_to_change", "That group is already shown.")
    return [ev.GroupPresented(group=c.group)]
