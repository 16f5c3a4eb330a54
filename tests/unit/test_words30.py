"""Issue 30's words and zones, as a person runs the CLI: real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from warroom.core.policy import default_policy
from warroom.store import Store


@pytest.fixture
def cli(tmp_path):
    db = tmp_path / "w.db"

    def run(*args: str, tz: str = "UTC", columns: int = 80):
        env = {
            **os.environ,
            "WARROOM_DB": str(db),
            "WARROOM_USER": "alice",
            "TZ": tz,
            "COLUMNS": str(columns),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
        }
        env.pop("NO_COLOR", None)
        return subprocess.run(
            [sys.executable, "-m", "warroom", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    run.db = db
    return run


def test_cli_timeline_says_written_later_in_the_zone_of_its_other_times(cli):
    iid = cli("declare", "Checkout down", "--reported-at", "30m ago").stdout.strip()
    assert cli("note", iid, "paged the DBA", "--at", "20m ago").returncode == 0
    lines = cli("timeline", iid, tz="Asia/Tokyo").stdout.splitlines()
    later = next(line for line in lines if "paged the DBA" in line)
    assert "JST" in later and "[written later: " in later
    assert "UTC" not in later, later
    store = Store.open(cli.db, default_policy(), "reader")
    try:
        assert any(e.text == "paged the DBA" and e.backfilled for e in store.timeline(int(iid)))
    finally:
        store.close()


def test_report_until_tomorrow_is_taken_and_a_note_at_tomorrow_refused(cli):
    iid = cli("declare", "Checkout down").stdout.strip()
    report = cli("report", "--until", "tomorrow")
    assert report.returncode == 0, report.stderr
    assert "until 20" in report.stdout.splitlines()[0]
    refused = cli("note", iid, "later", "--at", "tomorrow")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "cannot read time 'tomorrow'" in refused.stderr  # when it happened: not a guess
    store = Store.open(cli.db, default_policy(), "reader")
    try:
        assert not any(e.text == "later" for e in store.timeline(int(iid)))
    finally:
        store.close()


def test_impact_on_evidence_says_it_in_english(cli):
    iid = cli("declare", "Checkout down").stdout.strip()
    entry = cli("note", iid, "5xx at 12%", "-k", "evidence").stdout.strip()
    said = cli("impact", entry, "helped")
    assert said.returncode == 2
    assert f"entry {entry} is evidence, not a change" in said.stderr


def test_report_fits_80_columns_and_labels_its_weeks(cli):
    cli("declare", "Checkout down", "-p", "P1", "--reported-at", "40m ago")
    cli("declare", "Search slow", "-p", "P3", "-c", "perf")
    narrow = cli("report", columns=80)
    assert narrow.returncode == 0, narrow.stderr
    lines = narrow.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert "  P1 · 1 incident" in lines
    assert any(line.strip().startswith("to acknowledge  median") for line in lines)
    weeks = lines.index(next(line for line in lines if line.startswith("Incidents a week")))
    assert lines[weeks + 1].strip()[:2].isdigit() and "-" in lines[weeks + 1]  # '11-30'
    assert lines[weeks + 3].split()[-1] == "2"  # the week's count under its bar
    wide = cli("report", columns=250)
    assert any(line.startswith("By priority      count") for line in wide.stdout.splitlines())
