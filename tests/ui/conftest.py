"""UI test fixtures: a real store on a temp file, a fixed clock and time zone."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from small_disk import small_disk  # noqa: F401 - a fixture of this tier's tests

from warroom.core.policy import default_policy
from warroom.store import Store
from warroom.tui.app import make_app
from warroom.tui.textual_fixes.testing import no_cursor_blink, press_waits_for_each_key

FIXED = datetime(2026, 11, 28, 9, 0, 0, tzinfo=UTC)


class Clock:
    """A clock tests can move."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture(autouse=True)
def neutral_env(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("WARROOM_USER", "alice")
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield
    os.environ.pop("TZ", None)
    time.tzset()


@pytest.fixture(autouse=True)
def keys_pressed_one_at_a_time(monkeypatch):
    """pilot.press (and snap_compare's press) returns once each key has been
    handled: warroom hands a key on only after the one before it settled
    (keygate), which on a loaded machine can be after Textual's idle wait."""
    press_waits_for_each_key(monkeypatch)


@pytest.fixture(autouse=True)
def cursor_held_still(monkeypatch):
    """A blinking cursor makes a screenshot depend on when it is taken."""
    no_cursor_blink(monkeypatch)


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


def seed_incident(store: Store, clock: Clock) -> int:
    """A realistic incident in progress, deterministic under the fixed clock."""
    incident = store.declare(
        "Checkout returns 500 for EU users [bold]",
        "regression",
        "P2",
        reported_at=clock() - timedelta(minutes=50),
    )
    iid = incident.id
    store.assign(iid, "Lead", "bob")
    store.assign(iid, "Lead", "carol")
    store.assign(iid, "Scribe", "dan")
    store.assign(iid, "Responder", "erin")
    store.assign(iid, "Responder", "frank")
    store.set_check(iid, "a1", True)
    store.set_check(iid, "i5", True)
    store.add_entry(iid, "5xx rate at 12% on checkout-api since 08:10", "evidence")
    store.add_entry(iid, "Roll back release 2026.11.28-1", "decision")
    store.add_entry(iid, "Rolled back checkout-api to 2026.11.27-3", "change")
    store.record_milestone(iid, "acknowledge", clock() - timedelta(minutes=40))
    return iid


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
