"""Simulated participants (and, optionally, a facilitator) for the demo.

Each simulated person is an ordinary :class:`~kompsesjon.client.SessionClient`
that watches its mirror and, at a human pace, does what the current phase
asks: checks in, writes cards (sometimes together with the buzz pair), places
dots, chooses an island, writes in the action plan, gives their county, writes
their group's answers and takes the rapporteur's or table host's role, writes
their organisation's follow-up, checks out. They only use the public
protocol, so the demo exercises the real server end to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass

from .client import SessionClient, new_id
from .method import State
from .method import commands as c
from .method.agenda import BoardKind, GroupMode, PhaseKind
from .method.clustering import live_units, top_level_themes, unit_title
from .method.group_work import active_groups, answer_keys, follow_up_groups, group_of, needs_region, org_group
from .method.islands import active_islands, island_sizes, too_small
from .method.state import PLAN_FIELDS
from .method.text import LIMITS
from .method.voting import dots_left, ranked_list

PEOPLE = [
    ("Kari Nordmann", "Bodø kommune"),
    ("Ola Hansen", "Fauske kommune"),
    ("Ingrid Johansen", "Saltdal kommune"),
    ("Per Olsen", "Meløy kommune"),
    ("Siri Berg", "Gildeskål kommune"),
    ("Anders Nilsen", "Steigen kommune"),
    ("Marit Pedersen", "Sørfold kommune"),
    ("Jonas Karlsen", "Hamarøy kommune"),
    ("Hanne Eriksen", "Beiarn kommune"),
    ("Lars Andersen", "Rødøy kommune"),
    ("Tone Larsen", "Bodø kommune"),
    ("Erik Solberg", "RKK Salten"),
]

# The county gathering's room: two counties, since its groups are formed by county.
COUNTY_PEOPLE = [
    ("Kari Nordmann", "Bodø kommune", "Nordland"),
    ("Ola Hansen", "Tromsø kommune", "Troms"),
    ("Ingrid Johansen", "Fauske kommune", "Nordland"),
    ("Per Olsen", "Harstad kommune", "Troms"),
    ("Siri Berg", "Bodø kommune", "Nordland"),
    ("Anders Nilsen", "Senja kommune", "Troms"),
    ("Marit Pedersen", "Saltdal kommune", "Nordland"),
    ("Jonas Karlsen", "Tromsø kommune", "Troms"),
    ("Hanne Eriksen", "Fauske kommune", "Nordland"),
    ("Lars Andersen", "Harstad kommune", "Troms"),
    ("Tone Larsen", "Saltdal kommune", "Nordland"),
    ("Erik Solberg", "Senja kommune", "Troms"),
]

# Groups by municipality need several people from each.
HOME_MUNICIPALITIES = ["Bodø kommune", "Fauske kommune", "Saltdal kommune", "Meløy kommune"]


def people_for(template) -> list[tuple[str, str, str]]:
    """Who takes part in a demo of ``template``: (name, organisation, region)."""
    modes = {spec.mode for spec in template.group_sets}
    if GroupMode.BY_REGION in modes:
        return list(COUNTY_PEOPLE)
    if GroupMode.BY_ORG in modes:
        return [(name, HOME_MUNICIPALITIES[n % 4], "") for n, (name, _) in enumerate(PEOPLE)]
    return [(name, org, "") for name, org in PEOPLE]


HOPES = [
    "Håper vi finner noe konkret vi kan starte med allerede neste uke",
    "At vi blir bedre kjent på tvers av kommunene",
    "Ønsker å lære hvordan andre har løst koordineringen",
    "Håper vi får en felles plan vi faktisk følger opp",
    "At alle får sagt sitt – også de små kommunene",
    "Ta med meg gode eksempler hjem til kollegene",
]

OBSTACLES = [
    "Lite tid til samarbeid på tvers",
    "Uklare roller mellom kommune og fylkeskommune",
    "Dobbeltarbeid – flere gjør samme oppgave",
    "Vi blir en flaskehals for andre",
    "Mangler felles problemforståelse",
    "Kompetansemidlene kommer sent og er kortsiktige",
    "Vanskelig å frigjøre folk til nettverksmøter",
    "Lange reiseavstander i regionen",
    "Ingen fast koordinator",
    "Tiltak stopper når prosjektet slutter",
    "Lite ledelsesforankring",
    "Informasjon kommer ikke fram til de som trenger den",
]

VISIONS = [
    "Felles kompetanseplan for hele Salten",
    "Faste nettverk der vi deler praksis hver måned",
    "En ressursperson i hver kommune",
    "Korte veier mellom skole, barnehage og kommuneledelse",
    "Delingskultur: vi gjør hverandre gode",
    "Digitale møteplasser som sparer reisetid",
    "Forutsigbar finansiering over flere år",
    "Ledere som prioriterer tid til utvikling",
    "Nye tiltak testes i små skritt og deles med alle",
]

PLAN_TEXT = {
    "what": "Månedlige nettverksmøter på tvers av kommunene",
    "how": "Halvdagsmøter som veksler mellom digitale og fysiske samlinger",
    "who": "",  # filled with members' names
    "first_step": "Sende ut forslag til datoer før jul",
    "when": "Første møte i februar",
}

ANSWERS = [
    "Vi deler erfaringer med faddere for nyansatte",
    "Faste møter på tvers av kommunene hver måned",
    "Uklare roller gjør at flere gjør samme oppgave",
    "Vi må forankre arbeidet hos ledelsen først",
    "Digitale møter sparer reisetid, men vi mister noe",
    "En felles kontaktperson i hver kommune",
    "Bedre informasjon fra fylkeskommunen i oppstarten",
    "Prøve ut en felles plan i to kommuner i vår",
    "Kort vei mellom skole, barnehage og kommuneledelse",
]

FOLLOW_UPS = [
    "Ta saken opp på ledermøtet neste uke",
    "Sette av en halv fagdag til deling før neste samling",
    "Invitere nabokommunen til et felles møte",
    "Lage en enkel plan og dele den med nettverket",
]

CHECK_OUT = ["Takk for en god dag!", "Inspirert!", "Mye å ta med hjem", "Godt å bli kjent", "Spent på oppfølgingen"]
DIFFERENTLY = ["Mer tid til øyene", "Kortere kritikkfase", "Flere pauser", "Bedre lyd i rommet"]

QUESTION = "Hvordan kan vi samarbeide bedre om kompetanseutvikling i kommunene i Salten?"


@dataclass
class Pace:
    """Seconds between actions; the demo's tempo."""

    low: float = 2.0
    high: float = 7.0

    def wait(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)


class _Simulated:
    """A simulated person: a client and the task that acts through it."""

    client: SessionClient
    _task: asyncio.Task | None = None

    def start(self) -> None:
        self.client.start()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    async def _run(self) -> None:
        raise NotImplementedError

    def _mirror(self) -> State:
        state = self.client.state
        assert state is not None  # the client has been welcomed
        return state


class SimulatedParticipant(_Simulated):
    def __init__(self, url: str, code: str, name: str, org: str, *, seed: int, pace: Pace, region: str = "") -> None:
        self.client = SessionClient(url, role="participant", code=code, name=name, org=org)
        self.region = region  # given when the session forms groups by region
        self.rng = random.Random(seed)
        self.pace = pace
        self._done: set[tuple] = set()  # (phase, what) already done

    @property
    def state(self) -> State | None:
        return self.client.state

    async def _run(self) -> None:
        await self.client.wait_ready(timeout=30)
        while True:
            await asyncio.sleep(self.pace.wait(self.rng))
            state = self.state
            if state is None:
                continue
            with contextlib.suppress(Exception):  # a rejection is part of life
                await self._act(state)

    def _once(self, state: State, what: str) -> bool:
        key = (state.phase, what)
        if key in self._done:
            return False
        self._done.add(key)
        return True

    async def _send(self, command) -> bool:
        outcome = await self.client.send(command, timeout=30)
        return outcome.ok

    async def _act(self, state: State) -> None:
        me = self.client.participant
        assert me is not None  # welcomed as a participant
        phase = state.current
        kind = phase.kind
        if self.region and needs_region(state) and not state.participants[me].region:
            await self._send(c.SetRegion(id=new_id(), region=self.region))
        elif kind == PhaseKind.INTRO and self._once(state, "check_in"):
            await self._send(c.CheckIn(id=new_id(), text=self.rng.choice(HOPES)))
        elif kind == PhaseKind.BRAINSTORM and phase.board:
            mine = [i for i in state.items.values() if i.board == phase.board and i.author == me]
            if len(mine) < 3 and self.rng.random() < 0.7:
                vision = state.boards[phase.board].spec.kind == BoardKind.VISION
                pool = VISIONS if vision else OBSTACLES
                written = {i.text for i in state.items.values()}
                fresh = [text for text in pool if text not in written] or pool
                with_pair = any(p.active and me in p.members for p in state.buzz_pairs.values())
                await self._send(
                    c.AddItem(
                        id=new_id(),
                        board=phase.board,
                        text=self.rng.choice(fresh),
                        with_pair=with_pair and self.rng.random() < 0.3,
                    )
                )
        elif kind == PhaseKind.VOTE and phase.board:
            vote = state.boards[phase.board].vote
            if vote.closed or me in vote.status:
                return
            if dots_left(state, phase.board, me) > 0:
                units = live_units(state, phase.board)
                if units:
                    # People agree more than chance: favour the first themes.
                    weights = [1.0 / (n + 1) ** 0.7 for n in range(len(units))]
                    card = self.rng.choices(units, weights)[0]
                    await self._send(c.PlaceDot(id=new_id(), board=phase.board, card=card))
            else:
                await self._send(c.MarkDone(id=new_id(), board=phase.board))
        elif kind == PhaseKind.ISLANDS and me not in state.island_of:
            sizes = island_sizes(state)
            open_islands = [i.id for i in active_islands(state) if sizes[i.id] < state.rules.island_max]
            if open_islands:
                await self._send(c.ChooseIsland(id=new_id(), island=self.rng.choice(open_islands)))
        elif kind == PhaseKind.ACTION_PLANS:
            island = state.island_of.get(me)
            if island is None:
                return
            plan = state.plans.get(island, {})
            empty = [f for f in PLAN_FIELDS if f not in plan or not plan[f].text]
            if empty:
                name = self.rng.choice(empty)
                text = PLAN_TEXT[name] or ", ".join(
                    state.participants[p].name for p, i in state.island_of.items() if i == island
                )
                await self._send(c.EditPlan(id=new_id(), island=island, field=name, text=text, base_version=0))
        elif kind in (PhaseKind.GROUP_WORK, PhaseKind.FOLLOW_UP):
            await self._answer(state, me)
        elif kind == PhaseKind.CLOSING and self._once(state, "check_out"):
            await self._send(c.CheckOut(id=new_id(), text=self.rng.choice(CHECK_OUT)))
        elif kind == PhaseKind.CLOSING and state.rules.evaluation and self._once(state, "evaluate"):
            text = self.rng.choice(DIFFERENTLY) if self.rng.random() < 0.5 else ""
            await self._send(c.Evaluate(id=new_id(), rating=self.rng.choice([3, 4, 4, 5, 5]), text=text))

    async def _answer(self, state: State, me: str) -> None:
        """Write one of my group's (or organisation's) answers nobody wrote yet,
        or take a role nobody has."""
        phase = state.current
        if phase.kind == PhaseKind.FOLLOW_UP:
            group = org_group(state.participants[me].org, me)
            if group not in follow_up_groups(state):
                return
            pool = FOLLOW_UPS
        else:
            found = group_of(state, phase.groups or "", me)
            if found is None:
                return
            group, pool = found.id, ANSWERS
            for role in ("rapporteur", "host"):
                if getattr(found, role) is None and self.rng.random() < 0.3:
                    await self._send(c.SetGroupRole(id=new_id(), group=group, role=role, participant=me))
                    return
        for key in answer_keys(state, state.phase, group):
            if key not in state.answers and self._once(state, f"answer{key.question}/{key.sub}/{group}"):
                await self._send(
                    c.EditAnswer(
                        id=new_id(),
                        phase=key.phase,
                        question=key.question,
                        sub=key.sub,
                        group=group,
                        text=self.rng.choice(pool),
                        base_version=0,
                    )
                )
                return


def same_text_groups(state: State, board: str) -> list[tuple[list[str], str]]:
    """Loose cards of a board that say the same thing, as (cards, title):
    what a facilitator merges first when sorting a wall."""
    themed = {t.id for t in top_level_themes(state, board)}
    by_text: dict[str, list[str]] = {}
    for unit in live_units(state, board):
        item = state.items.get(unit)
        if unit not in themed and item is not None:
            by_text.setdefault(" ".join(item.text.split()).casefold(), []).append(unit)
    return [(cards, state.items[cards[0]].text[: LIMITS["title"]]) for cards in by_text.values() if len(cards) >= 2]


class AutoFacilitator(_Simulated):
    """Runs the agenda by itself for ``--autopilot``: one phase every
    ``phase_seconds``, doing the facilitator's part on the way (buzz pairs,
    sorting the wall, islands, forming groups, one report after the other)."""

    def __init__(self, url: str, token: str, *, phase_seconds: float = 45.0) -> None:
        self.client = SessionClient(url, role="facilitator", token=token)
        self.phase_seconds = phase_seconds

    async def _do(self, command) -> None:
        with contextlib.suppress(Exception):
            await self.client.send(command, timeout=30)

    async def _reports(self, group_set: str) -> None:
        """Each group reports in turn (every screen follows), then the overview."""
        groups = [g.id for g in active_groups(self._mirror(), group_set)]
        for group in groups:
            await self._do(c.PresentGroup(id=new_id(), group=group))
            await asyncio.sleep(self.phase_seconds * 0.6 / max(1, len(groups)))
        await self._do(c.PresentGroup(id=new_id(), group=None))

    async def settle_islands(self) -> None:
        """Before the action plans: everyone on an island, nobody alone, and
        no island that nobody is on (people chose before it was made), so
        that every island writes a plan."""
        await self._do(c.PlaceUnassigned(id=new_id()))
        empty = [i for i, n in island_sizes(self._mirror()).items() if n == 0]
        for island in [*too_small(self._mirror()), *empty]:
            if len(active_islands(self._mirror())) > 1:
                # Given up; its people join the smallest of the others.
                await self._do(c.RemoveIsland(id=new_id(), island=island))
                await self._do(c.PlaceUnassigned(id=new_id()))

    async def _run(self) -> None:
        await self.client.wait_ready(timeout=30)
        while True:
            state = self._mirror()
            phase = state.current
            await self._do(c.SetTimer(id=new_id(), seconds=int(self.phase_seconds)))
            if phase.kind == PhaseKind.BRAINSTORM and phase.board:
                await self._do(c.FormBuzzPairs(id=new_id()))
            if phase.kind == PhaseKind.GROUP_WORK and phase.groups and not active_groups(state, phase.groups):
                await self._do(c.FormGroups(id=new_id(), set=phase.groups))
            if phase.kind == PhaseKind.REPORT and phase.groups:
                await self._reports(phase.groups)
            else:
                await asyncio.sleep(self.phase_seconds * 0.6)
            state = self._mirror()
            if phase.kind == PhaseKind.BRAINSTORM and phase.board:
                await self._do(c.RevealItems(id=new_id(), board=phase.board))
            if phase.kind == PhaseKind.CLUSTER and phase.board:
                for cards, title in same_text_groups(state, phase.board):
                    await self._do(c.Merge(id=new_id(), board=phase.board, cards=cards, title=title))
            if phase.kind == PhaseKind.ISLANDS and not active_islands(state):
                lists = {b: ranked_list(state, b) for b in state.boards}
                pairs = list(zip(lists.get("critique", []), lists.get("vision", []), strict=False))[:3]
                for low, high in pairs:
                    await self._do(
                        c.CreateIsland(
                            id=new_id(),
                            title=unit_title(state, high.unit)[:80],
                            links=[
                                c.LinkRef(board="critique", card=low.unit),
                                c.LinkRef(board="vision", card=high.unit),
                            ],
                        )
                    )
            await asyncio.sleep(self.phase_seconds * 0.4)
            state = self._mirror()
            if state.current.kind == PhaseKind.ISLANDS:
                await self.settle_islands()
            if state.phase + 1 >= len(state.agenda):
                return
            await self._do(c.AdvancePhase(id=new_id(), current=state.phase))
