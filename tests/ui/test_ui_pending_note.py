"""A note shows in the timeline the moment Enter is pressed, marked as not
saved yet, however long its write waits; the stored entry takes its place."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from keyburst import burst, paste, settle, until

from warroom.tui.widgets.timeline import (
    EntryDetail,
    NoteInput,
    TimelinePanel,
    TimelineView,
    is_pending,
)

SIZE = (120, 36)


def notes(store, iid) -> list[str]:
    return [e.text for e in store.timeline(iid) if e.kind == "note"]


@contextmanager
def write_lock_held(db_path) -> Iterator[None]:
    """SQLite's write lock, held by a connection of its own until the block ends."""
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def painted_rows(app) -> list[str]:
    view = app.screen.query_one(TimelineView)
    return [view.render_line(y).text for y in range(view.size.height)]


async def test_a_note_is_in_the_timeline_at_once_while_its_write_waits(
    app_factory, store, seeded, db_path
):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(TimelineView)
        detail = app.screen.query_one(EntryDetail)
        with write_lock_held(db_path):  # as another process holding it
            burst(app, "4", "n", "typed while locked", "enter")
            await until(
                pilot,
                lambda: bool(view.entries) and view.entries[-1].text == "typed while locked",
                "the note's row",
            )
            await settle(app, pilot)
            row = view.entries[-1]
            assert is_pending(row)
            assert view.cursor == len(view.entries) - 1  # the view follows it
            shown = [line for line in painted_rows(app) if "typed while locked" in line]
            assert len(shown) == 1 and "◌" in shown[0], shown
            assert detail.whole().plain.startswith("◌ not saved yet")
            assert notes(store, seeded) == []  # not in the store: the lock holds it back
            assert app.screen.query_one(NoteInput).value == ""  # ready for the next one
        app.retry_pending()
        await until(pilot, lambda: not is_pending(view.entries[-1]), "the stored entry")
        await settle(app, pilot)
        stored = store.timeline(seeded)[-1]
        assert view.entries[-1].id == stored.id and stored.text == "typed while locked"
        assert [e.text for e in view.entries].count("typed while locked") == 1
        assert not any(is_pending(e) for e in view.all_entries)
        assert view.cursor == len(view.entries) - 1
        assert detail.whole().plain.startswith(f"#{stored.id} ")
    assert notes(store, seeded) == ["typed while locked"]


async def test_a_note_not_saved_yet_cannot_be_corrected(app_factory, store, seeded, db_path):
    app = app_factory()
    said: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(TimelineView)
        screen = app.screen
        with write_lock_held(db_path):  # as another process holding it
            burst(app, "4", "n", "not yet", "enter")
            await until(pilot, lambda: is_pending(view.entries[-1]), "the note's row")
            notify = app.notify
            app.notify = lambda message, **kw: (said.append(str(message)), notify(message, **kw))
            burst(app, "escape", "enter")  # to the rows; enter corrects the entry under the cursor
            await settle(app, pilot)
            assert app.screen is screen  # no correction dialog for a note the store lacks
            assert any("Not saved yet" in line for line in said), said
        app.retry_pending()
        await until(pilot, lambda: not is_pending(view.entries[-1]), "the stored entry")
    assert notes(store, seeded) == ["not yet"]


async def test_a_refused_note_leaves_no_row_behind(app_factory, store, seeded):
    from warroom.store import MAX_NOTE

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(TimelineView)
        rows = len(view.entries)
        burst(app, "4", "n")
        paste(app, "x" * (MAX_NOTE + 1))
        burst(app, "enter")  # too long: the store refuses it
        await settle(app, pilot)
        assert app.screen.query_one(NoteInput).value == "x" * (MAX_NOTE + 1)  # given back
        assert len(view.entries) == rows
        assert not any(is_pending(e) for e in view.all_entries)
        assert view.cursor == rows - 1
    assert notes(store, seeded) == []


async def test_a_window_read_afresh_keeps_the_notes_not_saved_yet(
    app_factory, store, seeded, db_path
):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(TimelineView)
        with write_lock_held(db_path):  # as another process holding it
            burst(app, "4", "n", "first", "enter", "second", "enter")
            await until(pilot, lambda: view.entries[-1].text == "second", "both rows")
            stored = [e for e in view.all_entries if not is_pending(e)]
            view.set_entries(stored, seen_id=view.seen_id)  # a page read again
            assert [e.text for e in view.entries[-2:]] == ["first", "second"]
            assert all(is_pending(e) for e in view.entries[-2:])
            assert view.last is not None and not is_pending(view.last)  # pages read from it
        app.retry_pending()
        await until(pilot, lambda: not any(is_pending(e) for e in view.all_entries), "landed")
        await settle(app, pilot)
        assert [e.text for e in view.entries[-2:]] == ["first", "second"]
        assert app.screen.query_one(TimelinePanel).waiting == []
    assert notes(store, seeded) == ["first", "second"]


async def test_notes_typed_ahead_of_their_writes_land_without_a_rows_up_notice(
    app_factory, store, seeded, db_path
):
    """The stored note lands above the rows of the notes typed after it (not
    saved yet): it is not a note written for an earlier time, and nothing says
    it landed some rows up."""
    from warroom.tui.toasts import shown_toasts

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(TimelineView)
        with write_lock_held(db_path):
            burst(app, "4", "n", "first typed", "enter", "second typed", "enter")
            await until(pilot, lambda: sum(map(is_pending, view.entries)) == 2, "both notes' rows")
        app.retry_pending()
        await until(pilot, lambda: not any(map(is_pending, view.entries)), "both stored")
        await settle(app, pilot)
        said = [str(t.message) for t in shown_toasts(app)]
        assert not any("up)" in s for s in said), said
        assert [e.text for e in view.entries][-2:] == ["first typed", "second typed"]
        assert view.cursor == len(view.entries) - 1
    assert notes(store, seeded) == ["first typed", "second typed"]
