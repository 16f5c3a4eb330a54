"""Files on a shared host (5), refusals (6) and the migration backup (7).

Real files under tmp_path, the real warroom program in its own process."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rel_support import (
    fingerprint,
    finish,
    one_clear_line,
    pause_at,
    run_cli,
    run_worker,
    side_files,
    spawn,
    wait_for_files,
)

from warroom.core.model import utcnow
from warroom.core.policy import default_policy
from warroom.store import APP_ID, SCHEMA_VERSION, SQLiteBackend, Store


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_team_file_mode(path: Path) -> None:
    mode = _mode(path)
    assert mode & 0o007 == 0, f"{path.name} is {oct(mode)}: others have access"
    assert mode & 0o060 == 0o060, f"{path.name} is {oct(mode)}: group cannot read and write"
    assert mode & 0o600 == 0o600, f"{path.name} is {oct(mode)}: owner cannot read and write"


# ------------------------------------------------------------ requirement 5
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002], ids=["022", "077", "002"])
def test_new_database_and_its_wal_and_shm_are_owner_and_group_only(rel_db, tmp_path, umask):
    ready, release = tmp_path / "hold.ready", tmp_path / "hold.release"
    holder = spawn("hold_open", rel_db, ready, release, umask=umask)
    try:
        wait_for_files([ready], [holder])
        wal, shm = Path(f"{rel_db}-wal"), Path(f"{rel_db}-shm")
        assert wal.exists() and shm.exists(), "the open connection should have -wal and -shm"
        for path in (rel_db, wal, shm):
            _assert_team_file_mode(path)
    finally:
        release.touch()
        code, _out, err = finish(holder)
    assert code == 0, err


def test_cli_creates_database_and_missing_folder_for_the_team(tmp_path):
    db = tmp_path / "shared" / "team" / "warroom.db"
    created = run_cli("--db", str(db), "declare", "First incident here", umask=0o077)
    assert created.code == 0, created.err
    assert created.err == ""
    _assert_team_file_mode(db)
    folder = db.parent
    mode = folder.stat().st_mode
    assert mode & stat.S_ISGID, f"{oct(mode)}: not setgid, new files lose the team's group"
    assert stat.S_IMODE(mode) & 0o070 == 0o070, f"{oct(mode)}: group cannot use the folder"
    assert stat.S_IMODE(mode) & 0o007 == 0, f"{oct(mode)}: others can use the folder"


def test_existing_database_readable_by_others_warns_but_works(seeded):
    db, incident = seeded
    os.chmod(db, 0o664)
    listed = run_cli("--db", str(db), "list")
    assert listed.code == 0, listed.err
    assert "Checkout is failing" in listed.out
    warning = one_clear_line(listed)
    assert warning.startswith("warroom: warning:")
    assert str(db) in warning and "chmod o-rwx" in warning

    noted = run_cli("--db", str(db), "note", str(incident), "still works")
    assert noted.code == 0, noted.err
    assert one_clear_line(noted).startswith("warroom: warning:")
    assert _mode(db) == 0o664  # warned, not silently changed


# ------------------------------------------------------- read-only (nobody)
def _root_owned_read_only_db(shared: Path) -> tuple[Path, int]:
    db = shared / "ro" / "warroom.db"
    store = Store.open(db, default_policy(), "root-user", clock=utcnow)
    incident = store.declare("Read-only incident")
    store.add_entry(incident.id, "written by the owner")
    store.close()
    os.chmod(db.parent, 0o755)
    os.chmod(db, 0o644)
    assert not side_files(db)
    return db, incident.id


def _nobody_env(shared: Path) -> dict[str, str]:
    return {
        "HOME": str(shared),
        "WARROOM_USER": "nobody",
        "XDG_CONFIG_HOME": str(shared / "config"),
        "XDG_DATA_HOME": str(shared / "data"),
        "TZ": "UTC",
        "LANG": "C.UTF-8",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if not line.startswith("warroom: warning:")]


def test_read_only_user_can_list_when_nobody_has_the_database_open(nobody):
    runner, shared = nobody
    db, _incident = _root_owned_read_only_db(shared)
    before = fingerprint(db)
    code, out, err = runner.run(["--db", str(db), "list"], _nobody_env(shared), shared)
    assert fingerprint(db) == before
    assert not side_files(db)
    assert code == 0, err
    assert "Read-only incident" in out
    assert _errors(err) == []


def test_read_only_user_note_is_refused_clearly_when_nobody_has_it_open(nobody):
    runner, shared = nobody
    db, incident = _root_owned_read_only_db(shared)
    before = fingerprint(db)
    code, out, err = runner.run(
        ["--db", str(db), "note", str(incident), "should not land"], _nobody_env(shared), shared
    )
    assert fingerprint(db) == before
    assert not side_files(db)
    errors = _errors(err)
    assert len(errors) == 1, err
    assert errors[0].startswith("warroom: ") and "read-only" in errors[0]
    assert code == 1
    assert out == ""


def test_read_only_user_reads_but_cannot_write_while_the_owner_has_it_open(nobody):
    runner, shared = nobody
    db, incident = _root_owned_read_only_db(shared)
    count = len(_timeline_texts(db))
    # The owner's warroom runs in its own process (never across our fork).
    ready, release = shared / "owner.ready", shared / "owner.release"
    owner = spawn("keep_open", db, ready, release)
    try:
        wait_for_files([ready], [owner])
        assert side_files(db), "the owner's open connection keeps -wal and -shm"
        env = _nobody_env(shared)
        code, out, err = runner.run(["--db", str(db), "list"], env, shared)
        assert code == 0, err
        assert "Read-only incident" in out
        assert _errors(err) == []  # only the other-readable warning, if anything

        code, out, err = runner.run(["--db", str(db), "status", str(incident)], env, shared)
        assert code == 0, err
        assert "#1 Read-only incident" in out

        before = fingerprint(db)
        code, out, err = runner.run(
            ["--db", str(db), "note", str(incident), "should not land"], env, shared
        )
        errors = _errors(err)
        assert len(errors) == 1, err
        assert errors[0].startswith("warroom: ") and "read-only" in errors[0]
        assert "Traceback" not in err
        assert code == 1
        assert out == ""
        assert fingerprint(db) == before
    finally:
        release.touch()
        code, _out, err = finish(owner)
    assert code == 0, err
    assert len(_timeline_texts(db)) == count


def _timeline_texts(db: Path) -> list[str]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT text FROM timeline ORDER BY id")]
    finally:
        conn.close()


# ------------------------------------------------------------ requirement 6
@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    """A real warroom database spanning many pages, built once per module."""
    path = tmp_path_factory.mktemp("template") / "warroom.db"
    store = Store.open(path, default_policy(), "builder", clock=utcnow)
    incident = store.declare("Template incident", priority="P2")
    for n in range(150):
        store.add_entry(incident.id, f"log line {n}: " + "lorem ipsum dolor " * 25)
    store.assign(incident.id, "Lead", "ann")
    store.close()
    assert not side_files(path)
    return path


def _timeline_leaf_page(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'timeline' AND pagetype = 'leaf'"
            " ORDER BY pageno"
        ).fetchall()
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
    except sqlite3.OperationalError:  # no dbstat in this SQLite build
        rows = []
    finally:
        conn.close()
    return rows[len(rows) // 2][0] if rows else page_count // 2


def _make_corrupt(target: Path, template: Path) -> None:
    shutil.copy(template, target)
    page = _timeline_leaf_page(target)
    assert page > 1  # the header page stays intact
    page_size = 4096
    with sqlite3.connect(template) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    garbage = random.Random(20260310).randbytes(page_size // 2)
    with target.open("r+b") as fh:
        fh.seek((page - 1) * page_size + page_size // 4)
        fh.write(garbage)
    # The damage is real: SQLite itself says so (checked on a copy).
    probe = target.with_name("probe.db")
    shutil.copy(target, probe)
    conn = sqlite3.connect(probe)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    finally:
        conn.close()
        for p in (probe, *side_files(probe)):
            p.unlink()


def _make_case(case: str, target: Path, template: Path) -> Path:
    if case == "directory":
        target.mkdir()
        (target / "keep.txt").write_text("a folder, not a database\n")
    elif case == "text file":
        target.write_text("INCIDENT LOG\n14:02 checkout down\n14:05 paged on-call\n")
    elif case == "truncated":
        shutil.copy(template, target)
        os.truncate(target, target.stat().st_size // 2)
    elif case == "corrupt":
        _make_corrupt(target, template)
    elif case == "newer schema":
        shutil.copy(template, target)
        conn = sqlite3.connect(target)
        conn.execute("PRAGMA user_version = 99")
        conn.close()
    elif case == "foreign sqlite":
        conn = sqlite3.connect(target)
        conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO recipes (name) VALUES ('soup')")
        conn.commit()
        conn.close()
    assert not side_files(target)
    return target


def _state(path: Path):
    if path.is_dir():
        return sorted((p.name, fingerprint(p)) for p in path.iterdir()), path.stat().st_mtime_ns
    return fingerprint(path)


EXPECTED_WORDS = {
    "directory": "directory",
    "text file": "not a SQLite database",
    "truncated": "",
    "corrupt": "corrupt",
    "newer schema": "newer warroom",
    "foreign sqlite": "not a warroom one",
}


@pytest.mark.parametrize(
    "case",
    [
        "directory",
        "text file",
        "truncated",
        "corrupt",
        "newer schema",
        "foreign sqlite",
    ],
)
def test_unusable_path_is_refused_with_one_line_and_left_untouched(case, tmp_path, template_db):
    target = _make_case(case, tmp_path / "warroom.db", template_db)
    before = _state(target)
    siblings = sorted(p.name for p in tmp_path.iterdir())
    for verb in (["list"], ["note", "1", "must not be written"]):
        result = run_cli("--db", str(target), *verb)
        assert result.code == 2, (verb, result.code, result.err)
        assert result.out == ""
        line = one_clear_line(result)
        assert str(target) in line
        assert EXPECTED_WORDS[case] in line
        assert _state(target) == before, f"{verb} changed the file"
        assert not side_files(target), f"{verb} left {side_files(target)}"
        assert sorted(p.name for p in tmp_path.iterdir()) == siblings


def test_corrupt_database_is_refused_with_exit_2_and_left_untouched(tmp_path, template_db):
    """A corrupt file: exit 2, the file untouched."""
    target = _make_case("corrupt", tmp_path / "warroom.db", template_db)
    before = _state(target)
    for verb in (["list"], ["note", "1", "must not be written"]):
        result = run_cli("--db", str(target), *verb)
        assert result.code == 2, (verb, result.code, result.err)
        assert result.err.startswith(f"warroom: {target} is corrupt")
        assert "restore it from a backup" in result.err
        assert "Traceback" not in result.err
        assert _state(target) == before
        assert not side_files(target)


# ------------------------------------------------------------ requirement 7
BACKUP_NAME = re.compile(r"^warroom\.db\.v1-(\d{8}-\d{6})\.bak$")


def test_migration_from_schema_1_keeps_a_dated_backup_and_the_data(tmp_path):
    folder = tmp_path / "team"
    db = folder / "warroom.db"
    built = run_worker("old_db", db)
    assert built.code == 0, built.err
    info = json.loads(built.out.strip().splitlines()[-1])
    assert info["user_version"] == 1
    incident = info["incident"]
    assert not side_files(db)

    started = datetime.now(UTC).replace(microsecond=0)
    shown = run_cli("--db", str(db), "timeline", str(incident))
    assert shown.code == 0, shown.err
    assert "a note written by warroom schema 1" in shown.out

    backups = [p for p in folder.iterdir() if p.name.endswith(".bak")]
    assert len(backups) == 1, sorted(p.name for p in folder.iterdir())
    backup = backups[0]
    match = BACKUP_NAME.match(backup.name)
    assert match, backup.name
    stamp = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    assert started - timedelta(minutes=5) <= stamp <= datetime.now(UTC) + timedelta(minutes=5)
    _assert_team_file_mode(backup)

    # The backup is the old database: valid, schema 1, same data.
    conn = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APP_ID
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "whys" not in tables and "timeline" in tables
        texts = [r[0] for r in conn.execute("SELECT text FROM timeline ORDER BY id")]
        assert "a note written by warroom schema 1" in texts
    finally:
        conn.close()

    # The migrated database keeps everything and takes new writes.
    store = Store.open(db, default_policy(), "checker", clock=utcnow)
    try:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        board = store.board(incident)
        assert board.incident.title == "Incident from the old days"
        assert board.incident.priority == "P2"
        assert board.holder("Lead") == "ann"
        assert board.ticked == ["c1"]
        assert board.draft.text == "old draft"
        # The draft's history starts with the version the old schema held.
        assert [(v.version, v.text) for v in store.draft_history(incident)] == [(1, "old draft")]
        assert [e.text for e in store.timeline(incident) if e.kind == "note"] == [
            "a note written by warroom schema 1"
        ]
        store.save_why(incident, 1, "Why did checkout fail?", "The old schema.")
        assert store.retro(incident).whys[0].answer == "The old schema."
    finally:
        store.close()

    # Opening again migrates nothing and backs up nothing more.
    again = run_cli("--db", str(db), "list")
    assert again.code == 0, again.err
    assert [p.name for p in folder.iterdir() if p.name.endswith(".bak")] == [backup.name]


def test_every_v1_backup_holds_the_v1_database_when_two_upgrade_at_once(tmp_path):
    """Two people open the old file with the new warroom at the same moment.

    Deterministic: this process has read the old version and pauses just before
    it takes the lock to back up and migrate, while a real second process opens
    (backs up and migrates) the file; then it carries on."""
    folder = tmp_path / "team"
    db = folder / "warroom.db"
    built = run_worker("old_db", db)
    assert built.code == 0, built.err
    go = tmp_path / "upgrade.go"
    go.touch()
    racer = []

    def upgrade_meanwhile() -> None:
        racer.append(run_worker("open_declare", db, "racer", go))

    with pause_at(SQLiteBackend._migrate, SQLiteBackend._prepare, upgrade_meanwhile):
        store = Store.open(db, default_policy(), "slow", clock=utcnow)
    try:
        assert racer[0].code == 0, racer[0].err
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        titles = sorted(i.title for i in store.list_incidents())
        assert titles == ["Incident from the old days", "declared by racer"]
    finally:
        store.close()

    backups = sorted(p for p in folder.iterdir() if p.name.endswith(".bak"))
    assert backups
    for backup in backups:
        assert BACKUP_NAME.match(backup.name), backup.name
        conn = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        try:
            # A v1 backup holds the v1 database, not a copy taken after migrating.
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 1, backup.name
            assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 1
        finally:
            conn.close()


UMASKS = pytest.mark.parametrize("umask", [0o000, 0o077], ids=["000", "077"])


@UMASKS
def test_every_folder_made_for_a_new_database_is_the_teams(tmp_path, umask):
    db = tmp_path / "srv" / "warroom" / "team" / "warroom.db"
    created = run_cli("--db", str(db), "declare", "First incident here", umask=umask)
    assert created.code == 0, created.err
    assert _mode(db) == 0o660, oct(_mode(db))
    for folder in (db.parent, db.parent.parent, db.parent.parent.parent):
        mode = folder.stat().st_mode
        assert stat.S_IMODE(mode) == 0o2770, f"{folder.name} is {oct(stat.S_IMODE(mode))}"
    assert stat.S_IMODE(tmp_path.stat().st_mode) != 0o2770  # what was there stays as it was


@UMASKS
def test_an_empty_file_made_into_the_database_is_the_teams(tmp_path, umask):
    db = tmp_path / "warroom.db"
    db.touch()
    os.chmod(db, 0o644)
    created = run_cli("--db", str(db), "declare", "First incident here", umask=umask)
    assert created.code == 0, created.err
    assert _mode(db) == 0o660, oct(_mode(db))


@UMASKS
def test_a_database_removed_under_an_open_war_room_is_made_again_for_the_team(
    seeded, real_store, umask
):
    db, incident = seeded
    store = real_store(identity="tui")
    store.defer_checkpoints()  # as the war room does
    store.add_entry(incident, "in the log")
    db.unlink()
    store.checkpoint()  # the war room's timer: it must not make an empty file
    assert not db.exists(), f"re-created as {oct(_mode(db))}"
    made = run_cli("--db", str(db), "declare", "After the rm", umask=umask)
    assert made.code == 0, made.err
    store.close()
    assert _mode(db) == 0o660, oct(_mode(db))
    listed = run_cli("--db", str(db), "list", "--all")
    assert listed.code == 0 and "After the rm" in listed.out, listed.err
