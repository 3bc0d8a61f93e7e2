"""The report: one plain structure built from a session's state.

Every export format (JSON, Markdown, CSV, HTML) renders this same structure,
so they cannot disagree about what happened. In anonymous sessions it is
built from the facilitator's view, which holds no authors.
"""

from __future__ import annotations

from typing import Any

from kompsesjon.method import State
from kompsesjon.method.agenda import BoardKind
from kompsesjon.method.clustering import members, unit_title
from kompsesjon.method.islands import active_islands, island_members
from kompsesjon.method.state import PLAN_FIELDS
from kompsesjon.method.visibility import FACILITATOR_VIEW, view_state
from kompsesjon.method.voting import live_tally, ranking

REPORT_FORMAT = "kompsesjon.report"
REPORT_VERSION = 1

LIST_NAMES = {BoardKind.CRITIQUE: "bottom_list", BoardKind.VISION: "top_list"}


def build_report(state: State, *, code: str = "", exported_at: float | None = None) -> dict[str, Any]:
    seen = view_state(state, FACILITATOR_VIEW)  # no authors in anonymous sessions
    people = seen.participants

    def name(pid: str | None) -> str | None:
        if pid is None or pid not in people:
            return None
        return people[pid].name or None

    boards = []
    for board_id, board in seen.boards.items():
        revealed = board.vote.revealed
        entries = revealed if revealed is not None else live_tally(seen, board_id)
        ranked = ranking(seen, board_id, entries)
        boards.append(
            {
                "id": board_id,
                "kind": board.spec.kind.value,
                "list_name": LIST_NAMES.get(board.spec.kind, "list"),
                "cards": [
                    {
                        "id": item.id,
                        "text": item.text,
                        "author": name(item.author),
                        "theme": item.theme,
                        "withdrawn": item.withdrawn,
                    }
                    for item in seen.items.values()
                    if item.board == board_id
                ],
                "themes": [
                    {"id": t.id, "title": t.title, "inside": t.merged_into}
                    for t in seen.themes.values()
                    if t.board == board_id
                ],
                "votes_revealed": revealed is not None,
                "ranking": [
                    {
                        "rank": r.rank,
                        "unit": r.unit,
                        "title": unit_title(seen, r.unit),
                        "dots": r.dots,
                        "voters": r.voters,
                        "tie_break": r.tie_break,
                        "cards": [i.text for i in members(seen, r.unit) if not i.withdrawn],
                        "on_list": r.rank <= seen.rules.list_cut,
                    }
                    for r in ranked
                ],
            }
        )

    islands = []
    for island in active_islands(seen):
        plan = seen.plans.get(island.id, {})
        islands.append(
            {
                "id": island.id,
                "title": island.title,
                "links": [
                    {"board": link.board, "unit": link.unit, "title": unit_title(seen, link.unit)}
                    for link in island.links
                ],
                "members": [
                    {"name": people[p].name, "org": people[p].org}
                    for p in island_members(seen, island.id)
                    if p in people
                ],
                "plan": {f: plan[f].text if f in plan else "" for f in PLAN_FIELDS},
            }
        )

    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "exported_at": exported_at,
        "session": {
            "id": seen.session,
            "code": code,
            "title": seen.title,
            "question": seen.question,
            "lang": seen.lang,
            "anonymous": seen.anonymous,
            "template": seen.template,
            "created_at": seen.created_at,
            "phase": seen.phase,
            "phase_kind": seen.current.kind.value,
        },
        "rules": seen.rules.model_dump(),
        "agenda": [p.model_dump(mode="json") for p in seen.agenda],
        "participants": [
            {"name": p.name, "org": p.org, "removed": p.removed} for p in people.values()
        ],
        "check_ins": [{"text": n.text, "author": name(n.author)} for n in seen.check_ins.values()],
        "boards": boards,
        "red_cards": [
            {"id": r.id, "item": r.item, "note": r.note, "dismissed": r.dismissed} for r in seen.red_cards.values()
        ],
        "islands": islands,
        "next_steps": [s.text for s in seen.next_steps.values() if not s.removed],
        "next_meeting": seen.next_meeting,
        "check_outs": [{"text": n.text, "author": name(n.author)} for n in seen.check_outs.values()],
    }
