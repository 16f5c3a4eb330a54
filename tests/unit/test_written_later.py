"""What a correction keeps (who said it, when it was first written down) and
facts written down after they happened: role hand-offs, ticks, stage and
priority changes dated in the past, and their times corrected, with the
tables following the timeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from warroom.core.errors import UsageError
from warroom.core.model import replay, superseded_map
from warroom.core.record import replace
from warroom.formats.export import entry_dict, render_export

pytestmark = pytest.mark.both_engines

LONG_AGO = datetime(2018, 6, 1, 23, 0, tzinfo=UTC)


@pytest.fixture
def alice(store):
    return store


@pytest.fixture
def bob(open_store):
    return open_store(identity="bob")


@pytest.fixture
def replayed(alice) -> int:
    """An incident of 2018, written down in 2026 (today's test clock)."""
    return alice.declare("Old outage", priority="P2", reported_at=LONG_AGO).id


def markdown(store, iid: int, clock) -> str:
    return render_export(store.bundle(iid), store.policy, "md", False, clock())


def json_export(store, iid: int, clock) -> dict:
    return json.loads(render_export(store.bundle(iid), store.policy, "json", False, clock()))


def row_of(text: str, entry_id: int) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"| #{entry_id} |"))


# ------------------------------------------------------------ 12: corrections
def test_a_corrected_backfilled_decision_stays_written_later_and_alice_s(
    alice, bob, replayed, clock
):
    said = alice.add_entry(
        replayed, "fail over to the west", "decision", occurred_at=LONG_AGO + timedelta(minutes=5)
    )
    assert said.backfilled
    fixed = bob.correct(said.id, "fail over to the west region")
    assert fixed.actor == "alice"  # who decided it
    assert fixed.corrected_by == "bob"
    assert fixed.backfilled
    assert fixed.first_recorded_at == said.recorded_at

    exported = {e["id"]: e for e in json_export(bob, replayed, clock)["timeline"]}
    assert exported[fixed.id]["actor"] == "alice"
    assert exported[fixed.id]["corrected_by"] == "bob"
    assert exported[fixed.id]["backfilled"] is True
    assert exported[said.id]["corrected_by"] is None

    row = row_of(markdown(bob, replayed, clock), fixed.id)
    assert "| alice |" in row
    assert f"correction of #{said.id} by bob" in row
    assert "written later: 2026-03-10 12:00:00 UTC" in row


def test_a_correction_of_a_correction_keeps_the_first_author_and_time(
    alice, bob, open_store, replayed, clock
):
    said = alice.add_entry(replayed, "db is fine", occurred_at=LONG_AGO)
    clock.advance(hours=1)
    once = bob.correct(said.id, "db is fine (replica lagging)")
    clock.advance(hours=1)
    twice = open_store(identity="carol").correct(once.id, at=LONG_AGO + timedelta(minutes=2))
    assert (twice.actor, twice.corrected_by) == ("alice", "carol")
    assert twice.first_recorded_at == said.recorded_at
    assert twice.text == "db is fine (replica lagging)" and twice.backfilled


def test_a_note_s_time_corrected_into_the_past_is_marked_written_later(alice, replayed, clock):
    said = alice.add_entry(replayed, "paged the DBA")
    assert not said.backfilled  # written as it happened
    fixed = alice.correct(said.id, at=clock() - timedelta(minutes=40))
    # It happened 40 minutes before it was written down: that is "written later".
    assert fixed.backfilled
    text_only = alice.correct(fixed.id, "paged the DBA on-call")
    assert text_only.backfilled and text_only.occurred_at == fixed.occurred_at
    again = alice.add_entry(replayed, "now")
    assert not alice.correct(again.id, "now, really").backfilled


def test_a_corrected_system_entry_and_update_keep_their_author(alice, bob, replayed, clock):
    alice.assign(replayed, "Lead", "alice", at=LONG_AGO + timedelta(minutes=1))
    handed = alice.timeline(replayed)[-1]
    fixed = bob.correct(handed.id, at=LONG_AGO + timedelta(minutes=3))
    assert (fixed.actor, fixed.corrected_by, fixed.backfilled) == ("alice", "bob", True)

    update = alice.publish_update(replayed, "We are looking", at=LONG_AGO + timedelta(minutes=9))
    assert update.backfilled
    fixed = bob.correct(update.id, "We are looking into it")
    assert (fixed.actor, fixed.corrected_by, fixed.backfilled) == ("alice", "bob", True)


def test_a_corrected_backfilled_milestone_stays_written_later(alice, bob, replayed):
    alice.record_milestone(replayed, "triage", LONG_AGO + timedelta(minutes=20))
    entry = alice.timeline(replayed)[-1]
    assert entry.backfilled
    bob.correct(entry.id, at=LONG_AGO + timedelta(minutes=25))
    moved = bob.timeline(replayed)[-1]
    assert moved.event == "milestone.move" and moved.supersedes == entry.id
    assert (moved.actor, moved.corrected_by, moved.backfilled) == ("alice", "bob", True)


def test_the_timeline_row_names_the_corrector_beside_the_author(alice, bob, replayed):
    from warroom.tui.widgets.timeline import TimelineView

    said = alice.add_entry(replayed, "rolled back", "change", occurred_at=LONG_AGO)
    fixed = bob.correct(said.id, "rolled back to v41")
    view = TimelineView()
    row = view.format_entry(fixed).plain
    assert "⟲" in row
    assert "alice" in row and f"[corrects #{said.id} by bob]" in row


# ------------------------------------------------------- 13: dated in the past
def test_roles_ticks_stage_and_priority_take_a_time(alice, replayed, clock, raw):
    at = LONG_AGO + timedelta(minutes=10)
    holder = alice.assign(replayed, "Lead", "carol", at=at)
    assert holder.assigned_at == at
    alice.set_check(replayed, "c1", True, at=at + timedelta(minutes=1))
    alice.set_stage(replayed, "Respond", at=at + timedelta(minutes=2))
    alice.set_priority(replayed, "P1", at=at + timedelta(minutes=3))
    alice.assign(replayed, "Responder", "dan", at=at + timedelta(minutes=4))
    alice.unassign(replayed, "Responder", "dan", at=at + timedelta(minutes=5))

    board = alice.board(replayed)
    assert board.holders("Lead")[0].assigned_at == at
    assert board.checklist["c1"].at == at + timedelta(minutes=1)
    entries = alice.timeline(replayed)[-6:]
    assert [e.event for e in entries] == [
        "role.assign", "checklist.tick", "stage.change", "priority.change", "role.assign",
        "role.unassign",
    ]  # fmt: skip
    assert [e.occurred_at - at for e in entries] == [timedelta(minutes=m) for m in range(6)]
    assert all(e.backfilled for e in entries)  # marked as backdated notes are
    stored = raw("SELECT assigned_at FROM roles WHERE incident_id = ?", replayed)
    assert [datetime.fromisoformat(r["assigned_at"]) for r in stored] == [at]


def test_times_in_the_future_before_the_report_or_the_last_change_are_refused(
    alice, replayed, clock
):
    before = len(alice.timeline(replayed))
    with pytest.raises(UsageError, match="in the future"):
        alice.assign(replayed, "Lead", "carol", at=clock() + timedelta(hours=1))
    with pytest.raises(UsageError, match="before the reported time"):
        alice.set_check(replayed, "c1", True, at=LONG_AGO - timedelta(minutes=1))
    alice.assign(replayed, "Lead", "carol", at=LONG_AGO + timedelta(hours=1))
    with pytest.raises(UsageError, match="before the last change"):
        alice.assign(replayed, "Lead", "dan", at=LONG_AGO + timedelta(minutes=30))
    with pytest.raises(UsageError, match="before the last change"):
        alice.unassign(replayed, "Lead", at=LONG_AGO + timedelta(minutes=30))
    alice.set_stage(replayed, "Respond", at=LONG_AGO + timedelta(hours=1))
    with pytest.raises(UsageError, match="before the last change"):
        alice.set_stage(replayed, "Recover", at=LONG_AGO + timedelta(minutes=59))
    assert len(alice.timeline(replayed)) == before + 2  # nothing refused was written
    assert alice.board(replayed).holder("Lead") == "carol"


def test_correcting_a_hand_off_s_time_moves_the_since_and_shows_it_once(
    alice, bob, replayed, clock
):
    alice.assign(replayed, "Lead", "alice")
    clock.advance(minutes=30)
    holder = alice.assign(replayed, "Lead", "carol")
    handoff = alice.timeline(replayed)[-1]
    clock.advance(minutes=30)
    new_time = holder.assigned_at - timedelta(minutes=10)
    fixed = bob.correct(handoff.id, at=new_time)
    lead = bob.board(replayed).holders("Lead")[0]
    assert (lead.person, lead.assigned_at, lead.assigned_by) == ("carol", new_time, "alice")

    text = markdown(bob, replayed, clock)
    changes = text.split("## Role changes")[1].split("\n## ")[0]
    handoffs = [line for line in changes.splitlines() if "carol" in line]
    assert len(handoffs) == 1, changes
    assert "2026-03-10 12:20:00" in handoffs[0]
    assert f"correction of #{handoff.id} by bob" in handoffs[0]
    assert "written later" in handoffs[0]
    # The log and the tables still agree.
    roles, _ = replay(bob.timeline(replayed))
    assert roles["Lead"] == {"carol"}
    assert fixed.id in {e.id for e in bob.role_history(replayed)}


def test_correcting_a_tick_s_time_moves_the_tick(alice, bob, replayed, clock):
    alice.set_check(replayed, "i3", True)
    tick = alice.timeline(replayed)[-1]
    bob.correct(tick.id, at=LONG_AGO + timedelta(hours=2))
    state = bob.board(replayed).checklist["i3"]
    assert (state.ticked, state.by, state.at) == (True, "alice", LONG_AGO + timedelta(hours=2))
    assert "ticked by alice, 2018-06-02 01:00:00" in markdown(bob, replayed, clock)


def test_correcting_a_stage_or_priority_change_moves_its_time(alice, bob, replayed, clock):
    alice.set_stage(replayed, "Respond")
    alice.set_priority(replayed, "P1")
    stage, priority = alice.timeline(replayed)[-2:]
    bob.correct(stage.id, at=LONG_AGO + timedelta(minutes=5))
    bob.correct(priority.id, at=LONG_AGO + timedelta(minutes=6))
    entries = bob.timeline(replayed)
    later = superseded_map(entries)
    standing = {e.event: e for e in entries if e.id not in later}
    assert standing["stage.change"].occurred_at == LONG_AGO + timedelta(minutes=5)
    assert standing["priority.change"].occurred_at == LONG_AGO + timedelta(minutes=6)
    incident = bob.get_incident(replayed)
    assert (incident.stage, incident.priority) == ("Respond", "P1")
    exported = {e["id"]: e for e in json_export(bob, replayed, clock)["timeline"]}
    fixed = exported[standing["stage.change"].id]
    assert (fixed["actor"], fixed["corrected_by"], fixed["backfilled"]) == ("alice", "bob", True)


def test_a_corrected_time_keeps_the_order_of_changes_of_the_same_thing(alice, bob, replayed):
    alice.set_check(replayed, "c2", True, at=LONG_AGO + timedelta(minutes=10))
    alice.set_check(replayed, "c2", False, at=LONG_AGO + timedelta(minutes=20))
    tick, untick = alice.timeline(replayed)[-2:]
    with pytest.raises(UsageError, match="after the change recorded after it"):
        bob.correct(tick.id, at=LONG_AGO + timedelta(minutes=25))
    with pytest.raises(UsageError, match="before the change recorded before it"):
        bob.correct(untick.id, at=LONG_AGO + timedelta(minutes=5))
    with pytest.raises(UsageError, match="before the reported time"):
        bob.correct(tick.id, at=LONG_AGO - timedelta(minutes=5))
    # An earlier tick moved within its bounds leaves the untick the item's state.
    bob.correct(tick.id, at=LONG_AGO + timedelta(minutes=15))
    state = bob.board(replayed).checklist["c2"]
    assert (state.ticked, state.at) == (False, LONG_AGO + timedelta(minutes=20))
    fixed = bob.timeline(replayed)[-1]
    with pytest.raises(UsageError, match="corrected since"):
        bob.correct(tick.id, at=LONG_AGO + timedelta(minutes=12))
    bob.correct(fixed.id, at=LONG_AGO + timedelta(minutes=12))


def test_a_correction_made_before_they_carried_anything_reads_as_before(alice, replayed):
    said = alice.add_entry(replayed, "x", occurred_at=LONG_AGO)
    fixed = alice.correct(said.id, "y")
    assert entry_dict(fixed)["corrected_by"] == "alice"
    old = replace(fixed, data={})
    assert (old.corrected_by, old.first_recorded_at, old.backfilled) == ("", None, False)


def test_the_log_still_says_who_holds_a_role_after_an_earlier_hand_off_is_corrected(
    alice, bob, replayed, clock
):
    alice.assign(replayed, "Lead", "alice")
    first = alice.timeline(replayed)[-1]
    clock.advance(minutes=30)
    alice.assign(replayed, "Lead", "carol")
    alice.set_check(replayed, "c3", True)
    tick = alice.timeline(replayed)[-1]
    alice.set_check(replayed, "c3", False)
    bob.correct(first.id, at=first.occurred_at - timedelta(minutes=5))
    bob.correct(tick.id, at=tick.occurred_at - timedelta(minutes=5))
    assert bob.board(replayed).holders("Lead")[0].assigned_at == clock()  # carol's, unmoved
    roles, ticked = replay(bob.timeline(replayed))
    assert roles["Lead"] == {"carol"} and "c3" not in ticked


def test_correcting_a_correction_written_before_they_kept_anything(
    alice, bob, open_store, replayed
):
    said = alice.add_entry(replayed, "cache cold", occurred_at=LONG_AGO)
    with bob._write():  # a correction as warroom wrote them before: bob's, nothing carried
        legacy = bob._append(
            replayed, "note", "cache cold (EU)", supersedes=said.id, occurred_at=LONG_AGO
        )
    assert (bob.entry(legacy).actor, bob.entry(legacy).backfilled) == ("bob", False)
    fixed = open_store(identity="carol").correct(legacy, "cache cold (EU only)")
    assert (fixed.actor, fixed.corrected_by) == ("alice", "carol")
    assert fixed.first_recorded_at == said.recorded_at and fixed.backfilled


def test_a_corrector_s_name_is_escaped_in_the_markdown_marks(alice, open_store, replayed, clock):
    said = alice.add_entry(replayed, "x", occurred_at=LONG_AGO)
    fixed = open_store(identity="m*l|[y](z)").correct(said.id, "y")
    row = row_of(markdown(alice, replayed, clock), fixed.id)
    assert "by m\\*l\\|\\[y\\](z)" in row
    assert row.count(" | ") == 5  # the name opens no extra cell
