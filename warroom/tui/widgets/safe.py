"""The safe way onto the screen: inputs and a last filter that show text through
`visible`, while the text they hold (and the store keeps) stays exact.

Every Input and TextArea in warroom is one of these; a test fails on a plain
one, so a new screen cannot forget. Placeholders replace one character for
one, so cursor and selection positions in the value stay right.

Both are built on Textual's public API only:

- SafeInput draws its value through its `highlighter` (the Input's public
  hook for how the value is drawn), which shows the value through `visible`;
  the terminal cursor (`cursor_screen_offset`) and the scroll that keeps it in
  view count the cells as drawn.
- SafeTextArea edits an ExactDocument (on Textual's public DocumentBase): a
  line ends at a newline and nowhere else, so a stored text with \\r, \\v, \\f,
  U+2028 ... is saved back exactly as it was opened; `get_line` draws each
  line through `visible`."""

from __future__ import annotations

from rich.cells import cell_len
from rich.control import strip_control_codes
from rich.highlighter import Highlighter
from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.color import Color
from textual.filter import LineFilter
from textual.geometry import Offset, Region
from textual.widgets import Input

from warroom.core.text import visible


class VisibleValue(Highlighter):
    """How a SafeInput draws its value: through its `shown` (`visible`, one
    character for one), then through the highlighter the input was given.

    Input builds the Text it highlights from its value with Rich, which drops
    BEL, BS, VT, FF and CR; a dropped character would move every position
    after it, so the value is taken from the input itself."""

    def __init__(self, field: SafeInput, inner: Highlighter | None = None) -> None:
        self.field = field
        self.inner = inner

    def highlight(self, text: Text) -> None:
        value, plain = self.field.value, text.plain
        if plain != value and plain != strip_control_codes(value):
            value = plain  # a text other than the input's value
        text.plain = self.field.shown(value)
        if self.inner is not None:
            self.inner.highlight(text)


class SafeInput(Input):
    """An Input whose value is shown with controls and invisible characters as
    placeholders (pre-filled values too: `value` is only ever drawn this way)."""

    # Input's own enter, found when the key arrives (the input has focus, so
    # nothing else would take it): the key is not passed to the input and up
    # again through every container to the app before the note or the name
    # is taken.
    BINDINGS = [Binding("enter", "submit", "Submit", show=False, priority=True)]

    # Input scrolls to its cursor on every move but those made while its
    # first value is set (see watch_selection).
    value_set = False

    @staticmethod
    def shown(text: str) -> str:
        """How the value is drawn: one character for one (a subclass may say
        otherwise, as the note input does for its line ends)."""
        return visible(text)

    @property  # type: ignore[override]  # Input's is an attribute
    def highlighter(self) -> VisibleValue:
        """Input's hook for how the value is drawn: always through `visible`
        (a highlighter given to the input runs after it)."""
        return self.drawn_through

    @highlighter.setter
    def highlighter(self, inner: Highlighter | None) -> None:
        self.drawn_through = VisibleValue(self, inner)

    @property
    def drawn_value(self) -> Text:
        """The value as drawn (through visible, highlighted)."""
        if self.password:
            return Text("\u2022" * len(self.value), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(Text(self.value, no_wrap=True, overflow="ignore", end=""))

    @property
    def cursor_cell(self) -> int:
        """The cell the cursor is drawn in, from the start of the value (one
        past the end when the cursor is after the last character)."""
        if self.password:
            return self.cursor_position + (1 if self.cursor_at_end else 0)
        cell = cell_len(self.shown(self.value)[: self.cursor_position])
        return cell + 1 if self.cursor_at_end else cell

    @property
    def cursor_screen_offset(self) -> Offset:
        """Where the terminal's cursor goes: counted in cells as drawn (a
        placeholder takes a cell where the character it shows took none, and a
        tab one cell, not up to four)."""
        x, y, _width, _height = self.content_region
        scroll_x, _ = self.scroll_offset
        return Offset(x + self.cursor_cell - scroll_x, y)

    def watch_value(self) -> None:
        self.value_set = True

    def watch_selection(self) -> None:
        """Keep the cursor in view as drawn. Input has just asked to scroll
        (after the next refresh) to where the cursor would be if the value were
        drawn as it is; where that is another cell, the scroll is made from
        where the view is now to the cell as drawn, after Input's."""
        value = self.value
        if not self.value_set or self.password or self.shown(value) == value:
            return  # drawn as it is: Input's own scroll is the right one
        self.scroll_to(x=self.scroll_x, animate=False, force=True)
        self.scroll_to_region(
            Region(self.cursor_cell, 0, width=1, height=1), force=True, animate=False
        )


# The characters str.splitlines ends a line at, besides the newline: each is a
# whitespace character no cell wide, as is the unit separator that stands in
# for them (see SafeTextArea.use_exact).
LINE_ENDS_BESIDES_NEWLINE = "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_STAND_IN = str.maketrans(dict.fromkeys(LINE_ENDS_BESIDES_NEWLINE, "\x1f"))


def _safe_text_area() -> type:
    # Textual's TextArea (and its document model) costs about 20 ms to import:
    # made on first use (a draft edit, a correction), not at every start.
    from textual.binding import Binding
    from textual.geometry import Size
    from textual.widgets import TextArea
    from textual.widgets.text_area import (
        DocumentBase,
        DocumentNavigator,
        EditResult,
        Location,
        WrappedDocument,
    )

    class ExactDocument(DocumentBase):
        """A document whose lines end at a newline and nowhere else, and whose
        `text` is exactly the text it was made with (and the edits since).
        Textual's Document splits at every line end str.splitlines knows and
        joins the lines with one newline (\\r\\n if the text holds one, else
        \\n): a stored \\r, \\v, U+2028 ... came back as that newline."""

        def __init__(self, text: str) -> None:
            self.rows = text.split("\n")

        @property
        def text(self) -> str:
            return "\n".join(self.rows)

        @property
        def newline(self):
            return "\n"

        @property
        def lines(self) -> list[str]:
            return self.rows

        def get_line(self, index: int) -> str:
            return self.rows[index]

        def __getitem__(self, line_index):
            return self.rows[line_index]

        @property
        def line_count(self) -> int:
            return len(self.rows)

        @property
        def start(self) -> Location:
            return (0, 0)

        @property
        def end(self) -> Location:
            return (len(self.rows) - 1, len(self.rows[-1]))

        def get_size(self, indent_width: int) -> Size:
            # As Textual's Document measures, but a \r is no line end here
            # either (expandtabs starts counting columns again after one).
            widths = [
                cell_len(line.replace("\r", "\x1f").expandtabs(indent_width)) for line in self.rows
            ]
            return Size(max(widths, default=0), len(self.rows))

        def get_text_range(self, start: Location, end: Location) -> str:
            (top_row, top_column), (bottom_row, bottom_column) = sorted((start, end))
            rows = self.rows
            if top_row == bottom_row:
                return rows[top_row][top_column:bottom_column]
            parts = [rows[top_row][top_column:], *rows[top_row + 1 : bottom_row]]
            if bottom_row < len(rows):
                parts.append(rows[bottom_row][:bottom_column])
            return "\n".join(parts)

        def replace_range(self, start: Location, end: Location, text: str) -> EditResult:
            # As Textual's Document does, splitting the inserted text at newlines only.
            top, bottom = sorted((start, end))
            (top_row, top_column), (bottom_row, bottom_column) = top, bottom
            rows = self.rows
            replaced = self.get_text_range(top, bottom)
            before = rows[top_row][:top_column] if top_row < len(rows) else ""
            after = rows[bottom_row][bottom_column:] if bottom_row < len(rows) else ""
            inserted = text.split("\n")
            inserted[0] = before + inserted[0]
            column = len(inserted[-1])
            inserted[-1] += after
            rows[top_row : bottom_row + 1] = inserted
            return EditResult((top_row + len(inserted) - 1, column), replaced)

    class SafeTextArea(TextArea):
        """A TextArea over an ExactDocument that draws each line of it through
        `visible` (newlines and tabs stay layout); the document itself is the
        exact text. Plain text only (no language).
        ctrl+home / ctrl+end go to the start / end of the whole text (Textual's
        TextArea has no such keys: the cursor stayed put)."""

        BINDINGS = [
            Binding("ctrl+home", "cursor_document_start", "Start of text", show=False),
            Binding("ctrl+end", "cursor_document_end", "End of text", show=False),
            Binding("ctrl+shift+home", "cursor_document_start(True)", show=False),
            Binding("ctrl+shift+end", "cursor_document_end(True)", show=False),
        ]

        def __init__(self, text: str = "", **kwargs) -> None:
            super().__init__(text.translate(_STAND_IN), **kwargs)
            self.use_exact(text)

        def load_text(self, text: str) -> None:
            super().load_text(text.translate(_STAND_IN))
            self.use_exact(text)

        def use_exact(self, text: str) -> None:
            """Edit `text` itself in an ExactDocument. TextArea has just set
            itself up (cursor, history, wrapping, size) over a Document of the
            same text with each other line end as a unit separator: the same
            lines, each character the same width and as much a space, so all
            it worked out holds for the exact text too."""
            self.document = ExactDocument(text)
            self.wrapped_document = WrappedDocument(
                self.document, self.wrap_width, tab_width=self.indent_width
            )
            self.navigator = DocumentNavigator(self.wrapped_document)

        def validate_language(self, language: str | None) -> str | None:
            # A language makes TextArea build a document of its own.
            if language:
                raise ValueError("SafeTextArea holds plain text only")
            return language

        def action_cursor_document_start(self, select: bool = False) -> None:
            self.move_cursor((0, 0), select=select)

        def action_cursor_document_end(self, select: bool = False) -> None:
            self.move_cursor(self.document.end, select=select)

        def cursor_to_end(self) -> None:
            """Cursor after the last character, nothing selected: for editing
            an existing text, where typing most often adds to it."""
            self.move_cursor(self.document.end)

        def on_paste(self, event) -> None:
            # A pasted line end is a line end, whichever the clipboard used
            # (terminals often send \r): the person's own change to the text.
            # (TextArea's own handler runs after this one and inserts it.)
            event.text = event.text.replace("\r\n", "\n").replace("\r", "\n")

        def get_line(self, line_index: int) -> Text:
            line = self.document.get_line(line_index)
            return Text(visible(line, multiline=True), end="", no_wrap=True)

    SafeTextArea.__qualname__ = "SafeTextArea"
    SafeTextArea.__module__ = __name__
    ExactDocument.__qualname__ = "ExactDocument"
    ExactDocument.__module__ = __name__
    globals()["ExactDocument"] = ExactDocument
    return SafeTextArea


def __getattr__(name: str):
    """SafeTextArea and its ExactDocument, made when first imported (see
    _safe_text_area)."""
    if name in ("SafeTextArea", "ExactDocument"):
        globals()["SafeTextArea"] = _safe_text_area()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class VisibleFilter(LineFilter):
    """The net under everything else: any control, direction or invisible
    character still in a painted line (a toast, the palette, a border title,
    a widget someone forgot) is drawn as its placeholder, never sent raw."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if "".join([seg.text for seg in segments]).isprintable():
            return segments  # the usual case: one C-level check per line
        return [
            seg if seg.control or seg.text.isprintable() else Segment(visible(seg.text), seg.style)
            for seg in segments
        ]
