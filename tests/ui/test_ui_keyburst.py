"""The UI tier's own means (tests/ui/keyburst.py and the conftest): the key
names a burst sends are the ones Textual's terminal parser makes of the same
characters, pilot.press returns once the key gate is quiet, and a focused
field's cursor does not blink."""

from __future__ import annotations

import asyncio
import string

from keyburst import GatedPilot, key_for_character
from textual import events
from textual.widgets import Input, TextArea

from warroom.tui.textual_fixes.paste_parser import TextualParser

SIZE = (120, 36)
TYPED = string.digits + string.ascii_letters + string.punctuation + " \té€∞→—…“”«»¿¡ñß中😀✓·°"


def keys_read_from_the_terminal(character: str) -> list[tuple[str, str | None]]:
    """What Textual's own driver makes of the character typed in a terminal."""
    parser = TextualParser()
    messages = [*parser.feed(character), *parser.feed("")]
    return [(m.key, m.character) for m in messages if isinstance(m, events.Key)]


def test_a_burst_names_each_character_as_the_terminal_driver_does():
    named = {c: keys_read_from_the_terminal(c) for c in TYPED}
    assert {c: keys for c, keys in named.items() if keys != [(key_for_character(c), c)]} == {}


async def test_press_returns_once_the_key_gate_is_quiet(app_factory, seeded):
    """A key gate held past what Textual's own waits cover (here: a widget
    holding a key for the one that may follow, released a second later):
    press returns only once it is quiet again."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(pilot, GatedPilot)
        holder = object()
        app.key_gate.held.add(holder)
        asyncio.get_running_loop().call_later(1.0, app.key_gate.held.discard, holder)
        await pilot.press("4")
        assert holder not in app.key_gate.held
        assert app.key_gate.quiet


async def test_a_focused_field_holds_its_cursor_still(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "n")  # the timeline's note input
        assert isinstance(app.focused, Input | TextArea)
        assert app.focused.cursor_blink is False
