"""A compositor that repaints only what changed.

On a partial update Textual takes the box around every changed region and
asks each widget inside that box for all of its lines: a new note at the
bottom and the header's clock at the top repaint every panel in between,
from their caches but line by line. This one asks only the widgets under a
changed region, and of each only the rows inside it; a whole frame skips the
widgets covered by those in front. What it paints is the same
(tests/ui/test_compositor.py compares it with Textual's on every frame)."""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual._compositor": "module",
    "textual._compositor:Compositor.render_partial_update": "self",
    "textual._compositor:Compositor.render_full_update": "self, simplify",
    "textual._compositor:Compositor._get_renders": "self, crop",
    "textual._compositor:Compositor._dirty_regions": "attribute",
    "textual._compositor:Compositor.visible_widgets": "attribute",
    "textual.screen:Screen._compositor": "attribute",
}


def use_changed_only_compositor(screen) -> None:
    """Make screen draw through a ChangedOnlyCompositor (call in __init__)."""
    screen._compositor = ChangedOnlyCompositor()


def compositor_of(screen) -> Compositor:
    """The compositor screen draws through."""
    return screen._compositor


class ChangedOnlyCompositor(Compositor):
    _changed: list[Region] | None = None  # set while an update is drawn

    def render_partial_update(self):
        screen = self.size.region
        self._changed = [region.intersection(screen) for region in self._dirty_regions]
        try:
            return super().render_partial_update()
        finally:
            self._changed = None

    def render_full_update(self, simplify: bool = False):
        # A whole frame (the first, or after a layout change) the same way:
        # every widget asked for its visible rows, except those the widgets in
        # front cover entirely (the screen and the grid behind the panels).
        if simplify:  # an SVG export: Textual's own
            return super().render_full_update(simplify)
        self._changed = [self.size.region]
        try:
            return super().render_full_update(simplify)
        finally:
            self._changed = None

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        changed = self._changed
        if changed is None:
            yield from super()._get_renders(crop)
            return
        intersection = Region.intersection
        covered: list[Region] = []  # what the widgets in front already paint
        for widget, (region, clip) in self.visible_widgets.items():  # front to back
            visible = intersection(region, clip)
            hits = [area for area in changed if area.overlaps(visible)]
            if not hits:
                continue
            # Rows only: the columns must stay the widget's own, which line up
            # with the cuts the compositor divides each line at.
            rows = Region.from_union(hits)
            box = intersection(clip, Region(clip.x, rows.y, clip.width, rows.height))
            x, y, width, height = area = intersection(region, box)
            if not (width and height):
                continue
            # Every widget paints all of its cells (transparency is mixed in
            # beforehand), and only changed cells are sent: a widget whose
            # changed cells the ones in front already paint (the screen and
            # the grid behind the panels) would only be thrown away.
            if all(_hidden(intersection(hit, visible), covered) for hit in hits):
                continue
            covered.append(area)
            lines = widget.render_lines(Region(x - region.x, y - region.y, width, height))
            yield region, box, lines


def _hidden(area: Region, front: list[Region]) -> bool:
    """Whether the regions in front cover every cell of area."""
    over = [other for other in front if other.overlaps(area)]
    if not over:
        return False
    left, right = area.x, area.right
    for y in area.line_range:
        spans = sorted((o.x, o.right) for o in over if o.y <= y < o.bottom)
        reach = left
        for start, end in spans:
            if start > reach:
                return False
            reach = max(reach, end)
            if reach >= right:
                break
        if reach < right:
            return False
    return True


def textuals_full_update(compositor: Compositor, simplify: bool = False):
    """The whole frame Textual's own compositor draws (for comparing)."""
    return Compositor.render_full_update(compositor, simplify)


def textuals_partial_update(compositor: Compositor):
    """The update Textual's own compositor draws for the regions now dirty;
    they stay dirty, for the compositor's own update after it (for comparing)."""
    dirty = set(compositor._dirty_regions)
    update = Compositor.render_partial_update(compositor)
    compositor._dirty_regions.update(dirty)
    return update
