"""The store's ordering and merge rules on their own (warroom/core/ordering.py):
no database, only entries and incidents built in the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.core import ordering
from warroom.core.errors import UsageError
from warroom.core.model import Incident, TimelineEntry

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def entry(
    id: int, minute: int, event: str = "", supersedes: int | None = None, **data
) -> TimelineEntry:
    return TimelineEntry(
        id=id, incident_id=1, kind="system" if event else "note", text=f"e{id}", actor="ann",
        occurred_at=at(minute), recorded_at=at(minute), supersedes=supersedes,
        data={"event": event, **data} if event else {},
    )  # fmt: skip


def incident(**fields) -> Incident:
    base = dict(
        id=1, title="t", category="c", priority="P2", stage="s", status="open",
        reported_at=at(0), declared_at=at(0), declared_by="ann",
    )  # fmt: skip
    return Incident(**{**base, **fields})


def test_a_page_is_oldest_first_whichever_way_it_was_read():
    assert ordering.page_of([1, 2, 3, 4], 3, forward=True) == ([1, 2, 3], True)
    assert ordering.page_of([9, 8, 7], 3, forward=False) == ([7, 8, 9], False)
    assert ordering.page_of([], 3, forward=False) == ([], False)


def test_names_sort_as_sqlite_nocase_on_every_engine():
    names = ["bob", "Émile", "Ann", "ann", "Zoe"]
    assert sorted(names, key=ordering.nocase_key) == ["Ann", "ann", "bob", "Zoe", "Émile"]


def test_the_stronger_edit_note_wins():
    assert ordering.stronger_note("", "merged") == "merged"
    assert ordering.stronger_note("kept aside", "merged") == "kept aside"
    assert ordering.stronger_note("", "") == ""


def test_a_correction_takes_the_place_of_what_it_corrects():
    first = entry(1, 1, "role.assign", role="IC", person="ann")
    other_role = entry(2, 2, "role.assign", role="Comms", person="bob")
    handoff = entry(3, 3, "role.assign", role="IC", person="cy")
    corrected = entry(4, 2, "role.assign", supersedes=1, role="IC", person="ann")
    timeline = [first, other_role, handoff, corrected]
    facts = ordering.standing_facts(timeline, ("role", "IC"), multi_role="Responder")
    # The correction stands in its original's place (first recorded as entry 1).
    assert [(root, e.id) for root, e in facts] == [(1, 4), (3, 3)]
    assert ordering.first_of(corrected, {e.id: e for e in timeline}) is first


def test_the_many_holder_role_is_a_fact_per_person():
    key = ordering.fact_key("role.assign", {"role": "Responder", "person": "ann"}, "Responder")
    assert key == ("role", "Responder", "ann")
    assert ordering.fact_key("role.unassign", {"role": "IC", "person": "ann"}, "Responder") == (
        "role",
        "IC",
    )
    assert ordering.fact_key("checklist.tick", {"item": "x"}, None) == ("check", "x")
    assert ordering.fact_key("stage.change", {}, None) == ("stage.change",)
    assert ordering.fact_key("note", {}, None) is None


def test_a_new_fact_cannot_go_before_the_report_or_the_last_change():
    facts = [(1, entry(1, 10, "stage.change"))]
    ordering.check_new_fact(at(0), facts, at(11), "the stage change")
    with pytest.raises(UsageError, match="before the reported time"):
        ordering.check_new_fact(at(0), facts, at(-1), "the stage change")
    with pytest.raises(UsageError, match="before the last change of it"):
        ordering.check_new_fact(at(0), facts, at(9), "the stage change")


def test_a_corrected_time_stays_between_its_neighbours():
    facts = [(i, entry(i, 10 * i, "stage.change")) for i in (1, 2, 3)]
    assert ordering.check_fact_move(at(0), facts, 2, at(25)) is False  # not the latest
    assert ordering.check_fact_move(at(0), facts, 3, at(45)) is True  # the latest moves the table
    with pytest.raises(UsageError, match="before the change recorded before it"):
        ordering.check_fact_move(at(0), facts, 2, at(5))
    with pytest.raises(UsageError, match="after the change recorded after it"):
        ordering.check_fact_move(at(0), facts, 2, at(35))
    with pytest.raises(UsageError, match="corrected since"):
        ordering.check_fact_move(at(0), facts, 9, at(35))
    with pytest.raises(UsageError, match="before the reported time"):
        ordering.check_fact_move(at(0), facts, 1, at(-5))


def test_milestones_keep_their_order():
    closed = incident(status="closed", closed_at=at(60), acknowledged_at=at(5))
    ordering.check_milestone_order(closed, "triage", at(30))
    with pytest.raises(UsageError, match="after the close"):
        ordering.check_milestone_order(closed, "triage", at(61))
    with pytest.raises(UsageError, match="close cannot come before acknowledge"):
        ordering.check_milestone_order(closed, "close", at(4))
    with pytest.raises(UsageError, match="report cannot come after acknowledge"):
        ordering.check_milestone_order(closed, "reported", at(6))
    with pytest.raises(UsageError, match="before the reported time"):
        ordering.check_milestone_order(incident(), "acknowledge", at(-1))
    # The impact may start before the report, never end before it started.
    ordering.check_milestone_order(incident(), "impact-start", at(-30))
    started = incident(impact_started_at=at(-30))
    ordering.check_milestone_order(started, "impact-end", at(-10))
    with pytest.raises(UsageError, match="end before it started"):
        ordering.check_milestone_order(started, "impact-end", at(-40))
    with pytest.raises(UsageError, match="start after it ended"):
        ordering.check_milestone_order(incident(impact_ended_at=at(5)), "impact-start", at(6))


def test_the_standing_milestone_entry_is_the_latest_unless_withdrawn():
    recorded = entry(1, 1, "milestone", clock="triage")
    moved = entry(2, 2, "milestone.move", supersedes=1, clock="triage")
    other = entry(3, 3, "milestone", clock="acknowledge")
    assert ordering.standing_milestone([recorded, moved, other], "triage") == 2
    withdrawn = entry(4, 4, "milestone.withdraw", clock="triage")
    assert ordering.standing_milestone([recorded, moved, withdrawn], "triage") is None
    assert ordering.standing_milestone([other], "triage") is None


def test_a_correction_keeps_what_the_status_page_showed():
    data = {"event": "update.publish", "status": "identified", "components": {"api": "down"}}
    assert ordering.shown_states(data) == {
        "status": "identified",
        "components": {"api": "down"},
    }
    assert ordering.shown_states({"event": "update.publish"}) == {}


def test_two_edits_are_settled_merged_or_one_kept_aside():
    base = "one\ntwo\nthree\n"
    # Nobody else changed it (or it was empty and no base was given): stored as typed.
    assert ordering.settle_edit(base, "mine\n", base, 100) == ("mine\n", "")
    assert ordering.settle_edit(None, "mine", "  ", 100) == ("mine", "")
    # Both changed different lines: merged.
    mine, theirs = "ONE\ntwo\nthree\n", "one\ntwo\nTHREE\n"
    assert ordering.settle_edit(base, mine, theirs, 100) == ("ONE\ntwo\nTHREE\n", "merged")
    # The merge would pass the limit, or they clash, or no base: mine stands, theirs aside.
    assert ordering.settle_edit(base, mine, theirs, 10) == (mine, "kept aside")
    assert ordering.settle_edit(base, "A\ntwo\nthree\n", "B\ntwo\nthree\n", 100)[1] == (
        "kept aside"
    )
    assert ordering.settle_edit(None, "mine", "theirs", 100) == ("mine", "kept aside")


def test_a_draft_merges_against_the_version_it_started_from():
    base = "one\ntwo\nthree\n"
    assert ordering.merge_draft(base, "ONE\ntwo\nthree\n", "one\ntwo\nTHREE\n", 100) == (
        "ONE\ntwo\nTHREE\n"
    )
    assert ordering.merge_draft(None, "x", "y", 100) is None  # the base is not known
    assert ordering.merge_draft(base, "ONE\ntwo\nthree\n", "one\ntwo\nTHREE\n", 5) is None
