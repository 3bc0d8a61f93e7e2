"""Islands: formed from both lists, chosen by the participants."""

import pytest

from kompsesjon.method import FACILITATOR, PhaseKind, Rules, participant
from kompsesjon.method.islands import island_members, island_sizes, unassigned
from kompsesjon.method.visibility import participant_view, view_state

from .workshop import Workshop


def islands_phase(w: Workshop, people: int = 4):
    pids = [w.join(f"Person {n}", f"Kommune {n % 2}") for n in range(people)]
    critique, vision = w.lists(
        [(pids[0], "Lite tid"), (pids[1], "Tidspress"), (pids[1], "Uklare roller")],
        [(pids[0], "Tid til fordypning"), (pids[1], "Klare roller")],
    )
    w.goto(PhaseKind.ISLANDS)
    return pids, critique, vision


def island(w, title, *links):
    (created,) = w.do(FACILITATOR, "create_island", title=title, links=[{"board": b, "card": c} for b, c in links])
    return created.island


@pytest.fixture
def islands(workshop):
    pids, critique, vision = islands_phase(workshop)
    tid = island(workshop, "Tid", ("critique", critique[0]), ("vision", vision[0]))
    roller = island(workshop, "Roller", ("critique", critique[2]), ("vision", vision[1]))
    return workshop, pids, tid, roller


def choose(w, pid, island_id):
    w.do(participant(pid), "choose_island", island=island_id)


def test_an_island_links_units_of_both_lists(workshop):
    _pids, critique, vision = islands_phase(workshop)
    i = island(workshop, "Tid", ("critique", critique[0]), ("vision", vision[0]), ("critique", critique[0]))
    links = [(link.board, link.unit) for link in workshop.state.islands[i].links]
    assert links == [("critique", critique[0]), ("vision", vision[0])]  # duplicates dropped


def test_linking_a_card_inside_a_theme_links_the_theme(workshop):
    kari, ola = workshop.join("Kari"), workshop.join("Ola")
    k1, k2 = workshop.wall("critique", (kari, "Lite tid"), (ola, "Tidspress"))
    workshop.advance()
    (merged,) = workshop.do(FACILITATOR, "merge", board="critique", cards=[k1, k2], title="Tid")
    workshop.goto(PhaseKind.ISLANDS)
    i = island(workshop, "Tid", ("critique", k2))
    assert [(link.board, link.unit) for link in workshop.state.islands[i].links] == [("critique", merged.theme)]


def test_islands_are_formed_only_in_the_islands_phase(workshop):
    _pids, critique, _ = islands_phase(workshop)
    workshop.step_back()
    workshop.rejects(
        "wrong_phase", FACILITATOR, "create_island", title="Tid", links=[{"board": "critique", "card": critique[0]}]
    )


def test_an_island_must_link_real_cards(workshop):
    islands_phase(workshop)
    workshop.rejects(
        "unknown_card", FACILITATOR, "create_island", title="X", links=[{"board": "critique", "card": "K99"}]
    )
    workshop.rejects("unknown_board", FACILITATOR, "create_island", title="X", links=[{"board": "b", "card": "K1"}])
    workshop.rejects("text_empty", FACILITATOR, "create_island", title="", links=[{"board": "critique", "card": "K1"}])


def test_participants_choose_and_names_are_shown(islands):
    w, (a, b, c, d), tid, roller = islands
    choose(w, a, tid)
    choose(w, b, tid)
    choose(w, c, roller)
    assert island_members(w.state, tid) == [a, b]
    seen = view_state(w.state, participant_view(d))
    assert seen.island_of == {a: tid, b: tid, c: roller}
    assert seen.participants[a].name == "Person 0"
    assert unassigned(w.state) == [d]


def test_change_or_leave_an_island(islands):
    w, (a, *_), tid, roller = islands
    w.rejects("nothing_to_change", participant(a), "choose_island", island=None)
    choose(w, a, tid)
    w.rejects("nothing_to_change", participant(a), "choose_island", island=tid)
    choose(w, a, roller)
    assert w.state.island_of[a] == roller
    choose(w, a, None)
    assert a not in w.state.island_of
    w.rejects("unknown_island", participant(a), "choose_island", island="I99")


def test_an_island_has_a_maximum_size():
    w = Workshop(rules=Rules(island_min=2, island_max=2))
    (a, b, c, _), critique, _ = islands_phase(w)
    tid = island(w, "Tid", ("critique", critique[0]))
    choose(w, a, tid)
    choose(w, b, tid)
    refused = w.rejects("island_full", participant(c), "choose_island", island=tid)
    assert refused.details == {"island": tid, "limit": 2}


def test_nobody_may_be_left_alone_on_an_island(islands):
    w, (a, b, c, d), tid, roller = islands
    choose(w, a, tid)
    choose(w, b, tid)
    choose(w, c, roller)
    refused = w.rejects("island_too_small", FACILITATOR, "advance_phase", current=w.state.phase)
    assert refused.details == {"islands": {roller: 1}}
    choose(w, d, roller)
    w.advance()
    assert w.phase.kind == PhaseKind.ACTION_PLANS


def test_island_minimum_blocks_advancing():
    w = Workshop(rules=Rules(island_min=3))
    (a, b, *_), critique, _ = islands_phase(w)
    tid = island(w, "Tid", ("critique", critique[0]))
    choose(w, a, tid)
    choose(w, b, tid)
    w.rejects("island_too_small", FACILITATOR, "advance_phase", current=w.state.phase)


def test_even_a_minimum_of_one_leaves_nobody_alone():
    w = Workshop(rules=Rules(island_min=1))
    (a, *_), critique, _ = islands_phase(w)
    tid = island(w, "Tid", ("critique", critique[0]))
    choose(w, a, tid)
    w.rejects("island_too_small", FACILITATOR, "advance_phase", current=w.state.phase)


def test_an_empty_island_does_not_block(islands):
    w, (a, b, *_), tid, _roller = islands
    choose(w, a, tid)
    choose(w, b, tid)
    w.advance()
    assert w.phase.kind == PhaseKind.ACTION_PLANS


def test_place_unassigned_fills_the_smallest_islands_first(islands):
    w, (a, b, c, d), tid, roller = islands
    choose(w, a, tid)
    events = w.do(FACILITATOR, "place_unassigned")
    placed = {e.participant: e.island for e in events}
    # roller is empty, so it gets the first one; then the sizes are 1-1 and the
    # earlier island wins the tie; then roller (1) again.
    assert placed == {b: roller, c: tid, d: roller}
    assert island_sizes(w.state) == {tid: 2, roller: 2}
    assert unassigned(w.state) == []
    w.rejects("nothing_to_change", FACILITATOR, "place_unassigned")


def test_place_unassigned_needs_islands_with_room():
    w = Workshop(rules=Rules(island_min=1, island_max=1))
    islands_phase(w, people=3)
    w.rejects("no_islands", FACILITATOR, "place_unassigned")
    island(w, "Tid", ("critique", "K1"))
    w.rejects("islands_full", FACILITATOR, "place_unassigned")


def test_facilitator_assigns_people(islands):
    w, (a, b, *_), tid, _ = islands
    w.do(FACILITATOR, "assign_island", participant=a, island=tid)
    assert w.state.island_of[a] == tid
    w.do(FACILITATOR, "remove_participant", participant=b)
    w.rejects("participant_removed", FACILITATOR, "assign_island", participant=b, island=tid)
    w.rejects("unknown_participant", FACILITATOR, "assign_island", participant="p99", island=tid)


def test_moves_during_action_plans_leave_nobody_alone(islands):
    w, (a, b, c, d), tid, roller = islands
    choose(w, a, tid)
    choose(w, b, tid)
    choose(w, c, roller)
    choose(w, d, roller)
    w.advance()
    assert w.phase.kind == PhaseKind.ACTION_PLANS
    refused = w.rejects("island_too_small", FACILITATOR, "assign_island", participant=a, island=roller)
    assert refused.details == {"islands": {tid: 1}}, "Tid would be left with one"
    w.rejects("island_too_small", FACILITATOR, "assign_island", participant=a, island=None)
    latecomer = w.join("Sen Ankomst", "Kommune 9")
    w.do(FACILITATOR, "assign_island", participant=latecomer, island=tid)  # joining is fine
    w.do(FACILITATOR, "assign_island", participant=a, island=roller)  # Tid keeps two
    assert island_sizes(w.state) == {tid: 2, roller: 3}
    # Someone went home and left a person alone: moving that person is allowed.
    w.do(FACILITATOR, "remove_participant", participant=latecomer)
    w.do(FACILITATOR, "assign_island", participant=b, island=roller)
    assert island_sizes(w.state) == {tid: 0, roller: 4}
    # A new island for one person alone is refused.
    w.rejects("island_too_small", FACILITATOR, "assign_island", participant=b, island=tid)


def test_a_removed_participant_leaves_their_island(islands):
    w, (a, b, *_), tid, _ = islands
    choose(w, a, tid)
    choose(w, b, tid)
    w.do(FACILITATOR, "remove_participant", participant=b)
    assert island_members(w.state, tid) == [a]


def test_removing_an_island_frees_its_people(islands):
    w, (a, b, *_), tid, roller = islands
    choose(w, a, tid)
    choose(w, b, roller)
    w.do(FACILITATOR, "remove_island", island=tid)
    assert w.state.islands[tid].removed
    assert w.state.island_of == {b: roller}
    w.rejects("unknown_island", participant(a), "choose_island", island=tid)
    w.rejects("unknown_island", FACILITATOR, "remove_island", island=tid)


def test_update_an_islands_title_and_links(islands):
    w, _, tid, _ = islands
    w.do(FACILITATOR, "update_island", island=tid, title="Tid og ro")
    assert w.state.islands[tid].title == "Tid og ro"
    assert len(w.state.islands[tid].links) == 2
    w.do(FACILITATOR, "update_island", island=tid, links=[{"board": "vision", "card": "V2"}])
    assert [(link.board, link.unit) for link in w.state.islands[tid].links] == [("vision", "V2")]
    assert w.state.islands[tid].title == "Tid og ro"


def test_choosing_only_in_the_islands_phase(islands):
    w, (a, b, *_), tid, _ = islands
    choose(w, a, tid)
    choose(w, b, tid)
    w.advance()
    w.rejects("wrong_phase", participant(a), "choose_island", island=None)
