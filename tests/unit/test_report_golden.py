"""The cross-incident report, whole, on a varied seeded history: its JSON,
text (wide and narrow, two zones), CSV and a since/until window must come
out byte for byte as the golden files say, on both engines. It holds the
report's output still while the way it is read and computed changes.

Regenerate with WARROOM_UPDATE_GOLDEN=1, then read the diff."""

from __future__ import annotations

import os
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from warroom.core.model import TASK_DONE, TASK_SKIPPED, TASK_STARTED
from warroom.core.report import build_report, week_incidents
from warroom.formats.report_text import render_csv, render_json, render_text

pytestmark = pytest.mark.both_engines

GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = bool(os.environ.get("WARROOM_UPDATE_GOLDEN"))
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
NOW = datetime(2026, 2, 20, 17, 30, tzinfo=UTC)  # when the report is made
M = timedelta(minutes=1)
PEOPLE = ("alice", "bob", "carol", "Dave", "")


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with WARROOM_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture
def history(store, clock, policy):
    """Forty incidents over six weeks: every priority (untriaged too), every
    category, drills, some left open, one reopened; milestones on time,
    late, corrected or never recorded; updates on cadence, late, corrected
    or never sent; action items with and without owners and due dates;
    runbook tasks done on time, late, skipped, started, and no longer applying."""
    rng = random.Random(2026)
    priorities = (*policy.priorities, "untriaged")
    for n in range(40):
        reported = T0 + n * 26 * 60 * M + rng.randint(0, 300) * M
        clock.now = reported
        incident = store.declare(
            f"Incident {n}",
            rng.choice(policy.categories),
            rng.choice(priorities),
            reported_at=reported,
            drill=n % 9 == 4,
        )
        iid = incident.id
        after = reported
        for name in ("acknowledge", "triage", "remediate"):
            if rng.random() < 0.15:
                break  # never recorded
            after += rng.randint(1, 400) * M
            clock.now = after
            store.record_milestone(iid, name, after)
        if n % 7 == 3:  # a milestone typed late, then corrected to its real time
            entry = next(e for e in store.timeline(iid) if e.data.get("clock") == "acknowledge")
            store.correct(entry.id, at=reported + rng.randint(1, 30) * M)
        sent = reported
        for u in range(rng.randint(0, 4)):
            sent += rng.randint(5, 200) * M
            clock.now = sent
            store.publish_update(iid, f"Update {u}")
            if rng.random() < 0.2:  # an update corrected: the correction counts once
                last = [e for e in store.timeline(iid) if e.kind == "update"][-1]
                store.correct(last.id, text=f"Update {u}, corrected")
        clock.now = sent + 5 * M
        for _ in range(rng.randint(0, 3)):
            due = rng.choice((None, date(2026, 1, 20), date(2026, 3, 1)))
            item = store.add_action(iid, "Follow up", rng.choice(PEOPLE), due)
            if rng.random() < 0.4:
                store.set_action_done(item.id)
        for task in store.tasks(iid):
            roll = rng.random()
            clock.now = reported + rng.randint(1, 120) * M
            if roll < 0.4:
                store.set_task_status(task.id, TASK_DONE)
            elif roll < 0.5:
                store.set_task_status(task.id, TASK_SKIPPED, "not needed")
            elif roll < 0.6:
                store.set_task_status(task.id, TASK_STARTED)
        if n % 8 == 5:  # some runbook tasks stop applying
            clock.now = sent + 10 * M
            others = [c for c in policy.categories if c != incident.category]
            store.set_category(iid, rng.choice(others))
        if n % 5 != 2:  # the rest stay open
            clock.now = max(sent, after) + rng.randint(10, 600) * M
            store.close_incident(iid, "fixed")
            if n % 11 == 6:
                clock.now += 30 * M
                store.reopen_incident(iid, "came back")
                clock.now += 60 * M
                store.close_incident(iid, "fixed again")
            if rng.random() < 0.5:
                clock.now += rng.randint(60, 4000) * M
                store.record_milestone(iid, "retro", clock.now)
    clock.now = NOW
    return store


def test_the_whole_report_is_unchanged(history, policy):
    rows = history.report_rows()
    utc = build_report(policy, rows, NOW, local=UTC, intake=history.intake_counts())
    check_golden("report-utc.json", render_json(utc))
    check_golden("report-utc.txt", render_text(utc, "UTC", 1000))
    check_golden("report-utc-80.txt", render_text(utc, "UTC", 80))
    check_golden("report-utc.csv", render_csv(utc))
    tokyo = ZoneInfo("Asia/Tokyo")
    local = build_report(policy, rows, NOW, local=tokyo)
    check_golden("report-tokyo.json", render_json(local))
    window = build_report(
        policy, rows, NOW, since=T0 + timedelta(days=10), until=T0 + timedelta(days=30), local=UTC
    )
    check_golden("report-window.json", render_json(window))
    behind = []
    for monday, _ in utc.real.weekly:
        for figure in week_incidents(policy, rows, monday, NOW, local=UTC):
            behind.append(f"{monday} #{figure.incident.id} {' '.join(figure.missed)}")
    check_golden("report-behind.txt", "\n".join(behind) + "\n")
