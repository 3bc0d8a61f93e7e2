"""Key bindings of the host view: descriptions are ``host.…`` i18n keys,
translated per instance (:mod:`kompsesjon.tui.keys`, shared with the
participant app); facilitator controls are made with :func:`control`."""

from __future__ import annotations

from textual.binding import Binding

from kompsesjon.tui.keys import Translated, declared_bindings, translate_bindings

__all__ = ["Translated", "control", "declared_bindings", "translate_bindings"]


def control(key: str, action: str, description: str, *, show: bool = True, key_display: str | None = None) -> Binding:
    """A facilitator control (never active on a screen)."""
    return Binding(key, action, description, show=show, key_display=key_display)
