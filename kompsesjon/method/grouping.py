"""Putting people into small groups that mix organisations.

Used for buzz pairs (bikuber) and, with a larger size, for group rounds. The
result is deterministic for a given seed, so the facilitator can ask for
"another pairing" and a replay of the log gives the same groups.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence


def mixed_groups(people: Sequence[tuple[str, str]], groups: int, seed: int) -> list[list[str]]:
    """Deal ``people`` (id, organisation) into ``groups`` groups.

    People are ordered organisation by organisation, largest organisation
    first, shuffled within each by ``seed``, and dealt round-robin: two people
    from one organisation only meet when that organisation is larger than the
    number of groups. Group sizes differ by at most one.
    """
    if groups < 1:
        raise ValueError("need at least one group")
    rng = random.Random(seed)
    by_org: dict[str, list[str]] = {}
    for person, org in people:
        # Blank organisation: each such person counts as their own.
        by_org.setdefault(org.strip().casefold() or f"\0{person}", []).append(person)
    orgs = list(by_org.items())
    rng.shuffle(orgs)  # equal-sized organisations: order decided by the seed
    orgs.sort(key=lambda kv: -len(kv[1]))
    order: list[str] = []
    for _, members in orgs:
        members = sorted(members)
        rng.shuffle(members)
        order.extend(members)
    dealt: list[list[str]] = [[] for _ in range(groups)]
    for pos, person in enumerate(order):
        dealt[pos % groups].append(person)
    return [g for g in dealt if g]


def buzz_pairs(people: Sequence[tuple[str, str]], seed: int) -> list[list[str]]:
    """Pairs mixing organisations; with an odd count, one trio."""
    if len(people) < 2:
        return []
    return mixed_groups(people, len(people) // 2, seed)


def groups_of_at_most(people: Sequence[tuple[str, str]], size: int, seed: int) -> list[list[str]]:
    """As few groups as possible with at most ``size`` people each."""
    if not people:
        return []
    count = -(-len(people) // size)
    return mixed_groups(people, count, seed)


def groups_by(people: Sequence[tuple[str, str]], size: int) -> list[tuple[str, list[str]]]:
    """Everyone with the same value (organisation, region) together, split
    evenly when there are more than ``size``; each group with its label.

    The label is the value as most of its people wrote it ("Bodø kommune"; on a tie the first person's),
    numbered when the value needed several groups ("Bodø kommune (2)").
    People without a value are mixed into groups of their own, labelled "".
    """
    by_key: dict[str, list[tuple[str, str]]] = {}
    loose: list[str] = []
    for person, value in people:
        key = value.strip().casefold()
        if key:
            by_key.setdefault(key, []).append((person, value.strip()))
        else:
            loose.append(person)
    out: list[tuple[str, list[str]]] = []
    for key in sorted(by_key):
        entries = sorted(by_key[key])
        spellings = Counter(value for _, value in entries)  # in order of first use
        label = max(spellings, key=lambda v: spellings[v])  # the most used; a tie: the first
        members = [person for person, _ in entries]
        parts = -(-len(members) // size)
        for n in range(parts):
            out.append((f"{label} ({n + 1})" if parts > 1 else label, members[n::parts]))
    if loose:
        parts = -(-len(loose) // size)
        out.extend(("", sorted(loose)[n::parts]) for n in range(parts))
    return out
