"""Many people, one file: real processes writing the same incident at once.

Requirements 1 (concurrent writers), 2 (conflicting edits) and live sync
across processes at the store level."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from rel_support import finish, pause_at, run_cli, run_worker, spawn, wait_for_files

from warroom.core.model import replay, utcnow
from warroom.store import SQLiteBackend, Store

pytestmark = pytest.mark.both_engines

WRITERS = 8
NOTES_EACH = 200


def _barrier(tmp_path: Path, name: str, count: int) -> tuple[list[Path], Path]:
    ready = [tmp_path / f"{name}.ready.{n}" for n in range(count)]
    return ready, tmp_path / f"{name}.go"


def _board_roles(board) -> dict[str, set[str]]:
    roles: dict[str, set[str]] = defaultdict(set)
    for holder in board.roles:
        roles[holder.role].add(holder.person)
    return dict(roles)


# ------------------------------------------------------------ requirement 1
def test_eight_concurrent_writers_lose_nothing_and_agree_with_the_timeline(
    seeded, real_store, tmp_path
):
    db, incident = seeded
    ready, go = _barrier(tmp_path, "writers", WRITERS)
    procs = [spawn("writer", db, incident, n, NOTES_EACH, ready[n], go) for n in range(WRITERS)]
    try:
        wait_for_files(ready, procs)  # every store is open before anyone writes
        go.touch()
        results = [finish(p) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()

    acked_notes: dict[str, int] = {}
    acked_checks: Counter[str] = Counter()
    acked_assigns: Counter[str] = Counter()
    busy = 0
    for n, (code, out, err) in enumerate(results):
        assert code == 0, f"writer {n} exited {code}:\n{err}"
        assert "Traceback" not in err, err
        assert "database is locked" not in out + err
        lines = out.splitlines()
        assert lines[-1] == "DONE", f"writer {n} did not finish: {lines[-3:]}"
        for line in lines:
            kind, *rest = line.split(" ")
            if kind == "NOTE":
                token, entry_id = rest
                assert token not in acked_notes
                acked_notes[token] = int(entry_id)
            elif kind == "CHECK":
                acked_checks[f"w{n}"] += 1
            elif kind == "ASSIGN":
                acked_assigns[f"w{n}"] += 1
            elif kind == "BUSY":
                busy += 1  # the store's handled answer, retried by the worker
    assert len(acked_notes) == WRITERS * NOTES_EACH
    print(f"{WRITERS} writers, {len(acked_notes)} notes, {busy} StoreBusy answers retried")

    store = real_store()
    timeline = store.timeline(incident)

    # Every acknowledged note is there exactly once, under the id it was given.
    tokens = Counter(e.text for e in timeline if e.text.startswith("tok-"))
    assert set(tokens) == set(acked_notes)
    assert max(tokens.values()) == 1
    by_token = {e.text: e for e in timeline if e.text.startswith("tok-")}
    for token, entry_id in acked_notes.items():
        assert by_token[token].id == entry_id
        assert by_token[token].actor == token.split("-")[1]

    # Each writer's notes appear in the order that writer made them.
    for n in range(WRITERS):
        mine = [e.text for e in timeline if e.text.startswith(f"tok-w{n}-")]
        assert mine == sorted(mine)

    # Ids strictly increase and recorded_at never goes backwards.
    ids = [e.id for e in timeline]
    assert all(a < b for a, b in zip(ids, ids[1:], strict=False))
    stamps = [e.recorded_at for e in timeline]
    assert all(a <= b for a, b in zip(stamps, stamps[1:], strict=False))

    # Every acknowledged tick/untick and assignment left exactly one entry.
    checks = Counter(e.actor for e in timeline if e.event.startswith("checklist."))
    assigns = Counter(e.actor for e in timeline if e.event == "role.assign")
    assert checks == acked_checks
    assert assigns == acked_assigns

    # The current-state tables say what the log says.
    board = store.board(incident)
    roles, ticked = replay(timeline)
    assert set(board.ticked) == ticked
    assert _board_roles(board) == roles
    for single in ("Lead", "Scribe"):
        assert len(board.holders(single)) <= 1

    if not isinstance(db, Path):
        return  # a server's database: no file to check
    # And the file is sound.
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


@pytest.mark.sqlite_only
def test_opening_a_new_database_while_another_process_creates_it(rel_db, rel_policy, tmp_path):
    """Two people run warroom for the first time on the same missing file.

    The race is made deterministic: this process pauses just before it reads
    what the file holds (schema version and tables, read together) while a real
    second process creates the database, then carries on. Seen without the
    pause when the two were read apart: 8 processes opening a missing file at
    once failed about once in ten runs."""
    go = tmp_path / "racer.go"
    go.touch()
    racer = []

    def create_meanwhile() -> None:
        racer.append(run_worker("open_declare", rel_db, "racer", go))

    with pause_at(SQLiteBackend._schema_facts, SQLiteBackend._prepare, create_meanwhile):
        store = Store.open(rel_db, rel_policy, "slow", clock=utcnow)
    try:
        assert racer and racer[0].code == 0, racer[0].err if racer else "racer never ran"
        store.declare("declared by slow")
        assert sorted(i.title for i in store.list_incidents()) == [
            "declared by racer",
            "declared by slow",
        ]
    finally:
        store.close()


# ------------------------------------------------------------ requirement 2
def test_concurrent_draft_edits_from_the_same_base_keep_both_texts_in_the_history(
    seeded, real_store, tmp_path
):
    db, incident = seeded
    seed = real_store(identity="comms")
    base = seed.save_draft(incident, "Investigating checkout errors.", 0)
    seed.close()
    texts = {
        "alice": "ALICE: payments provider confirms an outage; ETA 30 minutes.",
        "bob": "BOB: rollback of release 4.2 started, checkout recovering.",
    }
    ready, go = _barrier(tmp_path, "draft", 2)
    procs = {
        who: spawn("draft", db, incident, who, text, ready[n], go)
        for n, (who, text) in enumerate(texts.items())
    }
    try:
        wait_for_files(ready, list(procs.values()))
        go.touch()
        outcomes = {}
        for who, proc in procs.items():
            code, out, err = finish(proc)
            assert code == 0, err
            outcomes[who] = json.loads(out.strip().splitlines()[-1])
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()

    assert {o["base"] for o in outcomes.values()} == {base.version}
    results = sorted(o["result"] for o in outcomes.values())
    assert results == ["conflict", "saved"], outcomes
    winner = next(w for w, o in outcomes.items() if o["result"] == "saved")
    loser = next(w for w, o in outcomes.items() if o["result"] == "conflict")

    store = real_store()
    final = store.draft(incident)
    assert final.text == texts[loser]  # the draft does not grow: the other is kept aside
    history = {v.version: v.text for v in store.draft_history(incident)}
    assert history[base.version + 1] == texts[winner]
    assert final.version == base.version + 2 == outcomes[loser]["version"]
    assert final.updated_by == loser
    assert winner in outcomes[loser]["message"]


def test_concurrent_assignment_of_one_role_has_one_holder_everyone_agrees_on(
    seeded, real_store, tmp_path
):
    db, incident = seeded
    for round_ in range(2):
        people = {"alice": f"Ann{round_}", "bob": f"Ben{round_}"}
        before = real_store().timeline(incident)[-1].id
        ready, go = _barrier(tmp_path, f"assign{round_}", 2)
        procs = [
            spawn("assign", db, incident, who, "Lead", person, ready[n], go)
            for n, (who, person) in enumerate(people.items())
        ]
        try:
            wait_for_files(ready, procs)
            go.touch()
            for proc in procs:
                code, _out, err = finish(proc)
                assert code == 0, err
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()

        changes = [
            e for e in real_store().timeline(incident, after_id=before) if e.event == "role.assign"
        ]
        # Both changes are on the timeline, the second as a hand-off from the first.
        assert sorted(e.data["person"] for e in changes) == sorted(people.values())
        first, last = changes
        assert last.data["previous"] == first.data["person"]
        expected = last.data["person"]

        # Every reader, fresh stores and the CLI in another process, agrees.
        for reader in (real_store(identity="r1"), real_store(identity="r2")):
            board = reader.board(incident)
            assert board.holder("Lead") == expected
            assert len(board.holders("Lead")) == 1
        status = run_cli("--db", str(db), "status", str(incident), "--json")
        assert status.code == 0, status.err
        assert json.loads(status.out)["roles"]["Lead"] == expected


# ----------------------------------------------------------------- live sync
def test_live_sync_sees_another_process_write_and_only_the_new_entry(seeded, real_store):
    db, incident = seeded
    watcher = real_store(identity="watcher")
    watcher.has_changed()  # consume whatever was there
    assert watcher.has_changed() is False
    last = watcher.timeline(incident)[-1].id

    written = run_cli("--db", str(db), "--as", "elsewhere", "note", str(incident), "seen live?")
    assert written.code == 0, written.err
    new_id = int(written.out.strip())

    assert watcher.has_changed() is True
    fresh = watcher.timeline(incident, after_id=last)
    assert [(e.id, e.text, e.actor) for e in fresh] == [(new_id, "seen live?", "elsewhere")]
    assert watcher.has_changed() is False
