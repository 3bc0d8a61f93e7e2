"""The red card: an anonymous signal against killer phrases in the vision phase."""

import pytest

from kompsesjon.method import FACILITATOR, PhaseKind, Rules, participant
from kompsesjon.method.visibility import (
    FACILITATOR_VIEW,
    SCREEN_VIEW,
    deliveries,
    participant_view,
    recipients_of,
    view_state,
)

from .workshop import Workshop


@pytest.fixture(params=[False, True], ids=["named", "anonymous"])
def vision(request):
    w = Workshop(anonymous=request.param)
    kari, ola = w.join("Kari", "Bodø"), w.join("Ola", "Meløy")
    w.goto(PhaseKind.BRAINSTORM, "vision")
    return w, kari, ola


def raise_card(w, pid, **fields):
    (raised,) = w.do(participant(pid), "raise_red_card", **fields)
    return raised


def test_a_red_card_is_raised_on_a_card_or_with_a_note(vision):
    w, kari, ola = vision
    card = w.card(ola, "Det har vi prøvd før", board="vision")
    w.do(FACILITATOR, "reveal_items", board="vision")
    on_card = raise_card(w, kari, item=card)
    with_note = raise_card(w, kari, note="Hersketeknikk")
    assert w.state.red_cards[on_card.card].item == card
    assert w.state.red_cards[with_note.card].note == "Hersketeknikk"


def test_a_red_card_needs_a_card_or_a_note(vision):
    w, kari, _ = vision
    w.rejects("text_empty", participant(kari), "raise_red_card")
    w.rejects("unknown_item", participant(kari), "raise_red_card", item="V99")
    w.rejects("bad_text", participant(kari), "raise_red_card", note="\x1b[41mSTOPP")


def test_a_hidden_card_cannot_be_red_carded_by_others(vision):
    w, kari, ola = vision
    card = w.card(ola, "Urealistisk", board="vision")
    w.rejects("unknown_item", participant(kari), "raise_red_card", item=card)


@pytest.mark.parametrize(
    "phase,board",
    [
        (PhaseKind.INTRO, None),
        (PhaseKind.BRAINSTORM, "critique"),
        (PhaseKind.CLUSTER, "vision"),
        (PhaseKind.ISLANDS, None),
    ],
)
def test_red_cards_only_in_the_vision_phase(phase, board):
    w = Workshop()
    kari = w.join("Kari")
    w.goto(phase, board)
    refused = w.rejects("wrong_phase", participant(kari), "raise_red_card", note="Stopp")
    assert refused.details == {"phase": phase.value}


def test_one_red_card_per_card_and_a_limit_per_person():
    w = Workshop(rules=Rules(max_red_cards=2))
    kari, ola = w.join("Kari"), w.join("Ola")
    w.goto(PhaseKind.BRAINSTORM, "vision")
    card = w.card(ola, "Det koster for mye", board="vision")
    w.do(FACILITATOR, "reveal_items", board="vision")
    first = raise_card(w, kari, item=card)
    w.rejects("red_card_already_raised", participant(kari), "raise_red_card", item=card)
    raise_card(w, kari, note="Ironi")
    refused = w.rejects("too_many_red_cards", participant(kari), "raise_red_card", note="Mer ironi")
    assert refused.details == {"limit": 2}
    raise_card(w, ola, item=card)  # Ola has his own allowance
    w.do(FACILITATOR, "dismiss_red_card", card=first.card)
    raise_card(w, kari, item=card)  # a dismissed card no longer counts
    w.rejects("unknown_red_card", FACILITATOR, "dismiss_red_card", card=first.card)
    w.rejects("unknown_red_card", FACILITATOR, "dismiss_red_card", card="R99")


def test_nobody_ever_learns_who_raised_a_red_card(vision):
    w, kari, ola = vision
    raised = raise_card(w, kari, note="Hersketeknikk")
    assert w.state.red_cards[raised.card].raised_by == kari  # kept on the server only
    plan = deliveries(w.state, raised)
    audiences = [FACILITATOR_VIEW, SCREEN_VIEW, participant_view(kari), participant_view(ola)]
    for audience in audiences:
        received = recipients_of(plan, audience)
        assert received is not None and received.raised_by is None
        assert kari not in received.model_dump_json()
        (seen,) = view_state(w.state, audience).red_cards.values()
        assert seen.raised_by is None and seen.note == "Hersketeknikk"
    for delivery in plan:
        assert delivery.event.raised_by is None


def test_participants_do_not_dismiss_red_cards(vision):
    w, kari, _ = vision
    raised = raise_card(w, kari, note="Stopp")
    w.rejects("not_facilitator", participant(kari), "dismiss_red_card", card=raised.card)
