"""Shared fixtures for the core (non-UI) tests.

Every test runs in a neutral environment: its own WARROOM_DB, user "tester",
empty XDG config/data dirs (so no user policy file is found) and TZ=UTC.
Stores are real SQLite files under tmp_path, driven by a fixed clock."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from clocks import CORE_START, Clock
from lacking import SKIP_PREFIX, needed
from pgserver import MISSING as PG_MISSING
from pgserver import PgServer
from pgserver import available as pg_available

from warroom.core.policy import Policy, default_policy
from warroom.services.paths import DbUrl, resolve_db
from warroom.store import Store

# Every store a test opens is driven by the one fixed clock (tests/clocks.py).
FIXED = CORE_START


@pytest.fixture
def warroom_user() -> str:
    """Who every test acts as (the UI tier overrides this fixture: its
    snapshots show "alice")."""
    return "tester"


@pytest.fixture(autouse=True)
def neutral_env(tmp_path: Path, warroom_user: str) -> Iterator[Path]:
    """No test sees the real user's database, policy, identity, colours or
    time zone. The one neutral environment of every tier."""
    env_dir = tmp_path / "env"
    (env_dir / "config").mkdir(parents=True)
    (env_dir / "data").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WARROOM_DB", str(env_dir / "env.db"))
        mp.setenv("WARROOM_USER", warroom_user)
        mp.delenv("NO_COLOR", raising=False)
        mp.setenv("XDG_CONFIG_HOME", str(env_dir / "config"))
        mp.setenv("XDG_DATA_HOME", str(env_dir / "data"))
        mp.setenv("XDG_STATE_HOME", str(env_dir / "state"))
        mp.setenv("XDG_CACHE_HOME", str(env_dir / "cache"))
        mp.setenv("TZ", "UTC")
        # The TUI's UI thread never waits on the store: a statement sent from
        # it fails the test (warroom/store/guard.py), in warroom run as a child too.
        mp.setenv("WARROOM_STRICT_UI_STORE", "1")
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
        needed(PG_MISSING)
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


# ------------------------------------------------- what a run could not test
# A test that needs a program the machine lacks (PostgreSQL 15, Chromium and
# its driver) is skipped with the reason and counted in a banner at the end of
# the run; with CI set it fails instead: CI must test everything.

TIERS = ("unit", "engines", "ui", "reliability", "browser")


def _tier(nodeid: str) -> str:
    parts = nodeid.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "tests" else "other"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    tests: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    lacking: Counter[str] = Counter()
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            if not nodeid or not hasattr(report, "duration"):
                continue
            tier = _tier(nodeid)
            seconds[tier] += report.duration
            if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
                tests[tier] += 1
            if report.skipped and isinstance(report.longrepr, tuple):
                reason = str(report.longrepr[2]).removeprefix("Skipped: ")
                if reason.startswith(SKIP_PREFIX):
                    lacking[reason.removeprefix(SKIP_PREFIX)] += 1
    if tests:
        terminalreporter.section("time per tier (test time, summed over workers)")
        for tier in sorted(tests, key=lambda t: TIERS.index(t) if t in TIERS else len(TIERS)):
            terminalreporter.write_line(
                f"{tier:<12} {tests[tier]:>5} tests {seconds[tier]:>8.1f} s"
            )
    for reason, count in lacking.items():
        terminalreporter.section("NOT TESTED", red=True, bold=True)
        terminalreporter.write_line(
            f"{count} tests skipped: {reason}. Set CI=1 to make this a failure.",
            red=True,
            bold=True,
        )
