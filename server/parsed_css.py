"""Textual CSS parsed once per seat host, not once per app in it.

Each Textual app parses its stylesheet itself: the app's .tcss files and the
``DEFAULT_CSS`` of every widget class it mounts, again each time a widget
class new to the app adds its CSS (each parse goes through
``Stylesheet._parse_rules``, cached per stylesheet only), and anew on a theme
change (``Stylesheet.reparse`` starts from an empty stylesheet). In a seat
host (:mod:`server.seat_host`) the apps are the same classes with the same
CSS, so that parsing is the same for each: ~0.07 s of the ~0.18 s of CPU an
app's start took (benchmarks/README.md, "SSH seats", round 4).

:func:`share_parsed_css` makes every stylesheet of the process look up parsed
rules in one cache first. The key is what ``_parse_rules`` parses from (the
CSS, where it was read from, default or not, tie breaker, scope) and the
stylesheet's variables (the app's theme: they are substituted as it parses),
so an app with another theme gets rules parsed with its own colours. Parsed
rule sets are only read once made (Textual itself hands an app the same ones
again each time its stylesheet is parsed), so apps can share them.
Textual is pinned; ``tests/server/test_pty_driver.py`` fails when
``_parse_rules`` or ``_variables`` change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from textual.cache import LRUCache
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation

# Sources × themes in use: a participant app joining has 23 sources (more as its views come) a theme.
SHARED_RULES = 2048

_shared: LRUCache[tuple, list[RuleSet]] = LRUCache(SHARED_RULES)


def share_parsed_css() -> Callable[[], None]:
    """From now on, stylesheets in this process share what they parse (idempotent).

    Returns what undoes it (a host never does; a test does)."""
    parse_rules = Stylesheet._parse_rules
    if getattr(parse_rules, "shared", False):
        return lambda: None

    @functools.wraps(parse_rules)
    def shared_parse_rules(
        self: Stylesheet,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key = (tuple(self._variables.items()), css, read_from, is_default_rules, tie_breaker, scope)
        rules = _shared.get(key)
        if rules is None:  # raises on invalid CSS: nothing is kept
            rules = parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
            _shared[key] = rules
        return rules

    shared_parse_rules.shared = True  # type: ignore[attr-defined]
    Stylesheet._parse_rules = shared_parse_rules  # type: ignore[method-assign]

    def undo() -> None:
        Stylesheet._parse_rules = parse_rules  # type: ignore[method-assign]
        _shared.clear()

    return undo
