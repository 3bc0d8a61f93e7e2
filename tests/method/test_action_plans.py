"""Action plans: WHAT? HOW? WHO? FIRST STEP? BY WHEN? — and the closing."""

import pytest

from kompsesjon.method import FACILITATOR, PhaseKind, participant
from kompsesjon.method.state import PLAN_FIELDS, PlanField
from kompsesjon.method.visibility import (
    FACILITATOR_VIEW,
    SCREEN_VIEW,
    deliveries,
    participant_view,
    recipients_of,
    view_state,
)

from .workshop import Workshop, assert_mirrors_agree


def plans_phase(w: Workshop):
    a, b, c, d = (w.join(f"Person {n}", "Bodø") for n in range(4))
    critique, _vision = w.lists([(a, "Lite tid")], [(b, "Tid til fordypning")])
    w.goto(PhaseKind.ISLANDS)
    links = [{"board": "critique", "card": critique[0]}]
    tid = w.do(FACILITATOR, "create_island", title="Tid", links=links)[0].island
    roller = w.do(FACILITATOR, "create_island", title="Roller", links=links)[0].island
    for pid, where in ((a, tid), (b, tid), (c, roller), (d, roller)):
        w.do(participant(pid), "choose_island", island=where)
    w.advance()
    assert w.phase.kind == PhaseKind.ACTION_PLANS
    return (a, b, c, d), tid, roller


@pytest.fixture
def plans(workshop):
    people, tid, roller = plans_phase(workshop)
    return workshop, people, tid, roller


def edit(w, pid, island, field, text, base):
    actor = FACILITATOR if pid is None else participant(pid)
    (edited,) = w.do(actor, "edit_plan", island=island, field=field, text=text, base_version=base)
    return edited


def test_the_form_has_the_five_questions():
    assert PLAN_FIELDS == ("what", "how", "who", "first_step", "when")


def test_group_members_fill_in_the_form_and_each_field_is_versioned(plans):
    w, (a, b, *_), tid, _ = plans
    assert edit(w, a, tid, "what", "Skjerme tid til planlegging", 0).version == 1
    assert edit(w, b, tid, "what", "Skjerme to timer i uka til planlegging", 1).version == 2
    assert edit(w, b, tid, "who", "Kari (rektor), Ola", 0).version == 1
    plan = w.state.plans[tid]
    assert (plan["what"].text, plan["what"].version, plan["what"].by) == (
        "Skjerme to timer i uka til planlegging",
        2,
        b,
    )
    assert (plan["who"].version, plan["who"].by) == (1, b)


def test_a_stale_edit_is_refused_with_the_current_text(plans):
    w, (a, b, *_), tid, _ = plans
    edit(w, a, tid, "how", "Fast møtetid", 0)
    # b started from the empty field (version 0) and a got there first.
    refused = w.rejects(
        "stale_version", participant(b), "edit_plan", island=tid, field="how", text="Timeplan", base_version=0
    )
    assert refused.details == {"island": tid, "field": "how", "version": 1, "text": "Fast møtetid", "by": a}
    assert w.state.plans[tid]["how"].text == "Fast møtetid"
    # With the newer version in hand b's merge goes through.
    edit(w, b, tid, "how", "Fast møtetid, lagt inn i timeplanen", 1)
    assert w.state.plans[tid]["how"].version == 2


def test_a_stale_edit_of_an_empty_field_is_refused_too(plans):
    w, (a, *_), tid, _ = plans
    refused = w.rejects(
        "stale_version", participant(a), "edit_plan", island=tid, field="when", text="Mai", base_version=3
    )
    assert (refused.details["version"], refused.details["text"], refused.details["by"]) == (0, "", None)


def test_only_the_islands_group_writes_its_plan(plans):
    w, (_a, _b, c, _d), tid, roller = plans
    w.rejects("not_island_member", participant(c), "edit_plan", island=tid, field="what", text="Vårt", base_version=0)
    edit(w, c, roller, "what", "Avklare roller", 0)


def test_plans_are_written_in_the_action_plan_phase(plans):
    w, (a, *_), tid, _ = plans
    w.step_back()
    w.rejects("wrong_phase", participant(a), "edit_plan", island=tid, field="what", text="Tidlig", base_version=0)
    w.advance()
    w.advance()
    assert w.phase.kind == PhaseKind.CLOSING
    w.rejects("wrong_phase", participant(a), "edit_plan", island=tid, field="what", text="Sent", base_version=0)
    # The facilitator may still tidy up while the islands report.
    assert edit(w, None, tid, "first_step", "Møte 12. mai", 0).by is None


def test_unchanged_text_is_not_a_new_version(plans):
    w, (a, *_), tid, _ = plans
    edit(w, a, tid, "what", "Skjerme tid", 0)
    w.rejects(
        "nothing_to_change", participant(a), "edit_plan", island=tid, field="what", text=" Skjerme tid ", base_version=1
    )


def test_plan_fields_take_paragraphs_but_not_escape_codes(plans):
    w, (a, *_), tid, _ = plans
    edit(w, a, tid, "how", "1. Avklare\n2. Prøve ut\n3. Evaluere", 0)
    w.rejects("bad_text", participant(a), "edit_plan", island=tid, field="how", text="\x1b[2J", base_version=1)
    w.rejects("text_too_long", participant(a), "edit_plan", island=tid, field="how", text="x" * 2001, base_version=1)
    edit(w, a, tid, "how", "", 1)  # a field may be emptied again
    assert w.state.plans[tid]["how"].version == 2


def test_plans_of_removed_or_unknown_islands_cannot_be_edited(plans):
    w, (a, *_), _tid, _ = plans
    w.rejects("unknown_island", participant(a), "edit_plan", island="I99", field="what", text="x", base_version=0)


def test_a_plan_is_read_in_full_by_its_island_facilitators_and_screens(plans):
    w, (a, b, _, d), tid, _ = plans
    edited = edit(w, a, tid, "what", "Skjerme tid", 0)
    for audience in (SCREEN_VIEW, participant_view(b), FACILITATOR_VIEW):
        assert view_state(w.state, audience).plans[tid]["what"] == PlanField("Skjerme tid", 1, a)
        assert recipients_of(deliveries(w.state, edited), audience) == edited
    # The rest of the room gets it compact: how long, which version, by whom.
    assert view_state(w.state, participant_view(d)).plans[tid]["what"] == PlanField("", 1, a, length=11)
    received = recipients_of(deliveries(w.state, edited), participant_view(d))
    assert received is not None and (received.text, received.length, received.version) == ("", 11, 1)
    assert_mirrors_agree(w.log)


def test_an_island_newly_joined_brings_its_plans_in_full(plans):
    w, (a, *_), tid, _ = plans
    edit(w, a, tid, "what", "Skjerme tid", 0)
    d = w.join("Person 5", "Bodø")
    assert view_state(w.state, participant_view(d)).plans[tid]["what"].text == ""
    (moved,) = w.do(FACILITATOR, "assign_island", participant=d, island=tid)
    carried = recipients_of(deliveries(w.state, moved), participant_view(d))
    assert carried is not None and carried.plans is not None
    assert carried.plans[tid]["what"].text == "Skjerme tid"
    assert view_state(w.state, participant_view(d)).plans[tid]["what"].text == "Skjerme tid"
    # The others only learn who moved.
    assert recipients_of(deliveries(w.state, moved), participant_view(a)).plans is None
    assert_mirrors_agree(w.log)


def test_the_presented_plan_is_read_in_full_by_everyone_until_the_phase_changes(plans):
    w, (a, _, _, d), tid, _ = plans
    edit(w, a, tid, "what", "Skjerme tid", 0)
    w.do(FACILITATOR, "present_island", island=tid)
    assert view_state(w.state, participant_view(d)).plans[tid]["what"].text == "Skjerme tid"
    presented_edit = edit(w, None, tid, "how", "Kalender", 0)
    assert recipients_of(deliveries(w.state, presented_edit), participant_view(d)).text == "Kalender"
    w.advance()
    assert w.state.presenting is None
    assert view_state(w.state, participant_view(d)).plans[tid]["how"] == PlanField("", 1, FACILITATOR.id, length=8)
    assert_mirrors_agree(w.log)


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_plan_readers_change_and_mirrors_follow(anonymous):
    w = Workshop(anonymous=anonymous)
    (a, b, c, d), tid, roller = plans_phase(w)
    edit(w, a, tid, "what", "Skjerme tid", 0)
    edit(w, c, roller, "who", "Per", 0)
    e = w.join("Person 5", "Bodø")
    w.do(FACILITATOR, "assign_island", participant=e, island=roller)
    w.do(FACILITATOR, "present_island", island=roller)
    edit(w, e, roller, "how", "Avklare", 0)
    edit(w, b, tid, "how", "Kalender", 0)
    w.do(FACILITATOR, "present_island", island=tid)
    w.do(FACILITATOR, "remove_participant", participant=d)
    w.advance()
    assert_mirrors_agree(w.log)


def test_in_anonymous_sessions_only_the_writer_knows_an_edit_is_theirs():
    w = Workshop(anonymous=True)
    (a, b, *_), tid, _ = plans_phase(w)
    edit(w, a, tid, "what", "Skjerme tid", 0)
    assert w.state.plans[tid]["what"].by == a  # the server remembers, for stale-edit answers
    assert view_state(w.state, participant_view(a)).plans[tid]["what"].by == a
    for audience in (participant_view(b), SCREEN_VIEW, FACILITATOR_VIEW):
        assert view_state(w.state, audience).plans[tid]["what"].by is None


# ---- closing --------------------------------------------------------------------


def test_each_island_reports_one_at_a_time(plans):
    w, _, tid, roller = plans
    w.do(FACILITATOR, "present_island", island=tid)
    assert w.state.presenting == tid
    w.rejects("nothing_to_change", FACILITATOR, "present_island", island=tid)
    w.advance()
    assert w.state.presenting is None  # a new phase starts without a report on screen
    w.do(FACILITATOR, "present_island", island=roller)
    w.do(FACILITATOR, "present_island", island=None)
    assert w.state.presenting is None
    w.rejects("unknown_island", FACILITATOR, "present_island", island="I99")


def test_presenting_needs_the_plan_or_closing_phase(workshop):
    workshop.rejects("wrong_phase", FACILITATOR, "present_island", island=None)


def test_next_steps_and_the_next_meeting_are_agreed_while_closing(plans):
    w, (a, *_), _, _ = plans
    w.rejects("wrong_phase", FACILITATOR, "add_next_step", text="Rapport til kommunene")
    w.advance()
    (added,) = w.do(FACILITATOR, "add_next_step", text="Rapport til kommunene innen fredag")
    w.do(FACILITATOR, "add_next_step", text="Invitere skoleledere")
    w.do(FACILITATOR, "remove_next_step", step=added.step)
    assert [s.text for s in w.state.next_steps.values() if not s.removed] == ["Invitere skoleledere"]
    w.rejects("unknown_step", FACILITATOR, "remove_next_step", step=added.step)
    w.do(FACILITATOR, "set_next_meeting", text="Tirsdag 3. juni kl. 09, Bodø")
    assert w.state.next_meeting == "Tirsdag 3. juni kl. 09, Bodø"
    w.rejects("not_facilitator", participant(a), "add_next_step", text="Min idé")


def test_check_out_next_to_the_check_in(workshop):
    pid = workshop.join("Kari")
    workshop.do(participant(pid), "check_in", text="Konkrete tiltak")
    workshop.goto(PhaseKind.CLOSING)
    workshop.do(participant(pid), "check_out", text="Fikk det")
    workshop.do(participant(pid), "check_out", text="Fikk det, takk")
    assert [n.text for n in workshop.state.check_ins.values()] == ["Konkrete tiltak"]
    assert [(n.author, n.text) for n in workshop.state.check_outs.values()] == [(pid, "Fikk det, takk")]
