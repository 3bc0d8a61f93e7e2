"""Group rounds: dialogue conferences, case reflection, county gatherings.

A template defines *group sets* (base groups, cross groups, one group per
municipality or county …) and phases in which groups answer questions
together. The rules:

* the facilitator forms a set's groups (deterministic for a seed): mixed
  across organisations, by organisation, by region (county), or "across" an
  earlier set so that cross groups bring new people together; groups by
  organisation or region carry its name as their label;
* in a ``group_work`` phase a group's members write one shared answer per
  question, and one per sub-question where the template asks for that;
  answers are versioned and a stale edit is refused with the newer text,
  exactly like action-plan fields (:func:`~.decide.next_version`);
* a ``report`` phase locks the discussion: rapporteurs report group by group,
  each with the template's minutes on the timer;
* a ``follow_up`` phase collects what each organisation does before the next
  meeting; its "group" is the organisation (``org:<name>``).

Every answer is found by an :class:`~.state.AnswerKey` (phase, question,
sub-question, group); this module is where they are made from the rules.
"""

from __future__ import annotations

from . import commands as cmd
from . import events as ev
from .agenda import ANSWER_PHASES, GroupMode, GroupSetSpec, PhaseKind, Question
from .decide import Actor, _on, _participant, _require_phase, next_version
from .grouping import groups_by, groups_of_at_most
from .rejection import Rejection
from .state import AnswerKey, Group, PlanField, State
from .text import clean


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


def group_number(state: State, group: Group) -> int:
    """1, 2, 3 … in the order the groups of its set were formed."""
    same = [g.id for g in state.groups.values() if g.set == group.set and g.active == group.active]
    return same.index(group.id) + 1 if group.id in same else 0


def needs_region(state: State) -> bool:
    """Does this session form groups by region (so people must give theirs)?"""
    return any(spec.mode == GroupMode.BY_REGION for spec in state.group_sets.values())


def question_specs(state: State, phase: int) -> list[Question]:
    """The questions of a phase; a follow-up without questions asks its prompt."""
    spec = state.agenda[phase]
    if spec.questions:
        return list(spec.questions)
    if spec.kind == PhaseKind.FOLLOW_UP:
        return [Question(text=spec.prompt or "follow_up")]
    return []


def questions_of(state: State, phase: int) -> list[str]:
    return [q.text for q in question_specs(state, phase)]


def answer_keys(state: State, phase: int, group: str) -> list[AnswerKey]:
    """Every answer a group writes in a phase, in the order they are asked."""
    return [
        AnswerKey(phase=phase, question=n, group=group, sub=sub)
        for n, question in enumerate(question_specs(state, phase))
        for sub in question.fields
    ]


def answer(state: State, phase: int, question: int, group: str, sub: int | None = None) -> PlanField | None:
    return state.answers.get(AnswerKey(phase=phase, question=question, group=group, sub=sub))


def written(state: State, phase: int, group: str) -> tuple[int, int]:
    """How many of a group's answers in a phase have text, of how many."""
    keys = answer_keys(state, phase, group)
    done = sum(1 for k in keys if (a := state.answers.get(k)) is not None and a.text.strip())
    return done, len(keys)


def follow_up_groups(state: State) -> dict[str, list[str]]:
    """Organisation key -> its active participants."""
    out: dict[str, list[str]] = {}
    for person in state.participants.values():
        if not person.removed:
            out.setdefault(org_group(person.org, person.id), []).append(person.id)
    return out


def follow_up_label(state: State, key: str) -> str:
    """The organisation's name as its people wrote it ("" for none)."""
    return next(
        (state.participants[p].org for p in follow_up_groups(state).get(key, []) if state.participants[p].org), ""
    )


def reporting_phases(state: State, phase: int) -> list[int]:
    """The group_work phases before a report whose answers it presents."""
    spec = state.agenda[phase]
    return [n for n, p in enumerate(state.agenda[:phase]) if p.kind == PhaseKind.GROUP_WORK and p.groups == spec.groups]


def _set(state: State, set_id: str) -> GroupSetSpec:
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
    present = [p for p in state.participants.values() if not p.removed]
    if not present:
        raise Rejection("too_few_participants", "There is nobody to put in groups yet.")
    people = [(p.id, p.org) for p in present]
    seed = c.seed if c.seed is not None else state.counters.get("group", 0) + len(people)
    labelled: list[tuple[str, list[str]]]
    if spec.mode == GroupMode.BY_ORG:
        labelled = groups_by(people, spec.size)
    elif spec.mode == GroupMode.BY_REGION:
        missing = [p.name or p.id for p in present if not p.region.strip()]
        if len(missing) == len(present):
            raise Rejection("regions_missing", "Nobody has said which region they belong to yet.", missing=len(missing))
        labelled = groups_by([(p.id, p.region) for p in present], spec.size)
    elif spec.mode == GroupMode.ACROSS:
        base = _set(state, spec.across or "")
        if not active_groups(state, base.id):
            raise Rejection("groups_missing", f"Form the {base.title or base.id} groups first; cross groups mix them.")
        keys = [(pid, (group_of(state, base.id, pid) or Group(pid, "", [])).id) for pid, _ in people]
        labelled = [("", g) for g in groups_of_at_most(keys, spec.size, seed)]
    else:
        labelled = [("", g) for g in groups_of_at_most(people, spec.size, seed)]
    first = state.counters.get("group", 0) + 1
    ids = [f"G{first + n}" for n in range(len(labelled))]
    return [
        ev.GroupsFormed(
            set=spec.id,
            groups={gid: members for gid, (_, members) in zip(ids, labelled, strict=True)},
            labels={gid: label for gid, (label, _) in zip(ids, labelled, strict=True) if label},
        )
    ]


@_on(cmd.MoveToGroup)
def _move_to_group(state: State, actor: Actor, c: cmd.MoveToGroup, now: float) -> list:
    _set(state, c.set)
    person = _participant(state, c.participant)
    if person.removed:
        raise Rejection("participant_removed", "That participant has been removed.")
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


@_on(cmd.SetRegion)
def _set_region(state: State, actor: Actor, c: cmd.SetRegion, now: float) -> list:
    if actor.is_facilitator:
        if c.participant is None:
            raise Rejection("unknown_participant", "Say whose region it is.")
        person = _participant(state, c.participant)
    else:
        if c.participant not in (None, actor.id):
            raise Rejection("not_facilitator", "Only a facilitator can set someone else's region.")
        person = _participant(state, actor.id or "")
    region = clean("region", c.region, required=False)
    # The session's own spelling of a region it offers ("nordland" → "Nordland").
    region = next((r for r in state.regions if r.casefold() == region.casefold()), region)
    if region == person.region:
        raise Rejection("nothing_to_change", "That region is already set.")
    return [ev.RegionSet(participant=person.id, region=region)]


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
    questions = question_specs(state, c.phase)
    if c.question >= len(questions):
        raise Rejection("unknown_question", f"This phase has no question {c.question + 1}.", question=c.question)
    if c.sub not in questions[c.question].fields:
        raise Rejection(
            "unknown_question",
            f"Question {c.question + 1} has no sub-question {c.sub + 1 if c.sub is not None else ''} answered on its own.",
            question=c.question,
            sub=c.sub,
        )
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
    key = AnswerKey(phase=c.phase, question=c.question, group=c.group, sub=c.sub)
    where = {"group": c.group, "question": c.question, "sub": c.sub}
    version = next_version(state, actor, state.answers.get(key), c.base_version, text, "answer", **where)
    return [
        ev.AnswerEdited(
            phase=c.phase, question=c.question, sub=c.sub, group=c.group, text=text, version=version, by=actor.id
        )
    ]


@_on(cmd.PresentGroup)
def _present_group(state: State, actor: Actor, c: cmd.PresentGroup, now: float) -> list:
    _require_phase(state, PhaseKind.REPORT)
    if c.group is not None:
        group = _group(state, c.group)
        if group.set != state.current.groups:
            raise Rejection("unknown_group", f"Group {c.group!r} is not reporting now.", group=c.group)
    if state.presenting_group == c.group:
        raise Rejection("nothing_to_change", "That group is already shown.")
    out: list = [ev.GroupPresented(group=c.group)]
    minutes = state.current.group_minutes
    if c.group is not None and minutes:
        # Each rapporteur gets the same few minutes, on every screen.
        out.append(ev.TimerChanged(timer=ev.TimerData(deadline=now + minutes * 60)))
    return out
