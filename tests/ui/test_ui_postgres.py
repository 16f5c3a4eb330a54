"""The TUI on PostgreSQL when the server goes away: it keeps drawing and
ticking, says so, queues every change and writes them in order once the
server is back (as it does for a locked SQLite file)."""

from __future__ import annotations

import asyncio
import time

import pytest

from warroom.paths import DbUrl

SIZE = (120, 36)


@pytest.fixture
def db_path(pg_url):
    return DbUrl(pg_url)


async def test_server_down_queues_writes_and_replays_them_in_order(
    app_factory, store, seeded, pg_server
):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        pg_server.stop("immediate")
        try:
            await pilot.press("1", "space")  # tick c1 while the server is down
            await pilot.press("4", "n", *"typed while the server was down", "enter")
            await pilot.pause()
            assert len(app.pending) == 2
            header = app.screen.query_one("#header").render().plain
            assert "DATABASE UNREACHABLE (2 queued, retrying)" in header
            waiting = app.screen.query_one("#note-waiting").render()
            assert "not saved yet: typed while the server was down" in str(waiting)
            app.tick()  # the clocks keep ticking
            app.poll()  # and the poll says nothing changed rather than failing
        finally:
            pg_server.start()
        deadline = time.monotonic() + 15
        while app.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await pilot.pause()
        assert app.pending == []
        assert "UNREACHABLE" not in app.screen.query_one("#header").render().plain
    board = store.board(seeded)
    assert board.checklist["c1"].ticked
    timeline = store.timeline(seeded)
    # Written once each, in the order the keys were pressed.
    assert [e.event or e.text for e in timeline[-2:]] == [
        "checklist.tick",
        "typed while the server was down",
    ]
