"""A series of sessions: carrying over, the follow-up round, WHO and WHEN."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kompsesjon.method import FACILITATOR, PhaseKind, dump_state, evolve, framtidsverksted_agenda, participant
from kompsesjon.method.review import carry_over, date_in, history, people_of, time_in, with_review
from kompsesjon.method.series import STATUSES, Person

from .workshop import START, Workshop, assert_mirrors_agree

DAY = 86_400.0


def workshop_with_plans(session: str = "S1", series=None, created_at: float = START, reviewing=None) -> Workshop:
    """A Future Workshop that reached its action plans: two islands, each with a plan."""
    agenda = with_review(framtidsverksted_agenda()) if series else framtidsverksted_agenda()
    w = Workshop(session=session, series=series, agenda=agenda, created_at=created_at)
    kari, ola, per, lise = w.join_many(("Kari", "Bodø"), ("Ola", "Bodø"), ("Per", "Meløy"), ("Lise", "Meløy"))
    if series:
        w.goto(PhaseKind.ACTION_REVIEW)
        if reviewing:
            reviewing(w)
    critique, vision = w.lists([(kari, "Lite tid"), (per, "Uklare roller")], [(ola, "Tid til fordypning")])
    w.goto(PhaseKind.ISLANDS)
    a = w.do(FACILITATOR, "create_island", title="Tid", links=[{"board": "critique", "card": critique[0]}])[0].island
    b = w.do(FACILITATOR, "create_island", title="Roller", links=[{"board": "vision", "card": vision[0]}])[0].island
    for pid, island in ((kari, a), (ola, a), (per, b), (lise, b)):
        w.do(participant(pid), "choose_island", island=island)
    w.goto(PhaseKind.ACTION_PLANS)
    w.do(participant(kari), "edit_plan", island=a, field="what", text="Fast møtetid", base_version=0)
    w.do(participant(ola), "edit_plan", island=a, field="when", text="Innen 15.1.2027", base_version=0)
    w.do(participant(kari), "name_owner", island=a, name="Ola", org="Bodø")
    w.do(participant(per), "edit_plan", island=b, field="what", text="Rollebeskrivelser", base_version=0)
    w.goto(PhaseKind.CLOSING)
    w.do(FACILITATOR, "add_next_step", text="Rapport til kommunene")
    w.do(FACILITATOR, "set_next_meeting", text="2027-02-03 kl. 10.00 i Bodø")
    return w


def test_a_follow_up_starts_from_the_earlier_plans_and_closing():
    first = workshop_with_plans()
    series = carry_over(first.state, "K7PQ2M")
    (gathering,) = series.gatherings
    assert (gathering.session, gathering.code, gathering.next_meeting) == (
        "S1",
        "K7PQ2M",
        "2027-02-03 kl. 10.00 i Bodø",
    )
    assert gathering.next_steps == ["Rapport til kommunene"]
    assert [(i.title, [m.name for m in i.members]) for i in gathering.islands] == [
        ("Tid", ["Kari", "Ola"]),
        ("Roller", ["Per", "Lise"]),
    ]
    tid, roller = series.actions
    assert (tid.what, tid.when, tid.due, tid.owners) == (
        "Fast møtetid",
        "Innen 15.1.2027",
        "2027-01-15",
        [Person(name="Ola", org="Bodø")],
    )
    assert tid.id == f"S1:{first.state.island_of['p1']}" and tid.history == []
    assert roller.what == "Rollebeskrivelser"
    # The earlier session is not touched by carrying over.
    assert dump_state(first.state) == dump_state(first.state)


def test_the_follow_up_round_reports_status_and_notes_per_group():
    first = workshop_with_plans()
    w = Workshop(session="S2", series=carry_over(first.state, "AAAAAA"), agenda=with_review(framtidsverksted_agenda()))
    assert [p.kind for p in w.state.agenda[:2]] == [PhaseKind.INTRO, PhaseKind.ACTION_REVIEW]
    kari, per, guest = w.join_many(("Kari", "Bodø"), ("Per", "Meløy"), ("Gjest", "Fauske"))
    tid, roller = (a.id for a in w.state.series.actions)
    w.rejects("wrong_phase", participant(kari), "set_action_status", action=tid, status="done")
    w.goto(PhaseKind.ACTION_REVIEW)
    w.do(participant(kari), "set_action_status", action=tid, status="in_progress")
    w.do(participant(kari), "edit_action_note", action=tid, field="happened", text="Møtetid avtalt", base_version=0)
    # Meløy is not Tid's organisation; a guest from Fauske is in no action's group.
    w.rejects("not_action_group", participant(per), "set_action_status", action=tid, status="dropped")
    w.rejects(
        "not_action_group",
        participant(guest),
        "edit_action_note",
        action=roller,
        field="next",
        text="x",
        base_version=0,
    )
    w.do(participant(per), "set_action_status", action=roller, status="done")
    # Notes merge like plan fields: an edit from an older version is refused with the newer text.
    refused = w.rejects(
        "stale_version",
        participant(kari),
        "edit_action_note",
        action=tid,
        field="happened",
        text="Annet",
        base_version=0,
    )
    assert refused.details["text"] == "Møtetid avtalt"
    w.rejects("unknown_action", participant(kari), "set_action_status", action="S9:I1", status="done")
    w.do(FACILITATOR, "present_action", action=roller)
    assert w.state.presenting_action == roller
    assert [e.status for e in history(w.state, w.state.series.action(tid))] == ["in_progress"]
    assert_mirrors_agree(w.log)


def test_who_names_people_of_the_session_and_its_series():
    first = workshop_with_plans()
    w = workshop_with_plans("S2", carry_over(first.state, "AAAAAA"), created_at=START + 30 * DAY)
    island = w.state.island_of["p1"]
    # Lise was in the first session only; she can be named in the second.
    assert Person(name="Lise", org="Meløy") in people_of(w.state)
    w.goto(PhaseKind.CLOSING)
    w.do(FACILITATOR, "name_owner", island=island, name="lise", org="meløy")
    assert Person(name="Lise", org="Meløy") in w.state.plan_owners[island]
    w.rejects("unknown_person", FACILITATOR, "name_owner", island=island, name="Nobody", org="")
    w.do(FACILITATOR, "unname_owner", island=island, name="Lise", org="Meløy")
    assert Person(name="Lise", org="Meløy") not in w.state.plan_owners[island]


def test_dates_in_free_text():
    assert date_in("Innen 15.1.2027") == datetime.date(2027, 1, 15)
    assert date_in("2027-02-03 kl. 10.00 i Bodø") == datetime.date(2027, 2, 3)
    assert time_in("2027-02-03 kl. 10.00 i Bodø") == datetime.time(10, 0)
    assert date_in("31.2.2027, eller 1.3.27") == datetime.date(2027, 3, 1)
    assert date_in("før sommeren") is None and time_in("før sommeren") is None


# ---- properties -------------------------------------------------------------

review = st.tuples(st.sampled_from([None, *STATUSES]), st.sampled_from(["", "Noe skjedde", "Ingenting ennå"]))


def _review_all(w: Workshop, said: dict) -> None:
    """The facilitator reports each open action as ``said`` says."""
    w.goto(PhaseKind.ACTION_REVIEW)
    for action in w.state.series.open_actions:
        status, text = said[action.id]
        if status is not None:
            w.do(FACILITATOR, "set_action_status", action=action.id, status=status)
        if text:
            w.do(FACILITATOR, "edit_action_note", action=action.id, field="happened", text=text, base_version=0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_chain_of_three_sessions_keeps_every_actions_history(data):
    first = workshop_with_plans("S1")
    # The second session reviews the first one's actions (drawn at random), then plans its own …
    carried = carry_over(first.state, "CODE01")
    said2 = {a.id: data.draw(review) for a in carried.open_actions}
    second = workshop_with_plans("S2", carried, START + 30 * DAY, lambda w: _review_all(w, said2))
    third = Workshop(
        session="S3", series=carry_over(second.state, "CODE02"), agenda=with_review(framtidsverksted_agenda())
    )
    said3 = {a.id: data.draw(review) for a in third.state.series.open_actions}
    _review_all(third, said3)
    final = carry_over(third.state, "CODE03")
    by_id = {a.id: a for a in final.actions}
    # Every action of every session is there, with one entry per gathering that reviewed it.
    assert {a.split(":")[0] for a in by_id} == {"S1", "S2"}
    for action_id, (status, text) in said2.items():
        entries = by_id[action_id].history
        assert (entries[0].session, entries[0].status, entries[0].happened) == ("S2", status, text)
        if status in ("done", "dropped"):
            assert len(entries) == 1  # closed: not reviewed again
        else:
            assert (entries[1].session, entries[1].status) == ("S3", said3[action_id][0])
    for action_id, (status, _) in said3.items():
        assert by_id[action_id].history[-1].session == "S3"
        assert by_id[action_id].history[-1].status == status
    assert [g.session for g in final.gatherings] == ["S1", "S2", "S3"]


COMMANDS = st.sampled_from(
    [
        ("set_action_status", {"status": "done"}),
        ("set_action_status", {"status": None}),
        ("edit_action_note", {"field": "next", "text": "Videre", "base_version": 0}),
        ("edit_action_note", {"field": "happened", "text": "Skjedde", "base_version": 1}),
        ("present_action", {}),
        ("edit_plan", {"field": "what", "text": "Endret", "base_version": 1}),
        ("name_owner", {"name": "Kari", "org": "Bodø"}),
        ("advance_phase", {}),
        ("step_back", {}),
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(COMMANDS, st.integers(0, 3), st.integers(0, 2)), max_size=30))
def test_only_status_and_notes_of_what_was_carried_can_change(steps):
    first = workshop_with_plans()
    series = carry_over(first.state, "AAAAAA")
    w = Workshop(session="S2", series=series, agenda=with_review(framtidsverksted_agenda()))
    people = w.join_many(("Kari", "Bodø"), ("Per", "Meløy"), ("Åse", ""))
    actors = [FACILITATOR, *(participant(p) for p in people)]
    targets = [a.id for a in series.actions] + ["S1:I9"]
    for (kind, fields), who, target in steps:
        extra = {"current": w.state.phase} if kind in ("advance_phase", "step_back") else {}
        if kind in ("set_action_status", "edit_action_note", "present_action"):
            extra["action"] = targets[target]
        if kind in ("edit_plan", "name_owner"):
            extra["island"] = "I1"
        try:
            w.do(actors[who], kind, **fields, **extra)
        except Exception as exc:  # refused: nothing changed (checked by Workshop.rejects elsewhere)
            assert type(exc).__name__ == "Rejection"
        assert w.state.series == series  # the carried record never changes
        assert set(w.state.reviews) <= {a.id for a in series.open_actions}  # only what is reviewed gets a word
    # Replay = state, and every audience's mirror agrees with its view.
    replayed = None
    for event in w.log:
        replayed = evolve(replayed, event)
    assert dump_state(replayed) == dump_state(w.state)
    assert_mirrors_agree(w.log)


@pytest.mark.parametrize("anonymous", [False, True])
def test_an_anonymous_session_carries_no_names(anonymous):
    w = Workshop(session="S1", anonymous=anonymous)
    kari, ola = w.join_many(("Kari", "Bodø"), ("Ola", "Bodø"))
    critique, _ = w.lists([(kari, "Lite tid")], [(ola, "Tid")])
    w.goto(PhaseKind.ISLANDS)
    (made,) = w.do(FACILITATOR, "create_island", title="Tid", links=[{"board": "critique", "card": critique[0]}])
    for pid in (kari, ola):
        w.do(participant(pid), "choose_island", island=made.island)
    w.goto(PhaseKind.ACTION_PLANS)
    w.do(participant(kari), "edit_plan", island=made.island, field="what", text="Fast møtetid", base_version=0)
    series = carry_over(w.state, "AAAAAA")
    members = [] if anonymous else [Person(name="Kari", org="Bodø"), Person(name="Ola", org="Bodø")]
    assert series.actions[0].members == members
    assert series.gatherings[0].islands[0].members == members


def test_the_follow_ups_per_organisation_are_carried_over():
    from kompsesjon.method.group_work import org_group

    from .workshop import CONFERENCE_AGENDA, CONFERENCE_GROUP_SETS

    w = Workshop(session="D1", agenda=CONFERENCE_AGENDA, boards=[], group_sets=CONFERENCE_GROUP_SETS)
    kari = w.join("Kari", "Bodø kommune")
    w.join("Per", "Meløy kommune")  # another organisation, which wrote nothing
    w.goto(PhaseKind.FOLLOW_UP)
    phase = w.state.phase
    group = org_group("Bodø kommune", kari)
    w.do(participant(kari), "edit_answer", phase=phase, question=0, group=group, text="Faddere", base_version=0)
    (gathering,) = carry_over(w.state, "DDDDDD").gatherings
    assert [(f.org, f.question, f.text) for f in gathering.follow_ups] == [
        ("Bodø kommune", "Hva gjør vi før neste samling?", "Faddere")
    ]


def test_a_session_can_start_to_follow_another_in_its_first_phase_only():
    first = workshop_with_plans()
    series = carry_over(first.state, "AAAAAA")
    w = Workshop(session="S2")
    kari = w.join("Kari", "Bodø")
    w.rejects("unknown_session", FACILITATOR, "follow_session", token="f-x")  # the server found no session
    w.rejects("not_facilitator", participant(kari), "follow_session", token="f-x", series=series.model_dump())
    w.rejects(
        "unknown_session", FACILITATOR, "follow_session", token="f-x", series=carry_over(w.state, "SELF00").model_dump()
    )
    (linked,) = w.do(FACILITATOR, "follow_session", token="f-x", series=series.model_dump())
    assert linked.type == "series_linked" and w.state.series == series
    assert [p.kind for p in w.state.agenda[:2]] == [PhaseKind.INTRO, PhaseKind.ACTION_REVIEW]
    w.rejects("already_follows", FACILITATOR, "follow_session", token="f-x", series=series.model_dump())
    later = Workshop(session="S3")
    later.advance()
    later.rejects("series_too_late", FACILITATOR, "follow_session", token="f-x", series=series.model_dump())
    w.goto(PhaseKind.ACTION_REVIEW)
    w.do(participant(kari), "set_action_status", action=series.actions[0].id, status="done")
    assert_mirrors_agree(w.log)
