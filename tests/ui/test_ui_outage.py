"""The TUI while the database cannot be read: every key that reads says why it
cannot show what was asked (or stays where it is), nothing crashes, and the
changes queued meanwhile are written once each when the database is back."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from keyburst import settle

from warroom.services.paths import DbUrl
from warroom.store import Store
from warroom.tui.toasts import shown_toasts

SIZE = (120, 36)
NOTES = ["first while down", "second while down", "third while down"]


async def _wait(condition, what: str, app=None, seconds: float = 20) -> None:
    """Until condition() holds (20 s at most); at once if the app has ended."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert app is None or app.is_running, f"{what}: the app ended"
        assert time.monotonic() < deadline, f"{what}: not within {seconds}s"
        await asyncio.sleep(0.05)


def _toasts(app) -> list[str]:
    return [str(n.message) for n in shown_toasts(app)]


def _said(app, what: str) -> bool:
    """A toast names the database as unreachable and what could not be read."""
    return any(
        t.startswith("Database unreachable: ") and f" {what} cannot be read now" in t
        for t in _toasts(app)
    )


class TestPostgresOutage:
    """The session's server is stopped (and started again whatever happens)."""

    @pytest.fixture
    def db_path(self, pg_url):
        return DbUrl(pg_url)

    async def _queue_notes(self, app, pilot) -> None:
        await pilot.press("4", "n")
        for note in NOTES:
            await pilot.press(*note, "enter")  # the input stays for the next one
        await pilot.press("alt+1")  # out of the note input
        await pilot.pause()
        assert len(app.pending) == 3
        header = app.screen.query_one("#header").render().plain
        assert "DATABASE UNREACHABLE (3 queued, retrying)" in header

    async def _written_once_each(self, app, pilot, store, incident) -> None:
        await _wait(lambda: not app.pending, "the queue written")
        await pilot.pause()
        assert app.is_running
        # Read on a connection of our own: the app wrote on its worker's.
        check = Store.open(store.path, store.policy, "checker")
        texts = [e.text for e in check.timeline(incident)]
        check.close()
        assert [texts.count(n) for n in NOTES] == [1, 1, 1], texts

    async def test_keys_that_read_say_why_and_the_war_room_stays(
        self, app_factory, store, seeded, pg_server
    ):
        app = app_factory()
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)  # on a server the room is read on the worker
            room = app.screen
            pg_server.stop("immediate")
            try:
                await self._queue_notes(app, pilot)
                # The pickers offer the people the database worker read last:
                # they open as ever, with nothing to wait for.
                await pilot.press("2", "enter")
                chooser = room.query_one("#role-chooser")
                assert chooser.visible and "bob" in chooser.people
                await pilot.press("escape", "alt+4", "i")
                await _wait(lambda: app.screen is not room, "the act-as picker opened", app)
                await pilot.press("escape")
                await _wait(lambda: app.screen is room, "back in the war room", app)
                for keys, what in (
                    (("R",), "the retro"),
                    (("5", "ctrl+r"), "the draft's history"),
                    (("alt+1", "escape"), "the incident list"),
                ):
                    await pilot.press(*keys)
                    # A screen opened for it (the retro) goes once its read fails.
                    await _wait(
                        lambda what=what: _said(app, what) and app.screen is room,
                        f"{keys}: said why, and back in the war room",
                        app,
                    )
                app.tick()  # the clocks and the poll go on
                app.poll()
                assert len(app.pending) == 3, app.waiting_changes()
            finally:
                pg_server.start()
            await self._written_once_each(app, pilot, store, seeded)

    async def test_the_list_below_says_it_is_as_last_read_and_r_stays_on_it(
        self, app_factory, store, seeded, pg_server
    ):
        from warroom.tui.screens.incidents import IncidentsScreen
        from warroom.tui.screens.warroom import WarRoomScreen

        app = app_factory()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("escape")  # the list below the war room, as when opened from it
            await _wait(lambda: isinstance(app.screen, IncidentsScreen), "the list")
            await pilot.press("enter")
            await _wait(lambda: isinstance(app.screen, WarRoomScreen), "the war room")
            await pilot.pause()
            pg_server.stop("immediate")
            try:
                await self._queue_notes(app, pilot)
                await pilot.press("escape")
                await _wait(lambda: isinstance(app.screen, IncidentsScreen), "the list", app)
                listing = app.screen
                await _wait(lambda: _said(app, "the incident list"), "the list's toast", app)
                await _wait(
                    lambda: (
                        "the database cannot be read now"
                        in str(listing.query_one("#title-bar").render())
                    ),
                    "the list's title saying so",
                    app,
                )
                await pilot.press("r")
                await _wait(
                    lambda: _said(app, "the report") and app.screen is listing,
                    "the report's toast, and back on the list",
                    app,
                )
                assert len(app.pending) == 3, app.waiting_changes()
            finally:
                pg_server.start()
            await self._written_once_each(app, pilot, store, seeded)

    async def test_the_app_starts_on_the_list_when_the_server_went_away_meanwhile(
        self, app_factory, store, seeded, pg_server
    ):
        """The store opened; the server went away before the first screen: the
        list comes up and says it cannot read, and fills once the server is back."""
        from textual.widgets import DataTable

        from warroom.tui.screens.incidents import IncidentsScreen

        app = app_factory()
        pg_server.stop("immediate")
        try:
            async with app.run_test(size=SIZE) as pilot:
                await _wait(lambda: isinstance(app.screen, IncidentsScreen), "the list", app)
                await _wait(lambda: _said(app, "the incident list"), "the list's toast", app)
                await _wait(
                    lambda: (
                        "the database cannot be read now"
                        in str(app.screen.query_one("#title-bar").render())
                    ),
                    "the list's title saying so",
                    app,
                )
                pg_server.start()
                await pilot.press("c")  # shows closed ones too: read again, now it can
                await _wait(lambda: app.screen.query_one(DataTable).row_count == 1, "a row", app)
        finally:
            if not _server_up(pg_server):
                pg_server.start()


def _server_up(pg_server) -> bool:
    import psycopg

    try:
        psycopg.connect(pg_server.url(), connect_timeout=5).close()
    except psycopg.OperationalError:
        return False
    return True


# ------------------------------------------------- callbacks into what is gone
# A queued write lands from the app's retry timer, maybe after the screen that
# asked for it was left, or while the app is coming down and its widgets are
# being removed one by one: what it would have redrawn is gone, and nothing
# may touch it (NoMatches '#note-waiting' from retry_pending ended the app).


class _Locked:
    """Another process holding the SQLite file's write lock, until released."""

    def __init__(self, path):
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None


async def test_a_note_that_lands_after_the_war_room_was_left_touches_nothing(
    app_factory, store, seeded, db_path
):
    from warroom.tui.screens.incidents import IncidentsScreen
    from warroom.tui.screens.warroom import WarRoomScreen

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")  # the list below the war room
        await _wait(lambda: isinstance(app.screen, IncidentsScreen), "the list")
        await pilot.press("enter")
        await _wait(lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        lock = _Locked(db_path)
        try:
            await pilot.press("4", "n", *"lands after I left", "enter", "alt+1", "escape")
            await _wait(lambda: isinstance(app.screen, IncidentsScreen), "back on the list")
            await pilot.pause()
            assert len(app.pending) == 1
        finally:
            lock.release()
        app.retry_pending()  # the war room and its note panel are gone by now
        await _wait(lambda: not app.pending, "the note written", app)
        assert app.is_running and isinstance(app.screen, IncidentsScreen)
    assert [e.text for e in store.timeline(seeded)].count("lands after I left") == 1


async def test_a_note_that_lands_while_the_app_comes_down_touches_nothing(
    app_factory, store, seeded, db_path
):
    """The order seen on a loaded machine, made certain: the app is coming down,
    the note panel's waiting line is already removed, the panel not yet, and
    then the queued note is written."""
    from textual.widget import Widget

    from warroom.tui.widgets.timeline import TimelinePanel

    errors: list[BaseException] = []
    lock = _Locked(db_path)

    class Probe(Widget):
        async def on_unmount(self) -> None:
            panel = self.parent
            deadline = time.monotonic() + 20
            while panel.query("#note-waiting") and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            lock.release()
            try:
                self.app.retry_pending()
            except Exception as error:  # noqa: BLE001 - the fault under test
                errors.append(error)

    app = app_factory()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("4", "n", *"lands while quitting", "enter")
            await pilot.pause()
            assert len(app.pending) == 1
            await app.screen.query_one(TimelinePanel).mount(Probe())
    finally:
        lock.release()
    assert errors == []
    assert app.pending == []
    assert [e.text for e in store.timeline(seeded)].count("lands while quitting") == 1
