"""One view per phase kind."""

from __future__ import annotations

from kompsesjon.method.agenda import PhaseKind
from kompsesjon.tui.host.views.base import PhaseView
from kompsesjon.tui.host.views.brainstorm import BrainstormView
from kompsesjon.tui.host.views.closing import ClosingView
from kompsesjon.tui.host.views.cluster import ClusterView
from kompsesjon.tui.host.views.intro import IntroView
from kompsesjon.tui.host.views.islands import IslandsView
from kompsesjon.tui.host.views.other import OtherView
from kompsesjon.tui.host.views.plans import PlansView
from kompsesjon.tui.host.views.ranking import RankingView
from kompsesjon.tui.host.views.vote import VoteView

VIEWS: dict[PhaseKind, type[PhaseView]] = {
    PhaseKind.INTRO: IntroView,
    PhaseKind.BRAINSTORM: BrainstormView,
    PhaseKind.CLUSTER: ClusterView,
    PhaseKind.VOTE: VoteView,
    PhaseKind.RANKING: RankingView,
    PhaseKind.ISLANDS: IslandsView,
    PhaseKind.ACTION_PLANS: PlansView,
    PhaseKind.CLOSING: ClosingView,
}


def view_for(kind: PhaseKind) -> type[PhaseView]:
    return VIEWS.get(kind, OtherView)


__all__ = ["VIEWS", "PhaseView", "view_for"]
