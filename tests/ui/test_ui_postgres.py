"""The TUI on PostgreSQL when the server goes away: it keeps drawing and
ticking, says so, queues every change and writes them in order once the
server is back (as it does for a locked SQLite file)."""

from __future__ import annotations

import asyncio
import time

import pytest
from keyburst import settle

from warroom.services.paths import DbUrl
from warroom.store import Store

SIZE = (120, 36)


@pytest.fixture
def db_path(pg_url):
    return DbUrl(pg_url)


async def test_server_down_queues_writes_and_replays_them_in_order(
    app_factory, store, seeded, pg_server
):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)  # the room is read (on the worker) before the server goes
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
    # Read on a connection of our own: the app's worker wrote on its own, and
    # the test's store was cut by the restart.
    check = Store.open(store.path, store.policy, "checker")
    board = check.board(seeded)
    assert board.checklist["c1"].ticked
    timeline = check.timeline(seeded)
    check.close()
    # Written once each, in the order the keys were pressed.
    assert [e.event or e.text for e in timeline[-2:]] == [
        "checklist.tick",
        "typed while the server was down",
    ]


async def test_another_process_commit_wakes_the_war_room_without_polling(
    app_factory, store, seeded, pg_url, policy
):
    """On PostgreSQL another process's commit reaches the screen through the
    listening socket the app watches: with the poll timer a minute away, the
    note still shows, and an idle war room is not woken for nothing."""
    app = app_factory(poll_seconds=60)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        polls = []
        original = app.poll
        app.poll = lambda: (polls.append(1), original())[1]
        await asyncio.sleep(0.3)  # idle: nothing committed, nothing to wake for
        assert polls == []
        await _note_from_another_process_shows(
            app, store, seeded, pg_url, policy, "from another host, by notify"
        )
        assert polls  # woken by the socket, not by the timer


async def test_the_watch_follows_a_new_listening_connection_after_a_restart(
    app_factory, store, seeded, pg_url, policy, pg_server
):
    """The server restarts: the listening socket is lost, the poll makes a new
    listening connection and watches it, and a commit after that again reaches
    the screen through it (the poll timer is a minute away)."""
    app = app_factory(poll_seconds=60)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app._wake_fd is not None
        pg_server.restart()
        deadline = time.monotonic() + 20
        while app.store.wake_fd() is None or app._wake_fd != app.store.wake_fd():
            assert time.monotonic() < deadline, "no new listening connection was watched"
            app.poll()  # what the timer would do while the server is away
            await asyncio.sleep(0.05)
        await _note_from_another_process_shows(
            app, store, seeded, pg_url, policy, "after the restart, by notify"
        )


async def _note_from_another_process_shows(app, store, incident, pg_url, policy, text):
    """Another process writes a note; wait (10 s at most) until the war room shows it."""
    from warroom.store import Store

    other = Store.open(pg_url, policy, "bob", store.clock)
    try:
        other.add_entry(incident, text, "note")
    finally:
        other.close()
    view = app.screen.query_one("#panel-4").view
    deadline = time.monotonic() + 10
    while text not in [e.text for e in view.entries]:
        assert time.monotonic() < deadline, f"{text!r} never reached the screen"
        await asyncio.sleep(0.01)


async def test_a_note_whose_commit_answer_is_lost_is_written_once(
    store, seeded, pg_url, policy, clock
):
    """The server commits the note, the answer never arrives and for 3 s the
    server cannot be reached: the note waits in the queue (the header says
    so), and its retry under the same key finds it written: exactly once."""
    from pg_cut_proxy import CutAfterCommit

    from warroom.store import Store
    from warroom.tui.app import make_app

    proxy = CutAfterCommit(int(pg_url.rsplit(":", 1)[1].split("/")[0]), refuse_for=3.0)
    remote = Store.open(proxy.url(pg_url), policy, "alice", clock)
    app = make_app(remote, policy, clock=clock, start_incident=seeded)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            proxy.armed.set()
            await pilot.press("4", "n", *"committed but unanswered", "enter")
            await pilot.pause()
            assert proxy.cut.is_set()
            assert len(app.pending) == 1
            assert "UNREACHABLE (1 queued" in app.screen.query_one("#header").render().plain
            deadline = time.monotonic() + 30
            while app.pending and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await pilot.pause()
            assert app.pending == []
            assert not any(w.display for w in app.screen.query("#note-waiting"))
    finally:
        remote.close()
        proxy.close()
    texts = [e.text for e in store.timeline(seeded)]
    assert texts.count("committed but unanswered") == 1


async def test_a_lost_listening_connection_far_away_is_made_again_without_the_screen_waiting(
    seeded, pg_url, pg_server, policy, clock
):
    """The listening connection is lost while the server is 0.6 s away (round
    trip): making it again takes three round trips, which the UI thread never
    waits for. Each poll returns at once; the new connection is made on a thread of
    its own, watched, and a commit after that reaches the screen through it."""
    import sys
    from pathlib import Path

    from warroom.tui.app import make_app

    sys.path.insert(0, str(Path(__file__).parent.parent.parent))
    from bench.delay_proxy import DelayProxy

    proxy = DelayProxy(pg_server.port, 0.0)
    host, rest = pg_url.rsplit("@", 1)
    remote = Store.open(f"{host}@127.0.0.1:{proxy.port}/{rest.split('/', 1)[1]}", policy, "al")
    app = make_app(remote, policy, clock=clock, start_incident=seeded, poll_seconds=60)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            first = app.store.db._listener  # (its socket's number may be reused)
            assert first is not None and app._wake_fd == app.store.wake_fd()
            proxy.delay = 0.3  # from here every answer takes a 0.6 s round trip
            pg_server.admin(  # the listening connection goes (an admin, a pooler, a blip)
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
            )
            slowest = 0.0
            deadline = time.monotonic() + 30
            while app.store.db._listener in (None, first) or app._wake_fd != app.store.wake_fd():
                assert time.monotonic() < deadline, "no new listening connection was watched"
                began = time.monotonic()
                app.poll()  # what the timer does each interval
                slowest = max(slowest, time.monotonic() - began)
                await asyncio.sleep(0.05)
            assert slowest < 0.5, slowest  # listening again through this link takes 1.8 s
            proxy.delay = 0.0
            await _note_from_another_process_shows(
                app, remote, seeded, pg_url, policy, "after the listener came back, by notify"
            )
    finally:
        remote.close()
        proxy.close()
