"""The rules docs/protocol.md promises, held by the engine (issue 13, «the
protocol as a contract»): a command that would change nothing is refused and
stores nothing, an island needs a link, a writer of an anonymous card still
sees it is theirs when it is revealed, and a closed session admits nobody new.
"""

import copy

from kompsesjon.method import FACILITATOR, Actor, PhaseKind, participant
from kompsesjon.method.created import created_ids
from kompsesjon.method.visibility import (
    FACILITATOR_VIEW,
    SCREEN_VIEW,
    deliveries,
    participant_view,
    recipients_of,
    view_state,
)

from .workshop import Workshop, assert_mirrors_agree

# ---- nothing_to_change --------------------------------------------------------


def test_the_same_profile_again_changes_nothing(workshop):
    kari = workshop.join("Kari", "Bodø kommune")
    workshop.rejects("nothing_to_change", participant(kari), "set_profile", name="Kari", org="Bodø kommune")
    # Outer whitespace is not a change either: texts are stripped.
    workshop.rejects("nothing_to_change", participant(kari), "set_profile", name=" Kari ", org="Bodø kommune")
    (changed,) = workshop.do(participant(kari), "set_profile", name="Kari", org="Fauske kommune")
    assert changed.org == "Fauske kommune"


def test_the_same_check_in_or_check_out_again_changes_nothing(workshop):
    kari = workshop.join("Kari", "Bodø kommune")
    workshop.do(participant(kari), "check_in", text="Konkrete grep")
    workshop.rejects("nothing_to_change", participant(kari), "check_in", text="Konkrete grep")
    workshop.goto(PhaseKind.CLOSING)
    workshop.do(participant(kari), "check_out", text="Inspirert")
    workshop.rejects("nothing_to_change", participant(kari), "check_out", text="Inspirert")


def test_the_same_title_or_question_again_changes_nothing(workshop):
    state = workshop.state
    workshop.rejects("nothing_to_change", FACILITATOR, "edit_session", title=state.title)
    workshop.rejects("nothing_to_change", FACILITATOR, "edit_session", title=state.title, question=state.question)
    # A real change next to an unchanged field: only the change is stored.
    (edited,) = workshop.do(FACILITATOR, "edit_session", title=state.title, question="Nytt spørsmål")
    assert (edited.title, edited.question) == (None, "Nytt spørsmål")


def test_the_same_theme_name_again_changes_nothing(workshop):
    kari = workshop.join("Kari", "Bodø kommune")
    workshop.wall("critique", (kari, "Lite tid"), (kari, "Tidspress"))
    workshop.goto(PhaseKind.CLUSTER, "critique")
    (merged,) = workshop.do(FACILITATOR, "merge", board="critique", cards=["K1", "K2"], title="Tid")
    workshop.rejects("nothing_to_change", FACILITATOR, "rename_theme", theme=merged.theme, title="Tid")


def test_the_same_rules_again_change_nothing(workshop):
    rules = workshop.state.rules
    workshop.rejects("nothing_to_change", FACILITATOR, "change_rules", dot_budget=rules.dot_budget)
    workshop.rejects(
        "nothing_to_change", FACILITATOR, "change_rules", list_cut=rules.list_cut, island_max=rules.island_max
    )
    (changed,) = workshop.do(FACILITATOR, "change_rules", list_cut=rules.list_cut + 1)
    assert changed.rules.list_cut == rules.list_cut + 1


def test_the_same_island_or_next_meeting_again_changes_nothing(workshop):
    kari = workshop.join("Kari", "Bodø kommune")
    critique, _ = workshop.lists([(kari, "Lite tid")], [(kari, "Tid til fordypning")])
    workshop.goto(PhaseKind.ISLANDS)
    (created,) = workshop.do(
        FACILITATOR, "create_island", title="Tid", links=[{"board": "critique", "card": critique[0]}]
    )
    workshop.rejects("nothing_to_change", FACILITATOR, "update_island", island=created.island, title="Tid")
    workshop.rejects(
        "nothing_to_change",
        FACILITATOR,
        "update_island",
        island=created.island,
        links=[{"board": "critique", "card": critique[0]}],
    )
    workshop.goto(PhaseKind.CLOSING)
    workshop.do(FACILITATOR, "set_next_meeting", text="Tirsdag")
    workshop.rejects("nothing_to_change", FACILITATOR, "set_next_meeting", text="Tirsdag")


# ---- islands need a link ---------------------------------------------------------


def test_an_island_without_links_is_refused_with_its_own_code(workshop):
    kari = workshop.join("Kari", "Bodø kommune")
    critique, _ = workshop.lists([(kari, "Lite tid")], [(kari, "Tid til fordypning")])
    workshop.goto(PhaseKind.ISLANDS)
    refused = workshop.rejects("no_links", FACILITATOR, "create_island", title="Tid", links=[])
    assert "link" in refused.message
    (created,) = workshop.do(
        FACILITATOR, "create_island", title="Tid", links=[{"board": "critique", "card": critique[0]}]
    )
    workshop.rejects("no_links", FACILITATOR, "update_island", island=created.island, links=[])


# ---- anonymous reveals -------------------------------------------------------------


def test_an_anonymous_reveal_shows_each_writer_their_own_cards_as_theirs():
    w = Workshop(anonymous=True)
    a, b, c = w.join(), w.join(), w.join()
    w.advance()
    mine = w.card(a, "Lite tid")
    theirs = w.card(b, "Tidspress")
    (revealed,) = w.do(FACILITATOR, "reveal_items", board="critique")
    plan = deliveries(w.state, revealed)
    for pid in (a, b, c):
        received = recipients_of(plan, participant_view(pid))
        assert received is not None
        snapshot = view_state(w.state, participant_view(pid))
        # What the event says of each card is what the snapshot says.
        for data in received.items:
            assert data.author == snapshot.items[data.id].author, (pid, data.id)
    assert {d.id: d.author for d in recipients_of(plan, participant_view(a)).items} == {mine: a, theirs: None}
    assert {d.id: d.author for d in recipients_of(plan, participant_view(b)).items} == {mine: None, theirs: b}
    for audience in (FACILITATOR_VIEW, SCREEN_VIEW, participant_view(c)):
        assert all(d.author is None for d in recipients_of(plan, audience).items)
    assert_mirrors_agree(w.log)


# ---- closing a session ---------------------------------------------------------------


def test_a_closed_session_admits_nobody_new_and_can_be_reopened(workshop):
    kari = workshop.join("Kari", "Bodø kommune")
    (closed,) = workshop.do(FACILITATOR, "close_session")
    assert closed.type == "session_closed" and closed.at == workshop.now
    assert workshop.state.closed and workshop.state.closed_at == workshop.now
    workshop.rejects("session_closed", Actor("guest"), "join", name="Ola", org="Fauske kommune")
    workshop.rejects("nothing_to_change", FACILITATOR, "close_session")
    workshop.rejects("not_facilitator", participant(kari), "close_session")
    # Those already in keep their place (and may read; their app decides what to show).
    assert view_state(workshop.state, participant_view(kari)).closed
    (reopened,) = workshop.do(FACILITATOR, "reopen_session")
    assert reopened.type == "session_reopened"
    assert not workshop.state.closed and workshop.state.closed_at is None
    workshop.rejects("nothing_to_change", FACILITATOR, "reopen_session")
    assert workshop.join("Ola", "Fauske kommune")
    assert_mirrors_agree(workshop.log)


# ---- what an ack names ------------------------------------------------------------------


def test_the_ids_a_command_created(workshop):
    kari = workshop.join("Kari", "Bodø kommune")
    ola = workshop.join("Ola", "Fauske kommune")

    def made(actor, kind, **fields):
        before = copy.deepcopy(workshop.state)
        return created_ids(before, workshop.do(actor, kind, **fields))

    assert made(FACILITATOR, "form_buzz_pairs", seed=1) == ["B1"]
    assert made(participant(kari), "check_in", text="Håp") == ["N1"]
    # A rewrite of one's check-in creates nothing new.
    assert made(participant(kari), "check_in", text="Mer håp") == []
    workshop.advance()
    assert made(participant(kari), "add_item", board="critique", text="Lite tid") == ["K1"]
    workshop.do(participant(ola), "add_item", board="critique", text="Tidspress")
    # The reveal on leaving the brainstorm creates nothing.
    assert made(FACILITATOR, "advance_phase", current=workshop.state.phase) == []
    assert made(FACILITATOR, "merge", board="critique", cards=["K1", "K2"], title="Tid") == ["T1"]
    assert made(FACILITATOR, "rename_theme", theme="T1", title="Tiden") == []


# ---- step_back out of a vote, as protocol.md says -------------------------------------


def test_stepping_back_out_of_an_open_vote_keeps_it_open_with_its_dots(workshop):
    kari = workshop.join("Kari", "Bodø kommune")
    (card,) = workshop.wall("critique", (kari, "Lite tid"))
    workshop.goto(PhaseKind.VOTE, "critique")
    workshop.dot(kari, card)
    (changed,) = workshop.step_back()  # no vote event: the vote stays as it was
    assert changed.type == "phase_changed"
    vote = workshop.state.boards["critique"].vote
    assert not vote.closed and vote.dots == {kari: {card: 1}}
    workshop.rejects("wrong_phase", participant(kari), "place_dot", board="critique", card=card)
    workshop.advance()
    workshop.dot(kari, card)  # the same vote goes on
    assert workshop.state.boards["critique"].vote.dots == {kari: {card: 2}}


def test_stepping_back_out_of_a_vote_closed_early_reopens_it(workshop):
    kari = workshop.join("Kari", "Bodø kommune")
    (card,) = workshop.wall("critique", (kari, "Lite tid"))
    workshop.goto(PhaseKind.VOTE, "critique")
    workshop.dot(kari, card)
    workshop.do(FACILITATOR, "close_vote", board="critique")
    workshop.do(FACILITATOR, "reveal_tally", board="critique")
    changed, reopened = workshop.step_back()
    assert (changed.type, reopened.type) == ("phase_changed", "vote_reopened")
    vote = workshop.state.boards["critique"].vote
    assert not vote.closed and vote.revealed is None and vote.dots == {kari: {card: 1}}
