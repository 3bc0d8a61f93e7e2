"""Key bindings whose descriptions follow the user's language.

Textual reads ``BINDINGS`` when a class is defined, before anyone knows the
language, so descriptions are written as ``host.…`` i18n keys and translated
per instance (the language is chosen before any widget is made).
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding
from textual.dom import DOMNode

from kompsesjon.i18n import t


def _tr(text: str) -> str:
    return t(text) if text.startswith("host.") else text


def translate_bindings(node: DOMNode) -> None:
    """Replace i18n keys in ``node``'s binding descriptions by their text."""
    bindings = node._bindings  # a per-instance copy of the class's bindings
    for key, items in bindings.key_to_bindings.items():
        bindings.key_to_bindings[key] = [
            replace(b, description=_tr(b.description), tooltip=_tr(b.tooltip)) for b in items
        ]


class Translated:
    """Mixin for widgets and screens with translated binding descriptions."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)  # type: ignore[arg-type]


def control(key: str, action: str, description: str, *, show: bool = True, key_display: str | None = None) -> Binding:
    """A facilitator control (never active on a screen)."""
    return Binding(key, action, description, show=show, key_display=key_display)
