"""The session's language is every app's default; a person's own --lang wins.

Found by hand: ``serve --lang sv`` and the apps still spoke Norwegian (they
followed $LANG), the host's footer said «^p palette» and the command palette
listed Textual's «Focus Next», «Quit», «Keys», «Theme» in English.
"""

from __future__ import annotations

import argparse

from kompsesjon.client import SessionClient
from kompsesjon.tui.host.app import HostApp
from kompsesjon.tui.launch import own_language
from kompsesjon.tui.participant.app import ParticipantApp

from .conftest import run, screen_text, settle, shows


async def test_a_participant_app_speaks_the_sessions_language(running, tmp_path):
    created = await running.new_session(title="Nätverksträff", lang="sv")
    app = ParticipantApp(running.url, code=created.code, name="Kari", resume_file=tmp_path / "r", follow_session=True)
    async with run(app) as pilot:
        await shows(pilot, "Nätverksträff", "Ansluten", "Inledning och incheckning", "Avsluta")
        assert app.lang == "sv"
        # Her own choice wins: --lang nb.
    app = ParticipantApp(running.url, code=created.code, name="Ola", resume_file=tmp_path / "o", lang="nb")
    async with run(app) as pilot:
        screen = await shows(pilot, "Nätverksträff", "Tilkoblet")
        assert "Ansluten" not in screen and app.lang == "nb"


async def test_the_host_view_speaks_it_to_its_palette_and_footer(running):
    created = await running.new_session(title="Nätverksträff", lang="sv")
    client = SessionClient(running.url, role="facilitator", token=created.token)
    app = HostApp(client, follow_session=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: app.lang == "sv" and app.screen is app.host_screen)
        await settle(pilot, lambda: "Nästa fas" in screen_text(app) and "^p Kommandon" in screen_text(app), 10)
        assert "palette" not in screen_text(app)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles == ["Tema", "Tangenter", "Avsluta"]
        from kompsesjon.tui.host.commands import available_actions

        described = [description for description, *_ in available_actions(app.screen)]
        assert "Nästa fält" in described and not {"Focus Next", "Focus Previous", "Copy selected text"} & set(described)


def test_own_language_is_lang_or_kompsesjon_lang_not_lang(monkeypatch):
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("KOMPSESJON_LANG", raising=False)
    assert own_language(argparse.Namespace(lang=None)) is None  # $LANG: until the session says
    assert own_language(argparse.Namespace(lang="nb")) == "nb"
    monkeypatch.setenv("KOMPSESJON_LANG", "sv")
    assert own_language(argparse.Namespace(lang=None)) == "sv"


async def test_joined_from_the_form_it_speaks_the_sessions_language_too(running, tmp_path):
    created = await running.new_session(title="Nätverksträff", lang="sv")
    app = ParticipantApp(running.url, resume_file=tmp_path / "r", follow_session=True)
    async with run(app) as pilot:
        await shows(pilot, "Bli med i en økt")  # $LANG until the session is known
        for key in created.code:
            await pilot.press(key)
        await pilot.press("tab")
        for key in "Kari":
            await pilot.press(key)
        await pilot.press("enter")
        screen = await shows(pilot, "Nätverksträff", "Ansluten", "Inledning och incheckning")
        assert "Innledning" not in screen and app.screen is app.session_screen
