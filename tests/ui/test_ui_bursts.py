"""Keys with no pause between them go where they were aimed, in order,
across focus moves; pastes land exactly. Checked against the store."""

from __future__ import annotations

from warroom.screens.warroom import WarRoomScreen

from keyburst import burst, paste, settle

SIZE = (120, 36)


def notes(store, iid):
    return [e.text for e in store.timeline(iid) if e.kind == "note"]


async def test_panel_key_n_text_enter_in_one_burst(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "n", "fast note one", "enter", "fast note two", "enter")
        await settle(app, pilot)
    assert notes(store, seeded) == ["fast note one", "fast note two"]


async def test_declare_in_one_burst_from_the_list(app_factory, store):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "n", "Payments down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, WarRoomScreen)
    assert [i.title for i in store.list_incidents()] == ["Payments down"]


async def test_multiline_paste_into_the_note_input_keeps_every_line(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "n")
        paste(app, "first line\nsecond line")
        burst(app, "enter")
        await settle(app, pilot)
    assert notes(store, seeded) == ["first line second line"]


async def test_paste_into_the_draft_then_keys_go_after_it(app_factory, store, seeded):
    from warroom.widgets.draft import DraftPanel

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "5")
        await settle(app, pilot)
        panel = app.screen.query_one(DraftPanel)
        panel.editor.load_text("")
        paste(app, "alpha\nbeta")
        burst(app, "down", "end", "!")
        await settle(app, pilot)
        assert panel.editor.text == "alpha\nbeta!"
        panel.flush()
        await settle(app, pilot)
    assert store.draft(seeded).text == "alpha\nbeta!"
