"""A hang-up (SIGHUP: tmux session killed, ssh dropped) or SIGTERM with changes
queued behind a busy database: a real process, a real signal, a real lock."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from warroom.store import Store
from warroom.unsaved import unsaved_path

HERE = Path(__file__).parent


def _start(db_path, incident):
    env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "hangup_app.py"), str(db_path), str(incident)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdout.readline().strip() == "queued"  # the note waits behind our lock
    return proc


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["hup", "term"])
def test_hang_up_writes_the_queue_once_the_lock_goes(db_path, policy, clock, seeded, sig):
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    proc = _start(db_path, seeded)
    proc.send_signal(sig)
    blocker.execute("ROLLBACK")  # within the bounded wait
    blocker.close()
    assert proc.wait(timeout=30) == 0, proc.stderr.read()
    check = Store.open(db_path, policy, "reader", clock)
    assert "typed then hangup" in [e.text for e in check.timeline(seeded)]
    check.close()
    assert not unsaved_path(db_path).exists()


def test_hang_up_keeps_what_it_cannot_write_beside_the_database(db_path, policy, clock, seeded):
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        proc = _start(db_path, seeded)
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(timeout=30) == 1, proc.stderr.read()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    (kept,) = [json.loads(line) for line in unsaved_path(db_path).read_text().splitlines()]
    assert kept["what"] == "add_entry" and kept["texts"] == ["typed then hangup", "note"]
    assert kept["typed_at"]
    assert oct(unsaved_path(db_path).stat().st_mode & 0o777) == "0o600"
