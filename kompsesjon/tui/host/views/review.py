"""The follow-up round of a series: the carried actions and their status.

The overview lists each island group's (or organisation's) actions from the
earlier gathering with the status and notes they have given so far.
Left/right presents one action at a time for a report round (everyone's
screen follows): the plan as written, its history, and what the group says
now. Escape goes back to the overview; ``t`` sets an action's status for a
group that cannot (the facilitator may report for anyone).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.review import action_orgs, note_of, reviewed_actions, status_of
from kompsesjon.method.series import NOTE_FIELDS, STATUSES, Action
from kompsesjon.tui.host.header import Texty
from kompsesjon.tui.host.keys import control
from kompsesjon.tui.host.rows import Palette, Row, Rows
from kompsesjon.tui.host.views.base import PEOPLE, VIEWS, Presenting, presenting_keys
from kompsesjon.tui.text import action_status, day, people_line, safe

SERIES = frozenset({"action_status_set", "action_note_edited", "action_presented"})


def _group(action: Action) -> str:
    """Whose action it is: the island, and the organisations of its people."""
    orgs = action_orgs(action)
    return f"{action.island} ({', '.join(orgs)})" if orgs and action.island else action.island or ", ".join(orgs)


def _overview_row(action: Action, status: str | None, notes: int):
    def make(p: Palette, width: int) -> Text:
        text = Text("  ")
        text.append(safe(_group(action)), style=p.heading)
        text.append(
            f"   {action_status(status)}", style=p.success if status == "done" else p.accent if status else p.muted
        )
        text.append(f"  · {t('host.review.notes', n=notes, of=len(NOTE_FIELDS))}", style=p.muted)
        text.append("\n    ")
        text.append(safe(action.what or "–"))
        return text

    return make


def _earlier(gathering) -> str:
    """What the earlier gathering agreed besides its plans: next steps, follow-ups."""
    lines = [f"{t('host.review.next_steps')} {'; '.join(gathering.next_steps)}"] if gathering.next_steps else []
    lines += [f"{f.org}: {f.text}" for f in gathering.follow_ups]
    return "\n".join(lines)


def _field_row(label: str, text: str, muted: bool = False):
    def make(p: Palette, width: int) -> Text:
        out = Text(label + " ", style=p.accent)
        out.append(safe(text) if text else "–", style=p.muted if muted or not text else "")
        return out

    return make


def action_rows(state: State, action: Action) -> list[Row]:
    """The plan as written, its history, and this gathering's status and notes."""
    rows = []
    for name in ("how", "who", "first_step", "when"):
        text = getattr(action, name)
        if text:
            rows.append(Row(f"P:{name}", (name, text), _field_row(t(f"plan.{name}"), text), cursor=False))
    if action.owners:
        named = people_line(action.owners)
        rows.append(Row("P:owners", named, _field_row(t("host.plans.owners"), named), cursor=False))
    for n, entry in enumerate(action.history):
        said = " · ".join(safe(getattr(entry, f)) for f in NOTE_FIELDS if getattr(entry, f))
        line = f"{action_status(entry.status)}{(' – ' + said) if said else ''}"
        rows.append(
            Row(f"H:{n}", (entry.date, line), _field_row(day(entry.date) + ":", line, muted=True), cursor=False)
        )
    status = status_of(state, action.id)
    rows.append(Row("S", status, _field_row(t("host.review.status_now"), action_status(status)), cursor=False))
    for name in NOTE_FIELDS:
        text = note_of(state, action.id, name).text
        rows.append(Row(f"N:{name}", text, _field_row(t(f"review.{name}"), text), cursor=False))
    return rows


@VIEWS.register(PhaseKind.ACTION_REVIEW)
class ReviewView(Presenting):
    DEPENDS = PEOPLE | SERIES

    BINDINGS = [
        *presenting_keys("host.key.prev_action", "host.key.next_action"),
        control("s", "set_status", "host.key.set_status"),
    ]

    def compose(self) -> ComposeResult:
        yield Texty(id="review-title", classes="section-title")
        with Vertical(id="review-report"):
            yield Texty(id="review-action", classes="island-title report-title")
            yield Texty(id="review-group", classes="names")
            yield Rows(id="review-fields", interactive=False)
        yield Rows(id="review-overview", interactive=False, empty=t("host.review.nothing"))
        yield Texty(id="review-earlier", classes="names")

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        actions = reviewed_actions(state)
        if state.series is not None:
            earlier = state.series.follows
            self.query_one("#review-title", Texty).show(
                t("host.review.title", title=earlier.title, date=day(earlier.date), n=len(actions))
            )
        presenting = state.series.action(state.presenting_action) if state.series and state.presenting_action else None
        self.query_one("#review-report").display = presenting is not None
        self.query_one("#review-overview").display = presenting is None
        self.query_one("#review-earlier").display = presenting is None
        if state.series is not None:
            self.query_one("#review-earlier", Texty).show(_earlier(state.series.follows))
        if presenting is not None:
            ids = [a.id for a in actions]
            where = f"   ({ids.index(presenting.id) + 1}/{len(ids)})" if presenting.id in ids else ""
            self.query_one("#review-action", Texty).show(f"{presenting.what or presenting.island}{where}")
            self.query_one("#review-group", Texty).show(
                t("host.review.written", group=_group(presenting), date=day(presenting.date))
            )
            self.query_one("#review-fields", Rows).set_rows(action_rows(state, presenting))
            return
        rows = []
        for action in actions:
            status = status_of(state, action.id)
            notes = sum(1 for f in NOTE_FIELDS if note_of(state, action.id, f).text.strip())
            rows.append(Row(action.id, (status, notes), _overview_row(action, status, notes)))
        self.query_one("#review-overview", Rows).set_rows(rows)

    def available(self, action: str, state: State) -> bool:
        if action == "set_status":
            return bool(reviewed_actions(state))
        return super().available(action, state)

    # ---- actions ---------------------------------------------------------------

    def present_order(self, state: State) -> list[str]:
        return [a.id for a in reviewed_actions(state)]

    def presented(self, state: State) -> str | None:
        return state.presenting_action

    def present_command(self, target: str | None) -> c.PresentAction:
        return c.PresentAction(id=new_id(), action=target)

    def action_set_status(self) -> None:
        state = self.state
        if state is None:
            return

        def chosen_status(action_id: str) -> None:
            options = [(s, action_status(s)) for s in STATUSES]
            self.pick(
                t("host.review.which_status"),
                options,
                lambda status: self.propose(c.SetActionStatus(id=new_id(), action=action_id, status=status)),
            )

        if state.presenting_action is not None:
            chosen_status(state.presenting_action)
            return
        actions = [(a.id, f"{_group(a)}: {a.what}") for a in reviewed_actions(state)]
        self.pick(t("host.review.which_action"), actions, chosen_status)
