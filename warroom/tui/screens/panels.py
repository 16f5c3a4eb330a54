"""Screens made of numbered panels: the war room and the retro.

All panels show when the terminal is big enough; below that (80x24, what tmux
shrinks to for its smallest client) one panel shows at a time, with a tab strip,
chosen with number keys or tab."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from warroom.tui.screens.building import StartupScreen
from warroom.tui.widgets.common import Panel

COMPACT_WIDTH = 110
COMPACT_HEIGHT = 32
WIDE_WIDTH = 160  # from here the right-hand column grows with the terminal


class TabStrip(Widget):
    """The row of panel names shown in compact mode. Drawn with render(), not
    Static.update(), so a change of panel repaints one row without a layout."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.line = Text()

    def show(self, names: tuple[str, ...], active: int) -> None:
        line = Text()
        for n, name in enumerate(names, 1):
            style = "bold reverse" if n == active else "dim"
            line.append(f" {n} {name} ", style=style)
            line.append(" ")
        line.append(" tab: next", style="dim italic")
        if line != self.line:
            self.line = line
            self.refresh()

    def render(self) -> Text:
        return self.line


class PanelScreen(StartupScreen):
    PANEL_NAMES: tuple[str, ...] = ()
    PANEL_PREFIX = "panel"  # panels have ids PREFIX-1, PREFIX-2, ...
    TABS_ID = "tabs"
    # The widget the tab strip follows, for a screen that makes its strip
    # only once it is first compact (see tab_strip): None, the screen composes
    # its strip itself.
    TABS_AFTER: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.active = 1
        self._resumed = False  # see on_screen_resume
        # Laid out for the terminal's size from the first frame: set on the
        # first resize instead, the classes restyled the whole screen and
        # laid it out and painted it a second time before anyone could read it.
        try:
            size = self.app.size
        except Exception:  # made outside a running app
            size = None
        if size is not None and size.width and size.height:
            # Not styled now: the screen is styled, classes and all, as it is
            # mounted. Restyling it here, before it is in the app, cost the
            # first frame a pass over the app's whole stylesheet (~3 ms).
            self._fit(size, update=False)

    def _fit(self, size, update: bool = True) -> None:
        compact = size.width < COMPACT_WIDTH or size.height < COMPACT_HEIGHT
        self.set_class(compact, "-compact", update=update)
        self.set_class(size.width >= WIDE_WIDTH, "-wide", update=update)

    def on_screen_resume(self, event) -> None:
        # Runs before Screen's own handler (Textual calls each class's in turn).
        # On the first resume every widget was styled as it mounted, moments
        # ago, and each class or focus change since restyled what it touched:
        # restyling all of them again only delays the first frame. Later
        # resumes (back from a dialog or another screen) restyle as usual.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_resize(self, event) -> None:
        self._fit(event.size)
        self._draw_tabs()
        if event.size == self.outer_size:
            # Laid out at this size already (the app passes the terminal's
            # size on again as the screen is first shown): Textual's own
            # handler, which would lay the whole screen out again, is skipped.
            event.prevent_default()

    def tab_strip(self) -> TabStrip | None:
        """The strip for this screen's first compose: a screen with TABS_AFTER
        makes it only when compact from the start (wide, the strip is never
        drawn: making and styling it cost the war room's first frame)."""
        if self.TABS_AFTER is not None and not self.has_class("-compact"):
            return None
        return TabStrip(id=self.TABS_ID)

    def _draw_tabs(self) -> None:
        for strip in self.query(f"#{self.TABS_ID}").results(TabStrip):
            strip.show(self.PANEL_NAMES, self.active)
            return
        if self.TABS_AFTER is not None and self.has_class("-compact") and self.is_mounted:
            # First compact (the terminal shrank): the strip is made now, in
            # its place in the screen's column.
            strip = TabStrip(id=self.TABS_ID)
            strip.show(self.PANEL_NAMES, self.active)
            self.mount(strip, after=self.query_one(self.TABS_AFTER))

    def panel(self, number: int) -> Panel:
        return self.query_one(f"#{self.PANEL_PREFIX}-{number}", Panel)

    def mark_active(self, number: int) -> None:
        self.active = number
        for n in range(1, len(self.PANEL_NAMES) + 1):
            self.panel(n).set_class(n == number, "-active")
        self._draw_tabs()

    def step_from_active(self, step: int) -> int:
        """The panel number `step` places on from the active one, wrapping round."""
        return (self.active - 1 + step) % len(self.PANEL_NAMES) + 1

    def on_descendant_focus(self, event) -> None:
        node = event.widget
        while node is not None and not isinstance(node, Panel):
            node = node.parent
        if isinstance(node, Panel) and node.number != self.active:
            self.mark_active(node.number)
