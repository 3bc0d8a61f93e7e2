"""Translated key bindings, and what they rely on in Textual.

Textual has no public way to change one widget's binding descriptions;
kompsesjon.tui.keys writes its private per-instance copy. These tests
fail if a Textual upgrade changes that (or how bindings are merged), instead
of the apps quietly showing i18n keys in the footer.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer

import kompsesjon.tui
from kompsesjon import i18n
from kompsesjon.tui.keys import Translated, declared_bindings, tr


class MarkScreen(Translated, Screen):
    BINDINGS = [Binding("space", "mark", "host.key.mark"), Binding("x", "plain", "Plain words")]

    def compose(self) -> ComposeResult:
        yield Footer()

    def action_mark(self) -> None:
        pass

    def action_plain(self) -> None:
        pass


class Shell(App):
    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def get_default_screen(self) -> Screen:
        i18n.use(self.lang)
        return MarkScreen()


@pytest.mark.parametrize("lang", ["nb", "sv", "en"])
async def test_the_footer_shows_descriptions_in_the_language_of_the_app(lang):
    async with Shell(lang).run_test() as pilot:
        shown = {key: b.binding.description for key, b in pilot.app.screen.active_bindings.items()}
        assert shown["space"] == i18n.catalog(lang)["host.key.mark"]
        assert shown["x"] == "Plain words"
    i18n.use("nb")


def test_each_instance_keeps_its_own_language():
    i18n.use("en")
    english = MarkScreen()
    i18n.use("sv")
    swedish = MarkScreen()
    i18n.use("nb")
    assert english._bindings.key_to_bindings["space"][0].description == i18n.catalog("en")["host.key.mark"]
    assert swedish._bindings.key_to_bindings["space"][0].description == i18n.catalog("sv")["host.key.mark"]
    assert MarkScreen._merged_bindings.key_to_bindings["space"][0].description == "host.key.mark"


def _classes_with_bindings() -> list[type[DOMNode]]:
    for module in pkgutil.walk_packages(kompsesjon.tui.__path__, "kompsesjon.tui."):
        importlib.import_module(module.name)
    found: list[type[DOMNode]] = []
    stack = list(DOMNode.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("kompsesjon.tui") and any("BINDINGS" in b.__dict__ for b in cls.__mro__):
            found.append(cls)
    return found


def test_declared_bindings_are_the_bindings_textual_merges():
    """declared_bindings reads public BINDINGS; it must agree with Textual's own merge."""
    classes = _classes_with_bindings()
    assert len(classes) > 10
    for cls in classes:
        merged = cls._merged_bindings
        assert merged is not None, cls
        theirs = sorted((key, tr(b.description), b.action) for key, bs in merged.key_to_bindings.items() for b in bs)
        ours = sorted((b.key, b.description, b.action) for b in declared_bindings(cls))
        assert ours == theirs, cls
