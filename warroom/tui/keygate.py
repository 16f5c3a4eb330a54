"""Keys and pastes handed on one at a time, each once the last one has settled.

Textual forwards a key to whatever has focus and takes the next key at once.
A key that moves focus (a panel number, `n`, an Enter that opens a dialog)
does so a few message hops later, so keys typed right behind it used to reach
the old target. The gate holds each key until every message the previous
one caused has been handled (the app's and the screen's queues are empty),
so a burst lands exactly as if it were typed slowly."""

from __future__ import annotations

import asyncio
import time
from collections import deque

from textual import events
from textual.widgets import Input

from warroom.tui.screens.building import StartupScreen
from warroom.tui.textual_fixes.message_pumps import pump_busy, queue_empty, report_failure

# A key never waits longer than this for the last one to settle: something
# slow (a long write) must not freeze typing.
MAX_SETTLE_SECONDS = 2.0


class KeyGate:
    def __init__(self, app):
        self.app = app
        self.waiting: deque[events.Event] = deque()
        self.busy = False
        # Widgets holding a key a moment for the one that may follow it (a
        # milestone's key for an '@' and a time): not quiet meanwhile.
        self.held: set = set()

    def hold(self, event: events.Event) -> bool:
        """True when the event must wait for the one before it to settle
        (the gate hands it on later); False lets it through now.

        Nothing is watched between keys: a key that finds the last one's
        messages all handled goes straight through, so a single key costs
        one look over the screen, not a wait loop."""
        if self.busy:
            self.waiting.append(event)
            return True
        if self._settled(handling=True):
            return False
        self.waiting.append(event)
        self.busy = True
        asyncio.get_running_loop().create_task(self._drain())
        return True

    @property
    def idle(self) -> bool:
        return not self.busy and not self.waiting

    @property
    def quiet(self) -> bool:
        """Idle, every message already posted (keys not yet seen by the gate
        among them) has been handled, and the database worker has settled
        (its writes landed or wait on a lock): what a test waits for. Keys
        themselves never wait for the worker."""
        settled = getattr(self.app, "store_settled", True)
        return self.idle and self._settled() and settled and not self.held

    def _settled(self, handling: bool = False) -> bool:
        """Every message posted so far has been handled. handling: asked from
        the app's own handler of a key, so the app counts as idle when
        nothing else waits in its queue (it is busy with this key alone)."""
        app = self.app
        if not queue_empty(app) if handling else pump_busy(app):
            return False
        if self._building():
            return False  # its widgets are still being made (see WarRoomScreen)
        try:
            screen = app.screen
        except Exception:  # no screen: shutting down
            return True
        return not any(pump_busy(node) for node in screen.walk_children(with_self=True))

    def _building(self) -> bool:
        """The screen in front is still making its widgets (StartupScreen.building)."""
        try:
            screen = self.app.screen
        except Exception:  # no screen: shutting down
            return False
        return isinstance(screen, StartupScreen) and screen.building

    async def _settle(self) -> None:
        deadline = time.monotonic() + MAX_SETTLE_SECONDS
        spins = 0
        # A screen still building its widgets holds keys however long it takes:
        # let through, a key would find nothing to act on.
        while not self._settled() and (time.monotonic() < deadline or self._building()):
            spins += 1
            await asyncio.sleep(0 if spins < 50 else 0.002)

    async def _drain(self) -> None:
        from textual.app import App

        try:
            while self.waiting and self.app.is_running:
                await asyncio.sleep(0)
                await self._settle()
                event = self.waiting.popleft()
                await App.on_event(self.app, one_line_paste(self.app, event))
        except Exception as error:  # a handler's failure is the app's to report
            report_failure(self.app, error)
        finally:
            self.busy = False
            if not self.app.is_running:
                self.waiting.clear()


def one_line_paste(app, event: events.Event) -> events.Event:
    """A paste into a one-line field keeps every line, joined by spaces
    (Textual's Input would keep only the first); one that keeps lines (the
    note input) takes the paste as it is."""
    if (
        isinstance(event, events.Paste)
        and isinstance(app.focused, Input)
        and not getattr(app.focused, "keeps_lines", False)
        and ("\n" in event.text or "\r" in event.text)
    ):
        joined = events.Paste(" ".join(event.text.splitlines()))
        joined.set_sender(app)
        return joined
    return event
