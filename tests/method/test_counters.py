"""Ids are numbered from counters kept in the state, whatever a board's prefix.

A template may give a board any 1–3 characters as its prefix (``K``, ``Ö``,
``1``, ``Krit``'s ``Kr`` …). The number of the next card must come from how
many have been made, never be read back out of an id: reading it back once
made every card of a board prefixed «Ö» the card ``Ö1``, each replacing the
last.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kompsesjon.method import FACILITATOR, PhaseKind, dump_state, evolve
from kompsesjon.method.agenda import BoardKind, BoardSpec, Phase
from kompsesjon.method.clustering import live_units

from .workshop import Workshop

AGENDA = [
    Phase(kind=PhaseKind.INTRO),
    Phase(kind=PhaseKind.BRAINSTORM, board="critique"),
    Phase(kind=PhaseKind.CLUSTER, board="critique"),
    Phase(kind=PhaseKind.BRAINSTORM, board="vision"),
    Phase(kind=PhaseKind.CLUSTER, board="vision"),
]


def boards(critique: str, vision: str) -> list[BoardSpec]:
    return [
        BoardSpec(id="critique", kind=BoardKind.CRITIQUE, prefix=critique),
        BoardSpec(id="vision", kind=BoardKind.VISION, prefix=vision),
    ]


def test_a_board_prefixed_with_a_swedish_letter_keeps_every_card():
    w = Workshop(boards=boards("Ö", "V"), agenda=AGENDA)
    kari = w.join("Kari", "Umeå")
    w.goto(PhaseKind.BRAINSTORM, "critique")
    ids = [w.card(kari, text) for text in ("Ont om tid", "Otydliga roller", "För många möten")]
    assert ids == ["Ö1", "Ö2", "Ö3"]
    assert [i.text for i in w.state.items.values()] == ["Ont om tid", "Otydliga roller", "För många möten"]


def test_counters_are_replayed_from_the_log():
    w = Workshop(boards=boards("Ö", "Øy"), agenda=AGENDA)
    kari, ola = w.join("Kari"), w.join("Ola")
    w.do(FACILITATOR, "form_buzz_pairs", seed=1)
    w.goto(PhaseKind.BRAINSTORM, "critique")
    w.card(kari, "a")
    w.card(ola, "b")
    replayed = None
    for event in w.log:
        replayed = evolve(replayed, event)
    assert dump_state(replayed) == dump_state(w.state)
    assert w.card(kari, "c") == "Ö3"


# Any script: Latin, Nordic, Cyrillic, CJK, digits, punctuation, a space.
prefixes = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn")), min_size=1, max_size=3
)


@settings(max_examples=150, deadline=None)
@given(critique=prefixes, vision=prefixes, data=st.data())
def test_no_card_is_ever_lost_whatever_the_prefixes(critique, vision, data):
    """Two boards with arbitrary prefixes (equal, one a prefix of the other,
    ending in digits, ``T`` like themes): every card written stays, under its
    own id, and every id names one card or one theme only."""
    w = Workshop(boards=boards(critique, vision), agenda=AGENDA)
    w.do(FACILITATOR, "change_rules", private_writing=False)
    people = [w.join(f"P{n}") for n in range(3)]
    written: list[str] = []
    for board in ("critique", "vision"):
        w.goto(PhaseKind.BRAINSTORM, board)
        for n in range(data.draw(st.integers(1, 14), label=f"cards on {board}")):
            text = f"{board} {n}"
            w.card(people[n % 3], text, board=board)
            written.append(text)
        w.goto(PhaseKind.CLUSTER, board)
        for _ in range(data.draw(st.integers(0, 3), label=f"merges on {board}")):
            units = live_units(w.state, board)
            if len(units) >= 2:
                w.do(FACILITATOR, "merge", board=board, cards=units[:2], title="")
    assert sorted(i.text for i in w.state.items.values()) == sorted(written)
    assert not set(w.state.items) & set(w.state.themes), "a card and a theme share an id"
    for item in w.state.items.values():
        assert item.id.startswith(w.state.boards[item.board].spec.prefix)
