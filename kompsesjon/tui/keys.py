"""Key bindings whose descriptions follow the user's language (both apps).

Textual reads ``BINDINGS`` when a class is defined, before anyone knows the
language. Descriptions are therefore written as i18n keys (marked with
:func:`N_` where that helps the reader) and translated per instance by
:class:`Translated` (the language is chosen before any widget is made).
"""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from kompsesjon import i18n


def N_(key: str) -> str:
    """Mark an i18n key for translation when the widget is made."""
    return key


def _tr(text: str) -> str:
    # Only what is an i18n key is translated; a plain description stays.
    return i18n.t(text) if text and "." in text and i18n.has(text) else text


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
