"""The SQLite store: opening and refusing files, what every write leaves behind."""

from __future__ import annotations

import gc
import hashlib
import os
import random
import sqlite3
import stat
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from warroom.core.errors import DraftConflict, NotFound, ReadOnly, StoreFailed, UsageError
from warroom.core.model import CLOSED, OPEN, replay, to_iso
from warroom.core.text import MAX_DRAFT, MAX_NOTE
from warroom.store import SCHEMA_VERSION, Store

pytestmark = pytest.mark.both_engines

TABLES = {"changes", "incidents", "timeline", "roles", "checklist", "drafts", "people"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def table_names(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        conn.close()
    return {r[0] for r in rows}


@pytest.fixture
def umask():
    """Set the process umask for one test (xdist runs tests one at a time per process)."""
    saved = os.umask(0o022)
    os.umask(saved)

    def _set(mask: int) -> None:
        os.umask(mask)

    yield _set
    os.umask(saved)


# ----------------------------------------------------------------- declare
def test_declare_round_trip(store, clock, raw):
    reported = clock() - timedelta(minutes=20)
    incident = store.declare(
        "  Checkout returns 500  ", category="perf", priority="p2",
        reported_at=reported, stage="respond",
    )  # fmt: skip
    stored = store.get_incident(incident.id)
    assert stored == incident
    assert stored.title == "Checkout returns 500"
    assert stored.category == "performance degradation"
    assert stored.priority == "P2"
    assert stored.stage == "Respond"
    assert stored.status == OPEN and stored.is_open
    assert stored.reported_at == reported
    assert stored.declared_at == clock()
    assert stored.declared_by == "alice"
    assert stored.acknowledged_at is None and stored.closed_at is None
    assert stored.resolution == ""

    (row,) = raw("SELECT * FROM incidents")
    assert row["title"] == "Checkout returns 500"
    assert row["reported_at"] == to_iso(reported)
    assert row["declared_by"] == "alice"
    (entry,) = raw("SELECT * FROM timeline")
    assert entry["incident_id"] == incident.id
    assert entry["actor"] == "alice"
    assert '"incident.declare"' in entry["data"]
    assert store.list_incidents() == [stored]


def test_declare_defaults(store, clock):
    incident = store.declare("Something odd")
    assert incident.priority == "untriaged"
    assert incident.category == "regression or bug"
    assert incident.stage == "Detect"
    assert incident.reported_at == clock()


def test_declare_refuses_future_reported_time(store, clock, raw):
    with pytest.raises(UsageError, match="future"):
        store.declare("Not yet", reported_at=clock() + timedelta(minutes=5, seconds=1))
    assert raw("SELECT * FROM incidents") == []
    assert raw("SELECT * FROM timeline") == []


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_declare_refuses_bad_titles(store, raw, title):
    with pytest.raises(UsageError, match="title"):
        store.declare(title)
    assert raw("SELECT count(*) AS n FROM incidents") == [{"n": 0}]


def test_list_incidents_hides_closed_unless_asked(store):
    a = store.declare("A")
    b = store.declare("B")
    store.close_incident(a.id, "done")
    assert [i.id for i in store.list_incidents()] == [b.id]
    assert [i.id for i in store.list_incidents(include_closed=True)] == [a.id, b.id]


def test_unknown_incident_is_not_found_and_nothing_is_written(store, raw):
    with pytest.raises(NotFound, match="999"):
        store.get_incident(999)
    with pytest.raises(NotFound):
        store.set_check(999, "c1", True)
    with pytest.raises(NotFound):
        store.add_entry(999, "hello")
    assert raw("SELECT * FROM checklist") == []
    assert raw("SELECT * FROM timeline") == []


# ---------------------------------------------------------- opening files
@pytest.mark.sqlite_only
def test_schema_created_for_a_new_file(db_file, open_store):
    assert not db_file.exists()
    open_store()
    assert user_version(db_file) == SCHEMA_VERSION
    assert table_names(db_file) >= TABLES


@pytest.mark.sqlite_only
def test_schema_created_in_an_empty_file(db_file, open_store):
    db_file.touch()
    store = open_store()
    assert user_version(db_file) == SCHEMA_VERSION
    assert table_names(db_file) >= TABLES
    assert store.declare("works").id == 1


@pytest.mark.sqlite_only
def test_reopening_keeps_data(db_file, open_store):
    first = open_store()
    incident = first.declare("Kept")
    first.close()
    again = open_store(identity="bob")
    assert again.get_incident(incident.id).title == "Kept"
    assert user_version(db_file) == SCHEMA_VERSION


@pytest.mark.sqlite_only
def test_newer_schema_is_refused_and_left_untouched(db_file, open_store):
    store = open_store()
    store.declare("From the future")
    store.close()
    conn = sqlite3.connect(db_file)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = digest(db_file)

    with pytest.raises(UsageError, match="newer") as info:
        Store.open(db_file, store.policy, "alice")
    assert str(db_file) in str(info.value)
    gc.collect()
    assert digest(db_file) == before
    assert user_version(db_file) == 99


@pytest.mark.sqlite_only
def test_sqlite_database_of_another_app_is_refused(db_file, policy):
    conn = sqlite3.connect(db_file)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()
    before = digest(db_file)
    with pytest.raises(UsageError, match="not a warroom"):
        Store.open(db_file, policy, "alice")
    gc.collect()
    assert digest(db_file) == before
    assert table_names(db_file) == {"recipes"}


@pytest.mark.sqlite_only
def test_sqlite_database_of_another_app_with_user_version_is_refused(db_file, policy):
    conn = sqlite3.connect(db_file)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    before = digest(db_file)
    try:
        with pytest.raises(UsageError):
            Store.open(db_file, policy, "alice").close()
    finally:
        gc.collect()
        assert digest(db_file) == before


def test_directory_path_is_refused(tmp_path, policy):
    with pytest.raises(UsageError, match="directory") as info:
        Store.open(tmp_path, policy, "alice")
    assert str(tmp_path) in str(info.value)


@pytest.mark.parametrize(
    "content",
    [b"name,score\nalice,3\n", b"SQLite", b"SQLite format 3\x00" + b"\x07" * 4000],
    ids=["text", "short", "sqlite-header-then-garbage"],
)
@pytest.mark.sqlite_only
def test_non_sqlite_file_is_refused_and_left_untouched(db_file, policy, content):
    db_file.write_bytes(content)
    with pytest.raises(UsageError) as info:
        Store.open(db_file, policy, "alice")
    assert str(db_file) in str(info.value)
    gc.collect()
    assert db_file.read_bytes() == content


@pytest.mark.sqlite_only
def test_wal_journal_mode(db_file, open_store):
    open_store()
    conn = sqlite3.connect(db_file)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


@pytest.mark.sqlite_only
def test_deferred_checkpoints_leave_the_log_to_checkpoint(store, db_file, raw):
    """The TUI's commits never copy the WAL back themselves; checkpoint() does,
    on its own connection, and nothing written is lost either way."""
    incident = store.declare("Checkpoints")
    store.defer_checkpoints()
    text = "x" * 3000  # about a page per entry
    for n in range(1200):
        store.add_entry(incident.id, f"{n} {text}", "note")
    wal = Path(f"{db_file}-wal")
    log, copied = store.checkpoint()
    assert log > 1000  # past the point where a commit would have checkpointed
    assert copied == log
    assert raw("SELECT count(*) AS n FROM timeline WHERE text LIKE '% x%'")[0]["n"] == 1200
    store.add_entry(incident.id, "after the checkpoint", "note")  # the log starts over
    log, copied = store.checkpoint()
    assert 0 < log < 10 and copied == log
    assert wal.exists()


def test_commits_checkpoint_by_themselves_by_default(store):
    incident = store.declare("Checkpoints")
    text = "x" * 3000
    for n in range(1200):
        store.add_entry(incident.id, f"{n} {text}", "note")
    log, _copied = store.checkpoint()
    assert log < 1000  # a commit went past 1,000 pages and copied the log back


@pytest.mark.sqlite_only
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_new_file_mode_is_owner_and_group_only(db_file, open_store, umask, mask):
    umask(mask)
    store = open_store()
    store.declare("Private notes")  # a write, so -wal and -shm exist while open
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o660
    sidecars = [Path(f"{db_file}-wal"), Path(f"{db_file}-shm")]
    assert all(p.exists() for p in sidecars)
    for path in sidecars:
        assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0, path
    assert store.warnings == []


def test_missing_parent_directories_are_created(tmp_path, open_store):
    path = tmp_path / "team" / "warroom" / "incidents.db"
    store = open_store(path=path)
    store.declare("Nested")
    assert path.is_file()
    assert user_version(path) == SCHEMA_VERSION


def test_created_parent_directory_is_group_writable_and_setgid(tmp_path, open_store, umask):
    umask(0o022)
    path = tmp_path / "shared" / "incidents.db"
    open_store(path=path)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o2770


@pytest.mark.sqlite_only
def test_other_readable_database_warns(db_file, open_store):
    open_store().close()
    os.chmod(db_file, 0o664)
    store = open_store()
    assert len(store.warnings) == 1
    assert "readable by other users" in store.warnings[0]
    assert str(db_file) in store.warnings[0]
    os.chmod(db_file, 0o660)
    assert open_store().warnings == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_file_allows_reads_and_refuses_writes(db_file, open_store, raw):
    first = open_store()
    incident = first.declare("Look, don't touch")
    first.close()
    os.chmod(db_file, 0o440)
    try:
        store = open_store()
        assert store.read_only
        assert store.get_incident(incident.id).title == "Look, don't touch"
        with pytest.raises(ReadOnly):
            store.add_entry(incident.id, "let me in")
        assert len(raw("SELECT * FROM timeline")) == 1
    finally:
        os.chmod(db_file, 0o660)


# --------------------------------------------------------------- timestamps
def test_timestamps_are_stored_as_utc_iso_strings(db_file, open_store, raw):
    plus_two = timezone(timedelta(hours=2))
    now = datetime(2026, 3, 10, 14, 30, 5, 123456, tzinfo=plus_two)
    store = open_store(clock_=lambda: now)
    reported = datetime(2026, 3, 10, 17, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    incident = store.declare("Zones", reported_at=reported)
    store.assign(incident.id, "lead", "bob")
    store.set_check(incident.id, "a1", True)
    store.record_milestone(incident.id, "acknowledge")
    store.save_draft(incident.id, "draft", 0)
    store.publish_update(incident.id, "update")

    (row,) = raw("SELECT * FROM incidents")
    assert row["reported_at"] == "2026-03-10T11:30:00.000000+00:00"
    assert row["declared_at"] == "2026-03-10T12:30:05.123456+00:00"
    stamps = [
        row["reported_at"], row["declared_at"], row["acknowledged_at"], row["last_update_at"],
        *(r["occurred_at"] for r in raw("SELECT occurred_at FROM timeline")),
        *(r["recorded_at"] for r in raw("SELECT recorded_at FROM timeline")),
        *(r["assigned_at"] for r in raw("SELECT assigned_at FROM roles")),
        *(r["at"] for r in raw("SELECT at FROM checklist")),
        *(r["updated_at"] for r in raw("SELECT updated_at FROM drafts")),
        *(r["first_seen"] for r in raw("SELECT first_seen FROM people")),
    ]  # fmt: skip
    assert len(stamps) >= 16
    for text in stamps:
        assert isinstance(text, str)
        assert text.endswith("+00:00"), text
        assert len(text) == len("2026-03-10T12:30:05.123456+00:00")
        parsed = datetime.fromisoformat(text)
        assert parsed.utcoffset() == timedelta(0)
    # Read back through the store: the same instants.
    assert store.get_incident(incident.id).reported_at == reported
    assert store.get_incident(incident.id).declared_at == now


# ------------------------------------------------- every write is on the record
def _assign(s, i):
    s.assign(i, "lead", "Bob")


def _setup_unassign(s, i):
    s.assign(i, "scribe", "Carol")


def _unassign(s, i):
    s.unassign(i, "scribe")


def _tick(s, i):
    s.set_check(i, "c3", True)


def _setup_untick(s, i):
    s.set_check(i, "c3", True)


def _untick(s, i):
    s.set_check(i, "c3", False)


def _milestone(s, i):
    s.record_milestone(i, "triage")


def _priority(s, i):
    s.set_priority(i, "P2")


def _stage(s, i):
    s.set_stage(i, "respond")


def _category(s, i):
    s.set_category(i, "security")


def _publish(s, i):
    s.publish_update(i, "We are on it.")


def _close(s, i):
    s.close_incident(i, "Rolled back")


def _setup_reopen(s, i):
    s.close_incident(i, "Rolled back")


def _reopen(s, i):
    s.reopen_incident(i, "Came back")


def _noop(s, i):
    pass


def _check_assign(raw, i):
    return raw("SELECT role, person, assigned_by FROM roles") == [
        {"role": "Lead", "person": "Bob", "assigned_by": "bob"}
    ]


def _check_unassign(raw, i):
    return raw("SELECT * FROM roles") == []


def _check_tick(raw, i):
    return raw("SELECT item_id, ticked, by FROM checklist") == [
        {"item_id": "c3", "ticked": 1, "by": "bob"}
    ]


def _check_untick(raw, i):
    return raw("SELECT item_id, ticked, by FROM checklist") == [
        {"item_id": "c3", "ticked": 0, "by": "bob"}
    ]


def _incident(raw, i):
    return raw("SELECT * FROM incidents WHERE id = ?", i)[0]


WRITES = {
    "assign": (_noop, _assign, ["role.assign"], _check_assign),
    "unassign": (_setup_unassign, _unassign, ["role.unassign"], _check_unassign),
    "tick": (_noop, _tick, ["checklist.tick"], _check_tick),
    "untick": (_setup_untick, _untick, ["checklist.untick"], _check_untick),
    "milestone": (
        _noop, _milestone, ["milestone"], lambda raw, i: _incident(raw, i)["triaged_at"]
    ),
    "priority": (
        _noop, _priority, ["priority.change"],
        lambda raw, i: _incident(raw, i)["priority"] == "P2",
    ),
    "stage": (
        _noop, _stage, ["stage.change"], lambda raw, i: _incident(raw, i)["stage"] == "Respond"
    ),
    "category": (
        _noop, _category, ["category.change"],
        lambda raw, i: _incident(raw, i)["category"] == "security breach",
    ),
    "publish": (
        _noop, _publish, ["update.publish", "milestone"],
        lambda raw, i: _incident(raw, i)["last_update_at"] and _incident(raw, i)["acknowledged_at"],
    ),
    "close": (
        _noop, _close, ["milestone", "incident.close"],
        lambda raw, i: _incident(raw, i)["status"] == CLOSED
        and _incident(raw, i)["resolution"] == "Rolled back",
    ),
    "reopen": (
        _setup_reopen, _reopen, ["incident.reopen"],
        lambda raw, i: _incident(raw, i)["status"] == OPEN
        and _incident(raw, i)["closed_at"] is None,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(WRITES))
def test_every_write_appends_a_timeline_entry_by_the_writer(name, open_store, clock, raw):
    setup, write, events, check = WRITES[name]
    alice = open_store(identity="alice")
    incident = alice.declare("Audit me")
    bob = open_store(identity="bob")
    setup(bob, incident.id)
    before = alice.timeline(incident.id)
    clock.advance(minutes=5)

    write(bob, incident.id)

    after = alice.timeline(incident.id)
    assert after[: len(before)] == before  # nothing rewritten
    new = after[len(before) :]
    assert [e.event for e in new] == events
    assert all(e.actor == "bob" for e in new)
    assert all(e.recorded_at == clock() for e in new)
    assert all(e.text.strip() for e in new)
    assert check(raw, incident.id)
    rows = raw("SELECT actor FROM timeline WHERE id > ?", before[-1].id)
    assert [r["actor"] for r in rows] == ["bob"] * len(events)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("name", ["assign", "tick", "milestone", "priority", "close"])
def test_write_and_its_timeline_entry_share_one_transaction(name, db_file, open_store, raw):
    """If the timeline insert fails, the change itself must not be kept."""
    setup, write, _events, check = WRITES[name]
    store = open_store(identity="bob")
    incident = store.declare("Atomic")
    conn = sqlite3.connect(db_file)
    conn.execute(
        "CREATE TRIGGER no_more_entries BEFORE INSERT ON timeline"
        " BEGIN SELECT RAISE(ABORT, 'timeline refused'); END"
    )
    conn.commit()
    conn.close()
    before_incident = _incident(raw, incident.id)

    with pytest.raises(StoreFailed, match="timeline refused"):  # the backend's own words
        write(store, incident.id)

    assert not check(raw, incident.id)
    assert _incident(raw, incident.id) == before_incident
    assert raw("SELECT * FROM roles") == []
    assert raw("SELECT * FROM checklist") == []
    assert len(raw("SELECT * FROM timeline")) == 1


def test_setting_the_same_value_writes_no_entry(store):
    incident = store.declare("Same", priority="P2")
    before = store.timeline(incident.id)
    assert store.set_priority(incident.id, "p2").priority == "P2"
    assert store.timeline(incident.id) == before


# --------------------------------------------------------------------- roles
def test_role_hand_off_records_the_previous_holder(store, raw):
    incident = store.declare("Hand-off")
    store.assign(incident.id, "lead", "Bob")
    holder = store.assign(incident.id, "Lead", "Carol")
    assert holder.previous == "Bob"
    assert holder.person == "Carol"

    assert raw("SELECT role, person, previous FROM roles") == [
        {"role": "Lead", "person": "Carol", "previous": "Bob"}
    ]
    board = store.board(incident.id)
    assert board.holder("Lead") == "Carol"
    assert board.holders("Lead")[0].previous == "Bob"
    last = store.role_history(incident.id)[-1]
    assert last.data["previous"] == "Bob" and last.data["person"] == "Carol"
    assert "Bob" in last.text and "Carol" in last.text


def test_responder_role_holds_many_people(store, raw):
    incident = store.declare("All hands")
    for name in ("Bob", "Carol", "Dan"):
        store.assign(incident.id, "responders", name)
    store.assign(incident.id, "Responder", "Bob")  # again: still one row for Bob
    board = store.board(incident.id)
    assert sorted(h.person for h in board.holders("Responder")) == ["Bob", "Carol", "Dan"]
    assert len(raw("SELECT * FROM roles WHERE role = 'Responder'")) == 3

    store.unassign(incident.id, "resp", "Carol")
    assert sorted(h.person for h in store.board(incident.id).holders("Responder")) == [
        "Bob",
        "Dan",
    ]
    with pytest.raises(UsageError, match="does not hold"):
        store.unassign(incident.id, "Responder", "Carol")
    store.unassign(incident.id, "Responder")  # everyone
    assert raw("SELECT * FROM roles") == []
    with pytest.raises(UsageError, match="nobody holds"):
        store.unassign(incident.id, "Responder")


@pytest.mark.parametrize("name", ["", "   ", "\t", "x" * 65, "bob\x1b[31m"])
def test_bad_person_names_are_refused(store, raw, name):
    incident = store.declare("Names")
    with pytest.raises(UsageError):
        store.assign(incident.id, "lead", name)
    assert raw("SELECT * FROM roles") == []
    assert len(store.timeline(incident.id)) == 1


def test_names_are_stripped(store):
    incident = store.declare("Names")
    assert store.assign(incident.id, "lead", "  Bob  ").person == "Bob"
    assert store.board(incident.id).holder("Lead") == "Bob"


def test_closed_incident_refuses_role_changes(store):
    incident = store.declare("Closed")
    store.close_incident(incident.id, "done")
    with pytest.raises(UsageError, match="closed"):
        store.assign(incident.id, "lead", "Bob")
    assert store.board(incident.id).roles == ()


def test_known_people_lists_declarer_and_assigned_people(store, open_store):
    incident = store.declare("People")
    store.assign(incident.id, "lead", "bob")
    store.assign(incident.id, "responder", "Carol")
    store.assign(incident.id, "responder", "dan")
    store.assign(incident.id, "scribe", "Carol")
    store.unassign(incident.id, "responder", "dan")  # known once, stays known
    assert store.known_people() == ["alice", "bob", "Carol", "dan"]
    other = open_store(identity="erin")
    assert other.known_people() == ["alice", "bob", "Carol", "dan"]
    other.add_entry(incident.id, "erin writes a note", "note")  # writing makes you known
    assert store.known_people() == ["alice", "bob", "Carol", "dan", "erin"]


# ----------------------------------------------------------------- timeline
def test_correction_supersedes_and_keeps_the_original(store, clock, raw):
    incident = store.declare("Typos")
    at = clock() - timedelta(minutes=5)
    original = store.add_entry(incident.id, "DB at 90% CPU", kind="evidence", occurred_at=at)
    clock.advance(minutes=1)
    fixed = store.correct(original.id, "DB at 99% CPU")
    assert fixed.supersedes == original.id
    assert fixed.kind == "evidence"
    assert fixed.occurred_at == at
    assert fixed.recorded_at == clock()
    assert store.entry(original.id).text == "DB at 90% CPU"
    rows = raw("SELECT id, text, supersedes FROM timeline WHERE kind = 'evidence' ORDER BY id")
    assert rows == [
        {"id": original.id, "text": "DB at 90% CPU", "supersedes": None},
        {"id": fixed.id, "text": "DB at 99% CPU", "supersedes": original.id},
    ]


def test_correction_cannot_cross_incidents(store):
    a = store.declare("A")
    b = store.declare("B")
    entry = store.add_entry(a.id, "note on A")
    with pytest.raises(UsageError, match="another incident"):
        store.add_entry(b.id, "sneaky", supersedes=entry.id)
    assert len(store.timeline(b.id)) == 1


def test_notes_are_stored_exactly_as_given(store, raw):
    incident = store.declare("Raw text")
    text = "line one\n\x1b[31mred\x1b[0m | `code` <b>"
    entry = store.add_entry(incident.id, text, kind="decision")
    assert store.entry(entry.id).text == text
    assert raw("SELECT text, kind FROM timeline WHERE id = ?", entry.id) == [
        {"text": text, "kind": "decision"}
    ]
    longest = store.add_entry(incident.id, "y" * MAX_NOTE)
    assert len(store.entry(longest.id).text) == MAX_NOTE


@pytest.mark.parametrize(
    ("text", "kind", "match"),
    [("   ", "note", "empty"), ("ok", "gossip", "kind"), ("z" * (MAX_NOTE + 1), "note", "longer")],
)
def test_bad_notes_are_refused(store, text, kind, match):
    incident = store.declare("Notes")
    with pytest.raises(UsageError, match=match):
        store.add_entry(incident.id, text, kind=kind)
    assert len(store.timeline(incident.id)) == 1


# ---------------------------------------------------------------- milestones
def test_milestone_twice_is_refused(store, clock, raw):
    incident = store.declare("Twice")
    first = store.record_milestone(incident.id, "acknowledge")
    assert first.acknowledged_at == clock()
    entries = len(store.timeline(incident.id))
    clock.advance(minutes=10)
    with pytest.raises(UsageError, match="already recorded"):
        store.record_milestone(incident.id, "acknowledge")
    assert store.get_incident(incident.id).acknowledged_at == first.acknowledged_at
    assert len(store.timeline(incident.id)) == entries
    assert _incident(raw, incident.id)["acknowledged_at"] == to_iso(first.acknowledged_at)


def test_milestone_before_report_or_unknown_is_refused(store, clock):
    incident = store.declare("Bounds", reported_at=clock() - timedelta(hours=1))
    with pytest.raises(UsageError, match="before the reported time"):
        store.record_milestone(incident.id, "triage", at=clock() - timedelta(hours=2))
    with pytest.raises(UsageError, match="unknown milestone"):
        store.record_milestone(incident.id, "lunch")
    assert store.get_incident(incident.id).triaged_at is None
    at = clock() - timedelta(minutes=30)
    assert store.record_milestone(incident.id, "triage", at=at).triaged_at == at


def test_close_before_the_response_milestones_is_refused(store, clock, raw):
    incident = store.declare("Order", reported_at=clock() - timedelta(minutes=30))
    store.record_milestone(incident.id, "remediate")  # now
    entries = len(store.timeline(incident.id))
    with pytest.raises(UsageError, match="^the close cannot come before remediate"):
        store.close_incident(incident.id, "r", at=clock() - timedelta(minutes=5))
    row = _incident(raw, incident.id)
    assert row["status"] == "open" and row["closed_at"] is None
    assert len(store.timeline(incident.id)) == entries
    clock.advance(minutes=1)
    closed = store.close_incident(incident.id, "r")
    clock.advance(minutes=1)
    # A closed incident's milestones cannot be moved after its close either.
    with pytest.raises(UsageError, match="^remediate cannot come after the close"):
        store.set_milestone(incident.id, "remediate", clock())
    with pytest.raises(UsageError, match="^the close cannot come before remediate"):
        store.set_milestone(incident.id, "close", clock() - timedelta(minutes=10))
    assert _incident(raw, incident.id)["closed_at"] == to_iso(closed.closed_at)
    # After a reopen, the second close is held to the same order.
    store.reopen_incident(incident.id, "back")
    with pytest.raises(UsageError, match="before remediate"):
        store.close_incident(incident.id, "again", at=clock() - timedelta(minutes=20))
    assert _incident(raw, incident.id)["status"] == "open"


def test_milestone_in_the_future_is_refused(store, clock):
    incident = store.declare("Time travel", priority="P1")
    with pytest.raises(UsageError, match="future"):
        store.record_milestone(incident.id, "acknowledge", at=clock() + timedelta(hours=1))


def test_publish_acknowledges_once(store, clock):
    incident = store.declare("Tell them")
    entry = store.publish_update(incident.id, "First update")
    assert entry.kind == "update" and entry.public
    stored = store.get_incident(incident.id)
    assert stored.acknowledged_at == clock() == stored.last_update_at
    clock.advance(hours=1)
    store.publish_update(incident.id, "Second update")
    again = store.get_incident(incident.id)
    assert again.acknowledged_at == stored.acknowledged_at
    assert again.last_update_at == clock()
    assert [e.event for e in store.timeline(incident.id)].count("milestone") == 1
    with pytest.raises(UsageError, match="empty"):
        store.publish_update(incident.id, "  ")


def test_close_and_reopen(store, clock):
    incident = store.declare("Lifecycle")
    with pytest.raises(UsageError, match="resolution"):
        store.close_incident(incident.id, "   ")
    with pytest.raises(UsageError, match="already open"):
        store.reopen_incident(incident.id)
    closed = store.close_incident(incident.id, "  Fixed the config  ")
    assert closed.status == CLOSED
    assert closed.resolution == "Fixed the config"
    assert closed.stage == "Recover"
    assert closed.closed_at == clock() == closed.remediated_at
    with pytest.raises(UsageError, match="closed"):
        store.close_incident(incident.id, "again")
    reopened = store.reopen_incident(incident.id, "regressed")
    assert reopened.status == OPEN and reopened.closed_at is None
    assert store.timeline(incident.id)[-1].text == "Incident reopened: regressed"


# -------------------------------------------------------------------- drafts
def test_draft_versions(store, raw):
    incident = store.declare("Drafts")
    assert store.draft(incident.id).version == 0
    first = store.save_draft(incident.id, "We are investigating.", 0)
    assert (first.text, first.version, first.updated_by) == ("We are investigating.", 1, "alice")
    second = store.save_draft(incident.id, "We found the cause.", 1)
    assert second.version == 2
    assert raw("SELECT text, version FROM drafts") == [
        {"text": "We found the cause.", "version": 2}
    ]


def test_clashing_draft_saves_keep_the_other_text_in_the_history(open_store, raw):
    alice = open_store(identity="alice")
    bob = open_store(identity="bob")
    incident = alice.declare("Two writers")
    alice.save_draft(incident.id, "Alice: payments are degraded.", 0)

    with pytest.raises(DraftConflict) as info:
        bob.save_draft(incident.id, "Bob: checkout is failing.", 0)

    stored = alice.draft(incident.id)
    assert stored.text == "Bob: checkout is failing."  # not both: the draft never doubles
    assert stored.version == 2 == info.value.current_version
    assert "alice" in str(info.value) and "history" in str(info.value)
    history = alice.draft_history(incident.id)
    assert [(v.version, v.text, v.saved_by) for v in history] == [
        (1, "Alice: payments are degraded.", "alice"),
        (2, "Bob: checkout is failing.", "bob"),
    ]
    assert history[1].note == "kept aside v1 by alice"
    # Both are told: the timeline says so.
    (told,) = [e for e in alice.timeline(incident.id) if e.event == "draft.conflict"]
    assert "v1 by alice is kept" in told.text
    (row,) = raw("SELECT text, version, updated_by FROM drafts")
    assert row == {"text": stored.text, "version": 2, "updated_by": "bob"}


def test_edits_to_different_lines_of_the_draft_are_merged(open_store):
    alice = open_store(identity="alice")
    bob = open_store(identity="bob")
    incident = alice.declare("Two writers")
    base = alice.save_draft(incident.id, "Status: investigating\nImpact: EU\n", 0)
    alice.save_draft(incident.id, "Status: mitigating\nImpact: EU\n", base.version)
    merged = bob.save_draft(incident.id, "Status: investigating\nImpact: EU and US\n", 1)
    assert merged.text == "Status: mitigating\nImpact: EU and US\n"
    assert merged.note == "merged with v2 by alice"
    assert [v.version for v in bob.draft_history(incident.id)] == [1, 2, 3]


def test_same_text_on_a_stale_version_is_not_a_conflict(open_store):
    alice = open_store(identity="alice")
    bob = open_store(identity="bob")
    incident = alice.declare("Agreeing writers")
    alice.save_draft(incident.id, "Same words.", 0)
    saved = bob.save_draft(incident.id, "Same words.", 0)
    assert saved.text == "Same words."
    assert saved.version == 2


def test_clashing_long_drafts_never_pass_the_limit(open_store):
    alice = open_store(identity="alice")
    bob = open_store(identity="bob")
    incident = alice.declare("Long drafts")
    alice_text = "A" * (MAX_DRAFT - 100)
    bob_text = "B" * (MAX_DRAFT - 100)
    alice.save_draft(incident.id, alice_text, 0)
    with pytest.raises(DraftConflict):
        bob.save_draft(incident.id, bob_text, 0)
    assert len(alice.draft(incident.id).text) <= MAX_DRAFT
    kept = [v.text for v in alice.draft_history(incident.id)]
    assert alice_text in kept and bob_text in kept


def test_a_merge_that_would_pass_the_limit_keeps_the_other_aside(open_store):
    alice = open_store(identity="alice")
    bob = open_store(identity="bob")
    incident = alice.declare("Long drafts")
    half = MAX_DRAFT // 2 + 10
    base = alice.save_draft(incident.id, "top\nbottom\n", 0)
    alice.save_draft(incident.id, "top\n" + "a" * half + "\nbottom\n", base.version)
    with pytest.raises(DraftConflict):
        bob.save_draft(incident.id, "top\nbottom\n" + "b" * half + "\n", base.version)
    assert len(alice.draft(incident.id).text) <= MAX_DRAFT


# ---------------------------------------------------------------- polling
def _sees_a_change(store, engine: str) -> bool:
    """SQLite's marker moves with the other commit; PostgreSQL's notification
    crosses a socket, so it is asked for (without a query) until it is there."""
    if engine == "sqlite":
        return store.has_changed()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if store.has_changed():
            return True
        time.sleep(0.01)
    return False


def test_has_changed_sees_other_connections_and_own_writes(open_store, engine):
    mine = open_store(identity="alice")
    theirs = open_store(identity="bob")
    mine.has_changed()  # prime
    assert mine.has_changed() is False
    mine.list_incidents()
    assert mine.has_changed() is False  # reads are not changes

    incident = theirs.declare("From elsewhere")
    assert _sees_a_change(mine, engine) is True
    assert mine.has_changed() is False
    assert mine.get_incident(incident.id).declared_by == "bob"

    theirs.has_changed()
    mine.add_entry(incident.id, "my own note")
    assert mine.has_changed() is True
    assert mine.has_changed() is False
    assert _sees_a_change(theirs, engine) is True  # it sees alice's note
    assert theirs.timeline(incident.id)[-1].actor == "alice"
    # Our own commit's notification, when it lands, is not news.
    time.sleep(0.2)
    assert mine.has_changed() is False


def test_revision_counts_commits(store):
    start = store.revision()
    incident = store.declare("Rev")
    store.add_entry(incident.id, "one")
    assert store.revision() == start + 2
    revisions = store.incident_revisions()
    assert revisions[incident.id] == 2  # declare entry + note


# -------------------------------------------------------------------- replay
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_replay_of_timeline_matches_the_stored_state(seed, open_store, policy, raw):
    rng = random.Random(seed)
    alice = open_store(identity="alice")
    bob = open_store(identity="bob")
    incident = alice.declare("Busy incident")
    other = alice.declare("Noise on another incident")
    people = ["Ann", "Ben", "Cat", "Dev"]
    items = [i.id for i in policy.checklist]
    for _ in range(80):
        store = rng.choice([alice, bob])
        target = incident.id if rng.random() < 0.85 else other.id
        op = rng.choice(["assign", "assign", "unassign", "tick", "untick", "note"])
        try:
            if op == "assign":
                store.assign(target, rng.choice(policy.roles), rng.choice(people))
            elif op == "unassign":
                person = rng.choice([None, rng.choice(people)])
                store.unassign(target, rng.choice(policy.roles), person)
            elif op in ("tick", "untick"):
                store.set_check(target, rng.choice(items), op == "tick")
            else:
                store.add_entry(target, f"note {rng.random()}")
        except UsageError:
            pass  # e.g. unassigning a role nobody holds

    for inc in (incident, other):
        board = alice.board(inc.id)
        roles, ticked = replay(alice.timeline(inc.id))
        stored_roles: dict[str, set[str]] = {}
        for holder in board.roles:
            stored_roles.setdefault(holder.role, set()).add(holder.person)
        assert roles == stored_roles
        assert ticked == set(board.ticked)
        rows = raw("SELECT item_id FROM checklist WHERE incident_id = ? AND ticked = 1", inc.id)
        assert {r["item_id"] for r in rows} == ticked
        # Single roles never have more than one holder.
        for role in policy.single_roles:
            assert len(board.holders(role)) <= 1
    assert any(roles for roles in replay(alice.timeline(incident.id)))


def test_timeline_pages_follow_the_order_things_happened(store, clock):
    """Pages of a long timeline in its one order (occurred, then id), however
    the entries were recorded: backfilled, tied in time, corrected later."""
    iid = store.declare("pages", "regression", "P1", reported_at=clock() - timedelta(hours=2)).id
    rng = random.Random(7)
    for n in range(60):
        ago = timedelta(minutes=rng.choice([5, 30, 30, 60, 90]))  # many ties in time
        store.add_entry(iid, f"e{n}", "note", occurred_at=clock() - ago)
    notes = [e for e in store.timeline(iid) if e.kind == "note"]
    fixes = [store.correct(notes[3].id, "fixed once"), store.correct(notes[40].id, "fixed")]
    again = store.correct(notes[3].id, "fixed twice")
    want = sorted(store.timeline(iid), key=lambda e: (e.occurred_at, e.id))
    latest = max(e.id for e in want)

    page = store.timeline_page(iid, 7, first=True)
    got = list(page.entries)
    while page.more:
        page = store.timeline_page(iid, 7, after=got[-1])
        got += page.entries
        assert page.latest_id == latest
    assert [e.id for e in got] == [e.id for e in want]

    page = store.timeline_page(iid, 7)
    got = list(page.entries)
    while page.more:
        page = store.timeline_page(iid, 7, before=got[0])
        got = page.entries + got
    assert [e.id for e in got] == [e.id for e in want]

    through = store.timeline_page(iid, 5, through=want[30])
    assert [e.id for e in through.entries] == [e.id for e in want[26:31]] and through.more
    everywhere = {}
    for n in range(0, len(want), 9):
        everywhere.update(store.timeline_page(iid, 9, after=want[n - 1] if n else None,
                                              first=not n).replaced_by)  # fmt: skip
    assert everywhere == {notes[3].id: again.id, notes[40].id: fixes[1].id}


def test_retro_edits_made_meanwhile_are_merged_or_kept_aside(open_store, clock):
    alice, bob = open_store(), open_store(identity="bob")
    iid = alice.declare("retro", "regression", "P1").id
    alice.set_root_cause(iid, "pool too small\nno alert")
    # Bob changes one line while alice edits the other: both kept.
    bob.set_root_cause(
        iid, "pool too small\nno alert on saturation", base="pool too small\nno alert"
    )
    saved = alice.set_root_cause(
        iid, "connection pool too small\nno alert", base="pool too small\nno alert"
    )
    assert saved.note == "merged"
    assert alice.retro(iid).root_cause == "connection pool too small\nno alert on saturation"
    # The same words changed both ways: alice's is saved, bob's kept in the timeline.
    bob.set_root_cause(iid, "REMOTE overwrite", base=saved.text)
    clash = alice.set_root_cause(iid, "LOCAL rewrite", base=saved.text)
    assert clash.note == "kept aside" and alice.retro(iid).root_cause == "LOCAL rewrite"
    kept = [e for e in alice.timeline(iid) if e.event == "retro.kept_aside"]
    assert len(kept) == 1 and kept[0].text.endswith("that one read: REMOTE overwrite")
    # A whole replacement (the CLI) keeps the text it replaces.
    assert bob.set_root_cause(iid, "replaced whole").note == "kept aside"
    assert alice.timeline(iid)[-1].text.endswith("it read: LOCAL rewrite")
    assert bob.set_root_cause(iid, "replaced whole").note == ""  # nothing new to keep

    alice.save_why(iid, 2, "Why?", "local answer")
    bob.save_why(iid, 2, "Why because CLI?", "REMOTE answer 2")  # replaces: kept aside
    why = alice.save_why(iid, 2, "Why?", "local answer more", base=("Why?", "local answer"))
    assert why.note == "kept aside"
    assert (why.question, why.answer) == ("Why because CLI?", "local answer more")
    texts = [e.text for e in alice.timeline(iid) if e.event == "retro.kept_aside"]
    assert texts[-1].endswith("that one read: REMOTE answer 2")
    assert texts[-2].endswith("it read: local answer")  # what bob's CLI replaced
