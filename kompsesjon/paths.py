"""Where kompsesjon keeps its files when the user does not say."""

from __future__ import annotations

from pathlib import Path

import platformdirs


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir("kompsesjon", appauthor=False))


def default_db() -> Path:
    return data_dir() / "kompsesjon.sqlite3"
