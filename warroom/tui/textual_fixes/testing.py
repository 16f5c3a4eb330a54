"""What warroom's tests need from Textual beyond its public API, in one place.

- press_waits_for_each_key: Pilot.press returns once each key has been
  handled; warroom hands a key on only after the one before it settled (the
  key gate), which on a loaded machine can be after Textual's idle wait.
- no_cursor_blink: a blinking cursor makes a screenshot depend on when it is
  taken; the reactive's default is the one place to turn it off for all.
- app_context: code run outside the app's task (as its driver does) sees the
  app as the active one.
- key_for_character: the key name Textual gives a typed character."""

from __future__ import annotations

import asyncio

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual.app:App._press_keys": "self, keys",
    "textual.app:App._context": "self",
    "textual.reactive:Reactive._default": "attribute",
    "textual.keys:_character_to_key": "character",
}


def press_waits_for_each_key(monkeypatch) -> None:
    """For the test: Pilot.press hands on one key at a time and waits until
    the app's key gate is quiet after each."""
    from textual.app import App

    original = App._press_keys

    async def press_keys(self, keys):
        for key in keys:
            await original(self, [key])
            gate = getattr(self, "key_gate", None)
            while gate is not None and not gate.quiet:
                await asyncio.sleep(0.002)

    monkeypatch.setattr(App, "_press_keys", press_keys)


def no_cursor_blink(monkeypatch) -> None:
    """For the test: Inputs and TextAreas do not blink their cursor."""
    from textual.widgets import Input, TextArea

    for widget in (Input, TextArea):
        monkeypatch.setattr(widget.cursor_blink, "_default", False)


def app_context(app):
    """A context manager: inside it, app is the active app."""
    return app._context()


def key_for_character(character: str) -> str:
    """The key name Textual's driver gives a typed character ('a', 'space')."""
    from textual.keys import _character_to_key

    return _character_to_key(character)
