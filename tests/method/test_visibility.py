"""Who sees what: anonymity, hidden tallies, and the mirror law on a whole day."""

import pytest

from kompsesjon.method import FACILITATOR, PhaseKind, evolve, participant
from kompsesjon.method.state import dump_state
from kompsesjon.method.visibility import (
    FACILITATOR_VIEW,
    SCREEN_VIEW,
    deliveries,
    participant_view,
    recipients_of,
    view_state,
)

from .workshop import Workshop, assert_mirrors_agree, authors_in, follow_mirrors


def full_day(w: Workshop) -> list[str]:
    """A small but complete Future Workshop; returns the participants."""
    a, b, c, d = w.join_many(("Kari", "Bodø"), ("Ola", "Meløy"), ("Per", "Bodø"), ("Lise", "Saltdal"))
    for pid, hope in ((a, "Konkrete tiltak"), (b, "Nye kontakter"), (a, "Konkrete tiltak, takk")):
        w.do(participant(pid), "check_in", text=hope)
    w.do(FACILITATOR, "form_buzz_pairs", seed=7)
    w.advance()
    k1 = w.card(a, "Lite tid", with_pair=True)
    k2 = w.card(b, "Tidspress")
    k3 = w.card(c, "Uklare roller")
    w.do(participant(b), "edit_item", item=k2, text="Tidspress i hverdagen")
    w.card(d, "Dobbeltarbeid")
    w.do(participant(d), "withdraw_item", item="K4")
    w.do(FACILITATOR, "reveal_items", board="critique")
    late = w.join("Nils", "Meløy")  # comes in after the reveal
    w.card(late, "For mange møter")
    w.advance()
    (merged,) = w.do(FACILITATOR, "merge", board="critique", cards=[k1, k2], title="Tid")
    w.advance()
    w.dot(a, merged.theme, times=2)
    w.dot(b, k3)
    w.do(participant(b), "move_dot", board="critique", card=k3, to=merged.theme)
    w.do(participant(c), "abstain", board="critique")
    w.do(participant(d), "mark_done", board="critique")
    w.advance()
    w.advance()
    v1 = w.card(a, "Tid til fordypning", board="vision")
    w.do(participant(b), "raise_red_card", note="Hersketeknikk")
    v2 = w.card(c, "Klare roller", board="vision")
    w.do(FACILITATOR, "reveal_items", board="vision")
    w.do(participant(c), "raise_red_card", item=v1)
    w.goto(PhaseKind.VOTE, "vision")
    w.dot(a, v2, board="vision")
    w.dot(late, v1, board="vision", times=3)
    w.goto(PhaseKind.ISLANDS)
    tid = w.do(
        FACILITATOR,
        "create_island",
        title="Tid",
        links=[{"board": "critique", "card": k1}, {"board": "vision", "card": v1}],
    )[0].island
    roller = w.do(FACILITATOR, "create_island", title="Roller", links=[{"board": "vision", "card": v2}])[0].island
    w.do(participant(a), "choose_island", island=tid)
    w.do(participant(b), "choose_island", island=tid)
    w.do(FACILITATOR, "remove_participant", participant=d)
    w.do(FACILITATOR, "place_unassigned")
    w.advance()
    w.do(participant(a), "edit_plan", island=tid, field="what", text="Skjerme tid", base_version=0)
    w.do(participant(b), "edit_plan", island=tid, field="what", text="Skjerme to timer", base_version=1)
    member = next(p for p, i in w.state.island_of.items() if i == roller)
    w.do(participant(member), "edit_plan", island=roller, field="who", text="Per og Nils", base_version=0)
    w.advance()
    w.do(FACILITATOR, "present_island", island=tid)
    w.do(participant(c), "check_out", text="Nyttig dag")
    w.do(FACILITATOR, "add_next_step", text="Rapport til kommunene")
    return [a, b, c, d, late]


def audiences(people):
    return [FACILITATOR_VIEW, SCREEN_VIEW, *(participant_view(p) for p in people)]


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_the_mirror_law_holds_over_a_whole_day(anonymous):
    w = Workshop(anonymous=anonymous)
    people = full_day(w)
    removed = {p for p in people if w.state.participants[p].removed}
    assert_mirrors_agree(w.log, audiences([p for p in people if p not in removed]))


def test_in_an_anonymous_session_no_author_reaches_anyone_else():
    w = Workshop(anonymous=True)
    people = full_day(w)
    state = None
    for event in w.log:
        state = evolve(state, event)
        if event.type == "session_created":
            continue
        plan = deliveries(state, event)
        for audience in audiences(people):
            received = recipients_of(plan, audience)
            if received is not None:
                own = {audience.participant} if audience.participant else set()
                assert authors_in(received.model_dump(mode="json")) <= own, (audience, received)
    for audience in audiences(people):
        own = {audience.participant} if audience.participant else set()
        assert authors_in(dump_state(view_state(w.state, audience))) <= own
    # The server itself keeps the authors (the report and stale edits need them).
    assert authors_in(dump_state(w.state)) >= {people[0], people[1]}


def test_in_a_named_session_authors_are_shown():
    w = Workshop()
    a, b, *_ = full_day(w)
    seen = view_state(w.state, participant_view(b))
    assert seen.items["K1"].author == a
    assert {n.author for n in seen.check_ins.values()} == {a, b}
    assert all(r.raised_by is None for r in seen.red_cards.values())


def test_a_participant_sees_that_their_own_writing_is_theirs():
    w = Workshop(anonymous=True)
    a, _b, *_ = full_day(w)
    mine = view_state(w.state, participant_view(a))
    assert mine.items["K1"].author == a
    assert mine.items["K2"].author is None
    assert {n.author for n in mine.check_ins.values()} == {a, None}


def test_tallies_stay_hidden_from_participants_and_screens_until_revealed():
    w = Workshop()
    a, b = w.join("Kari"), w.join("Ola")
    k1, k2 = w.wall("critique", (a, "Lite tid"), (b, "Tidspress"))
    w.goto(PhaseKind.VOTE, "critique")
    w.dot(a, k1, times=3)
    w.dot(b, k2)
    for audience, own in ((participant_view(a), a), (participant_view(b), b), (SCREEN_VIEW, None)):
        vote = view_state(w.state, audience).boards["critique"].vote
        assert vote.revealed is None
        assert set(vote.dots) <= {own}
    assert "tally_revealed" not in {e.type for e in w.log}
    w.advance()
    for audience in (participant_view(a), SCREEN_VIEW):
        revealed = view_state(w.state, audience).boards["critique"].vote.revealed
        assert {t.unit: t.dots for t in revealed} == {k1: 3, k2: 1}
    # Back to voting: hidden again.
    w.step_back()
    assert view_state(w.state, participant_view(b)).boards["critique"].vote.revealed is None


def test_a_late_joiner_starts_from_a_view_without_hidden_cards():
    w = Workshop()
    a = w.join("Kari")
    w.advance()
    w.card(a, "Lite tid")
    late = w.join("Ola")
    _, mirrors = follow_mirrors(w.log, [participant_view(late)])
    assert mirrors[participant_view(late)].items == {}
    w.do(FACILITATOR, "reveal_items", board="critique")
    _, mirrors = follow_mirrors(w.log, [participant_view(late)])
    assert [i.text for i in mirrors[participant_view(late)].items.values()] == ["Lite tid"]


def test_view_state_is_a_copy():
    w = Workshop()
    a = w.join("Kari")
    w.advance()
    w.card(a, "Lite tid")
    before = dump_state(w.state)
    seen = view_state(w.state, FACILITATOR_VIEW)
    seen.items["K1"].text = "endret i klienten"
    seen.participants[a].name = "X"
    seen.boards["critique"].vote.dots["p9"] = {"K1": 1}
    assert dump_state(w.state) == before


def test_a_stale_edit_in_an_anonymous_session_does_not_name_the_other_writer():
    w = Workshop(anonymous=True)
    a, b = w.join(), w.join()
    (card,), _ = w.lists([(a, "Lite tid")], [])
    w.goto(PhaseKind.ISLANDS)
    (created,) = w.do(FACILITATOR, "create_island", title="Tid", links=[{"board": "critique", "card": card}])
    for pid in (a, b):
        w.do(participant(pid), "choose_island", island=created.island)
    w.advance()
    w.do(participant(a), "edit_plan", island=created.island, field="what", text="Skjerme tid", base_version=0)
    refused = w.rejects(
        "stale_version", participant(b), "edit_plan", island=created.island, field="what", text="Mitt", base_version=0
    )
    assert refused.details["text"] == "Skjerme tid"  # the newer text, to merge with
    assert a not in authors_in(refused.details)
    # The writer themself still learns that the newer text is their own.
    own = w.rejects(
        "stale_version", participant(a), "edit_plan", island=created.island, field="what", text="Igjen", base_version=0
    )
    assert own.details["by"] == a


def test_in_an_anonymous_session_a_pair_card_does_not_name_its_pair():
    w = Workshop(anonymous=True)
    a, b, c, d = w.join(), w.join(), w.join(), w.join()
    (formed,) = w.do(FACILITATOR, "form_buzz_pairs", seed=1)
    (pair_id,) = [p for p, members in formed.pairs.items() if a in members]
    (partner,) = set(formed.pairs[pair_id]) - {a}
    w.advance()
    hidden = w.card(a, "Lite tid", with_pair=True)
    w.do(FACILITATOR, "reveal_items", board="critique")
    public = w.card(a, "Tidspress", with_pair=True)
    outsiders = [p for p in (b, c, d) if p != partner]
    # The pair is public (everyone sees who sits together), so a card's pair
    # would name its writers: only the writers themselves may see it.
    for audience in (FACILITATOR_VIEW, SCREEN_VIEW, *(participant_view(p) for p in outsiders)):
        seen = view_state(w.state, audience)
        assert seen.items[hidden].pair is None and seen.items[public].pair is None, audience
    for pid in (a, partner):
        seen = view_state(w.state, participant_view(pid))
        assert seen.items[hidden].pair == pair_id and seen.items[public].pair == pair_id
    state = None
    for event in w.log:
        state = evolve(state, event)
        if event.type not in ("item_added", "items_revealed"):
            continue
        plan = deliveries(state, event)
        for audience in (FACILITATOR_VIEW, SCREEN_VIEW, *(participant_view(p) for p in outsiders)):
            received = recipients_of(plan, audience)
            if received is not None:
                assert pair_id not in received.model_dump_json(), (audience, received)
    people = [a, b, c, d]
    assert_mirrors_agree(w.log, audiences(people))
