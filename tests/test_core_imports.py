"""The core must work without the TUI stack: no textual, no rich."""

from __future__ import annotations

import json
import os
import subprocess
import sys

CORE = (
    "policy", "model", "sla", "store", "export", "text", "paths", "timefmt", "cli",
    "usecases", "hooks", "config", "alerts", "report", "retro_cli", "public",
)  # fmt: skip

PROBE = f"""
import json, sys
import warroom
for name in {CORE!r}:
    __import__("warroom." + name)
import warroom.cli
code = warroom.cli.main(["declare", "Probe"])
code += warroom.cli.main(["list", "--json"])
code += warroom.cli.main(["status", "1", "--json"])
ui = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))
print(json.dumps({{"code": code, "ui": ui}}))
"""


def test_core_and_cli_do_not_import_textual_or_rich(tmp_path):
    db = tmp_path / "probe.db"
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        env={**os.environ, "WARROOM_DB": str(db)},
        cwd=tmp_path,
        timeout=30,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["code"] == 0
    assert report["ui"] == []
    assert db.exists()  # the CLI really ran against the store
    assert '"title": "Probe"' in result.stdout
