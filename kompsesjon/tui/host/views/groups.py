"""Group rounds on the host view: the groups, their answers, the reports and
the local follow-up.

* ``group_work``: the groups as cards big enough to find one's table from the
  back of the room (name, members with their organisations, rapporteur and
  table host, how many answers are written) and beside them the answers as
  they arrive, per group and question. The facilitator forms the groups as the
  template says (``g``; again to re-form), moves a person (``m``), names the
  rapporteur (``r``) or table host (``h``), and gives someone their region
  (``R``) where groups are formed by region; ``s`` shows or hides the answers.
* ``report``: left/right presents the previous/next group, and every screen
  follows: its name, members, rapporteur and what it answered, with the rapporteur's
  minutes on the timer; Escape goes back to the overview.
* ``follow_up``: what each organisation will do before next time, live.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical

from kompsesjon.client import new_id
from kompsesjon.i18n import t
from kompsesjon.method import State
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import GroupMode, PhaseKind
from kompsesjon.method.group_work import (
    active_groups,
    answer_keys,
    follow_up_groups,
    group_of,
    needs_region,
    question_specs,
    reporting_phases,
    written,
)
from kompsesjon.method.state import Group
from kompsesjon.method.voting import ranked_list
from kompsesjon.tui.host.header import Texty
from kompsesjon.tui.host.keys import control
from kompsesjon.tui.host.rows import Card, CardFace, CardWall, Palette, Row, Rows
from kompsesjon.tui.host.views.base import PEOPLE, VIEWS, PhaseView, Presenting, names, presenting_keys
from kompsesjon.tui.modals import Picker
from kompsesjon.tui.text import (
    answer_number,
    group_name,
    list_name,
    organisation_name,
    person,
    phase_title,
    safe,
    unit_label,
    who,
)

GROUPS = frozenset(
    {"groups_formed", "group_member_moved", "group_role_set", "answer_edited", "group_presented", "region_set"}
)


# ---- rows and cards ---------------------------------------------------------


def group_card(state: State, group: Group, done: int, total: int):
    """A group as a card: name on top, one member a line, answers below."""
    members = tuple(
        (
            person(state, pid),
            safe(state.participants[pid].org) if pid in state.participants else "",
            "R" if pid == group.rapporteur else "",
            "B" if pid == group.host else "",
        )
        for pid in group.members
    )
    title = group_name(state, group)

    def make(p: Palette, width: int) -> CardFace:
        body = Text()
        for n, (name, org, rapporteur, host) in enumerate(members):
            if n:
                body.append("\n")
            body.append(name, style=p.name)
            if org:
                body.append(f"  {org}", style=p.muted)
            roles = [t("host.groups.rapporteur_short")] if rapporteur else []
            roles += [t("host.groups.host_short")] if host else []
            if roles:
                body.append(f"  ({', '.join(roles)})", style=p.accent)
        if not members:
            body.append(t("host.groups.empty"), style=p.muted)
        subtitle = Text(t("host.groups.written", done=done, total=total), style=p.success if done else p.muted)
        return CardFace(body, title=Text(title, style=p.heading), subtitle=subtitle, border=p.border)

    return members, title, make


def _heading_row(key: str, title: str, detail: str):
    def make(p: Palette, width: int) -> Text:
        out = Text(title, style=p.accent)
        if detail:
            out.append(f"  {detail}", style=p.muted)
        return out

    return Row(key, (title, detail), make, cursor=False)


def _answer_row(key: str, label: str, question: str, text: str, by: str):
    def make(p: Palette, width: int) -> Text:
        out = Text(f"{label}. ", style=p.muted)
        out.append(question, style=p.heading)
        if by:
            out.append(f"  ({by})", style=p.muted)
        out.append("\n    ")
        if text.strip():
            out.append(text.replace("\n", "\n    "))
        else:
            out.append("–", style=p.muted)
        return out

    return Row(key, (label, question, text, by), make)


def answer_rows(state: State, phase: int, group: str, prefix: str, *, answered_only: bool = False) -> list[Row]:
    """A group's answers in a phase: one row per question or sub-question
    (with ``answered_only``, only those that have an answer)."""
    rows = []
    questions = question_specs(state, phase)
    for key in answer_keys(state, phase, group):
        question = questions[key.question]
        asked = question.text if key.sub is None else question.sub[key.sub]
        found = state.answers.get(key)
        if answered_only and (found is None or not found.text.strip()):
            continue
        by = person(state, found.by) if found is not None and found.by else ""
        rows.append(
            _answer_row(
                f"{prefix}:{phase}:{key.question}:{key.sub}",
                answer_number(key.question, key.sub),
                safe(asked),
                safe(found.text) if found is not None else "",
                by,
            )
        )
    return rows


def list_rows(state: State, board: str | None) -> list[Row]:
    """The list a round reflects on (the bottom list), above its answers."""
    if board not in state.boards or state.boards[board].vote.revealed is None:
        return []
    entries = [f"{e.rank}. {unit_label(state, e.unit)}" for e in ranked_list(state, board)]
    title = list_name(state, board)

    def make(p: Palette, width: int) -> Text:
        out = Text(title, style=p.accent)
        for entry in entries:
            out.append("\n  " + entry)
        return out

    return [Row("list", (title, tuple(entries)), make, cursor=False)]


# ---- the facilitator's part, shared by the views ----------------------------


class GroupControls(PhaseView):
    """Forming groups, moving people, roles and regions, by keyboard."""

    @property
    def group_set(self) -> str | None:
        return self.state.agenda[self.phase].groups if self.state is not None else None

    def people(self, state: State) -> list[tuple[str, str]]:
        """Everyone, with their organisation and their group in this set."""
        out = []
        for p in state.participants.values():
            if p.removed:
                continue
            label = who(state, p.id)
            group = group_of(state, self.group_set or "", p.id)
            if group is not None:
                label += f" — {group_name(state, group)}"
            if needs_region(state):
                label += f" · {safe(p.region) if p.region else t('host.groups.no_region')}"
            out.append((p.id, label))
        return out

    def action_form(self) -> None:
        state, group_set = self.state, self.group_set
        if state is None or group_set is None:
            return
        spec = state.group_sets[group_set]

        def form() -> None:
            self.propose(c.FormGroups(id=new_id(), set=group_set))

        if active_groups(state, group_set):
            self.confirm(t("host.groups.reform_confirm", set=safe(spec.title or spec.id)), form)
        else:
            form()

    def action_move(self) -> None:
        state, group_set = self.state, self.group_set
        if state is None or group_set is None:
            return
        groups = active_groups(state, group_set)
        if not groups:
            self.say("host.groups.form_first")
            return

        def to_group(pid: str) -> None:
            options = [(g.id, f"{group_name(state, g)} — {names(state, g.members)}") for g in groups]
            options.append(("-", t("host.groups.no_group")))
            self.pick(
                t("host.groups.move_to", name=person(state, pid)),
                options,
                lambda gid: self.propose(
                    c.MoveToGroup(id=new_id(), set=group_set, participant=pid, group=None if gid == "-" else gid)
                ),
            )

        self.pick(t("host.groups.move_who"), self.people(state), to_group)

    def _role(self, role: str) -> None:
        state, group_set = self.state, self.group_set
        if state is None or group_set is None:
            return
        grouped = [(pid, label) for pid, label in self.people(state) if group_of(state, group_set, pid) is not None]
        if not grouped:
            self.say("host.groups.form_first")
            return

        def set_role(pid: str) -> None:
            group = group_of(state, group_set, pid)
            if group is None:
                return
            holder = None if getattr(group, role) == pid else pid  # picking the holder again gives it up
            self.propose(c.SetGroupRole(id=new_id(), group=group.id, role=role, participant=holder))

        self.pick(t(f"host.groups.pick_{role}"), grouped, set_role)

    def action_rapporteur(self) -> None:
        self._role("rapporteur")

    def action_table_host(self) -> None:
        self._role("host")

    def action_region(self) -> None:
        state = self.state
        if state is None:
            return

        def set_region(pid: str) -> None:
            choices = [(r, r) for r in state.regions]
            self.app.push_screen(
                Picker(t("host.groups.region_of", name=person(state, pid)), choices, free=True),
                lambda region: (
                    self.propose(c.SetRegion(id=new_id(), participant=pid, region=region.strip()))
                    if region and region.strip()
                    else None
                ),
            )

        self.pick(t("host.groups.region_who"), self.people(state), set_region)


# ---- group work -------------------------------------------------------------


@VIEWS.register(PhaseKind.GROUP_WORK)
class GroupWorkView(GroupControls):
    DEPENDS = GROUPS | PEOPLE | frozenset({"tally_revealed"})
    PUBLIC_ACTIONS = frozenset({"toggle_answers"})

    BINDINGS = [
        control("g", "form", "host.key.form_groups"),
        control("m", "move", "host.key.move_person"),
        control("r", "rapporteur", "host.key.rapporteur"),
        control("h", "table_host", "host.key.table_host"),
        control("R", "region", "host.key.region"),
        Binding("s", "toggle_answers", "host.key.toggle_answers"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._cards: dict[str, Card] = {}
        if not self.facilitator:
            # The projector shows the groups, big: people find their table.
            self.add_class("-no-answers")

    def compose(self) -> ComposeResult:
        yield Texty(id="groups-info", classes="info-line")
        with Horizontal(id="groups-row"):
            yield CardWall(id="group-wall", card_width=30, follow_end=False, empty=t("host.groups.none"))
            with Vertical(id="group-answers-box"):
                yield Texty(t("host.groups.answers"), classes="section-title")
                yield Rows(id="group-answers", interactive=self.facilitator, empty=t("host.groups.no_answers"))

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        spec = state.agenda[self.phase]
        group_set = state.group_sets.get(spec.groups or "")
        if group_set is None:
            return
        groups = active_groups(state, group_set.id)
        placed = {pid for g in groups for pid in g.members}
        loose = [p.id for p in state.participants.values() if not p.removed and p.id not in placed]
        info = t(
            "host.groups.info",
            set=safe(group_set.title or group_set.id),
            mode=t(f"host.groups.mode_{group_set.mode.value}"),
            size=group_set.size,
            n=len(groups),
        )
        if groups and loose:
            info += "  ·  " + t("host.groups.loose", n=len(loose)) + " " + names(state, loose)
        elif not groups and self.facilitator:
            info += "  ·  " + t("host.groups.press_g")
        if group_set.mode == GroupMode.BY_REGION:
            missing = [p.id for p in state.participants.values() if not p.removed and not p.region]
            if missing:
                info += "  ·  " + t("host.groups.regions_missing", n=len(missing))
        self.query_one("#groups-info", Texty).show(info)

        cards = []
        rows: list[Row] = list_rows(state, spec.board)
        for group in groups:
            done, total = written(state, self.phase, group.id)
            members, title, make = group_card(state, group, done, total)
            sig = (members, title, done, total)
            card = self._cards.get(group.id)
            if card is None or card.sig != sig:
                card = self._cards[group.id] = Card(group.id, sig, make)
            cards.append(card)
            rows.append(_heading_row(f"G:{group.id}", title, t("host.groups.written", done=done, total=total)))
            rows += answer_rows(state, self.phase, group.id, group.id)
        self.query_one("#group-wall", CardWall).set_cards(cards)
        self.query_one("#group-answers", Rows).set_rows(rows if groups else [])

    def available(self, action: str, state: State) -> bool:
        groups = bool(active_groups(state, state.agenda[self.phase].groups or ""))
        if action in ("move", "rapporteur", "table_host"):
            return groups
        if action == "region":
            return needs_region(state)
        return True

    def action_toggle_answers(self) -> None:
        self.toggle_class("-no-answers")


# ---- report -----------------------------------------------------------------


def report_rows(state: State, report_phase: int, group: str) -> list[Row]:
    """What a group wrote in the rounds it reports on. The projector cannot
    scroll: questions it left unanswered are left out, so that what the
    rapporteur speaks about is in view (the overview counts the answers)."""
    rows: list[Row] = []
    for phase in reporting_phases(state, report_phase):
        answered = answer_rows(state, phase, group, f"R{phase}", answered_only=True)
        if answered:
            rows += [_heading_row(f"P:{phase}", phase_title(state, phase), ""), *answered]
    return rows


def _overview_row(state: State, group: Group, current: bool, rapporteur: str, done: int, total: int):
    title = group_name(state, group)

    def make(p: Palette, width: int) -> Text:
        out = Text("▶ " if current else "  ", style=p.accent)
        out.append(title, style=p.heading)
        out.append(f"   {t('host.groups.rapporteur')}: ", style=p.muted)
        out.append(rapporteur or "–", style=p.name if rapporteur else p.muted)
        out.append(f"   {t('host.groups.written', done=done, total=total)}", style=p.muted)
        return out

    return Row(group.id, (title, current, rapporteur, done, total), make)


@VIEWS.register(PhaseKind.REPORT)
class ReportView(Presenting, GroupControls):
    """Rapporteurs report group by group; every screen follows."""

    DEPENDS = GROUPS | PEOPLE

    BINDINGS = [
        *presenting_keys("host.key.prev_group", "host.key.next_group"),
        control("r", "rapporteur", "host.key.rapporteur"),
    ]

    def compose(self) -> ComposeResult:
        yield Texty(id="report-prompt", classes="phase-prompt")
        with Vertical(id="group-report"):
            yield Texty(id="group-report-title", classes="island-title report-title")
            yield Texty(id="group-report-members", classes="names")
            yield Rows(id="group-report-answers", interactive=False, empty=t("host.groups.no_answers"))
        with Vertical(id="group-overview"):
            yield Texty(t("host.groups.report_order"), classes="section-title")
            yield Rows(id="group-order", interactive=False, empty=t("host.groups.none"))

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        spec = state.agenda[self.phase]
        groups = active_groups(state, spec.groups or "")
        self.query_one("#report-prompt", Texty).show(spec.prompt or t("host.groups.locked"))
        presenting = state.presenting_group if state.presenting_group in {g.id for g in groups} else None
        self.query_one("#group-report").display = presenting is not None
        self.query_one("#group-overview").display = presenting is None
        answered = [sum(written(state, n, g.id)[0] for n in reporting_phases(state, self.phase)) for g in groups]
        asked = [sum(written(state, n, g.id)[1] for n in reporting_phases(state, self.phase)) for g in groups]
        self.query_one("#group-order", Rows).set_rows(
            [
                _overview_row(
                    state, g, g.id == presenting, person(state, g.rapporteur) if g.rapporteur else "", done, total
                )
                for g, done, total in zip(groups, answered, asked, strict=True)
            ]
        )
        if presenting is None:
            return
        group = state.groups[presenting]
        where = f"{[g.id for g in groups].index(presenting) + 1}/{len(groups)}"
        rapporteur = person(state, group.rapporteur) if group.rapporteur else "–"
        self.query_one("#group-report-title", Texty).show(
            f"{t('host.groups.reporting')}: {group_name(state, group)}   {where}   "
            f"{t('host.groups.rapporteur')}: {rapporteur}"
        )
        self.query_one("#group-report-members", Texty).show(" · ".join(who(state, p) for p in group.members))
        self.query_one("#group-report-answers", Rows).set_rows(report_rows(state, self.phase, presenting))

    def available(self, action: str, state: State) -> bool:
        if action == "rapporteur":
            return bool(self.present_order(state))
        return super().available(action, state)

    def present_order(self, state: State) -> list[str]:
        return [g.id for g in active_groups(state, state.agenda[self.phase].groups or "")]

    def presented(self, state: State) -> str | None:
        return state.presenting_group

    def present_command(self, target: str | None) -> c.PresentGroup:
        return c.PresentGroup(id=new_id(), group=target)


# ---- follow-up ----------------------------------------------------------------


@VIEWS.register(PhaseKind.FOLLOW_UP)
class FollowUpView(PhaseView):
    """Each organisation's follow-up, as it is written."""

    DEPENDS = GROUPS | PEOPLE

    def compose(self) -> ComposeResult:
        yield Texty(id="follow-up-prompt", classes="phase-prompt")
        yield Texty(id="follow-up-info", classes="info-line")
        yield Rows(id="follow-ups", interactive=self.facilitator, empty=t("host.groups.no_organisations"))

    def redraw(self, state: State, kinds: frozenset[str]) -> None:
        spec = state.agenda[self.phase]
        questions = question_specs(state, self.phase)
        self.query_one("#follow-up-prompt", Texty).show(spec.prompt or (questions[0].text if questions else ""))
        rows: list[Row] = []
        started = 0
        organisations = follow_up_groups(state)
        for key, people in organisations.items():
            done, total = written(state, self.phase, key)
            started += bool(done)
            detail = names(state, people) + "   " + t("host.groups.written", done=done, total=total)
            rows.append(_heading_row(f"O:{key}", organisation_name(state, key), detail))
            rows += answer_rows(state, self.phase, key, key)
        self.query_one("#follow-up-info", Texty).show(
            t("host.groups.follow_up_info", started=started, n=len(organisations))
        )
        self.query_one("#follow-ups", Rows).set_rows(rows)
