"""Write ``earlier.sqlite3`` and ``earlier.json``: a database as an earlier
kompsesjon wrote it, and the states that version replayed from it.

tests/server/test_earlier_db.py opens the database with today's code: every
session must replay to the same state (a stored log is never reinterpreted)
and go on numbering where it left off.

Run with the code of the version to capture (here: commit 7d7a406, before
counters became state), e.g. from a checkout of that commit::

    PYTHONPATH=.:tests python tests/server/data/make_earlier_db.py OUT_DIR
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from export import sessions  # from the checkout's tests/

from kompsesjon.method import commands as c
from kompsesjon.method import decide, dump_state, evolve, participant
from kompsesjon.method.agenda import BoardKind, BoardSpec
from kompsesjon.method.events import SessionCreated
from kompsesjon.templates import load_template
from server.store import Applied, NewParticipant, Store


class Recorded(sessions.Script):
    """The export tests' session driver, keeping the log."""

    def __init__(self, template: str = "framtidsverksted", *, boards: list[BoardSpec] | None = None) -> None:
        spec = load_template(template)
        self.created = SessionCreated(
            session="s",
            title="Tidligere versjon",
            question="Hva lagret den?",
            lang="nb",
            anonymous=False,
            template=spec.name,
            created_at=sessions.NOW,
            rules=spec.rules,
            boards=boards or spec.boards,
            agenda=spec.phases,
            group_sets=spec.group_sets,
        )
        self.state = evolve(None, self.created)
        self.log = [self.created]
        self.n = 0
        self.people = []

    def do(self, actor, command_type, **fields):
        self.n += 1
        events = decide(self.state, actor, command_type(id=f"c{self.n}", **fields), sessions.NOW + self.n)
        for event in events:
            evolve(self.state, event)
        self.log.extend(events)
        return events


def run_template(name: str) -> Recorded:
    original = sessions.Script
    setattr(sessions, "Script", Recorded)  # run_template makes its Script by name  # noqa: B010
    try:
        made = sessions.run_template(name)
        assert isinstance(made, Recorded)
        return made
    finally:
        setattr(sessions, "Script", original)  # noqa: B010


def extras() -> Recorded:
    """Buzz pairs formed twice, red cards, a check-in written twice, themes of themes."""
    s = Recorded()
    p = participant
    people = [s.join(name, org) for name, org in [("Kari", "Bodø"), ("Ola", "Fauske"), ("Siri", "Meløy")]]
    s.do(p(people[0]), c.CheckIn, text="Først")
    s.do(p(people[0]), c.CheckIn, text="Så dette")
    s.do(p(people[1]), c.CheckIn, text="Håp")
    s.host(c.FormBuzzPairs, seed=3)
    s.host(c.FormBuzzPairs, seed=4)
    s.advance()  # critique
    for n, pid in enumerate(people * 2):
        s.do(p(pid), c.AddItem, board="critique", text=f"Kort {n}", with_pair=n % 2 == 0)
    s.host(c.RevealItems, board="critique")
    s.advance()  # cluster
    s.host(c.Merge, board="critique", cards=["K1", "K2"], title="A")
    s.host(c.Merge, board="critique", cards=["K3", "K4"], title="B")
    s.host(c.Merge, board="critique", cards=["T1", "T2"], title="A og B")
    while s.state.current.kind.value != "brainstorm" or s.state.current.board != "vision":
        s.advance()
    s.do(p(people[0]), c.AddItem, board="vision", text="Drøm")
    s.host(c.RevealItems, board="vision")
    s.do(p(people[1]), c.RaiseRedCard, note="Hersketeknikk")
    s.do(p(people[2]), c.RaiseRedCard, item="V1", note="")
    s.host(c.DismissRedCard, card="R1")
    return s


def swedish_prefix() -> Recorded:
    """A board numbered «Ö»: the version captured here gave every card the id Ö1."""
    s = Recorded(boards=[BoardSpec(id="critique", kind=BoardKind.CRITIQUE, prefix="Ö")])
    kari = s.join("Kari", "Umeå")
    ola = s.join("Ola", "Luleå")
    s.advance()
    s.do(participant(kari), c.AddItem, board="critique", text="Ont om tid")
    s.do(participant(ola), c.AddItem, board="critique", text="Otydliga roller")
    s.do(participant(kari), c.AddItem, board="critique", text="För många möten")
    s.host(c.RevealItems, board="critique")
    return s


async def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    db = out / "earlier.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = await Store.open(db)
    scripts = {
        "framtidsverksted": run_template("framtidsverksted"),
        "fylkessamling": run_template("fylkessamling"),
        "extras": extras(),
        "ö-prefix": swedish_prefix(),
    }
    expected = {}
    for n, (name, script) in enumerate(scripts.items()):
        session = f"s{n}"
        log = script.log
        first = log[0].model_copy(update={"session": session})
        await store.create_session(session, f"CODE{n}", f"f-token-{n}", name, first)
        rows = [(seq, e.type, e.model_dump_json()) for seq, e in enumerate(log[1:], start=2)]
        applied = [Applied("facilitator", f"c{seq}", seq) for seq, _, _ in rows]
        joined = [NewParticipant(pid, f"resume-{session}-{pid}") for pid in script.people]
        await store.append(session, rows, applied, joined)
        state = dump_state(script.state) | {"session": session}
        expected[session] = {"name": name, "state": state}
    await store.close()
    (out / "earlier.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
