"""Commands that need no terminal app start without importing one.

``kompsesjon --version`` took about a second because every command imported
the client (and with it pydantic and the method); ``serve``, ``export``,
``sessions`` and ``--help`` must never pay for Textual. Checked in a fresh
interpreter, by what it imported (no timing: the figures are in
benchmarks/README.md).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from kompsesjon.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exc:
    status = exc.code
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def imported(*argv: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=60)
    last = done.stdout.strip().splitlines()[-1]
    return {name.split(".")[0] for name in json.loads(last)["modules"]} | set(json.loads(last)["modules"])


@pytest.mark.parametrize(
    "argv",
    [("--version",), ("--help",), ("serve", "--help"), ("join", "--help"), ("sessions", "--db", "missing.sqlite3")],
)
def test_quick_commands_import_neither_textual_nor_the_method(argv):
    modules = imported(*argv)
    assert "textual" not in modules
    assert "pydantic" not in modules  # the method and the protocol: half a second on this machine
    assert "kompsesjon.client" not in modules


def test_serve_and_export_do_not_import_textual(tmp_path):
    assert "textual" not in imported("export", "--db", str(tmp_path / "missing.sqlite3"))
    code = "import sys, server.run, kompsesjon.export, kompsesjon.demo; print('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False"
