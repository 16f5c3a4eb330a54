"""A real outage replayed through the CLI from its public postmortem, every
milestone at its real time, one recorded wrong and corrected; the export's
durations and SLA results checked against values worked out by hand.

The incident: GitHub, 2018-10-21, "October 21 post-incident analysis"
(github.blog, 2018-10-30). Times from its timeline, in UTC:
  22:52  43 s of lost connectivity between US East hub and data center (impact starts)
  22:54  monitoring alerts fire (reported)
  23:02  responders find the database topologies in an unexpected state (acknowledge)
  23:09  status yellow (the first public update)
  23:13  status red, escalated (triage, P1)
  23:19  decision to pause webhooks and Pages builds
  10-22 00:41  restores from backup begin
  10-22 16:24  replicas in sync, failed back to the original topology (remediate)
  10-22 23:03  backlog processed, status green (impact ends; closed)
The retro is taken as held on 2018-10-30 at 17:00 UTC, the day the analysis
was published. Times are typed as a scribe in San Francisco would, in
America/Los_Angeles local time (PDT, UTC-7, in October), while the machine's
own date is in winter (PST): the offset must be that of the date typed."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest

from warroom.cli import commands as cli


def Z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def warroom(capsys, monkeypatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")

    def _run(*args: str) -> str:
        capsys.readouterr()
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    return _run


def test_github_2018_10_21_replayed(warroom, capsys, env_db):
    iid = warroom(
        "declare", "GitHub: degraded service after a network partition", "-p", "P1",
        "--reported-at", "2018-10-21T15:54", "--impact-started", "2018-10-21T15:52",
    ).strip()  # fmt: skip
    # Acknowledge recorded wrong (16:30 local, which would miss the 30 m budget)...
    warroom("ack", iid, "--at", "2018-10-21T16:30")
    warroom("publish", iid, "Status yellow: investigating", "--at", "2018-10-21T16:09")
    warroom("triage", iid, "--at", "2018-10-21T16:13")
    decision = warroom(
        "note", iid, "Pause webhooks and Pages builds", "-k", "decision",
        "--at", "2018-10-21T16:19",
    ).strip()  # fmt: skip
    warroom("note", iid, "Restores from backup begin", "--at", "2018-10-21T17:41")
    warroom("remediate", iid, "--at", "2018-10-22T09:24")
    warroom("milestone", iid, "impact-end", "--at", "2018-10-22T16:03")
    warroom("close", iid, "-r", "Backlog processed; status green", "--at", "2018-10-22T16:03")
    warroom("retro", "held", iid, "--at", "2018-10-30T10:00")

    # ... then corrected by its entry: the ack moves to 16:02 local.
    timeline = json.loads(warroom("timeline", iid, "--json"))
    ack_entry = next(e for e in timeline if e["data"].get("clock") == "acknowledge")
    assert ack_entry["occurred_at"].startswith("2018-10-21T23:30:00")
    warroom("correct", str(ack_entry["id"]), "--at", "2018-10-21T16:02")

    data = json.loads(warroom("export", iid, "-f", "json"))
    incident = data["incident"]
    assert incident["impact_started_at"].startswith("2018-10-21T22:52:00")
    assert incident["reported_at"].startswith("2018-10-21T22:54:00")
    assert incident["acknowledged_at"].startswith("2018-10-21T23:02:00")
    assert incident["triaged_at"].startswith("2018-10-21T23:13:00")
    assert incident["remediated_at"].startswith("2018-10-22T16:24:00")
    assert incident["impact_ended_at"].startswith("2018-10-22T23:03:00")
    assert incident["closed_at"].startswith("2018-10-22T23:03:00")
    assert incident["retro_at"].startswith("2018-10-30T17:00:00")
    assert incident["last_update_at"].startswith("2018-10-21T23:09:00")

    # Worked out by hand from the times above.
    minutes = {k["measure"]: (k["from"], k["minutes"]) for k in data["key_times"]}
    assert minutes == {
        "detect": ("impact started", 2),  # 22:52 -> 22:54
        "acknowledge": ("reported", 8),  # 22:54 -> 23:02
        "triage": ("reported", 19),  # 22:54 -> 23:13
        "mitigate": ("reported", 24 * 60 + 9),  # 22:54 -> 23:03 next day
        "remediate": ("reported", 17 * 60 + 30),  # 22:54 -> 16:24 next day
        "close": ("reported", 24 * 60 + 9),
        "impact": ("impact started", 24 * 60 + 11),  # GitHub's "24 hours and 11 minutes"
    }
    clocks = {c["clock"]: (c["state"], c["remaining_seconds"] // 60) for c in data["clocks"]}
    assert clocks == {
        "acknowledge": ("met", 22),  # deadline 23:24, met at 23:02
        "triage": ("met", 41),  # deadline 23:54, met at 23:13
        "remediate": ("met", 6 * 60 + 30),  # deadline 10-22 22:54, met at 16:24
        # deadline 10-23 10:54 (36 h), held 10-30 17:00: 7 d 6 h 6 m late
        "retro": ("missed", -(7 * 1440 + 6 * 60 + 6)),
    }
    assert data["next_update_due"] is None  # closed

    # One order everywhere: by when it happened, the wrong ack kept and marked.
    order = [e["occurred_at"] for e in data["timeline"]]
    assert order == sorted(order)
    wrong = next(e for e in data["timeline"] if e["id"] == ack_entry["id"])
    assert wrong["superseded_by"] is not None
    assert next(e for e in data["timeline"] if e["id"] == int(decision))["backfilled"]

    doc = warroom("export", iid)
    assert "| Time to acknowledge | reported | 8m |" in doc
    assert "| Impact duration | impact started | 1d 11m |" in doc
    assert "| Time to remediate | reported | 17h 30m |" in doc
    assert "| acknowledge | 30m | 2018-10-21 16:24:00 PDT | met | 22m before the deadline |" in doc
    assert "| retro | 1d 12h | 2018-10-23 03:54:00 PDT | missed | 7d 6h 6m late |" in doc
    assert "Local times are in America/Los_Angeles" in doc
    assert "+2709d" not in doc and "Closed | 2018-10-22 16:03:00 PDT" in doc

    text = warroom("timeline", iid)
    lines = text.splitlines()
    wrong_line = next(line for line in lines if line.lstrip().startswith(f"{ack_entry['id']} "))
    assert "[superseded by #" in wrong_line and "23:30" not in wrong_line
    assert "2018-10-21 16:30:00 PDT" in wrong_line
    assert any("[correction of #" in line and "16:02:00 PDT" in line for line in lines)

    # What the store holds agrees, read without warroom.
    with sqlite3.connect(env_db) as db:
        (ack,) = db.execute("SELECT acknowledged_at FROM incidents").fetchone()
    assert Z("2018-10-21T23:02") == datetime.fromisoformat(ack)
