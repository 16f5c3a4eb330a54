"""The small interface a storage engine gives the store (store/base.py).

A backend owns its connection: it runs portable SQL written with ? placeholders
(execute), holds the database-wide write lock for a write transaction (write),
gives one consistent snapshot for a read of several statements (snapshot), and
says cheaply whether anyone committed since it was last asked (has_changed).
A statement, write or snapshot its driver fails it raises as a warroom error
(warroom/core/errors.py: StoreBusy, StoreIOError, ReadOnly, StoreFailed...), not
as the driver's own, so nothing above warroom/store knows an engine."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from warroom.services.paths import DbUrl, is_url


class Backend(Protocol):
    engine: str  # "sqlite" or "postgresql"
    recorded_at: str  # the SQL for a new entry's recorded_at, given the clock's time (one ?)
    path: Any  # a Path, or a DbUrl that prints without its password
    read_only: bool
    warnings: list[str]
    busy_timeout: float
    migrated: bool  # this open created or upgraded the schema
    swapped: str
    conn: Any  # the driver's connection (sqlite3's, psycopg's)

    @property
    def poll_seconds(
        self,
    ) -> float | None: ...  # how often has_changed() may be asked; None: the app's

    # How long a write whose answer to COMMIT was lost asks whether it committed
    # before raising StoreInDoubt (a server; a file's commit cannot be lost).
    in_doubt_wait: float
    # Optional (PostgreSQL): `pipelined = True` (statements are sent without
    # waiting; their rows are read at the next fetch), `claim(key, now)` (the
    # write's idempotency key, refused at the server when applied before) and
    # `lost_results` (the last write committed but its answer was lost) and
    # `new_id(table)` (the SQL that a NewId stands for, at the server).

    @property
    def label(self) -> str: ...
    @property
    def local_writes(self) -> int: ...
    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any: ...
    # bump: the transaction also moves the change counter (changes.revision).
    def write(self, bump: bool = False) -> AbstractContextManager[None]: ...
    def snapshot(self) -> AbstractContextManager[None]: ...
    def has_changed(self) -> bool: ...
    # has_changed without waiting on a network; None: ask has_changed elsewhere.
    def changed_now(self) -> bool | None: ...
    def wake_fd(self) -> int | None: ...
    def describe(self) -> list[tuple[bool, str, str]]: ...
    def close(self) -> None: ...
    def executemany(self, sql: str, rows: list[Any]) -> None: ...
    def reset_ids(self, tables: tuple[str, ...]) -> None: ...
    def defer_checkpoints(self) -> None: ...
    def checkpoint(self) -> tuple[int, int]: ...
    def set_busy_timeout(self, seconds: float) -> None: ...
    def check_files(self) -> str: ...
    # Another connection to the same database for another thread of this process.
    def reopen(self, busy_timeout: float | None = None) -> Backend: ...


def as_target(target: Path | DbUrl | str) -> Path | DbUrl:
    if isinstance(target, DbUrl | Path):
        return target
    return DbUrl(target) if is_url(target) else Path(target)


def open_backend(
    target: Path | DbUrl | str,
    clock: Callable[[], datetime],
    busy_timeout: float = 5.0,
    read_only: bool = False,
    create: bool = True,
    check_later: bool = False,
    companion: bool = False,
) -> Backend:
    """The backend for a path (SQLite) or a postgresql:// URL. check_later: a
    server's schema is looked at with the first statement, not on its own
    round trip (a one-shot verb; see PostgresBackend.open); a file's costs no
    round trip to look at. companion (the war room): a server's connection
    for reopen() is made at once, beside this one's (see PostgresBackend.open)."""
    target = as_target(target)
    if isinstance(target, DbUrl):
        from warroom.store.postgres import PostgresBackend  # psycopg only when a server is named

        return PostgresBackend.open(
            target, clock, busy_timeout, read_only, create, check_later, companion
        )
    from warroom.store.sqlite import SQLiteBackend

    return SQLiteBackend.open(target, clock, busy_timeout=busy_timeout, read_only=read_only)


def describe(target: Path | DbUrl | str) -> list[tuple[bool, str, str]]:
    """What a database is, as (ok, topic, detail) lines for the doctor; reads only."""
    target = as_target(target)
    if isinstance(target, DbUrl):
        from warroom.store.postgres import describe_url

        return describe_url(target)
    from warroom.store.sqlite import describe_file

    return describe_file(target)
