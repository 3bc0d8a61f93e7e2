"""Load themes from data files: the built-in ones and the user's own.

Built-in themes are the ``*.toml`` files of the top-level ``themes`` package;
a user's own go in ``<config dir>/kompsesjon/themes/`` (for example
``~/.config/kompsesjon/themes/`` on Linux) and are picked up at start.
``--theme`` takes a theme name or the path of a theme file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import platformdirs
from textual.theme import Theme

import themes as builtin

THEME_FIELDS = {
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "dark",
    "luminosity_spread",
    "text_alpha",
}


class ThemeError(Exception):
    """A theme file that cannot be used; the message names the file and field."""


def user_theme_dir() -> Path:
    return Path(platformdirs.user_config_dir("kompsesjon", appauthor=False)) / "themes"


def theme_from_file(path: Path) -> Theme:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThemeError(f"{path}: {exc}") from None
    unknown = set(raw) - THEME_FIELDS - {"name", "variables"}
    if unknown:
        raise ThemeError(f"{path}: unknown field(s) {', '.join(sorted(unknown))}")
    if "primary" not in raw:
        raise ThemeError(f"{path}: a theme needs at least 'primary'")
    variables = raw.get("variables", {})
    if not isinstance(variables, dict):
        raise ThemeError(f"{path}: [variables] must be a table")
    try:
        return Theme(
            name=str(raw.get("name") or path.stem),
            variables={str(k): str(v) for k, v in variables.items()},
            **{k: raw[k] for k in THEME_FIELDS if k in raw},
        )
    except Exception as exc:  # a bad colour string and the like
        raise ThemeError(f"{path}: {exc}") from None


def available_theme_files() -> list[Path]:
    files = sorted(builtin.DIR.glob("*.toml"))
    user_dir = user_theme_dir()
    if user_dir.is_dir():
        files.extend(sorted(user_dir.glob("*.toml")))
    return files


def load_themes(extra: str | None = None) -> tuple[list[Theme], list[str]]:
    """All themes that load, and a message for each file that did not."""
    found: list[Theme] = []
    problems: list[str] = []
    paths = available_theme_files()
    if extra and Path(extra).suffix == ".toml":
        paths.append(Path(extra))
    for path in paths:
        try:
            found.append(theme_from_file(path))
        except ThemeError as exc:
            problems.append(str(exc))
    return found, problems


def resolve_name(choice: str | None) -> str | None:
    """A --theme value (name or path) as the name to activate."""
    if not choice:
        return None
    if Path(choice).suffix == ".toml":
        return theme_from_file(Path(choice)).name
    return {"dark": "kompsesjon-dark", "light": "kompsesjon-light"}.get(choice, choice)
