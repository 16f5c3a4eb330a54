"""UI test fixtures: a real store on a temp file, a fixed clock and time zone."""

from __future__ import annotations

import pytest
from clocks import UI_START, Clock
from seeds import seed_incident
from small_disk import small_disk  # noqa: F401 - a fixture of this tier's tests

from warroom.core.policy import default_policy
from warroom.store import Store
from warroom.tui.app import WarRoomApp, make_app

FIXED = UI_START


@pytest.fixture
def warroom_user() -> str:
    """The UI tier acts as alice (the root conftest's neutral_env uses this)."""
    return "alice"


@pytest.fixture(autouse=True)
def keys_pressed_one_at_a_time(monkeypatch):
    """app.run_test() gives keyburst's pilot: pilot.press returns once each key
    has been handled (warroom hands a key on only after the one before it
    settled, which on a loaded machine can be after Textual's own wait), and
    cursors do not blink (a picture would depend on when it is taken)."""
    from keyburst import run_test

    monkeypatch.setattr(WarRoomApp, "run_test", run_test)


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED)


@pytest.fixture
def policy():
    return default_policy()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "warroom.db"


@pytest.fixture
def store(db_path, policy, clock):
    s = Store.open(db_path, policy, "alice", clock)
    yield s
    s.close()


@pytest.fixture
def seeded(store, clock) -> int:
    return seed_incident(store, clock)


@pytest.fixture
def app_factory(store, policy, clock):
    def factory(**kwargs):
        return make_app(store, policy, clock=clock, **kwargs)

    return factory


@pytest.fixture
def snap_compare(snap_compare):
    """The snapshot is taken once every key pressed has been handed on and
    handled (the key gate lets a burst land in order, which on a loaded
    machine can take longer than Pilot's own pause), with cursors held on."""
    from keyburst import settle

    def compare(app, press=(), run_before=None, **kwargs):
        async def before(pilot):
            from keyburst import GatedPilot

            pilot = GatedPilot(pilot.app)
            if press:
                await pilot.press(*press)
            if run_before is not None:
                await run_before(pilot)
            await settle(pilot.app, pilot)
            # A blinking cursor is caught on or off by when the picture is taken
            # (later on a loaded machine): hold it on.
            for widget in pilot.app.screen.query("Input, TextArea"):
                widget.cursor_blink = False
            await pilot.pause()

        return snap_compare(app, run_before=before, **kwargs)

    return compare
