"""A hand-off typed with a time first ('@08:50 gina') happened then, as a
note's '@08:50' does; the timeline row names who said and who corrected."""

from __future__ import annotations

from datetime import timedelta

from warroom.store import Store
from warroom.tui.widgets.roles import RoleList
from warroom.tui.widgets.timeline import TimelineView

SIZE = (120, 36)


async def test_a_hand_off_typed_with_a_time_happened_then(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "down", "enter")  # Coordinator, unassigned
        await pilot.press(*"@08:50 gina", "enter")
        await pilot.pause()
        assert isinstance(app.focused, RoleList)
        await pilot.press("down", "down", "enter")  # Communicator
        await pilot.press(*"@20m da", "enter")  # a known person, picked from the list
        await pilot.pause()
        await pilot.press("up", "enter")  # Scribe, held by dan since 09:00
        await pilot.press(*"@08:20 hal", "enter")  # refused: before dan took it
        await pilot.pause()
        chooser = app.screen.query_one("#role-chooser")
        assert chooser.input.value == "@08:20 hal" and chooser.input.has_focus  # kept
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.focused, RoleList)
        await pilot.press("up", "enter")  # Coordinator again
        await pilot.press(*"@25:99 ivy", "enter")  # not a time: the chooser stays, text kept
        await pilot.pause()
        assert chooser.input.value == "@25:99 ivy" and chooser.input.has_focus
        chooser.input.value = "@08:57 ivy"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.focused, RoleList)
    board = store.board(seeded)
    coordinator = board.holders("Coordinator")[0]
    assert (coordinator.person, coordinator.assigned_at, coordinator.previous) == (
        "ivy",
        clock().replace(hour=8, minute=57),
        "gina",
    )
    communicator = board.holders("Communicator")[0]
    twenty_ago = clock() - timedelta(minutes=20)
    assert (communicator.person, communicator.assigned_at) == ("dan", twenty_ago)
    assert board.holder("Scribe") == "dan"
    entries = [e for e in store.timeline(seeded) if e.event == "role.assign"]
    assert [e.data["person"] for e in entries[-3:]] == ["gina", "dan", "ivy"]
    assert entries[-3].occurred_at == clock().replace(hour=8, minute=50)
    assert all(e.backfilled for e in entries[-3:])


async def test_the_row_of_a_correction_says_who_corrected_it(
    app_factory, db_path, policy, store, seeded, clock
):
    said = store.add_entry(seeded, "db failover", "decision", clock() - timedelta(minutes=30))
    bob = Store.open(db_path, policy, "bob", clock)
    try:
        fixed = bob.correct(said.id, "db failover to west")
    finally:
        bob.close()
    app = app_factory()
    async with app.run_test(size=SIZE):
        view = app.screen.query_one(TimelineView)
        row = next(view.format_entry(e).plain for e in view.entries if e.id == fixed.id)
    assert "⟲" in row and "alice" in row and f"[corrects #{said.id} by bob]" in row
