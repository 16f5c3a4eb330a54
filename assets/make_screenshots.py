"""Regenerate the README's pictures: SVG screenshots warroom takes of itself.

Run with `make docs`. The demo incident is seeded with a fixed clock in UTC,
so the same code always draws the same pictures (tests/ui/test_ui_docs.py
checks that the committed ones are current)."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ASSETS = Path(__file__).resolve().parent
FIXED_NOW = datetime(2026, 11, 28, 11, 30, tzinfo=UTC)

# (file name, terminal size, incident (None: the main one), keys pressed first)
SHOTS = [
    ("warroom-120x36.svg", (120, 36), None, []),
    ("warroom-80x24.svg", (80, 24), None, ["2"]),
    ("incidents.svg", (120, 24), None, ["escape", "c"]),
    ("help.svg", (120, 36), None, ["question_mark"]),
    ("retro.svg", (120, 36), 1, ["R"]),  # last week's closed incident
]


async def _quiet(app, pilot) -> None:
    """Until every key was handled and the database worker's reads are shown."""
    await pilot.pause()
    while not app.key_gate.quiet:
        await pilot.pause()
    await pilot.pause()


async def _shoot(db: Path, policy, main_id: int, size, keys) -> str:
    from warroom.store import Store
    from warroom.tui.app import make_app

    store = Store.open(db, policy, "maya", lambda: FIXED_NOW)
    app = make_app(store, policy, clock=lambda: FIXED_NOW, start_incident=main_id)
    try:
        async with app.run_test(size=size) as pilot:
            await _quiet(app, pilot)  # the room opens once the worker has read it
            for key in keys:
                await pilot.press(key)
            await _quiet(app, pilot)  # and a screen a key opened, once read
            return app.export_screenshot(title="warroom")
    finally:
        store.close()


def render_all(target: Path) -> list[Path]:
    """Write every screenshot into target; returns the files written."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    from warroom.cli.demo import seed_demo
    from warroom.core.policy import default_policy

    policy = default_policy()
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.db"
        main_id = seed_demo(db, policy, FIXED_NOW)
        for name, size, incident, keys in SHOTS:
            svg = asyncio.run(_shoot(db, policy, incident or main_id, size, keys))
            path = target / name
            path.write_text(svg, "utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    for path in render_all(Path(sys.argv[1]) if len(sys.argv) > 1 else ASSETS):
        print(path)
