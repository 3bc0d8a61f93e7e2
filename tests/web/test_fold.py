"""The page's fold (kompsesjon/web/js/fold.js) against the Python engine.

Random sessions from the engine's property tests (named and anonymous Future
Workshops, dialogue conferences) are replayed the way the server delivers
them: each participant's stream starts from the snapshot taken when they
joined and goes on with exactly the events they may see, in their form. The
streams are folded in Chromium by fold.js and in Python by ``evolve``; the
two mirrors must be equal as JSON, and the page's queries (queries.js) must
answer as the Python ones do on them.
"""

from __future__ import annotations

import json

from export.sessions import Script, future_workshop, run_template
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from method.test_properties import CONFERENCE_AGENDA, CONFERENCE_GROUP_SETS, play, rules
from method.workshop import Workshop

from kompsesjon.method import FACILITATOR, evolve, participant
from kompsesjon.method import commands as c
from kompsesjon.method.agenda import PhaseKind
from kompsesjon.method.clustering import live_units, members
from kompsesjon.method.events import Event
from kompsesjon.method.group_work import (
    active_groups,
    answer_keys,
    follow_up_groups,
    follow_up_label,
    group_number,
    group_of,
    needs_region,
    org_group,
    reporting_phases,
)
from kompsesjon.method.islands import island_sizes
from kompsesjon.method.state import dump_state
from kompsesjon.method.visibility import deliveries, participant_view, recipients_of, view_state
from kompsesjon.method.voting import dots_by_unit, dots_left, ranking, status_of
from kompsesjon.templates import builtin_names
from kompsesjon.tui.participant.views.base import my_pair

from .phone import Phone


def streams(log: list[Event]) -> list[dict]:
    """Each participant's stream as the server would send it, and the Python mirror it gives."""
    state = None
    open_streams: dict[str, dict] = {}
    for event in log:
        state = evolve(state, event)
        if event.type == "session_created":
            continue
        plan = deliveries(state, event)
        for who, stream in open_streams.items():
            received = recipients_of(plan, participant_view(who))
            if received is not None:
                evolve(stream["mirror"], received)
                stream["events"].append(received.model_dump(mode="json"))
        if event.type == "participant_joined":
            view = view_state(state, participant_view(event.participant))
            snapshot = dump_state(view)
            open_streams[event.participant] = {
                "me": event.participant,
                "snapshot": snapshot,
                "events": [],
                "mirror": view,
            }
    out = []
    for stream in open_streams.values():
        mirror = stream.pop("mirror")
        stream["expected"] = dump_state(mirror)
        stream["queries"] = answers(mirror, stream["me"])
        out.append(stream)
    return out


def answers(state, me: str) -> dict:
    """What the page asks of its mirror, answered by the engine."""
    boards = {}
    for board in state.boards:
        units = live_units(state, board)
        boards[board] = {
            "live": units,
            "members": {u: [i.id for i in members(state, u)] for u in units},
            "ranking": [
                {"rank": r.rank, "unit": r.unit, "dots": r.dots, "voters": r.voters, "tie_break": r.tie_break}
                for r in ranking(state, board)
            ]
            if state.boards[board].vote.revealed is not None
            else None,
            "dotsLeft": dots_left(state, board, me),
            "dotsByUnit": dots_by_unit(state, board, me),
            "status": status_of(state, board, me),
        }
    pair = my_pair(state, me)
    return {
        "boards": boards,
        "islandSizes": island_sizes(state),
        "myPair": pair.id if pair else None,
        "groups": group_answers(state, me),
    }


def group_answers(state, me: str) -> dict:
    """The group rounds' questions (group_work.py) the page asks of its mirror."""
    sets = {}
    for set_id in state.group_sets:
        mine = group_of(state, set_id, me)
        sets[set_id] = {
            "active": [g.id for g in active_groups(state, set_id)],
            "mine": mine.id if mine else None,
        }
    follow = follow_up_groups(state)
    return {
        "sets": sets,
        "numbers": {g.id: group_number(state, g) for g in state.groups.values()},
        "needsRegion": needs_region(state),
        "keys": [
            [
                {"phase": k.phase, "question": k.question, "group": k.group, "sub": k.sub}
                for k in answer_keys(state, n, g)
            ]
            for n in range(len(state.agenda))
            for g in [*state.groups, *follow]
        ],
        "followUp": follow,
        "labels": {key: follow_up_label(state, key) for key in follow},
        "reporting": [reporting_phases(state, n) for n in range(len(state.agenda))],
    }


def sessions() -> list[list[Event]]:
    logs: list[list[Event]] = []

    @settings(max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data(), session_rules=rules, anonymous=st.booleans())
    def workshops(data, session_rules, anonymous):
        logs.append(play(data, Workshop(anonymous=anonymous, rules=session_rules)).w.log)

    @settings(max_examples=8, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data(), anonymous=st.booleans())
    def conferences(data, anonymous):
        w = Workshop(anonymous=anonymous, agenda=CONFERENCE_AGENDA, boards=[], group_sets=CONFERENCE_GROUP_SETS)
        logs.append(play(data, w, max_steps=50).w.log)

    workshops()
    conferences()
    # Whole sessions, every phase of every template (the report's golden sessions).
    logs += [future_workshop().log, future_workshop(anonymous=True).log]
    logs += [run_template(name).log for name in builtin_names()]
    logs += [second_thoughts().log, regrouping().log, following(), linked()]
    return logs


def following() -> list[Event]:
    """A session that follows another: statuses and notes from participants,
    an action presented, people named in WHO and taken out again."""
    from method.test_series import workshop_with_plans
    from method.workshop import START

    from kompsesjon.method.review import carry_over

    first = workshop_with_plans()

    def reviewing(w) -> None:
        for action in w.state.series.open_actions:
            who = next(p for p in w.state.participants.values() if p.org == action.members[0].org)
            w.do(participant(who.id), "set_action_status", action=action.id, status="in_progress")
            w.do(
                participant(who.id), "edit_action_note", action=action.id, field="happened", text="Noe", base_version=0
            )
            w.do(FACILITATOR, "present_action", action=action.id)

    second = workshop_with_plans("S2", carry_over(first.state, "AAAAAA"), START + 86_400 * 30, reviewing)
    second.do(FACILITATOR, "unname_owner", island="I1", name="Ola", org="Bodø")
    return second.log


def linked() -> list[Event]:
    """A session that starts to follow another from the host view (series_linked), then reviews."""
    from method.test_series import workshop_with_plans
    from method.workshop import Workshop as Session

    from kompsesjon.method.review import carry_over

    series = carry_over(workshop_with_plans().state, "AAAAAA")
    w = Session(session="S3")
    kari = w.join("Kari", "Bodø")
    w.do(FACILITATOR, "follow_session", token="f-x", series=series.model_dump())
    w.goto(PhaseKind.ACTION_REVIEW)
    w.do(participant(kari), "set_action_status", action=series.actions[0].id, status="done")
    return w.log


def second_thoughts() -> Script:
    """A workshop where things are undone and changed: the events the random ones rarely reach."""
    s = Script()
    kari, ola, siri = s.join("Kari", "Bodø"), s.join("Ola", "Fauske"), s.join("Siri", "Saltdal")
    p = participant
    s.advance()  # critique
    for pid, text in ((kari, "Lite tid"), (ola, "For lite tid"), (siri, "Skrivfeil"), (kari, "Roller")):
        s.do(p(pid), c.AddItem, board="critique", text=text)
    s.do(p(siri), c.EditItem, item="K3", text="Skrivefeil")
    s.host(c.RevealItems, board="critique")
    s.advance()  # cluster
    s.host(c.Merge, board="critique", cards=["K1", "K2", "K3"], title="Tid")
    s.host(c.DetachItem, item="K3")
    s.host(c.RenameTheme, theme="T1", title="Tid og ressurser")
    s.host(c.Merge, board="critique", cards=["K3", "K4"], title="Feil")
    s.host(c.UndoMerge, theme="T2")
    s.advance()  # vote
    s.do(p(kari), c.PlaceDot, board="critique", card="T1")
    s.do(p(kari), c.MoveDot, board="critique", card="T1", to="K4")
    s.do(p(ola), c.PlaceDot, board="critique", card="T1")
    s.do(p(ola), c.Abstain, board="critique")
    s.advance()  # bottom list
    s.advance()  # reflection on the bottom list in small groups
    s.advance()  # vision
    s.do(p(kari), c.AddItem, board="vision", text="Det blir for dyrt")
    s.host(c.RevealItems, board="vision")
    s.do(p(ola), c.RaiseRedCard, item="V1", note="Hersketeknikk")
    s.host(c.DismissRedCard, card="R1")
    for _ in range(4):
        s.advance()  # cluster, vote, top list, islands
    s.host(c.CreateIsland, title="Øy", links=[c.LinkRef(board="critique", card="T1")])
    s.host(c.CreateIsland, title="Tom øy", links=[c.LinkRef(board="critique", card="K4")])
    s.host(c.UpdateIsland, island="I1", title="Tid", links=[c.LinkRef(board="critique", card="K4")])
    s.host(c.RemoveIsland, island="I2")
    for pid in (kari, ola, siri):
        s.do(p(pid), c.ChooseIsland, island="I1")
    s.advance()  # plans
    s.do(p(kari), c.EditPlan, island="I1", field="what", text="Fagdager", base_version=0)
    s.advance()  # closing
    s.host(c.PresentIsland, island="I1")
    s.host(c.AddNextStep, text="Møte i mars")
    s.host(c.RemoveNextStep, step="S1")
    s.host(c.RemoveParticipant, participant=siri)
    s.do(FACILITATOR, c.PresentIsland, island=None)
    return s


def regrouping() -> Script:
    s = Script("dialogkonferanse")
    people = [s.join(f"Deltaker {n}", ["Bodø", "Fauske"][n % 2]) for n in range(5)]
    while s.state.current.kind != PhaseKind.GROUP_WORK:
        s.advance()  # to the first group round
    s.host(c.FormGroups, set="base", seed=1)
    s.host(c.MoveToGroup, set="base", participant=people[0], group=None)
    s.host(c.MoveToGroup, set="base", participant=people[0], group="G1")
    while s.state.current.kind != PhaseKind.REPORT:
        s.advance()
    reporting = s.state.current.groups
    s.host(c.PresentGroup, group=active_groups(s.state, reporting)[0].id)
    s.host(c.FormGroups, set=reporting, seed=2)  # dissolves the group being shown
    return s


FOLD_IN_THE_PAGE = """
async (streams) => {
  const { evolve, KNOWN } = await import("/assets/js/fold.js");
  const q = await import("/assets/js/queries.js");
  const out = [];
  for (const stream of streams) {
    const state = structuredClone(stream.snapshot);
    for (const event of stream.events) evolve(state, event);
    const me = stream.me;
    const boards = {};
    for (const board of Object.keys(state.boards)) {
      const live = q.liveUnits(state, board);
      boards[board] = {
        live,
        members: Object.fromEntries(live.map((u) => [u, q.members(state, u).map((i) => i.id)])),
        ranking: state.boards[board].vote.revealed == null ? null : q.ranking(state, board),
        dotsLeft: q.dotsLeft(state, board, me),
        dotsByUnit: q.dotsByUnit(state, board, me),
        status: q.statusOf(state, board, me),
      };
    }
    const pair = q.myPair(state, me);
    const sets = {};
    for (const set of Object.keys(state.group_sets)) {
      const mine = q.groupOf(state, set, me);
      sets[set] = { active: q.activeGroups(state, set).map((g) => g.id), mine: mine ? mine.id : null };
    }
    const follow = q.followUpGroups(state);
    const groups = {
      sets,
      numbers: Object.fromEntries(Object.values(state.groups).map((g) => [g.id, q.groupNumber(state, g)])),
      needsRegion: q.needsRegion(state),
      keys: state.agenda.flatMap((_, n) => [...Object.keys(state.groups), ...Object.keys(follow)].map((g) => q.answerKeys(state, n, g))),
      followUp: follow,
      labels: Object.fromEntries(Object.keys(follow).map((key) => [key, q.followUpLabel(state, key)])),
      reporting: state.agenda.map((_, n) => q.reportingPhases(state, n)),
    };
    out.push({ state, queries: { boards, islandSizes: q.islandSizes(state), myPair: pair ? pair.id : null, groups } });
  }
  return JSON.stringify({ out, known: KNOWN });
}
"""


async def test_the_page_folds_and_reads_as_the_engine_does(running, chromium):
    all_streams = [s for log in sessions() for s in streams(log)]
    kinds = {e["type"] for s in all_streams for e in s["events"]}
    assert len(all_streams) > 50
    assert {"dots_changed", "merged", "items_revealed", "plan_edited", "island_chosen", "answer_edited"} <= kinds
    assert kinds == _event_types() - {"session_created"}
    phone = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", "/")
    sent = [{k: s[k] for k in ("me", "snapshot", "events")} for s in all_streams]
    result = json.loads(await phone.page.evaluate(FOLD_IN_THE_PAGE, sent))
    assert set(result["known"]) == set(Event.__args__[0].__args__ and _event_types())
    for stream, folded in zip(all_streams, result["out"], strict=True):
        assert folded["state"] == stream["expected"]
        assert folded["queries"] == json.loads(json.dumps(stream["queries"]))
    phone.assert_no_errors()
    await phone.close()


ORGANISATIONS = ["Bodø", " Straße ", "İstanbul", "ﬁskeri", "ΣΟΦΊΑ", "ǅ", "\u00a0Fauske\u2003", "", "   ", "Ŀ", "ﬃ"]


async def test_the_page_names_an_organisations_follow_up_as_the_engine_does(running, chromium):
    """A follow-up's "group" is the organisation, case-folded (Python's casefold) on both sides."""
    phone = await Phone.open(chromium, f"http://127.0.0.1:{running.port}", "/")
    got = await phone.page.evaluate(
        """async (orgs) => {
          const q = await import("/assets/js/queries.js");
          return orgs.map((org) => q.orgGroup(org, "p7"));
        }""",
        ORGANISATIONS,
    )
    assert got == [org_group(org, "p7") for org in ORGANISATIONS]
    phone.assert_no_errors()
    await phone.close()


def _event_types() -> set[str]:
    from typing import get_args

    union = get_args(Event)[0]
    return {cls.model_fields["type"].default for cls in get_args(union)}
