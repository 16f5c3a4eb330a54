"""An Input drawn through a function of its value, and a TextArea whose
document splits lines at newlines only.

Textual's Input draws `value` as it is (a pasted ESC or bidi control reaches
the terminal) and has no hook for how the value is drawn; `_value` (the Text
drawn) and `_position_to_cell` (where the cursor goes) are that hook. Here a
subclass says how with `shown(text)` (one character for one, so positions
stay right); `drawn_value` is the Text as drawn.

Textual's TextArea splits its document at every line boundary Python knows
(\\r, \\v, \\f, U+001C-001E, U+0085, U+2028, U+2029) and joins the lines with
one newline: opening a stored text changed it. `exact_text_area()` is a
TextArea over a document that splits at newlines only; it is made on first
use, since TextArea costs about 20 ms to import."""

from __future__ import annotations

from functools import cache

from rich.cells import cell_len
from rich.text import Text
from textual.expand_tabs import expand_tabs_inline
from textual.widgets import Input

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual.widgets:Input._value": "self",
    "textual.widgets:Input._position_to_cell": "self, position",
    "textual.widgets:TextArea._set_document": "self, text, language",
    "textual.widgets:TextArea._highlight_query": "attribute",
    "textual.widgets:TextArea._build_highlight_map": "self",
    "textual.widgets:TextArea._rewrap_and_refresh_virtual_size": "self",
    "textual.widgets.text_area:Document._newline": "attribute",
    "textual.widgets.text_area:Document._lines": "attribute",
}


class DrawnInput(Input):
    """An Input whose value is drawn as `shown(value)` (pre-filled values too)."""

    @staticmethod
    def shown(text: str) -> str:
        """How the value is drawn: one character for one (a subclass says;
        warroom's is widgets/safe.py's SafeInput, the only one)."""
        raise NotImplementedError

    @property
    def drawn_value(self) -> Text:
        """The value as drawn (through shown, highlighted)."""
        return self._value

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(self.shown(self.value), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text

    def _position_to_cell(self, position: int) -> int:
        return cell_len(expand_tabs_inline(self.shown(self.value[:position]), 4))


@cache
def exact_text_area() -> type:
    """A TextArea class whose document ends lines at a newline and nowhere
    else, and whose `text` is exactly what was loaded (plain text only)."""
    from textual.widgets import TextArea
    from textual.widgets.text_area import (
        Document,
        DocumentNavigator,
        EditResult,
        WrappedDocument,
    )

    class ExactDocument(Document):
        def __init__(self, text: str) -> None:
            self._newline = "\n"
            self._lines = text.split("\n")

        def replace_range(self, start, end, text: str) -> EditResult:
            # Textual's replace_range, splitting the inserted text at newlines only.
            top, bottom = sorted((start, end))
            top_row, top_column = top
            bottom_row, bottom_column = bottom
            insert_lines = text.split("\n")
            lines = self._lines
            replaced_text = self.get_text_range(top, bottom)
            after = lines[bottom_row][bottom_column:] if bottom_row < len(lines) else ""
            before = lines[top_row][:top_column] if top_row < len(lines) else ""
            insert_lines[0] = before + insert_lines[0]
            destination_column = len(insert_lines[-1])
            insert_lines[-1] = insert_lines[-1] + after
            lines[top_row : bottom_row + 1] = insert_lines
            destination_row = top_row + len(insert_lines) - 1
            return EditResult((destination_row, destination_column), replaced_text)

    class ExactTextArea(TextArea):
        def _set_document(self, text: str, language: str | None) -> None:
            # As TextArea's, for plain text, over an ExactDocument.
            self._highlight_query = None
            self.document = document = ExactDocument(text)
            self.wrapped_document = WrappedDocument(document, tab_width=self.indent_width)
            self.navigator = DocumentNavigator(self.wrapped_document)
            self._build_highlight_map()
            self.move_cursor((0, 0))
            self._rewrap_and_refresh_virtual_size()

    ExactTextArea.__module__ = __name__
    return ExactTextArea
