"""Keys with no pause between them go where they were aimed, in order,
across focus moves; pastes land exactly. Checked against the store."""

from __future__ import annotations

from keyburst import burst, paste, settle

from warroom.tui.screens.warroom import WarRoomScreen

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
    assert notes(store, seeded) == ["first line\nsecond line"]


async def test_paste_into_the_draft_then_keys_go_after_it(app_factory, store, seeded):
    from warroom.tui.widgets.draft import DraftPanel

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


async def test_notes_typed_while_the_database_is_locked_wait_apart(
    app_factory, store, seeded, db_path
):
    import sqlite3

    from warroom.tui.widgets.timeline import NoteInput, TimelinePanel

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        locker = sqlite3.connect(db_path, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        burst(app, "4", "n", "fast note two", "enter", "fast note three", "enter", "and more")
        await settle(app, pilot)
        panel = app.screen.query_one(TimelinePanel)
        # Cleared at once, shown as waiting, typing goes on into a new note.
        assert app.screen.query_one(NoteInput).value == "and more"
        assert [text for _, text in panel.waiting] == ["fast note two", "fast note three"]
        assert "not saved yet: fast note three" in str(panel.query_one("#note-waiting").render())
        locker.execute("ROLLBACK")
        locker.close()
        app.retry_pending()
        await settle(app, pilot)
        assert panel.waiting == []
    assert notes(store, seeded) == ["fast note two", "fast note three"]


async def test_a_refused_note_goes_back_to_the_input(app_factory, store, seeded):
    from warroom.store import MAX_NOTE
    from warroom.tui.widgets.timeline import NoteInput, TimelinePanel

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "n")
        paste(app, "x" * (MAX_NOTE + 1))
        burst(app, "enter")
        await settle(app, pilot)
        assert app.screen.query_one(NoteInput).value == "x" * (MAX_NOTE + 1)
        assert app.screen.query_one(TimelinePanel).waiting == []
    assert notes(store, seeded) == []


async def _typed_draft(app, pilot, words: str):
    from warroom.tui.widgets.draft import DraftPanel

    burst(app, "5")
    await settle(app, pilot)
    panel = app.screen.query_one(DraftPanel)
    panel.editor.load_text("")
    panel.flush()
    burst(app, words)
    await settle(app, pilot)
    return panel


async def test_template_over_a_typed_draft_asks_and_keeps_the_text(app_factory, store, seeded):
    from warroom.tui.screens.modals import ConfirmModal

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        panel = await _typed_draft(app, pilot, "my careful words")
        burst(app, "ctrl+t", "1")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        burst(app, "n")
        await settle(app, pilot)
        assert panel.text == "my careful words"
        burst(app, "ctrl+t", "1", "y")
        await settle(app, pilot)
        assert panel.text != "my careful words"
        assert "my careful words" in [v.text for v in store.draft_history(seeded)]
        burst(app, "ctrl+z")
        await settle(app, pilot)
        assert panel.text == "my careful words"


async def test_draft_history_puts_an_earlier_version_back(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        panel = await _typed_draft(app, pilot, "first")
        panel.flush()
        burst(app, " second")
        await settle(app, pilot)
        panel.flush()
        await settle(app, pilot)
        assert store.draft(seeded).text == "first second"
        burst(app, "ctrl+r", "down", "enter")  # newest first: the one before
        await settle(app, pilot)
        assert panel.text == "first"


async def test_a_save_never_reloads_what_was_typed_after_it(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        panel = await _typed_draft(app, pilot, "one two")
        panel.flush()  # the save is posted; more keys arrive before it lands
        burst(app, " three")
        await settle(app, pilot)
        assert panel.text == "one two three"
        assert panel.editor.cursor_location == (0, len("one two three"))
        panel.flush()
        await settle(app, pilot)
    assert store.draft(seeded).text == "one two three"


async def test_someone_else_s_save_is_merged_into_the_editor(
    app_factory, store, seeded, db_path, policy, clock
):
    from warroom.store import Store

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        panel = await _typed_draft(app, pilot, "Status: investigating\nImpact: EU")
        panel.flush()
        await settle(app, pilot)
        base = store.draft(seeded)
        other = Store.open(db_path, policy, "bob", clock)
        other.save_draft(seeded, "Status: mitigating\nImpact: EU", base.version)
        other.close()
        burst(app, " and US")  # typed on, unaware
        await settle(app, pilot)
        panel.flush()
        await settle(app, pilot)
        assert panel.text == "Status: mitigating\nImpact: EU and US"
    assert store.draft(seeded).text == "Status: mitigating\nImpact: EU and US"


async def test_leaving_the_note_input_for_a_panel_keeps_what_was_typed(app_factory, seeded):
    from warroom.tui.widgets.checklist import ChecklistList
    from warroom.tui.widgets.timeline import NoteInput, TimelineView

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "n", "half a thought 12", "alt+1")
        await settle(app, pilot)
        assert isinstance(app.focused, ChecklistList)
        burst(app, "4", "n", " more", "escape")
        await settle(app, pilot)
        assert isinstance(app.focused, TimelineView)
        assert app.screen.query_one(NoteInput).value == "half a thought 12 more"


async def test_action_item_form_filled_in_one_burst(app_factory, store, seeded):
    from datetime import date

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "R", "4", "a", "Add a canary stage", "tab", "bob", "tab", "2026-12-05")
        burst(app, "tab", "OPS-42", "enter")
        await settle(app, pilot)
    items = store.action_items(seeded)
    assert [(i.title, i.owner, i.due, i.ticket) for i in items] == [
        ("Add a canary stage", "bob", date(2026, 12, 5), "OPS-42")
    ]


async def test_a_paste_into_a_dialog_field_lands_exactly(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "R", "4", "a")
        paste(app, "Alert on 5xx\n[bold]rate[/bold]")
        burst(app, "enter")
        await settle(app, pilot)
    assert [i.title for i in store.action_items(seeded)] == ["Alert on 5xx [bold]rate[/bold]"]
