"""The tests' one clock: a fixed, timezone-aware "now" a test can move.

Two starting points, both fixed: the core, CLI and engine tiers start at
CORE_START; the UI tier at UI_START (its snapshots and screenshots show that
date, so it is part of what they compare)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

CORE_START = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
UI_START = datetime(2026, 11, 28, 9, 0, 0, tzinfo=UTC)


class Clock:
    """Pass it where a clock is taken (Store.open(..., clock=clock), make_app)."""

    def __init__(self, now: datetime = CORE_START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
