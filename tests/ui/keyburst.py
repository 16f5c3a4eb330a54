"""Keys and pastes sent with no pause between them, as a paste, `tmux send-keys`
or a fast typist over SSH delivers them: all queued before any is handled."""

from __future__ import annotations

import time

from textual import events

from warroom.tui.textual_fixes.testing import key_for_character

NAMED = {
    "enter", "tab", "shift+tab", "escape", "backspace", "up", "down", "left", "right", "end",
    "home", "f1",
}  # fmt: skip


def key_event(key: str) -> events.Key:
    if key in NAMED or "+" in key or (len(key) > 1 and key.isalnum()):
        return events.Key(key, {"enter": "\r", "tab": "\t"}.get(key))
    return events.Key(key_for_character(key), key)


def burst(app, *parts: str) -> None:
    """Each part is a key name (enter, tab, ctrl+t, ...) or text typed a
    character at a time; everything lands in the app's queue at once."""
    for part in parts:
        keys = [part] if part in NAMED or "+" in part or len(part) == 1 else list(part)
        for key in keys:
            app.post_message(key_event(key))


def paste(app, text: str) -> None:
    app.post_message(events.Paste(text))


async def settle(app, pilot) -> None:
    """Until every queued key has been handed on and handled. The gate being
    idle is not enough: on a loaded machine Textual's idle wait can return
    before the app has even taken the first key of a burst from its queue."""
    await pilot.pause()
    deadline = time.monotonic() + 30  # a guard against a hang, not a wait
    while not app.key_gate.quiet:
        assert time.monotonic() < deadline, "the app never settled"
        await pilot.pause()
    await pilot.pause()
