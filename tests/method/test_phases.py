"""Walking the agenda: advancing, stepping back, what each phase allows."""

from kompsesjon.method import FACILITATOR, PhaseKind, participant
from kompsesjon.method.agenda import Phase
from kompsesjon.method.visibility import SCREEN_VIEW, participant_view, view_state

from .workshop import Workshop


def test_the_framtidsverksted_agenda_walks_critique_then_vision_then_realisation():
    kinds = [(p.kind, p.board) for p in Workshop().state.agenda]
    assert kinds == [
        (PhaseKind.INTRO, None),
        (PhaseKind.BRAINSTORM, "critique"),
        (PhaseKind.CLUSTER, "critique"),
        (PhaseKind.VOTE, "critique"),
        (PhaseKind.RANKING, "critique"),
        (PhaseKind.BRAINSTORM, "vision"),
        (PhaseKind.CLUSTER, "vision"),
        (PhaseKind.VOTE, "vision"),
        (PhaseKind.RANKING, "vision"),
        (PhaseKind.ISLANDS, None),
        (PhaseKind.ACTION_PLANS, None),
        (PhaseKind.CLOSING, None),
    ]
    assert all(p.minutes > 0 for p in Workshop().state.agenda)


def test_a_session_starts_in_the_intro_and_everyone_sees_the_agenda(workshop):
    pid = workshop.join("Kari", "Bodø kommune")
    assert workshop.state.phase == 0
    assert workshop.phase.kind == PhaseKind.INTRO
    for audience in (participant_view(pid), SCREEN_VIEW):
        assert view_state(workshop.state, audience).agenda == workshop.state.agenda


def test_advance_moves_one_phase_and_says_where_it_came_from(workshop):
    (changed,) = workshop.advance()
    assert (changed.type, changed.phase, changed.previous) == ("phase_changed", 1, 0)
    assert workshop.phase.kind == PhaseKind.BRAINSTORM and workshop.phase.board == "critique"


def test_step_back_returns_to_the_previous_phase(workshop):
    workshop.goto(PhaseKind.CLUSTER, "critique")
    (changed,) = workshop.step_back()
    assert (changed.phase, changed.previous) == (1, 2)
    assert workshop.phase.kind == PhaseKind.BRAINSTORM


def test_cannot_step_back_before_the_first_phase(workshop):
    workshop.rejects("first_phase", FACILITATOR, "step_back", current=0)


def test_cannot_advance_past_the_last_phase(workshop):
    workshop.goto(PhaseKind.CLOSING)
    assert workshop.state.phase == len(workshop.state.agenda) - 1
    workshop.rejects("last_phase", FACILITATOR, "advance_phase", current=workshop.state.phase)


def test_a_stale_phase_number_is_refused_and_tells_the_current_phase(workshop):
    workshop.advance()
    refused = workshop.rejects("phase_changed", FACILITATOR, "advance_phase", current=0)
    assert refused.details == {"phase": 1}
    workshop.rejects("phase_changed", FACILITATOR, "step_back", current=5)


def test_a_phase_change_clears_the_timer(workshop):
    workshop.do(FACILITATOR, "set_timer", seconds=600)
    assert workshop.state.timer.running
    workshop.advance()
    assert not workshop.state.timer.running and not workshop.state.timer.paused


def test_check_in_only_during_the_intro(workshop):
    pid = workshop.join("Kari")
    workshop.do(participant(pid), "check_in", text="Håper vi finner noe konkret")
    workshop.advance()
    refused = workshop.rejects("wrong_phase", participant(pid), "check_in", text="for sent")
    assert refused.details == {"phase": "brainstorm", "wanted": ["intro"]}


def test_check_in_again_replaces_ones_own_hopes(workshop):
    kari, ola = workshop.join("Kari"), workshop.join("Ola")
    workshop.do(participant(kari), "check_in", text="Første tanke")
    workshop.do(participant(ola), "check_in", text="Olas håp")
    workshop.do(participant(kari), "check_in", text="Bedre formulert")
    notes = {n.author: n.text for n in workshop.state.check_ins.values()}
    assert notes == {kari: "Bedre formulert", ola: "Olas håp"}


def test_cards_only_on_the_board_being_brainstormed(workshop):
    pid = workshop.join("Kari")
    workshop.rejects("wrong_phase", participant(pid), "add_item", board="critique", text="for tidlig")
    workshop.advance()
    workshop.rejects("wrong_phase", participant(pid), "add_item", board="vision", text="feil tavle")
    workshop.rejects("unknown_board", participant(pid), "add_item", board="drøm", text="finnes ikke")
    workshop.card(pid, "Lite tid")
    assert [i.text for i in workshop.state.items.values()] == ["Lite tid"]


def test_facilitator_may_add_cards_while_clustering_but_participants_may_not(workshop):
    pid = workshop.join("Kari")
    workshop.goto(PhaseKind.CLUSTER, "critique")
    workshop.rejects("wrong_phase", participant(pid), "add_item", board="critique", text="sent innfall")
    (added,) = workshop.do(FACILITATOR, "add_item", board="critique", text="Fra veggen")
    assert added.item.author is None and not added.private


def test_check_out_only_while_closing(workshop):
    pid = workshop.join("Kari")
    workshop.rejects("wrong_phase", participant(pid), "check_out", text="Takk")
    workshop.goto(PhaseKind.CLOSING)
    workshop.do(participant(pid), "check_out", text="Takk for i dag")
    assert [n.text for n in workshop.state.check_outs.values()] == ["Takk for i dag"]


def test_the_whole_day_can_be_walked_and_walked_back(workshop):
    workshop.goto(PhaseKind.CLOSING)
    for _ in range(len(workshop.state.agenda) - 1):
        workshop.step_back()
    assert workshop.state.phase == 0


def test_agenda_from_a_template_may_have_only_some_phases():
    short = [
        Phase(kind=PhaseKind.INTRO),
        Phase(kind=PhaseKind.BRAINSTORM, board="vision"),
        Phase(kind=PhaseKind.CLOSING),
    ]
    w = Workshop(agenda=short)
    pid = w.join("Kari")
    w.advance()
    w.card(pid, "Alle har tid til å lære", board="vision")
    w.advance()
    w.rejects("last_phase", FACILITATOR, "advance_phase", current=2)


def test_facilitator_edits_title_and_question(workshop):
    workshop.do(FACILITATOR, "edit_session", question="Hva hindrer samarbeid på tvers?")
    assert workshop.state.question == "Hva hindrer samarbeid på tvers?"
    assert workshop.state.title == "Framtidsverksted Salten"
    workshop.do(FACILITATOR, "edit_session", title="Nettverksmøte", question="")
    assert (workshop.state.title, workshop.state.question) == ("Nettverksmøte", "")
    workshop.rejects("nothing_to_change", FACILITATOR, "edit_session")
    workshop.rejects("text_empty", FACILITATOR, "edit_session", title="   ")


def test_rules_change_within_their_bounds(workshop):
    workshop.do(FACILITATOR, "change_rules", dot_budget=8, list_cut=3)
    assert (workshop.state.rules.dot_budget, workshop.state.rules.dot_cap, workshop.state.rules.list_cut) == (8, 3, 3)
    workshop.rejects("bad_rules", FACILITATOR, "change_rules", dot_cap=9)  # cap above budget
    workshop.rejects("bad_rules", FACILITATOR, "change_rules", dot_budget=21)
    workshop.rejects("bad_rules", FACILITATOR, "change_rules", island_min=9)  # above max 8
    workshop.rejects("nothing_to_change", FACILITATOR, "change_rules")
