"""What a terminal sends, as bytes, through the parser the war room's driver
reads with (warroom.tui.textual_fixes.paste_parser, warroom.tui.terminal), and
from there into the app: a bracketed paste is one paste whatever it holds,
ESC+digit (tmux's and xterm's alt+digit, and tmux's escape-then-digit) is
alt+digit. Pilot's press skips the parser, so these tests feed it the bytes
themselves, as the Linux driver does."""

from __future__ import annotations

import time

import pytest
from keyburst import burst, settle
from textual import events

from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.textual_fixes.paste_parser import TextualParser, WarroomParser

SIZE = (120, 36)
START, END = "\x1b[200~", "\x1b[201~"


def parsed(*reads: str, parser_class=WarroomParser) -> list[tuple]:
    """What the parser hands on for these reads, one tuple per message."""
    parser = parser_class()
    out = []
    for data in reads:
        for message in parser.feed(data):
            if isinstance(message, events.Paste):
                out.append(("paste", message.text))
            elif isinstance(message, events.Key):
                out.append(("key", message.key, message.character))
            else:
                out.append((type(message).__name__,))
    return out


def test_textuals_own_parser_cuts_a_paste_at_its_first_esc():
    # Why the war room has its own: the rest of the paste comes out as keys.
    assert parsed(f"{START}a\x1b[2Jb{END}", parser_class=TextualParser)[-1] == ("paste", "a")


@pytest.mark.parametrize(
    "text",
    [
        "pasted: \x1b[31mERROR\x1b[0m db timeout",
        "log line\x1b\x1bXcopied from chat\r",
        "tab\tafter \x1b[2J esc\x1b",
        "\x1b[200~ a start inside",
        "\x1b",
        "",
    ],
)
def test_a_bracketed_paste_is_one_paste_whatever_it_holds(text):
    assert parsed(f"{START}{text}{END}") == [("paste", text)]


def test_a_paste_split_across_reads_anywhere_is_the_same_one_paste():
    data = f"x{START}log \x1b[31mred\x1b[0m X\r{END}y"
    whole = [("key", "x", "x"), ("paste", "log \x1b[31mred\x1b[0m X\r"), ("key", "y", "y")]
    for cut in range(1, len(data)):
        assert parsed(data[:cut], data[cut:]) == whole, cut
    assert parsed(*data) == whole  # one character a read


def test_keys_before_between_and_after_pastes_stay_keys_in_order():
    assert parsed(f"a{START}one{END}\x1b[A{START}two\x1b{END}\r") == [
        ("key", "a", "a"),
        ("paste", "one"),
        ("key", "up", None),
        ("paste", "two\x1b"),
        ("key", "enter", "\r"),
    ]


def test_nul_is_dropped_from_a_paste_as_textual_does():
    assert parsed(f"{START}a\x00b\x1b{END}") == [("paste", "ab\x1b")]


def test_a_paste_cut_short_by_the_end_of_input_is_still_pasted():
    parser = WarroomParser()
    assert list(parser.feed(f"{START}half a \x1b[1mline")) == []
    assert [m.text for m in parser.feed("") if isinstance(m, events.Paste)] == [
        "half a \x1b[1mline"
    ]


@pytest.mark.parametrize("digit", "1234567890")
def test_esc_and_a_digit_is_alt_and_the_digit_typing_nothing(digit):
    assert parsed(f"\x1b{digit}") == [("key", f"alt+{digit}", None)]


def test_esc_and_a_digit_split_across_reads_is_still_alt_and_the_digit():
    assert parsed("a\x1b", "2b") == [("key", "a", "a"), ("key", "alt+2", None), ("key", "b", "b")]
    assert parsed("\x1b", "\x1b", "3") == [("key", "escape", "\x1b"), ("key", "alt+3", None)]


def test_escape_then_a_digit_after_the_escape_delay_is_escape_and_the_digit():
    parser = WarroomParser()
    assert list(parser.feed("\x1b")) == []
    deadline = time.monotonic() + 60
    while not (sent := list(parser.tick())):  # until the parser's escape delay is up
        assert time.monotonic() < deadline, "the escape was never sent"
        time.sleep(0.01)
    assert [(m.key, m.character) for m in sent] == [("escape", "\x1b")]
    assert [(m.key, m.character) for m in parser.feed("1")] == [("1", "1")]


def test_other_sequences_are_read_as_textual_reads_them():
    assert parsed("\x1b[A\x1b[1;5C\r\t2") == parsed(
        "\x1b[A\x1b[1;5C\r\t2", parser_class=TextualParser
    )
    assert parsed("\x1b[A\x1b[1;5C\r\t2")[:2] == [("key", "up", None), ("key", "ctrl+right", None)]


def feed(app, parser: WarroomParser, data: str) -> None:
    """Bytes from the terminal, handed to the app as the Linux driver does."""
    for message in parser.feed(data):
        message.set_sender(app)
        app.post_message(message)


def notes(store, iid):
    return [e.text for e in store.timeline(iid) if e.kind == "note"]


async def test_a_pasted_log_line_with_escapes_is_one_note_in_order(app_factory, store, seeded):
    app = app_factory()
    parser = WarroomParser()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "n")
        feed(app, parser, f"{START}pasted: \x1b[31mERROR\x1b[0m db timeout{END}\r")
        await settle(app, pilot)
    assert notes(store, seeded) == ["pasted: \x1b[31mERROR\x1b[0m db timeout"]


async def test_a_paste_holding_esc_x_and_cr_runs_no_command(app_factory, store, seeded):
    from warroom.tui.widgets.timeline import NoteInput

    app = app_factory()
    parser = WarroomParser()
    before = len(store.timeline(seeded))
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "n")
        feed(app, parser, f"{START}log line\x1b\x1bXcopied from chat\r\tmore{END}")
        await settle(app, pilot)
        note_input = app.screen.query_one(NoteInput)
        assert app.focused is note_input  # nothing left the field: no escape, no tab
        assert note_input.value == "log line\x1b\x1bXcopied from chat\n\tmore"
        assert isinstance(app.screen, WarRoomScreen)  # no close dialog
        feed(app, parser, "\r")
        await settle(app, pilot)
    assert store.get_incident(seeded).is_open
    added = store.timeline(seeded)[before:]
    assert [(e.kind, e.text) for e in added] == [
        ("note", "log line\x1b\x1bXcopied from chat\n\tmore")
    ]


async def test_alt_digit_from_the_draft_editor_leaves_it_and_types_nothing(
    app_factory, store, seeded
):
    from warroom.tui.widgets.checklist import ChecklistList
    from warroom.tui.widgets.draft_editor import DraftEditor

    app = app_factory()
    parser = WarroomParser()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "5")
        await settle(app, pilot)
        editor = app.screen.query_one(DraftEditor)
        assert app.focused is editor
        typed = editor.text
        feed(app, parser, "\x1b1")  # tmux send-keys M-1
        await settle(app, pilot)
        assert isinstance(app.focused, ChecklistList)
        assert editor.text == typed
    assert "¡" not in store.draft(seeded).text


async def test_escape_then_a_digit_within_tmuxs_escape_time_goes_to_the_panel(
    app_factory, store, seeded
):
    # tmux sends Escape, 2 typed within its escape-time as ESC 2: the note
    # input is left with its text kept, and the rest of the burst assigns.
    from warroom.tui.widgets.roles import RolesPanel
    from warroom.tui.widgets.timeline import NoteInput

    app = app_factory()
    parser = WarroomParser()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "n")
        feed(app, parser, "human esc\x1b2")
        await settle(app, pilot)
        assert app.screen.query_one(RolesPanel).has_focus_within
        assert app.screen.query_one(NoteInput).value == "human esc"
        feed(app, parser, "\rzed\r")
        await settle(app, pilot)
    assert notes(store, seeded) == []
    assert store.board(seeded).holder("Lead") == "zed"


async def test_alt_digits_in_the_retros_whys_go_to_sections_typing_nothing(
    app_factory, store, seeded
):
    from warroom.tui.screens.retro import RetroScreen
    from warroom.tui.widgets.retro_actions import ActionList

    app = app_factory()
    parser = WarroomParser()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "R", "2")  # the first empty answer
        await settle(app, pilot)
        assert isinstance(app.screen, RetroScreen)
        feed(app, parser, "\x1b3\x1b4")  # tmux send-keys M-3 M-4
        await settle(app, pilot)
        assert isinstance(app.focused, ActionList)
    retro = store.retro(seeded)
    assert all(why.answer == "" for why in retro.whys)
    assert retro.root_cause == ""
