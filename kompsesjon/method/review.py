"""The rules of a series: what is carried over, and the follow-up round.

* :func:`carry_over` makes the :class:`~.series.Series` a new session starts
  from, out of the state of the session it follows: that session's actions
  (its islands' plans), the actions it carried and reviewed itself (their
  history grows by its status and notes), its next steps, next meeting,
  follow-ups per organisation and islands' members, and the gatherings
  before it.
* In an ``action_review`` phase each carried action that is still open gets
  a status (done, in progress, not started, dropped) and three notes (what
  happened, what did not, how we go on) from its island group or its
  organisation. Notes are versioned like plan fields
  (:func:`~.decide.next_version`). Nothing else that was carried over can be
  changed: there is no command for it.
* WHO of a plan can name people of the session and its series (by name and
  organisation); WHEN can hold a date (:func:`date_in`). Both stay optional;
  the free text is kept as it is.
"""

from __future__ import annotations

import datetime
import re

from . import commands as cmd
from . import events as ev
from .agenda import Phase, PhaseKind
from .decide import Actor, _island, _on, _require_phase, next_version
from .group_work import follow_up_label, questions_of
from .islands import active_islands, island_members
from .rejection import Rejection
from .series import NOTE_FIELDS, Action, Entry, FollowUp, Gathering, IslandRecord, Person, Series
from .state import PlanField, State
from .text import clean

# ---- dates in free text -----------------------------------------------------

_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NORDIC = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b")  # 15.1.2027, 15.01.27
_TIME = re.compile(r"\b(?:kl\.?\s*)?([01]?\d|2[0-3])[:.]([0-5]\d)\b")


def date_in(text: str) -> datetime.date | None:
    """The first date written in ``text`` (2027-01-15 or 15.1.2027), if any."""
    for pattern, order in ((_ISO, (0, 1, 2)), (_NORDIC, (2, 1, 0))):
        for found in pattern.finditer(text):
            parts = found.groups()
            year, month, day = (int(parts[i]) for i in order)
            if year < 100:
                year += 2000
            try:
                return datetime.date(year, month, day)
            except ValueError:
                continue
    return None


def time_in(text: str) -> datetime.time | None:
    """A time of day written after a date in ``text`` (10:00, kl. 10.00)."""
    found = _ISO.search(text) or _NORDIC.search(text)
    rest = text[found.end() :] if found else text
    match = _TIME.search(rest)
    return datetime.time(int(match.group(1)), int(match.group(2))) if match else None


# ---- carrying over ----------------------------------------------------------


def _person(state: State, pid: str) -> Person | None:
    found = state.participants.get(pid)
    if found is None or not found.name:
        return None
    return Person(name=found.name, org=found.org)


def _members(state: State, island: str) -> list[Person]:
    if state.anonymous:
        return []  # in an anonymous session nobody's name leaves it
    return [p for pid in island_members(state, island) if (p := _person(state, pid)) is not None]


def _entry(state: State, code: str, action: str) -> Entry:
    review = state.reviews.get(action)
    notes = review.notes if review else {}
    return Entry(
        session=state.session,
        code=code,
        date=state.created_at,
        status=review.status if review else None,
        **{name: notes[name].text for name in NOTE_FIELDS if name in notes},
    )


def _own_actions(state: State, code: str) -> list[Action]:
    out = []
    for island in active_islands(state):
        plan = state.plans.get(island.id, {})
        texts = {name: field.text for name, field in plan.items()}
        owners = state.plan_owners.get(island.id, [])
        if not any(t.strip() for t in texts.values()) and not owners:
            continue  # an island that wrote nothing has no action to follow
        due = date_in(texts.get("when", ""))
        out.append(
            Action(
                id=f"{state.session}:{island.id}",
                session=state.session,
                code=code,
                date=state.created_at,
                island=island.title,
                members=_members(state, island.id),
                owners=list(owners),
                due=due.isoformat() if due else "",
                **texts,
            )
        )
    return out


def _follow_ups(state: State) -> list[FollowUp]:
    out = []
    for key, answer in state.answers.items():
        if state.agenda[key.phase].kind != PhaseKind.FOLLOW_UP or not answer.text.strip():
            continue
        questions = questions_of(state, key.phase)
        question = questions[key.question] if key.question < len(questions) else ""
        org = follow_up_label(state, key.group) or key.group.removeprefix("org:")
        out.append(FollowUp(org=org, question="" if question == "follow_up" else question, text=answer.text))
    return out


def gathering(state: State, code: str) -> Gathering:
    """How a session ended, for the sessions that follow it."""
    return Gathering(
        session=state.session,
        code=code,
        title=state.title,
        date=state.created_at,
        next_meeting=state.next_meeting,
        next_steps=[s.text for s in state.next_steps.values() if not s.removed],
        follow_ups=_follow_ups(state),
        islands=[IslandRecord(title=i.title, members=_members(state, i.id)) for i in active_islands(state)],
    )


def carry_over(earlier: State, code: str) -> Series:
    """What a session that follows ``earlier`` (joined with ``code``) starts from."""
    before = earlier.series
    actions: list[Action] = []
    for action in before.actions if before else []:
        if action.closed:
            actions.append(action)  # done or dropped earlier: history only
        else:
            entry = _entry(earlier, code, action.id)
            actions.append(action.model_copy(update={"history": [*action.history, entry]}))
    actions += _own_actions(earlier, code)
    gatherings = [*(before.gatherings if before else []), gathering(earlier, code)]
    return Series(gatherings=gatherings, actions=actions)


def with_review(agenda: list[Phase]) -> list[Phase]:
    """A follow-up session's agenda: an ``action_review`` phase comes first
    (after a leading intro with its check-in), unless the template has one."""
    if any(p.kind == PhaseKind.ACTION_REVIEW for p in agenda):
        return list(agenda)
    at = 1 if agenda and agenda[0].kind == PhaseKind.INTRO else 0
    return [*agenda[:at], Phase(kind=PhaseKind.ACTION_REVIEW, minutes=30), *agenda[at:]]


# ---- reading a series -------------------------------------------------------


def reviewed_actions(state: State) -> list[Action]:
    """The carried actions this session reviews."""
    return state.series.open_actions if state.series else []


def action_people(action: Action) -> list[Person]:
    return [*action.members, *(p for p in action.owners if p not in action.members)]


def action_orgs(action: Action) -> list[str]:
    """The organisations an action belongs to (its people's), as written."""
    seen: dict[str, str] = {}
    for p in action_people(action):
        if p.org.strip():
            seen.setdefault(p.org.strip().casefold(), p.org.strip())
    return list(seen.values())


def may_review(state: State, participant: str, action: Action) -> bool:
    """Is ``participant`` in the action's island group or organisation?"""
    people = action_people(action)
    if not people:
        return True  # nobody known (an anonymous session): the room reports
    me = state.participants.get(participant)
    if me is None:
        return False
    if me.org.strip() and me.org.strip().casefold() in {o.casefold() for o in action_orgs(action)}:
        return True
    return any(p.same(me.name, me.org) for p in people)


def people_of(state: State) -> list[Person]:
    """Whom WHO can name: the people of the session and of its series."""
    out: list[Person] = []

    def add(person: Person) -> None:
        if person.name and not any(p.same(person.name, person.org) for p in out):
            out.append(person)

    for pid, found in state.participants.items():
        if not found.removed and (p := _person(state, pid)) is not None:
            add(p)
    if state.series:
        for action in state.series.actions:
            for p in action_people(action):
                add(p)
        for g in state.series.gatherings:
            for island in g.islands:
                for p in island.members:
                    add(p)
    return out


def status_of(state: State, action: str) -> str | None:
    review = state.reviews.get(action)
    return review.status if review else None


def note_of(state: State, action: str, name: str) -> PlanField:
    review = state.reviews.get(action)
    return (review.notes.get(name) if review else None) or PlanField()


def history(state: State, action: Action) -> list[Entry]:
    """An action's history across the series, with this gathering's word last."""
    if action.closed or state.series is None or action not in state.series.actions:
        return list(action.history)
    return [*action.history, _entry(state, "", action.id)]


# ---- the follow-up round ----------------------------------------------------


def _reviewable(state: State, actor: Actor, action_id: str) -> Action:
    action = state.series.action(action_id) if state.series else None
    if action is None:
        raise Rejection("unknown_action", f"There is no carried action {action_id!r}.", action=action_id)
    if action.closed:
        raise Rejection("action_closed", "That action was closed at an earlier gathering.", action=action_id)
    if actor.is_facilitator:
        _require_phase(state, PhaseKind.ACTION_REVIEW, PhaseKind.CLOSING)
    else:
        _require_phase(state, PhaseKind.ACTION_REVIEW)
        if not may_review(state, actor.id or "", action):
            raise Rejection("not_action_group", "The action's own island group or organisation reports on it.")
    return action


@_on(cmd.SetActionStatus)
def _set_status(state: State, actor: Actor, c: cmd.SetActionStatus, now: float) -> list:
    action = _reviewable(state, actor, c.action)
    if status_of(state, action.id) == c.status:
        raise Rejection("nothing_to_change", "The action already has that status.")
    return [ev.ActionStatusSet(action=action.id, status=c.status, by=actor.id)]


@_on(cmd.EditActionNote)
def _edit_note(state: State, actor: Actor, c: cmd.EditActionNote, now: float) -> list:
    action = _reviewable(state, actor, c.action)
    text = clean("plan", c.text, required=False)
    current = state.reviews[action.id].notes.get(c.field) if action.id in state.reviews else None
    version = next_version(state, actor, current, c.base_version, text, "note", action=action.id, field=c.field)
    return [ev.ActionNoteEdited(action=action.id, field=c.field, text=text, version=version, by=actor.id)]


@_on(cmd.PresentAction)
def _present_action(state: State, actor: Actor, c: cmd.PresentAction, now: float) -> list:
    _require_phase(state, PhaseKind.ACTION_REVIEW)
    if c.action is not None and (state.series is None or state.series.action(c.action) is None):
        raise Rejection("unknown_action", f"There is no carried action {c.action!r}.", action=c.action)
    if state.presenting_action == c.action:
        raise Rejection("nothing_to_change", "That is already shown.")
    return [ev.ActionPresented(action=c.action)]


@_on(cmd.FollowSession)
def _follow_session(state: State, actor: Actor, c: cmd.FollowSession, now: float) -> list:
    if state.series is not None:
        raise Rejection("already_follows", "This session already follows an earlier one.")
    if state.phase != 0 or state.next_steps or state.plans or state.answers:
        # The follow-up phase goes in after the intro: the agenda may only
        # change before anything is written in a later phase.
        raise Rejection("series_too_late", "A session can only start to follow another in its first phase.")
    if c.series is None or c.series.follows.session == state.session:
        raise Rejection("unknown_session", "No other session here has that facilitator token.")
    return [ev.SeriesLinked(series=c.series, agenda=with_review(state.agenda))]


# ---- WHO names people -------------------------------------------------------


def _owner_command(
    state: State, actor: Actor, island_id: str, name: str, org: str, among: list[Person]
) -> tuple[str, Person]:
    island = _island(state, island_id)
    if actor.is_facilitator:
        _require_phase(state, PhaseKind.ACTION_PLANS, PhaseKind.CLOSING)
    else:
        _require_phase(state, PhaseKind.ACTION_PLANS)
        if state.island_of.get(actor.id or "") != island.id:
            raise Rejection("not_island_member", "Only the island's own group writes its action plan.")
    name, org = clean("name", name), clean("org", org, required=False)
    known = next((p for p in among if p.same(name, org)), None)
    if known is None:
        raise Rejection("unknown_person", "Name someone of this session or its series.", name=name, org=org)
    return island.id, known


@_on(cmd.NameOwner)
def _name_owner(state: State, actor: Actor, c: cmd.NameOwner, now: float) -> list:
    island, person = _owner_command(state, actor, c.island, c.name, c.org, people_of(state))
    if person in state.plan_owners.get(island, []):
        raise Rejection("nothing_to_change", "That person is already named.")
    return [ev.OwnerNamed(island=island, person=person)]


@_on(cmd.UnnameOwner)
def _unname_owner(state: State, actor: Actor, c: cmd.UnnameOwner, now: float) -> list:
    named = state.plan_owners.get(c.island, [])
    island, person = _owner_command(state, actor, c.island, c.name, c.org, [*named, *people_of(state)])
    if person not in named:
        raise Rejection("nothing_to_change", "That person is not named.")
    return [ev.OwnerUnnamed(island=island, person=person)]
