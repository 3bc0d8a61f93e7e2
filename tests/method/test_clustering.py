"""Clustering: the facilitator merges cards into titled themes before voting."""

import pytest

from kompsesjon.method import FACILITATOR, PhaseKind, participant
from kompsesjon.method.clustering import live_units, members, top_level_themes, unit_of, unit_title
from kompsesjon.method.voting import dots_by_unit

from .workshop import Workshop


@pytest.fixture
def wall(workshop):
    """Four revealed critique cards, in the clustering phase."""
    kari, ola = workshop.join("Kari", "Bodø"), workshop.join("Ola", "Meløy")
    cards = workshop.wall(
        "critique", (kari, "Lite tid"), (ola, "Tidspress"), (kari, "Uklare roller"), (ola, "Hvem gjør hva?")
    )
    workshop.advance()
    assert workshop.phase.kind == PhaseKind.CLUSTER
    return workshop, cards


def merge(w, *cards, title="", board="critique"):
    (merged, *_trims) = w.do(FACILITATOR, "merge", board=board, cards=list(cards), title=title)
    return merged.theme


def test_merging_cards_makes_one_titled_theme(wall):
    w, (k1, k2, k3, k4) = wall
    theme = merge(w, k1, k2, title="Tid")
    assert w.state.themes[theme].title == "Tid"
    assert [i.id for i in members(w.state, theme)] == [k1, k2]
    assert live_units(w.state, "critique") == [theme, k3, k4]
    assert unit_of(w.state, k2) == theme


def test_an_untitled_merge_keeps_the_first_cards_text(wall):
    w, (k1, k2, *_) = wall
    theme = merge(w, k2, k1)
    assert w.state.themes[theme].title == "Tidspress"


def test_an_untitled_merge_with_a_theme_keeps_that_themes_title(wall):
    w, (k1, k2, k3, _) = wall
    tid = merge(w, k1, k2, title="Tid")
    bigger = merge(w, k3, tid)
    assert w.state.themes[bigger].title == "Tid"


def test_whole_themes_merge_into_a_theme(wall):
    w, (k1, k2, k3, k4) = wall
    tid = merge(w, k1, k2, title="Tid")
    roller = merge(w, k3, k4, title="Roller")
    alt = merge(w, tid, roller, title="Organisering")
    assert w.state.themes[tid].merged_into == alt and w.state.themes[roller].merged_into == alt
    assert live_units(w.state, "critique") == [alt]
    assert {unit_of(w.state, c) for c in (k1, k2, k3, k4)} == {alt}
    assert [t.id for t in top_level_themes(w.state, "critique")] == [alt]


def test_naming_a_card_inside_a_theme_means_the_theme(wall):
    w, (k1, k2, k3, _) = wall
    tid = merge(w, k1, k2, title="Tid")
    bigger = merge(w, k2, k3, title="Tid og roller")
    assert w.state.themes[tid].merged_into == bigger
    assert w.state.items[k3].theme == bigger


def test_a_merge_needs_two_different_units(wall):
    w, (k1, k2, *_) = wall
    w.rejects("merge_needs_two", FACILITATOR, "merge", board="critique", cards=[k1, k1])
    merge(w, k1, k2)
    w.rejects("merge_needs_two", FACILITATOR, "merge", board="critique", cards=[k1, k2])


def test_undo_merge_restores_the_cards_exactly(wall):
    w, (k1, k2, k3, k4) = wall
    before = live_units(w.state, "critique")
    theme = merge(w, k1, k3, title="Blanding")
    w.do(FACILITATOR, "undo_merge", theme=theme)
    assert live_units(w.state, "critique") == before
    assert theme not in w.state.themes
    assert all(w.state.items[c].theme is None for c in (k1, k2, k3, k4))


def test_undo_only_the_outermost_merge(wall):
    w, (k1, k2, k3, k4) = wall
    tid = merge(w, k1, k2, title="Tid")
    alt = merge(w, tid, k3, title="Alt")
    refused = w.rejects("theme_not_top_level", FACILITATOR, "undo_merge", theme=tid)
    assert refused.details == {"theme": tid, "outer": alt}
    w.do(FACILITATOR, "undo_merge", theme=alt)
    assert live_units(w.state, "critique") == [tid, k3, k4]
    w.rejects("unknown_theme", FACILITATOR, "undo_merge", theme=alt)


def test_rename_a_theme(wall):
    w, (k1, k2, *_) = wall
    theme = merge(w, k1, k2, title="Tid")
    w.do(FACILITATOR, "rename_theme", theme=theme, title="Tidsklemma")
    assert unit_title(w.state, theme) == "Tidsklemma"
    w.rejects("unknown_theme", FACILITATOR, "rename_theme", theme="T99", title="x")
    w.rejects("text_empty", FACILITATOR, "rename_theme", theme=theme, title=" ")


def test_detach_takes_one_card_back_out_of_its_theme(wall):
    w, (k1, k2, k3, _) = wall
    theme = merge(w, k1, k2, k3, title="Tid")
    w.do(FACILITATOR, "detach_item", item=k3)
    assert w.state.items[k3].theme is None
    assert [i.id for i in members(w.state, theme)] == [k1, k2]
    w.rejects("not_in_theme", FACILITATOR, "detach_item", item=k3)
    w.rejects("unknown_item", FACILITATOR, "detach_item", item="K99")


def test_leaving_the_brainstorm_reveals_the_cards_so_they_can_be_merged(workshop):
    kari, ola = workshop.join("Kari"), workshop.join("Ola")
    workshop.advance()
    a, b = workshop.card(kari, "Lite tid"), workshop.card(ola, "Tidspress")
    assert workshop.state.items[a].private and workshop.state.items[b].private
    workshop.advance()  # private writing ends with the brainstorm
    assert workshop.log[-2].type == "items_revealed"
    assert not workshop.state.items[a].private and not workshop.state.items[b].private
    assert merge(workshop, a, b, title="Tid")


def test_clustering_only_on_the_board_being_clustered(wall):
    w, (k1, k2, *_) = wall
    w.rejects("unknown_card", FACILITATOR, "merge", board="critique", cards=[k1, "V1"])
    w.rejects("wrong_phase", FACILITATOR, "merge", board="vision", cards=["V1", "V2"])
    w.rejects("unknown_board", FACILITATOR, "merge", board="nope", cards=[k1, k2])
    w.step_back()
    w.rejects("wrong_phase", FACILITATOR, "merge", board="critique", cards=[k1, k2])
    w.rejects("wrong_phase", FACILITATOR, "detach_item", item=k1)


def test_participants_do_not_cluster(wall):
    w, (k1, k2, *_) = wall
    pid = next(iter(w.state.participants))
    w.rejects("not_facilitator", participant(pid), "merge", board="critique", cards=[k1, k2])


def test_withdrawn_cards_cannot_be_merged(wall):
    w, (k1, k2, *_) = wall
    w.do(FACILITATOR, "withdraw_item", item=k2)
    w.rejects("unknown_card", FACILITATOR, "merge", board="critique", cards=[k1, k2])


def test_merging_after_a_vote_carries_dots_into_the_theme_and_gives_back_dots_over_the_cap():
    w = Workshop()
    kari, ola = w.join("Kari"), w.join("Ola")
    k1, k2, k3 = w.wall("critique", (kari, "Lite tid"), (ola, "Tidspress"), (ola, "Roller"))
    w.goto(PhaseKind.VOTE, "critique")
    w.dot(kari, k1, times=2)
    w.dot(kari, k2, times=2)
    w.dot(ola, k2)
    w.step_back()  # back to clustering: a late duplicate is spotted
    theme = merge(w, k1, k2, title="Tid")
    # Kari had 4 on the two cards, the cap is 3: her newest dot goes back.
    assert dots_by_unit(w.state, "critique", kari) == {theme: 3}
    assert dots_by_unit(w.state, "critique", ola) == {theme: 1}
    trims = [e for e in w.log if e.type == "dots_changed" and any(n < 0 for n in e.changes.values())]
    assert [(e.participant, e.changes) for e in trims] == [(kari, {k2: -1})]
    w.do(FACILITATOR, "undo_merge", theme=theme)
    assert dots_by_unit(w.state, "critique", kari) == {k1: 2, k2: 1}
    assert k3 in live_units(w.state, "critique")


def test_the_autopilot_merges_cards_that_say_the_same(workshop):
    """The demo's facilitator sorts a wall the way people do: same words, one theme."""
    from kompsesjon.simulate import same_text_groups

    kari, ola = workshop.join("Kari", "Bodø"), workshop.join("Ola", "Meløy")
    k1, k2, k3, k4 = workshop.wall(
        "critique", (kari, "Lite tid"), (ola, "lite  TID"), (kari, "Uklare roller"), (ola, "Lite tid")
    )
    workshop.advance()
    groups = same_text_groups(workshop.state, "critique")
    assert groups == [([k1, k2, k4], "Lite tid")]
    theme = merge(workshop, *groups[0][0], title=groups[0][1])
    assert same_text_groups(workshop.state, "critique") == [], "a theme is not merged again"
    assert live_units(workshop.state, "critique") == [theme, k3]
