"""A list of one-line rows with a cursor, drawn with the line API.

The checklist and the role board are short lists that change a row at a time.
Textual's OptionList measures its rows while it paints (so the first paint asks
for a second layout) and forgets every row's render when one changes; this list
knows its size up front and repaints only the rows that changed."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .common import RowStyle


class RowList(RowStyle, ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"rowlist--cursor"}
    DEFAULT_CSS = """
    RowList { height: auto; overflow: hidden auto; scrollbar-size-vertical: 1; }
    RowList > .rowlist--cursor {
        color: $block-cursor-blurred-foreground;
        background: $block-cursor-blurred-background;
        text-style: $block-cursor-blurred-text-style;
    }
    RowList:focus > .rowlist--cursor {
        color: $block-cursor-foreground;
        background: $block-cursor-background;
        text-style: $block-cursor-text-style;
    }
    """
    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    highlighted: reactive[int | None] = reactive(None, always_update=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.ids: list[str] = []
        self.texts: list[Text] = []
        self._after_paint: list = []

    # -- rows
    def set_rows(self, rows: list[tuple[str, Text]]) -> None:
        """Show these (id, text) rows, repainting only those that changed."""
        ids = [row_id for row_id, _ in rows]
        texts = [text for _, text in rows]
        if ids != self.ids:
            self.ids, self.texts = ids, texts
            self.virtual_size = Size(0, len(ids))
            if self.highlighted is None and ids:
                self.highlighted = 0
            else:
                self.highlighted = self.highlighted  # clamped to the new length
            self.refresh()
            return
        for y, (before, after) in enumerate(zip(self.texts, texts, strict=True)):
            if before != after:
                self.texts[y] = after
                self._refresh_row(y)

    @property
    def highlighted_id(self) -> str | None:
        index = self.highlighted
        return self.ids[index] if index is not None and index < len(self.ids) else None

    def _refresh_row(self, index: int) -> None:
        self.refresh(Region(0, index - self.scroll_offset.y, self.size.width, 1))

    # -- cursor
    def validate_highlighted(self, value: int | None) -> int | None:
        if value is None or not self.ids:
            return None
        return max(0, min(value, len(self.ids) - 1))

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for index in {old, new}:
            if index is not None:
                self._refresh_row(index)
        if new is not None:
            self.scroll_to_region(Region(0, new, 1, 1), animate=False, immediate=True)

    def action_move(self, step: int) -> None:
        self.highlighted = 0 if self.highlighted is None else self.highlighted + step

    def action_first(self) -> None:
        self.highlighted = 0

    def action_last(self) -> None:
        self.highlighted = len(self.ids) - 1

    def on_click(self, event: events.Click) -> None:
        self.highlighted = event.y + self.scroll_offset.y

    def after_paint(self, callback) -> None:
        """Run `callback` once this list has next been drawn: for tidying up that
        can wait until the change a key made is on screen."""
        self._after_paint.append(callback)
        self._refresh_row(self.highlighted or 0)  # make sure there is a next drawing

    # -- drawing
    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        # Called while the frame is composed: call_later runs after it is shown.
        callbacks, self._after_paint = self._after_paint, []
        for callback in callbacks:
            self.call_later(callback)
        return lines

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self.texts):
            return Strip.blank(width, self.row_style)
        line = self.texts[index].copy()
        line.truncate(width, overflow="ellipsis", pad=True)
        segments = list(line.render(self.app.console))
        if index == self.highlighted:
            cursor = self.get_component_rich_style("rowlist--cursor")
            segments = list(Segment.apply_style(segments, style=cursor))
        return Strip(segments, width).apply_style(self.row_style)
