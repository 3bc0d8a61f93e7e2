"""One view per phase kind; the session screen shows the current one."""

from .base import PhaseView
from .brainstorm import BrainstormView
from .closing import ClosingView
from .cluster import ClusterView
from .intro import IntroView
from .islands import IslandsView
from .other import OtherView
from .plans import PlansView
from .ranking import RankingView
from .vote import VoteView

__all__ = [
    "BrainstormView",
    "ClosingView",
    "ClusterView",
    "IntroView",
    "IslandsView",
    "OtherView",
    "PhaseView",
    "PlansView",
    "RankingView",
    "VoteView",
]
