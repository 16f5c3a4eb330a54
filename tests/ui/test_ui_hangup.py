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
from small_disk import fill

from warroom.services import unsaved
from warroom.services.writes import AddEntry, Envelope
from warroom.store import Store

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
    assert unsaved.files(db_path) == []


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
    (path,) = unsaved.files(db_path)
    assert path.parent == db_path.parent
    (kept,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert kept["kind"] == "note" and kept["fields"]["text"] == "typed then hangup"
    assert kept["actor"] == "alice" and kept["typed_at"] and len(kept["key"]) == 32
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    # The next start's replay writes it once; a second copy of the file changes nothing.
    copy = path.with_name(path.name.replace(".jsonl", "-copy.jsonl"))
    copy.write_bytes(path.read_bytes())
    store = Store.open(db_path, policy, "bob", clock)
    try:
        done = unsaved.replay(store, db_path)
        assert (done.written, done.already, done.failed) == (1, 1, [])
        texts = [e.text for e in store.timeline(seeded)]
        assert texts.count("typed then hangup") == 1
        (entry,) = [e for e in store.timeline(seeded) if e.text == "typed then hangup"]
        assert entry.actor == "alice"  # who typed it, not who replayed it
    finally:
        store.close()
    assert unsaved.files(db_path) == []


def test_the_unsaved_file_never_follows_a_planted_link(db_path, policy, clock, seeded, tmp_path):
    """Another user plants links where the file would go (every name the next
    seconds could give it): none is followed, the victim file stays empty."""
    from datetime import UTC, datetime, timedelta

    victim = tmp_path / "victim"
    victim.write_text("")
    os.chmod(victim, 0o666)
    (tmp_path / "legacy").symlink_to(victim)
    os.symlink(victim, db_path.with_name(db_path.name + ".unsaved"))  # the old fixed name
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        proc = _start(db_path, seeded)
        now = datetime.now(UTC)
        for second in range(-2, 40):
            stamp = (now + timedelta(seconds=second)).strftime("%Y%m%dT%H%M%S")
            name = f"{db_path.name}.unsaved-{stamp}-{proc.pid}.jsonl"
            os.symlink(victim, db_path.with_name(name))
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(timeout=30) == 1, proc.stderr.read()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert victim.read_text() == ""
    kept = [p for p in unsaved.files(db_path) if not p.is_symlink()]
    (path,) = [p for p in kept if p.stat().st_size]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert "typed then hangup" in path.read_text()


def test_a_full_disk_sends_the_queue_to_the_state_folder(small_disk, policy, clock, monkeypatch):
    """The database's disk is full: the queue goes to $XDG_STATE_HOME/warroom,
    and the next start (the CLI's list) names where it is."""
    db_path = small_disk / "team.db"
    store = Store.open(db_path, policy, "seeder", clock)
    incident = store.declare("Disk full at hang-up").id
    store.close()
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        proc = _start(db_path, incident)
        fill(small_disk)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 1, proc.stderr.read()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    (path,) = unsaved.files(db_path)
    assert path.parent == unsaved.state_dir()
    assert "typed then hangup" in path.read_text()
    listed = subprocess.run(
        [sys.executable, "-m", "warroom", "--db", str(db_path), "unsaved"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(HERE.parent.parent)},
    )
    assert listed.returncode == 0 and str(path) in listed.stdout


def test_with_no_disk_to_take_it_the_queue_goes_to_stderr(small_disk, policy, clock, monkeypatch):
    """Neither the database's folder nor the state folder can take it: the
    changes are written to standard error as JSON lines, never lost silently."""
    db_path = small_disk / "team.db"
    store = Store.open(db_path, policy, "seeder", clock)
    incident = store.declare("No room anywhere").id
    store.close()
    monkeypatch.setenv("XDG_STATE_HOME", str(small_disk / "state"))
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        proc = _start(db_path, incident)
        fill(small_disk)
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(timeout=30) == 1
        err = proc.stderr.read()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    (kept,) = lines
    assert Envelope.from_json(kept).write == AddEntry(incident, "typed then hangup", "note")
