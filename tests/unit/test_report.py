"""The cross-incident report: figures computed by hand for a seeded set of
incidents spanning priorities, categories, a drill, a reopened incident and
a corrected milestone."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from warroom.cli.commands import main
from warroom.core.errors import UsageError
from warroom.core.model import changes
from warroom.core.policy import load_policy
from warroom.core.report import build_report, percentile
from warroom.formats.export import render_export
from warroom.formats.report_text import fmt_span, render_csv, render_json, render_text, sparkline

FIXED = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # when the report is made
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
M = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)


def at(clock, moment):
    clock.now = moment
    return moment


@pytest.fixture
def seeded(store, clock):
    """Five incidents; the clock is moved to each action's time so the store
    records it when it happened. The report is made at FIXED (2026-03-10 12:00)."""
    s = store
    # 1: P1 regression, every clock met but two updates, one late.
    at(clock, T0)
    i1 = s.declare("Checkout 500s", "regression", "P1", reported_at=T0).id
    for clock_name, after in (("acknowledge", 10 * M), ("triage", 40 * M), ("remediate", 5 * H)):
        s.record_milestone(i1, clock_name, at(clock, T0 + after))
    at(clock, T0 + 50 * M)
    s.publish_update(i1, "first update")  # due by T0+1h: on time
    at(clock, T0 + 2 * H)
    s.publish_update(i1, "second update")  # 70 min after the first: late
    at(clock, T0 + 6 * H)
    s.close_incident(i1, "rolled back")
    s.record_milestone(i1, "retro", at(clock, T0 + 30 * H))
    at(clock, T0 + 6 * H)
    s.add_action(i1, "Alert on 5xx", "alice", date(2026, 3, 5))
    done = s.add_action(i1, "Fix the runbook", "bob")
    s.set_action_done(done.id)

    # 2: P1 security, acknowledge and remediate missed; closed, reopened, closed.
    r2 = T0 + D
    at(clock, r2)
    i2 = s.declare("Leaked token", "security", "P1", reported_at=r2).id
    for clock_name, after in (("acknowledge", 45 * M), ("triage", 50 * M)):
        s.record_milestone(i2, clock_name, at(clock, r2 + after))
    s.record_milestone(i2, "remediate", at(clock, r2 + 30 * H))
    at(clock, r2 + 31 * H)
    s.close_incident(i2, "token rotated")
    at(clock, r2 + 32 * H)
    s.reopen_incident(i2, "still in use")
    at(clock, r2 + 34 * H)
    s.close_incident(i2, "token revoked everywhere")
    s.add_action(i2, "Rotate tokens monthly", "alice", date(2026, 3, 20))
    s.add_action(i2, "Decide on a vault")

    # 3: P2 performance, still open: remediate and retro overdue at FIXED.
    r3 = T0 + 2 * D
    at(clock, r3)
    i3 = s.declare("Slow search", "performance", "P2", reported_at=r3).id
    # Acknowledged at r3 + 1h, recorded as 3h (the time it was typed), then
    # corrected to its real time: the figures use the corrected one.
    s.record_milestone(i3, "acknowledge", at(clock, r3 + 3 * H))
    recorded = next(e for e in s.timeline(i3) if e.data.get("clock") == "acknowledge")
    s.correct(recorded.id, at=r3 + H)
    s.record_milestone(i3, "triage", r3 + 2 * H)

    # 4: a drill, counted apart.
    r4 = T0 + 3 * D
    at(clock, r4)
    i4 = s.declare("Game day", "regression", "P1", reported_at=r4, drill=True).id
    s.record_milestone(i4, "acknowledge", at(clock, r4 + 5 * M))
    at(clock, r4 + H)
    s.close_incident(i4, "drill over")
    s.add_action(i4, "Practise the failover", "carol")

    # 5: P3 regression the week after: triage overdue at FIXED.
    r5 = T0 + 7 * D
    at(clock, r5)
    i5 = s.declare("Typo in emails", "regression", "P3", reported_at=r5).id
    s.record_milestone(i5, "acknowledge", at(clock, r5 + 2 * H))
    at(clock, FIXED)
    return s


def group(groups, name):
    return next(g for g in groups if g.name == name)


def test_figures_by_hand(seeded, policy):
    report = build_report(policy, seeded.report_rows(), FIXED, local=UTC)
    real = report.real
    assert real.overall.incidents == 4
    assert report.drill_count == 1

    p1 = group(real.by_priority, "P1")
    assert p1.incidents == 2
    assert (p1.times["acknowledge"].median, p1.times["acknowledge"].p90) == (27.5 * M, 45 * M)
    assert (p1.times["triage"].median, p1.times["triage"].p90) == (45 * M, 50 * M)
    assert (p1.times["remediate"].median, p1.times["remediate"].p90) == (17.5 * H, 30 * H)
    # The reopened incident counts at its last close.
    assert (p1.times["close"].median, p1.times["close"].p90) == (20 * H, 34 * H)
    assert {c: (h.met, h.judged) for c, h in p1.hits.items()} == {
        "acknowledge": (1, 2),
        "triage": (2, 2),
        "remediate": (1, 2),
        "retro": (1, 2),  # incident 2's retro is overdue: it can no longer be met
    }
    # Owed: incident 1's two updates (one on time, one late), then 3h, 4h and
    # 5h of its silence before the 6h close; incident 2's 33 hours of silence.
    assert (p1.updates_on_time, p1.updates, p1.updates_published) == (1, 5 + 33, 2)

    p2 = group(real.by_priority, "P2")
    # Incident 3's acknowledgement, corrected from 3h to 1h: met, and 1h.
    assert (p2.times["acknowledge"].count, p2.times["acknowledge"].median) == (1, H)
    assert (p2.times["triage"].median, p2.times["triage"].p90) == (2 * H, 2 * H)
    assert p2.times["remediate"].count == 0 and p2.times["remediate"].median is None
    assert {c: (h.met, h.judged) for c, h in p2.hits.items()} == {
        "acknowledge": (1, 1),
        "triage": (1, 1),
        "remediate": (0, 1),
        "retro": (0, 1),
    }
    p3 = group(real.by_priority, "P3")
    assert {c: (h.met, h.judged) for c, h in p3.hits.items()} == {
        "acknowledge": (1, 1),
        "triage": (0, 1),
        "remediate": (0, 0),  # still running in time: not judged yet
        "retro": (0, 0),
    }
    assert [g.name for g in real.by_priority] == ["P1", "P2", "P3"]

    overall = real.overall.times["acknowledge"]
    # 10m, 45m, 1h (corrected; 3h as first recorded) and 2h.
    assert (overall.count, overall.median, overall.p90) == (4, 52.5 * M, 2 * H)

    regression = group(real.by_category, "regression or bug")
    assert regression.incidents == 2  # the drill is not among them

    owners = {a.owner: (a.open, a.overdue, a.done) for a in real.actions}
    assert owners == {"alice": (2, 1, 0), "bob": (0, 0, 1), "": (1, 0, 0)}
    assert real.weekly == ((date(2026, 3, 2), 3), (date(2026, 3, 9), 1))

    drills = report.drills
    assert drills.overall.incidents == 1
    assert drills.overall.times["acknowledge"].median == 5 * M
    assert {a.owner: a.open for a in drills.actions} == {"carol": 1}


def test_window_counts_by_reported_time(seeded, policy):
    since = T0 + D  # incident 1 is left out, incident 2 is in
    until = T0 + 7 * D  # incident 5 is left out
    report = build_report(policy, seeded.report_rows(), FIXED, since, until, local=UTC)
    assert report.real.overall.incidents == 2
    assert [g.name for g in report.real.by_priority] == ["P1", "P2"]


def test_drill_turned_real_counts(seeded, policy):
    drill = next(i for i in seeded.list_incidents(include_closed=True) if i.drill)
    seeded.make_real(drill.id, "it was not a drill")
    report = build_report(policy, seeded.report_rows(), FIXED, local=UTC)
    assert report.real.overall.incidents == 5
    assert report.drill_count == 0
    entry = seeded.timeline(drill.id)[-1]
    assert entry.event == "incident.real" and "it was not a drill" in entry.text


def test_superseded_update_is_not_counted(seeded, policy):
    first = next(
        e for i in (1,) for e in seeded.timeline(i) if e.kind == "update" and "first" in e.text
    )
    seeded.correct(first.id, "first update, corrected")
    report = build_report(policy, seeded.report_rows(), FIXED, local=UTC)
    # The correction supersedes the original: still two updates, not three.
    assert group(report.real.by_priority, "P1").updates_published == 2


def test_renderers(seeded, policy):
    report = build_report(policy, seeded.report_rows(), FIXED, local=UTC)
    text = render_text(report, "UTC")
    assert "4 real, 1 drill" in text
    assert "DRILLS (not counted above)" in text
    assert "27m" in text and "1/2 50%" in text
    data = json.loads(render_json(report))
    assert data["schema_version"] == 1
    p1 = data["real"]["by_priority"][0]
    assert p1["times"]["acknowledge"] == {"count": 2, "median_seconds": 1650, "p90_seconds": 2700}
    assert data["drills"]["overall"]["incidents"] == 1
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    p1_row = next(r for r in rows if r["scope"] == "real" and r["group"] == "P1")
    assert p1_row["remediate_median_s"] == str(int(17.5 * 3600))
    assert p1_row["retro_met"] == "1" and p1_row["retro_judged"] == "2"


def test_helpers():
    assert percentile([], 0.9) is None
    assert percentile([M * n for n in range(1, 11)], 0.9) == 9 * M
    assert fmt_span(23 * H + 33 * M) == "23h 33m"
    assert fmt_span(2 * D + 4 * H + 10 * M) == "2d 4h 10m"  # as the exports say it
    assert fmt_span(None) == "—"
    assert sparkline([0, 1, 2, 4]) == "▁▃▅█"


def test_cli_report(env_db, capsys):
    assert main(["declare", "Real one", "--priority", "P1"]) == 0
    assert main(["declare", "Practice", "--priority", "P2", "--drill"]) == 0
    capsys.readouterr()
    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "DRILL Practice" in listing and "DRILL Real" not in listing
    assert main(["report", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["real"]["overall"]["incidents"] == 1
    assert data["drills"]["overall"]["incidents"] == 1
    assert main(["report", "--since", "2020-01-01", "--csv"]) == 0
    assert capsys.readouterr().out.startswith("scope,group_by,group,incidents")
    assert main(["report", "--since", "2026-12-01", "--until", "2026-11-01"]) == 2
    assert "--until must be later" in capsys.readouterr().err
    assert main(["real", "1"]) == 2
    assert "not a drill" in capsys.readouterr().err
    assert main(["real", "2", "--reason", "customers saw it"]) == 0


def test_change_owner_and_impact(store, open_store, policy):
    incident = store.declare("Disk full", "performance", "P2").id
    unowned = store.add_entry(incident, "cleared /tmp", kind="change")
    assert unowned.data["by_change_owner"] is None  # nobody held the role yet
    store.assign(incident, "change", "alice")  # the store's identity is alice
    owned = store.add_entry(incident, "raised the volume to 200G", kind="change")
    assert owned.data == {"applied_by": "alice", "change_owner": "alice", "by_change_owner": True}
    bob = open_store(identity="bob")
    other = bob.add_entry(incident, "restarted the DB", kind="change")
    assert other.data["by_change_owner"] is False and other.data["change_owner"] == "alice"

    bob.set_change_impact(owned.id, "helped", "writes resumed")
    bob.set_change_impact(other.id, "worse")
    bob.set_change_impact(other.id, "no")  # a later word replaces the first
    with pytest.raises(UsageError, match="not a change"):
        store.set_change_impact(store.add_entry(incident, "just a note").id, "helped")
    with pytest.raises(UsageError, match="unknown impact"):
        store.set_change_impact(owned.id, "great")
    # A correction keeps who applied it, and the impact given to the original.
    fixed = store.correct(other.id, "restarted the DB primary")
    assert fixed.data["applied_by"] == "bob"

    records = {c.entry.id: c for c in changes(store.timeline(incident))}
    assert set(records) == {unowned.id, owned.id, fixed.id}
    assert (records[owned.id].impact, records[owned.id].impact_note) == ("helped", "writes resumed")
    assert records[fixed.id].impact == "no effect" and records[fixed.id].by_change_owner is False
    assert records[unowned.id].impact == ""

    bundle = store.bundle(incident)
    md = render_export(bundle, policy, "md", public=False, now=FIXED)
    assert "## Changes applied" in md
    assert "bob _(not the change owner)_" in md and "helped: writes resumed" in md
    assert "Changes applied" not in render_export(bundle, policy, "md", public=True, now=FIXED)
    data = json.loads(render_export(bundle, policy, "json", public=False, now=FIXED))
    assert [c["impact"] for c in data["changes"]] == [None, "helped", "no effect"]
    public = render_export(bundle, policy, "json", public=True, now=FIXED)
    assert "changes" not in json.loads(public) and "writes resumed" not in public


def test_change_role_policy(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('change_role = "Scribe"\n')
    assert load_policy(path).change_role == "Scribe"
    path.write_text('change_role = "Janitor"\n')
    with pytest.raises(UsageError, match="change_role 'Janitor' must be one of single_roles"):
        load_policy(path)
    path.write_text('change_role = ""\n')
    assert load_policy(path).change_role is None


def test_cli_impact(env_db, capsys):
    assert main(["declare", "Disk full"]) == 0
    assert main(["note", "1", "cleared /tmp", "--kind", "change"]) == 0
    capsys.readouterr()
    assert main(["impact", "2", "helped", "--note", "space back"]) == 0
    assert main(["impact", "2", "sideways"]) == 2
    assert "unknown impact" in capsys.readouterr().err
    assert main(["impact", "1", "helped"]) == 2


def test_silence_counts_as_missed_updates(store, clock, policy):
    """An update owed that never went out is a miss: an incident nobody was told
    about is 0%, not "—", and an overdue update pulls the rate down before it is sent."""
    start = at(clock, T0)
    store.declare("Nobody told", "regression", "P1", reported_at=start)
    told = store.declare("Told once", "performance", "P1", reported_at=start).id
    at(clock, start + 40 * M)
    store.publish_update(told, "we are on it")
    now = start + 40 * M + H + 19 * M  # the next update is 19m overdue
    at(clock, now)

    report = build_report(policy, store.report_rows(), now, local=UTC)
    nobody = group(report.real.by_category, "regression or bug")
    assert (nobody.updates_on_time, nobody.updates, nobody.updates_published) == (0, 1, 0)
    once = group(report.real.by_category, "performance degradation")
    # One on time, the one due at 1h 40m overdue and not sent.
    assert (once.updates_on_time, once.updates, once.updates_published) == (1, 2, 1)
    assert report.real.overall.update_rate == 1 / 3
    assert "1/3 33%" in render_text(report, "UTC")
    overall = json.loads(render_json(report))["real"]["overall"]["updates"]
    assert overall == {"on_cadence": 1, "owed": 3, "published": 1}
    # Each further cadence of silence is one more update owed.
    report = build_report(policy, store.report_rows(), now + H, local=UTC)
    assert (report.real.overall.updates_on_time, report.real.overall.updates) == (1, 5)

    # Closed within the cadence after its update: nothing more was owed.
    store.close_incident(told, "fixed", at=start + 90 * M)
    report = build_report(policy, store.report_rows(), now, local=UTC)
    once = group(report.real.by_category, "performance degradation")
    assert (once.updates_on_time, once.updates) == (1, 1)


def test_json_report_hides_nothing_from_a_terminal(store, policy):
    """Names in the JSON report (an action item's owner here) are data others
    typed: characters a terminal acts on come out as \\u escapes, and the
    JSON still reads back exactly."""
    owner = "mal\u202eory\u200b"  # a bidi override and a zero-width space
    incident = store.declare("Disk full", "performance", "P2").id
    store.add_action(incident, "Add an alert", owner)
    text = render_json(build_report(policy, store.report_rows(), FIXED, local=UTC))
    assert "\u202e" not in text and "\u200b" not in text
    assert "mal\\u202eory\\u200b" in text
    owners = [a["owner"] for a in json.loads(text)["real"]["action_items"]]
    assert owners == [owner]


def _cadence_by_the_rule(policy, row, now):
    """updates_on_cadence's rule, step by step through _passed() and add()
    (no arithmetic written out): what the report's fast path must agree with."""
    from warroom.core.report import _passed
    from warroom.core.timefmt import add

    incident = row.incident
    if not policy.knows(incident.priority):
        return (0, 0, 0)
    cadence = policy.cadence(incident.priority)
    end = incident.closed_at if incident.closed_at is not None else now
    since = incident.reported_at
    on_time = owed = 0
    for at in sorted(row.updates):
        owed += max(1, _passed(since, cadence, at))
        if at <= add(since, cadence):
            on_time += 1
        since = at
    owed += _passed(since, cadence, end)
    return (on_time, owed, len(row.updates))


def test_cadence_counts_follow_the_rule_everywhere(policy):
    """Updates on time, late by one cadence or many, at the same moment,
    before the report, out of order, and incidents reported at the ends of
    datetime's range: the counts are the rule's, each priority (and one the
    policy does not know), open and closed."""
    import random

    from warroom.core.model import CLOSED, OPEN, Incident
    from warroom.core.report import ReportRow, updates_on_cadence

    rng = random.Random(7)
    starts = (
        T0,
        datetime.min.replace(tzinfo=UTC),
        datetime.min.replace(tzinfo=UTC) + 3 * D,
        datetime.max.replace(tzinfo=UTC) - 3 * D,
        datetime.max.replace(tzinfo=UTC) - 90 * M,
        datetime.max.replace(tzinfo=UTC),
    )

    def moved(at, delta):
        try:
            return at + delta
        except OverflowError:
            return at

    cases = 0
    for priority in ("P1", "P2", "P3", "untriaged", "P9"):
        for reported in starts:
            for _ in range(12):
                updates = [
                    moved(reported, rng.choice((-1, 1)) * rng.randint(0, 600) * M)
                    for _ in range(rng.randint(0, 5))
                ]
                closed = rng.random() < 0.5
                incident = Incident(
                    1, "t", "regression", priority, "Detect", CLOSED if closed else OPEN,
                    reported, reported, "ann",
                    closed_at=moved(reported, rng.randint(0, 900) * M) if closed else None,
                )  # fmt: skip
                row = ReportRow(incident, tuple(rng.sample(updates, len(updates))), ())
                now = moved(reported, rng.randint(0, 2000) * M)
                assert tuple(updates_on_cadence(policy, row, now)) == _cadence_by_the_rule(
                    policy, row, now
                )
                cases += 1
    assert cases == 5 * 6 * 12
