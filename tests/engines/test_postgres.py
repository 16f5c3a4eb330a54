"""What only PostgreSQL has: a server to lose and find again, roles that may
only read, passwords kept out of messages, and the change signal by NOTIFY.
(The store, CLI and concurrency suites run on PostgreSQL as well as SQLite.)"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import psycopg
import pytest

from warroom.cli import commands as cli
from warroom.core.errors import ReadOnly, StoreIOError
from warroom.services.paths import DbUrl, mask_url, resolve_db
from warroom.store import Store
from warroom.store.postgres import LOCK_KEY


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _changed_within(store: Store, seconds: float = 5.0) -> bool:
    """has_changed() asked until it says yes (a notification crosses a socket)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if store.has_changed():
            return True
        time.sleep(0.01)
    return False


def test_a_url_is_a_server_database_and_prints_without_its_password():
    url = resolve_db(
        None, {"WARROOM_DB": "postgresql://ann:hunter2@db.example:5432/warroom?sslmode=require"}
    )
    assert isinstance(url, DbUrl)
    assert "hunter2" not in str(url) and "hunter2" not in repr(url)
    assert str(url) == "postgresql://ann:***@db.example:5432/warroom?sslmode=require"
    assert "secret" not in mask_url("postgres://h/db?password=secret&sslmode=verify-full")
    assert resolve_db(None, {"WARROOM_DB": "postgres://h/db"}) == DbUrl("postgres://h/db")


def test_a_password_on_the_command_line_is_refused_without_being_shown(capsys):
    code = cli.main(["--db", "postgresql://ann:hunter2@127.0.0.1:1/warroom", "list"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "~/.pgpass" in err and "postgresql://ann:***@127.0.0.1" in err
    assert "hunter2" not in err


def test_unreachable_server_is_one_line_exit_1_and_never_shows_the_password(capsys, monkeypatch):
    monkeypatch.setenv("WARROOM_DB", f"postgresql://ann:hunter2@127.0.0.1:{_closed_port()}/warroom")
    code = cli.main(["list"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "cannot reach postgresql://ann:***@127.0.0.1" in err
    assert "hunter2" not in err


def test_real_program_on_a_server(pg_url):
    env_run = [sys.executable, "-m", "warroom", "--db", pg_url, "--as", "zoe"]
    made = subprocess.run([*env_run, "declare", "On the server"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    listed = subprocess.run([*env_run, "list"], capture_output=True, text=True)
    assert "On the server" in listed.stdout


def test_another_process_commit_is_signalled_by_notify(pg_url, policy):
    watcher = Store.open(pg_url, policy, "watcher")
    writer = Store.open(pg_url, policy, "writer")
    try:
        incident = writer.declare("Signalled")
        assert _changed_within(watcher)
        assert not watcher.has_changed()  # seen: quiet until the next commit
        writer.add_entry(incident.id, "one more")
        assert _changed_within(watcher)
        # Our own commit counts at once, without waiting for the notification.
        watcher.add_entry(incident.id, "mine")
        assert watcher.has_changed()
    finally:
        watcher.close()
        writer.close()


def test_a_write_waits_for_the_database_wide_lock_then_reports_busy(pg_url, policy):
    store = Store.open(pg_url, policy, "ann")
    incident = store.declare("Locked out")
    store.set_busy_timeout(0.2)
    with psycopg.connect(pg_url) as other:  # a transaction holding the write lock
        other.execute("SELECT revision FROM changes WHERE id = 1 FOR UPDATE")
        from warroom.core.errors import StoreBusy

        with pytest.raises(StoreBusy, match="locked by another writer"):
            store.add_entry(incident.id, "blocked")
    entry = store.add_entry(incident.id, "after the lock went")  # released with the transaction
    assert entry.text == "after the lock went"
    store.close()


def test_a_role_that_may_only_select_gets_read_only_mode(pg_server, pg_url, policy, capsys):
    owner = Store.open(pg_url, policy, "owner")
    incident = owner.declare("Watched")
    owner.close()
    dbname = pg_url.rsplit("/", 1)[1]
    pg_server.admin(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'watcher')"
        " THEN CREATE ROLE watcher LOGIN; END IF; END $$"
    )
    pg_server.admin("GRANT SELECT ON ALL TABLES IN SCHEMA public TO watcher", dbname)
    url = pg_server.url(dbname, user="watcher")
    store = Store.open(url, policy, "watcher")
    try:
        assert store.read_only
        assert store.get_incident(incident.id).title == "Watched"
        with pytest.raises(ReadOnly, match="read-only for you"):
            store.add_entry(incident.id, "not allowed")
    finally:
        store.close()
    code = cli.main(["--db", url, "note", str(incident.id), "hello"])
    assert code == 1
    assert "read-only" in capsys.readouterr().err


def test_a_watcher_that_may_only_select_cannot_hold_writers_up(pg_server, pg_url, policy):
    """A SELECT-only role can take any advisory lock (it needs no privilege),
    but not the row lock every write takes: writes go on while it holds
    warroom's old advisory key and tries the row."""
    owner = Store.open(pg_url, policy, "owner")
    incident = owner.declare("Watched by a stranger")
    owner.set_busy_timeout(2.0)
    dbname = pg_url.rsplit("/", 1)[1]
    pg_server.admin(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'peeker')"
        " THEN CREATE ROLE peeker LOGIN; END IF; END $$"
    )
    pg_server.admin("GRANT SELECT ON ALL TABLES IN SCHEMA public TO peeker", dbname)
    with psycopg.connect(pg_server.url(dbname, user="peeker"), autocommit=True) as peeker:
        peeker.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))  # held for the session
        peeker.execute("BEGIN")
        peeker.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            peeker.execute("SELECT revision FROM changes WHERE id = 1 FOR UPDATE")
        peeker.execute("ROLLBACK")
        peeker.execute("BEGIN")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            peeker.execute("LOCK TABLE changes IN EXCLUSIVE MODE")
        peeker.execute("ROLLBACK")
        peeker.execute("BEGIN")
        peeker.execute("SELECT revision FROM changes")  # a long read holds nobody up either
        entry = owner.add_entry(incident.id, "written while the watcher holds its locks")
        assert entry.text == "written while the watcher holds its locks"
    owner.close()


def test_a_server_restart_is_survived_reads_and_writes_reconnect(pg_server, pg_url, policy):
    watcher = Store.open(pg_url, policy, "watcher")
    store = Store.open(pg_url, policy, "ann")
    incident = store.declare("Through a restart")
    watcher.has_changed()
    pg_server.restart()
    entry = store.add_entry(incident.id, "after the restart")  # reconnects by itself
    assert store.entry(entry.id).text == "after the restart"
    # The watcher lost its listening connection: it polls, and sees the change.
    assert _changed_within(watcher)
    assert [e.text for e in watcher.timeline(incident.id)][-1] == "after the restart"
    store.close()
    watcher.close()


def test_a_server_that_is_down_refuses_writes_with_the_error_the_tui_queues(
    pg_server, pg_url, policy
):
    store = Store.open(pg_url, policy, "ann")
    incident = store.declare("Down")
    pg_server.stop("immediate")
    try:
        with pytest.raises(StoreIOError) as refused:
            store.add_entry(incident.id, "queued")
        assert refused.value.header == "DATABASE UNREACHABLE"
        # The poll finds the listener gone, falls back to reading the counter,
        # and says so with the error the TUI's poll catches (it keeps drawing).
        with pytest.raises(StoreIOError):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                assert store.has_changed() in (True, False)
                time.sleep(0.05)
    finally:
        pg_server.start()
    # The replay, as the TUI's queue retries it: attempts are a second apart at
    # most, so a screen never blocks on a server that is away.
    deadline = time.monotonic() + 10
    while True:
        try:
            entry = store.add_entry(incident.id, "queued")
            break
        except StoreIOError:
            assert time.monotonic() < deadline, "never reconnected"
            time.sleep(0.1)
    assert [e.text for e in store.timeline(incident.id)][-1] == "queued"
    assert entry.id
    store.close()


def test_text_postgresql_cannot_hold_is_one_clear_refusal(pg_url, policy):
    store = Store.open(pg_url, policy, "ann")
    incident = store.declare("NUL")
    from warroom.core.errors import UsageError

    with pytest.raises(UsageError, match="NUL"):
        store.add_entry(incident.id, "a\x00b")
    assert [e.text for e in store.timeline(incident.id)][-1] != "a\x00b"
    store.close()


def test_missing_postgresql_binaries_fail_loudly_not_skip(tmp_path, monkeypatch):
    import pgserver

    monkeypatch.setattr(pgserver, "BIN", tmp_path)
    assert not pgserver.available()
    with pytest.raises(RuntimeError, match="PostgreSQL 15 is needed"):
        pgserver.PgServer()


def test_first_use_by_several_processes_at_once_makes_one_schema(pg_url):
    cmd = [sys.executable, "-m", "warroom", "--db", pg_url]
    procs = [
        subprocess.Popen(
            [*cmd, "--as", f"p{n}", "declare", f"from {n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, results
    assert sorted(int(out) for out, _err in results) == [1, 2, 3, 4]


def test_a_schema_from_a_newer_warroom_is_refused(pg_url, policy, capsys):
    Store.open(pg_url, policy, "ann").close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE warroom_schema SET version = 99")
    code = cli.main(["--db", pg_url, "list"])
    err = capsys.readouterr().err
    assert code == 2
    assert "newer warroom (schema 99" in err and len(err.strip().splitlines()) == 1


def test_a_password_in_the_url_is_warned_about_and_never_printed(
    pg_server, pg_url, capsys, monkeypatch
):
    dbname = pg_url.rsplit("/", 1)[1]
    url = f"postgresql://postgres:hunter2@127.0.0.1:{pg_server.port}/{dbname}"
    monkeypatch.setenv("WARROOM_DB", url)
    assert cli.main(["declare", "with a password"]) == 0  # trust auth here
    err = capsys.readouterr().err
    assert "~/.pgpass" in err and "hunter2" not in err


def test_a_connection_lost_after_the_server_committed_writes_once(pg_url, policy):
    """The connection drops after the server committed, before its answer to
    COMMIT arrives: the write is reported done (asked of the server on a new
    connection), so nothing queues it again and the note is there once."""
    from pg_cut_proxy import CutAfterCommit

    proxy = CutAfterCommit(int(pg_url.rsplit(":", 1)[1].split("/")[0]))
    store = Store.open(proxy.url(pg_url), policy, "ann")
    try:
        incident = store.declare("Connection lost at commit")
        proxy.armed.set()
        entry = store.add_entry(incident.id, "written once")
        assert proxy.cut.is_set()  # the answer to COMMIT never came
        texts = [e.text for e in store.timeline(incident.id)]
        assert texts.count("written once") == 1
        assert store.entry(entry.id).text == "written once"
        store.add_entry(incident.id, "and the next write goes through")
    finally:
        store.close()
        proxy.close()
    check = Store.open(pg_url, policy, "checker")
    assert [e.text for e in check.timeline(incident.id)].count("written once") == 1
    check.close()


def test_an_action_item_a_task_and_a_declaration_whose_commit_answer_was_lost_are_read_once(
    pg_url, policy
):
    """An action item and a task are returned as inserted, in the write's one
    round trip; when the answer to COMMIT is lost, they are found again by
    who inserted them when, and the entries that name them name the right id."""
    from pg_cut_proxy import CutAfterCommit

    proxy = CutAfterCommit(int(pg_url.rsplit(":", 1)[1].split("/")[0]))
    store = Store.open(proxy.url(pg_url), policy, "ann")
    try:
        incident = store.declare("Answers lost at commit").id
        store.add_action(incident, "An earlier one")
        proxy.armed.set()
        action = store.add_action(incident, "Fix the pool", "bob")
        assert proxy.cut.is_set()
        proxy.cut.clear()
        proxy.armed.set()
        task = store.add_task(incident, "Check the logs", assignee="cat")
        assert proxy.cut.is_set()
        proxy.cut.clear()
        proxy.armed.set()
        declared = store.declare("Declared as the answer was lost", priority="P1")
        assert proxy.cut.is_set()
    finally:
        store.close()
        proxy.close()
    check = Store.open(pg_url, policy, "checker")
    try:
        actions = check.action_items(incident)
        assert [a.title for a in actions] == ["An earlier one", "Fix the pool"]
        assert action == actions[1]
        assert task == check.task(task.id) and task.title == "Check the logs"
        named = {e.event: e.data for e in check.timeline(incident) if e.event}
        assert named["action.add"]["action"] == action.id
        assert named["task.add"]["task"] == task.id
        assert declared == check.get_incident(declared.id)
        assert [i.title for i in check.list_incidents()].count(declared.title) == 1
    finally:
        check.close()
