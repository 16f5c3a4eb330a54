"""The backends turn their driver's errors into warroom's (warroom/core/errors.py):
what reaches the CLI or the war room is a WarroomError with one clear line,
never a sqlite3 or psycopg exception, so nothing above warroom/store knows an
engine. The CLI says it in one line with exit code 1."""

from __future__ import annotations

import sqlite3

import pytest

from warroom.cli import commands as cli
from warroom.core.errors import StoreBusy, StoreFailed, WarroomError
from warroom.services.paths import DbUrl
from warroom.store import Store

pytestmark = pytest.mark.both_engines


def _one_line(capsys) -> tuple[str, str]:
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return out, lines[0]


def test_a_read_the_engine_fails_is_a_warroom_error(open_store):
    store = open_store()
    incident = store.declare("Tables gone")
    store.conn.execute("DROP TABLE tasks")
    with pytest.raises(StoreFailed, match="tasks") as failed:
        store.tasks(incident.id)
    assert failed.value.exit_code == 1
    assert not isinstance(failed.value.__cause__, sqlite3.Error)


def test_a_write_the_engine_refuses_is_a_warroom_error(open_store):
    store = open_store()
    incident = store.declare("Tables gone")
    store.conn.execute("DROP TABLE tasks")
    with pytest.raises(WarroomError, match="tasks"):
        store.add_task(incident.id, "Check the graphs")


def test_cli_on_a_broken_database_says_one_line_exit_1(db_file, open_store, capsys):
    store = open_store()
    incident = store.declare("Tables gone")
    store.conn.execute("DROP TABLE tasks")
    store.close()
    code = cli.main(["--db", str(db_file), "--as", "ann", "task", "list", str(incident.id)])
    out, line = _one_line(capsys)
    assert code == 1, line
    assert line.startswith("warroom: ") and "tasks" in line


@pytest.mark.sqlite_only
def test_cli_on_a_file_another_program_locks_says_one_line_exit_1(db_file, open_store, capsys):
    """A program holding the file in rollback-journal mode with an exclusive
    lock: even reading it waits, then one line."""
    store = open_store()
    store.declare("Locked")
    store.close()
    holder = sqlite3.connect(db_file, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreBusy):
            Store.open(db_file, store.policy, "ann", busy_timeout=0.2)
        code = cli.main(["--db", str(db_file), "--as", "ann", "list"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    out, line = _one_line(capsys)
    assert code == 1, line
    assert "locked" in line and out == ""


def test_cli_on_a_stopped_server_says_one_line_exit_1(pg_server, capsys):
    url = DbUrl(pg_server.new_database())
    assert cli.main(["--db", str(url), "--as", "ann", "declare", "Before the stop"]) == 0
    capsys.readouterr()
    pg_server.stop("immediate")
    try:
        code = cli.main(["--db", str(url), "--as", "ann", "note", "1", "while it is down"])
        out, line = _one_line(capsys)
    finally:
        pg_server.start()
    assert code == 1, line
    assert "cannot reach" in line and out == ""
