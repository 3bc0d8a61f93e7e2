"""Cards on a board: private writing, reveal, buzz pairs, edit/withdraw, text rules."""

import pytest

from kompsesjon.method import FACILITATOR, GUEST, PhaseKind, Rules, participant
from kompsesjon.method.clustering import live_units
from kompsesjon.method.text import LIMITS
from kompsesjon.method.visibility import (
    FACILITATOR_VIEW,
    SCREEN_VIEW,
    deliveries,
    participant_view,
    recipients_of,
    view_state,
)

from .workshop import Workshop


@pytest.fixture
def brainstorm(workshop):
    """Kari and Ola in the critique brainstorm."""
    kari, ola = workshop.join_many(("Kari", "Bodø kommune"), ("Ola", "Meløy kommune"))
    workshop.goto(PhaseKind.BRAINSTORM, "critique")
    return workshop, kari, ola


def seen_by(w, audience):
    return {i.id: i.text for i in view_state(w.state, audience).items.values()}


# ---- private writing ---------------------------------------------------------


def test_cards_are_numbered_per_board_with_its_prefix(brainstorm):
    w, kari, ola = brainstorm
    assert [w.card(kari, "Lite tid"), w.card(ola, "Mye rapportering")] == ["K1", "K2"]
    w.goto(PhaseKind.BRAINSTORM, "vision")
    assert w.card(kari, "Tid til faglig fordypning", board="vision") == "V1"


def test_a_new_card_is_seen_only_by_its_writer_and_the_facilitator(brainstorm):
    w, kari, ola = brainstorm
    card = w.card(kari, "Lite tid")
    assert w.state.items[card].private
    assert seen_by(w, participant_view(kari)) == {card: "Lite tid"}
    assert seen_by(w, FACILITATOR_VIEW) == {card: "Lite tid"}
    assert seen_by(w, participant_view(ola)) == {}
    assert seen_by(w, SCREEN_VIEW) == {}
    plan = deliveries(w.state, w.log[-1])
    assert recipients_of(plan, participant_view(ola)) is None
    assert recipients_of(plan, SCREEN_VIEW) is None
    assert recipients_of(plan, participant_view(kari)).item.text == "Lite tid"


def test_a_hidden_card_looks_like_no_card_to_others(brainstorm):
    w, kari, ola = brainstorm
    card = w.card(kari, "Lite tid")
    hidden = w.rejects("unknown_item", participant(ola), "edit_item", item=card, text="Endret")
    missing = w.rejects("unknown_item", participant(ola), "edit_item", item="K99", text="Endret")
    assert hidden.message.replace(card, "?") == missing.message.replace("K99", "?")


def test_reveal_shows_all_hidden_cards_of_the_board_to_everyone(brainstorm):
    w, kari, ola = brainstorm
    a, b = w.card(kari, "Lite tid"), w.card(ola, "Uklare roller")
    (revealed,) = w.do(FACILITATOR, "reveal_items", board="critique")
    assert sorted(i.id for i in revealed.items) == [a, b]
    for audience in (participant_view(kari), participant_view(ola), SCREEN_VIEW):
        assert seen_by(w, audience) == {a: "Lite tid", b: "Uklare roller"}
    # Later cards on a revealed board are public at once.
    c = w.card(ola, "For mange møter")
    assert not w.state.items[c].private
    assert c in seen_by(w, participant_view(kari))


def test_revealing_twice_is_refused(brainstorm):
    w, kari, _ = brainstorm
    w.card(kari, "Lite tid")
    w.do(FACILITATOR, "reveal_items", board="critique")
    w.rejects("already_revealed", FACILITATOR, "reveal_items", board="critique")
    w.rejects("unknown_board", FACILITATOR, "reveal_items", board="nope")


def test_without_private_writing_cards_are_public_at_once():
    w = Workshop(rules=Rules(private_writing=False))
    kari, ola = w.join("Kari"), w.join("Ola")
    w.advance()
    card = w.card(kari, "Lite tid")
    assert not w.state.items[card].private
    assert seen_by(w, participant_view(ola)) == {card: "Lite tid"}


def test_facilitator_cards_are_never_private(brainstorm):
    w, _, ola = brainstorm
    (added,) = w.do(FACILITATOR, "add_item", board="critique", text="Fra tavla")
    assert not added.private
    assert added.item.id in seen_by(w, participant_view(ola))


# ---- buzz pairs ---------------------------------------------------------------


def test_a_pair_card_is_shared_by_both_members(brainstorm):
    w, kari, ola = brainstorm
    everyone = {kari, ola, *w.join_many(("Per", "Bodø kommune"), ("Lise", "Meløy kommune"))}
    (formed,) = w.do(FACILITATOR, "form_buzz_pairs", seed=1)
    (pair_id,) = [p for p, members in formed.pairs.items() if kari in members]
    (partner,) = set(formed.pairs[pair_id]) - {kari}
    card = w.card(kari, "Kort frist", with_pair=True)
    assert w.state.items[card].pair == pair_id
    assert card in seen_by(w, participant_view(partner))
    w.do(participant(partner), "edit_item", item=card, text="Korte frister")
    assert w.state.items[card].text == "Korte frister"
    for outsider in everyone - {kari, partner}:
        assert card not in seen_by(w, participant_view(outsider))
        w.rejects("unknown_item", participant(outsider), "withdraw_item", item=card)
    w.do(participant(partner), "withdraw_item", item=card)
    assert w.state.items[card].withdrawn


def test_with_pair_needs_a_pair(brainstorm):
    w, kari, _ = brainstorm
    w.rejects("not_in_buzz_pair", participant(kari), "add_item", board="critique", text="Sammen", with_pair=True)
    w.do(FACILITATOR, "form_buzz_pairs", seed=3)
    w.do(FACILITATOR, "clear_buzz_pairs")
    w.rejects("not_in_buzz_pair", participant(kari), "add_item", board="critique", text="Sammen", with_pair=True)


# ---- edit and withdraw ---------------------------------------------------------


def test_writer_edits_own_card_while_brainstorming(brainstorm):
    w, kari, _ = brainstorm
    card = w.card(kari, "Lite tid")
    (edited,) = w.do(participant(kari), "edit_item", item=card, text="  Lite tid til planlegging ")
    assert edited.text == "Lite tid til planlegging"
    w.rejects("nothing_to_change", participant(kari), "edit_item", item=card, text="Lite tid til planlegging")


def test_only_writers_change_a_card(brainstorm):
    w, kari, ola = brainstorm
    card = w.card(kari, "Lite tid")
    w.do(FACILITATOR, "reveal_items", board="critique")
    refused = w.rejects("not_author", participant(ola), "edit_item", item=card, text="Mitt nå")
    assert refused.details == {"item": card}
    w.rejects("not_author", participant(ola), "withdraw_item", item=card)


def test_participants_cannot_change_cards_after_the_brainstorm(brainstorm):
    w, kari, _ = brainstorm
    card = w.card(kari, "Lite tid")
    w.advance()
    w.rejects("wrong_phase", participant(kari), "edit_item", item=card, text="Etterpåklokskap")
    w.rejects("wrong_phase", participant(kari), "withdraw_item", item=card)


def test_facilitator_moderates_any_card_in_any_phase(brainstorm):
    w, kari, _ = brainstorm
    card = w.card(kari, "Lite tid")
    w.advance()
    w.do(FACILITATOR, "edit_item", item=card, text="Lite tid (moderert)")
    w.do(FACILITATOR, "withdraw_item", item=card)
    assert w.state.items[card].withdrawn and w.state.items[card].text == "Lite tid (moderert)"


def test_a_withdrawn_card_is_kept_but_leaves_the_wall(brainstorm):
    w, kari, ola = brainstorm
    a, b = w.card(kari, "Lite tid"), w.card(ola, "Uklare roller")
    w.do(participant(kari), "withdraw_item", item=a)
    assert a in w.state.items and w.state.items[a].withdrawn
    assert live_units(w.state, "critique") == [b]
    w.rejects("item_withdrawn", participant(kari), "withdraw_item", item=a)
    w.rejects("item_withdrawn", participant(kari), "edit_item", item=a, text="Tilbake")


def test_an_edit_of_a_hidden_card_reaches_only_its_writers_and_facilitators(brainstorm):
    w, kari, ola = brainstorm
    card = w.card(kari, "Lite tid")
    w.do(participant(kari), "edit_item", item=card, text="Lite tid!")
    plan = deliveries(w.state, w.log[-1])
    assert recipients_of(plan, FACILITATOR_VIEW).text == "Lite tid!"
    assert recipients_of(plan, participant_view(kari)).text == "Lite tid!"
    assert recipients_of(plan, participant_view(ola)) is None
    assert recipients_of(plan, SCREEN_VIEW) is None


# ---- text rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "\x1b[2J\x1b[HTømt skjerm",  # ESC: clear the screen
        "Rød\x1b[31m tekst",
        "Pling\x07",  # BEL
        "Slett\x08\x08",  # backspace
        "C1\x9b31m",  # CSI as a C1 control
        "Nul\x00byte",
        "Omvendt \u202etekst",  # bidi override (Trojan Source)
        "Isolat \u2066x\u2069",
        "To\nlinjer",  # a card is one line
        "Vogn\rretur",
    ],
)
def test_control_characters_in_a_card_are_refused(brainstorm, text):
    w, kari, _ = brainstorm
    refused = w.rejects("bad_text", participant(kari), "add_item", board="critique", text=text)
    assert refused.details["field"] == "item"
    assert chr(refused.details["codepoint"]) in text


def test_escape_sequences_are_refused_in_names_titles_and_notes(workshop):
    workshop.rejects("bad_text", GUEST, "join", name="\x1b]0;hacked\x07")
    pid = workshop.join("Kari")
    workshop.rejects("bad_text", participant(pid), "check_in", text="Håp\x1b[5m")
    workshop.rejects("bad_text", participant(pid), "set_profile", name="Kari", org="\x1b[1mBodø")
    workshop.rejects("bad_text", FACILITATOR, "edit_session", title="Tittel\x1b[0m")


def test_a_card_has_a_length_limit(brainstorm):
    w, kari, _ = brainstorm
    limit = LIMITS["item"]
    refused = w.rejects("text_too_long", participant(kari), "add_item", board="critique", text="x" * (limit + 1))
    assert refused.details == {"field": "item", "limit": limit, "length": limit + 1}
    assert len(w.state.items[w.card(kari, "y" * limit)].text) == limit


def test_empty_cards_are_refused(brainstorm):
    w, kari, _ = brainstorm
    w.rejects("text_empty", participant(kari), "add_item", board="critique", text="")
    w.rejects("text_empty", participant(kari), "add_item", board="critique", text=" \t ")


def test_text_is_trimmed_normalised_and_tabs_become_spaces(brainstorm):
    w, kari, _ = brainstorm
    card = w.card(kari, "  Re\u0301sume\u0301\tsom tar tid  ")
    assert w.state.items[card].text == "Résumé som tar tid"


def test_multi_line_text_is_allowed_where_it_makes_sense(workshop):
    pid = workshop.join("Kari")
    workshop.do(participant(pid), "check_in", text="Håper på:\n- konkrete tiltak\n- nye kontakter")
    assert "\n" in next(iter(workshop.state.check_ins.values())).text
    workshop.do(FACILITATOR, "edit_session", question="Hva hindrer oss?\nHva hjelper oss?")
    workshop.rejects("bad_text", FACILITATOR, "edit_session", title="To\nlinjer")
