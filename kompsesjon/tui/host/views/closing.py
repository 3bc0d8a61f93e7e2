"""Closing: island reports one at a time, next steps, next meeting, check-out.

Left/right presents the previous/next island (everyone's screen follows),
Escape goes back to the overview: next steps, the next meeting and the
check-in hopes beside the check-out words.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.islands import active_islands, island_members
from kompsesjon.tui.host.header import Texty
from kompsesjon.tui.host.keys import control
from kompsesjon.tui.host.rows import Palette, Row, Rows
from kompsesjon.tui.host.views.base import ISLANDS, PEOPLE, VIEWS, Presenting, names, presenting_keys
from kompsesjon.tui.host.views.plans import plan_rows
from kompsesjon.tui.text import person, safe


def _step_row(n: int, text: str):
    def make(p: Palette, width: int) -> Text:
        out = Text(f"{n:>2}. ", style=p.accent)
        out.append(safe(text))
        return out

    return make


def _note_row(who: str | None, text: str):
    def make(p: Palette, width: int) -> Text:
        out = Text()
        if who:
            out.append(safe(who) + ": ", style=p.name)
        out.append(safe(text))
        return out

    return make


def note_rows(state: State, notes) -> list[Row]:
    rows = []
    for note in notes.values():
        who = person(state, note.author) if note.author else None
        rows.append(Row(note.id, (who, note.text), _note_row(who, note.text)))
    return rows


def _paired_row(who: str, hope: str, word: str):
    def make(p: Palette, width: int) -> Table:
        grid = Table.grid(expand=True, padding=(0, 2))
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        left = Text(safe(who) + ": ", style=p.name)
        left.append(safe(hope) if hope else "–", style="" if hope else p.muted)
        right = Text(safe(word), style=p.accent) if word else Text("–", style=p.muted)
        grid.add_row(left, right)
        return grid

    return make


def _paired_head(ins: int, outs: int):
    def make(p: Palette, width: int) -> Table:
        grid = Table.grid(expand=True, padding=(0, 2))
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(
            Text(t("host.closing.check_ins", n=ins), style=p.accent),
            Text(t("host.closing.check_outs", n=outs), style=p.accent),
        )
        return grid

    return make


def paired_rows(state: State) -> list[Row] | None:
    """Each person's hope beside their check-out word; None when authors are unknown."""
    notes = [*state.check_ins.values(), *state.check_outs.values()]
    if state.anonymous or any(n.author is None for n in notes):
        return None
    hopes = {n.author: n.text for n in state.check_ins.values()}
    words = {n.author: n.text for n in state.check_outs.values()}
    people = list(dict.fromkeys([*hopes, *words]))
    rows = [Row("head", (len(hopes), len(words)), _paired_head(len(hopes), len(words)), cursor=False)]
    for pid in people:
        who = person(state, pid)
        hope, word = hopes.get(pid, ""), words.get(pid, "")
        rows.append(Row(pid, (who, hope, word), _paired_row(who, hope, word)))
    return rows


@VIEWS.register(PhaseKind.CLOSING)
class ClosingView(Presenting):
    DEPENDS = (
        ISLANDS
        | PEOPLE
        | frozenset(
            {"next_step_added", "next_step_removed", "next_meeting_set", "checked_out", "checked_in", "evaluated"}
        )
    )

    BINDINGS = [
        *presenting_keys("host.key.prev_report", "host.key.next_report"),
        control("s", "add_step", "host.key.add_step"),
        control("delete", "remove_step", "host.key.remove_step"),
        control("m", "next_meeting", "host.key.next_meeting"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="report"):
            yield Texty(id="report-title", classes="island-title report-title")
            yield Texty(id="report-members", classes="names")
            yield Rows(id="report-fields", interactive=False)
        with Vertical(id="closing-overview"):
            yield Texty(id="steps-title", classes="section-title")
            yield Rows(id="steps", interactive=False, empty=t("host.closing.no_steps"))
            yield Texty(id="meeting", classes="phase-prompt")
            if self.facilitator:
                yield Texty(t("host.closing.report_hint"), id="report-hint", classes="names")
                yield Texty(id="evaluation-summary", classes="names")
            yield Rows(id="check-pairs", interactive=False)
            with Horizontal(id="check-row"):
                with Vertical():
                    yield Texty(id="check-ins-title", classes="section-title")
                    yield Rows(id="closing-check-ins", interactive=False, empty=t("host.intro.no_check_ins"))
                with Vertical():
                    yield Texty(id="check-outs-title", classes="section-title")
                    yield Rows(id="closing-check-outs", interactive=False, empty=t("host.closing.no_check_outs"))

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        presenting = state.presenting if state.presenting in state.islands else None
        self.query_one("#report").display = presenting is not None
        self.query_one("#closing-overview").display = presenting is None
        if presenting is not None:
            island = state.islands[presenting]
            ids = [i.id for i in active_islands(state)]
            where = f"{ids.index(presenting) + 1}/{len(ids)}" if presenting in ids else ""
            self.query_one("#report-title", Texty).show(f"{t('host.closing.report')}: {island.title}   {where}")
            self.query_one("#report-members", Texty).show(names(state, island_members(state, presenting)))
            self.query_one("#report-fields", Rows).set_rows(plan_rows(state, presenting))
            return
        steps = [s for s in state.next_steps.values() if not s.removed]
        self.query_one("#steps-title", Texty).show(t("host.closing.next_steps", n=len(steps)))
        self.query_one("#steps", Rows).set_rows(
            [Row(s.id, (n, s.text), _step_row(n, s.text)) for n, s in enumerate(steps, 1)]
        )
        meeting = state.next_meeting or t("host.closing.no_meeting")
        self.query_one("#meeting", Texty).show(f"{t('host.closing.meeting')}: {meeting}")
        if self.facilitator:
            self._show_evaluation(state)
        paired = paired_rows(state)
        self.query_one("#check-pairs").display = paired is not None
        self.query_one("#check-row").display = paired is None
        if paired is not None:
            self.query_one("#check-pairs", Rows).set_rows(paired)
            return
        ins, outs = note_rows(state, state.check_ins), note_rows(state, state.check_outs)
        self.query_one("#check-ins-title", Texty).show(t("host.closing.check_ins", n=len(ins)))
        self.query_one("#check-outs-title", Texty).show(t("host.closing.check_outs", n=len(outs)))
        self.query_one("#closing-check-ins", Rows).set_rows(ins)
        self.query_one("#closing-check-outs", Rows).set_rows(outs)

    def _show_evaluation(self, state: State) -> None:
        """How many evaluated and the mean rating (never who): for the facilitator only."""
        shown = self.query_one("#evaluation-summary", Texty)
        shown.display = state.rules.evaluation
        rated = [e.rating for e in state.evaluations.values() if e.rating]
        text = t("host.closing.evaluations", n=len(state.evaluations))
        if rated:
            mean = f"{sum(rated) / len(rated):.1f}".replace(".", t("host.closing.decimal"))
            text += " · " + t("host.closing.average", average=mean)
        shown.show(text)

    def available(self, action: str, state: State) -> bool:
        if action == "remove_step":
            return any(not s.removed for s in state.next_steps.values())
        return super().available(action, state)

    # ---- actions ---------------------------------------------------------------

    def present_order(self, state: State) -> list[str]:
        return [i.id for i in active_islands(state)]

    def presented(self, state: State) -> str | None:
        return state.presenting

    def present_command(self, target: str | None) -> c.PresentIsland:
        return c.PresentIsland(id=new_id(), island=target)

    def action_add_step(self) -> None:
        self.ask(t("host.closing.add_step"), lambda text: self.propose(c.AddNextStep(id=new_id(), text=text.strip())))

    def action_remove_step(self) -> None:
        state = self.state
        if state is None:
            return
        steps = [(s.id, s.text) for s in state.next_steps.values() if not s.removed]
        if not steps:
            self.say("host.closing.no_steps")
            return
        self.pick(
            t("host.closing.remove_step"), steps, lambda key: self.propose(c.RemoveNextStep(id=new_id(), step=key))
        )

    def action_next_meeting(self) -> None:
        current = self.state.next_meeting if self.state else ""
        self.ask(
            t("host.closing.meeting_prompt"),
            lambda text: self.propose(c.SetNextMeeting(id=new_id(), text=text.strip())),
            value=current,
            allow_empty=True,
        )
