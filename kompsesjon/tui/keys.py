"""Key bindings whose descriptions follow the user's language (both apps).

Textual reads ``BINDINGS`` when a class is defined, before anyone knows the
language. Descriptions are therefore written as i18n keys (marked with
:func:`N_` where that helps the reader) and translated per instance by
:class:`Translated` (the language is chosen before any widget is made).

Textual has no public way to give one instance other binding descriptions:
:func:`translate_bindings` is the one place that writes its per-instance
copy (``DOMNode._bindings``, private), and tests/tui/test_bindings.py fails
loudly if Textual changes it. Everything else reads bindings through
:func:`declared_bindings` (the public ``BINDINGS`` of a class and its bases).
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

from kompsesjon import i18n


def N_(key: str) -> str:
    """Mark an i18n key for translation when the widget is made."""
    return key


# Textual's own bindings (the screen's focus keys and copy, the app's quit)
# reach the command palette and the footer with English descriptions.
TEXTUAL = {
    "Focus Next": "commands.focus_next",
    "Focus Previous": "commands.focus_previous",
    "Copy selected text": "commands.copy",
    "Quit": "commands.quit",
    "palette": "commands.palette",
}


def tr(text: str) -> str:
    """A binding's description or tooltip in the user's language."""
    # Only what is an i18n key (or one of Textual's own) is translated; a plain description stays.
    if text in TEXTUAL:
        return i18n.t(TEXTUAL[text])
    return i18n.t(text) if text and "." in text and i18n.has(text) else text


def translate_bindings(node: DOMNode) -> None:
    """Replace i18n keys in ``node``'s binding descriptions by their text."""
    bindings = node._bindings  # a per-instance copy of the class's bindings (see the module docstring)
    for key, items in bindings.key_to_bindings.items():
        bindings.key_to_bindings[key] = [
            replace(b, description=tr(b.description), tooltip=tr(b.tooltip)) for b in items
        ]


def retranslate_bindings(node: DOMNode) -> None:
    """Translate ``node``'s bindings again from its class's (the language changed)."""
    merged = type(node)._merged_bindings
    if merged is not None:
        node._bindings = merged.copy()  # the per-instance copy again (see the module docstring)
    translate_bindings(node)


def declared_bindings(node: DOMNode | type[DOMNode]) -> list[Binding]:
    """The bindings a node's class declares with its bases' (a subclass's key
    wins), descriptions translated."""
    cls = node if isinstance(node, type) else type(node)
    by_key: dict[str, list[Binding]] = {}
    for base in reversed(cls.__mro__):
        declared: list[BindingType] = base.__dict__.get("BINDINGS", [])
        mine: dict[str, list[Binding]] = {}
        for item in declared:
            binding = item if isinstance(item, Binding) else Binding(*item)
            for key in binding.key.split(","):
                mine.setdefault(key.strip(), []).append(replace(binding, key=key.strip()))
        by_key.update(mine)
    return [
        replace(b, description=tr(b.description), tooltip=tr(b.tooltip)) for items in by_key.values() for b in items
    ]


class Translated:
    """Mixin for widgets and screens with translated binding descriptions."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)  # type: ignore[arg-type]
