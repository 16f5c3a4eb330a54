"""Every way out of the shared room asks the same question first: q, ctrl+q,
ctrl+c (outside a text field) and the palette's Quit."""

from __future__ import annotations

import asyncio
import time

import pytest

SIZE = (120, 36)


def _palette_quit(app):
    """The palette's Quit command(s), as the palette lists them."""
    return [c for c in app.get_system_commands(app.screen) if c.title.startswith("Quit")]


async def _choose_in_palette(app, pilot, title: str) -> None:
    """ctrl+p, type the title, and enter once the palette offers it first."""
    from textual.command import CommandList, CommandPalette

    await pilot.press("ctrl+p")
    await _until(lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*title)
    palette = app.screen

    def offered() -> bool:
        found = palette.query(CommandList)
        if not found or found.first().highlighted is None:
            return False
        option = found.first().get_option_at_index(found.first().highlighted)
        return str(option.prompt).startswith(title)

    await _until(offered)
    await pilot.press("enter")


async def _until(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds}s"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("way", ["q", "ctrl+q", "ctrl+c", "palette"])
async def test_every_way_out_asks_first(app_factory, seeded, way):
    from warroom.tui.screens.modals import ConfirmModal
    from warroom.tui.screens.warroom import WarRoomScreen

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        room = app.screen
        assert isinstance(room, WarRoomScreen)
        if way == "palette":
            await _choose_in_palette(app, pilot, "Quit")
        else:
            await pilot.press(way)
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, ConfirmModal), app.screen
        assert "Quit warroom?" in str(app.screen.query_one("Label").render())
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert app.is_running and app.screen is room
        if way == "palette":
            commands = _palette_quit(app)  # one, and it says so
            assert len(commands) == 1, [c.title for c in commands]
            assert "asks first" in commands[0].help.lower()


async def test_ctrl_c_in_a_text_field_copies_and_does_not_ask(app_factory, seeded):
    from warroom.tui.screens.warroom import WarRoomScreen

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "n", *"some words")
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)
        assert app.screen.query_one("#note-input").value == "some words"
