"""Every ``--help`` entry says what it is for and what happens without it."""

from __future__ import annotations

import argparse

from kompsesjon.cli import build_parser, template_names


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_option_has_a_text_and_shows_its_default():
    for name, parser in subcommands().items():
        formatter = parser._get_formatter()
        for action in parser._actions:
            if not action.option_strings or isinstance(action, argparse._HelpAction):
                continue
            where = f"{name} {action.option_strings[0]}"
            assert action.help, f"{where} has no help text"
            if action.default not in (None, False):
                shown = formatter._get_help_string(action) % {"default": action.default}
                assert "default" in shown, f"{where} does not show its default {action.default!r}"


def test_template_lists_its_choices():
    assert {"framtidsverksted", "dialogkonferanse", "refleksjon", "fylkessamling"} <= set(template_names())
    for name in ("serve", "demo"):
        text = subcommands()[name].format_help()
        for template in template_names():
            assert template in text, f"{name} --help does not name {template}"
