"""One view per phase kind: every module here registers its views in
:data:`~kompsesjon.tui.host.views.base.VIEWS` (a new kind is a new module)."""

from __future__ import annotations

from kompsesjon.tui.host.views.base import VIEWS, PhaseView
from kompsesjon.tui.registry import import_all

import_all(__name__, __path__)
view_for = VIEWS.view_for

__all__ = ["VIEWS", "PhaseView", "view_for"]
