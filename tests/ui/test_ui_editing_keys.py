"""Editing an existing text: the correct dialog opens with the cursor at the
end and nothing selected, and ctrl+home / ctrl+end go to the start / end of the
whole text in the draft and root-cause editors, from the terminal's own bytes
(tmux send-keys C-End is ESC [1;5F), checked in the store."""

from __future__ import annotations

from keyburst import burst, settle
from test_ui_terminal_bytes import feed

from warroom.tui.screens.modals import CorrectionModal
from warroom.tui.textual_fixes.paste_parser import WarroomParser

SIZE = (120, 36)
CTRL_END, CTRL_HOME = "\x1b[1;5F", "\x1b[1;5H"


async def test_typing_in_the_correct_dialog_adds_to_the_entry(app_factory, store, seeded):
    store.add_entry(seeded, "rollback of checkout-api done", "change")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "enter", " FIXED", "enter")  # correct the newest, append, save
        await settle(app, pilot)
        assert not isinstance(app.screen, CorrectionModal)
    last = store.timeline(seeded)[-1]
    assert last.supersedes is not None
    assert last.text == "rollback of checkout-api done FIXED"


async def test_typing_in_a_long_entrys_correction_adds_to_its_end(app_factory, store, seeded):
    long = "line one of a long entry that goes on for a while\nline two, and more words"
    store.add_entry(seeded, long, "evidence")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "enter", " FIXED", "ctrl+s")
        await settle(app, pilot)
    last = store.timeline(seeded)[-1]
    assert last.supersedes is not None and last.text == long + " FIXED"


async def test_ctrl_end_and_ctrl_home_in_the_draft_editor(app_factory, store, seeded):
    app = app_factory()
    parser = WarroomParser()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "5")
        await settle(app, pilot)
        feed(app, parser, f"{CTRL_END} END{CTRL_HOME}START ")
        await settle(app, pilot)
        app.screen.query_one("#panel-5").flush()  # what the save delay's timer calls
        await settle(app, pilot)
    text = store.draft(seeded).text
    assert text.startswith("START [P2] Incident #1")
    assert text.endswith(" END") and "\n" in text.strip()


async def test_ctrl_end_and_ctrl_home_in_the_root_cause_editor(app_factory, store, seeded):
    from test_ui_retro import wait_saved

    from warroom.tui.screens.retro import RetroScreen

    store.set_root_cause(seeded, "line one\nline two\nline three")
    app = app_factory()
    parser = WarroomParser()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "R", "3")
        await settle(app, pilot)
        assert isinstance(app.screen, RetroScreen)
        feed(app, parser, f"{CTRL_END} END{CTRL_HOME}START ")
        await wait_saved(pilot)
    assert store.retro(seeded).root_cause == "START line one\nline two\nline three END"
