"""``kompsesjon demo``: a live session on this machine, in one command.

Starts an embedded server on a free local port (database in the user data
folder), creates a session from a template (a Future Workshop unless
``--template`` says otherwise: a dialogue conference, case reflection, a
county gathering …) with a shared question from the world of the Salten
municipalities, lets simulated participants take part at a human pace, and
opens the facilitator's host view. Anyone can join the same session from
another terminal with the printed command. Quitting leaves everything
stored, ready for ``kompsesjon export``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Callable
from pathlib import Path

from .i18n import t
from .paths import data_dir
from .simulate import QUESTION, AutoFacilitator, Pace, SimulatedParticipant, people_for

TITLE = "Framtidsverksted: kompetanse i Salten"
# The shared question of each built-in template's demo (others: the template's).
QUESTIONS = {
    "framtidsverksted": QUESTION,
    "dialogkonferanse": "Hvordan lærer vi av hverandres praksis i Salten?",
    "dialogkonferanse-kort": "Hvordan lærer vi av hverandres praksis i Salten?",
    "refleksjon": "Hvordan koordinerer vi integreringsarbeidet i kommunen?",
    "fylkessamling": "Hvordan organiserer vi kompetanseløftet i fylket?",
}


def demo_db() -> Path:
    return data_dir() / "demo.sqlite3"


async def run_demo(
    *,
    db: Path,
    template: str = "framtidsverksted",
    participants: int | None = None,
    autopilot: bool = False,
    host_view: bool = True,
    lang: str = "nb",
    theme: str | None = None,
    pace: Pace | None = None,
    phase_seconds: float = 45.0,
    port: int = 0,
    out: Callable[[str], None] = print,
    ready: asyncio.Event | None = None,
) -> int:
    from server.app import Limits, SessionServer
    from server.store import Store, StoreError

    from .templates import load_template

    spec = load_template(template, lang=lang)  # a bad name or file fails here, before anything starts
    people_here = people_for(spec)
    if participants is None:  # groups need people: a full room for the group methods
        participants = 8 if not spec.group_sets or spec.name == "framtidsverksted" else len(people_here)
    try:
        store = await Store.open(db)
    except StoreError as exc:
        out(t("cli.error", message=exc))
        return 1
    server = SessionServer(store, Limits(rate=200, burst=400))
    await server.load_sessions()
    title = TITLE if spec.name == "framtidsverksted" else f"{spec.title}: kompetanse i Salten"
    question = QUESTIONS.get(spec.name, spec.question)
    created = await server.create_session(spec, title=title, question=question, lang=lang)
    await server.start("127.0.0.1", port)
    url = f"ws://127.0.0.1:{server.port}"
    out(t("cli.demo.started", title=created.title, url=url, db=db))
    out(t("cli.demo.join_here"))
    out(f"  kompsesjon join {url} --code {created.code}")
    out(f"  kompsesjon screen {url} --code {created.code}     {t('cli.demo.projector')}")
    out("  " + t("cli.demo.token", token=created.token))

    people = [
        SimulatedParticipant(url, created.code, name, org, region=region, seed=n, pace=pace or Pace())
        for n, (name, org, region) in enumerate(people_here[:participants])
    ]
    pilot = AutoFacilitator(url, created.token, phase_seconds=phase_seconds) if autopilot else None
    for person in people:
        person.start()
    if pilot is not None:
        pilot.start()
    if ready is not None:
        ready.set()
    try:
        if host_view:
            from .client import SessionClient
            from .tui.host.app import HostApp

            app = HostApp(
                SessionClient(url, role="facilitator", token=created.token), role="facilitator", lang=lang, theme=theme
            )
            await app.run_async()
        else:
            out(t("cli.demo.no_host"))
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
    finally:
        if pilot is not None:
            await pilot.stop()
        await asyncio.gather(*(p.stop() for p in people), return_exceptions=True)
        with contextlib.suppress(Exception):
            await server.stop()
        out("\n" + t("cli.demo.stored", db=db))
        out(f"  kompsesjon export {created.code} --format html -o rapport.html")
    return 0


def run(args: argparse.Namespace) -> int:
    import sys

    from . import i18n
    from .templates import TemplateError, load_template

    try:
        load_template(args.template)
    except TemplateError as exc:
        print(t("cli.error", message=exc), file=sys.stderr)
        return 2
    pace = Pace(2.0 / args.speed, 7.0 / args.speed)
    try:
        return asyncio.run(
            run_demo(
                db=Path(args.db) if args.db else demo_db(),
                template=args.template,
                participants=args.participants,
                autopilot=args.autopilot,
                host_view=not args.no_host,
                lang=i18n.detect(args.lang),
                theme=args.theme,
                pace=pace,
                phase_seconds=args.phase_seconds,
                out=lambda line: print(line, flush=True),
            )
        )
    except KeyboardInterrupt:
        return 130
