"""The draft and the root cause, as stored, through their editors: opening one
changes nothing that is stored, and characters Python counts as line ends
(\r, \v, \f, U+001C-001E, U+0085, U+2028, U+2029) stay what they are, shown as
marks, never as line breaks."""

from __future__ import annotations

from keyburst import burst, paste, settle
from test_ui_retro import wait_saved

SIZE = (120, 36)
# Every line boundary str.splitlines knows, besides the newline itself.
ODD = "a\rb\vc\fd\x1ce\x1df\x1eg\x85h\u2028i\u2029j\r\nk\nlast"


async def test_opening_the_draft_editor_changes_nothing_stored(app_factory, store, seeded):
    store.save_draft(seeded, ODD, 0)
    before = store.draft(seeded)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "5")  # opens the editor
        await settle(app, pilot)
        panel = app.screen.query_one("#panel-5")
        assert panel.editor is not None and panel.editor.has_focus
        shown = [panel.editor.get_line(n).plain for n in range(panel.editor.document.line_count)]
        assert shown == ["a␍b␋c␌d␜e␝f␞g\ufffdh␤i␤j␍", "k", "last"]
        burst(app, "escape")  # leaves: "the draft is saved"
        await settle(app, pilot)
        panel.flush()  # what the save delay's timer calls
        await settle(app, pilot)
    after = store.draft(seeded)
    assert (after.text, after.version, after.updated_by) == (ODD, before.version, before.updated_by)
    assert len(store.draft_history(seeded)) == 1


async def test_an_edit_keeps_the_odd_characters_as_they_were(app_factory, store, seeded):
    store.save_draft(seeded, ODD, 0)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "5", "ctrl+end", "!")
        await settle(app, pilot)
        app.screen.query_one("#panel-5").flush()
        await settle(app, pilot)
    assert store.draft(seeded).text == ODD + "!"


async def test_a_pasted_line_end_is_a_line_end(app_factory, store, seeded):
    store.save_draft(seeded, "x", 0)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "5", "ctrl+end")
        await settle(app, pilot)
        paste(app, "\r\none\rtwo\r\n")
        await settle(app, pilot)
        app.screen.query_one("#panel-5").flush()
        await settle(app, pilot)
    assert store.draft(seeded).text == "x\none\ntwo\n"


async def test_opening_the_root_cause_changes_nothing_stored(app_factory, store, seeded):
    store.set_root_cause(seeded, ODD)
    entries = len(store.timeline(seeded))
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "R", "3")
        await settle(app, pilot)
        area = app.screen.query_one("RootCauseArea")
        assert area.has_focus and area.document.line_count == 3
        burst(app, "escape")
        await wait_saved(pilot)
    assert store.retro(seeded).root_cause == ODD
    assert len(store.timeline(seeded)) == entries


# ------------------------------------------------------------- the note input
LOG = "ERROR db timeout\r\n  at pool.get (pool.py:42)\n  at handler (app.py:7)"


async def test_a_pasted_log_keeps_its_lines_in_a_note(app_factory, store, seeded, policy, clock):
    from warroom.export import render_markdown

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "n")
        await settle(app, pilot)
        field = app.screen.query_one("#note-input")
        assert field.has_focus
        paste(app, LOG)
        await settle(app, pilot)
        # One row: each line end shown as ⏎, one character for one.
        assert field._value.plain == LOG.replace("\r\n", "⏎").replace("\n", "⏎")
        burst(app, "enter")
        await settle(app, pilot)
        entry = store.timeline(seeded)[-1]
        assert entry.text == "ERROR db timeout\n  at pool.get (pool.py:42)\n  at handler (app.py:7)"
        row = app.screen.query_one("TimelineView").format_entry(entry).plain
        assert "ERROR db timeout ⏎   at pool.get" in row and "\n" not in row
    markdown = render_markdown(store.bundle(seeded), policy, False, clock())
    row = next(line for line in markdown.splitlines() if "ERROR db timeout" in line)
    assert row.startswith(f"| #{entry.id} ") and row.endswith(" |")  # one table row
