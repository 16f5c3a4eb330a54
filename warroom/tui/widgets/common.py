"""Shared pieces for panels: literal text and the panel frame."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from rich.style import Style
from rich.text import Text
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Region
from textual.screen import Screen
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


class KeptLines(_Widget):
    """For containers (the screen, the grid, the panels' frames) and widgets
    drawn from render() (the header, the key bar, the entry's detail): the
    lines painted are kept until the widget is refreshed, restyled or resized.
    Textual's compositor asks every widget whose clip overlaps a change for all
    of its visible lines; a frame drawn with only a note or a tick changed
    would otherwise run each frame's every row through the styles cache and
    the line filters again, for lines that are the same."""

    _kept: dict | None = None
    # Whether a refresh of some rows (a region) keeps the other rows' lines:
    # for widgets whose rows are drawn each on its own (the line API), where
    # a tick or a cursor move changes one row of many. The rows refreshed
    # since are drawn again, one by one (`_stale`, the regions refreshed).
    KEEPS_ROWS = False
    _stale: list[Region] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        if isinstance(self, Screen) and self.styles.background.a < 1:
            return super().render_lines(crop)  # the screen below shows through: not kept
        # Colours come from the styles (a change restyles this widget too).
        key = (
            crop,
            self.size,
            tuple(self.app.get_line_filters()),
            self.auto_links and self.hover_style,
        )
        kept = self._kept
        if kept is None:
            kept = self._kept = {}
        lines = kept.get(key)
        if self._stale:  # rows refreshed since: redrawn here, stale in the other crops
            if lines is not None:
                lines = self._redraw_stale(crop, lines)
            self._stale = None
            self._kept = kept = {} if lines is None else {key: lines}
        if lines is None:
            if self.children and self._covered(crop):
                # Every cell is under a child (the screen under the header,
                # grid and key bar; the grid under its panels): the compositor
                # shows the children's lines there, never these. Drawing them
                # cost the war room's first frame ~5 ms (94 lines of 160 cells
                # through the styles and the line filters). Not kept: asked
                # again, the children may have moved.
                return self._blank(crop)
            if len(kept) > 16:
                kept.clear()
            lines = kept[key] = self.draw_lines(crop)
        return lines

    def draw_lines(self, crop: Region) -> list[Strip]:
        """The lines in crop, drawn (Textual's own drawing)."""
        return super().render_lines(crop)

    def _redraw_stale(self, crop: Region, lines: list[Strip]) -> list[Strip] | None:
        """The kept lines of crop with the rows refreshed since drawn again
        (each alone: one row of a list costs one row, not the list's every
        row through the styles cache and the line filters); None when most
        of them are stale (a scroll): drawn whole, as Textual would."""
        # The regions refreshed are in content coordinates; the lines kept
        # are the widget's own rows.
        top = self.content_offset.y
        stale = {y + top for region in self._stale or () for y in range(region.y, region.bottom)}
        rows = [y for y in sorted(stale) if crop.y <= y < crop.bottom]
        if len(rows) * 2 > crop.height:
            return None
        lines = list(lines)
        for y in rows:
            (lines[y - crop.y],) = self.draw_lines(Region(crop.x, y, crop.width, 1))
        return lines

    # The last answer of _covered: (crop, the children's spans, covered).
    _coverage: tuple[Region, tuple, bool] | None = None
    _blanks: tuple[Region, list[Strip]] | None = None

    def _blank(self, crop: Region) -> list[Strip]:
        """Blank lines for crop (the same list while crop is the same)."""
        blanks = self._blanks
        if blanks is None or blanks[0] != crop:
            blanks = self._blanks = (crop, [Strip.blank(crop.width)] * crop.height)
        return blanks[1]

    def _covered(self, crop: Region) -> bool:
        """Whether the children shown cover every cell of crop (in this
        widget's own coordinates), each row from end to end. Asked on every
        frame of the screen and the grid; worked out again only when crop or
        where the children are changed (a key that changes a row moves none)."""
        here = self.region
        if not here:
            return False
        spans: list[tuple[int, int, int, int]] = []  # (top, bottom, left, right)
        for child in self.children:
            if not (child.display and child.visible):
                continue
            region = child.region.translate((-here.x, -here.y)).intersection(crop)
            if region:
                spans.append((region.y, region.bottom, region.x, region.right))
        seen = (crop, tuple(spans))
        coverage = self._coverage
        if coverage is not None and coverage[:2] == seen:
            return coverage[2]
        covered = self._spans_cover(crop, spans)
        self._coverage = (*seen, covered)
        return covered

    @staticmethod
    def _spans_cover(crop: Region, spans: list[tuple[int, int, int, int]]) -> bool:
        for y in range(crop.y, crop.bottom):
            reached = crop.x
            row = sorted((x0, x1) for top, bottom, x0, x1 in spans if top <= y < bottom)
            for left, right in row:
                if left > reached:
                    return False
                reached = max(reached, right)
            if reached < crop.right:
                return False
        return True

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False):  # fmt: skip
        stale = self._stale or []
        if (
            self.KEEPS_ROWS
            and regions
            and not layout
            and not recompose
            and self._kept
            and len(stale) < 64  # else not drawn for a while (hidden): drawn whole
        ):
            stale.extend(regions)
            self._stale = stale
        else:
            self._kept = None
            self._stale = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def notify_style_update(self) -> None:
        self._kept = None
        self._stale = None
        super().notify_style_update()


class Panel(KeptLines, Vertical, can_focus=False):
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

    border_row_only = False  # true while set_subtitle changes the bottom border's words
    # A new subtitle draws the bottom border again, not the top and the rows between.
    KEEPS_ROWS = True

    def draw_lines(self, crop: Region) -> list[Strip]:
        """Every row between a panel's top and bottom borders is the same: the
        frame's two sides around the children, which cover the rest (a panel
        draws nothing of its own inside). The first such row in crop is
        drawn and stands for the others: ~4 ms less in the war room's first
        frame (five panels of 8 to 25 rows)."""
        inner = range(max(crop.y, 1), min(crop.bottom, self.outer_size.height - 1))
        if len(inner) < 2:
            return super().draw_lines(crop)
        lines: list[Strip] = []
        if inner.start > crop.y:  # the top border
            lines += super().draw_lines(Region(crop.x, crop.y, crop.width, inner.start - crop.y))
        lines += super().draw_lines(Region(crop.x, inner.start, crop.width, 1)) * len(inner)
        if crop.bottom > inner.stop:  # the bottom border
            lines += super().draw_lines(
                Region(crop.x, inner.stop, crop.width, crop.bottom - inner.stop)
            )
        return lines

    def __init__(self, number: int, title: str, **kwargs):
        super().__init__(**kwargs)
        self.number = number
        self.border_title = f"{number} {title}"

    def set_subtitle(self, text: str) -> None:
        """The words on the bottom border (plain text, never markup), repainting
        that row alone: setting border_subtitle repaints the panel and
        everything in it (a tick changes the checklist's red-flag count, and
        the whole checklist was redrawn)."""
        subtitle = Content(text) if text else None
        if self.border_subtitle == (subtitle.markup if subtitle else None):
            return  # the getter gives it as markup
        self.border_row_only = True
        try:
            self.border_subtitle = subtitle
        finally:
            self.border_row_only = False

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        """Textual's; while set_subtitle sets the subtitle, the bottom border
        row is the region repainted (not the whole panel)."""
        if self.border_row_only and not regions and self.is_mounted:
            outer = self.outer_size
            offset = self.content_offset  # regions are relative to the content
            if outer.height >= 1:
                regions = (Region(-offset.x, outer.height - 1 - offset.y, outer.width, 1),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
