"""Every record at its real time and correctable: milestones moved and
withdrawn, entries' times corrected, bounds, stored out-of-range times, the
v3 migration, the promised update time, and the retro from the CLI."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from warroom.cli import commands as cli
from warroom.core.errors import UsageError
from warroom.core.model import chronological
from warroom.core.sla import MET, MISSED, clock_states, next_update
from warroom.core.templates import render_template
from warroom.core.timefmt import fmt_time
from warroom.formats.export import render_export
from warroom.store import Store


@pytest.fixture
def incident(store, clock) -> int:
    return store.declare(
        "Checkout down", priority="P1", reported_at=clock() - timedelta(hours=2)
    ).id


def ack_clock(policy, store, iid, now):
    return next(
        c for c in clock_states(policy, store.get_incident(iid), now) if c.name == "acknowledge"
    )


def test_a_milestone_is_moved_and_the_clock_follows(store, clock, policy, incident):
    reported = store.get_incident(incident).reported_at
    store.record_milestone(incident, "acknowledge", reported + timedelta(minutes=45))
    assert ack_clock(policy, store, incident, clock()).state == MISSED
    with pytest.raises(UsageError, match="already recorded.*--move"):
        store.record_milestone(incident, "acknowledge", reported + timedelta(minutes=5))
    store.set_milestone(incident, "acknowledge", reported + timedelta(minutes=5))
    state = ack_clock(policy, store, incident, clock())
    assert (state.state, state.remaining) == (MET, timedelta(minutes=25))
    first, moved = [e for e in store.timeline(incident) if e.data.get("clock") == "acknowledge"]
    assert moved.supersedes == first.id and moved.event == "milestone.move"
    assert first.occurred_at == reported + timedelta(minutes=45)  # the original stays
    assert moved.occurred_at == reported + timedelta(minutes=5)


def test_a_milestone_is_withdrawn_and_recorded_again(store, clock, policy, incident):
    store.record_milestone(incident, "triage")
    store.set_milestone(incident, "triage", None)
    assert store.get_incident(incident).triaged_at is None
    withdrawn = store.timeline(incident)[-1]
    assert withdrawn.event == "milestone.withdraw" and withdrawn.supersedes is not None
    with pytest.raises(UsageError, match="not recorded"):
        store.set_milestone(incident, "triage", None)
    store.record_milestone(incident, "triage", clock() - timedelta(minutes=1))
    assert store.timeline(incident)[-1].supersedes is None  # nothing standing to supersede


def test_correcting_a_milestone_entry_moves_the_milestone(store, clock, incident):
    store.record_milestone(incident, "remediate", clock() - timedelta(minutes=10))
    entry = store.timeline(incident)[-1]
    with pytest.raises(UsageError, match="text is warroom's own"):
        store.correct(entry.id, "something else")
    store.correct(entry.id, at=clock() - timedelta(minutes=30))
    assert store.get_incident(incident).remediated_at == clock() - timedelta(minutes=30)


def test_correcting_a_note_s_time_keeps_its_text_and_refiles_it(store, clock, incident):
    note = store.add_entry(incident, "db failover", occurred_at=clock() - timedelta(minutes=5))
    later = store.add_entry(incident, "paged", occurred_at=clock() - timedelta(minutes=20))
    fixed = store.correct(note.id, at=clock() - timedelta(minutes=90))
    assert (fixed.text, fixed.supersedes) == ("db failover", note.id)
    order = [e.id for e in chronological(store.timeline(incident))]
    assert order.index(fixed.id) < order.index(later.id)
    both = store.correct(later.id, "paged the DBA", clock() - timedelta(minutes=21))
    assert both.text == "paged the DBA" and both.occurred_at == clock() - timedelta(minutes=21)
    with pytest.raises(UsageError, match="say what to correct"):
        store.correct(note.id)


def test_correcting_an_update_s_time_moves_the_update_clock(store, clock, policy, incident):
    update = store.publish_update(incident, "Investigating", at=clock() - timedelta(minutes=50))
    assert next_update(policy, store.get_incident(incident), clock()).due_at == clock() + timedelta(
        minutes=10
    )
    store.correct(update.id, at=clock() - timedelta(minutes=30))
    due = next_update(policy, store.get_incident(incident), clock())
    assert due.due_at == clock() + timedelta(minutes=30)


def test_close_and_retro_at_their_real_times(store, clock, policy, incident):
    closed_at = clock() - timedelta(minutes=30)
    store.close_incident(incident, "fixed", at=closed_at)
    i = store.get_incident(incident)
    assert i.closed_at == closed_at and i.remediated_at == closed_at
    store.record_milestone(incident, "retro", clock() - timedelta(minutes=5))
    doc = render_export(store.bundle(incident), policy, "md", False, clock())
    assert "| Closed | 2026-03-10 11:30:00 UTC | 2026-03-10 11:30:00 UTC | +1h 30m |" in doc
    # Moved once closed (never before the remediation); never withdrawn (reopening does that).
    with pytest.raises(UsageError, match="before remediate"):
        store.set_milestone(incident, "close", clock() - timedelta(minutes=40))
    store.set_milestone(incident, "close", clock() - timedelta(minutes=20))
    assert store.get_incident(incident).closed_at == clock() - timedelta(minutes=20)
    with pytest.raises(UsageError, match="reopen"):
        store.set_milestone(incident, "close", None)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda s, i, now: s.add_entry(i, "x", occurred_at=now + timedelta(minutes=6)), "future"),
        (
            lambda s, i, now: s.add_entry(i, "x", occurred_at=datetime(1969, 12, 31, tzinfo=UTC)),
            "before 1970",
        ),
        (lambda s, i, now: s.record_milestone(i, "triage", now + timedelta(hours=1)), "future"),
        (lambda s, i, now: s.record_milestone(i, "triage", now - timedelta(hours=3)), "before"),
        (lambda s, i, now: s.close_incident(i, "x", now + timedelta(days=1)), "future"),
        (lambda s, i, now: s.publish_update(i, "x", now - timedelta(days=1)), "before"),
        (lambda s, i, now: s.set_milestone(i, "impact-end", now - timedelta(hours=3)), "before"),
    ],
)
def test_out_of_range_times_are_refused_and_nothing_is_written(
    store, clock, incident, raw, call, words
):
    before = raw("SELECT count(*) AS n FROM timeline")[0]["n"]
    with pytest.raises(UsageError, match=words):
        call(store, incident, clock())
    assert raw("SELECT count(*) AS n FROM timeline")[0]["n"] == before


def test_impact_may_start_before_the_report(store, clock, incident):
    reported = store.get_incident(incident).reported_at
    store.record_milestone(incident, "impact-start", reported - timedelta(minutes=15))
    store.record_milestone(incident, "impact-end", reported + timedelta(minutes=30))
    with pytest.raises(UsageError, match="cannot start after it ended"):
        store.set_milestone(incident, "impact-start", reported + timedelta(minutes=31))


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York", "Pacific/Kiritimati", "UTC"])
def test_a_database_holding_out_of_range_times_still_reads(
    db_file, open_store, policy, clock, zone, monkeypatch, capsys
):
    """Times written straight into the file (an old version, a hand edit) that no
    zone can show: every view still works, showing them in UTC."""
    store = open_store()
    iid = store.declare("Poisoned", priority="P1", reported_at=clock() - timedelta(hours=1)).id
    store.add_entry(iid, "ok note")
    store.close()
    with sqlite3.connect(db_file) as db:
        db.execute(
            "INSERT INTO timeline (incident_id, kind, text, actor, occurred_at, recorded_at)"
            " VALUES (?, 'note', 'far future', 'x', '9999-12-31T23:59:59+00:00',"
            " '0001-01-01T00:00:00+00:00')",
            (iid,),
        )
        db.execute(
            "UPDATE incidents SET reported_at = '0001-01-01T00:00:00+00:00',"
            " acknowledged_at = '9999-12-31T23:59:59.999999+00:00' WHERE id = ?",
            (iid,),
        )
    monkeypatch.setenv("TZ", zone)
    monkeypatch.setenv("WARROOM_DB", str(db_file))
    for args in (["list", "--all"], ["timeline", str(iid)], ["status", str(iid)],
                 ["export", str(iid)], ["export", str(iid), "-f", "json"],
                 ["timeline", str(iid), "--json"]):  # fmt: skip
        capsys.readouterr()
        assert cli.main(args) == 0, capsys.readouterr().err
        out = capsys.readouterr().out
        assert out
    reread = Store.open(db_file, policy, "r", clock)
    assert "9999-12-31" in fmt_time(reread.timeline(iid)[-1].occurred_at)
    reread.close()


def test_migration_files_old_milestones_at_their_time(db_file, open_store, clock, raw):
    """Before schema 4 a milestone entry was filed at the time it was typed in."""
    store = open_store()
    iid = store.declare("Old", priority="P1", reported_at=clock() - timedelta(hours=1)).id
    store.record_milestone(iid, "acknowledge", clock() - timedelta(minutes=50))
    store.close()
    with sqlite3.connect(db_file) as db:
        db.execute(
            "UPDATE timeline SET occurred_at = recorded_at WHERE json_extract(data, '$.event')"
            " = 'milestone'"
        )
        db.execute("ALTER TABLE incidents DROP COLUMN impact_started_at")
        db.execute("ALTER TABLE incidents DROP COLUMN impact_ended_at")
        db.execute("ALTER TABLE incidents DROP COLUMN drill")  # schema 5, later still
        db.execute("DROP TABLE write_keys")  # schema 7
        db.execute("ALTER TABLE incidents DROP COLUMN public_title")  # schema 8
        db.execute("ALTER TABLE incidents DROP COLUMN root_cause_public")
        db.execute("DROP TABLE alerts")  # schema 9
        db.execute("DROP TABLE proposals")
        db.execute("DROP TABLE tasks")  # schema 10
        db.execute("PRAGMA user_version = 3")
    store = open_store()
    entry = next(e for e in store.timeline(iid) if e.event == "milestone")
    assert entry.occurred_at == clock() - timedelta(minutes=50)
    assert store.get_incident(iid).impact_started_at is None
    assert list(db_file.parent.glob("*.v3-*.bak"))


def test_the_template_promises_what_the_update_clock_says(store, clock, policy):
    iid = store.declare("Slow", priority="P1", reported_at=clock() - timedelta(minutes=40)).id
    incident = store.get_incident(iid)
    due = next_update(policy, incident, clock())
    for name in ("declared", "update"):
        text = render_template(name, policy, incident, clock())
        assert f"Next update by: {fmt_time(due.due_at)}" in text  # 20 minutes from now
    # Once the clock has run out, the promise is a cadence after the late update.
    late = clock() + timedelta(minutes=30)
    text = render_template("update", policy, incident, late)
    assert f"Next update by: {fmt_time(late + timedelta(hours=1))}" in text


def test_the_retro_written_and_read_from_the_cli(capsys, env_db):
    def run(*args: str) -> str:
        capsys.readouterr()
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    iid = run("declare", "Checkout 500s", "-p", "P2", "--reported-at", "3h ago").strip()
    run("retro", "why", iid, "1", "Why did checkout fail?", "A bad tax table")
    run("retro", "why", iid, "2", "Why was it bad?")
    run("retro", "root-cause", iid, "An unchecked data migration")
    first = run("retro", "action", "add", iid, "Add a CI fixture", "--owner", "bob",
                "--due", "2026-12-20").strip()  # fmt: skip
    second = run("retro", "action", "add", iid, "Order migrations").strip()
    run("retro", "action", "edit", second, "--ticket", "OPS-9", "--owner", "carol")
    run("retro", "action", "done", first)
    run("retro", "held", iid, "--at", "20m ago")
    data = json.loads(run("retro", "show", iid, "--json"))
    assert data["root_cause"] == "An unchecked data migration"
    assert [(w["position"], w["question"], w["answer"]) for w in data["whys"]] == [
        (1, "Why did checkout fail?", "A bad tax table"),
        (2, "Why was it bad?", ""),
    ]
    items = {a["id"]: a for a in data["action_items"]}
    assert items[int(first)]["status"] == "done" and items[int(first)]["due"] == "2026-12-20"
    edited = items[int(second)]
    assert (edited["title"], edited["owner"], edited["ticket"]) == (
        "Order migrations",
        "carol",
        "OPS-9",
    )
    assert data["retro_at"] is not None
    assert json.loads(run("retro", "action", "list", iid, "--json")) == data["action_items"]
    text = run("retro", "show", iid)
    assert "1. Why did checkout fail? -> A bad tax table" in text
    assert "[x] Add a CI fixture" in text
    capsys.readouterr()
    assert cli.main(["retro", "action", "add", iid, "x", "--due", "soon"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_reported_time_is_moved_and_every_clock_follows(store, clock, policy, incident):
    reported = store.get_incident(incident).reported_at
    store.record_milestone(incident, "acknowledge", reported + timedelta(minutes=40))
    assert ack_clock(policy, store, incident, clock()).state == MISSED
    with pytest.raises(UsageError, match="cannot come after acknowledge"):
        store.set_milestone(incident, "reported", reported + timedelta(minutes=41))
    store.set_milestone(incident, "reported", reported + timedelta(minutes=20))
    state = ack_clock(policy, store, incident, clock())
    assert (state.state, state.remaining) == (MET, timedelta(minutes=10))
    with pytest.raises(UsageError, match="never withdrawn"):
        store.set_milestone(incident, "reported", None)
