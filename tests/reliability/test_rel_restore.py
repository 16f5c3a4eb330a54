"""A backup restored over the file a war room has open (`cp backup t && mv t
team.db`): the war room notices, says so, and never writes the restored file,
neither its own log into it nor a checkpoint on close. The real program in a
real terminal (tmux), marked `terminal` and skipped where tmux is missing; and
the store's checkpoint and close on their own."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from rel_support import run_cli

from warroom.tui.app import CHECKPOINT_SECONDS

in_a_terminal = [
    pytest.mark.terminal,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

DEADLINE = float(os.environ.get("DL", "60"))  # a loaded machine: generous


def wait_until(condition: Callable[[], bool], what: Callable[[], str] | str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")
        time.sleep(0.05)


class Terminal:
    """The warroom program in a tmux server of its own."""

    def __init__(self, db: Path, tmp: Path):
        self.name = f"warroom-restore-{uuid.uuid4().hex[:8]}"
        self.tmux = ["tmux", "-L", self.name]
        env = {
            "WARROOM_USER": "alice",
            "XDG_CONFIG_HOME": str(tmp / "config-tui"),
            "XDG_DATA_HOME": str(tmp / "data-tui"),
            "TZ": "UTC",
            "TERM": "xterm-256color",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp),
            "LANG": "C.UTF-8",
        }
        self.done = tmp / f"{self.name}.exit"
        program = " ".join(
            [
                "env",
                "-i",
                *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
                shlex.quote(sys.executable),
                "-m",
                "warroom",
                "--db",
                shlex.quote(str(db)),
            ]
        )
        # The exit code lands in a file; the pane stays to show last words
        # (Textual paints on stderr: it stays the terminal's).
        command = f"{program}; echo $? > {shlex.quote(str(self.done))}"
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", self.name, "-x", "120", "-y", "36", command],
            check=True,
        )
        subprocess.run([*self.tmux, "set-option", "-t", self.name, "remain-on-exit", "on"])

    def screen(self) -> str:
        done = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        )
        return done.stdout or done.stderr

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *keys], check=True)

    def wait_for_screen(self, words: str) -> None:
        wait_until(lambda: words in self.screen(), lambda: f"{words!r} on screen:\n{self.screen()}")

    def exit_code(self) -> int:
        wait_until(self.done.exists, lambda: f"the program to exit:\n{self.screen()}")
        wait_until(lambda: self.done.read_text().strip() != "", "its exit code")
        return int(self.done.read_text())

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)
        socket_dir = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        (socket_dir / self.name).unlink(missing_ok=True)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _titles(db: Path) -> list[str]:
    listed = run_cli("--db", str(db), "list", "--all", "--json")
    assert listed.code == 0, listed.err
    return [i["title"] for i in json.loads(listed.out)]


def _notes(db: Path, incident: int) -> list[str]:
    shown = run_cli("--db", str(db), "timeline", str(incident), "--json")
    assert shown.code == 0, shown.err
    return [e["text"] for e in json.loads(shown.out) if e["kind"] == "note"]


@pytest.mark.parametrize("how", ["restored", "restored-after-checkpoint", "removed"])
@in_a_terminal[0]
@in_a_terminal[1]
def test_a_restored_file_is_never_written_by_the_war_room_that_had_the_old_one(
    seeded, tmp_path, how
):
    db, incident = seeded
    # The backup an admin restores: the same shape as the live file (a warroom
    # database in WAL mode), with an incident of its own.
    backup = tmp_path / "restore.db"
    shutil.copy(db, backup)
    made = run_cli("--db", str(backup), "declare", "Restored from last night")
    assert made.code == 0, made.err
    assert not Path(f"{backup}-wal").exists()
    restored = _digest(backup)

    term = Terminal(db, tmp_path)
    try:
        term.wait_for_screen("Checkout is failing")
        term.keys("4", "n", "first note", "Enter", "second note", "Enter", "third note", "Enter")
        wait_until(lambda: len(_notes(db, incident)) == 3, "three notes in the live file")
        if how == "restored-after-checkpoint":  # the log is all in the file before the mv
            wait_until(
                lambda: _checkpointed(db), "the war room's checkpoint to copy its notes back"
            )
        if how == "removed":
            db.unlink()
            term.wait_for_screen("DATABASE FILE REMOVED")
        else:  # what an admin restoring a backup does: cp restore.db t && mv t team.db
            staged = db.with_name("t")
            shutil.copy(backup, staged)
            os.replace(staged, db)
            term.wait_for_screen("DATABASE FILE REPLACED")
        # Long enough on the app's own clock for its checkpoint timer to fire.
        seen = _left(term.screen())
        wait_until(
            lambda: _left(term.screen()) <= seen - CHECKPOINT_SECONDS - 2,
            lambda: f"the war room's clock to move on:\n{term.screen()}",
        )
        # Typed after the restore: held, written to neither file.
        term.keys("held note", "Enter")
        term.wait_for_screen("1 changes held")
        if how != "removed":
            assert _digest(db) == restored, "written while the war room ran"
        term.keys("Escape")  # out of the note input (on its own: ESC q would be alt+q)
        wait_until(lambda: "esc Leave" not in term.screen(), "the note input left")
        term.keys("q")
        term.wait_for_screen("Quit anyway")  # the held note is dropped on purpose
        term.keys("Q")
        code = term.exit_code()
        last_words = term.screen()
        assert "Traceback" not in last_words and "malformed" not in last_words, last_words
        assert code in (0, 1), (code, last_words)
    finally:
        term.close()
    left_beside = [p.name for p in (Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]
    assert left_beside == [], "the old log lies beside the restored file"
    if how == "removed":
        assert not db.exists(), "the removed file was made again"
        return
    assert _digest(db) == restored, "the restored file was written"
    assert sorted(_titles(db)) == ["Checkout is failing", "Restored from last night"]
    assert _notes(db, incident) == []
    assert _digest(db) == restored


def _left(screen: str) -> int:
    """Seconds left on the acknowledge clock the war room shows (its tick)."""
    found = re.search(r"acknowledge\s+● running\s+(\d+):(\d+) left", screen)
    assert found, screen
    return int(found[1]) * 60 + int(found[2])


def _checkpointed(db: Path) -> bool:
    """Whether the live file itself (not its log) holds three notes."""
    import sqlite3

    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM timeline WHERE kind = 'note'").fetchone()[0] == 3
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def _restore_over(db: Path, backup: Path) -> None:
    staged = db.with_name("t")
    shutil.copy(backup, staged)
    os.replace(staged, db)


@pytest.mark.parametrize("how", ["restored", "removed"])
def test_checkpoint_and_close_after_a_restore_leave_the_path_alone(
    seeded, real_store, tmp_path, how
):
    db, incident = seeded
    backup = tmp_path / "restore.db"
    shutil.copy(db, backup)
    assert run_cli("--db", str(backup), "declare", "Restored from last night").code == 0
    restored = _digest(backup)
    store = real_store(identity="tui")
    store.defer_checkpoints()  # as the war room does: its notes stay in the log
    for n in range(3):
        store.add_entry(incident, f"note {n}")
    if how == "restored":
        _restore_over(db, backup)
    else:
        db.unlink()
    assert store.checkpoint() == (0, 0)  # noticed before it touched the path
    assert store.swapped
    if how == "restored":
        assert _digest(db) == restored
    store.close()  # no checkpoint on close into what the path names now
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()
    if how == "restored":
        assert _digest(db) == restored
        assert sorted(_titles(db)) == ["Checkout is failing", "Restored from last night"]
        assert _notes(db, incident) == []
        assert _digest(db) == restored
    else:
        assert not db.exists()


def test_close_leaves_a_log_that_is_not_its_own(seeded, real_store):
    """Its -wal was replaced by name (another log now answers to it): closing
    must not delete that one, nor copy anything into the file."""
    db, incident = seeded
    store = real_store(identity="tui")
    store.add_entry(incident, "before")
    staged = db.with_name("foreign-wal")
    staged.write_bytes(b"")
    os.replace(staged, f"{db}-wal")
    theirs = os.stat(f"{db}-wal").st_ino
    assert store.check_files()
    store.close()
    assert os.stat(f"{db}-wal").st_ino == theirs


def test_the_old_log_leaves_as_soon_as_the_restore_is_noticed(seeded, real_store, tmp_path):
    """Others open the restored file while the war room still runs: they must
    not read the old log as the restored file's."""
    db, incident = seeded
    backup = tmp_path / "restore.db"
    shutil.copy(db, backup)
    assert run_cli("--db", str(backup), "declare", "Restored from last night").code == 0
    restored = _digest(backup)
    store = real_store(identity="tui")
    store.defer_checkpoints()
    for n in range(3):
        store.add_entry(incident, f"note {n}")
    _restore_over(db, backup)
    assert "replaced" in store.check_files()  # the war room's poll
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()
    assert _digest(db) == restored
    # Another user, meanwhile: the restored content, and a note of theirs kept.
    assert sorted(_titles(db)) == ["Checkout is failing", "Restored from last night"]
    other = run_cli("--db", str(db), "note", str(incident), "after the restore")
    assert other.code == 0, other.err
    store.close()
    assert _notes(db, incident) == ["after the restore"]
