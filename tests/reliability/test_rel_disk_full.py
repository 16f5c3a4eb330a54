"""A full disk: the CLI says so in one line (exit 1), the war room keeps running,
says so in its header, keeps the queue and saves it once there is room again.
On a small tmpfs, which needs root (skipped, saying so, elsewhere)."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from rel_support import note_texts, one_clear_line, run_cli, user_env
from small_disk import fill

from warroom.core.model import utcnow
from warroom.core.policy import default_policy
from warroom.store import Store
from warroom.tui.app import make_app

sys.path.insert(0, str(Path(__file__).parent.parent / "ui"))
from keyburst import burst, paste, settle  # noqa: E402


def _seed(db: Path) -> int:
    store = Store.open(db, default_policy(), "seeder", utcnow)
    incident = store.declare("Disk filling up", priority="P2").id
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no spare room in the log
    store.close()
    return incident


def test_cli_on_a_full_disk_says_so_in_one_line(small_disk):
    db = small_disk / "warroom.db"
    incident = _seed(db)
    filler = fill(small_disk)
    result = run_cli("--db", str(db), "note", str(incident), "x" * 15000, env=user_env())
    assert result.code == 1
    assert "full" in one_clear_line(result)
    os.unlink(filler)
    assert note_texts(db, incident) == []  # nothing half-written
    done = run_cli("--db", str(db), "note", str(incident), "room again", env=user_env())
    assert done.code == 0, done.err
    assert note_texts(db, incident) == ["room again"]


async def test_war_room_on_a_full_disk_keeps_running_and_retries(small_disk):
    db = small_disk / "warroom.db"
    incident = _seed(db)
    store = Store.open(db, default_policy(), "alice", utcnow)
    app = make_app(store, default_policy())
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(app, pilot)  # the room is open: read on the database worker
            filler = fill(small_disk)
            burst(app, "4", "n")
            paste(app, "x" * 3000)
            burst(app, "enter", "written once there is room", "enter")
            await settle(app, pilot)
            assert app.is_running
            header = app.screen.query_one("#header").render().plain
            assert "DISK FULL (2 queued, retrying)" in header
            os.unlink(filler)
            app.retry_pending()
            await settle(app, pilot)
            assert app.pending == []
            assert "DISK FULL" not in app.screen.query_one("#header").render().plain
    finally:
        store.close()
    assert note_texts(db, incident) == ["x" * 3000, "written once there is room"]
    # The file is whole.
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_export_to_a_full_disk_is_exit_1_and_leaves_nothing(small_disk, tmp_path):
    """README: a full disk is one line and exit code 1 (not 2, bad usage), and no
    temp file or half a file is left behind."""
    db = tmp_path / "warroom.db"
    incident = _seed(db)
    filler = fill(small_disk)
    out = small_disk / "e.md"
    result = run_cli("--db", str(db), "export", str(incident), "--format", "md", "-o", str(out))
    line = one_clear_line(result)
    assert result.code == 1, line
    assert "No space left on device" in line
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]
    os.unlink(filler)
    again = run_cli("--db", str(db), "export", str(incident), "--format", "md", "-o", str(out))
    assert again.code == 0, again.err
    assert "Disk filling up" in out.read_text()
