"""Keys typed against a server 60 ms away (the delaying proxy): a tick, a
note, a hand-off and the typing behind them each show on screen while their
writes are still on the way (the proxy holds the server's answers until the
screen has been looked at), then every write is stored once, in the order
typed."""

from __future__ import annotations

import sys
from pathlib import Path

from keyburst import burst, settle, until
from seeds import seed_incident

from warroom.store import Store
from warroom.tui.app import make_app
from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.widgets.timeline import NoteInput, TimelinePanel, TimelineView, is_pending

sys.path.insert(0, str(Path(__file__).parent.parent.parent))
from bench.delay_proxy import DelayProxy  # noqa: E402
from bench.probe import FrameProbe  # noqa: E402

SIZE = (160, 48)


async def test_keys_60_ms_away_show_before_their_writes_land_and_each_lands_once_in_order(
    pg_url, policy, clock
):
    seeder = Store.open(pg_url, policy, "alice", clock)
    iid = seed_incident(seeder, clock)
    seeder.close()
    proxy = DelayProxy(int(pg_url.rsplit(":", 1)[1].split("/")[0]), 0.060)
    host, rest = pg_url.rsplit("@", 1)
    store = Store.open(f"{host}@127.0.0.1:{proxy.port}/{rest.split('/', 1)[1]}", policy, "alice")
    item = policy.checklist[0]
    role = policy.single_roles[0]
    try:
        app = make_app(store, policy, clock=clock, start_incident=iid)
        probe = FrameProbe(app)  # what reaches the terminal, frame by frame
        async with app.run_test(headless=False, size=SIZE) as pilot:
            await until(
                pilot,
                lambda: isinstance(app.screen, WarRoomScreen) and not app.screen.building,
                "the room read and built",
            )
            await settle(app, pilot)
            screen = app.screen
            view = screen.query_one(TimelineView)
            was_ticked = item.id in screen.board.ticked
            box = "□" if was_ticked else "■"
            proxy.hold()  # from here the server's answers wait: every write is in flight
            try:
                shown = {
                    "tick": probe.watch(f"{box} {item.id:<3}{item.text[:20]}"),
                    "note": probe.watch("alice      far note one"),
                    "typing": probe.watch("typed behind it"),
                }
                # No pause between the keys: queued at once, as tmux send-keys does
                # (" " is the space key).
                burst(app, "1", " ", "4", "n", *"far note one", "enter", *"typed behind it")
                await until(
                    pilot,
                    lambda: all(w.seen_at is not None for w in shown.values()),
                    "the tick, the note and the typing painted",
                )
                assert len(app.pending) == 2, app.pending  # neither write has landed
                assert is_pending(view.entries[-1]) and view.entries[-1].text == "far note one"
                assert screen.query_one(NoteInput).value == "typed behind it"
                # Past the grace after which a note without a row is listed as
                # waiting (an absence: only time shows it): its row says it.
                await pilot.pause(TimelinePanel.WAITING_GRACE * 2)
                assert not any(w.display for w in screen.query("#note-waiting"))
                shown["hand-off"] = probe.watch(f"{role:<14}zed")
                burst(app, "escape", "2", "enter")
                await until(pilot, lambda: getattr(app.focused, "id", None) == "person", "chooser")
                burst(app, *"zed", "enter")
                await until(pilot, lambda: shown["hand-off"].seen_at is not None, "hand-off")
                assert len(app.pending) == 3, app.pending  # still none landed
            finally:
                proxy.release()
            await until(pilot, lambda: not app.pending and app.store_settled, "all landed")
            await settle(app, pilot)
            assert not any(is_pending(e) for e in view.all_entries)
            assert [e.text for e in view.entries].count("far note one") == 1
    finally:
        store.close()
        proxy.close()
    check = Store.open(pg_url, policy, "check", clock)
    try:
        board = check.board(iid)
        assert (item.id in board.ticked) is not was_ticked
        assert board.holder(role) == "zed"
        timeline = check.timeline(iid)
        notes = [e for e in timeline if e.text == "far note one"]
        assert len(notes) == 1  # stored once
        ours = [e for e in timeline if e.id >= notes[0].id - 1]
        events = [e.event or e.kind for e in ours]
        # In the order typed: the tick, then the note, then the hand-off.
        assert events.index("checklist.tick") < events.index("note") < events.index("role.assign")
    finally:
        check.close()
