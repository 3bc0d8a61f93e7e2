"""What the session writes for its report: the facilitator's texts and the evaluation.

* The facilitator (or a secretary holding a facilitator token) writes the
  purpose and background of the session, and during or after the meeting a
  summary and the decisions. Each is a versioned text like an action-plan
  field: a stale edit is refused with the newer text, never a silent overwrite.
  Purpose and background start from the template or ``serve --purpose``.
* When the session's rules ask for it, each participant gives a check-out
  evaluation in the closing phase: a rating from 1 to 5 and «what should we do
  differently?». Writing again replaces one's own evaluation. Who gave which
  rating is never shown to anyone but the person themself.
"""

from __future__ import annotations

from . import commands as cmd
from . import events as ev
from .agenda import PhaseKind
from .decide import Actor, _next_id, _on, _require_phase, next_version
from .rejection import Rejection
from .state import State
from .text import clean


@_on(cmd.EditReportText)
def _edit_report_text(state: State, actor: Actor, c: cmd.EditReportText, now: float) -> list:
    text = clean("report", c.text, required=False)
    current = state.report_texts.get(c.field)
    version = next_version(state, actor, current, c.base_version, text, "text", field=c.field)
    return [ev.ReportTextEdited(field=c.field, text=text, version=version, by=actor.id)]


def evaluation_of(state: State, participant: str | None) -> str | None:
    """The id of a participant's evaluation, if they gave one."""
    for evaluation in state.evaluations.values():
        if evaluation.author is not None and evaluation.author == participant:
            return evaluation.id
    return None


@_on(cmd.Evaluate)
def _evaluate(state: State, actor: Actor, c: cmd.Evaluate, now: float) -> list:
    if not state.rules.evaluation:
        raise Rejection("no_evaluation", "This session does not ask for an evaluation.")
    _require_phase(state, PhaseKind.CLOSING)
    text = clean("note", c.text, required=False)
    if c.rating is None and not text:
        raise Rejection("text_empty", "Give a rating from 1 to 5 or write what we should do differently.", field="note")
    evaluation = evaluation_of(state, actor.id) or _next_id(state, "evaluation", "E")
    return [ev.Evaluated(evaluation=evaluation, rating=c.rating, text=text, author=actor.id)]
