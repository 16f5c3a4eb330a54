"""The safe way onto the screen: inputs and a last filter that show text through
`visible`, while the text they hold (and the store keeps) stays exact.

Every Input and TextArea in warroom is one of these; a test fails on a plain
one, so a new screen cannot forget. Placeholders replace one character for
one, so cursor and selection positions in the value stay right."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

from warroom.core.text import visible
from warroom.tui.textual_fixes.inputs import DrawnInput, exact_text_area


class SafeInput(DrawnInput):
    """An Input whose value is shown with controls and invisible characters as
    placeholders (pre-filled values too: `value` is only ever drawn this way)."""

    @staticmethod
    def shown(text: str) -> str:
        """How the value is drawn: one character for one."""
        return visible(text)


def _safe_text_area() -> type:
    # Textual's TextArea (and its document model) costs about 20 ms to import:
    # made on first use (a draft edit, a correction), not at every start.
    from textual.binding import Binding

    TextArea = exact_text_area()  # noqa: N806 - a class

    class SafeTextArea(TextArea):  # type: ignore[valid-type,misc]  # made on first use
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
            seg if seg.control or seg.text.isprintable() else Segment(visible(seg.text), seg.style)
            for seg in segments
        ]
