"""Runbooks as policy data, and the tasks they attach to an incident: on
declare, on every change of priority or category, each change of a task on
the timeline in the same transaction."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from warroom.core.errors import UsageError
from warroom.core.model import NO_LONGER_APPLIES, TASK_DONE, TASK_OPEN, TASK_SKIPPED, TASK_STARTED
from warroom.core.policy import load_policy
from warroom.core.runbooks import task_state, tasks_in_order
from warroom.core.sla import DUE_SOON, OVERDUE

pytestmark = pytest.mark.both_engines

M = timedelta(minutes=1)


def keys(tasks) -> set[tuple[str, str]]:
    return {(t.runbook, t.key) for t in tasks}


def by_key(tasks, runbook: str, key: str):
    return next(t for t in tasks if (t.runbook, t.key) == (runbook, key))


# ---------------------------------------------------------------- the policy
def test_the_default_policy_ships_the_seed_runbooks(policy):
    titles = {t.title for r in policy.runbooks for t in r.tasks}
    assert {
        "Name a lead",
        "Open the private channel",
        "First update within the cadence",
        "Preserve evidence before changing anything",
        "Decide who must be told (legal, customers)",
        "Identify the deploy and decide on a rollback",
        "Capture the saturation evidence",
    } <= titles
    security = policy.runbook("security")
    assert security.categories == ("security breach",)
    assert security.tasks[1].after == "evidence"
    every = [r.id for r in policy.runbooks_for("P2", "security breach")]
    assert every == ["basics", "updates-P2", "security"]
    # Untriaged is handled as P1: the P1 cadence's runbook applies.
    assert "updates-P1" in [r.id for r in policy.runbooks_for("untriaged", "security breach")]


def write_policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, "utf-8")
    return path


GOOD_TASK = 'id = "t1"\ntitle = "Do it"\nrole = "Lead"\ndue = "15m"\n'


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('[[runbook]]\nid = "x"\n', ["runbook 'x'", "no tasks"]),
        (
            '[[runbook]]\nid = "x"\nwhen = { priorities = ["P9"] }\n[[runbook.task]]\n' + GOOD_TASK,
            ["when.priorities", "'P9'"],
        ),
        (
            '[[runbook]]\nid = "x"\n[[runbook.task]]\nid = "t1"\ntitle = "a"\nrole = "Chef"\n'
            'due = "15m"\n',
            ["task 't1'", "role 'Chef'"],
        ),
        (
            '[[runbook]]\nid = "x"\n[[runbook.task]]\nid = "t1"\ntitle = "a"\nrole = "Lead"\n',
            ["task 't1'", "due is missing"],
        ),
        (
            '[[runbook]]\nid = "x"\n[[runbook.task]]\n' + GOOD_TASK + 'after = "nope"\n',
            ["after 'nope'"],
        ),
        (
            '[[runbook]]\nid = "x"\n[[runbook.task]]\n' + GOOD_TASK + 'until = "Recover"\n',
            ["until is for a repeating task"],
        ),
        (
            '[[runbook]]\nid = "x"\n[[runbook.task]]\n' + GOOD_TASK + 'every = "1s"\n',
            ["shorter than 30 seconds"],
        ),
        ('[[runbook]]\nid = "x"\ncolour = 1\n[[runbook.task]]\n' + GOOD_TASK, ["'colour'"]),
        (
            '[[runbook]]\nid = "x"\n[[runbook.task]]\nid = "t1"\ntitle = "a\\u001b[2J"\n'
            'role = "Lead"\ndue = "1h"\n',
            ["title has control"],
        ),
    ],
)
def test_a_bad_runbook_is_one_line_naming_the_file_and_the_problem(tmp_path, body, words):
    path = write_policy(tmp_path, body)
    with pytest.raises(UsageError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert message.startswith(f"policy file {path}: ")
    assert "\n" not in message
    for word in words:
        assert word in message


def test_a_policy_file_replaces_the_runbooks_whole(tmp_path):
    path = write_policy(
        tmp_path,
        '[[runbook]]\nid = "ours"\nwhen = { categories = ["security breach"] }\n'
        '[[runbook.task]]\nid = "call"\ntitle = "Call legal"\nrole = "Lead"\ndue = "1h"\n'
        'command = "page legal --now"\n',
    )
    policy = load_policy(path)
    assert [r.id for r in policy.runbooks] == ["ours"]
    assert policy.runbooks[0].tasks[0].command == "page legal --now"


# -------------------------------------------------------------- attaching
def test_declare_attaches_the_matching_runbooks_in_its_own_transaction(store):
    incident = store.declare("Keys leaked", "security breach", "P2")
    tasks = store.tasks(incident.id)
    assert keys(tasks) == {
        ("basics", "lead"), ("basics", "channel"), ("updates-P2", "first-update"),
        ("security", "evidence"), ("security", "tell"),
    }  # fmt: skip
    evidence = by_key(tasks, "security", "evidence")
    assert evidence.due_at == incident.reported_at + 30 * M
    assert evidence.role == "Lead" and evidence.owner == "" and evidence.status == TASK_OPEN
    entries = store.timeline(incident.id)
    assert [e.event for e in entries] == ["incident.declare"]  # it says what it attached
    assert entries[0].data["runbooks"]["Security breach"] == [
        "Preserve evidence before changing anything",
        "Decide who must be told (legal, customers)",
    ]
    # The tasks came in the declare's transaction: one change of the database.
    assert store.revision() == 1


def test_the_owner_follows_the_role_until_someone_takes_the_task(store):
    incident = store.declare("Keys leaked", "security breach", "P1")
    evidence = by_key(store.tasks(incident.id), "security", "evidence")
    store.assign(incident.id, "Lead", "bob")
    assert store.task(evidence.id).owner == "bob"
    store.assign(incident.id, "Lead", "carol")  # a hand-off: the task follows
    assert store.task(evidence.id).owner == "carol"
    store.assign_task(evidence.id, "dave")  # dave took it: it stays his
    store.assign(incident.id, "Lead", "erin")
    assert store.task(evidence.id).owner == "dave"
    store.assign_task(evidence.id, "")  # back to the role
    assert store.task(evidence.id).owner == "erin"


def test_a_change_of_category_adds_new_tasks_and_skips_only_untouched_ones(store):
    incident = store.declare("Slow checkout", "security breach", "P1")
    tasks = store.tasks(incident.id)
    evidence = by_key(tasks, "security", "evidence")
    tell = by_key(tasks, "security", "tell")
    store.set_task_status(evidence.id, TASK_STARTED)  # touched: never taken away
    before = store.revision()
    store.set_category(incident.id, "performance degradation")
    assert store.revision() == before + 1  # one transaction with its timeline entries
    tasks = store.tasks(incident.id)
    assert ("performance", "saturation") in keys(tasks)
    assert store.task(evidence.id).status == TASK_STARTED
    skipped = store.task(tell.id)
    assert (skipped.status, skipped.note) == (TASK_SKIPPED, NO_LONGER_APPLIES)
    assert skipped.changed_by == "alice"
    change = store.timeline(incident.id)[-1]  # the change's entry says what it did
    assert change.event == "category.change"
    added = {"Performance degradation": ["Capture the saturation evidence"]}
    assert change.data["runbooks"] == added
    assert {"task": tell.id, "title": tell.title} in change.data["tasks_skipped"]
    # Back to a security breach: the skipped one applies again; nothing is added twice.
    store.set_category(incident.id, "security breach")
    tasks = store.tasks(incident.id)
    assert store.task(tell.id).status == TASK_OPEN
    assert len([t for t in tasks if (t.runbook, t.key) == ("security", "tell")]) == 1


def test_a_change_of_priority_swaps_the_update_cadence(store):
    incident = store.declare("Outage", "regression or bug", "P1")
    store.set_priority(incident.id, "P3")
    tasks = store.tasks(incident.id)
    assert by_key(tasks, "updates-P1", "first-update").status == TASK_SKIPPED
    assert by_key(tasks, "updates-P3", "first-update").due_at == incident.reported_at + 24 * 60 * M


def test_every_task_change_is_on_the_timeline_with_who_and_a_note(store, open_store):
    incident = store.declare("Outage", "regression or bug", "P1")
    task = by_key(store.tasks(incident.id), "regression", "rollback")
    bob = open_store(identity="bob")
    bob.set_task_status(task.id, TASK_STARTED)
    bob.set_task_status(task.id, TASK_DONE, "rolled back 4f2a")
    done = store.task(task.id)
    assert (done.status, done.changed_by, done.note) == (TASK_DONE, "bob", "rolled back 4f2a")
    entries = store.timeline(incident.id)
    last = entries[-1]
    assert last.event == "task.done" and last.actor == "bob" and last.data["task"] == task.id
    assert "rolled back 4f2a" in last.text
    with pytest.raises(UsageError, match="why"):
        store.set_task_status(task.id, TASK_SKIPPED)


def test_a_repeating_task_comes_back_until_its_stage(store, clock):
    incident = store.declare("Outage", "regression or bug", "P1")
    first = by_key(store.tasks(incident.id), "updates-P1", "first-update")
    store.set_task_status(first.id, TASK_DONE)
    rounds = [t for t in store.tasks(incident.id) if t.key == "first-update"]
    assert [(t.occurrence, t.status) for t in rounds] == [(1, TASK_DONE), (2, TASK_OPEN)]
    assert rounds[1].due_at == first.due_at + 60 * M
    store.set_task_status(rounds[1].id, TASK_DONE)
    third = [t for t in store.tasks(incident.id) if t.key == "first-update"][2]
    store.set_stage(incident.id, "Recover")  # the open round stops there
    stopped = store.task(third.id)
    assert (stopped.status, stopped.note) == (TASK_SKIPPED, "until Recover")
    assert store.timeline(incident.id)[-1].data["tasks_stopped"][0]["task"] == third.id
    assert len([t for t in store.tasks(incident.id) if t.key == "first-update"]) == 3
    # Done once the stage is reached: no next round.
    later = store.declare("Another", "regression or bug", "P1")
    store.set_stage(later.id, "Recover")
    store.set_task_status(by_key(store.tasks(later.id), "updates-P1", "first-update").id, TASK_DONE)
    assert len([t for t in store.tasks(later.id) if t.key == "first-update"]) == 1


def test_a_task_added_by_hand(store, clock):
    incident = store.declare("Outage", "regression or bug", "P1")
    task = store.add_task(incident.id, "Page the DBA", assignee="bob", due_at=clock() + 20 * M)
    assert (task.runbook, task.owner, task.created_by) == ("", "bob", "alice")
    assert store.timeline(incident.id)[-1].text == "Task added: Page the DBA (bob)"
    with pytest.raises(UsageError):
        store.add_task(incident.id, "   ")


def test_due_soon_overdue_and_the_acting_persons_tasks_first(store, policy, clock):
    incident = store.declare("Outage", "security breach", "P1")
    store.assign(incident.id, "Lead", "alice")
    tasks = store.tasks(incident.id)
    evidence = by_key(tasks, "security", "evidence")  # due 30m after the report
    assert task_state(policy, evidence, clock()) == "ok"
    assert task_state(policy, evidence, clock() + 25 * M) == DUE_SOON
    assert task_state(policy, evidence, clock() + 31 * M) == OVERDUE
    ordered = tasks_in_order(tasks, "alice")
    assert [t.owner for t in ordered[:2]] == ["alice", "alice"]
    assert ordered[0].id == evidence.id  # the soonest due of her own


# ------------------------------------------------------------- the record
def test_exports_list_tasks_with_owner_due_and_when_done(store, clock):
    from warroom.formats.export import render_export

    incident = store.declare("Keys leaked", "security breach", "P2")
    store.assign(incident.id, "Lead", "bob")
    evidence = by_key(store.tasks(incident.id), "security", "evidence")
    clock.advance(minutes=10)
    store.set_task_status(evidence.id, TASK_DONE, "disks imaged")
    lead = by_key(store.tasks(incident.id), "basics", "lead")
    store.set_task_status(lead.id, TASK_SKIPPED, "bob | leads")
    import json

    data = json.loads(render_export(store.bundle(incident.id), store.policy, "json", False,
                                    clock()))  # fmt: skip
    rows = {t["task"]: t for t in data["tasks"]}
    assert rows["evidence"]["owner"] == "bob"
    assert rows["evidence"]["done_at"] == "2026-03-10T12:10:00.000000+00:00"
    assert rows["evidence"]["due_at"] == "2026-03-10T12:30:00.000000+00:00"
    assert rows["evidence"]["on_time"] is True
    assert rows["lead"]["skipped_at"] and rows["lead"]["note"] == "bob | leads"
    md = render_export(store.bundle(incident.id), store.policy, "md", False, clock())
    section = md.split("## Tasks", 1)[1].split("\n## ", 1)[0]
    assert "| Preserve evidence before changing anything | security | bob |" in section
    assert "done 2026-03-10 12:10:00 UTC by alice (on time)" in section
    assert "bob \\| leads" in section  # a pipe in a note stays inside its cell
    public = render_export(store.bundle(incident.id), store.policy, "md", True, clock())
    assert "Tasks" not in public and "disks imaged" not in public


def test_the_report_counts_runbook_adherence(store, clock):
    from warroom.core.report import build_report

    first = store.declare("Keys leaked", "security breach", "P2")
    second = store.declare("Keys leaked again", "security breach", "P2")
    for incident, minutes in ((first, 10), (second, 45)):
        evidence = by_key(store.tasks(incident.id), "security", "evidence")
        clock.now = incident.reported_at + minutes * M
        store.set_task_status(evidence.id, TASK_DONE)
    store.set_category(second.id, "regression or bug")  # "tell" no longer applies there
    report = build_report(store.policy, store.report_rows(), clock())
    security = next(r for r in report.real.runbooks if r.runbook == "security")
    assert (security.on_time, security.late, security.skipped, security.open) == (1, 1, 0, 1)
    assert security.rate == pytest.approx(1 / 3)


def test_an_older_schema_gets_the_tasks_table(db_file, engine, policy, clock):
    """SQLite 8 -> 10, PostgreSQL 4 -> 6 (9 and 5 are the alerts' schema)."""
    from warroom.store import Store

    store = Store.open(db_file, policy, "alice", clock)
    incident = store.declare("Old one", "regression or bug", "P1")
    store.close()
    if engine == "sqlite":
        import sqlite3

        conn = sqlite3.connect(db_file)
        conn.execute("DROP TABLE tasks")
        conn.execute("DROP TABLE alerts")  # schema 9, made again on the way up
        conn.execute("DROP TABLE proposals")
        conn.execute("PRAGMA user_version = 8")
        conn.commit()
        conn.close()
    else:
        import psycopg

        with psycopg.connect(db_file.conninfo, autocommit=True) as conn:
            conn.execute("DROP TABLE tasks")
            conn.execute("DROP TABLE alerts")  # schema 5, made again on the way up
            conn.execute("DROP TABLE proposals")
            conn.execute("UPDATE warroom_schema SET version = 4")
    store = Store.open(db_file, policy, "alice", clock)
    try:
        if engine == "sqlite":
            assert store.conn.execute("PRAGMA user_version").fetchone()[0] == 10
        else:
            assert store.conn.execute("SELECT version FROM warroom_schema").fetchone()[0] == 6
        assert store.tasks(incident.id) == []  # declared before runbooks
        attached = store.attach_runbooks(incident.id)
        assert ("regression", "rollback") in keys(attached)
        assert store.timeline(incident.id)[-1].event == "task.attach"
    finally:
        store.close()
