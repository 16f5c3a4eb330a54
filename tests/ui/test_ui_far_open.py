"""Opening the war room on a server far away (the delaying proxy, 60 ms a
round trip): the screen is there at once and reads its room on the database
worker; keys typed while it loads wait and then land, every one, in order."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from keyburst import burst, settle
from seeds import seed_incident

from warroom.store import Store
from warroom.tui.app import make_app
from warroom.tui.screens.warroom import WarRoomScreen

sys.path.insert(0, str(Path(__file__).parent.parent.parent))
from bench.delay_proxy import DelayProxy, summarise  # noqa: E402

SIZE = (120, 36)


@pytest.mark.opening
async def test_keys_typed_while_the_room_loads_from_far_away_all_land(pg_url, policy, clock):
    seeder = Store.open(pg_url, policy, "alice", clock)
    iid = seed_incident(seeder, clock)
    first = policy.checklist[0].id
    ticked_before = seeder.board(iid).checklist.get(first)
    seeder.close()
    proxy = DelayProxy(int(pg_url.rsplit(":", 1)[1].split("/")[0]), 0.060)
    host, rest = pg_url.rsplit("@", 1)
    store = Store.open(f"{host}@127.0.0.1:{proxy.port}/{rest.split('/', 1)[1]}", policy, "alice")
    try:
        app = make_app(store, policy, clock=clock, start_incident=iid)
        proxy.mark("open")
        async with app.run_test(size=SIZE) as pilot:
            assert app.screen.building  # the room is still being read far away
            # No pause between them: all queued at once, while the room is read.
            burst(app, " ", "n", *"typed while loading", "enter")  # " ": space ticks
            burst(app, *"and a second one", "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, WarRoomScreen)
            proxy.mark("typed")
        sent = summarise(proxy.counts()["open"]["turns"])
        assert not [t for t in sent if t.startswith("c1 ")], sent  # the UI's connection: idle
    finally:
        store.close()
        proxy.close()
    check = Store.open(pg_url, policy, "check", clock)
    try:
        notes = [e.text for e in check.timeline(iid) if e.kind == "note"]
        assert notes[-2:] == ["typed while loading", "and a second one"]
        was = bool(ticked_before and ticked_before.ticked)
        assert check.board(iid).checklist[first].ticked is not was
    finally:
        check.close()
