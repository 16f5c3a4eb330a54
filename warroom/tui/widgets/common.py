"""Shared pieces for panels: literal text and the panel frame."""

from __future__ import annotations

from math import ceil
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from warroom.core.text import one_line, visible

if TYPE_CHECKING:
    from textual import getters
    from textual.widget import Widget

    from warroom.tui.room import Room

    _Widget = Widget  # the mixin's host, for the type checker
else:
    _Widget = object

# State words carry meaning as well as colour (colour alone is not enough).
STATE_STYLE = {
    "overdue": ("✖ OVERDUE", "bold red"),
    "due soon": ("▲ due soon", "bold yellow"),
    "running": ("● running", "green"),
    "met": ("✔ met", "dim green"),
    "missed": ("✖ missed", "dim red"),
    "stopped": ("■ stopped", "dim"),
}

# Each kind of timeline entry: its mark, its name as shown, its colour.
KIND_MARK = {
    "note": ("·", "note", ""),
    "evidence": ("◆", "evidence", "cyan"),
    "decision": ("★", "decision", "magenta"),
    "change": ("⚙", "change", "yellow"),
    "system": ("○", "system", "dim"),
    "update": ("✉", "update", "bold green"),
}


def lit(text: str, style: str = "") -> Text:
    """User text, literally: markup is not parsed and controls are made visible."""
    return Text(one_line(text), style=style, no_wrap=True, overflow="ellipsis")


def lit_block(text: str, style: str = "") -> Text:
    return Text(visible(text, multiline=True), style=style)


class RowStyle(_Widget):
    """For line-API widgets: the widget's base style is worked out once per
    repaint instead of once per row (it walks every ancestor's styles)."""

    row_style = Style.null()

    def render_lines(self, crop: Region) -> list[Strip]:
        self.row_style = self.rich_style
        return super().render_lines(crop)


class Panel(Vertical, can_focus=False):
    """A bordered panel titled with its name and the number key that reaches it."""

    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

    DEFAULT_CSS = """
    Panel {
        border: round $panel;
        border-title-color: $text-muted;
        height: 1fr;
        width: 1fr;
    }
    Panel:focus-within {
        border: round $primary;
        border-title-color: $text;
        border-title-style: bold;
    }
    """

    def __init__(self, number: int, title: str, **kwargs):
        super().__init__(**kwargs)
        self.number = number
        self.border_title = f"{number} {title}"

    def set_subtitle(self, text: str) -> None:
        """The words on the bottom border, repainting that row alone: setting
        border_subtitle repaints the panel and everything in it (a tick changes
        the checklist's red-flag count, and the whole checklist was redrawn)."""
        if text == (self._border_subtitle.plain if self._border_subtitle else ""):
            return
        outer = self.outer_size
        if not self.is_mounted or outer.height < 1:
            self.border_subtitle = text
            return
        # What the border_subtitle setter stores, read as plain text (no markup).
        self._border_subtitle = Content(text) if text else None
        offset = self.content_offset  # refresh takes regions relative to the content
        self.refresh(Region(-offset.x, outer.height - 1 - offset.y, outer.width, 1))


class SteadyScrollBar(ScrollBar):
    """A scroll bar that repaints only when what it draws changes. On a long
    timeline one more row moves the thumb by far less than the eighth of a cell
    it is drawn in, yet Textual repaints the whole bar on every scroll and every
    change of the content's height: a note or a tick redrew all of its rows."""

    _drawn: tuple | None = None

    def _shape(self) -> tuple:
        """What ScrollBarRender.render_bar draws from, in eighths of a cell."""
        size = self.size.height if self.vertical else self.size.width
        virtual = ceil(self.window_virtual_size)
        window = ceil(self.window_size if self.window_size < self.window_virtual_size else 0)
        styles = self.parent.styles if self.parent is not None else None
        look = (
            self.app.theme,
            self.mouse_over,
            self.grabbed,
            styles and (styles.scrollbar_background, styles.scrollbar_color),
        )
        if not (window and size and virtual and size != virtual):
            return (size, look)
        thumb = max(1, window / (virtual / size))
        at = (size - thumb) * (self.position / (virtual - window))
        start = int(at * 8)
        return (size, look, start, start + ceil(thumb * 8))

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ):
        if regions or layout or recompose or not repaint or not self.is_mounted:
            self._drawn = None
            return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        # Decided when the bar goes idle, once the scroll position and the
        # content height have both moved (between the two the thumb may look
        # a cell away).
        self._maybe = True
        self.check_idle()
        return self

    _maybe = False

    def _check_refresh(self) -> None:
        if self._maybe:
            self._maybe = False
            shape = self._shape()
            if shape != self._drawn:
                self._drawn = shape
                super().refresh()
        super()._check_refresh()
