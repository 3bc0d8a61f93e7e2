"""Buzz pairs (bikuber): mixing organisations, one trio when the count is odd."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kompsesjon.method import FACILITATOR, PhaseKind, participant
from kompsesjon.method.grouping import buzz_pairs, groups_of_at_most, mixed_groups

from .workshop import Workshop

ORGS = ["Bodø kommune", "Meløy kommune", "Saltdal kommune", "Nordland fylkeskommune", ""]


def pairs_of(w, seed):
    (formed,) = w.do(FACILITATOR, "form_buzz_pairs", seed=seed)
    return formed.pairs


def org_of(w, pid):
    return w.state.participants[pid].org


def test_pairs_mix_organisations_where_they_can(workshop):
    workshop.join_many(*[(f"B{n}", "Bodø kommune") for n in range(3)], *[(f"M{n}", "Meløy kommune") for n in range(3)])
    for seed in range(20):
        pairs = pairs_of(workshop, seed)
        assert sorted(len(m) for m in pairs.values()) == [2, 2, 2]
        for members in pairs.values():
            assert len({org_of(workshop, p) for p in members}) == 2


def test_an_odd_count_gives_exactly_one_trio(workshop):
    workshop.join_many(*[(f"P{n}", ORGS[n % 3]) for n in range(7)])
    pairs = pairs_of(workshop, 5)
    assert sorted(len(m) for m in pairs.values()) == [2, 2, 3]
    assert sorted(p for m in pairs.values() for p in m) == sorted(workshop.state.participants)


def test_three_people_make_one_trio(workshop):
    workshop.join_many(("A", "x"), ("B", "y"), ("C", "z"))
    assert [len(m) for m in pairs_of(workshop, 1).values()] == [3]


def test_pairs_need_two_people(workshop):
    workshop.rejects("too_few_participants", FACILITATOR, "form_buzz_pairs", seed=1)
    workshop.join("Kari")
    workshop.rejects("too_few_participants", FACILITATOR, "form_buzz_pairs", seed=1)


def test_removed_participants_are_not_paired(workshop):
    a, b, c = workshop.join_many(("A", "x"), ("B", "y"), ("C", "z"))
    workshop.do(FACILITATOR, "remove_participant", participant=c)
    assert [sorted(m) for m in pairs_of(workshop, 1).values()] == [sorted([a, b])]


def test_the_same_seed_gives_the_same_pairs_in_any_session():
    people = [(f"P{n}", ORGS[n % len(ORGS)]) for n in range(9)]
    first, second = Workshop(), Workshop()
    first.join_many(*people)
    second.join_many(*people)
    assert pairs_of(first, 42) == pairs_of(second, 42)


def test_another_seed_gives_another_pairing(workshop):
    workshop.join_many(*[(f"P{n}", "") for n in range(8)])
    pairings = {tuple(sorted(tuple(sorted(m)) for m in pairs_of(workshop, seed).values())) for seed in range(10)}
    assert len(pairings) > 1


def test_a_new_pairing_replaces_the_old_one(workshop):
    workshop.join_many(("A", "x"), ("B", "y"), ("C", "x"), ("D", "y"))
    old = pairs_of(workshop, 1)
    new = pairs_of(workshop, 2)
    assert not set(old) & set(new)  # new pair ids
    assert [p.id for p in workshop.state.buzz_pairs.values() if p.active] == list(new)
    workshop.do(FACILITATOR, "clear_buzz_pairs")
    assert not any(p.active for p in workshop.state.buzz_pairs.values())
    workshop.rejects("no_buzz_pairs", FACILITATOR, "clear_buzz_pairs")


def test_without_a_seed_pairs_are_still_deterministic_and_change_each_time():
    people = [(f"P{n}", ORGS[n % 4]) for n in range(8)]
    runs = []
    for _ in range(2):
        w = Workshop()
        w.join_many(*people)
        runs.append([w.do(FACILITATOR, "form_buzz_pairs")[0].pairs for _ in range(3)])
    assert runs[0] == runs[1]
    members = [sorted(sorted(m) for m in pairs.values()) for pairs in runs[0]]
    assert members[0] != members[1] != members[2]  # "another pairing" really is another


def test_pairs_write_together_during_the_brainstorm(workshop):
    _a, b = workshop.join_many(("A", "x"), ("B", "y"))
    (pair_id,) = pairs_of(workshop, 1)
    workshop.goto(PhaseKind.BRAINSTORM, "critique")
    (added,) = workshop.do(participant(b), "add_item", board="critique", text="Felles kort", with_pair=True)
    assert added.item.pair == pair_id and added.item.author == b


people = st.lists(st.sampled_from(ORGS), min_size=0, max_size=30).map(
    lambda orgs: [(f"p{n}", org) for n, org in enumerate(orgs)]
)


@settings(max_examples=150, deadline=None)
@given(people=people, seed=st.integers(0, 2**32))
def test_buzz_pairs_cover_everyone_once_with_at_most_one_trio(people, seed):
    pairs = buzz_pairs(people, seed)
    if len(people) < 2:
        assert pairs == []
        return
    assert sorted(p for m in pairs for p in m) == sorted(p for p, _ in people)
    sizes = Counter(len(m) for m in pairs)
    assert sizes[3] == len(people) % 2 and set(sizes) <= {2, 3}
    assert pairs == buzz_pairs(people, seed)


@settings(max_examples=150, deadline=None)
@given(people=people, groups=st.integers(1, 10), seed=st.integers(0, 2**32))
def test_nobody_meets_a_colleague_unless_their_organisation_is_too_big(people, groups, seed):
    dealt = mixed_groups(people, groups, seed)
    org = dict(people)
    assert sorted(p for g in dealt for p in g) == sorted(org)
    if dealt:
        assert max(map(len, dealt)) - min(map(len, dealt)) <= 1
    sizes = Counter(o for o in org.values() if o)
    for group in dealt:
        named = [org[p] for p in group if org[p]]
        for o, n in Counter(named).items():
            if n > 1:
                assert sizes[o] > groups, (o, group)


def test_mixed_groups_needs_a_group():
    with pytest.raises(ValueError):
        mixed_groups([("p1", "x")], 0, seed=1)


@settings(max_examples=50, deadline=None)
@given(people=people, size=st.integers(2, 8), seed=st.integers(0, 100))
def test_groups_of_at_most_size(people, size, seed):
    groups = groups_of_at_most(people, size, seed)
    assert all(len(g) <= size for g in groups)
    assert sum(map(len, groups)) == len(people)
    assert len(groups) == -(-len(people) // size)
