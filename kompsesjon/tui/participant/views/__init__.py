"""One view per phase kind: every module here registers its views in
:data:`~kompsesjon.tui.participant.views.base.VIEWS` (a new kind is a new
module); the session screen shows the current phase's."""

from __future__ import annotations

from kompsesjon.tui.participant.views.base import VIEWS, PhaseView
from kompsesjon.tui.registry import import_all

import_all(__name__, __path__)

__all__ = ["VIEWS", "PhaseView"]
