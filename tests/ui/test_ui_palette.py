"""The command palette names each action's key, and the theme list marks the theme in use."""

from __future__ import annotations

from keyburst import settle
from textual.command import CommandPalette

from warroom.tui.screens.themes import CURRENT, MarkedThemes


async def palette_helps(app, pilot) -> dict[str, str]:
    """Each palette command's help text by its title, once the screen is up."""
    await pilot.pause()
    return {c.title: c.help for c in app.get_system_commands(app.screen)}


async def test_palette_commands_name_their_keys(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        helps = await palette_helps(app, pilot)
        assert helps["Change priority"].endswith("key p")
        assert helps["Go to notes"].endswith("key 4")
        assert helps["Write a note"].endswith("key n")
        assert helps["Declare an incident"].endswith("key ^n")


async def test_palette_names_the_panel_keys_too(app_factory, store, seeded):
    """Milestones, role assignments and publishing have keys in their panels:
    the palette says which (the panel's number, then the key), as remapped."""
    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        helps = await palette_helps(app, pilot)
        assert helps["Record milestone: acknowledge"].endswith("now: keys 3 then a")
        assert helps["Record milestone: retro"].endswith("now: keys 3 then o")
        assert helps["Record milestone: impact-end"].endswith("now: keys 3 then M")
        assert helps["Assign Lead"].endswith("keys 2 then l")
        assert helps["Assign Scribe"].endswith("keys 2 then r")
        assert helps["Publish the draft update"].endswith("keys 5 then ^o")
        warroom_commands = [
            t for t in helps if t.startswith(("Go to", "Record", "Assign", "Change"))
        ]
        assert all(" key" in helps[t] for t in warroom_commands), helps
        assert helps["Record milestone: triage"].endswith("now: keys 3 then t")
        # What the palette says is what the keys do: 3 then t records triage now.
        assert store.get_incident(seeded).triaged_at is None
        await pilot.press("3", "t")
        await pilot.pause()
    assert store.get_incident(seeded).triaged_at is not None


async def test_palette_shows_remapped_panel_keys(app_factory, seeded):
    from warroom.services.config import Config

    keymap = {"clocks.ack": "K", "draft.publish": "ctrl+g"}
    app = app_factory(config=Config(keymap=keymap))
    async with app.run_test(size=(120, 36)) as pilot:
        helps = await palette_helps(app, pilot)
    assert helps["Record milestone: acknowledge"].endswith("now: keys 3 then K")
    assert helps["Publish the draft update"].endswith("keys 5 then ^g")


async def test_theme_list_marks_the_theme_in_use(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)  # the first screen is open before the palette goes over it
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

    from warroom.core.policy import load_policy
    from warroom.store import Store
    from warroom.tui.app import make_app

    path = tmp_path / "stages.toml"
    path.write_text('stages = ["Triage", "[bold]Mitigate[/]", "Resolve"]\n')
    policy = load_policy(path)
    store = Store.open(tmp_path / "custom.db", policy, "alice", clock)
    store.declare("Custom stages", stage="Triage")
    app = make_app(store, policy, clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter")
        helps = await palette_helps(app, pilot)
    store.close()
    shown = Content.from_markup(helps["Change stage"]).plain  # as the palette draws it
    assert shown.startswith("Triage/[bold]Mitigate[/]/Resolve")
    assert Content.from_markup(helps["Change priority"]).plain.startswith(
        "/".join(policy.priority_choices)
    )


async def test_palette_sets_the_public_title(app_factory, store, seeded):
    """The public title stakeholders see is set from the palette, as with `warroom title`."""
    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        command = next(
            c for c in app.get_system_commands(app.screen) if c.title == "Set the public title"
        )
        command.callback()
        await pilot.pause()
        await pilot.press(*"Login issues", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert store.get_incident(seeded).public_title == "Login issues"
