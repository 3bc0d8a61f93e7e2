"""UI strings in Norwegian Bokmål (default), Swedish and English.

Every string a person reads goes through :func:`t`. Strings live in TOML
files, one folder per language and one file per area (``common``,
``participant``, ``host``), so a translator never touches Python. A key that
is missing in a language falls back to Bokmål, then to the key itself.

Placeholders use ``str.format`` names: ``"{n} prikker igjen"``.
"""

from __future__ import annotations

import contextvars
import os
import tomllib
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
DEFAULT = "nb"
# One folder per language; the default first. A translation is added as a folder.
LANGUAGES = tuple(
    sorted((p.name for p in HERE.iterdir() if p.is_dir() and any(p.glob("*.toml"))), key=lambda c: (c != DEFAULT, c))
)
# The languages a session may be held in (its template texts, its report):
# the UI's and Nynorsk, whose UI strings fall back to Bokmål.
SESSION_LANGUAGES = ("nb", "nn", "sv", "en")


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = str(value)
    return out


@cache
def catalog(lang: str) -> dict[str, str]:
    """All strings of a language, keyed ``area.section.name``."""
    strings: dict[str, str] = {}
    for path in sorted((HERE / lang).glob("*.toml")):
        strings.update(_flatten(tomllib.loads(path.read_text(encoding="utf-8"))))
    return strings


def detect(explicit: str | None = None) -> str:
    """The language to use: --lang, then $KOMPSESJON_LANG, then $LANG."""
    for candidate in (explicit, os.environ.get("KOMPSESJON_LANG"), os.environ.get("LANG")):
        if not candidate:
            continue
        code = candidate.split(".")[0].split("_")[0].lower()
        if code in ("nb", "no", "nn", "nob", "nno"):
            return "nb"
        if code in ("sv", "swe"):
            return "sv"
        if code in ("en", "eng"):
            return "en"
    return DEFAULT


class Translator:
    """``t("participant.vote.left", n=3)`` → "3 prikker igjen"."""

    def __init__(self, lang: str = DEFAULT) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self._strings = catalog(self.lang)
        self._fallback = catalog(DEFAULT)

    def __call__(self, key: str, **values: object) -> str:
        text = self._strings.get(key) or self._fallback.get(key)
        if text is None:
            return key
        try:
            return text.format(**values) if values else text
        except (KeyError, IndexError, ValueError):
            return text

    def has(self, key: str) -> bool:
        return key in self._strings or key in self._fallback

    def n(self, key: str, n: int, **values: object) -> str:
        """With a count: ``<key>_one`` for exactly one, where there is one."""
        if n == 1 and self.has(f"{key}_one"):
            return self(f"{key}_one", n=n, **values)
        return self(key, n=n, **values)


_current = Translator(DEFAULT)  # the process's language


class _Own:
    """A language of its own: one app's, among several in one process."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator


# Set in an app's context (and so in every task it starts) when several apps
# share one process (server/seat_host.py); None: the process's language.
_own: contextvars.ContextVar[_Own | None] = contextvars.ContextVar("kompsesjon_language", default=None)


def _translator() -> Translator:
    own = _own.get()
    return _current if own is None else own.translator


def use(lang: str) -> Translator:
    """Switch the language (the apps call this at start): the process's, or
    the app's own after :func:`own_language`."""
    global _current
    translator = Translator(lang)
    own = _own.get()
    if own is None:
        _current = translator
    else:
        own.translator = translator
    return translator


def own_language(lang: str = DEFAULT) -> None:
    """From now on, this context (and every task started from it) has a
    language of its own: :func:`use` there changes no other app's."""
    _own.set(_Own(Translator(lang)))


def t(key: str, **values: object) -> str:
    return _translator()(key, **values)


def tn(key: str, n: int, **values: object) -> str:
    """``t`` with a count: ``tn("participant.cluster.cards", 1)`` → "1 lapp"."""
    return _translator().n(key, n, **values)


def has(key: str) -> bool:
    """Is ``key`` a string of the current language (or of Bokmål)?"""
    return _translator().has(key)


def rejection(code: str, message: str, details: dict | None = None) -> str:
    """A rejection in the user's language, or the server's English message
    (also when the translation needs details the server did not send)."""
    key = f"reject.{code}"
    current = _translator()
    if not current.has(key):
        return message
    template = current._strings.get(key) or current._fallback.get(key, "")
    try:
        return template.format(**(details or {}))
    except (KeyError, IndexError, ValueError):
        return message
