"""Accessibility scans with axe-core (the axe-playwright-python package carries it)."""

from __future__ import annotations

from axe_playwright_python.async_playwright import Axe

_axe = Axe()
# WCAG 2.0/2.1 A and AA, as likeverdforskriften asks.
OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


async def serious_violations(page) -> list[str]:
    """Every serious or critical finding on the page, one line each."""
    results = await _axe.run(page, options=OPTIONS)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:3]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


async def assert_accessible(page, where: str) -> None:
    found = await serious_violations(page)
    assert not found, f"{where}: " + "; ".join(found)
