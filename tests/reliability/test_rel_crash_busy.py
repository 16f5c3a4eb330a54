"""Crash safety (requirement 3) and a busy database (requirement 4)."""

from __future__ import annotations

import os
import signal
import sqlite3
import time

from rel_support import finish, one_clear_line, run_cli, spawn, wait_for_files

KILL_AFTER = 60  # acknowledged writes seen before the kill -9


# ------------------------------------------------------------ requirement 3
def test_kill_9_mid_burst_loses_no_acknowledged_write(seeded, real_store):
    db, incident = seeded
    proc = spawn("burst", db, incident, 2000)
    printed: list[str] = []
    try:
        assert proc.stdout.readline().strip() == "READY"
        deadline = time.monotonic() + 60
        while len(printed) < KILL_AFTER:
            line = proc.stdout.readline()
            assert line, f"burst writer stopped early: {proc.stderr.read()}"
            printed.append(line.strip())
            assert time.monotonic() < deadline, "burst writer too slow"
        os.kill(proc.pid, signal.SIGKILL)  # mid-burst: it never stops on its own
        proc.wait(timeout=60)
        # Read through the file object: lines readline() already buffered are
        # in it (communicate() would read the pipe beneath and lose them).
        rest = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # Whatever reached the pipe before the kill was acknowledged too.
    printed += [line for line in rest.splitlines() if line.startswith("burst-")]

    # The first warroom to come along opens the file normally (the WAL is hot).
    listed = run_cli("--db", str(db), "list")
    assert listed.code == 0, listed.err
    assert "Traceback" not in listed.err
    assert "Checkout is failing" in listed.out

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()

    stored = [e.text.split(" ")[0] for e in real_store().timeline(incident) if e.actor == "burst"]
    assert set(printed) <= set(stored)
    assert len(stored) == len(set(stored))
    # At most the write in flight at the kill committed without being printed.
    assert len(stored) - len(printed) <= 1
    assert stored == sorted(stored)

    # And the lock the dead writer may have held is gone: writing works at once.
    after = run_cli("--db", str(db), "note", str(incident), "after the crash")
    assert after.code == 0, after.err
    assert after.seconds < 30


# ------------------------------------------------------------ requirement 4
def test_cli_write_while_another_process_holds_the_lock_fails_cleanly_then_succeeds(
    seeded, real_store, tmp_path
):
    db, incident = seeded
    before = real_store(identity="before")
    count_before = len(before.timeline(incident))
    revision_before = before.revision()
    before.close()

    ready, release = tmp_path / "lock.ready", tmp_path / "lock.release"
    holder = spawn("lock", db, ready, release, 45)
    try:
        wait_for_files([ready], [holder])
        # Readers are not blocked by a writer (WAL): status answers meanwhile.
        reading = run_cli("--db", str(db), "status", str(incident))
        typed = "DB failover started at 14:02, replica lag 3s"
        blocked = run_cli("--db", str(db), "note", str(incident), typed)
    finally:
        release.touch()
        code, out, err = finish(holder)
    assert code == 0, err
    assert out.strip() == "RELEASED"

    assert reading.code == 0, reading.err
    assert "Checkout is failing" in reading.out

    # Bounded wait (busy timeout 5 s), then one clear line and exit code 1.
    assert blocked.code == 1, (blocked.code, blocked.err)
    line = one_clear_line(blocked)
    assert "locked" in line and "try again" in line
    assert blocked.out == ""
    assert blocked.seconds < 10, f"waited {blocked.seconds:.1f}s"
    assert blocked.seconds > 3, "gave up without waiting for the lock"

    # Nothing half-written: not the note, not the holder's rolled-back row.
    check = real_store(identity="after")
    assert len(check.timeline(incident)) == count_before
    assert all(e.text != typed for e in check.timeline(incident))
    assert check.revision() == revision_before
    assert "lock-holder" not in check.known_people()
    check.close()

    # Once the lock is released the very same command succeeds.
    again = run_cli("--db", str(db), "note", str(incident), typed)
    assert again.code == 0, again.err
    assert again.err == ""
    notes = [e for e in real_store().timeline(incident) if e.text == typed]
    assert [e.id for e in notes] == [int(again.out.strip())]
