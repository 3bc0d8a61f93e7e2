"""Median of several ``benchmarks.run --json`` reports, side by side.

    uv run python -m benchmarks.compare --before b1.json b2.json --after a1.json a2.json

On a shared 2-core machine one run is noisy; the median of a few runs taken
alternately (before, after, before, after) is what benchmarks/README.md shows.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
from collections.abc import Callable

METRICS: list[tuple[str, Callable[[dict], float], str]] = [
    ("fan-out p50 (ms)", lambda r: r["fanout"]["p50_ms"], "{:.2f}"),
    ("fan-out p99 (ms)", lambda r: r["fanout"]["p99_ms"], "{:.2f}"),
    ("raw broadcast p50 (ms)", lambda r: r["baseline"]["p50_ms"], "{:.2f}"),
    ("raw broadcast p99 (ms)", lambda r: r["baseline"]["p99_ms"], "{:.2f}"),
    ("ratio p50", lambda r: r["ratio_p50"], "{:.2f}×"),
    ("ratio p99", lambda r: r["ratio_p99"], "{:.2f}×"),
    ("acks/s: edit own cards", lambda r: r["throughput_cards"]["acks_per_second"], "{:,.0f}"),
    ("acks/s: place/remove dots", lambda r: r["throughput_dots"]["acks_per_second"], "{:,.0f}"),
    ("acks/s: edit plans (each to all N)", lambda r: r["throughput_plans"]["acks_per_second"], "{:,.0f}"),
    ("check-ins/s (each to all N)", lambda r: r["check_in_wave"]["per_second"], "{:,.0f}"),
    ("island choices/s (each to all N)", lambda r: r["island_wave"]["per_second"], "{:,.0f}"),
    ("restart: spawn → all N resynced (s)", lambda r: r["restart"]["total_s"], "{:.2f}"),
    ("  of which server start-up + replay (s)", lambda r: r["restart"]["startup_s"], "{:.2f}"),
    ("  of which reconnect + resync (s)", lambda r: r["restart"]["resync_s"], "{:.2f}"),
    ("  events replayed", lambda r: r["restart"]["events_replayed"], "{:,.0f}"),
    ("RSS per participant (KiB)", lambda r: r["rss"]["per_participant_kb"], "{:.1f}"),
    ("start → joined p50 (ms)", lambda r: r["join"]["p50_s"] * 1000, "{:,.0f}"),
    ("start → joined p99 (ms)", lambda r: r["join"]["p99_s"] * 1000, "{:,.0f}"),
]


def medians(paths: list[str]) -> dict[int, dict[str, float]]:
    by_n: dict[int, dict[str, list[float]]] = {}
    for path in paths:
        with open(path) as f:
            report = json.load(f)
        for result in report["results"]:
            row = by_n.setdefault(result["n"], {})
            for name, get, _ in METRICS:
                with contextlib.suppress(KeyError):
                    row.setdefault(name, []).append(get(result))
    return {n: {k: statistics.median(v) for k, v in row.items()} for n, row in by_n.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", nargs="*", default=[])
    parser.add_argument("--after", nargs="+")
    args = parser.parse_args()
    after = medians(args.after)
    before = medians(args.before) if args.before else {}
    ns = sorted(after)
    head = "| metric | " + " | ".join((f"N={n:,} before | N={n:,} after" if before else f"N={n:,}") for n in ns) + " |"
    print(head)
    print("|---|" + "---:|" * (len(ns) * (2 if before else 1)))
    for name, _, fmt in METRICS:
        cells = []
        for n in ns:
            if before:
                value = before.get(n, {}).get(name)
                cells.append(fmt.format(value) if value is not None else "–")
            value = after[n].get(name)
            cells.append(fmt.format(value) if value is not None else "–")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nmedians of {len(args.before)} before and {len(args.after)} after runs")


if __name__ == "__main__":
    main()
