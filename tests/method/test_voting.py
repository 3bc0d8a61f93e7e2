"""Dot voting and the bottom/top lists."""

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
from kompsesjon.method.voting import (
    dots_by_unit,
    dots_left,
    live_tally,
    not_voted,
    ranked_list,
    ranking,
    status_of,
)

from .workshop import Workshop


def voting(w: Workshop, people: int = 3, cards: int = 4):
    """``people`` participants voting on ``cards`` revealed critique cards."""
    pids = [w.join(f"Person {n}", f"Kommune {n}") for n in range(people)]
    ids = w.wall("critique", *[(pids[n % people], f"Hinder {n}") for n in range(cards)])
    w.goto(PhaseKind.VOTE, "critique")
    return pids, ids


def test_default_budget_is_five_and_cap_is_three():
    rules = Rules()
    assert (rules.dot_budget, rules.dot_cap, rules.list_cut) == (5, 3, 5)


def test_budget_and_cap_are_configurable_within_bounds():
    assert Rules(dot_budget=1, dot_cap=1).dot_budget == 1
    assert Rules(dot_budget=20, dot_cap=20).dot_cap == 20
    for bad in ({"dot_budget": 0}, {"dot_budget": 21}, {"dot_budget": 4, "dot_cap": 5}):
        with pytest.raises(ValueError):
            Rules(**bad)


def test_at_most_cap_dots_on_one_card(workshop):
    (kari, *_), (k1, *_) = voting(workshop)
    workshop.dot(kari, k1, times=3)
    refused = workshop.rejects("dot_cap_exceeded", participant(kari), "place_dot", board="critique", card=k1)
    assert refused.details == {"cap": 3, "unit": k1}


def test_at_most_budget_dots_in_all(workshop):
    (kari, *_), (k1, k2, k3, _) = voting(workshop)
    workshop.dot(kari, k1, times=3)
    workshop.dot(kari, k2, times=2)
    assert dots_left(workshop.state, "critique", kari) == 0
    refused = workshop.rejects("dot_budget_exceeded", participant(kari), "place_dot", board="critique", card=k3)
    assert refused.details == {"budget": 5}


def test_a_smaller_configured_budget_applies():
    w = Workshop(rules=Rules(dot_budget=2, dot_cap=1))
    (kari, *_), (k1, k2, k3, _) = voting(w)
    w.dot(kari, k1)
    w.rejects("dot_cap_exceeded", participant(kari), "place_dot", board="critique", card=k1)
    w.dot(kari, k2)
    w.rejects("dot_budget_exceeded", participant(kari), "place_dot", board="critique", card=k3)


def test_move_a_dot_while_the_round_is_open(workshop):
    (kari, *_), (k1, k2, *_) = voting(workshop)
    workshop.dot(kari, k1, times=2)
    workshop.do(participant(kari), "move_dot", board="critique", card=k1, to=k2)
    assert dots_by_unit(workshop.state, "critique", kari) == {k1: 1, k2: 1}
    workshop.rejects("same_card", participant(kari), "move_dot", board="critique", card=k1, to=k1)
    workshop.dot(kari, k2, times=2)
    workshop.rejects("dot_cap_exceeded", participant(kari), "move_dot", board="critique", card=k1, to=k2)
    workshop.rejects("unknown_card", participant(kari), "move_dot", board="critique", card=k1, to="K99")


def test_take_a_dot_back(workshop):
    (kari, *_), (k1, k2, *_) = voting(workshop)
    workshop.dot(kari, k1)
    workshop.do(participant(kari), "remove_dot", board="critique", card=k1)
    assert dots_by_unit(workshop.state, "critique", kari) == {}
    assert workshop.state.boards["critique"].vote.dots == {}
    refused = workshop.rejects("no_dot_there", participant(kari), "remove_dot", board="critique", card=k2)
    assert refused.details == {"unit": k2}


def test_abstain_takes_back_all_dots(workshop):
    (kari, *_), (k1, k2, *_) = voting(workshop)
    workshop.dot(kari, k1, times=2)
    workshop.dot(kari, k2)
    workshop.do(participant(kari), "abstain", board="critique")
    assert dots_by_unit(workshop.state, "critique", kari) == {}
    assert status_of(workshop.state, "critique", kari) == "abstained"
    workshop.rejects("nothing_to_change", participant(kari), "abstain", board="critique")
    # Placing a dot again ends the abstention.
    workshop.dot(kari, k2)
    assert status_of(workshop.state, "critique", kari) == "voting"


def test_mark_done_and_undo_it(workshop):
    (kari, *_), (k1, *_) = voting(workshop)
    workshop.dot(kari, k1)
    workshop.do(participant(kari), "mark_done", board="critique")
    assert status_of(workshop.state, "critique", kari) == "done"
    workshop.rejects("nothing_to_change", participant(kari), "mark_done", board="critique")
    workshop.do(participant(kari), "mark_done", board="critique", done=False)
    assert status_of(workshop.state, "critique", kari) == "voting"
    workshop.rejects("nothing_to_change", participant(kari), "mark_done", board="critique", done=False)


def test_facilitator_sees_who_has_not_voted(workshop):
    (kari, ola, per), (k1, *_) = voting(workshop)
    workshop.dot(kari, k1)
    workshop.do(participant(ola), "abstain", board="critique")
    assert not_voted(view_state(workshop.state, FACILITATOR_VIEW), "critique") == [per]
    assert status_of(view_state(workshop.state, FACILITATOR_VIEW), "critique", kari) == "voting"


def test_participants_see_only_their_own_dots_and_no_tally(workshop):
    (kari, ola, _), (k1, k2, *_) = voting(workshop)
    workshop.dot(kari, k1, times=3)
    workshop.dot(ola, k2)
    for audience, own in ((participant_view(kari), {kari}), (participant_view(ola), {ola}), (SCREEN_VIEW, set())):
        vote = view_state(workshop.state, audience).boards["critique"].vote
        assert set(vote.dots) == own
        assert vote.revealed is None
    assert set(view_state(workshop.state, FACILITATOR_VIEW).boards["critique"].vote.dots) == {kari, ola}
    plan = deliveries(workshop.state, workshop.log[-1])
    assert recipients_of(plan, participant_view(kari)) is None
    assert recipients_of(plan, SCREEN_VIEW) is None
    assert recipients_of(plan, FACILITATOR_VIEW).participant == ola


def test_close_then_reveal(workshop):
    (kari, ola, _), (k1, k2, *_) = voting(workshop)
    workshop.dot(kari, k1, times=2)
    workshop.dot(ola, k1)
    workshop.dot(ola, k2)
    workshop.rejects("vote_open", FACILITATOR, "reveal_tally", board="critique")
    workshop.do(FACILITATOR, "close_vote", board="critique")
    workshop.rejects("vote_closed", participant(kari), "place_dot", board="critique", card=k2)
    workshop.rejects("vote_closed", participant(kari), "abstain", board="critique")
    workshop.rejects("vote_closed", FACILITATOR, "close_vote", board="critique")
    (revealed,) = workshop.do(FACILITATOR, "reveal_tally", board="critique")
    shown = {t.unit: (t.dots, t.voters) for t in revealed.tally}
    assert shown[k1] == (3, 2) and shown[k2] == (1, 1)
    assert view_state(workshop.state, SCREEN_VIEW).boards["critique"].vote.revealed == revealed_entries(workshop)
    workshop.rejects("already_revealed", FACILITATOR, "reveal_tally", board="critique")


def revealed_entries(w):
    return w.state.boards["critique"].vote.revealed


def test_advancing_from_the_vote_closes_it_and_reveals_the_tally(workshop):
    (kari, *_), (k1, *_) = voting(workshop)
    workshop.dot(kari, k1)
    events = workshop.advance()
    assert [e.type for e in events] == ["vote_closed", "tally_revealed", "phase_changed"]
    vote = workshop.state.boards["critique"].vote
    assert vote.closed and vote.revealed is not None
    assert workshop.phase.kind == PhaseKind.RANKING


def test_advancing_after_a_manual_reveal_does_not_reveal_again(workshop):
    (kari, *_), (k1, *_) = voting(workshop)
    workshop.dot(kari, k1)
    workshop.do(FACILITATOR, "close_vote", board="critique")
    workshop.do(FACILITATOR, "reveal_tally", board="critique")
    assert [e.type for e in workshop.advance()] == ["phase_changed"]


def test_stepping_back_into_the_vote_reopens_it_and_keeps_the_dots(workshop):
    (kari, *_), (k1, k2, *_) = voting(workshop)
    workshop.dot(kari, k1, times=2)
    workshop.advance()
    events = workshop.step_back()
    assert [e.type for e in events] == ["phase_changed", "vote_reopened"]
    vote = workshop.state.boards["critique"].vote
    assert not vote.closed and vote.revealed is None
    assert dots_by_unit(workshop.state, "critique", kari) == {k1: 2}
    workshop.do(participant(kari), "move_dot", board="critique", card=k1, to=k2)
    assert dots_by_unit(workshop.state, "critique", kari) == {k1: 1, k2: 1}


def test_voting_only_in_the_vote_phase_of_that_board(workshop):
    (kari, *_), (k1, *_) = voting(workshop)
    workshop.rejects("wrong_phase", participant(kari), "place_dot", board="vision", card="V1")
    workshop.rejects("unknown_board", participant(kari), "place_dot", board="nope", card=k1)
    workshop.step_back()
    workshop.rejects("wrong_phase", participant(kari), "place_dot", board="critique", card=k1)


def test_facilitator_does_not_vote(workshop):
    _, (k1, *_) = voting(workshop)
    workshop.rejects("not_participant", FACILITATOR, "place_dot", board="critique", card=k1)


def test_dot_rules_cannot_change_while_dots_sit_in_an_open_vote(workshop):
    (kari, *_), (k1, *_) = voting(workshop)
    workshop.dot(kari, k1)
    workshop.rejects("votes_exist", FACILITATOR, "change_rules", dot_budget=3)
    workshop.rejects("votes_exist", FACILITATOR, "change_rules", dot_cap=1)
    workshop.do(FACILITATOR, "change_rules", list_cut=3)  # other rules may change
    assert workshop.state.rules.list_cut == 3


def test_dots_on_a_withdrawn_card_go_back_to_the_budget(workshop):
    (kari, *_), (k1, k2, *_) = voting(workshop)
    workshop.dot(kari, k1, times=3)
    workshop.dot(kari, k2, times=2)
    workshop.do(FACILITATOR, "withdraw_item", item=k1)
    assert dots_left(workshop.state, "critique", kari) == 3
    assert k1 not in {t.unit for t in live_tally(workshop.state, "critique")}


def test_removed_participants_dots_do_not_count(workshop):
    (kari, ola, _), (k1, *_) = voting(workshop)
    workshop.dot(kari, k1, times=2)
    workshop.dot(ola, k1)
    workshop.do(FACILITATOR, "remove_participant", participant=ola)
    (entry,) = [t for t in live_tally(workshop.state, "critique") if t.unit == k1]
    assert (entry.dots, entry.voters) == (2, 1)


# ---- the ranked lists ------------------------------------------------------------


def test_the_list_is_sorted_by_dots_and_ties_are_broken_by_voters_then_earlier_card(workshop):
    (a, b, c), (k1, k2, k3, k4, k5) = voting(workshop, people=3, cards=5)
    workshop.dot(a, k4, times=3)  # 3 dots, 1 voter
    workshop.dot(b, k2, times=2)  # k2: 3 dots, 2 voters
    workshop.dot(c, k2)
    workshop.dot(b, k3)  # k3 and k5: 1 dot, 1 voter each; k3 was written first
    workshop.dot(c, k5)
    workshop.advance()
    ranked = ranking(workshop.state, "critique")
    assert [(r.rank, r.unit, r.dots, r.voters) for r in ranked] == [
        (1, k2, 3, 2),
        (2, k4, 3, 1),
        (3, k3, 1, 1),
        (4, k5, 1, 1),
    ]
    # Visibly: each tied entry says how its tie was settled.
    assert [r.tie_break for r in ranked] == ["voters", "voters", "earlier", "earlier"]
    assert k1 not in {r.unit for r in ranked}  # no dots, not on the list


def test_an_untied_entry_has_no_tie_break():
    w = Workshop()
    (a, b), (k1, k2) = voting(w, people=2, cards=2)
    w.dot(a, k2, times=2)
    w.dot(b, k1)
    w.advance()
    assert [(r.unit, r.tie_break) for r in ranking(w.state, "critique")] == [(k2, None), (k1, None)]


def test_the_ranking_is_the_same_whichever_order_the_dots_came_in():
    results = []
    for order in ((0, 1, 2), (2, 1, 0)):
        w = Workshop()
        pids, cards = voting(w, people=3, cards=3)
        for n in order:
            w.dot(pids[n], cards[n], times=2)
        w.advance()
        results.append([(r.unit, r.tie_break) for r in ranking(w.state, "critique")])
    assert results[0] == results[1]
    assert [unit for unit, _ in results[0]] == ["K1", "K2", "K3"]  # equal: earlier card first


def test_the_list_is_cut_at_list_cut():
    w = Workshop(rules=Rules(list_cut=2))
    (a, b, c), cards = voting(w, people=3, cards=4)
    for pid, card in zip((a, b, c), cards[:3], strict=True):
        w.dot(pid, card)
    w.advance()
    assert len(ranking(w.state, "critique")) == 3
    assert [r.unit for r in ranked_list(w.state, "critique")] == cards[:2]


def test_the_list_uses_the_revealed_tally_not_later_changes(workshop):
    (a, _b, _), (k1, _k2, *_) = voting(workshop)
    workshop.dot(a, k1)
    workshop.advance()
    shown = [r.unit for r in ranked_list(workshop.state, "critique")]
    workshop.do(FACILITATOR, "remove_participant", participant=a)
    assert [r.unit for r in ranked_list(workshop.state, "critique")] == shown == [k1]


def test_by_the_vote_every_card_is_on_the_wall_for_everyone():
    w = Workshop()
    kari, ola = w.join("Kari"), w.join("Ola")
    w.advance()
    card = w.card(kari, "Lite tid")  # the facilitator never pressed reveal
    w.rejects("unknown_item", participant(ola), "edit_item", item=card, text="x")  # hidden while writing
    w.goto(PhaseKind.VOTE, "critique")
    w.dot(ola, card)  # leaving the brainstorm revealed it
    w.dot(kari, card)


def test_going_back_to_clustering_after_a_reveal_reopens_the_vote(workshop):
    (kari, ola, _), (k1, k2, k3, _) = voting(workshop)
    workshop.dot(kari, k1)
    workshop.dot(ola, k2)
    workshop.do(FACILITATOR, "close_vote", board="critique")
    workshop.do(FACILITATOR, "reveal_tally", board="critique")
    workshop.step_back()  # a duplicate was spotted: cluster again
    (merged,) = workshop.do(FACILITATOR, "merge", board="critique", cards=[k1, k2], title="Tid")
    workshop.advance()
    assert workshop.phase.kind == PhaseKind.VOTE
    workshop.dot(kari, k3)  # the round is open again
    workshop.advance()
    ranked = {r.unit: r.dots for r in ranked_list(workshop.state, "critique")}
    assert ranked == {merged.theme: 2, k3: 1}  # the list shows the themes as they are now


def test_dot_rules_may_not_shrink_below_dots_in_a_closed_vote(workshop):
    # The round can be reopened by stepping back; its dots must still fit then.
    (kari, _ola, _), (k1, k2, *_) = voting(workshop)
    workshop.dot(kari, k1, times=3)
    workshop.dot(kari, k2)
    workshop.advance()
    refused = workshop.rejects("votes_exist", FACILITATOR, "change_rules", dot_budget=3)
    assert refused.details == {"board": "critique"}
    workshop.rejects("votes_exist", FACILITATOR, "change_rules", dot_cap=2)
    workshop.do(FACILITATOR, "change_rules", dot_budget=4)  # still fits
    workshop.do(FACILITATOR, "change_rules", dot_budget=8, dot_cap=4)  # more is fine
    workshop.step_back()
    workshop.dot(kari, k2, times=3)
    assert dots_by_unit(workshop.state, "critique", kari) == {k1: 3, k2: 4}


def test_a_removed_participants_dots_do_not_hold_back_the_rules(workshop):
    (kari, *_), (k1, k2, *_) = voting(workshop)
    workshop.dot(kari, k1, times=3)
    workshop.dot(kari, k2, times=2)
    workshop.advance()
    workshop.do(FACILITATOR, "remove_participant", participant=kari)
    workshop.do(FACILITATOR, "change_rules", dot_budget=2, dot_cap=1)
    assert (workshop.state.rules.dot_budget, workshop.state.rules.dot_cap) == (2, 1)
