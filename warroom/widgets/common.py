"""Shared pieces for panels: literal text and the panel frame."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.containers import Vertical
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..text import one_line, visible

# State words carry meaning as well as colour (colour alone is not enough).
STATE_STYLE = {
    "overdue": ("✖ OVERDUE", "bold red"),
    "due soon": ("▲ due soon", "bold yellow"),
    "running": ("● running", "green"),
    "met": ("✔ met", "dim green"),
    "missed": ("✖ missed", "dim red"),
    "stopped": ("■ stopped", "dim"),
}

KIND_MARK = {
    "note": ("·", "note", ""),
    "evidence": ("◆", "evid", "cyan"),
    "decision": ("★", "deci", "magenta"),
    "change": ("⚙", "chng", "yellow"),
    "system": ("○", "sys", "dim"),
    "update": ("✉", "upd", "bold green"),
}


def lit(text: str, style: str = "") -> Text:
    """User text, literally: markup is not parsed and controls are made visible."""
    return Text(one_line(text), style=style, no_wrap=True, overflow="ellipsis")


def lit_block(text: str, style: str = "") -> Text:
    return Text(visible(text, multiline=True), style=style)


class RowStyle:
    """For line-API widgets: the widget's base style is worked out once per
    repaint instead of once per row (it walks every ancestor's styles)."""

    row_style = Style.null()

    def render_lines(self, crop: Region) -> list[Strip]:
        self.row_style = self.rich_style
        return super().render_lines(crop)


class Panel(Vertical, can_focus=False):
    """A bordered panel titled with its name and the number key that reaches it."""

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


def update_options(olist: OptionList, options: list[Option]) -> None:
    """Show these options, replacing only the rows whose text changed: a tick or
    a hand-off changes one row, and rebuilding them all costs a full layout."""
    current = olist.options
    if len(current) == len(options) and all(
        a.id == b.id for a, b in zip(current, options, strict=True)
    ):
        for index, (old, new) in enumerate(zip(current, options, strict=True)):
            if old.prompt != new.prompt:
                _replace_prompt(olist, index, new.prompt)
        return
    highlighted = olist.highlighted
    olist.set_options(options)
    if options:
        olist.highlighted = min(highlighted or 0, len(options) - 1)


def _replace_prompt(olist: OptionList, index: int, prompt: Text) -> None:
    """Change one row and repaint that row alone. OptionList's own
    replace_option_prompt_at_index drops every row's cached render and repaints
    the whole list, which is most of the cost of a tick or a hand-off."""
    option = olist.get_option_at_index(index)
    option._set_prompt(prompt)
    cache = olist._option_render_cache
    for key in [key for key in cache.keys() if key[0] is option]:  # noqa: SIM118 (no __iter__)
        cache.discard(key)
    line = olist._line_cache.index_to_line.get(index)
    if line is None:
        olist.refresh()
    else:
        olist.refresh(Region(0, line - olist.scroll_offset.y, olist.size.width, 1))
