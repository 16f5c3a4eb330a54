"""Shared fixtures for the core (non-UI) tests.

Every test runs in a neutral environment: its own WARROOM_DB, user "tester",
empty XDG config/data dirs (so no user policy file is found) and TZ=UTC.
Stores are real SQLite files under tmp_path, driven by a fixed clock."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pgserver import MISSING as PG_MISSING
from pgserver import PgServer
from pgserver import available as pg_available

from warroom.core.policy import Policy, default_policy
from warroom.services.paths import DbUrl, resolve_db
from warroom.store import Store

# A fixed, timezone-aware "now" for every store a test opens.
FIXED = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)


class Clock:
    """A clock a test can move: pass it as Store.open(..., clock=clock)."""

    def __init__(self, now: datetime = FIXED):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(autouse=True)
def neutral_env(tmp_path: Path) -> Iterator[Path]:
    """No test sees the real user's database, policy, identity or time zone."""
    env_dir = tmp_path / "env"
    (env_dir / "config").mkdir(parents=True)
    (env_dir / "data").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WARROOM_DB", str(env_dir / "env.db"))
        mp.setenv("WARROOM_USER", "tester")
        mp.setenv("XDG_CONFIG_HOME", str(env_dir / "config"))
        mp.setenv("XDG_DATA_HOME", str(env_dir / "data"))
        mp.setenv("XDG_STATE_HOME", str(env_dir / "state"))
        mp.setenv("TZ", "UTC")
        time.tzset()
        yield env_dir
    time.tzset()  # back to whatever TZ the process had


@pytest.fixture
def env_db() -> Path | DbUrl:
    """The database WARROOM_DB points at (not created yet): a path or a URL."""
    return resolve_db(None)


# ------------------------------------------------------------- both engines
# A module with `pytestmark = pytest.mark.both_engines` runs every test that
# uses a database once on SQLite and once on PostgreSQL; a test marked
# sqlite_only (files, modes, WAL, backups) runs on SQLite alone.


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker
    both = marker("both_engines") is not None and marker("sqlite_only") is None
    engines = ["sqlite", "postgresql"] if both else ["sqlite"]
    metafunc.parametrize("engine", engines, indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL 15 per test process (each xdist worker has its own)."""
    if not pg_available():
        pytest.fail(PG_MISSING, pytrace=False)  # loudly: never a silent skip
    server = PgServer()
    yield server
    server.close()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh empty database on the test server."""
    return pg_server.new_database()


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED)


@pytest.fixture
def policy() -> Policy:
    return default_policy()


@pytest.fixture
def db_file(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> Path | DbUrl:
    """The test's database: a file under tmp_path, or a fresh PostgreSQL database."""
    if engine == "postgresql":
        return DbUrl(request.getfixturevalue("pg_url"))
    return tmp_path / "warroom.db"


@pytest.fixture
def open_store(db_file: Path, policy: Policy, clock: Clock) -> Iterator[Callable[..., Store]]:
    """Open (more) stores; all are closed when the test ends.

    open_store() -> store on db_file as "alice" with the test clock;
    keyword arguments override path, policy, identity and clock."""
    opened: list[Store] = []

    def _open(
        path: Path | None = None,
        policy_: Policy | None = None,
        identity: str = "alice",
        clock_: Callable[[], datetime] | None = None,
    ) -> Store:
        store = Store.open(path or db_file, policy_ or policy, identity, clock=clock_ or clock)
        opened.append(store)
        return store

    yield _open
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[..., Store]) -> Store:
    return open_store()


@pytest.fixture
def raw(db_file: Path | DbUrl) -> Iterator[Callable[..., list[dict]]]:
    """Plain sqlite3 (or psycopg) reads of db_file, rows as dicts: raw(sql, *params)."""
    conns: list = []

    def _query(sql: str, *params: object) -> list[dict]:
        if isinstance(db_file, DbUrl):
            import psycopg
            from psycopg.rows import dict_row

            if not conns:
                conns.append(psycopg.connect(db_file.conninfo, autocommit=True))
            cur = conns[0].cursor(row_factory=dict_row)
            return list(cur.execute(sql.replace("?", "%s"), params).fetchall())
        if not conns:
            conn = sqlite3.connect(db_file)
            conn.row_factory = sqlite3.Row
            conns.append(conn)
        return [dict(r) for r in conns[0].execute(sql, params).fetchall()]

    yield _query
    for conn in conns:
        conn.close()
