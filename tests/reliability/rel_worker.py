"""A small program the reliability tests start as separate, real processes.

    python rel_worker.py MODE ARGS...

Every mode talks to a real warroom database through warroom.store.Store (or
plain sqlite3 where a foreign process is the point). Acknowledged writes are
printed to stdout one per line, flushed, only after the store returned, so a
line on stdout means "committed". Start barriers are files: a worker creates
its `ready` file once its store is open, then waits for the `go` file.

Not a test module: pytest does not collect it (no test_ prefix)."""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import time
from pathlib import Path

from warroom.core.errors import DraftConflict, StoreBusy
from warroom.core.policy import default_policy
from warroom.store import Store

BARRIER_TIMEOUT = 60.0  # seconds a worker waits for the go file before giving up


def emit(*parts: object) -> None:
    print(" ".join(str(p) for p in parts), flush=True)


def wait_for(path: Path, timeout: float = BARRIER_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"rel_worker: gave up waiting for {path}")
        time.sleep(0.002)


def barrier(ready: str, go: str) -> None:
    Path(ready).touch()
    wait_for(Path(go))


def retrying(op, label: str, attempts: int = 50):
    """Run a store write; a StoreBusy is the store's handled answer, so retry it.

    Each refusal is logged as a BUSY line so the test can see how often it happened."""
    for _ in range(attempts):
        try:
            return op()
        except StoreBusy as exc:
            emit("BUSY", label, json.dumps(str(exc)))
    raise SystemExit(f"rel_worker: {label} stayed busy for {attempts} attempts")


def mode_writer(db: str, incident: str, wid: str, notes: str, ready: str, go: str) -> None:
    """Append notes with unique tokens, tick/untick items and reassign roles."""
    incident_id, n = int(incident), int(notes)
    store = Store.open(db, default_policy(), identity=f"w{wid}")
    rng = random.Random(int(wid))
    items = ["c1", "c2", "i3", "a1"]
    people = ["ann", "bob", "cyd", "dee"]
    roles = ["Lead", "Scribe", "Responder"]
    barrier(ready, go)
    for k in range(n):
        token = f"tok-w{wid}-{k:04d}"
        entry = retrying(lambda token=token: store.add_entry(incident_id, token), token)
        emit("NOTE", token, entry.id)
        if k % 5 == 2:
            item, ticked = rng.choice(items), rng.random() < 0.6
            retrying(lambda i=item, t=ticked: store.set_check(incident_id, i, t), "check")
            emit("CHECK", item, int(ticked))
        if k % 10 == 7:
            role, person = rng.choice(roles), rng.choice(people)
            retrying(lambda r=role, p=person: store.assign(incident_id, r, p), "assign")
            emit("ASSIGN", role, person)
    store.close()
    emit("DONE")


def mode_burst(db: str, incident: str, size: str) -> None:
    """Write notes as fast as possible until killed; print each token once committed."""
    incident_id, padding = int(incident), "x" * int(size)
    store = Store.open(db, default_policy(), identity="burst")
    emit("READY")
    k = 0
    while True:
        token = f"burst-{k:06d}"
        store.add_entry(incident_id, f"{token} {padding}")
        emit(token)
        k += 1


def mode_draft(db: str, incident: str, who: str, text: str, ready: str, go: str) -> None:
    """Load the draft, wait, then save `text` on the version loaded."""
    incident_id = int(incident)
    store = Store.open(db, default_policy(), identity=who)
    base = store.draft(incident_id).version
    barrier(ready, go)
    try:
        saved = store.save_draft(incident_id, text, base)
        result = {"result": "saved", "base": base, "version": saved.version}
    except DraftConflict as exc:
        result = {
            "result": "conflict",
            "base": base,
            "version": exc.current_version,
            "message": str(exc),
        }
    emit(json.dumps(result))
    store.close()


def mode_assign(db: str, incident: str, who: str, role: str, person: str, ready: str, go: str):
    incident_id = int(incident)
    store = Store.open(db, default_policy(), identity=who)
    barrier(ready, go)
    holder = store.assign(incident_id, role, person)
    emit(json.dumps({"person": holder.person, "previous": holder.previous}))
    store.close()


def mode_lock(db: str, ready: str, release: str, max_seconds: str) -> None:
    """A foreign process holding the write lock: BEGIN IMMEDIATE and wait."""
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO people (name, first_seen) VALUES ('lock-holder', 'x')")
    Path(ready).touch()
    deadline = time.monotonic() + float(max_seconds)
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    conn.execute("ROLLBACK")
    conn.close()
    emit("RELEASED")


def mode_hold_open(db: str, ready: str, release: str) -> None:
    """Open (creating if need be), write once, and keep the connection open."""
    store = Store.open(db, default_policy(), identity="holder")
    incident = store.declare("held open")
    store.add_entry(incident.id, "keeps the -wal and -shm files alive")
    Path(ready).touch()
    wait_for(Path(release))
    store.close()


def mode_keep_open(db: str, ready: str, release: str) -> None:
    """Open an existing database, read it, and keep the connection open."""
    store = Store.open(db, default_policy(), identity="owner")
    store.list_incidents()
    Path(ready).touch()
    wait_for(Path(release))
    store.close()


def mode_open_declare(db: str, who: str, go: str) -> None:
    """Open a (maybe not yet existing) database at the go signal and declare."""
    wait_for(Path(go))
    store = Store.open(db, default_policy(), identity=who)
    incident = store.declare(f"declared by {who}")
    emit(incident.id)
    store.close()


def mode_old_db(db: str) -> None:
    """Build a schema-1 database as an older warroom would have, with some data."""
    import warroom.store.sqlite as sqlite_backend
    from warroom.core.record import replace

    sqlite_backend.SCHEMA_VERSION = 1  # the SQLite backend's schema, as warroom 1 knew it
    policy = replace(default_policy(), runbooks=())  # warroom 1 had no runbooks (nor tasks)
    store = Store.open(db, policy, identity="old-timer")
    incident = store.declare("Incident from the old days", priority="P2")
    store.add_entry(incident.id, "a note written by warroom schema 1")
    store.assign(incident.id, "Lead", "ann")
    store.set_check(incident.id, "c1", True)
    # Written as warroom schema 1 did (today's save also keeps a history).
    with store._write():
        store.conn.execute(
            "INSERT INTO drafts (incident_id, text, version, updated_by, updated_at)"
            " VALUES (?, 'old draft', 1, 'old-timer', '2026-01-01T00:00:00+00:00')",
            (incident.id,),
        )
    version = store.conn.execute("PRAGMA user_version").fetchone()[0]
    store.close()
    emit(json.dumps({"incident": incident.id, "user_version": version}))


MODES = {
    "writer": mode_writer,
    "burst": mode_burst,
    "draft": mode_draft,
    "assign": mode_assign,
    "lock": mode_lock,
    "hold_open": mode_hold_open,
    "keep_open": mode_keep_open,
    "open_declare": mode_open_declare,
    "old_db": mode_old_db,
}

if __name__ == "__main__":
    MODES[sys.argv[1]](*sys.argv[2:])
