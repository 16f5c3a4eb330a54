"""A one-shot verb that writes first looks at a server's schema in the write's
own pipeline (a guard statement), not on a round trip of its own. When the
guard stops the write (no schema yet, an older or newer one, tables of
another program) nothing was written; the verb checks, and runs once more or
says the one line it always said."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from warroom.cli import commands as cli
from warroom.core.errors import SchemaChecked
from warroom.store import Store
from warroom.store.postgres import SCHEMA_VERSION

ROOT = Path(__file__).parents[2]


def _rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def _warroom(url: str, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "warroom", "--db", url, "--as", "ann", *argv],
        input=stdin, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def test_declare_on_an_empty_database_makes_the_schema_and_one_incident(pg_url):
    done = _warroom(pg_url, "declare", "First of its kind")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1" and done.stderr == ""
    assert _rows(pg_url, "SELECT id, title FROM incidents") == [(1, "First of its kind")]
    assert _rows(pg_url, "SELECT version FROM warroom_schema") == [(SCHEMA_VERSION,)]


def test_a_note_on_an_older_schema_upgrades_it_and_is_written_once_from_stdin(pg_url, policy):
    store = Store.open(pg_url, policy, "ann")
    incident = store.declare("Older schema").id
    store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as schema 5 left it
        conn.execute("DROP TABLE tasks")
        conn.execute("UPDATE warroom_schema SET version = 5")
    done = _warroom(pg_url, "note", str(incident), "-", stdin="read from stdin once\n")
    assert done.returncode == 0, done.stderr
    notes = _rows(
        pg_url, f"SELECT text FROM timeline WHERE incident_id = {incident} AND kind = 'note'"
    )
    assert notes == [("read from stdin once\n",)] or notes == [("read from stdin once",)]
    assert _rows(pg_url, "SELECT version FROM warroom_schema") == [(SCHEMA_VERSION,)]
    assert _rows(pg_url, "SELECT count(*) FROM tasks") == [(0,)]


def test_a_note_on_a_newer_schema_is_refused_in_one_line_and_writes_nothing(pg_url, policy):
    store = Store.open(pg_url, policy, "ann")
    incident = store.declare("Newer schema").id
    store.close()
    before = _rows(pg_url, "SELECT count(*) FROM timeline")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE warroom_schema SET version = 99")
    done = _warroom(pg_url, "note", str(incident), "not stored")
    assert done.returncode == 2
    assert "newer warroom (schema 99" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert _rows(pg_url, "SELECT count(*) FROM timeline") == before


def test_a_note_on_another_program_s_tables_is_refused(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE ledger (id int)")
    done = _warroom(pg_url, "note", "1", "nowhere")
    assert done.returncode == 2
    assert "tables of another program" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert _rows(pg_url, "SELECT count(*) FROM ledger") == [(0,)]


def test_the_store_says_so_when_its_guard_stopped_a_write(pg_url, policy):
    """Below the CLI: the write raises SchemaChecked, the store has looked
    since, and the same write then goes through."""
    Store.open(pg_url, policy, "ann").close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE tasks")
        conn.execute("UPDATE warroom_schema SET version = 5")
    store = Store.open(pg_url, policy, "ann", check_later=True)
    try:
        with pytest.raises(SchemaChecked, match="nothing was written"):
            store.declare("Sent before the look")
        assert store.declare("Sent after the look").id == 1
    finally:
        store.close()
    assert _rows(pg_url, "SELECT title FROM incidents") == [("Sent after the look",)]


def test_a_read_first_looks_first(pg_url, policy, capsys):
    Store.open(pg_url, policy, "ann").close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE warroom_schema SET version = 99")
    code = cli.main(["--db", pg_url, "status", "1"])
    assert code == 2
    assert "newer warroom (schema 99" in capsys.readouterr().err
