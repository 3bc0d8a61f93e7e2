"""Textual themes as data files: one ``<name>.toml`` per theme.

A theme file sets the colours of :class:`textual.theme.Theme` (``primary``,
``background`` …) and, under ``[variables]``, kompsesjon's own (``dot``,
``private-card``, ``timer-warning`` …). Users add their own files to
``~/.config/kompsesjon/themes/`` (see ``kompsesjon.tui.themes``).
"""

from pathlib import Path

DIR = Path(__file__).parent
