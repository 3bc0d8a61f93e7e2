// One view per phase kind, found by the engine's phase kind.
//
// A view module exports a function (ctx) → {el, update(state, me, event), focus()}.
// ctx gives the state, who I am, send(command, handles) → Promise<outcome>,
// announce(text) for screen readers and notice(text, kind) for everyone.

import brainstorm from "./brainstorm.js";
import closing from "./closing.js";
import cluster from "./cluster.js";
import { followUp, groupWork, report } from "./groups.js";
import intro from "./intro.js";
import islands from "./islands.js";
import other from "./other.js";
import plans from "./plans.js";
import ranking from "./ranking.js";
import review from "./review.js";
import vote from "./vote.js";

export const VIEWS = {
  intro,
  brainstorm,
  cluster,
  vote,
  ranking,
  islands,
  action_plans: plans,
  closing,
  group_work: groupWork,
  report,
  follow_up: followUp,
  action_review: review,
};

const BOARD_KINDS = new Set(["brainstorm", "cluster", "vote", "ranking"]);

export function viewFor(kind, state) {
  const phase = state.agenda[state.phase];
  if (BOARD_KINDS.has(kind) && !state.boards[phase.board]) return other;
  return VIEWS[kind] || other;
}
