"""Time boxes: the facilitator's timer, shown on every screen."""

import pytest

from kompsesjon.method import FACILITATOR, participant
from kompsesjon.method.visibility import SCREEN_VIEW, deliveries, participant_view, recipients_of

from .workshop import START


def test_set_starts_a_countdown_from_now(workshop):
    workshop.now = START + 10
    workshop.do(FACILITATOR, "set_timer", seconds=900)
    assert workshop.state.timer.deadline == START + 910
    assert workshop.state.timer.running and not workshop.state.timer.paused


def test_every_screen_gets_the_timer(workshop):
    pid = workshop.join("Kari")
    (changed,) = workshop.do(FACILITATOR, "set_timer", seconds=300)
    plan = deliveries(workshop.state, changed)
    assert recipients_of(plan, SCREEN_VIEW) == changed
    assert recipients_of(plan, participant_view(pid)) == changed


def test_pause_keeps_what_is_left_and_resume_counts_on(workshop):
    workshop.do(FACILITATOR, "set_timer", seconds=600)
    workshop.now = START + 100
    workshop.do(FACILITATOR, "pause_timer")
    assert workshop.state.timer.remaining == 500 and not workshop.state.timer.running
    workshop.now = START + 1000  # a long coffee break does not eat the time box
    workshop.do(FACILITATOR, "resume_timer")
    assert workshop.state.timer.deadline == START + 1500


def test_extend_a_running_or_paused_timer(workshop):
    workshop.do(FACILITATOR, "set_timer", seconds=600)
    workshop.do(FACILITATOR, "extend_timer", seconds=300)
    assert workshop.state.timer.deadline == START + 900
    workshop.do(FACILITATOR, "pause_timer")
    workshop.do(FACILITATOR, "extend_timer", seconds=-120)
    assert workshop.state.timer.remaining == 780


def test_shortening_never_goes_below_zero(workshop):
    workshop.do(FACILITATOR, "set_timer", seconds=60)
    workshop.now = START + 30
    workshop.do(FACILITATOR, "extend_timer", seconds=-600)
    assert workshop.state.timer.deadline == START + 30  # ends now, not in the past
    workshop.do(FACILITATOR, "pause_timer")
    assert workshop.state.timer.remaining == 0
    workshop.do(FACILITATOR, "extend_timer", seconds=-5)
    assert workshop.state.timer.remaining == 0


def test_pausing_after_the_deadline_leaves_nothing(workshop):
    workshop.do(FACILITATOR, "set_timer", seconds=60)
    workshop.now = START + 120
    workshop.do(FACILITATOR, "pause_timer")
    assert workshop.state.timer.remaining == 0


def test_clear_removes_the_timer(workshop):
    workshop.do(FACILITATOR, "set_timer", seconds=60)
    workshop.do(FACILITATOR, "clear_timer")
    assert not workshop.state.timer.running and not workshop.state.timer.paused


@pytest.mark.parametrize("kind", ["extend_timer", "pause_timer", "resume_timer", "clear_timer"])
def test_nothing_to_do_without_a_timer(workshop, kind):
    fields = {"seconds": 60} if kind == "extend_timer" else {}
    workshop.rejects("no_timer", FACILITATOR, kind, **fields)


def test_pause_needs_a_running_timer_and_resume_a_paused_one(workshop):
    workshop.do(FACILITATOR, "set_timer", seconds=60)
    workshop.rejects("no_timer", FACILITATOR, "resume_timer")
    workshop.do(FACILITATOR, "pause_timer")
    workshop.rejects("no_timer", FACILITATOR, "pause_timer")


def test_only_facilitators_set_the_timer(workshop):
    pid = workshop.join("Kari")
    workshop.rejects("not_facilitator", participant(pid), "set_timer", seconds=60)


def test_a_timer_must_be_positive_and_at_most_twelve_hours(workshop):
    for seconds in (0, 12 * 3600 + 1):
        with pytest.raises(ValueError):
            workshop.command("set_timer", seconds=seconds)
