"""The host view's linear-time readings agree with the method's queries, and
a refresh with one new card renders one card (not the whole wall)."""

from __future__ import annotations

import random
import time

from support import until

from kompsesjon.client import Status
from kompsesjon.method import events as ev
from kompsesjon.method import evolve
from kompsesjon.method.agenda import framtidsverksted_agenda, framtidsverksted_boards
from kompsesjon.method.clustering import live_units, members
from kompsesjon.method.state import Rules, VoteStatus
from kompsesjon.method.voting import not_voted, status_of
from kompsesjon.tui.host.queries import hidden_at_least, unit_cards, vote_progress


def session(people: int = 30, cards: int = 60, seed: int = 1, prefix: str = "K"):
    rng = random.Random(seed)
    state = evolve(
        None,
        ev.SessionCreated(
            session="s",
            title="T",
            question="Q",
            lang="nb",
            anonymous=False,
            template="framtidsverksted",
            created_at=0,
            rules=Rules(),
            agenda=framtidsverksted_agenda(),
            boards=[
                spec.model_copy(update={"prefix": prefix}) if spec.id == "critique" else spec
                for spec in framtidsverksted_boards()
            ],
        ),
    )
    for n in range(people):
        evolve(state, ev.ParticipantJoined(participant=f"p{n + 1}", name=f"P{n}", org=""))
    for n in range(cards):
        evolve(
            state,
            ev.ItemAdded(
                item=ev.ItemData(id=f"K{n + 1}", board="critique", text=f"kort {n}", author=f"p{n % people + 1}"),
                private=False,
            ),
        )
    # Themes (one nested), a withdrawn card, dots, statuses, a removed person.
    if cards < 6:
        return state
    evolve(state, ev.Merged(board="critique", theme="T1", title="A", items=["K1", "K2", "K3"], themes=[]))
    evolve(state, ev.Merged(board="critique", theme="T2", title="B", items=["K4"], themes=["T1"]))
    evolve(state, ev.ItemWithdrawn(item="K5"))
    for n in range(people):
        pid = f"p{n + 1}"
        for _ in range(rng.randint(0, 3)):
            card = f"K{rng.randint(1, cards)}"
            evolve(state, ev.DotsChanged(board="critique", participant=pid, changes={card: 1}))
        if rng.random() < 0.2:
            evolve(state, ev.VoteStatusChanged(board="critique", participant=pid, status=VoteStatus.DONE))
        elif rng.random() < 0.1:
            evolve(state, ev.VoteStatusChanged(board="critique", participant=pid, status=VoteStatus.ABSTAINED))
    evolve(state, ev.DotsChanged(board="critique", participant="p3", changes={"K5": 1}))  # only on a withdrawn card
    evolve(state, ev.ParticipantRemoved(participant="p7"))
    return state


def test_unit_cards_and_vote_progress_agree_with_the_method():
    for seed in range(5):
        state = session(seed=seed)
        units = unit_cards(state, "critique")
        assert list(units) == live_units(state, "critique")
        for unit, cards in units.items():
            assert cards == [i for i in members(state, unit) if not i.withdrawn]
        progress = vote_progress(state, "critique")
        assert progress.not_voted == not_voted(state, "critique")
        statuses = [status_of(state, "critique", p.id) for p in state.participants.values() if not p.removed]
        assert progress.done == statuses.count("done")
        assert progress.abstained == statuses.count("abstained")
        assert progress.voting == statuses.count("voting")


def test_hidden_cards_known_from_gaps_in_numbers():
    state = session(people=3, cards=5)
    evolve(state, ev.ItemAdded(item=ev.ItemData(id="K6", board="critique", text="x", author="p1"), private=False))
    for card in ("K2", "K3", "K6"):
        del state.items[card]  # as a screen never receives them
    # K2 and K3 are missing below the visible K5; K6, written last, cannot be known.
    assert hidden_at_least(state, "critique") == 2
    assert hidden_at_least(state, "vision") == 0


def test_hidden_cards_under_a_prefix_ending_in_a_digit_or_shared_with_themes():
    # A board prefixed «A1» numbers its cards A11, A12 …: nothing is hidden here.
    state = session(people=2, cards=0, prefix="A1")
    for n in (1, 2):
        card = ev.ItemData(id=f"A1{n}", board="critique", text="x", author="p1")
        evolve(state, ev.ItemAdded(item=card, private=False))
    assert hidden_at_least(state, "critique") == 0
    # A board prefixed «T» steps over the theme T2: T1 and T3 are all there is.
    state = session(people=2, cards=0, prefix="T")
    for card in ("T1", "T3"):
        evolve(state, ev.ItemAdded(item=ev.ItemData(id=card, board="critique", text=card, author="p1"), private=False))
    evolve(state, ev.Merged(board="critique", theme="T2", title="A", items=["T1"], themes=[]))
    assert hidden_at_least(state, "critique") == 0
    evolve(state, ev.ItemAdded(item=ev.ItemData(id="T5", board="critique", text="y", author="p2"), private=False))
    assert hidden_at_least(state, "critique") == 1  # T4


class _Client:
    def __init__(self, state):
        self.state, self.presence, self.status, self.unanswered = state, {}, Status.ONLINE, 0
        self.unsaved: set[str] = set()
        self.listeners, self.code, self.seq = [], "ABC234", 0

    async def run(self):
        import asyncio

        await asyncio.Event().wait()

    def server_now(self):
        return time.time()

    async def close(self):
        pass


def private_wall(people: int, cards: int):
    """The critique brainstorm with ``cards`` private cards of p1 on the wall."""
    state = session(people=people, cards=0)
    evolve(state, ev.PhaseChanged(phase=1, previous=0))
    for n in range(cards):
        item = ev.ItemData(id=f"K{n + 1}", board="critique", text=f"kort nummer {n}", author="p1")
        evolve(state, ev.ItemAdded(item=item, private=True))
    return state


async def test_one_new_card_renders_one_card():
    from kompsesjon.tui.host.app import HostApp
    from kompsesjon.tui.host.rows import CardWall

    state = private_wall(people=50, cards=400)
    app = HostApp(_Client(state))
    async with app.run_test(size=(160, 45)):
        screen = app.host_screen
        # The wall drawn: its 400 cards rendered once.
        await until(lambda: any(len(wall.cards) == 400 <= wall.rendered for wall in screen.query(CardWall)))
        wall = screen.query_one(CardWall)
        before = wall.rendered
        evolve(state, ev.ItemAdded(item=ev.ItemData(id="K401", board="critique", text="ny", author="p2"), private=True))
        screen.draw(frozenset({"item_added"}))
        assert wall.rendered - before == 1
        layouts = wall.layouts
        screen.draw(frozenset({"presence"}))  # nothing on the wall changed
        assert wall.layouts == layouts


def test_host_strings_exist_in_every_language():
    import re
    from pathlib import Path

    from kompsesjon import i18n

    catalogs = {lang: {k for k in i18n.catalog(lang) if k.startswith("host.")} for lang in i18n.LANGUAGES}
    assert catalogs["nb"] == catalogs["sv"] == catalogs["en"]
    source = Path(__file__).resolve().parents[2] / "kompsesjon" / "tui" / "host"
    used = set()
    for path in source.rglob("*.py"):
        used |= set(re.findall(r"[\"'](host\.[a-z_]+\.[a-z_]+)[\"']", path.read_text(encoding="utf-8")))
    assert used and used <= catalogs["nb"], used - catalogs["nb"]
    assert i18n.catalog("sv")["host.key.next_phase"] == "Nästa fas"
    assert i18n.catalog("nb")["host.key.merge"] == "Slå sammen"


async def test_dragging_the_mouse_over_the_wall_and_a_list_does_not_crash():
    """Textual asks a widget under the mouse for ``gutter.top_left`` (text
    selection); the wall once answered with an int of its own and the host
    view crashed. Found by mypy (an incompatible override)."""
    from kompsesjon.tui.host.app import HostApp
    from kompsesjon.tui.host.rows import CardWall, Rows

    state = private_wall(people=5, cards=10)
    app = HostApp(_Client(state))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.2)
        await pilot.mouse_down(CardWall, offset=(5, 2))
        await pilot.hover(CardWall, offset=(20, 4))
        await pilot.mouse_up(CardWall, offset=(20, 4))
        await pilot.click(Rows, offset=(3, 0))
        await pilot.pause(0.1)
        assert app.is_running
