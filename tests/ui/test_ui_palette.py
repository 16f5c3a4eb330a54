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


async def test_palette_stage_and_priority_hints_are_the_policys(tmp_path, clock):
    """Not a built-in list: the policy's stages (markup in a name shown as typed)."""
    from textual.content import Content

    from warroom.app import make_app
    from warroom.policy import load_policy
    from warroom.store import Store

    path = tmp_path / "stages.toml"
    path.write_text('stages = ["Triage", "[bold]Mitigate[/]", "Resolve"]\n')
    policy = load_policy(path)
    store = Store.open(tmp_path / "custom.db", policy, "alice", clock)
    store.declare("Custom stages", stage="Triage")
    app = make_app(store, policy, clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
    store.close()
    shown = Content.from_markup(helps["Change stage"]).plain  # as the palette draws it
    assert shown.startswith("Triage/[bold]Mitigate[/]/Resolve")
    assert Content.from_markup(helps["Change priority"]).plain.startswith(
        "/".join(policy.priority_choices)
    )
