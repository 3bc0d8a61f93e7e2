"""The report's texts and the check-out evaluation, in the engine."""

from __future__ import annotations

from kompsesjon.method import FACILITATOR, PhaseKind, Rules, evolve, participant
from kompsesjon.method.events import SessionCreated
from kompsesjon.method.visibility import FACILITATOR_VIEW, SCREEN_VIEW, participant_view, view_state

from .workshop import START, Workshop, assert_mirrors_agree


def test_purpose_and_background_start_from_the_session_and_are_versioned():
    created = SessionCreated(
        session="s",
        title="Samling",
        created_at=START,
        boards=[],
        agenda=Workshop().state.agenda,
        purpose="Dele erfaringer på tvers av kommunene",
    )
    state = evolve(None, created)
    assert state.report_texts["purpose"].text == "Dele erfaringer på tvers av kommunene"
    assert state.report_texts["purpose"].version == 0
    assert "background" not in state.report_texts  # nothing given, nothing stored


def test_the_facilitator_writes_summary_and_decisions_and_a_stale_edit_is_refused(workshop):
    w = workshop
    (edited,) = w.do(FACILITATOR, "edit_report_text", field="summary", text="Vi fant tre tema.", base_version=0)
    assert (edited.field, edited.version) == ("summary", 1)
    w.do(FACILITATOR, "edit_report_text", field="decisions", text="1. Fagdag i mars\n2. Rapport", base_version=0)
    assert w.state.report_texts["decisions"].text == "1. Fagdag i mars\n2. Rapport"
    # A second facilitator (a secretary) who started from version 0 gets the newer text back.
    refused = w.rejects("stale_version", FACILITATOR, "edit_report_text", field="summary", text="Annet", base_version=0)
    assert refused.details["text"] == "Vi fant tre tema." and refused.details["version"] == 1
    w.rejects(
        "nothing_to_change", FACILITATOR, "edit_report_text", field="summary", text="Vi fant tre tema.", base_version=1
    )
    w.rejects("text_too_long", FACILITATOR, "edit_report_text", field="summary", text="x" * 5001, base_version=1)
    w.rejects("bad_text", FACILITATOR, "edit_report_text", field="summary", text="\x1b[2J", base_version=1)
    # Emptying a text is allowed (and is a new version).
    w.do(FACILITATOR, "edit_report_text", field="summary", text="", base_version=1)
    assert w.state.report_texts["summary"].version == 2


def test_only_facilitators_write_report_texts_and_participants_see_only_purpose_and_background(workshop):
    w = workshop
    kari = w.join("Kari", "Bodø")
    w.rejects("not_facilitator", participant(kari), "edit_report_text", field="purpose", text="x", base_version=0)
    w.do(FACILITATOR, "edit_report_text", field="purpose", text="Dele", base_version=0)
    w.do(FACILITATOR, "edit_report_text", field="summary", text="Utkast", base_version=0)
    assert set(view_state(w.state, participant_view(kari)).report_texts) == {"purpose"}
    assert set(view_state(w.state, SCREEN_VIEW).report_texts) == {"purpose"}
    assert set(view_state(w.state, FACILITATOR_VIEW).report_texts) == {"purpose", "summary"}
    assert_mirrors_agree(w.log)


def evaluating() -> Workshop:
    return Workshop(rules=Rules(evaluation=True))


def test_evaluation_is_given_at_check_out_when_the_rules_ask_for_it(workshop):
    kari = workshop.join("Kari", "Bodø")
    workshop.goto(PhaseKind.CLOSING)
    workshop.rejects("no_evaluation", participant(kari), "evaluate", rating=4)

    w = evaluating()
    kari, ola = w.join_many(("Kari", "Bodø"), ("Ola", "Fauske"))
    w.rejects("wrong_phase", participant(kari), "evaluate", rating=4)
    w.goto(PhaseKind.CLOSING)
    w.rejects("text_empty", participant(kari), "evaluate", rating=None, text="  ")
    w.rejects("not_participant", FACILITATOR, "evaluate", rating=5)
    (first,) = w.do(participant(kari), "evaluate", rating=4, text="Mer tid til øyene")
    (again,) = w.do(participant(kari), "evaluate", rating=5)
    assert again.evaluation == first.evaluation  # one evaluation per person, rewritten
    w.do(participant(ola), "evaluate", text="Kortere pauser")
    assert sorted((e.rating, e.text) for e in w.state.evaluations.values() if e.rating) == [(5, "")]
    assert len(w.state.evaluations) == 2


def test_who_gave_which_evaluation_is_known_only_to_themselves():
    w = evaluating()
    kari, ola = w.join_many(("Kari", "Bodø"), ("Ola", "Fauske"))
    w.goto(PhaseKind.CLOSING)
    w.do(participant(kari), "evaluate", rating=2, text="For lange økter")
    w.do(participant(ola), "evaluate", rating=5)
    facilitator = view_state(w.state, FACILITATOR_VIEW)
    assert sorted(e.rating for e in facilitator.evaluations.values()) == [2, 5]
    assert all(e.author is None for e in facilitator.evaluations.values())
    mine = view_state(w.state, participant_view(kari)).evaluations
    assert [(e.rating, e.author) for e in mine.values()] == [(2, kari)]
    assert view_state(w.state, SCREEN_VIEW).evaluations == {}
    assert_mirrors_agree(w.log)
