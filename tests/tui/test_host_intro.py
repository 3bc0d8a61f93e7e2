"""Host view, intro phase: what is always shown, and the global controls."""

from __future__ import annotations

from support import until

from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.widgets.bigtext import BigText, big_lines

from .host_support import cid, ok, opened, room, screen_text, shows  # noqa: F401


async def test_intro_shows_code_question_agenda_people_and_check_ins(room):
    await ok(room.people[0], c.CheckIn(id=cid(), text="Håper på konkrete tiltak"))
    await ok(room.people[1], c.CheckIn(id=cid(), text="Lære av nabokommunene"))
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        text = await shows(pilot, app, "Lære av nabokommunene")
        # The join code, in big letters, learnt from the server's welcome.
        assert app.join_code == room.code
        assert app.query_one("#join-code", BigText).text == room.code
        assert big_lines(room.code)[0] in text
        assert "Framtidsverksted i Salten" in text
        assert "Hvordan lærer kommunene av hverandre?" in text
        assert "Innsjekk – håp for dagen (2)" in text
        assert "Håper på konkrete tiltak" in text and "Kari Nordmann" in text
        # The agenda with the current phase marked and time boxes.
        assert "▶  1. Innledning og innsjekk" in text
        assert "Kritikkfase" in text and "45 min" in text
        # How many are here (and online, for the facilitator).
        assert "Deltakere: 4 (4 tilkoblet)" in text
        assert "Tilkoblet" in text
        # The timer shows the phase's time box until it is started.
        assert "ikke startet" in text
        # A new check-in appears without any key press.
        await ok(room.people[2], c.CheckIn(id=cid(), text="Bli kjent på tvers"))
        await shows(pilot, app, "Bli kjent på tvers")


async def test_timer_and_phase_controls(room):
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        await pilot.press("t")  # start the phase's time box (20 min)
        await until(lambda: room.fac.state.timer.running)
        left = room.fac.state.timer.deadline - room.fac.server_now()
        assert 19 * 60 < left <= 20 * 60
        await pilot.press("plus")
        await until(lambda: room.fac.state.timer.deadline - room.fac.server_now() > 20 * 60)
        await pilot.press("minus")
        await until(lambda: room.fac.state.timer.deadline - room.fac.server_now() < 20 * 60)
        await pilot.press("p")
        await until(lambda: room.fac.state.timer.paused)
        await shows(pilot, app, "pause")
        await pilot.press("p")
        await until(lambda: room.fac.state.timer.running)
        # Set minutes by hand: T, then type 4:30.
        await pilot.press("T")
        from textual.widgets import Input

        await until(lambda: bool(app.screen.query(Input)))
        app.screen.query_one(Input).value = "4:30"
        await pilot.press("enter")
        await until(
            lambda: room.fac.state.timer.running and room.fac.state.timer.deadline - room.fac.server_now() < 271
        )
        text = await shows(pilot, app, "5 minutter igjen")
        assert app.query_one("#timer-box").has_class("-five")
        assert "Tiden er ute" not in text
        # Next phase and back.
        await pilot.press("n")
        await until(lambda: room.fac.state.current.kind == PhaseKind.BRAINSTORM)
        await shows(pilot, app, "Hva er vanskelig, tregt, umulig?")
        await pilot.press("b")
        await until(lambda: room.fac.state.phase == 0)
        await shows(pilot, app, "Innsjekk – håp for dagen")


async def test_remove_participant(room):
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        await pilot.press("X")
        await shows(pilot, app, "Hvem skal fjernes fra økten?")
        from textual.widgets import Input

        app.screen.query_one(Input).value = "Ola"
        await pilot.pause(0.05)
        await pilot.press("enter")
        await shows(pilot, app, "Fjerne Ola Hansen (Fauske kommune) fra økten?")
        await pilot.press("enter")
        ola = room.people[1].participant
        await until(lambda: room.fac.state.participants[ola].removed)
        await shows(pilot, app, "Deltakere: 3")


async def test_small_terminal(room):
    await ok(room.people[0], c.CheckIn(id=cid(), text="Håper på konkrete tiltak"))
    app = room.host()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app, room)
        text = await shows(pilot, app, "Håper på konkrete tiltak")
        lines = text.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        # The code on the title's line, so that phase and question fit beside the timer …
        assert f"Kode: {room.code}" in lines[0] and "Fase 1/13:  Innledning og innsjekk" in text
        assert "Deltakere: 4" in text
        assert "Neste fase" in lines[-1]  # the footer shows the controls
        # The agenda folds away; "a" shows it.
        assert "Stemming: Kritikk" not in text
        await pilot.press("a")
        await shows(pilot, app, "Stemming: Kritikk")
        await pilot.press("j")  # … and big (with the QR code) on j
        await shows(pilot, app, big_lines(room.code)[1])


async def test_phase_changes_while_a_dialog_is_open(room):
    app = room.host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, app, room)
        await pilot.press("T")  # a dialog over the host screen
        await shows(pilot, app, "Minutter på tidtakeren")
        await room.advance_to(PhaseKind.BRAINSTORM, "critique")  # another facilitator moves on
        await room.cards("critique", ["Skrevet mens dialogen var oppe"], reveal=False)
        await pilot.press("escape")
        await shows(pilot, app, "1 skjult for deltakerne")  # private: its words hidden on the projection
        await pilot.press("r")  # the new view has the keys
        await until(lambda: room.fac.state.boards["critique"].revealed)
        await shows(pilot, app, "Skrevet mens dialogen var oppe")
