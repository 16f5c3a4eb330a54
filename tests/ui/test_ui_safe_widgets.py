"""SafeInput and SafeTextArea (warroom/tui/widgets/safe.py), on their own in
a small app: untrusted text is drawn as placeholders while the text held stays
exact, the cursor is drawn where the terminal's cursor is and stays in view,
and the editor keeps every line end other than a newline as it was."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.app import App
from textual.widgets.text_area import Document, WrappedDocument

from warroom.core.text import is_unsafe, visible
from warroom.tui.widgets.safe import LINE_ENDS_BESIDES_NEWLINE, SafeInput

# A zero-width space, ESC (a screen clear), a tab, BEL, a right-to-left
# override and a carriage return: each drawn as one cell, where Textual's
# Input drew them as no cell (or four, the tab), or not at all (Rich drops
# BEL and CR).
HOSTILE = "a\u200bb\x1b[2Jc\td\x07e\u202ef\rg"
ODD = "a\rb\vc\fd\x1ce\x1df\x1eg\x85h\u2028i\u2029j\r\nk\nlast"
FIELD_WIDTH = 16


class FieldApp(App):
    CSS = f"""
    SafeInput {{ width: {FIELD_WIDTH}; }}
    SafeTextArea {{ width: 30; height: 8; }}
    """

    def __init__(self, value: str = "", text: str = "") -> None:
        super().__init__()
        self.value, self.text = value, text

    def compose(self):
        from warroom.tui.widgets.safe import SafeTextArea

        # Cursors held still: a blinking one is not drawn half the time.
        field = SafeInput(self.value, id="field")
        field.cursor_blink = False
        yield field
        area = SafeTextArea(self.text, id="area", soft_wrap=True)
        area.cursor_blink = False
        yield area


def drawn_caret(field: SafeInput) -> int | None:
    """The cell of the field's content where its cursor is drawn."""
    cursor = field.get_component_rich_style("input--cursor")
    cell = 0
    for segment in field.render_line(0):
        if segment.style is not None and segment.style.bgcolor == cursor.bgcolor:
            return cell
        cell += cell_len(segment.text)
    return None


def check_cursor(field: SafeInput) -> None:
    """The cursor is drawn in view, in its character's cell as drawn, and the
    terminal's cursor (for a terminal's input method) is put there (after
    the last character: one cell further, as Textual's Input puts it)."""
    caret = drawn_caret(field)
    where = f"cursor at {field.cursor_position} of {field.value!r}"
    # Input draws one cell more than its content region (the cursor's, at the end).
    assert caret is not None and 0 <= caret <= field.content_region.width, (caret, where)
    drawn = visible(field.value)
    assert caret == cell_len(drawn[: field.cursor_position]) - field.scroll_offset.x, where
    at_end = 1 if field.cursor_at_end else 0
    assert field.cursor_screen_offset.x - field.content_region.x == caret + at_end, where


async def test_an_input_draws_each_unsafe_character_as_one_placeholder():
    app = FieldApp(HOSTILE)
    async with app.run_test(size=(60, 12)) as pilot:
        field = app.query_one(SafeInput)
        field.focus()
        await pilot.pause()
        assert field.value == HOSTILE  # held exactly
        assert field.drawn_value.plain == visible(HOSTILE)
        assert len(field.drawn_value.plain) == len(HOSTILE)  # one for one
        field.cursor_position = 0
        await pilot.pause()
        line = field.render_line(0).text
        assert line.startswith(visible(HOSTILE)[: field.content_region.width])
        assert not [ch for ch in line if is_unsafe(ch) or not ch.isprintable()]


async def test_the_cursor_is_drawn_where_its_character_is_and_stays_in_view():
    value = HOSTILE * 3  # longer than the field: moving the cursor scrolls it
    app = FieldApp(value)
    async with app.run_test(size=(60, 12)) as pilot:
        field = app.query_one(SafeInput)
        field.focus()
        await pilot.press("end")
        check_cursor(field)
        for _ in range(len(value)):
            await pilot.press("left")
            check_cursor(field)
        assert field.cursor_position == 0
        for _ in range(len(value)):
            await pilot.press("right")
            check_cursor(field)
        assert field.cursor_at_end


async def test_typing_and_pasting_unsafe_characters_keeps_the_cursor_right():
    app = FieldApp()
    async with app.run_test(size=(60, 12)) as pilot:
        field = app.query_one(SafeInput)
        field.focus()
        for part in ("zero\u200bwidth", "\x1b[31mred\x1b[0m", "\u202eevil\u202c", "\tend"):
            field.insert_text_at_cursor(part)
            await pilot.pause()
            check_cursor(field)
        assert field.value == "zero\u200bwidth\x1b[31mred\x1b[0m\u202eevil\u202c\tend"
        await pilot.press("home")
        check_cursor(field)


# ------------------------------------------------------------------ the editor


async def test_the_editor_keeps_every_line_end_through_edits_and_undo():
    app = FieldApp(text=ODD)
    async with app.run_test(size=(60, 12)) as pilot:
        from warroom.tui.widgets.safe import ExactDocument

        area = app.query_one("#area")
        assert isinstance(area.document, ExactDocument)
        assert area.text == ODD and area.document.line_count == 3
        area.focus()
        area.move_cursor((0, 2))  # between the \r and the b
        await pilot.press("enter", "x")
        assert area.text == "a\r\nx" + ODD[2:]
        await pilot.press("backspace", "backspace")
        assert area.text == ODD
        area.select_all()
        assert area.selected_text == ODD
        await pilot.press("ctrl+end", "!")
        assert area.text == ODD + "!"
        await pilot.press("ctrl+z")
        assert area.text == ODD
        area.load_text(ODD * 2)
        assert area.text == ODD * 2 and isinstance(area.document, ExactDocument)
        area.text = ODD
        assert area.text == ODD
        area.replace("\u2028\r", (0, 0), area.document.end)
        assert area.text == "\u2028\r"


async def test_the_editor_draws_odd_line_ends_as_marks_on_their_line():
    app = FieldApp(text=ODD)
    async with app.run_test(size=(60, 12)) as pilot:
        area = app.query_one("#area")
        await pilot.pause()
        drawn = [area.get_line(n).plain for n in range(area.document.line_count)]
        assert drawn == ["a␍b␋c␌d␜e␝f␞g\ufffdh␤i␤j␍", "k", "last"]
        # What TextArea worked out on loading (its scrollable height) is the
        # exact document's: three lines, not a line for each odd line end.
        assert area.virtual_size.height == area.wrapped_document.height == 3
        area.load_text(ODD * 4)
        await pilot.pause()
        assert area.virtual_size.height == area.wrapped_document.height == 3 * 4 - 3


def test_the_editor_refuses_a_language():
    from warroom.tui.widgets.safe import SafeTextArea

    with pytest.raises(ValueError, match="plain text"):
        SafeTextArea("x", language="python")


line_ends = st.sampled_from([*LINE_ENDS_BESIDES_NEWLINE, "\n", "\r\n"])
words = st.text(st.sampled_from("ab \t\u200b\x1b\u4e00"), max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(words, line_ends), max_size=30), st.integers(0, 24))
def test_the_exact_document_is_its_text_and_wraps_as_textual_would(parts, width):
    """Exactly its text; and its lines wrap, and measure, as Textual's Document
    over the stand-in text the editor is set up with (one unit separator for
    each other line end), so what TextArea works out on load holds."""
    from warroom.tui.widgets.safe import ExactDocument

    text = "".join(parts)
    exact = ExactDocument(text)
    stand_in = Document(
        text.translate(str.maketrans(dict.fromkeys(LINE_ENDS_BESIDES_NEWLINE, "\x1f")))
    )
    assert exact.text == text
    assert exact.line_count == stand_in.line_count == text.count("\n") + 1
    assert exact.get_size(4) == stand_in.get_size(4)
    wrapped, textuals = WrappedDocument(exact, width), WrappedDocument(stand_in, width)
    assert wrapped.height == textuals.height
    for row in range(exact.line_count):
        assert wrapped.get_offsets(row) == textuals.get_offsets(row)
    assert exact.get_text_range(exact.start, exact.end) == text
