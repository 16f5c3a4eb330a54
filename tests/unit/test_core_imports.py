"""The core must work without the TUI stack: no textual, no rich."""

from __future__ import annotations

import json
import os
import subprocess
import sys

CORE = (
    "core", "core.policy", "core.model", "core.sla", "core.text", "core.timefmt",
    "core.alerts", "core.report", "core.public", "core.writes", "services", "services.paths",
    "services.usecases", "services.hooks", "services.config", "services.unsaved", "store",
    "formats.export", "formats.report_text", "cli.commands", "cli.retro", "cli.tasks",
)  # fmt: skip

PROBE = f"""
import json, sys
import warroom
for name in {CORE!r}:
    __import__("warroom." + name)
import warroom.cli.commands
code = warroom.cli.commands.main(["declare", "Probe"])
code += warroom.cli.commands.main(["list", "--json"])
code += warroom.cli.commands.main(["status", "1", "--json"])
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
