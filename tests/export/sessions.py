"""Deterministic sessions for export tests, built with the real engine.

Every text is chosen to be awkward: Rich markup, HTML, Markdown syntax, CSV
quoting, æøå — the report must show all of it literally.
"""

from __future__ import annotations

from kompsesjon.method import FACILITATOR, GUEST, State, decide, evolve, participant
from kompsesjon.method import commands as c
from kompsesjon.method.events import Event, SessionCreated
from kompsesjon.templates import load_template

NOW = 1_795_400_000.0  # 2026-11-23, fixed so golden files never change

# The seven parts of a municipality's plan (seed 004), as the county gathering names them.
SEVEN_PARTS = [
    "Utviklingsområder og innhold",
    "Mål",
    "Organisering og forankring",
    "Gjennomføring",
    "Andre tiltak",
    "Finansiering",
    "Utfordringer og muligheter",
]

HOSTILE = '<script>alert("x")</script> [bold]fet[/] *stjerne* | rør, "sitat" æøå'


class Script:
    """Drive a session through decide/evolve with fixed ids and times."""

    def __init__(
        self, template: str = "framtidsverksted", *, anonymous: bool = False, background: str = "", lang: str = "nb"
    ) -> None:
        spec = load_template(template)
        created = SessionCreated(
            session="s-golden",
            title=f"Samarbeid i Salten {HOSTILE[:9]}",
            question="Hvordan løfter vi kompetansen # sammen?",
            lang=lang,
            anonymous=anonymous,
            template=spec.name,
            created_at=NOW,
            rules=spec.rules,
            boards=spec.boards,
            agenda=spec.phases,
            group_sets=spec.group_sets,
            regions=spec.regions,
            purpose=spec.purpose,
            background=background,
        )
        self.state: State = evolve(None, created)
        self.log: list[Event] = [created]  # every event, as the server would store it
        self.n = 0
        self.people: list[str] = []

    def do(self, actor, command_type, **fields):
        self.n += 1
        command = command_type(id=f"c{self.n}", **fields)
        events = decide(self.state, actor, command, NOW + self.n)
        for event in events:
            evolve(self.state, event)
            self.log.append(event)
        return events

    def host(self, command_type, **fields):
        return self.do(FACILITATOR, command_type, **fields)

    def join(self, name: str, org: str) -> str:
        pid = self.do(GUEST, c.Join, name=name, org=org)[0].participant
        self.people.append(pid)
        return pid

    def advance(self) -> None:
        self.host(c.AdvancePhase, current=self.state.phase)


def future_workshop(anonymous: bool = False, lang: str = "nb") -> Script:
    s = Script(
        anonymous=anonymous, lang=lang, background="Salten-kommunene har delt en kompetansekoordinator siden 2024."
    )
    kari = s.join("Kari [red]Nordmann[/]", "Bodø")
    ola = s.join("Ola", "Fauske")
    siri = s.join("Siri", "Saltdal")
    per = s.join("Per", "Meløy")
    s.join("Åse", "bodø ")  # the same municipality, typed another way
    p = participant
    s.do(p(kari), c.CheckIn, text="Håper på *konkrete* tiltak")
    s.do(p(ola), c.CheckIn, text=HOSTILE)
    s.advance()  # critique
    s.do(p(kari), c.AddItem, board="critique", text="Lite tid til samarbeid")
    s.do(p(ola), c.AddItem, board="critique", text="For lite tid")
    s.do(p(siri), c.AddItem, board="critique", text=HOSTILE)
    s.do(p(per), c.AddItem, board="critique", text="1. Mangler felles mål")
    s.do(p(kari), c.AddItem, board="critique", text="Uklare roller")  # K5: no dots
    s.do(p(ola), c.AddItem, board="critique", text="Hvem gjør hva?")  # K6: no dots
    s.do(p(per), c.AddItem, board="critique", text="Skrevet feil")  # K7: withdrawn
    s.do(p(per), c.WithdrawItem, item="K7")
    s.host(c.RevealItems, board="critique")
    s.advance()  # cluster
    s.host(c.Merge, board="critique", cards=["K1", "K2"], title="Tid")
    s.host(c.Merge, board="critique", cards=["K5", "K6"], title="Roller")
    s.advance()  # vote
    for pid, cards in ((kari, ["T1", "K3"]), (ola, ["T1", "K4"]), (siri, ["K3", "K4"]), (per, ["T1"])):
        for card in cards:
            s.do(p(pid), c.PlaceDot, board="critique", card=card)
    s.advance()  # bottom list
    s.advance()  # reflection on the bottom list in small groups
    s.host(c.FormGroups, set="small", seed=1)
    s.do(p(kari), c.EditAnswer, phase=s.state.phase, question=0, group="G1", text="Tid, *igjen*", base_version=0)
    s.advance()  # vision
    s.do(p(kari), c.AddItem, board="vision", text="Felles fagdager hver måned")
    s.do(p(siri), c.AddItem, board="vision", text="Delingskultur # overalt")
    s.do(p(per), c.AddItem, board="vision", text="Delt kompetansebank")
    s.do(p(ola), c.AddItem, board="vision", text="Felles kalender")
    s.do(p(kari), c.AddItem, board="vision", text="Åpne nettverk")
    s.host(c.RevealItems, board="vision")
    s.advance()  # cluster
    s.host(c.Merge, board="vision", cards=["V3", "V4"], title="Verktøy")
    s.host(c.Merge, board="vision", cards=["T3", "V5"], title="Infrastruktur for deling")  # a theme in a theme
    s.advance()  # vote
    for pid in (kari, ola, siri):
        s.do(p(pid), c.PlaceDot, board="vision", card="V1")
    s.do(p(per), c.PlaceDot, board="vision", card="V2")
    s.advance()  # top list
    s.advance()  # islands
    s.host(
        c.CreateIsland,
        title="Tid til læring",
        links=[c.LinkRef(board="critique", card="T1"), c.LinkRef(board="vision", card="V1")],
    )
    for pid in (kari, ola, siri, per):
        s.do(p(pid), c.ChooseIsland, island="I1")
    s.advance()  # action plans
    s.do(p(kari), c.EditPlan, island="I1", field="what", text="Månedlige fagdager\nmed *deling*", base_version=0)
    s.do(p(ola), c.EditPlan, island="I1", field="who", text="Kari og Ola", base_version=0)
    s.do(p(siri), c.EditPlan, island="I1", field="first_step", text=HOSTILE, base_version=0)
    s.advance()  # closing
    s.host(c.AddNextStep, text="Nytt møte i mars | Bodø")
    s.host(c.SetNextMeeting, text="12. mars 2027")
    s.do(p(per), c.CheckOut, text="Takk for <i>i dag</i>")
    s.host(c.EditReportText, field="summary", text="Vi fant tid som det største hinderet.\n" + HOSTILE, base_version=0)
    s.host(
        c.EditReportText,
        field="decisions",
        text="1. Fagdag hver måned fra mars\n2. Rapport til kommunene",
        base_version=0,
    )
    s.do(p(kari), c.Evaluate, rating=5, text="Mer tid til øyene")
    s.do(p(ola), c.Evaluate, rating=4)
    s.do(p(per), c.Evaluate, rating=2, text="Kortere *pauser*")
    return s


def run_template(name: str, people: int = 9) -> Script:
    """Run any template from its first phase to its last, doing in each phase
    what the method asks of it. Fails on the first rejection it does not expect."""
    from kompsesjon.method import Rejection
    from kompsesjon.method.agenda import PhaseKind
    from kompsesjon.method.clustering import live_units
    from kompsesjon.method.group_work import (
        active_groups,
        answer_keys,
        follow_up_groups,
        needs_region,
        org_group,
        question_specs,
    )
    from kompsesjon.method.islands import island_members

    s = Script(name)
    orgs = ["Bodø", "Fauske", "Saltdal", "Meløy"]
    pids = [s.join(f"Deltaker {n}", orgs[n % len(orgs)]) for n in range(people)]
    p = participant
    if needs_region(s.state):
        for n, pid in enumerate(pids):
            s.do(p(pid), c.SetRegion, region=["Nordland", "troms"][n % 2])
    while True:
        phase = s.state.current
        kind = phase.kind
        if kind == PhaseKind.INTRO:
            for pid in pids:
                s.do(p(pid), c.CheckIn, text=f"Håp fra {pid}")
        elif kind == PhaseKind.BRAINSTORM:
            for n, pid in enumerate(pids):
                s.do(p(pid), c.AddItem, board=phase.board, text=f"{phase.board} {n}")
            s.host(c.RevealItems, board=phase.board)
        elif kind == PhaseKind.CLUSTER:
            units = live_units(s.state, phase.board)
            s.host(c.Merge, board=phase.board, cards=units[:2], title=f"Tema {phase.board}")
        elif kind == PhaseKind.VOTE:
            units = live_units(s.state, phase.board)
            for n, pid in enumerate(pids):
                s.do(p(pid), c.PlaceDot, board=phase.board, card=units[n % 3])
        elif kind == PhaseKind.ISLANDS:
            links = [c.LinkRef(board=b, card=live_units(s.state, b)[0]) for b in s.state.boards]
            s.host(c.CreateIsland, title="Øy A", links=links)
            s.host(c.CreateIsland, title="Øy B", links=links[:1])
            s.host(c.PlaceUnassigned)
        elif kind == PhaseKind.ACTION_PLANS:
            for island in s.state.islands:
                s.do(
                    p(island_members(s.state, island)[0]),
                    c.EditPlan,
                    island=island,
                    field="what",
                    text=f"Plan for {island}",
                    base_version=0,
                )
        elif kind == PhaseKind.GROUP_WORK:
            if not active_groups(s.state, phase.groups):
                s.host(c.FormGroups, set=phase.groups, seed=1)
            for group in active_groups(s.state, phase.groups):
                writer = group.members[0]
                if group.rapporteur is None:
                    s.do(p(writer), c.SetGroupRole, group=group.id, role="rapporteur", participant=writer)
                questions = len(question_specs(s.state, s.state.phase))
                for key in answer_keys(s.state, s.state.phase, group.id):
                    last_part = key.question == questions - 1 and key.sub is None
                    if phase.plan and last_part and group.id == active_groups(s.state, phase.groups)[0].id:
                        continue  # one plan part left empty: the report must say so
                    s.do(
                        p(writer),
                        c.EditAnswer,
                        phase=key.phase,
                        question=key.question,
                        sub=key.sub,
                        group=group.id,
                        text=f"Svar {group.id}/{key.question}" + (f"/{key.sub}" if key.sub is not None else ""),
                        base_version=0,
                    )
                if len(group.members) > 1:  # a second writer from the old version is refused
                    try:
                        s.do(
                            p(group.members[1]),
                            c.EditAnswer,
                            phase=s.state.phase,
                            question=0,
                            group=group.id,
                            text="overskriv",
                            base_version=0,
                        )
                    except Rejection as rejection:
                        assert rejection.code == "stale_version"
                    else:
                        raise AssertionError("a stale answer was accepted")
        elif kind == PhaseKind.REPORT:
            for group in active_groups(s.state, phase.groups):
                s.host(c.PresentGroup, group=group.id)
            try:
                s.do(
                    p(pids[0]), c.EditAnswer, phase=s.state.phase - 1, question=0, group="G1", text="x", base_version=1
                )
            except Rejection as rejection:
                assert rejection.code == "discussion_locked"
        elif kind == PhaseKind.FOLLOW_UP:
            for org, members in follow_up_groups(s.state).items():
                for key in answer_keys(s.state, s.state.phase, org):
                    s.do(
                        p(members[0]),
                        c.EditAnswer,
                        phase=key.phase,
                        question=key.question,
                        sub=key.sub,
                        group=org,
                        text=f"Oppfølging {org}/{key.question}",
                        base_version=0,
                    )
            assert org_group("Bodø", "p1") in follow_up_groups(s.state)
        elif kind == PhaseKind.CLOSING:
            s.host(c.AddNextStep, text="Nytt møte")
            for pid in pids:
                s.do(p(pid), c.CheckOut, text=f"Takk fra {pid}")
            if s.state.rules.evaluation:
                for n, pid in enumerate(pids):
                    s.do(p(pid), c.Evaluate, rating=5 - n % 3, text="Mer tid i gruppene" if n % 4 == 0 else "")
            s.host(c.EditReportText, field="summary", text=f"Oppsummering av {s.state.template}.", base_version=0)
            s.host(c.EditReportText, field="decisions", text="Neste samling i mars.", base_version=0)
        if s.state.phase == len(s.state.agenda) - 1:
            return s
        s.advance()


async def store(script: Script, db, code: str = "K7PQ2M") -> None:
    """Write a script's session into a database file, as the server does."""
    from kompsesjon.method.events import dump_event
    from server.store import Store

    opened = await Store.open(db)
    try:
        created, *rest = script.log
        await opened.create_session(script.state.session, code, "f-test-token", script.state.title, created)
        await opened.append(script.state.session, [(n, e.type, dump_event(e)) for n, e in enumerate(rest, start=2)])
    finally:
        await opened.close()
