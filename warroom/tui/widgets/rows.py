"""A list of rows with a cursor, drawn with the line API.

The checklist and the role board are short lists that change a row at a time.
Textual's OptionList measures its rows while it paints (so the first paint asks
for a second layout) and forgets every row's render when one changes; this list
repaints only the rows that changed. A row longer than the width wraps onto
lines indented by HANG cells, so nothing is cut; a row whose id is None is a
heading the cursor skips."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.tui.widgets.common import KeptLines, RowStyle

if TYPE_CHECKING:
    from textual import getters

    from warroom.tui.room import Room


class RowList(KeptLines, RowStyle, ScrollView, can_focus=True):
    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

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
    HANG = 2  # continuation lines of a wrapped row start this far in
    KEEPS_ROWS = True  # a tick or a cursor move draws its rows again, not the list's every row

    highlighted: reactive[int | None] = reactive(None, always_update=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.ids: list[str | None] = []
        self.texts: list[Text] = []
        self._after_paint: list = []
        self._width = 0
        self._lines: list[tuple[int, Text]] = []  # (row, one screen line of it)
        self._starts: list[int] = []  # the first line of each row
        self._wrapped: dict[int, tuple[Text, int, list[Text]]] = {}  # see _wrap

    # -- rows
    def set_rows(self, rows: list[tuple[str | None, Text]]) -> None:
        """Show these (id, text) rows, repainting only those that changed."""
        ids = [row_id for row_id, _ in rows]
        texts = [text for _, text in rows]
        if ids != self.ids:
            self.ids, self.texts = ids, texts
            self._wrap()
            if self.highlighted is None:
                self.highlighted = self._selectable(0, 1)
            else:
                self.highlighted = self.highlighted  # clamped to the new length
            self.refresh()
            return
        changed = [
            y
            for y, (a, b) in enumerate(zip(self.texts, texts, strict=True))
            if a is not b and a != b
        ]
        if not changed:
            return
        self.texts = texts
        before = len(self._lines)
        self._wrap()
        if len(self._lines) != before:
            self.refresh()
        else:
            for y in changed:
                self._refresh_row(y)

    def _wrap(self) -> None:
        """Cut the rows into screen lines at the current width."""
        width = self._width
        lines: list[tuple[int, Text]] = []
        starts = []
        console = self.app.console
        # A row's screen lines are kept while its text object and the width
        # stay: a change to one row wraps that row alone.
        wrapped, self._wrapped = self._wrapped, {}
        for index, text in enumerate(self.texts):
            starts.append(len(lines))
            if width <= self.HANG or text.cell_len <= width:
                lines.append((index, text))
                continue
            kept = wrapped.get(id(text))
            if kept is not None and kept[0] is text and kept[1] == width:
                self._wrapped[id(text)] = kept
                lines.extend((index, line) for line in kept[2])
                continue
            first_line = len(lines)
            rest, room = text, width
            while rest.plain:
                first = rest.wrap(console, room, overflow="fold", no_wrap=False)[0]
                used = max(1, len(first.plain))
                rest = rest[used:]
                spaces = len(rest.plain) - len(rest.plain.lstrip(" "))
                rest = rest[spaces:]
                line = first if room == width else Text(" " * self.HANG) + first
                lines.append((index, line))
                room = width - self.HANG
            self._wrapped[id(text)] = (text, width, [line for _, line in lines[first_line:]])
        grew = len(lines) != len(self._lines)
        self._lines, self._starts = lines, starts
        self.virtual_size = Size(0, len(lines))
        if grew:
            self.lines_changed(len(lines))

    def lines_changed(self, count: int) -> None:
        """The rows now take `count` screen lines (after a change or a resize)."""

    def on_resize(self) -> None:
        # Wrapped as if the scrollbar showed: it appears only once rows wrap.
        width = self.size.width - 1
        if width != self._width:
            self._width = width
            self._wrap()
            self.refresh()

    @property
    def highlighted_id(self) -> str | None:
        index = self.highlighted
        return self.ids[index] if index is not None and index < len(self.ids) else None

    def _row_lines(self, index: int) -> tuple[int, int]:
        """The first screen line of a row and how many it takes."""
        if index >= len(self._starts):
            return index, 1
        start = self._starts[index]
        end = self._starts[index + 1] if index + 1 < len(self._starts) else len(self._lines)
        return start, max(1, end - start)

    def _refresh_row(self, index: int) -> None:
        start, count = self._row_lines(index)
        self.refresh(Region(0, start - self.scroll_offset.y, self.size.width, count))

    # -- cursor
    def _selectable(self, index: int, step: int) -> int | None:
        """The nearest row at or past `index` going `step` that is not a heading."""
        while 0 <= index < len(self.ids):
            if self.ids[index] is not None:
                return index
            index += step
        return None

    def validate_highlighted(self, value: int | None) -> int | None:
        if value is None or not self.ids:
            return None
        value = max(0, min(value, len(self.ids) - 1))
        found = self._selectable(value, 1)
        return found if found is not None else self._selectable(value, -1)

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for index in {old, new}:
            if index is not None:
                self._refresh_row(index)
        if new is not None:
            start, count = self._row_lines(new)
            if new > 0 and self.ids[new - 1] is None:  # keep its heading in view
                start, count = start - 1, count + 1
            self.scroll_to_region(Region(0, start, 1, count), animate=False, immediate=True)

    def action_move(self, step: int) -> None:
        if self.highlighted is None:
            self.highlighted = 0
            return
        index = self.highlighted
        direction = 1 if step > 0 else -1
        for _ in range(abs(step)):
            found = self._selectable(index + direction, direction)
            if found is None:
                break
            index = found
        self.highlighted = index

    def action_first(self) -> None:
        self.highlighted = 0

    def action_last(self) -> None:
        self.highlighted = self._selectable(len(self.ids) - 1, -1)

    def on_click(self, event: events.Click) -> None:
        line = event.y + self.scroll_offset.y
        if 0 <= line < len(self._lines):
            self.highlighted = self._lines[line][0]

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
        line_no = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if line_no >= len(self._lines):
            return Strip.blank(width, self.row_style)
        index, text = self._lines[line_no]
        line = text.copy()
        line.no_wrap = True
        line.truncate(width, overflow="ellipsis", pad=True)
        segments = list(line.render(self.app.console))
        if index == self.highlighted:
            cursor = self.get_component_rich_style("rowlist--cursor")
            segments = list(Segment.apply_style(segments, style=cursor))
        return Strip(segments, width).apply_style(self.row_style)
