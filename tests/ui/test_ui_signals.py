"""One change path: this process's commits and other processes' reach every
screen (and the alert tracker) the same way, through the app's signals."""

from __future__ import annotations

from datetime import timedelta

from keyburst import settle

from warroom.services.writes import SetPriority
from warroom.store import Store

SIZE = (120, 36)


def _toasts(app) -> list[str]:
    seen: list[str] = []
    original = app.notify

    def notify(message, **kwargs):
        seen.append(str(message))
        return original(message, **kwargs)

    app.notify = notify
    app.bell = lambda: None
    return seen


async def test_acknowledged_here_no_longer_alerts(app_factory, store, clock):
    """3 a enter acknowledges; six minutes on, only the other incident's
    acknowledge clock (30 min on P1, due soon at 6 min left) is due soon."""
    mine = store.declare("Ours", "regression", "P1", reported_at=clock() - timedelta(minutes=20))
    other = store.declare("Theirs", "regression", "P1", reported_at=clock() - timedelta(minutes=20))
    app = app_factory(start_incident=mine.id)
    async with app.run_test(size=SIZE) as pilot:
        toasts = _toasts(app)
        app.tick()
        await pilot.press("3", "a")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert store.get_incident(mine.id).acknowledged_at is not None
        clock.advance(minutes=6)
        app.tick()
        await pilot.pause()
    due = [t for t in toasts if "acknowledge clock due soon" in t]
    assert len(due) == 1, toasts
    assert due[0].startswith(f"#{other.id} "), toasts


async def test_acknowledged_elsewhere_no_longer_alerts(app_factory, store, db_path, policy, clock):
    """The same acknowledgement made by another process reaches the tracker too."""
    mine = store.declare("Ours", "regression", "P1", reported_at=clock() - timedelta(minutes=20))
    app = app_factory(start_incident=mine.id)
    async with app.run_test(size=SIZE) as pilot:
        toasts = _toasts(app)
        app.tick()
        other = Store.open(db_path, policy, "bob", clock)
        try:
            other.record_milestone(mine.id, "acknowledge", None)
        finally:
            other.close()
        app.poll()
        await settle(app, pilot)  # the open incidents are read again on the database worker
        clock.advance(minutes=6)
        app.tick()
        await pilot.pause()
    assert not [t for t in toasts if "acknowledge clock" in t], toasts


async def test_own_and_other_commits_reach_a_screen_alike(
    app_factory, store, seeded, db_path, policy
):
    """A subscriber hears one change for a key's write here and one for a
    write by another process, and nothing for a refused write."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        heard = []
        app.store_changed_signal.subscribe(app.screen, heard.append, immediate=True)
        await pilot.press("1", "space")  # tick a checklist item here
        await settle(app, pilot)
        assert len(heard) == 1
        other = Store.open(db_path, policy, "bob", store.clock)
        try:
            other.add_entry(seeded, "from another host", "note")
        finally:
            other.close()
        app.poll()
        assert len(heard) == 2
        app.poll()  # nothing new: nothing heard
        app.write(SetPriority(seeded, "P9"))  # refused by the store
        await settle(app, pilot)  # what the screen shows is read on the database worker
        assert len(heard) == 2
        assert "from another host" in [
            e.text for e in app.screen.query_one("#panel-4").view.entries
        ]


async def test_a_screen_taken_down_hears_nothing(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await settle(app, pilot)
        retro = app.screen
        assert type(retro).__name__ == "RetroScreen"
        calls = []
        retro.refresh_from_store = lambda: calls.append("changed")
        retro.tick = lambda now: calls.append("tick")
        store.add_entry(seeded, "while the retro is open", "note")
        app.poll()
        app.tick()
        assert calls == ["changed", "tick"]
        await pilot.press("escape")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "WarRoomScreen"
        store.add_entry(seeded, "after it closed", "note")
        app.poll()
        app.tick()
        app.toggle_utc()
        await pilot.pause()
        assert calls == ["changed", "tick"]


async def test_times_change_on_every_screen_at_once(app_factory, seeded):
    """z in the retro switches the war room below too."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        room = app.screen
        view = room.query_one("#panel-4").view
        before = view.utc
        await pilot.press("R")
        await settle(app, pilot)
        retro = app.screen
        await pilot.press("z")
        await settle(app, pilot)
        assert app.utc is not before
        assert view.utc is app.utc
        assert retro.query_one("RetroTimeline").utc is app.utc


async def test_a_screen_failing_to_show_a_change_says_so(
    app_factory, store, seeded, db_path, policy
):
    """A subscriber that raises (a screen failing to redraw) is told on screen,
    once for that kind of failure; the subscribers after it still hear the
    change, and what was committed stays committed."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        toasts = _toasts(app)
        heard = []

        def broken(change):
            raise RuntimeError("no room for the roles")

        app.store_changed_signal.subscribe(app.screen, broken, immediate=True)
        app.store_changed_signal.subscribe(app.screen, heard.append, immediate=True)
        for text in ("first from another host", "second from another host"):
            other = Store.open(db_path, policy, "bob", store.clock)
            try:
                other.add_entry(seeded, text, "note")
            finally:
                other.close()
            app.poll()
            await settle(app, pilot)
        told = [t for t in toasts if "may be out of date" in t]
        assert len(told) == 1 and "RuntimeError: no room for the roles" in told[0]
        assert len(heard) == 2
        shown = [e.text for e in app.screen.query_one("#panel-4").view.entries]
        assert "second from another host" in shown  # the war room's own redraw still ran
    assert "second from another host" in [e.text for e in store.timeline(seeded)]
