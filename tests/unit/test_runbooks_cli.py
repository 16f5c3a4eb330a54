"""`warroom task ...`: the incident's tasks from the command line."""

from __future__ import annotations

import json

import pytest
from test_cli import assert_one_line_error, cli_engine, reader, run  # noqa: F401

pytestmark = pytest.mark.both_engines


@pytest.fixture
def incident(run) -> int:  # noqa: F811
    result = run("--as", "alice", "declare", "Keys leaked", "-c", "security", "-p", "P1")
    assert result.code == 0, result.err
    return int(result.out)


def test_task_list_shows_the_runbook_tasks_mine_first(run, incident):  # noqa: F811
    assert run("assign", str(incident), "Lead", "tester").code == 0
    result = run("task", "list", str(incident))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "Preserve evidence before changing anything (owner tester" in lines[0]
    assert "Decide who must be told" in lines[1]
    assert any("Name a lead (owner Coordinator: nobody" in line for line in lines)
    mine = json.loads(run("task", "list", str(incident), "--mine", "--json").out)
    assert [t["task"] for t in mine] == ["evidence", "tell"]
    assert mine[0]["owner"] == "tester" and mine[0]["state"] == "ok"


def test_task_verbs_change_the_task_and_the_timeline(run, reader, incident):  # noqa: F811
    tasks = json.loads(run("task", "list", str(incident), "--json").out)
    evidence = next(t["id"] for t in tasks if t["task"] == "evidence")
    lead = next(t["id"] for t in tasks if t["task"] == "lead")
    assert run("task", "start", str(evidence)).code == 0
    assert run("task", "done", str(evidence), "--note", "disk images kept").code == 0
    assert run("task", "skip", str(lead), "alice leads").code == 0
    assert run("task", "assign", str(lead)).code == 0  # taken by whoever runs it
    added = run("task", "add", str(incident), "Page the DBA", "--to", "bob", "--due", "20m")
    assert added.code == 0, added.err
    store = reader()
    done = store.task(evidence)
    assert (done.status, done.note, done.changed_by) == ("done", "disk images kept", "tester")
    assert (store.task(lead).status, store.task(lead).owner) == ("skipped", "tester")
    new = store.task(int(added.out))
    assert (new.title, new.owner) == ("Page the DBA", "bob")
    events = [e.event for e in store.timeline(incident)]
    for event in ("task.start", "task.done", "task.skip", "task.assign", "task.add"):
        assert event in events


def test_bad_task_input_is_one_line(run, incident):  # noqa: F811
    assert_one_line_error(run("task", "done", "999"), "no task with id 999")
    assert_one_line_error(run("task", "skip", "1"), "reason")
    assert_one_line_error(run("task", "add", str(incident), "x", "--due", "soon"), "due time")
    assert_one_line_error(run("task", "add", str(incident), "x", "--role", "Chef"), "role")
