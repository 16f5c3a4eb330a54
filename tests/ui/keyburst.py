"""Keys and pastes sent with no pause between them, as a paste, `tmux send-keys`
or a fast typist over SSH delivers them: all queued before any is handled.
And the tier's pilot (run_test): keys pressed one at a time, each once the
app's key gate is quiet, with cursors that do not blink."""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from textual import events
from textual.app import App
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from warroom.services.config import KEY_RENAMES

NAMED = {
    "enter", "tab", "shift+tab", "escape", "backspace", "up", "down", "left", "right", "end",
    "home", "f1",
}  # fmt: skip

# Where a key's name is not the character's Unicode name (lower case, "_" for
# " " and "-"): the config's table, which names the keys a keymap may give.
# tests/ui/test_ui_keyburst.py checks every name against the keys Textual's own
# terminal parser makes of the characters.
SHORTER_NAMES = KEY_RENAMES

# A key waits at most this long for the one before it to settle: a guard
# against a hang, not a wait.
QUIET_WITHIN_SECONDS = 60.0


def key_for_character(character: str) -> str:
    """The key name the terminal driver gives a typed character: a letter or
    digit is itself, anything else is named ('space', 'at', 'full_stop').
    A control character, which has no such name, is its own key (a newline
    typed into the draft: a terminal would send ctrl+j) and a tab is 'tab'."""
    if character.isalnum():
        return character
    name = unicodedata.name(character, "").lower().replace("-", "_").replace(" ", "_")
    if not name:
        return "tab" if character == "\t" else character
    return SHORTER_NAMES.get(name, name)


def key_event(key: str) -> events.Key:
    if key in NAMED or "+" in key or (len(key) > 1 and key.isalnum()):
        return events.Key(key, {"enter": "\r", "tab": "\t"}.get(key))
    return events.Key(key_for_character(key), key)


def burst(app, *parts: str) -> None:
    """Each part is a key name (enter, tab, ctrl+t, ...) or text typed a
    character at a time; everything lands in the app's queue at once, sent by
    the app itself, as its driver sends them (from any task)."""
    for part in parts:
        keys = [part] if part in NAMED or "+" in part or len(part) == 1 else list(part)
        for key in keys:
            app.post_message(key_event(key).set_sender(app))


def paste(app, text: str) -> None:
    app.post_message(events.Paste(text).set_sender(app))


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


class GatedPilot(Pilot):
    """A Pilot whose press hands on one key at a time and returns once the
    app's key gate is quiet after each: warroom hands a key on only after the
    one before it settled, which on a loaded machine can be after Textual's
    own wait for the screen."""

    async def press(self, *keys: str) -> None:
        for key in keys:
            await super().press(key)
            await until_quiet(self.app)


async def until(pilot, done: Callable[[], bool], what: str) -> None:
    """Pause the pilot until done() holds; `what` names it if it never does."""
    deadline = time.monotonic() + 30  # a guard against a hang, not a wait
    while not done():
        assert time.monotonic() < deadline, what
        await pilot.pause()


async def until_alone(
    done: Callable[[], bool], what: str, within: float = 30, step: float = 0.001
) -> None:
    """Until done() holds, looking every `step` seconds and asking nothing of
    the app (Pilot's pause would queue a callback in every widget); `within`
    guards against a hang, it is not a wait."""
    deadline = time.monotonic() + within
    while not done():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(step)


async def until_quiet(app) -> None:
    gate = getattr(app, "key_gate", None)
    if gate is not None:
        await until_alone(
            lambda: gate.quiet, "the key gate never went quiet", QUIET_WITHIN_SECONDS, 0.002
        )


def cursors_held_still(app, then: Callable[[Message], None] | None = None):
    """A message hook: an Input or TextArea stops blinking its cursor as it
    takes focus (only a focused one blinks), so a picture or a count of
    repaints does not depend on when it is taken."""

    def hook(message: Message) -> None:
        if isinstance(message, events.Focus) and app.screen_stack:
            focused = app.focused  # the widget the Focus is on its way to
            if isinstance(focused, Input | TextArea):
                focused.cursor_blink = False
        if then is not None:
            then(message)

    return hook


@asynccontextmanager
async def run_test(app, *, message_hook=None, **kwargs) -> AsyncIterator[GatedPilot]:
    """Textual's App.run_test(**kwargs), driven by a GatedPilot, with no
    cursor blinking (the UI tier's conftest makes this the app's run_test)."""
    hook = cursors_held_still(app, message_hook)
    async with App.run_test(app, message_hook=hook, **kwargs):
        yield GatedPilot(app)
