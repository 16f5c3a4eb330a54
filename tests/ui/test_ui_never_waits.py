"""The UI thread never waits on the store (issue #25).

Every read the TUI makes runs on the database worker; in the tests a
statement sent from the app's own turns of the event loop fails loudly
(warroom/store/guard.py: the tests' environment sets WARROOM_STRICT_UI_STORE),
while the test's own reads of the same store, between those turns, go on.
The reads moved there keep what they did: a page at the window's edge, the
retro, the export; and a result that comes back late finds what it is for."""

from __future__ import annotations

import threading
import time

from keyburst import burst, settle, until

from warroom.core.model import chronological
from warroom.tui.screens.modals import ChoiceModal
from warroom.tui.screens.retro import RetroScreen
from warroom.tui.screens.warroom import TIMELINE_PAGE, WarRoomScreen
from warroom.tui.widgets.people import PersonChooser
from warroom.tui.widgets.retro_whys import WhysPanel
from warroom.tui.widgets.timeline import TimelineView

SIZE = (120, 36)


async def test_a_statement_from_the_ui_thread_fails_loudly(app_factory, store, seeded):
    """The app's UI thread may hand reads over but never send one itself: in
    the app's own turn and in a screen's, the store refuses; the test's read
    of the same store, and the worker's, are answered."""
    app = app_factory()
    outcomes: list[BaseException | None] = []

    def read_here() -> None:
        try:
            app.store.get_incident(seeded)
            outcomes.append(None)
        except Exception as exc:  # noqa: BLE001 - what the read met is the finding
            outcomes.append(exc)

    async with app.run_test(size=SIZE) as pilot:
        app.call_later(read_here)  # a turn of the app itself
        app.screen.call_later(read_here)  # a turn of the war room's screen
        await until(pilot, lambda: len(outcomes) == 2, "the UI thread's reads never ran")
        assert [type(exc).__name__ for exc in outcomes] == ["WaitOnUiThread"] * 2, outcomes
        assert "must never wait" in str(outcomes[0])
        # The test's own read (the same Store object) and the worker's go on.
        assert store.get_incident(seeded).id == seeded
        read: list = []
        app.read(lambda worker_store: worker_store.get_incident(seeded), read.append)
        await until(pilot, lambda: bool(read), "the worker's read never came back")
        assert read[0].id == seeded
        assert app.is_running


def _long_timeline(store, seeded) -> list:
    store.conn.execute("PRAGMA synchronous = OFF")  # seeding speed only
    for n in range(TIMELINE_PAGE * 2 + 50):
        store.add_entry(seeded, f"log line {n}", "evidence")
    return chronological(store.timeline(seeded))


def _hold_worker(app) -> threading.Event:
    """The database worker busy until the event is set: reads asked for
    meanwhile stay in flight."""
    gate = threading.Event()
    app.read(lambda _store: gate.wait(60), lambda _: None)
    return gate


async def test_page_up_at_the_edge_still_extends_the_timeline(app_factory, store, seeded):
    everything = _long_timeline(store, seeded)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TimelineView)
        await pilot.press("4")
        view.cursor = 1
        await pilot.press("pageup")  # at the window's edge: the page before is read
        await until(
            pilot, lambda: len(view.all_entries) == TIMELINE_PAGE * 2, "the page never came"
        )
        assert [e.id for e in view.all_entries] == [e.id for e in everything[-TIMELINE_PAGE * 2 :]]
        assert view.has_older


async def test_pages_asked_for_while_one_is_in_flight_show_each_row_once(
    app_factory, store, seeded
):
    everything = _long_timeline(store, seeded)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TimelineView)
        await pilot.press("4")
        view.cursor = 1
        gate = _hold_worker(app)
        # g (the first page) and then, before it comes, up at the edge of
        # the window as it still is (the page before it), and up again.
        burst(app, "home", "up", "up")
        await until(pilot, lambda: view.cursor == 0, "the keys were never handled")
        gate.set()
        await settle(app, pilot)
        ids = [e.id for e in view.all_entries]
        assert len(ids) == len(set(ids)), "a row is shown twice"
        assert ids == [e.id for e in everything[:TIMELINE_PAGE]]  # the first page, whole
        assert not view.has_older and view.has_newer
        # And the window goes on from there: down to its end reads the next page.
        view.cursor = len(view.entries) - 2
        await pilot.press("down")
        await until(pilot, lambda: len(view.all_entries) == TIMELINE_PAGE * 2, "no next page")
        ids = [e.id for e in view.all_entries]
        assert ids == [e.id for e in everything[: TIMELINE_PAGE * 2]]


async def test_a_read_that_comes_back_for_a_screen_gone_is_dropped(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        room = app.screen
        assert isinstance(room, WarRoomScreen)
        gate = _hold_worker(app)
        burst(app, "R")  # the retro opens; what it shows is read behind the gate
        await until(pilot, lambda: isinstance(app.screen, RetroScreen), "no retro")
        retro = app.screen
        assert retro.building  # keys wait for its first read
        app.pop_screen()  # gone before its read comes back
        await until(pilot, lambda: app.screen is room, "the retro never went")
        gate.set()
        await settle(app, pilot)
        assert app.is_running and app.screen is room
        assert retro.incident is None  # its read was dropped, not drawn into nothing


async def test_the_retro_opens_with_its_whys(app_factory, store, seeded):
    store.save_why(seeded, 1, "Why did checkout fail?", "the pool ran dry")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R", "2")  # the whys: keys typed as it opens wait for it
        assert isinstance(app.screen, RetroScreen)
        whys = app.screen.query_one(WhysPanel)
        assert whys.levels[0].answer.value == "the pool ran dry"
        assert app.focused in whys.inputs  # the keys reached the retro, once it was read


async def test_the_export_from_the_war_room_writes_what_was_just_typed(
    app_factory, store, seeded, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        # A note and the export typed in one go: the export's read goes to the
        # worker behind the note's write, so the document holds the note.
        burst(app, "4", "n", "typed before the export", "enter", "escape", "E", "1")
        path = tmp_path / f"incident-{seeded}.md"
        deadline = time.monotonic() + 30
        while not path.exists():
            assert time.monotonic() < deadline, "the export was never written"
            await pilot.pause()
        assert "typed before the export" in path.read_text()


async def test_a_picker_before_the_people_are_read_reads_them_on_the_worker(
    app_factory, store, seeded
):
    """The people are read with the first screen; a picker opened before
    that read is back (forgotten here, as if it were) has them read on the
    worker, and the name typed right behind the key lands in it."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        app._people = None  # not read yet, as at the very start
        gate = _hold_worker(app)
        burst(app, "2", "down", "enter", *"fra")  # Coordinator, then a name
        # The name waits (in the key gate) for the chooser, whose people are
        # still being read; the screen goes on drawing meanwhile.
        await until(
            pilot,
            lambda: app.screen.building and len(app.key_gate.waiting) == 3,
            "the name never waited",
        )
        assert not app.screen.query(PersonChooser)
        gate.set()
        await settle(app, pilot)
        chooser = app.screen.query_one(PersonChooser)
        assert chooser.visible and chooser.input.value == "fra"
        assert "frank" in chooser.query_one("#people").ids
        await pilot.press("enter")
        await settle(app, pilot)
    assert store.board(seeded).holder("Coordinator") == "frank"


async def test_a_change_read_back_while_a_dialog_is_read_is_still_shown(app_factory, store, seeded):
    """Keys wait while the draft's history is read; a change's read that was
    already on its way comes back meanwhile, and is shown all the same."""
    store.save_draft(seeded, "Status: investigating", store.draft(seeded).version)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        room = app.screen
        view = room.query_one(TimelineView)
        await pilot.press("5")  # the draft, where ctrl+r lists its history
        gate = _hold_worker(app)
        store.add_entry(seeded, "written by someone else", "note")
        app.sync()  # the change seen: the room's read of it goes behind the gate
        burst(app, "ctrl+r")  # the history's read goes behind it, keys wait for it
        await until(pilot, lambda: room.building, "the history was never asked for")
        gate.set()
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceModal)
        assert "written by someone else" in [e.text for e in view.all_entries]
