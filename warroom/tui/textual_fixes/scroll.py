"""A scroll bar that repaints only when what it draws changes, and a scroll
view whose content grows without laying the screen out again.

On a long timeline one more row moves the thumb by far less than the eighth
of a cell it is drawn in, yet Textual repaints the whole bar on every scroll
and every change of the content's height: a note or a tick redrew all of its
rows. A view takes the steady bar by inheriting SteadyVerticalScrollBar (its
`vertical_scrollbar` is Textual's own property, making this class instead).
`grow_in_place` tells a ScrollView its content's new size without a layout of
the whole screen (the scroll bar stays as it is, updated in place)."""

from __future__ import annotations

from math import ceil

from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual.widget:Widget._vertical_scrollbar": "attribute",
    "textual.widget:Widget.vertical_scrollbar": "self",
    "textual.app:App._start_widget": "self, parent, widget",
    "textual.scrollbar:ScrollBar._check_refresh": "self",
    "textual.scroll_view:ScrollView._scroll_update": "self, virtual_size",
}


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


class SteadyVerticalScrollBar:
    """Mixin for a ScrollView: its vertical scroll bar is a SteadyScrollBar."""

    @property
    def vertical_scrollbar(self) -> SteadyScrollBar:
        """Textual's own, made a SteadyScrollBar (see there)."""
        if self._vertical_scrollbar is None:
            bar = SteadyScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar


def grow_in_place(view: ScrollView, size: Size) -> None:
    """Set view's virtual size to size, updating its scroll bars in place
    rather than laying out the whole screen (for content that only grows
    past a window that already scrolls)."""
    view.set_reactive(type(view).virtual_size, size)
    view._scroll_update(size)
