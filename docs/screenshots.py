"""Make the README's screenshots: ``uv run python docs/screenshots.py``.

Runs a real server in this process with a throwaway database, lets eight
people from the Salten demo check in, write critique cards in buzz pairs and
start voting, then saves SVG screenshots of the real apps:

- ``docs/host.svg``: the facilitator's host view during the critique phase;
- ``docs/participant.svg``: Kari's participant app while she votes;
- ``docs/groups.svg``: the host view in a dialogue conference's first round of
  base groups (twelve people from the Salten municipalities);
- ``docs/participant-groups.svg``: Kari writing her group's answer;
- ``docs/phone-*.png``: Hanne on the web page on a 360×740 phone in headless
  Chromium (joining, writing critique cards, voting), and Erik writing his
  base group's answer in the dialogue conference (``phone-groups.png``), when
  Chromium and Playwright are there (``apt-get install chromium``; ``uv sync``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # support: how Chromium is started

from support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from textual import events  # noqa: E402

from kompsesjon.client import SessionClient, new_id  # noqa: E402
from kompsesjon.method import commands as c  # noqa: E402
from kompsesjon.method.agenda import PhaseKind  # noqa: E402
from kompsesjon.method.group_work import group_of  # noqa: E402
from kompsesjon.simulate import HOPES, OBSTACLES, PEOPLE, QUESTION, same_text_groups  # noqa: E402
from kompsesjon.tui.host.app import HostApp  # noqa: E402
from kompsesjon.tui.participant.app import ParticipantApp  # noqa: E402
from server.app import Limits, SessionServer  # noqa: E402
from server.store import Store  # noqa: E402

HOST_SIZE = (130, 38)
PHONE = {"width": 360, "height": 740}


def chromium_there() -> bool:
    return os.path.exists(CHROMIUM)


class Phone:
    """The web page on a phone-sized screen, or nothing when there is no Chromium."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.page = None

    async def start(self, code: str) -> None:
        try:
            from playwright.async_api import async_playwright
        except ImportError:
            print("no phone screenshots: playwright is not installed")
            return
        if not chromium_there():
            print(f"no phone screenshots: no {CHROMIUM} (apt-get install chromium)")
            return
        self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await self._browser.new_context(viewport=PHONE, device_scale_factor=2, locale="nb-NO", is_mobile=True)
        self.page = await context.new_page()
        await self.page.goto(f"{self.base}/{code}")

    async def shot(self, name: str, *, wait_for: str | None = None) -> None:
        if self.page is None:
            return
        if wait_for:
            await self.page.wait_for_selector(wait_for)
        await self.page.wait_for_timeout(400)
        path = ROOT / "docs" / name
        await self.page.screenshot(path=str(path))
        print("saved", path)

    async def stop(self) -> None:
        if self.page is not None:
            await self._browser.close()
            await self._playwright.stop()


PARTICIPANT_SIZE = (80, 24)  # what a participant's laptop terminal gives


async def ok(client: SessionClient, command) -> None:
    outcome = await client.send(command)
    if not outcome.ok:
        raise SystemExit(f"{command.type} was refused: {outcome}")


async def join(url: str, code: str, people: list[tuple[str, str]]) -> list[SessionClient]:
    """Everyone joins from their own client."""
    joined = []
    for name, org in people:
        person = SessionClient(url, role="participant", code=code, name=name, org=org)
        person.start()
        await person.wait_ready()
        joined.append(person)
    return joined


async def advance_to(fac: SessionClient, kind: PhaseKind) -> None:
    while fac.state.current.kind != kind:
        await ok(fac, c.AdvancePhase(id=new_id(), current=fac.state.phase))


async def settle(app, fac: SessionClient, pilot) -> None:
    """Until the app's mirror has everything the facilitator has, drawn."""
    async with asyncio.timeout(10):
        while app.client is None or app.client.state is None or app.client.seq < fac.seq:
            await pilot.pause(0.05)
    await pilot.pause(0.5)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "screenshots.sqlite3")
        server = SessionServer(store, Limits(rate=1000, burst=1000))
        await server.start("127.0.0.1", 0)
        url = f"ws://127.0.0.1:{server.port}"
        created = await server.create_session(
            "framtidsverksted", title="Framtidsverksted: kompetanse i Salten", question=QUESTION, lang="nb"
        )
        fac = SessionClient(url, role="facilitator", token=created.token)
        fac.start()
        await fac.wait_ready()
        people = await join(url, created.code, PEOPLE[:8])
        for n, person in enumerate(people):
            await ok(person, c.CheckIn(id=new_id(), text=HOPES[n % len(HOPES)]))

        # Hanne joins from her phone: the QR code on the projector opened the page.
        phone = Phone(f"http://127.0.0.1:{server.port}")
        await phone.start(created.code)
        if phone.page is not None:
            await phone.page.get_by_label("Navn").fill(PEOPLE[8][0])
            await phone.page.get_by_label("Organisasjon").fill(PEOPLE[8][1])
            await phone.shot("phone-join.png")
            await phone.page.get_by_role("button", name="Bli med").click()
            await phone.page.wait_for_selector("body[data-joined]")

        await advance_to(fac, PhaseKind.BRAINSTORM)
        await ok(fac, c.FormBuzzPairs(id=new_id(), seed=7))
        await ok(fac, c.SetTimer(id=new_id(), seconds=27 * 60))
        for n, text in enumerate(OBSTACLES[:9]):
            await ok(people[n % len(people)], c.AddItem(id=new_id(), board="critique", text=text))
        await ok(people[1], c.AddItem(id=new_id(), board="critique", text=OBSTACLES[0]))
        await ok(fac, c.RevealItems(id=new_id(), board="critique"))
        for n, text in enumerate(OBSTACLES[9:]):  # still private: counted, not shown
            await ok(people[n], c.AddItem(id=new_id(), board="critique", text=text))
        if phone.page is not None:
            card = phone.page.get_by_label("Ny lapp")
            await card.fill("Vanskelig å finne vikarer")
            await card.press("Enter")
            await card.fill("Ingen felles")
            await phone.shot("phone-brainstorm.png", wait_for="li.card.mine")

        host = HostApp(
            SessionClient(url, role="facilitator", token=created.token),
            role="facilitator",
            lang="nb",
            theme="projector",
        )
        async with host.run_test(size=HOST_SIZE) as pilot:
            await settle(host, fac, pilot)
            print("saved", host.save_screenshot("host.svg", str(ROOT / "docs")))

        await advance_to(fac, PhaseKind.CLUSTER)
        for cards, title in same_text_groups(fac.state, "critique"):
            await ok(fac, c.Merge(id=new_id(), board="critique", cards=cards, title=title))
        await advance_to(fac, PhaseKind.VOTE)
        await ok(fac, c.SetTimer(id=new_id(), seconds=11 * 60))
        units = sorted(fac.state.items)  # stable order: c1, c2, …
        for n, person in enumerate(people[1:]):
            for card in (units[n % 5], units[(n + 2) % 7]):
                item = fac.state.items[card]
                await ok(person, c.PlaceDot(id=new_id(), board="critique", card=item.theme or card))
        kari = people[0]
        for card in (units[0], units[0], units[3]):
            item = fac.state.items[card]
            await ok(kari, c.PlaceDot(id=new_id(), board="critique", card=item.theme or card))

        if phone.page is not None:
            for unit in ("Lite tid til samarbeid på tvers", "Lite tid til samarbeid på tvers"):
                await phone.page.get_by_role("button", name=f"Gi en prikk til «{unit}»").click()
            await phone.shot("phone-vote.png", wait_for="li.unit.has-dots")
        await phone.stop()

        resume = Path(tmp) / "kari.txt"
        resume.write_text(kari.resume, encoding="ascii")
        await kari.close()  # the app below is Kari again, on her own terminal
        app = ParticipantApp(url, code=created.code, resume_file=resume, lang="nb", theme="kompsesjon-dark")
        async with app.run_test(size=PARTICIPANT_SIZE) as pilot:
            await settle(app, fac, pilot)
            print("saved", app.save_screenshot("participant.svg", str(ROOT / "docs")))

        for client in (fac, *people[1:]):
            await client.close()
        await group_round(server, url, Path(tmp))
        await server.stop()


ANSWERS = [
    "Fadderordning for nyansatte i hjemmetjenesten",
    "Felles fagdag med nabokommunen hver høst",
    "Digital veiledning fra kompetansesenteret",
]


async def group_round(server: SessionServer, url: str, tmp: Path) -> None:
    """A dialogue conference in its first round of base groups."""
    created = await server.create_session(
        "dialogkonferanse", title="Dialogkonferanse: kompetanse i Salten", question=QUESTION, lang="nb"
    )
    fac = SessionClient(url, role="facilitator", token=created.token)
    fac.start()
    await fac.wait_ready()
    # Erik joins from his phone (the QR code on the projector opened the page), the others from terminals.
    people = await join(url, created.code, PEOPLE[:-1])
    phone = Phone(f"http://127.0.0.1:{server.port}")
    await phone.start(created.code)
    if phone.page is not None:
        await phone.page.get_by_label("Navn").fill(PEOPLE[-1][0])
        await phone.page.get_by_label("Organisasjon").fill(PEOPLE[-1][1])
        await phone.page.get_by_role("button", name="Bli med").click()
        await phone.page.wait_for_selector("body[data-joined]")
    else:
        people += await join(url, created.code, PEOPLE[-1:])
    await advance_to(fac, PhaseKind.GROUP_WORK)
    await ok(fac, c.FormGroups(id=new_id(), set="base", seed=4))
    await ok(fac, c.SetTimer(id=new_id(), seconds=42 * 60))
    phase = fac.state.phase
    kari = people[0]
    written = set()
    for n, person in enumerate(people[1:], start=1):
        group = group_of(fac.state, "base", person.participant)
        if group.rapporteur is None:
            await ok(
                person, c.SetGroupRole(id=new_id(), group=group.id, role="rapporteur", participant=person.participant)
            )
        elif group.host is None:
            await ok(person, c.SetGroupRole(id=new_id(), group=group.id, role="host", participant=person.participant))
        if group.id not in written and kari.participant not in group.members:
            written.add(group.id)
            await ok(
                person,
                c.EditAnswer(id=new_id(), phase=phase, question=0, group=group.id, text=ANSWERS[n % 3], base_version=0),
            )
    mine = group_of(fac.state, "base", kari.participant)
    mate = next(p for p in people[1:] if p.participant in mine.members)
    await ok(
        mate,
        c.EditAnswer(
            id=new_id(), phase=phase, question=1, group=mine.id, text="Tidspress og uklare roller", base_version=0
        ),
    )
    host = HostApp(SessionClient(url, role="facilitator", token=created.token), role="facilitator", lang="nb")
    async with host.run_test(size=HOST_SIZE) as pilot:
        await settle(host, fac, pilot)
        print("saved", host.save_screenshot("groups.svg", str(ROOT / "docs")))

    if phone.page is not None:  # Erik takes the table host's role and writes his group's answer
        page = phone.page
        if await page.get_by_role("button", name="Bli bordvert").is_visible():
            await page.get_by_role("button", name="Bli bordvert").click()
            await page.wait_for_selector("text=Gi fra meg bordvertrollen")
        await page.get_by_label("Svar 1", exact=True).fill("Kompetanseløftet i RKK Salten: felles e-læring")
        await page.locator(".round-info").evaluate("(el) => window.scrollTo(0, el.offsetTop - 8)")
        await phone.shot("phone-groups.png", wait_for=".plan-field.dirty")
    await phone.stop()

    resume = tmp / "kari-groups.txt"
    resume.write_text(kari.resume, encoding="ascii")
    await kari.close()
    app = ParticipantApp(url, code=created.code, resume_file=resume, lang="nb", theme="kompsesjon-dark")
    async with app.run_test(size=PARTICIPANT_SIZE) as pilot:
        await settle(app, fac, pilot)
        app.post_message(events.Paste("Vi deler fadderordningen fra Bodø: to faste møter i uka"))
        await pilot.pause(0.5)
        print("saved", app.save_screenshot("participant-groups.svg", str(ROOT / "docs")))
    for client in (fac, *people[1:]):
        await client.close()


if __name__ == "__main__":
    asyncio.run(main())
