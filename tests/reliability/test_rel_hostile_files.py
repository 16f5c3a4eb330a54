"""Hostile files (issue 13): paths that are not regular files, a backup made
private from its first byte, a database swapped under a running process,
configs and policies that are refused before anything is written.

Device and FIFO nodes are made with mknod/mkfifo inside tmp folders only."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from rel_support import fingerprint, one_clear_line, run_cli, run_worker, user_env

from warroom.core.errors import FileSwapped
from warroom.store import Store


def _cli(db: Path, *args: str, **kwargs):
    return run_cli("--db", str(db), *args, **kwargs)


def _mknod_null(path: Path) -> bool:
    """A character device like /dev/null (1,3), made here; False without root."""
    done = subprocess.run(["mknod", str(path), "c", "1", "3"], capture_output=True)
    return done.returncode == 0


# --------------------------------------------------------- only regular files
def test_a_character_device_as_database_is_refused_untouched(tmp_path):
    node = tmp_path / "null"
    if not _mknod_null(node):
        pytest.skip("mknod needs root")
    os.chmod(node, 0o666)
    before = os.stat(node)
    result = _cli(node, "list")
    assert result.code == 2, result.err
    assert "character device" in one_clear_line(result)
    after = os.stat(node)
    assert stat.S_ISCHR(after.st_mode)
    assert stat.S_IMODE(after.st_mode) == 0o666, "the device was chmodded"
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert not list(tmp_path.glob("null-*")), "side files were made beside the device"


def test_a_fifo_as_database_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo, 0o600)
    # A process opening the FIFO to read would wait for a writer forever.
    result = _cli(fifo, "note", "1", "hello", timeout=20)
    assert result.code == 2, result.err
    assert "FIFO" in one_clear_line(result)
    assert result.seconds < 15
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert stat.S_IMODE(os.stat(fifo).st_mode) == 0o600


def test_a_socket_and_a_dangling_link_as_database_are_refused(tmp_path):
    sock_path = tmp_path / "s.db"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(sock_path))
        result = _cli(sock_path, "list")
        assert result.code == 2 and "socket" in one_clear_line(result)
    finally:
        sock.close()
    link = tmp_path / "dangling.db"
    link.symlink_to(tmp_path / "elsewhere" / "x.db")
    result = _cli(link, "declare", "via a link")
    assert result.code == 2 and "link to nothing" in one_clear_line(result)
    assert not (tmp_path / "elsewhere").exists()


def test_doctor_reports_a_fifo_without_waiting_on_it(tmp_path):
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo, 0o600)
    result = _cli(fifo, "doctor", timeout=30)
    assert result.code == 1
    assert "not a regular file" in result.out
    assert "Traceback" not in result.err


def test_export_never_replaces_a_device_or_fifo_even_with_force(seeded, tmp_path):
    db, incident = seeded
    fifo = tmp_path / "out.md"
    os.mkfifo(fifo, 0o600)
    targets = [fifo]
    node = tmp_path / "null"
    if _mknod_null(node):
        targets.append(node)
    for target in targets:
        before = os.stat(target)
        result = _cli(db, "export", str(incident), "-o", str(target), "--force", timeout=20)
        assert result.code == 2, result.err
        assert "not a regular file" in one_clear_line(result)
        after = os.stat(target)
        assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert not list(tmp_path.glob(".out.md.*")), "a temp file was left behind"


# ----------------------------------------------------------------- backups
def test_the_migration_backup_is_private_from_its_first_byte(tmp_path, monkeypatch):
    db = tmp_path / "team" / "warroom.db"
    built = run_worker("old_db", db)
    assert built.code == 0, built.err
    assert json.loads(built.out.strip().splitlines()[-1])["user_version"] == 1
    os.chmod(db, 0o660)
    seen: dict[str, int] = {}
    real_connect = sqlite3.connect

    def watching_connect(target, *args, **kwargs):
        # Called by the backup for its target: note the mode SQLite will write into.
        if str(target).endswith(".bak"):
            seen[str(target)] = stat.S_IMODE(os.stat(target).st_mode)
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", watching_connect)
    old = os.umask(0o022)
    try:
        store = Store.open(
            db, __import__("warroom.core.policy").core.policy.default_policy(), "migrator"
        )
        store.close()
    finally:
        os.umask(old)
    assert len(seen) == 1, seen
    ((backup, mode_before_copy),) = seen.items()
    assert mode_before_copy == 0o660, f"the backup was {oct(mode_before_copy)} while copied"
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o660


# -------------------------------------------------- a file swapped underneath
@pytest.mark.parametrize("how", ["wal_removed", "db_replaced"])
def test_a_swapped_file_stops_writes_and_another_writer_is_not_hurt(rel_db, real_store, how):
    store = real_store(identity="tui")
    incident = store.declare("Checkout is failing").id
    kept = store.add_entry(incident, "written before the swap").id
    if how == "wal_removed":
        store.checkpoint()  # what was written is in the main file; the log goes
        os.unlink(f"{rel_db}-wal")
        os.unlink(f"{rel_db}-shm")
    else:
        store.checkpoint()  # a copy of the file as it stands, the log copied into it
        copy = rel_db.with_name("copy.db")
        shutil.copy(rel_db, copy)
        os.replace(copy, rel_db)
    with pytest.raises(FileSwapped, match="nothing written"):
        store.add_entry(incident, "lost if it were written")
    assert store.swapped and rel_db.name in store.swapped
    # Another process on the file at the path: its entry id is its own.
    other = _cli(rel_db, "note", str(incident), "from the cli")
    assert other.code == 0, other.err
    # Checked from another process too: in this one SQLite shares the old -shm
    # among connections to the same database inode.
    shown = _cli(rel_db, "timeline", str(incident), "--json")
    entries = json.loads(shown.out)
    texts = [e["text"] for e in entries]
    assert "lost if it were written" not in texts and "from the cli" in texts
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)) and int(other.out) > kept


# --------------------------------------------------- validate before acting
BROKEN_CONFIGS = {
    "bell_yes": 'bell = "yes"\n',
    "bad_quote": 'publish_command = "/bin/echo \'unclosed"\n',
    "nul_in_command": 'publish_command = ["/bin/echo", "a\\u0000b"]\n',
    "tiny_timeout": 'publish_command = ["/bin/true"]\npublish_timeout = 1e-9\n',
    "deep": "x = " + "[" * 3000 + "]" * 3000 + "\n",
}


@pytest.mark.parametrize("name", list(BROKEN_CONFIGS))
def test_publish_with_a_broken_config_publishes_nothing(seeded, real_store, tmp_path, name):
    db, incident = seeded
    config_home = tmp_path / "cfg"
    (config_home / "warroom").mkdir(parents=True)
    (config_home / "warroom" / "config.toml").write_text(BROKEN_CONFIGS[name])
    env = user_env(XDG_CONFIG_HOME=str(config_home))
    before = fingerprint(db)
    for _ in range(3):  # retrying changes nothing either
        result = run_cli("--db", str(db), "publish", str(incident), "Checkout is back", env=env)
        assert result.code == 2, (result.code, result.err)
        line = one_clear_line(result)
        assert "config file" in line and result.out == ""
    assert fingerprint(db)[0] == before[0]
    assert not [e for e in real_store().timeline(incident) if e.kind == "update"]


POLICIES = {
    "tiny_budget": "[clocks.P1]\nacknowledge = 1e-300\n",
    "role_twice": 'single_roles = ["Lead", "Scribe"]\nmulti_role = "Lead"\n',
    "nul_category": 'categories = ["ok", "bad\\u0000one"]\n',
    "escape_stage": 'stages = ["Detect", "Res\\u001b[2Jpond"]\n',
    "deep": "x = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n",
}


@pytest.mark.parametrize("name", list(POLICIES))
def test_unreasonable_policies_are_one_line_and_change_nothing(seeded, tmp_path, name):
    db, incident = seeded
    path = tmp_path / "policy.toml"
    path.write_text(POLICIES[name])
    before = fingerprint(db)
    result = run_cli("--db", str(db), "--policy", str(path), "note", str(incident), "x")
    assert result.code == 2, (result.code, result.err)
    line = one_clear_line(result)
    assert "policy file" in line and len(line) < 300
    assert "\x1b" not in result.err
    assert fingerprint(db)[0] == before[0]


# --------------------------------------------------------- the smaller points
def test_timeline_of_an_unknown_incident_is_an_error(seeded):
    db, _ = seeded
    result = _cli(db, "timeline", "99")
    assert result.code == 2 and "99" in one_clear_line(result)


def test_an_exclusive_lock_by_another_program_is_busy_not_unusable(seeded):
    db, _ = seeded
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        result = _cli(db, "list", timeout=60)
    finally:
        holder.close()
    assert result.code == 1, result.err
    line = one_clear_line(result)
    assert "locked" in line and "not a usable" not in line


def test_a_foreign_sqlite_file_with_a_user_version_is_not_called_newer(tmp_path):
    foreign = tmp_path / "other.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("PRAGMA user_version = 42")
    conn.commit()
    conn.close()
    before = fingerprint(foreign)
    result = _cli(foreign, "list")
    assert result.code == 2
    line = one_clear_line(result)
    assert "not a warroom one" in line and "newer" not in line
    assert fingerprint(foreign) == before


def test_output_to_a_full_device_is_one_line_and_the_note_is_kept(seeded, real_store):
    db, incident = seeded
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [*_python_warroom(), "--db", str(db), "note", str(incident), "kept anyway"],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert len(err.splitlines()) == 1 and "No space left" in err and "Traceback" not in err
    assert "kept anyway" in [e.text for e in real_store().timeline(incident)]


def test_a_hook_that_writes_escapes_to_stderr_is_shown_as_placeholders(seeded, tmp_path):
    db, incident = seeded
    hook = tmp_path / "hook.sh"
    hook.write_text("#!/bin/sh\nprintf 'bad \\033]52;c;aGk=\\007 \\033[2J\\n' >&2\nexit 3\n")
    hook.chmod(0o755)
    config_home = tmp_path / "cfg"
    (config_home / "warroom").mkdir(parents=True)
    (config_home / "warroom" / "config.toml").write_text(f'publish_command = ["{hook}"]\n')
    result = run_cli(
        "--db",
        str(db),
        "publish",
        str(incident),
        "Back up",
        env=user_env(XDG_CONFIG_HOME=str(config_home)),
    )
    assert result.code == 0, result.err
    line = one_clear_line(result)
    assert "exit 3" in line and "\x1b" not in result.err and "\x07" not in result.err
    assert "\u241b]52" in line


def _python_warroom() -> list[str]:
    import sys

    return [sys.executable, "-m", "warroom"]
