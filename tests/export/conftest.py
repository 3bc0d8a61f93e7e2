"""The command line speaks the operator's language ($KOMPSESJON_LANG, $LANG);
these tests read its English."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def english_command_line(monkeypatch):
    monkeypatch.setenv("KOMPSESJON_LANG", "en")
