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


OVERFLOW = """
() => {
  const root = document.scrollingElement;
  const wide = [...document.querySelectorAll("body *")].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > root.clientWidth + 1;
  });
  return { scroll: root.scrollWidth, width: root.clientWidth, wide: wide.slice(0, 3).map((el) => el.outerHTML.slice(0, 80)) };
}
"""


async def assert_reflows(page, where: str) -> None:
    """Nothing sideways to scroll, as it is and with the text at 200 % (WCAG 1.4.4, 1.4.10)."""
    for size in ("", "200%"):
        await page.evaluate("(size) => { document.documentElement.style.fontSize = size; }", size)
        found = await page.evaluate(OVERFLOW)
        assert found["scroll"] <= found["width"] and not found["wide"], f"{where} at {size or '100%'}: {found}"
    await page.evaluate("() => { document.documentElement.style.fontSize = ''; }")


async def assert_usable(page, where: str) -> None:
    """axe-core finds nothing serious, and the screen reflows on a phone at 200 % text."""
    await assert_accessible(page, where)
    await assert_reflows(page, where)
