"""The safe way onto the screen: inputs and a last filter that show text through
`visible`, while the text they hold (and the store keeps) stays exact.

Every Input and TextArea in warroom is one of these; a test fails on a plain
one, so a new screen cannot forget. Placeholders replace one character for
one, so cursor and selection positions in the value stay right."""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.expand_tabs import expand_tabs_inline
from textual.filter import LineFilter
from textual.widgets import Input

from warroom.core.text import visible


class SafeInput(Input):
    """An Input whose value is shown with controls and invisible characters as
    placeholders (pre-filled values too: `value` is only ever drawn this way)."""

    @staticmethod
    def shown(text: str) -> str:
        """How the value is drawn: one character for one."""
        return visible(text)

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(self.shown(self.value), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text

    def _position_to_cell(self, position: int) -> int:
        return cell_len(expand_tabs_inline(self.shown(self.value[:position]), 4))


def _safe_text_area() -> type:
    # Textual's TextArea (and its document model) costs about 20 ms to import:
    # made on first use (a draft edit, a correction), not at every start.
    from textual.binding import Binding
    from textual.document._document import Document
    from textual.document._document_navigator import DocumentNavigator
    from textual.document._edit import EditResult
    from textual.document._wrapped_document import WrappedDocument
    from textual.widgets import TextArea

    class ExactDocument(Document):
        """A document whose lines end at a newline and nowhere else. Textual's
        splits at every line boundary Python knows (\\r, \\v, \\f, U+001C-001E,
        U+0085, U+2028, U+2029) and joins the lines with one newline: opening
        a stored text would change it. Here those characters stay in their
        line, where `visible` shows them as marks, and `text` is what was loaded."""

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

    class SafeTextArea(TextArea):
        """A TextArea that draws each line of its document through `visible`
        (newlines and tabs stay layout); the document itself is the exact text.
        ctrl+home / ctrl+end go to the start / end of the whole text (Textual's
        TextArea has no such keys: the cursor stayed put)."""

        BINDINGS = [
            Binding("ctrl+home", "cursor_document_start", "Start of text", show=False),
            Binding("ctrl+end", "cursor_document_end", "End of text", show=False),
            Binding("ctrl+shift+home", "cursor_document_start(True)", show=False),
            Binding("ctrl+shift+end", "cursor_document_end(True)", show=False),
        ]

        def action_cursor_document_start(self, select: bool = False) -> None:
            self.move_cursor((0, 0), select=select)

        def action_cursor_document_end(self, select: bool = False) -> None:
            self.move_cursor(self.document.end, select=select)

        def cursor_to_end(self) -> None:
            """Cursor after the last character, nothing selected: for editing
            an existing text, where typing most often adds to it."""
            self.move_cursor(self.document.end)

        def _set_document(self, text: str, language: str | None) -> None:
            # As TextArea's, for plain text, over an ExactDocument.
            self._highlight_query = None
            self.document = document = ExactDocument(text)
            self.wrapped_document = WrappedDocument(document, tab_width=self.indent_width)
            self.navigator = DocumentNavigator(self.wrapped_document)
            self._build_highlight_map()
            self.move_cursor((0, 0))
            self._rewrap_and_refresh_virtual_size()

        def _on_paste(self, event) -> None:  # type: ignore[override]  # sync or async: both run
            # A pasted line end is a line end, whichever the clipboard used
            # (terminals often send \r): the person's own change to the text.
            # (TextArea's own handler runs after this one and inserts it.)
            event.text = event.text.replace("\r\n", "\n").replace("\r", "\n")

        def get_line(self, line_index: int) -> Text:
            line = self.document.get_line(line_index)
            return Text(visible(line, multiline=True), end="", no_wrap=True)

    SafeTextArea.__qualname__ = "SafeTextArea"
    SafeTextArea.__module__ = __name__
    return SafeTextArea


def __getattr__(name: str):
    """SafeTextArea, made when first imported (see _safe_text_area)."""
    if name == "SafeTextArea":
        cls = globals()["SafeTextArea"] = _safe_text_area()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class VisibleFilter(LineFilter):
    """The net under everything else: any control, direction or invisible
    character still in a painted line (a toast, the palette, a border title,
    a widget someone forgot) is drawn as its placeholder, never sent raw."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if "".join([seg.text for seg in segments]).isprintable():
            return segments  # the usual case: one C-level check per line
        return [
            seg if seg.control or seg.text.isprintable() else seg._replace(text=visible(seg.text))
            for seg in segments
        ]
