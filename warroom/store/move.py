"""Moving a war room between engines: a SQLite file into PostgreSQL and back.

The source is read in one snapshot; the target is written in one write
transaction (holding its write lock), so a half-copied database is never seen.
A target that holds anything already is refused. Row counts are compared per
table after the commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.core.errors import UsageError, WarroomError
from warroom.core.record import record
from warroom.services.paths import DbUrl
from warroom.store.backend import Backend, as_target, open_backend
from warroom.store.schema import moved, with_ids

# Every table and its columns, parents before children (foreign keys), as
# store/schema.py declares them.
COLUMNS: dict[str, tuple[str, ...]] = moved()
WITH_IDS = with_ids()


class MoveFailed(WarroomError):
    """The copy did not match the source; the target was left as the copy made it."""


@record
class Moved:
    source: str
    target: str
    counts: dict[str, int]

    def line(self) -> str:
        rows = ", ".join(f"{table} {n}" for table, n in self.counts.items())
        return f"moved {self.source} to {self.target}: {rows} (row counts match)"


def _cols(table: str) -> str:
    return ", ".join(f'"{c}"' for c in COLUMNS[table])


def _count(db: Backend, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def move(
    source: Path | DbUrl | str, target: Path | DbUrl | str, clock: Callable[[], datetime]
) -> Moved:
    source, target = as_target(source), as_target(target)
    if str(source) == str(target):
        raise UsageError("the source and the target are the same database")
    if isinstance(source, Path) and not source.exists():
        raise UsageError(f"no database at {source} to move")
    src = open_backend(source, clock, read_only=True, create=False)
    try:
        dst = open_backend(target, clock)
        try:
            counts = _copy(src, dst)
        finally:
            dst.close()
    finally:
        src.close()
    return Moved(str(source), str(target), counts)


def _refuse_nul(table: str, rows: list[Any], label: str) -> None:
    """PostgreSQL text cannot hold a NUL character (SQLite's can): name the
    first row and field that holds one, so it can be found and changed."""
    columns = COLUMNS[table]
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            if isinstance(value, str) and "\x00" in value:
                key = row[0] if table in WITH_IDS else ", ".join(str(v) for v in row[:2])
                name = "id" if table in WITH_IDS else " and ".join(columns[:2])
                raise UsageError(
                    f"{table} row with {name} {key}: {column} holds a NUL character, which "
                    f"PostgreSQL cannot store; nothing was copied to {label}"
                )


def _copy(src: Backend, dst: Backend) -> dict[str, int]:
    if dst.read_only:
        raise UsageError(f"{dst.label} is read-only for you: nothing was copied")
    counts: dict[str, int] = {}
    with src.snapshot():
        revision = src.execute("SELECT revision FROM changes WHERE id = 1").fetchone()[0]
        with dst.write():
            held = [t for t in COLUMNS if _count(dst, t)]
            if held:
                raise UsageError(
                    f"{dst.label} is not empty ({', '.join(held)} hold rows): "
                    "warroom moves only into an empty database"
                )
            for table in COLUMNS:
                order = (
                    "id" if table in WITH_IDS else ", ".join(f'"{c}"' for c in COLUMNS[table][:2])
                )
                rows = src.execute(f"SELECT {_cols(table)} FROM {table} ORDER BY {order}")
                rows = rows.fetchall()
                if dst.engine == "postgresql":
                    _refuse_nul(table, rows, dst.label)
                marks = ", ".join("?" for _ in COLUMNS[table])
                dst.executemany(f"INSERT INTO {table} ({_cols(table)}) VALUES ({marks})", rows)
                counts[table] = len(rows)
            dst.execute("UPDATE changes SET revision = ? WHERE id = 1", (revision,))
            dst.reset_ids(WITH_IDS)
    wrong = [
        f"{table} {n} in the source, {_count(dst, table)} copied"
        for table, n in counts.items()
        if _count(dst, table) != n
    ]
    if wrong:
        raise MoveFailed(f"the copy in {dst.label} does not match: {'; '.join(wrong)}")
    return counts
