"""Keys typed as soon as a new phase is on screen go to its field.

A person types once they see the new phase. What the screen shows and where
the keys go must never disagree: in the first frame that shows the new
phase's view the cursor is already in it. These tests send keys (as the
terminal driver does, all at once) right after the first frame that shows
the new phase, before the app has had any other chance to run — what a
loaded machine (or a slow SSH seat) does to a quick typist.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual import events

from kompsesjon.client import new_id
from kompsesjon.method import commands as c
from kompsesjon.method.group_work import group_of
from kompsesjon.tui.participant.views.groups import AnswerEditor

from .conftest import Workshop, ok, run, screen_text, settle
from .test_groups import conference

TYPED = "Planleggingsdag"


def keys_on_first_frame(app: Any, seen: str) -> list[str]:
    """Once a frame shows ``seen``, post the keys of TYPED at once (right
    after that frame went out). Returns the screen of that frame (when it came)."""
    frame: list[str] = []
    display = app._display

    def displayed(screen, update) -> None:
        display(screen, update)
        if frame:
            return
        text = screen_text(app)
        if seen in text:
            frame.append(text)
            for character in TYPED:
                app.post_message(events.Key(character, character))

    app._display = displayed
    return frame


def first_answer(app: Any) -> AnswerEditor | None:
    """The first answer of the view on screen."""
    view = app.screen.query_one("#views").visible_content
    return next(iter(view.query(AnswerEditor)), None) if view is not None else None


async def typed_into_first_answer(pilot, frame: list[str]) -> None:
    app = pilot.app
    await settle(pilot, lambda: bool(frame), timeout=30)

    def arrived() -> bool:
        field = first_answer(app)
        return field is not None and field.is_mounted and field.area.text == TYPED

    try:
        await settle(pilot, arrived)
    except TimeoutError:
        raise AssertionError(
            f"the keys typed after this frame were lost (focus: {app.focused!r}):\n{frame[0]}\nnow:\n{screen_text(app)}"
        ) from None
    assert app.focused is first_answer(app).area


@pytest.fixture
async def dialogue(running, clients, tmp_path) -> Workshop:
    return await conference(running, clients, tmp_path)


async def until(workshop: Workshop, title: str) -> None:
    host = workshop.host
    while not host.state.current.title.startswith(title):
        await ok(host, c.AdvancePhase(id=new_id(), current=host.state.phase))


async def test_a_view_made_when_its_phase_first_comes(dialogue):
    """Intro → «Del 1: I egen enhet»: the follow-up view is made on demand."""
    app = dialogue.app(org="Bodø")
    async with run(app) as pilot:
        await dialogue.joined(pilot)
        await dialogue.person("Per", "Bodø")
        frame = keys_on_first_frame(app, "Svar for Bodø")
        await until(dialogue, "Del 1: I egen enhet")
        await typed_into_first_answer(pilot, frame)


async def test_a_hidden_view_with_new_answers(dialogue):
    """The report → «Del 4: Lokal oppfølging»: the follow-up view of «Del 1»
    comes back with the editors of this phase (the CI failure's path)."""
    host = dialogue.host
    app = dialogue.app(org="Bodø")
    async with run(app) as pilot:
        await dialogue.joined(pilot)
        await dialogue.person("Ola", "Fauske")
        await ok(host, c.FormGroups(id=new_id(), set="base", seed=1))
        await until(dialogue, "Rapportering i plenum")
        await settle(pilot, lambda: "Diskusjonen er låst" in screen_text(app))
        frame = keys_on_first_frame(app, "Svar for Bodø")
        await until(dialogue, "Del 4: Lokal oppfølging")
        await typed_into_first_answer(pilot, frame)


async def test_the_view_on_screen_rebuilt_for_the_next_round(dialogue):
    """«Del 3: Kryssgrupper» → «Tilbake i basisgruppene»: the same group-work
    view, its answers made anew while it is on screen."""
    host = dialogue.host
    app = dialogue.app(org="Bodø")
    async with run(app) as pilot:
        kari = await dialogue.joined(pilot)
        await dialogue.person("Ola", "Fauske")
        await until(dialogue, "Del 2: Basisgrupper")
        await ok(host, c.FormGroups(id=new_id(), set="base", seed=1))
        await until(dialogue, "Del 3: Kryssgrupper")
        await ok(host, c.FormGroups(id=new_id(), set="cross", seed=1))
        assert group_of(host.state, "cross", kari) is not None
        await settle(pilot, lambda: app.focused is not None and app.focused.id == "answer-0-q")
        frame = keys_on_first_frame(app, "Tilbake i basisgruppene")
        await until(dialogue, "Tilbake i basisgruppene")
        await typed_into_first_answer(pilot, frame)
