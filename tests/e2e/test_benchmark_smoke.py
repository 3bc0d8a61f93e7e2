"""The benchmark entry point runs end to end at a small size and reports every metric.

A smoke test only: N=50 and short durations, so CI knows the benchmark still
works. It asserts that each number is there and sane (positive, finite), never
how fast anything is: CI machines differ and timing assertions would be flaky.
The real numbers are in benchmarks/README.md.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

METRICS = [
    ("fanout", "p50_ms"),
    ("fanout", "p99_ms"),
    ("baseline", "p50_ms"),
    ("baseline", "p99_ms"),
    ("throughput_cards", "acks_per_second"),
    ("throughput_dots", "acks_per_second"),
    ("throughput_plans", "acks_per_second"),
    ("check_in_wave", "per_second"),
    ("island_wave", "per_second"),
    ("restart", "total_s"),
    ("restart", "startup_s"),
    ("restart", "resync_s"),
    ("rss", "per_participant_kb"),
    ("join", "p50_s"),
    ("join", "p99_s"),
]


def test_benchmark_runs_and_reports_every_metric(tmp_path):
    report_file = tmp_path / "report.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "all",
            "--n",
            "50",
            "--quick",
            "--probes",
            "20",
            "--json",
            str(report_file),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "| fan-out p50 / p99 (ms) |" in run.stdout  # the table was printed

    report = json.loads(report_file.read_text())
    assert report["machine"]["nproc"] >= 1
    (result,) = report["results"]
    assert result["n"] == 50
    for section, key in METRICS:
        value = result[section][key]
        assert isinstance(value, (int, float)) and math.isfinite(value) and value > 0, (section, key, value)
    for ratio in ("ratio_p50", "ratio_p99"):
        assert math.isfinite(result[ratio]) and result[ratio] > 0
    assert result["restart"]["events_replayed"] > 50
    assert result["fanout"]["probes"] == 20 and result["baseline"]["probes"] == 20
    assert result["throughput_cards"]["acks"] > 0 and result["throughput_dots"]["acks"] > 0


def test_benchmark_with_browser_participants(tmp_path):
    """The same workshop with participants that speak as the web page."""
    report_file = tmp_path / "report.json"
    run = subprocess.run(
        [
            *(sys.executable, "-m", "benchmarks.run", "all", "--n", "20", "--quick", "--probes", "10"),
            *("--no-restart", "--no-baseline", "--clients", "browser", "--json", str(report_file)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "participants: browser clients" in run.stdout
    (result,) = json.loads(report_file.read_text())["results"]
    assert result["clients"] == "browser"
    for section, key in METRICS[:2] + METRICS[4:9] + METRICS[12:]:
        value = result[section][key]
        assert isinstance(value, (int, float)) and math.isfinite(value) and value > 0, (section, key, value)
