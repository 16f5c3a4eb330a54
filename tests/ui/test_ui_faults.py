"""The TUI under a locked database and in read-only mode: keeps drawing, loses nothing."""

from __future__ import annotations

import sqlite3
import time

from warroom.core.model import to_iso
from warroom.store import Store

SIZE = (120, 36)


async def test_busy_database_queues_writes_and_saves_them_later(
    app_factory, store, seeded, db_path
):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("1", "space")  # tick c1 while another process holds the lock
            await pilot.press("4", "n", *"typed while locked", "enter")
            await pilot.pause()
            assert len(app.pending) == 2
            header = app.screen.query_one("#header")
            assert "WAITING FOR DATABASE (2 queued)" in header.render().plain
            # Nothing typed is thrown away: the note left the input for the
            # queue, and shows as waiting.
            assert app.screen.query_one("#note-input").value == ""
            waiting = app.screen.query_one("#note-waiting").render()
            assert "not saved yet: typed while locked" in str(waiting)
            # The clocks keep ticking: a tick renders without touching the lock.
            app.tick()
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        await pilot.pause(1.2)
        assert app.pending == []
        assert not app.screen.query_one("#note-waiting").display
        assert "WAITING" not in app.screen.query_one("#header").render().plain
    board = store.board(seeded)
    assert board.checklist["c1"].ticked
    timeline = store.timeline(seeded)
    # Written once each, in the order the keys were pressed.
    assert [e.event or e.text for e in timeline[-2:]] == ["checklist.tick", "typed while locked"]


async def test_read_only_mode_explains_and_changes_nothing(db_path, policy, clock, seeded):
    from warroom.tui.app import make_app

    watcher = Store.open(db_path, policy, "observer", clock, read_only=True)
    before = watcher.revision()
    app = make_app(watcher, policy, clock=clock)
    notes = []
    async with app.run_test(size=SIZE) as pilot:
        app.notify = lambda message, **kw: notes.append(message)
        assert "READ-ONLY" in app.screen.query_one("#header").render().plain
        await pilot.press("1", "space")
        await pilot.press("3", "t")
        await pilot.pause()
    watcher.close()
    assert len(notes) == 2 and all("read-only" in n for n in notes)
    check = Store.open(db_path, policy, "alice", clock)
    assert check.revision() == before
    assert "c1" not in check.board(seeded).checklist
    check.close()


async def test_quit_with_changes_queued_says_what_and_waits_for_them(
    app_factory, store, seeded, db_path
):
    from keyburst import burst, settle

    from warroom.tui.screens.modals import QuitModal

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        burst(app, "4", "n", "last words before quitting", "enter", "escape", "q")
        await settle(app, pilot)
        assert isinstance(app.screen, QuitModal)
        shown = str(app.screen.query_one("#quit-list").render())
        assert "note: last words before quitting" in shown
        burst(app, "w")
        await settle(app, pilot)
        assert "waiting for them" in str(app.screen.query_one("#quit-hint").render())
        assert app.is_running  # still waiting: nothing dropped
        blocker.execute("ROLLBACK")
        blocker.close()
        app.retry_pending()  # written: the dialog that waited for it quits by itself
        deadline = time.monotonic() + 30  # the worker writes it; the dialog sees that
        while app.return_code is None and time.monotonic() < deadline:
            await pilot.pause(0.05)
    assert app.return_code == 0
    assert "last words before quitting" in [e.text for e in store.timeline(seeded)]


async def test_quit_anyway_is_a_choice_and_escape_stays(app_factory, store, seeded, db_path):
    from keyburst import burst, settle

    from warroom.tui.screens.modals import QuitModal

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            burst(app, "4", "n", "dropped on purpose", "enter", "escape", "q")
            await settle(app, pilot)
            assert isinstance(app.screen, QuitModal)
            burst(app, "escape")
            await settle(app, pilot)
            assert not isinstance(app.screen, QuitModal) and len(app.pending) == 1
            burst(app, "q", "Q")
            await settle(app, pilot)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
    assert app.return_code == 0
    assert "dropped on purpose" not in [e.text for e in store.timeline(seeded)]


async def test_timers_leave_screens_alone_once_shutdown_began(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        app.exit(0)
        # What the one-second tick, the poll and a late hook would do now.
        app.tick()
        app.poll()
        app.sync()
        app.flush_typing()
        app.refresh_screen_header()
        await pilot.pause()
    app.tick()
    app.poll()
    app.retry_pending()
    assert app.return_code == 0


async def test_queued_writes_keep_the_time_they_were_typed(
    app_factory, store, seeded, db_path, clock
):
    """A note and a close queued behind a lock land with the time
    enter was pressed, not the time the lock went."""
    from keyburst import burst, settle

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        typed = clock()
        try:
            burst(app, "4", "n", "typed while locked", "enter", "escape")
            await settle(app, pilot)
            clock.advance(minutes=1)
            closed = clock()
            burst(app, "X", "rolled back", "enter")
            await settle(app, pilot)
            assert len(app.pending) == 2
            clock.advance(minutes=7)  # a long backup holds the lock
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        app.retry_pending()
        await settle(app, pilot)
        assert app.pending == []
    check = sqlite3.connect(db_path)
    (row,) = check.execute(
        "SELECT occurred_at, recorded_at FROM timeline WHERE text = ?", ("typed while locked",)
    ).fetchall()
    check.close()
    assert row == (to_iso(typed), to_iso(clock()))
    assert store.get_incident(seeded).closed_at == closed


async def test_queue_drained_under_a_dialog_updates_it_and_the_header(
    app_factory, store, seeded, db_path
):
    from keyburst import burst, settle

    from warroom.tui.screens.modals import QuitModal

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            burst(app, "4", "n", "q test no w", "enter", "escape", "q")
            await settle(app, pilot)
            assert isinstance(app.screen, QuitModal)
            assert "note: q test no w" in str(app.screen.query_one("#quit-list").render())
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        app.retry_pending()
        await settle(app, pilot)
        assert "q test no w" in [e.text for e in store.timeline(seeded)]
        assert isinstance(app.screen, QuitModal)  # not waited for: ask, do not quit
        assert "saved now" in str(app.screen.query_one("#quit-title").render())
        assert "quit anyway" not in str(app.screen.query_one("#quit-hint").render())
        burst(app, "escape")
        await settle(app, pilot)
        assert "queued" not in app.screen.query_one("#header").render().plain
        assert app.is_running


async def test_read_only_refuses_a_writes_dialog_before_it_opens(db_path, policy, clock, seeded):
    """X (close), ctrl+n (declare), enter on an entry (correct), the retro's action
    form and its note prompt: one toast each and no dialog to type into."""
    from keyburst import burst, settle

    from warroom.tui.app import make_app
    from warroom.tui.screens.retro import RetroScreen
    from warroom.tui.screens.warroom import WarRoomScreen

    watcher = Store.open(db_path, policy, "observer", clock, read_only=True)
    before = watcher.revision()
    app = make_app(watcher, policy, clock=clock)
    notes = []
    async with app.run_test(size=SIZE) as pilot:
        app.notify = lambda message, **kw: notes.append(message)
        for keys in (("X",), ("ctrl+n",), ("4", "enter")):
            burst(app, *keys)
            await settle(app, pilot)
            assert isinstance(app.screen, WarRoomScreen), keys  # no dialog came up
        burst(app, "R")
        await settle(app, pilot)
        assert isinstance(app.screen, RetroScreen)
        burst(app, "4", "a")
        await settle(app, pilot)
        assert isinstance(app.screen, RetroScreen)  # no action form
    watcher.close()
    assert len(notes) == 4 and all("read-only" in n for n in notes), notes
    check = Store.open(db_path, policy, "alice", clock)
    assert check.revision() == before
    check.close()


async def test_read_only_refuses_priority_stage_roles_and_make_real_before_a_dialog(
    db_path, policy, clock, store, seeded
):
    """p (priority), s (stage), a role's letter on the board (assign), u on a
    role two people hold (which one?) and D on a drill (make it real): one
    read-only toast each, no dialog or chooser, nothing written."""
    from keyburst import burst, settle

    from warroom.tui.app import make_app
    from warroom.tui.screens.warroom import WarRoomScreen
    from warroom.tui.widgets.roles import RolesPanel

    drill = store.declare("Failover drill", "regression", "P3", drill=True).id
    watcher = Store.open(db_path, policy, "observer", clock, read_only=True)
    before = watcher.revision()
    notes = []
    for start, keys in (
        (seeded, ("p",)),
        (seeded, ("s",)),
        (seeded, ("2", "l")),  # assign Lead
        (seeded, ("2", "down", "down", "down", "down", "down", "u")),  # Responders: erin, frank
        (drill, ("D",)),
    ):
        app = make_app(watcher, policy, clock=clock, start_incident=start)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.notify = lambda message, **kw: notes.append(message)
            burst(app, *keys)
            await settle(app, pilot)
            assert isinstance(app.screen, WarRoomScreen), keys  # no dialog came up
            assert app.screen.query_one(RolesPanel).choosing is None, keys  # nor a chooser
            assert len(notes) == 1 and "read-only" in notes[0], (keys, notes)
            notes.clear()
    watcher.close()
    assert store.revision() == before


async def test_the_quit_dialogs_keys_fit_at_80x24(app_factory, store, seeded, db_path):
    """Every key of the quit dialog's line is on screen at 80x24, before and
    while waiting (the line was cut: "… (drops them) · ")."""
    from keyburst import burst, settle
    from test_ui_hostile import painted

    from warroom.tui.screens.modals import QuitModal

    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            burst(app, "4", "n", "q test no w", "enter", "escape", "q")
            await settle(app, pilot)
            assert isinstance(app.screen, QuitModal)
            hint = app.screen.query_one("#quit-hint")
            assert hint.region.right <= 80  # inside the screen, so not cut
            shown = painted(app)
            for key in ("w: wait for them, then quit", "Q: quit anyway", "escape: stay"):
                assert key in shown, (key, shown)
            burst(app, "w")
            await settle(app, pilot)
            assert hint.region.right <= 80
            shown = painted(app)
            for key in ("waiting for them", "Q: quit anyway", "escape: stay"):
                assert key in shown, (key, shown)
            burst(app, "escape")
            await settle(app, pilot)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
