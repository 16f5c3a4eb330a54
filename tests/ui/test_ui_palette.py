"""The command palette names each action's key, and the theme list marks the theme in use."""

from __future__ import annotations

from textual.command import CommandPalette

from warroom.screens.themes import CURRENT, MarkedThemes


async def test_palette_commands_name_their_keys(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["Change priority"].endswith("key p")
        assert helps["Go to notes"].endswith("key 4")
        assert helps["Write a note"].endswith("key n")
        assert helps["Declare an incident"].endswith("key ^n")


async def test_theme_list_marks_the_theme_in_use(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        app.theme = "nord"
        app.search_themes()
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        provider = MarkedThemes(app.screen)
        shown = [str(hit.prompt) async for hit in provider.discover()]
        assert "nord" + CURRENT in shown
        assert sum(CURRENT in s for s in shown) == 1
