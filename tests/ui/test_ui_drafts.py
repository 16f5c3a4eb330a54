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
    from warroom.formats.markdown import render_markdown

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "n")
        await settle(app, pilot)
        field = app.screen.query_one("#note-input")
        assert field.has_focus
        paste(app, LOG + "\r\n")  # a copied line brings its line end
        await settle(app, pilot)
        # One row: each line end shown as ⏎, one character for one.
        assert field.drawn_value.plain == LOG.replace("\r\n", "⏎").replace("\n", "⏎")
        burst(app, "enter")
        await settle(app, pilot)
        entry = store.timeline(seeded)[-1]
        assert entry.text == "ERROR db timeout\n  at pool.get (pool.py:42)\n  at handler (app.py:7)"
        row = app.screen.query_one("TimelineView").format_entry(entry).plain
        assert "ERROR db timeout ⏎   at pool.get" in row and "\n" not in row
    markdown = render_markdown(store.bundle(seeded), policy, False, clock())
    row = next(line for line in markdown.splitlines() if "ERROR db timeout" in line)
    assert row.startswith(f"| #{entry.id} ") and row.endswith(" |")  # one table row


# ------------------------------------------------ the draft follows the incident
def next_update_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("Next update by"))


async def test_after_a_priority_change_the_draft_follows(app_factory, store, seeded):
    """P2 -> P1: the draft's heading and next update time follow, shown and
    published, while what the communicator wrote stays."""
    typed = "Checkout errors for EU users."
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "5", "ctrl+end", typed, "escape")
        await settle(app, pilot)
        panel = app.screen.query_one("#panel-5")
        panel.flush()
        await settle(app, pilot)
        saved = store.draft(seeded)
        assert saved.text.startswith("[P2]") and saved.text.endswith(typed)
        p2_next = next_update_line(saved.text)
        burst(app, "p", "1")
        await settle(app, pilot)
        assert store.get_incident(seeded).priority == "P1"
        shown = panel.text
        assert shown.startswith("[P1]") and shown.endswith(typed)
        assert next_update_line(shown) < p2_next  # the P1 cadence: sooner
        assert store.draft(seeded).version == saved.version  # following saves nothing
        burst(app, "5", "ctrl+o")
        await settle(app, pilot)
    update = [e for e in store.timeline(seeded) if e.kind == "update"][-1]
    assert update.text.startswith("[P1]") and update.text.endswith(typed)
    assert next_update_line(update.text) == next_update_line(shown)


async def test_a_draft_saying_another_priority_is_shown_before_publishing(
    app_factory, store, seeded
):
    store.save_draft(seeded, "[P3] Checkout slower for some users\nMonitoring.", 0)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "5", "ctrl+o")
        await settle(app, pilot)
        from warroom.tui.screens.modals import ConfirmModal

        assert isinstance(app.screen, ConfirmModal)
        assert "the draft says P3; the incident is P2" in app.screen.question
        burst(app, "n")
        await settle(app, pilot)
        assert not [e for e in store.timeline(seeded) if e.kind == "update"]
        burst(app, "ctrl+o", "y")  # the editor has the focus back
        await settle(app, pilot)
    update = [e for e in store.timeline(seeded) if e.kind == "update"][-1]
    assert update.text.startswith("[P3] Checkout slower")


async def test_a_draft_published_from_the_cli_is_not_shown_again(
    app_factory, store, seeded, db_path
):
    """The TUI and the CLI agree: after `warroom publish ID`, the next draft
    starts from the update template (and the TUI shows it)."""
    from runners import real_warroom

    store.save_draft(seeded, "Fix deployed, monitoring.", 0)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        done = real_warroom("publish", str(seeded), db=db_path)
        assert done.returncode == 0, done.stderr
        app.sync()
        await settle(app, pilot)
        assert "What is being done" in app.screen.query_one("#panel-5").text
    assert [e.text for e in store.timeline(seeded) if e.kind == "update"] == [
        "Fix deployed, monitoring."
    ]


async def test_an_emptied_draft_stays_empty(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "5")
        await settle(app, pilot)
        panel = app.screen.query_one("#panel-5")
        panel.editor.select_all()
        burst(app, "backspace", "escape")
        await settle(app, pilot)
        panel.flush()
        await settle(app, pilot)
        assert store.draft(seeded).text == ""
        burst(app, "p", "1")  # a change to the incident: the panel shows the board again
        await settle(app, pilot)
        assert panel.text == ""
