"""The first frame of the screen warroom starts on reaches the terminal.

The app opens its first screen from its own on_mount, which Textual 8.2.8 runs
inside a batch update; the screen lays itself out and paints while that batch
is still open, and App._display throws the frame away. The regions it painted
count as painted, so the next frames drew only what changed after it: in a
real terminal the incident's title showed only when the header happened to
repaint, a full frame later. Here a frame asked for during the batch is not
painted; the screen is marked for a whole repaint, done as soon as the batch is
over.

A screen may also ask for work to wait until its first frame is on its way to
the terminal (after_first_frame): the war room builds its panels then."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from textual import getters

    from warroom.tui.room import Room

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual.screen:Screen._compositor_refresh": "self",
    "textual.screen:Screen._on_screen_suspend": "self",
    "textual.screen:Screen._on_timer_update": "self",
    "textual.screen:Screen._screen_resized": "self, size",
    "textual.screen:Screen._repaint_required": "attribute",
    "textual.screen:Screen._compositor": "attribute",
    "textual.app:App._batch_count": "attribute",
}


class StartupScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

    _paint_queued = False  # a whole repaint waits for the batch to end
    _after_paint: list | None = None  # what waits for the first frame
    # Still making its widgets after its first frame: keys wait (see keygate).
    building = False

    def after_first_frame(self, callback) -> None:
        """Run callback once the next frame this screen paints has been handed
        to the terminal: its first, when asked for as it mounts."""
        if self._after_paint is None:
            self._after_paint = []
        self._after_paint.append(callback)

    def _compositor_refresh(self) -> None:
        app = self.app
        if app._batch_count and self is app.screen:
            self._repaint_required = True
            if not self._paint_queued:  # the app's queue runs once the batch is over
                self._paint_queued = True
                app.call_later(self._paint_after_batch)
            return
        super()._compositor_refresh()
        if self._after_paint and self is app.screen:  # the frame is written: go on
            self._run_after_paint()

    def _run_after_paint(self) -> None:
        waiting, self._after_paint = self._after_paint or [], []
        for callback in waiting:
            self.call_next(callback)

    def _on_screen_suspend(self) -> None:
        # Covered before it ever painted (a screen pushed over it at once):
        # what waited for the first frame must not wait for ever.
        if self._after_paint:
            self._run_after_paint()

    def _paint_after_batch(self) -> None:
        """Lay out and paint now, as the screen's frame timer would on its next
        tick (up to a frame later: the title waited for it)."""
        self._paint_queued = False
        if self.app._batch_count:
            self.refresh()
        else:
            self._on_timer_update()

    def _screen_resized(self, size) -> None:
        # A resize to the size the screen is already laid out at changes
        # nothing, yet Textual lays the whole screen out again for it: the
        # screen gets one as it is first shown, and the app passes on the
        # terminal's size again (the same size) moments later.
        if size == self._compositor.size and self._compositor.size:
            return
        super()._screen_resized(size)
