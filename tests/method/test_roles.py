"""Who may do what: facilitators, participants, screens and guests."""

import pytest

from kompsesjon.method import FACILITATOR, GUEST, PhaseKind, participant
from kompsesjon.method.commands import FACILITATOR_ALSO, PARTICIPANT_COMMANDS, Command

from .workshop import SCREEN, Workshop

LINK = [{"board": "critique", "card": "K1"}]

# One well-formed example of every command.
EXAMPLES = {
    "join": {"name": "Kari"},
    "set_profile": {"name": "Kari", "org": "Bodø"},
    "set_region": {"region": "Nordland"},
    "check_in": {"text": "Håp"},
    "check_out": {"text": "Takk"},
    "add_item": {"board": "critique", "text": "Lite tid"},
    "edit_item": {"item": "K1", "text": "Mindre tid"},
    "withdraw_item": {"item": "K1"},
    "raise_red_card": {"note": "Hersketeknikk"},
    "place_dot": {"board": "critique", "card": "K1"},
    "remove_dot": {"board": "critique", "card": "K1"},
    "move_dot": {"board": "critique", "card": "K1", "to": "K2"},
    "mark_done": {"board": "critique"},
    "abstain": {"board": "critique"},
    "choose_island": {"island": "I1"},
    "edit_plan": {"island": "I1", "field": "what", "text": "Tiltak", "base_version": 0},
    "edit_session": {"title": "Ny tittel"},
    "change_rules": {"dot_budget": 6},
    "advance_phase": {"current": 0},
    "step_back": {"current": 0},
    "set_timer": {"seconds": 300},
    "extend_timer": {"seconds": 60},
    "pause_timer": {},
    "resume_timer": {},
    "clear_timer": {},
    "reveal_items": {"board": "critique"},
    "merge": {"board": "critique", "cards": ["K1", "K2"]},
    "undo_merge": {"theme": "T1"},
    "rename_theme": {"theme": "T1", "title": "Tid"},
    "detach_item": {"item": "K1"},
    "close_vote": {"board": "critique"},
    "reveal_tally": {"board": "critique"},
    "form_buzz_pairs": {"seed": 1},
    "clear_buzz_pairs": {},
    "dismiss_red_card": {"card": "R1"},
    "create_island": {"title": "Tid", "links": LINK},
    "update_island": {"island": "I1", "title": "Tid"},
    "remove_island": {"island": "I1"},
    "assign_island": {"participant": "p1", "island": "I1"},
    "place_unassigned": {},
    "present_island": {"island": None},
    "add_next_step": {"text": "Rapport"},
    "remove_next_step": {"step": "S1"},
    "set_next_meeting": {"text": "Juni"},
    "remove_participant": {"participant": "p1"},
    "edit_answer": {"phase": 0, "question": 0, "group": "G1", "text": "Svar", "base_version": 0},
    "set_group_role": {"group": "G1", "role": "rapporteur", "participant": None},
    "form_groups": {"set": "base"},
    "move_to_group": {"set": "base", "participant": "p1", "group": None},
    "present_group": {"group": None},
    "edit_report_text": {"field": "summary", "text": "Vi ble enige om tre tiltak.", "base_version": 0},
    "evaluate": {"rating": 4, "text": "Mer tid til øyene"},
    "close_session": {},
    "reopen_session": {},
    "set_action_status": {"action": "a1b2c3d4e5f6:I1", "status": "done"},
    "edit_action_note": {"action": "a1b2c3d4e5f6:I1", "field": "happened", "text": "Mye", "base_version": 0},
    "present_action": {"action": None},
    "follow_session": {"token": "f-0123456789"},
    "name_owner": {"island": "I1", "name": "Kari", "org": "Bodø"},
    "unname_owner": {"island": "I1", "name": "Kari", "org": "Bodø"},
}
ALL_KINDS = sorted(t.model_fields["type"].default for t in Command.__args__[0].__args__)
FACILITATOR_ONLY = sorted(set(ALL_KINDS) - PARTICIPANT_COMMANDS - {"join"})
PARTICIPANT_ONLY = sorted(PARTICIPANT_COMMANDS - FACILITATOR_ALSO)


def test_every_command_has_an_example():
    assert sorted(EXAMPLES) == ALL_KINDS


@pytest.fixture
def room(workshop):
    kari = workshop.join("Kari", "Bodø")
    return workshop, kari


@pytest.mark.parametrize("kind", FACILITATOR_ONLY)
def test_participants_cannot_send_facilitator_commands(room, kind):
    w, kari = room
    refused = w.rejects("not_facilitator", participant(kari), kind, **EXAMPLES[kind])
    assert refused.details == {"command": kind}


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_screen_only_shows(room, kind):
    w, _ = room
    w.rejects("read_only", SCREEN, kind, **EXAMPLES[kind])


@pytest.mark.parametrize("kind", sorted(set(ALL_KINDS) - {"join"}))
def test_a_guest_must_join_first(room, kind):
    w, _ = room
    w.rejects("not_joined", GUEST, kind, **EXAMPLES[kind])


@pytest.mark.parametrize("kind", PARTICIPANT_ONLY)
def test_facilitators_do_not_write_as_participants(room, kind):
    w, _ = room
    w.rejects("not_participant", FACILITATOR, kind, **EXAMPLES[kind])


def test_joining_twice_is_refused(room):
    w, kari = room
    w.rejects("already_joined", participant(kari), "join", name="Kari igjen")
    w.rejects("already_joined", FACILITATOR, "join", name="Fasilitator")


def test_a_name_is_needed_unless_the_session_is_anonymous(workshop, anonymous):
    workshop.rejects("text_empty", GUEST, "join", name="  ")
    workshop.rejects("text_too_long", GUEST, "join", name="N" * 61)
    pid = anonymous.join()
    assert anonymous.state.participants[pid].name == ""


def test_participants_get_their_own_ids(workshop):
    assert workshop.join_many(("Kari", "Bodø"), ("Ola", "")) == ["p1", "p2"]
    assert workshop.state.participants["p1"].org == "Bodø"


def test_a_participant_changes_their_profile(room):
    w, kari = room
    w.do(participant(kari), "set_profile", name="Kari N.", org="Salten regionråd")
    person = w.state.participants[kari]
    assert (person.name, person.org) == ("Kari N.", "Salten regionråd")
    w.rejects("text_empty", participant(kari), "set_profile", name="", org="Bodø")


def test_an_unknown_participant_can_do_nothing(room):
    w, _ = room
    w.rejects("unknown_participant", participant("p99"), "check_in", text="Hei")


def test_a_removed_participant_can_do_nothing(room):
    w, kari = room
    w.do(FACILITATOR, "remove_participant", participant=kari)
    assert w.state.participants[kari].removed
    for kind in sorted(PARTICIPANT_COMMANDS):
        w.rejects("participant_removed", participant(kari), kind, **EXAMPLES[kind])
    w.rejects("already_removed", FACILITATOR, "remove_participant", participant=kari)
    w.rejects("unknown_participant", FACILITATOR, "remove_participant", participant="p99")


def test_two_facilitators_racing_to_advance_move_only_one_phase(workshop):
    # Both facilitators see phase 0 and press "next" at the same time.
    seen_by_first = seen_by_second = workshop.state.phase
    workshop.do(FACILITATOR, "advance_phase", current=seen_by_first)
    workshop.rejects("phase_changed", FACILITATOR, "advance_phase", current=seen_by_second)
    assert workshop.state.phase == 1
    seen = workshop.state.phase
    workshop.do(FACILITATOR, "step_back", current=seen)
    workshop.rejects("phase_changed", FACILITATOR, "step_back", current=seen)
    assert workshop.state.phase == 0


def test_facilitator_moderates_but_participants_write(room):
    w, kari = room
    w.goto(PhaseKind.BRAINSTORM, "critique")
    w.do(FACILITATOR, "add_item", board="critique", text="Fra fasilitator")
    w.do(participant(kari), "add_item", board="critique", text="Fra Kari")
    assert [i.author for i in w.state.items.values()] == [None, kari]


def test_a_well_formed_command_needs_an_id():
    with pytest.raises(ValueError):
        Workshop().do(FACILITATOR, "clear_timer", id="has spaces")
