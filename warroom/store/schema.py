"""The current shape of every table, declared once.

From this declaration come: a new SQLite file's tables (made with
sqlite-utils), a new PostgreSQL schema's DDL, the tables and columns
`warroom move` copies, and the column lists the row mappers read. A database
of an earlier version is not made from it: it is upgraded through the
migration steps in sqlite.py and postgres.py (each the change of one
version), which end at this same shape (tests/unit/test_schema.py checks both).

Types are the engine-neutral "id" (a generated integer key), "int" and
"text". Tables are listed parents before children (foreign keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.core.record import record

if TYPE_CHECKING:  # sqlite-utils makes a new file's tables; imported only then
    import sqlite_utils

ID, INT, TEXT = "id", "int", "text"

# The schema versions this declaration is: SQLite's and PostgreSQL's own.
SQLITE_VERSION = 10
POSTGRES_VERSION = 6


@record
class Column:
    name: str
    type: str  # ID, INT or TEXT
    not_null: bool = False
    default: str | int | None = None
    references: str | None = None  # "table.column"


@record
class Index:
    name: str
    columns: tuple[str, ...]
    where: str = ""  # a partial index: the rows it holds


@record
class Table:
    name: str
    columns: tuple[Column, ...]
    pk: tuple[str, ...]
    indexes: tuple[Index, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    moved: bool = True  # copied by `warroom move` (the change counter is not)
    engines: tuple[str, ...] = ("sqlite", "postgresql")
    rows: tuple[tuple[Any, ...], ...] = ()  # what a new database holds

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def has_id(self) -> bool:
        return any(c.type == ID for c in self.columns)


def _c(name: str, type_: str = TEXT, **kw: Any) -> Column:
    return Column(name, type_, **kw)


def _nn(name: str, type_: str = TEXT, **kw: Any) -> Column:
    return Column(name, type_, not_null=True, **kw)


TABLES: tuple[Table, ...] = (
    Table(
        "warroom_schema",  # PostgreSQL's schema version (a SQLite file keeps it in its header)
        (_nn("version", INT), _nn("app")),
        pk=(),
        moved=False,
        engines=("postgresql",),
        rows=((0, "warroom"),),  # the version is set once the schema is made
    ),
    Table("changes", (_c("id", INT), _c("revision", INT)), pk=("id",), moved=False,
          rows=((1, 0),)),
    Table(
        "incidents",
        (
            _c("id", ID), _nn("title"), _nn("category"), _nn("priority"), _nn("stage"),
            _nn("status"), _nn("reported_at"), _c("declared_at"), _c("declared_by"),
            _c("acknowledged_at"), _c("triaged_at"), _c("remediated_at"), _c("retro_at"),
            _c("closed_at"), _c("resolution", default=""), _c("last_update_at"),
            _c("revision", INT, default=0), _nn("root_cause", default=""),
            _c("impact_started_at"), _c("impact_ended_at"), _nn("drill", INT, default=0),
            _nn("public_title", default=""), _nn("root_cause_public", INT, default=0),
        ),
        pk=("id",),
    ),
    Table(
        "timeline",
        (
            _c("id", ID), _nn("incident_id", INT, references="incidents.id"), _nn("kind"),
            _nn("text"), _nn("actor"), _nn("occurred_at"), _nn("recorded_at"),
            _c("public", INT), _c("supersedes", INT), _c("data"),
        ),
        pk=("id",),
        indexes=(
            Index("idx_timeline_incident_id_id", ("incident_id", "id")),
            Index("idx_timeline_incident_id_occurred_at_id", ("incident_id", "occurred_at", "id")),
            Index("idx_timeline_supersedes", ("supersedes",), "supersedes IS NOT NULL"),
        ),
    ),
    Table(
        "roles",
        (_c("incident_id", INT), _c("role"), _c("person"), _c("assigned_by"),
         _c("assigned_at"), _c("previous")),
        pk=("incident_id", "role", "person"),
    ),
    Table(
        "checklist",
        (_c("incident_id", INT), _c("item_id"), _c("ticked", INT), _c("by"), _c("at")),
        pk=("incident_id", "item_id"),
    ),
    Table(
        "drafts",
        (_c("incident_id", INT), _c("text"), _c("version", INT), _c("updated_by"),
         _c("updated_at")),
        pk=("incident_id",),
    ),
    Table(
        "draft_versions",
        (_c("incident_id", INT), _c("version", INT), _c("text"), _c("saved_by"),
         _c("saved_at"), _c("note")),
        pk=("incident_id", "version"),
    ),
    Table("people", (_c("name"), _c("first_seen")), pk=("name",)),
    Table(
        "whys",
        (_c("incident_id", INT), _c("position", INT), _c("question"), _c("answer"),
         _c("updated_by"), _c("updated_at")),
        pk=("incident_id", "position"),
    ),
    Table(
        "action_items",
        (
            _c("id", ID), _c("incident_id", INT, references="incidents.id"), _c("title"),
            _c("owner"), _c("due"), _c("ticket"), _c("status"), _c("created_by"),
            _c("created_at"), _c("updated_by"), _c("updated_at"), _c("completed_at"),
        ),
        pk=("id",),
        indexes=(Index("idx_action_items_incident_id", ("incident_id",)),),
    ),
    Table("write_keys", (_c("key"), _nn("applied_at")), pk=("key",)),
    Table(
        "proposals",
        (
            _c("id", ID), _nn("source"), _nn("group_key"), _nn("status"), _nn("title"),
            _nn("labels"), _nn("first_seen"), _nn("last_seen"),
            _c("incident_id", INT, references="incidents.id"), _c("decided_by"),
            _c("decided_at"), _c("reason"),
        ),
        pk=("id",),
        indexes=(
            Index("idx_proposals_group", ("source", "group_key", "id")),
            Index("idx_proposals_status", ("status", "id")),
        ),
    ),
    Table(
        "alerts",
        (
            _c("id", ID), _nn("source"), _nn("fingerprint"), _nn("starts_at"),
            _nn("last_started_at"), _nn("status"), _c("ends_at"), _nn("fires", INT, default=1),
            _c("proposal_id", INT, references="proposals.id"), _nn("labels"), _nn("summary"),
            _nn("url"), _nn("first_seen"), _nn("last_seen"),
        ),
        pk=("id",),
        indexes=(
            Index("idx_alerts_fingerprint", ("source", "fingerprint", "last_started_at")),
            Index("idx_alerts_proposal", ("proposal_id",)),
        ),
        unique=(("source", "fingerprint", "starts_at"),),
    ),
    Table(
        "tasks",
        (
            _c("id", ID), _nn("incident_id", INT, references="incidents.id"),
            _c("runbook", default=""), _c("task_key", default=""),
            _c("occurrence", INT, default=1), _nn("title"), _c("description"), _c("command"),
            _c("role"), _c("assignee", default=""), _c("due_at"), _c("every_seconds", INT),
            _c("until_stage"), _c("after_key"), _nn("status"), _c("note", default=""),
            _c("changed_by"), _c("changed_at"), _c("created_by"), _nn("created_at"),
        ),
        pk=("id",),
        indexes=(Index("idx_tasks_incident_id_id", ("incident_id", "id")),),
    ),
)  # fmt: skip

BY_NAME = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    return BY_NAME[name]


def tables(engine: str) -> tuple[Table, ...]:
    return tuple(t for t in TABLES if engine in t.engines)


def select_list(name: str, alias: str = "") -> str:
    """Every column of a table in its declared order, for a SELECT whose rows
    a mapper reads by position (alias: the table's name in the query)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{c}"' for c in table(name).names)


def moved() -> dict[str, tuple[str, ...]]:
    """What `warroom move` copies: table -> columns, parents before children."""
    return {t.name: t.names for t in TABLES if t.moved and len(t.engines) == 2}


def with_ids() -> tuple[str, ...]:
    """The copied tables whose rows have a generated id."""
    return tuple(name for name in moved() if table(name).has_id)


# ------------------------------------------------------------------ SQLite
def create_sqlite(db: sqlite_utils.Database) -> None:
    """A new file's tables, indexes and first rows, made by sqlite-utils."""
    kinds = {ID: int, INT: int, TEXT: str}
    for t in tables("sqlite"):
        db.table(t.name).create(
            {c.name: kinds[c.type] for c in t.columns},
            pk=t.pk[0] if len(t.pk) == 1 else t.pk,
            not_null={c.name for c in t.columns if c.not_null},
            defaults={c.name: c.default for c in t.columns if c.default is not None},
            # (column, other table, its column) triples
            foreign_keys=[(c.name, *c.references.split(".")) for c in t.columns if c.references],  # type: ignore[misc]
        )
        for index in t.indexes:
            if index.where:  # sqlite-utils makes no partial index
                cols = ", ".join(index.columns)
                db.execute(f"CREATE INDEX {index.name} ON {t.name} ({cols}) WHERE {index.where}")
            else:
                db.table(t.name).create_index(list(index.columns), index_name=index.name)
        for columns in t.unique:
            db.table(t.name).create_index(list(columns), unique=True)
        for row in t.rows:
            db.table(t.name).insert(dict(zip(t.names, row, strict=True)))


# -------------------------------------------------------------- PostgreSQL
# Text compares byte by byte, as in SQLite (ISO times sort as written).
PG_TYPES = {
    ID: "BIGINT GENERATED BY DEFAULT AS IDENTITY",
    INT: "BIGINT",
    TEXT: 'TEXT COLLATE "C"',
}


def _pg_literal(value: str | int) -> str:
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


def postgres_ddl() -> list[tuple[str, tuple[Any, ...]]]:
    """The statements that make a new PostgreSQL schema (with its first rows),
    as (sql, params) with psycopg's %s placeholders."""
    statements: list[tuple[str, tuple[Any, ...]]] = []
    for t in tables("postgresql"):
        parts = []
        for c in t.columns:
            part = f'"{c.name}" {PG_TYPES[c.type]}'
            if c.not_null:
                part += " NOT NULL"
            if c.default is not None:
                part += f" DEFAULT {_pg_literal(c.default)}"
            if c.references:
                parent, key = c.references.split(".")
                part += f' REFERENCES {parent} ("{key}")'
            parts.append(part)
        if t.pk:
            parts.append("PRIMARY KEY (" + ", ".join(f'"{c}"' for c in t.pk) + ")")
        for columns in t.unique:
            parts.append("UNIQUE (" + ", ".join(f'"{c}"' for c in columns) + ")")
        statements.append((f"CREATE TABLE {t.name} (" + ", ".join(parts) + ")", ()))
        for index in t.indexes:
            cols = ", ".join(f'"{c}"' for c in index.columns)
            where = f" WHERE {index.where}" if index.where else ""
            statements.append((f"CREATE INDEX {index.name} ON {t.name} ({cols}){where}", ()))
        for row in t.rows:
            marks = ", ".join("%s" for _ in row)
            statements.append((f"INSERT INTO {t.name} VALUES ({marks})", row))
    return statements
