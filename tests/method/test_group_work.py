"""Group rounds (dialogue conference, case reflection): groups, roles, shared answers."""

from collections import Counter

import pytest

from kompsesjon.method import FACILITATOR, PhaseKind, dump_state, evolve, load_state, participant
from kompsesjon.method.events import load_event
from kompsesjon.method.group_work import (
    active_groups,
    answer,
    answer_keys,
    group_number,
    group_of,
    needs_region,
    org_group,
    questions_of,
    reporting_phases,
    written,
)
from kompsesjon.method.state import AnswerKey
from kompsesjon.method.visibility import FACILITATOR_VIEW, SCREEN_VIEW, participant_view, view_state

from .workshop import CONFERENCE_AGENDA as AGENDA
from .workshop import CONFERENCE_GROUP_SETS as SETS
from .workshop import Workshop, assert_mirrors_agree

PEOPLE = [
    ("Kari", "Bodø"),
    ("Ola", "Bodø"),
    ("Per", "Meløy"),
    ("Lise", "Meløy"),
    ("Nils", "Saltdal"),
    ("Åse", "Saltdal"),
]
BASE, CROSS, REPORT, FOLLOW_UP = 2, 3, 4, 5


def conference(anonymous: bool = False, people=PEOPLE) -> tuple[Workshop, list[str]]:
    w = Workshop(anonymous=anonymous, agenda=AGENDA, boards=[], group_sets=SETS)
    return w, w.join_many(*people)


def form(w, group_set, seed=1):
    (formed,) = w.do(FACILITATOR, "form_groups", set=group_set, seed=seed)
    return formed.groups


def answer_it(w, actor, group, text, base, question=0, phase=None):
    (edited,) = w.do(
        actor,
        "edit_answer",
        phase=w.state.phase if phase is None else phase,
        question=question,
        group=group,
        text=text,
        base_version=base,
    )
    return edited


@pytest.fixture
def base_round():
    w, people = conference()
    groups = form(w, "base")
    w.goto(PhaseKind.GROUP_WORK)
    return w, people, groups


# ---- forming groups -------------------------------------------------------------


def test_mixed_groups_are_small_and_mix_organisations():
    w, people = conference()
    groups = form(w, "base")
    assert sorted(p for members in groups.values() for p in members) == sorted(people)
    assert all(len(members) <= 3 for members in groups.values())
    for members in groups.values():
        orgs = [w.state.participants[p].org for p in members]
        assert len(set(orgs)) == len(orgs)  # three organisations, groups of three


def test_the_same_seed_forms_the_same_groups_and_reforming_replaces_them():
    w1, _ = conference()
    w2, _ = conference()
    assert form(w1, "base", seed=9) == form(w2, "base", seed=9)
    first = set(form(w1, "base", seed=3))
    second = set(form(w1, "base", seed=4))
    assert not first & second
    assert {g.id for g in active_groups(w1.state, "base")} == second


def test_groups_by_organisation_split_when_too_big():
    w, _people = conference(people=[*PEOPLE, ("Siv", "Bodø"), ("Tor", "")])
    groups = form(w, "kommune")
    org = {p: w.state.participants[p].org for p in w.state.participants}
    for members in groups.values():
        assert len({org[p] for p in members}) == 1 and len(members) <= 2
    bodo = [members for members in groups.values() if org[members[0]] == "Bodø"]
    assert sorted(len(m) for m in bodo) == [1, 2]  # three from Bodø, at most two a group


def test_cross_groups_bring_people_from_different_base_groups_together():
    w, _people = conference()
    refused = w.rejects("groups_missing", FACILITATOR, "form_groups", set="cross", seed=1)
    assert "Basisgrupper" in refused.message
    base = form(w, "base")
    cross = form(w, "cross")
    home = {p: g for g, members in base.items() for p in members}
    for members in cross.values():
        assert len({home[p] for p in members}) == len(members)
    assert len(active_groups(w.state, "base")) == len(base)  # base groups stay as they were


def test_groups_need_people_and_a_known_set():
    w = Workshop(agenda=AGENDA, boards=[], group_sets=SETS)
    w.rejects("too_few_participants", FACILITATOR, "form_groups", set="base")
    w.join("Kari", "Bodø")
    w.rejects("unknown_group_set", FACILITATOR, "form_groups", set="nope")


def test_without_a_seed_groups_are_still_reproducible():
    w1, _ = conference()
    w2, _ = conference()
    assert w1.do(FACILITATOR, "form_groups", set="base") == w2.do(FACILITATOR, "form_groups", set="base")


def test_the_facilitator_moves_people_between_groups():
    w, (kari, *_) = conference()
    groups = form(w, "base")
    home = group_of(w.state, "base", kari).id
    other = next(g for g in groups if g != home)
    w.do(FACILITATOR, "move_to_group", set="base", participant=kari, group=other)
    assert kari in w.state.groups[other].members and kari not in w.state.groups[home].members
    w.rejects("nothing_to_change", FACILITATOR, "move_to_group", set="base", participant=kari, group=other)
    w.do(FACILITATOR, "move_to_group", set="base", participant=kari, group=None)
    assert group_of(w.state, "base", kari) is None
    w.rejects("nothing_to_change", FACILITATOR, "move_to_group", set="base", participant=kari, group=None)
    w.rejects("unknown_group", FACILITATOR, "move_to_group", set="base", participant=kari, group="G99")
    w.rejects("unknown_group_set", FACILITATOR, "move_to_group", set="x", participant=kari, group=other)
    w.rejects("unknown_participant", FACILITATOR, "move_to_group", set="base", participant="p99", group=other)


def test_a_group_of_another_set_is_not_a_target():
    w, (kari, *_) = conference()
    form(w, "base")
    cross = form(w, "cross")
    w.rejects("unknown_group", FACILITATOR, "move_to_group", set="base", participant=kari, group=next(iter(cross)))


def test_everyone_sees_the_groups(base_round):
    w, (kari, *_), groups = base_round
    for audience in (participant_view(kari), SCREEN_VIEW):
        assert {g.id: g.members for g in view_state(w.state, audience).groups.values()} == groups


# ---- roles --------------------------------------------------------------------------


def test_a_member_takes_and_gives_up_the_rapporteur_role(base_round):
    w, (kari, *_), _ = base_round
    group = group_of(w.state, "base", kari)
    w.do(participant(kari), "set_group_role", group=group.id, role="rapporteur", participant=kari)
    assert w.state.groups[group.id].rapporteur == kari
    w.rejects(
        "nothing_to_change", participant(kari), "set_group_role", group=group.id, role="rapporteur", participant=kari
    )
    w.do(participant(kari), "set_group_role", group=group.id, role="rapporteur", participant=None)
    assert w.state.groups[group.id].rapporteur is None
    w.rejects("nothing_to_change", participant(kari), "set_group_role", group=group.id, role="host", participant=None)


def test_roles_only_within_ones_own_group(base_round):
    w, (kari, *_), groups = base_round
    mine = group_of(w.state, "base", kari).id
    other = next(g for g in groups if g != mine)
    stranger = groups[other][0]
    w.rejects("not_group_member", participant(kari), "set_group_role", group=other, role="host", participant=kari)
    mate = next(p for p in groups[mine] if p != kari)
    w.rejects("not_group_member", participant(kari), "set_group_role", group=mine, role="host", participant=mate)
    w.rejects("not_group_member", FACILITATOR, "set_group_role", group=mine, role="host", participant=stranger)
    w.do(FACILITATOR, "set_group_role", group=mine, role="host", participant=mate)
    assert w.state.groups[mine].host == mate
    w.rejects("unknown_group", FACILITATOR, "set_group_role", group="G99", role="host", participant=None)


def test_moving_someone_out_drops_their_role(base_round):
    w, (kari, *_), _ = base_round
    mine = group_of(w.state, "base", kari).id
    w.do(participant(kari), "set_group_role", group=mine, role="host", participant=kari)
    w.do(participant(kari), "set_group_role", group=mine, role="rapporteur", participant=kari)
    w.do(FACILITATOR, "move_to_group", set="base", participant=kari, group=None)
    assert (w.state.groups[mine].host, w.state.groups[mine].rapporteur) == (None, None)


# ---- answers --------------------------------------------------------------------------


def test_a_group_writes_one_shared_answer_per_question(base_round):
    w, (kari, *_), _ = base_round
    group = group_of(w.state, "base", kari)
    mate = next(p for p in group.members if p != kari)
    assert answer_it(w, participant(kari), group.id, "Tidspress", 0).version == 1
    assert answer_it(w, participant(mate), group.id, "Tidspress og roller", 1).version == 2
    answer_it(w, participant(mate), group.id, "Veiledning av nyansatte", 0, question=1)
    got = answer(w.state, w.state.phase, 0, group.id)
    assert (got.text, got.version, got.by) == ("Tidspress og roller", 2, mate)
    assert questions_of(w.state, w.state.phase) == ["Hva kjenner dere igjen?", "Hvilket eksempel deler dere?"]


def test_a_stale_answer_is_refused_with_the_newer_text(base_round):
    w, (kari, *_), _ = base_round
    group = group_of(w.state, "base", kari)
    mate = next(p for p in group.members if p != kari)
    answer_it(w, participant(kari), group.id, "Tidspress", 0)
    refused = w.rejects(
        "stale_version",
        participant(mate),
        "edit_answer",
        phase=BASE,
        question=0,
        group=group.id,
        text="Roller",
        base_version=0,
    )
    assert (refused.details["text"], refused.details["version"], refused.details["by"]) == ("Tidspress", 1, kari)
    w.rejects(
        "nothing_to_change",
        participant(kari),
        "edit_answer",
        phase=BASE,
        question=0,
        group=group.id,
        text="Tidspress",
        base_version=1,
    )


def test_only_the_groups_members_write_its_answers(base_round):
    w, (kari, *_), groups = base_round
    other = next(g for g, members in groups.items() if kari not in members)
    w.rejects(
        "not_group_member",
        participant(kari),
        "edit_answer",
        phase=BASE,
        question=0,
        group=other,
        text="x",
        base_version=0,
    )
    answer_it(w, FACILITATOR, other, "Notert av fasilitator", 0)


def test_answers_are_written_in_their_own_phase_to_its_questions(base_round):
    w, (kari, *_), _ = base_round
    mine = group_of(w.state, "base", kari).id
    w.rejects(
        "unknown_question",
        participant(kari),
        "edit_answer",
        phase=BASE,
        question=2,
        group=mine,
        text="x",
        base_version=0,
    )
    w.rejects(
        "wrong_phase", participant(kari), "edit_answer", phase=CROSS, question=0, group=mine, text="x", base_version=0
    )
    w.rejects(
        "wrong_phase", participant(kari), "edit_answer", phase=99, question=0, group=mine, text="x", base_version=0
    )
    w.rejects(
        "unknown_group", participant(kari), "edit_answer", phase=BASE, question=0, group="G99", text="x", base_version=0
    )
    w.step_back()
    w.rejects(
        "wrong_phase", participant(kari), "edit_answer", phase=1, question=0, group=mine, text="x", base_version=0
    )


def test_cross_groups_answer_in_the_cross_round():
    w, (kari, *_) = conference()
    form(w, "base")
    form(w, "cross")
    w.goto(PhaseKind.GROUP_WORK)
    w.advance()
    assert w.state.phase == CROSS
    base_group = group_of(w.state, "base", kari).id
    cross_group = group_of(w.state, "cross", kari).id
    w.rejects(
        "unknown_group",
        participant(kari),
        "edit_answer",
        phase=CROSS,
        question=0,
        group=base_group,
        text="x",
        base_version=0,
    )
    answer_it(w, participant(kari), cross_group, "Nye spørsmål", 0)


def test_the_report_locks_the_discussion_and_shows_one_group_at_a_time(base_round):
    w, (kari, *_), _groups = base_round
    mine = group_of(w.state, "base", kari).id
    w.rejects("wrong_phase", FACILITATOR, "present_group", group=mine)
    w.goto(PhaseKind.REPORT)
    w.rejects(
        "discussion_locked",
        participant(kari),
        "edit_answer",
        phase=REPORT,
        question=0,
        group=mine,
        text="x",
        base_version=0,
    )
    w.do(FACILITATOR, "present_group", group=mine)
    assert w.state.presenting_group == mine
    w.rejects("nothing_to_change", FACILITATOR, "present_group", group=mine)
    w.rejects("unknown_group", FACILITATOR, "present_group", group="G99")
    w.advance()
    assert w.state.presenting_group is None


def test_groups_formed_again_during_the_report_end_the_presentation(base_round):
    w, (kari, *_), _groups = base_round
    w.goto(PhaseKind.REPORT)
    w.do(FACILITATOR, "present_group", group=group_of(w.state, "base", kari).id)
    form(w, "base", seed=2)  # the group being shown no longer exists
    assert w.state.presenting_group is None
    assert_mirrors_agree(w.log)


def test_only_groups_of_the_reporting_set_are_presented():
    w, _ = conference()
    form(w, "base")
    cross = form(w, "cross")
    w.goto(PhaseKind.REPORT)
    w.rejects("unknown_group", FACILITATOR, "present_group", group=next(iter(cross)))


def test_follow_up_is_written_per_organisation():
    w, (kari, ola, per, *_) = conference(people=[*PEOPLE, ("Tor", "")])
    tor = "p7"
    w.goto(PhaseKind.FOLLOW_UP)
    assert questions_of(w.state, FOLLOW_UP) == ["Hva gjør vi før neste samling?"]
    bodo = org_group("Bodø", kari)
    assert bodo == org_group(" bodø ", ola) == "org:bodø"
    answer_it(w, participant(kari), bodo, "Planleggingsdag i januar", 0)
    answer_it(w, participant(ola), bodo, "Planleggingsdag 8. januar", 1)
    w.rejects(
        "not_group_member",
        participant(per),
        "edit_answer",
        phase=FOLLOW_UP,
        question=0,
        group=bodo,
        text="x",
        base_version=2,
    )
    w.rejects(
        "unknown_group",
        participant(per),
        "edit_answer",
        phase=FOLLOW_UP,
        question=0,
        group="org:narvik",
        text="x",
        base_version=0,
    )
    answer_it(w, participant(tor), org_group("", tor), "Snakke med rektor", 0)  # no organisation: one's own
    answer_it(w, FACILITATOR, org_group("Meløy", per), "Notert", 0)


def test_in_anonymous_sessions_answers_do_not_name_their_writer():
    w, (kari, *_) = conference(anonymous=True)
    form(w, "base")
    w.goto(PhaseKind.GROUP_WORK)
    group = group_of(w.state, "base", kari)
    mate = next(p for p in group.members if p != kari)
    answer_it(w, participant(kari), group.id, "Tidspress", 0)
    key = AnswerKey(phase=BASE, question=0, group=group.id)
    assert view_state(w.state, participant_view(kari)).answers[key].by == kari
    for audience in (participant_view(mate), SCREEN_VIEW, FACILITATOR_VIEW):
        assert view_state(w.state, audience).answers[key].by is None
    refused = w.rejects(
        "stale_version",
        participant(mate),
        "edit_answer",
        phase=BASE,
        question=0,
        group=group.id,
        text="Roller",
        base_version=0,
    )
    assert refused.details["by"] is None and refused.details["text"] == "Tidspress"


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_the_mirror_law_holds_over_a_dialogue_conference(anonymous):
    w, people = conference(anonymous=anonymous)
    w.goto(PhaseKind.PLENARY)
    form(w, "base")
    w.advance()
    for pid in people:
        group = group_of(w.state, "base", pid).id
        current = answer(w.state, BASE, 0, group)
        answer_it(w, participant(pid), group, f"Svar fra {pid}", current.version if current else 0)
        if w.state.groups[group].rapporteur is None:
            w.do(participant(pid), "set_group_role", group=group, role="rapporteur", participant=pid)
    form(w, "cross")
    w.advance()
    w.do(FACILITATOR, "move_to_group", set="cross", participant=people[0], group=None)
    w.advance()
    w.do(FACILITATOR, "present_group", group=group_of(w.state, "base", people[1]).id)
    w.advance()
    for pid in people[:3]:
        key = org_group(w.state.participants[pid].org, pid)
        current = answer(w.state, FOLLOW_UP, 0, key)
        answer_it(w, participant(pid), key, f"Tiltak fra {pid}", current.version if current else 0)
    assert Counter(e.type for e in w.log)["answer_edited"] >= len(people) + 2
    assert_mirrors_agree(w.log)


# ---- sub-questions answered one by one ----------------------------------------


def test_sub_questions_answered_one_by_one_are_separate_versioned_answers(base_round):
    w, (kari, *_), _ = base_round
    group = group_of(w.state, "base", kari)
    mate = next(p for p in group.members if p != kari)
    assert [k.sub for k in answer_keys(w.state, BASE, group.id)] == [None, None, 0, 1]
    answer_it(w, participant(kari), group.id, "Eksempelet fra Bodø", 0, question=1)
    (worked,) = w.do(
        participant(mate),
        "edit_answer",
        phase=BASE,
        question=1,
        sub=0,
        group=group.id,
        text="Faste møter",
        base_version=0,
    )
    assert worked.sub == 0 and worked.version == 1
    w.do(participant(kari), "edit_answer", phase=BASE, question=1, sub=1, group=group.id, text="Tid", base_version=0)
    assert answer(w.state, BASE, 1, group.id).text == "Eksempelet fra Bodø"
    assert answer(w.state, BASE, 1, group.id, sub=0).text == "Faste møter"
    assert answer(w.state, BASE, 1, group.id, sub=1).text == "Tid"
    assert written(w.state, BASE, group.id) == (3, 4)
    refused = w.rejects(
        "stale_version",
        participant(kari),
        "edit_answer",
        phase=BASE,
        question=1,
        sub=0,
        group=group.id,
        text="Møter hver uke",
        base_version=0,
    )
    assert refused.details["text"] == "Faste møter" and refused.details["sub"] == 0


def test_only_sub_questions_the_template_answers_on_their_own_take_an_answer(base_round):
    w, (kari, *_), _ = base_round
    mine = group_of(w.state, "base", kari).id
    common = {"phase": BASE, "group": mine, "text": "x", "base_version": 0}
    w.rejects("unknown_question", participant(kari), "edit_answer", question=0, sub=0, **common)
    w.rejects("unknown_question", participant(kari), "edit_answer", question=1, sub=2, **common)


def test_an_answer_edited_before_sub_questions_existed_still_replays():
    # A log line written before answers had a sub-question: no "sub" field.
    line = '{"type":"answer_edited","phase":2,"question":0,"group":"G1","text":"Tidspress","version":1,"by":"p1"}'
    w, _ = conference()
    form(w, "base")
    state = w.state
    evolve(state, load_event(line))
    assert answer(state, 2, 0, "G1").text == "Tidspress"
    assert load_event(line).sub is None


def test_answers_travel_as_records_with_their_structured_key(base_round):
    w, (kari, *_), _ = base_round
    group = group_of(w.state, "base", kari).id
    w.do(participant(kari), "edit_answer", phase=BASE, question=1, sub=1, group=group, text="Tid", base_version=0)
    dumped = dump_state(w.state)
    assert dumped["answers"] == [
        {"phase": BASE, "question": 1, "group": group, "sub": 1, "text": "Tid", "version": 1, "by": kari}
    ]
    assert load_state(dumped).answers == w.state.answers


# ---- regions and labels ---------------------------------------------------------


def test_groups_by_region_put_each_county_together_and_are_labelled_by_it():
    w = Workshop(agenda=AGENDA, boards=[], group_sets=SETS)
    kari = w.join("Kari", "Bodø", region="Nordland")
    ola = w.join("Ola", "Fauske", region="nordland ")
    per = w.join("Per", "Tromsø")
    w.do(participant(per), "set_region", region="Troms")
    groups = form(w, "fylke")
    labels = {w.state.groups[g].label: sorted(members) for g, members in groups.items()}
    assert labels == {"Nordland": sorted([kari, ola]), "Troms": [per]}


def test_a_region_is_needed_before_groups_by_region_are_formed():
    w = Workshop(agenda=AGENDA, boards=[], group_sets=SETS)
    kari = w.join("Kari", "Bodø")
    assert needs_region(w.state)
    w.rejects("regions_missing", FACILITATOR, "form_groups", set="fylke")
    w.do(FACILITATOR, "set_region", participant=kari, region="Nordland")
    assert w.state.participants[kari].region == "Nordland"
    w.rejects("nothing_to_change", participant(kari), "set_region", region="Nordland")
    w.rejects("not_facilitator", participant(kari), "set_region", participant="p9", region="Troms")
    w.rejects("unknown_participant", FACILITATOR, "set_region", region="Troms")
    w.rejects("text_too_long", participant(kari), "set_region", region="x" * 81)
    form(w, "fylke")


def test_groups_by_organisation_carry_its_name_numbered_when_split():
    w, _ = conference(people=[*PEOPLE, ("Siv", "bodø")])
    groups = form(w, "kommune")
    labels = sorted(w.state.groups[g].label for g in groups)
    assert labels == ["Bodø (1)", "Bodø (2)", "Meløy", "Saltdal"]


def test_mixed_groups_have_no_label_and_are_numbered_in_the_order_formed():
    w, _ = conference()
    groups = form(w, "base")
    numbered = [group_number(w.state, w.state.groups[g]) for g in groups]
    assert numbered == list(range(1, len(groups) + 1))
    assert all(w.state.groups[g].label == "" for g in groups)


# ---- reporting --------------------------------------------------------------


def test_presenting_a_group_gives_its_rapporteur_the_templates_minutes(base_round):
    w, (kari, *_), _ = base_round
    mine = group_of(w.state, "base", kari).id
    w.goto(PhaseKind.REPORT)
    presented, timer = w.do(FACILITATOR, "present_group", group=mine)
    assert presented.group == mine and timer.timer.deadline == w.now + 3 * 60
    assert reporting_phases(w.state, w.state.phase) == [BASE]
    assert len(w.do(FACILITATOR, "present_group", group=None)) == 1  # back to the overview: no timer
