"""A border subtitle changed by repainting its row alone.

Setting `border_subtitle` repaints the widget and everything inside it (a tick
changed the checklist's red-flag count and the whole checklist was redrawn).
Here the value the setter stores is set directly and only the bottom border
row is refreshed."""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Region

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual.widget:Widget._border_subtitle": "attribute",
}


def border_subtitle_text(widget) -> str:
    subtitle = widget._border_subtitle
    return subtitle.plain if subtitle else ""


def set_border_subtitle_row(widget, text: str) -> None:
    """widget.border_subtitle = text (plain text, no markup), repainting the
    bottom border row only."""
    if text == border_subtitle_text(widget):
        return
    outer = widget.outer_size
    if not widget.is_mounted or outer.height < 1:
        widget.border_subtitle = text
        return
    widget._border_subtitle = Content(text) if text else None
    offset = widget.content_offset  # refresh takes regions relative to the content
    widget.refresh(Region(-offset.x, outer.height - 1 - offset.y, outer.width, 1))
