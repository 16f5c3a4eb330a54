"""The schema is declared once (warroom/store/schema.py). A new SQLite file and
a new PostgreSQL schema are made from it; a database of any earlier version
goes through the migration steps. Either way the tables must be exactly what
the declaration says: columns (name, type, NOT NULL, default, key), foreign
keys, indexes and unique constraints, read back from the engine's catalog."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import psycopg
import pytest
import sqlite_utils

from warroom.services.paths import DbUrl
from warroom.store import Store, schema
from warroom.store import postgres as pg
from warroom.store import sqlite as sq
from warroom.store.move import COLUMNS, WITH_IDS

Shape = dict[str, dict[str, object]]


# ------------------------------------------------------------ the declaration
def declared(engine: str) -> Shape:
    """What the declaration says each table looks like on an engine, in the
    terms the catalog reads below give."""
    shape: Shape = {}
    for t in schema.tables(engine):
        columns = []
        for c in t.columns:
            in_pk = c.name in t.pk
            if engine == "sqlite":
                kind = "TEXT" if c.type == schema.TEXT else "INTEGER"
                not_null = c.not_null
            else:
                kind = "text C" if c.type == schema.TEXT else "bigint"
                kind += " identity" if c.type == schema.ID else ""
                not_null = c.not_null or in_pk  # a key column is NOT NULL there
            default = None
            if c.default is not None:
                default = str(c.default) if isinstance(c.default, int) else f"'{c.default}'"
            columns.append((c.name, kind, not_null, default))
        shape[t.name] = {
            "columns": columns,
            "pk": t.pk,
            "fks": {(c.name, *c.references.split(".")) for c in t.columns if c.references},
            "indexes": {(i.name, i.columns, i.where) for i in t.indexes},
            "unique": set(t.unique),
        }
    return shape


# ------------------------------------------------------------- SQLite catalog
def _affinity(declared_type: str) -> str:
    """SQLite's column affinity (what its type name means to it)."""
    upper = declared_type.upper()
    return "INTEGER" if "INT" in upper else "TEXT" if "TEXT" in upper else upper


def _where(sql: str | None) -> str:
    if not sql or " WHERE " not in sql.upper():
        return ""
    clause = sql[sql.upper().rindex(" WHERE ") + 7 :]
    return " ".join(clause.strip().strip("()").split())


def sqlite_shape(path: Path) -> Shape:
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        shape: Shape = {}
        for name in names:
            info = conn.execute(f"PRAGMA table_info({name})").fetchall()
            pk = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
            indexes, unique = set(), set()
            for _seq, index, is_unique, origin, _partial in conn.execute(
                f"PRAGMA index_list({name})"
            ):
                if origin == "pk":
                    continue
                cols = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({index})"))
                if is_unique:
                    unique.add(cols)
                    continue
                sql = conn.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (index,)
                ).fetchone()[0]
                indexes.add((index, cols, _where(sql)))
            shape[name] = {
                "columns": [(r[1], _affinity(r[2]), bool(r[3]), r[4]) for r in info],
                "pk": pk,
                "fks": {
                    (r[3], r[2], r[4])
                    for r in conn.execute(f"PRAGMA foreign_key_list({name})").fetchall()
                },
                "indexes": indexes,
                "unique": unique,
            }
        return shape
    finally:
        conn.close()


# --------------------------------------------------------- PostgreSQL catalog
def postgres_shape(url: str) -> Shape:
    with psycopg.connect(url, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        ]
        shape: Shape = {}
        for name in names:
            columns = []
            for col, kind, nullable, default, identity, collation in conn.execute(
                "SELECT column_name, data_type, is_nullable, column_default, is_identity,"
                " collation_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = %s"
                " ORDER BY ordinal_position",
                (name,),
            ):
                kind += f" {collation}" if collation else ""
                kind += " identity" if identity == "YES" else ""
                default = re.sub(r"::[a-z ]+$", "", default) if default is not None else None
                columns.append((col, kind, nullable == "NO", default))
            keys = conn.execute(
                "SELECT i.indisprimary, i.indisunique, c.relname,"
                " ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY AS k(n, o)"
                " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o),"
                " pg_get_expr(i.indpred, i.indrelid)"
                " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE i.indrelid = %s::regclass",
                (name,),
            ).fetchall()
            fks = conn.execute(
                "SELECT a.attname::text, f.relname::text, fa.attname::text FROM pg_constraint k"
                " JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]"
                " JOIN pg_class f ON f.oid = k.confrelid"
                " JOIN pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = k.confkey[1]"
                " WHERE k.contype = 'f' AND k.conrelid = %s::regclass",
                (name,),
            ).fetchall()
            shape[name] = {
                "columns": columns,
                "pk": next((tuple(cols) for p, _u, _n, cols, _w in keys if p), ()),
                "fks": set(fks),
                "indexes": {
                    (n, tuple(cols), " ".join((w or "").strip("()").split()))
                    for p, u, n, cols, w in keys
                    if not p and not u
                },
                "unique": {tuple(cols) for p, u, _n, cols, _w in keys if u and not p},
            }
        return shape


# ---------------------------------------------------------------- the tests
def test_a_new_sqlite_file_is_exactly_the_declaration(tmp_path, policy):
    path = tmp_path / "new.db"
    Store.open(path, policy, "ann").close()
    assert sqlite_shape(path) == declared("sqlite")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == sq.SCHEMA_VERSION == 10
    assert conn.execute("SELECT id, revision FROM changes").fetchall() == [(1, 0)]
    conn.close()


def test_a_new_postgresql_schema_is_exactly_the_declaration(pg_url, policy):
    Store.open(DbUrl(pg_url), policy, "ann").close()
    assert postgres_shape(pg_url) == declared("postgresql")
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT version, app FROM warroom_schema").fetchall() == [
            (pg.SCHEMA_VERSION, "warroom")
        ]
        assert pg.SCHEMA_VERSION == 6
        assert conn.execute("SELECT id, revision FROM changes").fetchall() == [(1, 0)]


def _old_sqlite(path: Path, version: int) -> None:
    """A file as warroom of schema `version` left it: its migration steps alone."""
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for step in range(version):
        sq.MIGRATIONS[step](db)
    conn.execute(f"PRAGMA application_id = {sq.APP_ID}")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


@pytest.mark.parametrize("version", range(1, sq.SCHEMA_VERSION))
def test_an_old_sqlite_file_upgrades_to_the_declaration(tmp_path, policy, version):
    path = tmp_path / f"v{version}.db"
    _old_sqlite(path, version)
    Store.open(path, policy, "ann").close()
    assert sqlite_shape(path) == declared("sqlite")


@pytest.mark.parametrize("version", range(1, pg.SCHEMA_VERSION))
def test_an_old_postgresql_schema_upgrades_to_the_declaration(pg_url, policy, version):
    with psycopg.connect(pg_url, autocommit=True) as conn, conn.transaction():
        for step in range(version):
            pg.MIGRATIONS[step](conn)
        conn.execute("UPDATE warroom_schema SET version = %s", (version,))
    Store.open(DbUrl(pg_url), policy, "ann").close()
    assert postgres_shape(pg_url) == declared("postgresql")


def test_move_copies_every_declared_table_but_the_bookkeeping():
    assert list(COLUMNS) == [t.name for t in schema.TABLES if t.moved]
    assert set(schema.BY_NAME) - set(COLUMNS) == {"changes", "warroom_schema"}
    assert all(COLUMNS[t] == schema.table(t).names for t in COLUMNS)
    assert set(WITH_IDS) == {t for t in COLUMNS if schema.table(t).has_id}


# ------------------------------------------------- the mappers read the order
def _row(table: str, **values: object) -> tuple:
    """A row as SELECT {select_list(table)} gives it: the declared order."""
    names = schema.table(table).names
    assert set(values) == set(names), set(names) ^ set(values)
    return tuple(values[n] for n in names)


T1, T2, T3 = "2026-03-01T12:00:00+00:00", "2026-03-01T12:05:00+00:00", "2026-03-01T13:00:00+00:00"


def test_the_row_mappers_read_columns_in_the_declared_order():
    entry = Store._row_entry(
        _row("timeline", id=7, incident_id=2, kind="note", text="hi", actor="ann",
             occurred_at=T1, recorded_at=T2, public=1, supersedes=5, data='{"event": "x"}')
    )  # fmt: skip
    assert (entry.id, entry.incident_id, entry.kind, entry.text, entry.actor) == (
        7, 2, "note", "hi", "ann",
    )  # fmt: skip
    assert entry.occurred_at.isoformat() == T1 and entry.recorded_at.isoformat() == T2
    assert entry.public and entry.supersedes == 5 and entry.event == "x"

    action = Store._row_action(
        _row("action_items", id=3, incident_id=2, title="Fix", owner="bob", due="2026-04-01",
             ticket="T-1", status="done", created_by="ann", created_at=T1, updated_by="cy",
             updated_at=T2, completed_at=T3)
    )  # fmt: skip
    assert (action.id, action.incident_id, action.title, action.owner, action.ticket) == (
        3, 2, "Fix", "bob", "T-1",
    )  # fmt: skip
    assert str(action.due) == "2026-04-01" and action.status == "done"
    assert action.created_by == "ann" and action.completed_at.isoformat() == T3

    task = Store._row_task(
        object(),  # self: not read
        _row("tasks", id=4, incident_id=2, runbook="db", task_key="k", occurrence=2,
             title="Check", description="d", command="c", role="IC", assignee="", due_at=T1,
             every_seconds=60, until_stage="Resolve", after_key="a", status="open", note="n",
             changed_by="cy", changed_at=T2, created_by="ann", created_at=T3),
        {"IC": "dee"},
    )  # fmt: skip
    assert (task.id, task.incident_id, task.runbook, task.key, task.occurrence) == (
        4, 2, "db", "k", 2,
    )  # fmt: skip
    assert (task.title, task.description, task.command, task.role, task.owner) == (
        "Check", "d", "c", "IC", "dee",
    )  # fmt: skip
    assert task.every.total_seconds() == 60 and (task.until, task.after) == ("Resolve", "a")
    assert (task.status, task.note, task.changed_by, task.created_by) == (
        "open", "n", "cy", "ann",
    )  # fmt: skip
    assert task.due_at.isoformat() == T1 and task.created_at.isoformat() == T3
