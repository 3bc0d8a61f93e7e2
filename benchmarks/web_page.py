"""The web page on loopback: its weight, and how soon a phone is in.

``uv run python -m benchmarks.web_page`` starts ``kompsesjon serve`` (a
subprocess, a fresh database) and headless Chromium (Debian's, with a
phone-sized 360×740 screen), and measures with the browser's own clocks
(``performance``):

* **weight**: every byte the page downloads (HTML, CSS, JS modules, the
  strings), as sent (gzip) and unpacked, from the Resource Timing entries;
* **new participant**: the page opened at ``/CODE`` — navigation → first
  paint (the join form), and the «Bli med» click → «joined» (the welcome and
  the first phase drawn);
* **returning participant** (a reload: the browser remembers its resume
  secret) — navigation → first paint, and first paint → «joined».

Each is measured ``--runs`` times in a fresh browser context (a cold cache)
for the new participant and as reloads (a warm cache revalidated by ETag)
for the returning one; p50 and max are printed. Nothing here is asserted:
the figures go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402

TIMES = """() => {
  const paint = performance.getEntriesByName("first-paint")[0];
  const joined = performance.getEntriesByName("joined")[0];
  const clicked = performance.getEntriesByName("join-clicked")[0];
  return { paint: paint ? paint.startTime : null, joined: joined ? joined.startTime : null,
           clicked: clicked ? clicked.startTime : null };
}"""
WEIGHT = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const all = [nav, ...performance.getEntriesByType("resource")];
  return { files: all.length, encoded: all.reduce((a, e) => a + e.encodedBodySize, 0),
           decoded: all.reduce((a, e) => a + e.decodedBodySize, 0),
           names: all.map((e) => new URL(e.name).pathname) };
}"""


async def measure(runs: int) -> dict:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as tmp:
        proc, info = await start_server(Path(tmp) / "web.sqlite3")
        base = f"http://127.0.0.1:{info['port']}"
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                new_paint, new_join, back_paint, back_join = [], [], [], []
                weight = None
                for n in range(runs):
                    context = await browser.new_context(viewport={"width": 360, "height": 740}, locale="nb-NO")
                    page = await context.new_page()
                    await page.goto(f"{base}/{info['code']}")
                    await page.get_by_label("Navn").fill(f"Deltaker {n}")
                    await page.evaluate("() => performance.mark('join-clicked')")
                    await page.get_by_role("button", name="Bli med").click()
                    await page.wait_for_selector("body[data-joined]")
                    t = await page.evaluate(TIMES)
                    new_paint.append(t["paint"])
                    new_join.append(t["joined"] - t["clicked"])
                    if weight is None:
                        weight = await page.evaluate(WEIGHT)
                    await page.reload()
                    await page.wait_for_selector("body[data-joined]")
                    t = await page.evaluate(TIMES)
                    back_paint.append(t["paint"])
                    back_join.append(t["joined"] - t["paint"])
                    await context.close()
                await browser.close()
        finally:
            proc.terminate()
            await proc.wait()

    def stats(values: list[float]) -> dict:
        return {"p50_ms": statistics.median(values), "max_ms": max(values)}

    return {
        "weight": weight,
        "new": {"first_paint": stats(new_paint), "click_to_joined": stats(new_join)},
        "returning": {"first_paint": stats(back_paint), "paint_to_joined": stats(back_join)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web_page", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    result = asyncio.run(measure(args.runs))
    w = result["weight"]
    print(
        f"weight: {w['files']} files, {w['encoded'] / 1000:.1f} KB sent (gzip), {w['decoded'] / 1000:.1f} KB unpacked"
    )
    for who, rows in (("new participant", result["new"]), ("returning participant", result["returning"])):
        for name, s in rows.items():
            print(f"{who}: {name.replace('_', ' ')} p50 {s['p50_ms']:.0f} ms, max {s['max_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
