"""The first frame of the screen warroom starts on reaches the terminal.

The app opens its first screen from its own on_mount, which Textual 8.2.8 runs
inside a batch update; the screen lays itself out and paints while that batch
is still open, and App._display throws the frame away. The regions it painted
count as painted, so the next frames drew only what changed after it: in a
real terminal the incident's title showed only when the header happened to
repaint, a full frame later. Here a frame asked for during the batch is not
painted; the screen is marked for a whole repaint, done once the batch is over."""

from __future__ import annotations

from textual.screen import Screen


class StartupScreen(Screen):
    def _compositor_refresh(self) -> None:
        app = self.app
        if app._batch_count and self is app.screen:
            self._repaint_required = True
            app.call_later(self.refresh)  # the app's queue runs once the batch is over
            return
        super()._compositor_refresh()
