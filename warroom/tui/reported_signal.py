"""The app's change signals, with a subscriber's failure shown, not dropped.

Textual's Signal logs and ignores an exception raised by a subscriber called
at once (immediate=True, as every screen subscribes): a screen that failed to
redraw a change would go on showing the old state with nothing said, and in
an incident a stale screen is read as the truth. Here the failure is told on
screen, once for each kind of failure (the store is not affected: the change
was committed before the signal), and the other subscribers still get it."""

from __future__ import annotations

from textual.signal import Signal, SignalT


class ReportedSignal(Signal[SignalT]):
    def __init__(self, owner, name: str) -> None:
        super().__init__(owner, name)
        self.label = name
        self._told: set[str] = set()

    def subscribe(self, node, callback, immediate: bool = False) -> None:
        def reported(data):
            try:
                return callback(data)
            except Exception as error:  # noqa: BLE001 - told on screen, then the next subscriber
                self._tell(error)

        super().subscribe(node, reported, immediate)

    def _tell(self, error: Exception) -> None:
        app = self.owner.app  # type: ignore[union-attr]  # the app owns its signals
        app.log.error(f"{self.label}: a screen failed to show a change: {error!r}")
        kind = type(error).__name__
        if kind in self._told:
            return
        self._told.add(kind)
        app.notify(
            f"The screen may be out of date: showing a change failed ({kind}: {error})."
            " What is stored is not affected; restart warroom to redraw.",
            severity="error",
            timeout=30,
            markup=False,
        )
