"""Keys and pastes handed on one at a time, each once the last one has settled.

Textual forwards a key to whatever has focus and takes the next key at once.
A key that moves focus (a panel number, `n`, an Enter that opens a dialog)
does so a few message hops later, so keys typed right behind it used to reach
the old target. The gate holds each key until the messages the previous one
caused have been handled, so a burst lands exactly as if it were typed slowly.

Settling is asked of Textual through its public API alone: a round of
`call_later` callbacks, each posted once the one before it ran, follows the
way a key travels (the focused widget and each of its parents up to the
screen, then the app), so each runs only once that widget is through the key
and whatever its handler was still awaiting (the draft panel mounting its
editor). A round that ends with the focus and the screen as they were, no
message waiting in any queue (`message_queue_size`) and no widget still being
mounted means the key has settled; messages still waiting get one callback
behind them in each widget holding some, then the app, and the look again.
The next key is handed on from the app's last callback, inside the app's own
message loop, so a failure in its handling is the app's to report as any
handler's is. After a key let straight through, the rounds wait for its frame
(a frame's time, then call_after_refresh), or for the next key or a waiter,
whichever comes first: they cost the key nothing before it shows."""

from __future__ import annotations

import asyncio
import time
from collections import deque

from textual import constants, events
from textual.widgets import Input

from warroom.tui.screens.building import StartupScreen

# A key never waits longer than this for the last one to settle: something
# slow (a long write) must not freeze typing.
MAX_SETTLE_SECONDS = 2.0
# How often a key held for a screen still building its widgets looks again.
BUILDING_POLL_SECONDS = 0.002
# After a key let straight through, how long its settling waits for the frame
# it asked for (two of Textual's frame slots, at whatever rate it draws:
# TEXTUAL_FPS) before starting: the screen has no message for "painted", and
# one asked for at once would run as soon as the screen is idle, before the
# key's own messages made it dirty. The next key, or anyone asking whether
# the gate is quiet, starts it sooner.
AFTER_PAINT_SECONDS = 2 / constants.MAX_FPS


class KeyGate:
    def __init__(self, app):
        self.app = app
        self.waiting: deque[events.Event] = deque()
        # The last key handed on has not settled yet (rounds under way, or
        # waiting for its frame): keys wait behind it.
        self.busy = False
        # Widgets holding a key a moment for the one that may follow it (a
        # milestone's key for an '@' and a time): not quiet meanwhile.
        self.held: set = set()
        self._rounds = False  # rounds are under way (else they wait for a frame)
        self._turn = 0  # which settling the rounds under way belong to
        self._deadline = 0.0  # when the settling under way gives up waiting
        self._watchdog: asyncio.TimerHandle | None = None

    def hold(self, event: events.Event) -> bool:
        """True when the event must wait for the one before it to settle
        (the gate hands it on later); False lets it through now.

        A key that finds nothing waiting anywhere goes straight through (one
        look over the screen); the rounds that tell when it has settled run
        once its frame is painted, or at once when another key comes first."""
        if self.busy:
            self.waiting.append(event)
            if not self._rounds:
                self._settle()  # it came before the frame: settle now
            return True
        if not self._settled():
            self.waiting.append(event)
            self._settle()
            return True
        self._settle_after_paint()
        return False

    @property
    def idle(self) -> bool:
        return not self.busy and not self.waiting

    @property
    def quiet(self) -> bool:
        """Idle, no message waits in any queue (keys not yet seen by the gate
        among them), and the database worker has settled (its writes landed or
        wait on a lock): what a test waits for. Keys themselves never wait for
        the worker."""
        if self.busy and not self._rounds:
            self._settle()  # somebody waits for it: no need to wait for the frame
            return False
        settled = getattr(self.app, "store_settled", True)
        return self.idle and self._settled() and settled and not self.held

    def _settled(self) -> bool:
        """No message waits in the app's queue nor in any on the screen, no
        widget there is still being mounted, and the screen is not building.
        What a handler is in the middle of (awaiting) is not seen here: the
        rounds see it on the way a key travels."""
        app = self.app
        if app.message_queue_size:
            return False
        if self._building():
            return False  # its widgets are still being made (see WarRoomScreen)
        return not self._unsettled(first=True)

    def _unsettled(self, first: bool = False) -> list:
        """The screen and its widgets with a message waiting or still being
        mounted (first: stop at the first one)."""
        try:
            screen = self.app.screen
        except Exception:  # no screen: shutting down
            return []
        found = []
        for node in screen.walk_children(with_self=True):
            if node.message_queue_size or not node.is_mounted:
                found.append(node)
                if first:
                    break
        return found

    def _building(self) -> bool:
        """The screen in front is still making its widgets (StartupScreen.building)."""
        try:
            screen = self.app.screen
        except Exception:  # no screen: shutting down
            return False
        return isinstance(screen, StartupScreen) and screen.building

    # ------------------------------------------------------------- settling
    def _settle(self) -> None:
        """Begin settling now (the key the app is about to hand on, or the one
        it handed on before this one came): rounds until it has, then the
        next waiting key."""
        self._begin()
        self._rounds = True
        self._round(self._turn)

    def _settle_after_paint(self) -> None:
        """Begin settling once the frame the key about to be handed on asks
        for is painted: the rounds cost the key nothing before it shows."""
        self._begin()
        asyncio.get_running_loop().call_later(AFTER_PAINT_SECONDS, self._after_paint, self._turn)

    def _after_paint(self, turn: int) -> None:
        waiting = turn == self._turn and not self._rounds
        if waiting and not self.app.call_after_refresh(self._rounds_now, turn):
            self._stop()  # the app is closing

    def _begin(self) -> None:
        self.busy = True
        self._rounds = False
        self._turn += 1
        self._deadline = time.monotonic() + MAX_SETTLE_SECONDS
        if self._watchdog is None:
            loop = asyncio.get_running_loop()
            self._watchdog = loop.call_later(MAX_SETTLE_SECONDS, self._overdue, self._turn)

    def _rounds_now(self, turn: int) -> None:
        """The key's frame is painted (the app handed it on long since): the
        first round starts at the focused widget."""
        if turn == self._turn and not self._rounds:
            self._rounds = True
            self._walk(turn)

    def _round(self, turn: int) -> None:
        """One round: the app first (it has handed the key on once this runs)."""
        if turn == self._turn and not self.app.call_later(self._walk, turn):
            self._stop()  # the app is closing

    def _walk(self, turn: int) -> None:
        """From the focused widget up to the screen, one callback after the
        other: a key not bound there bubbles up this way, a message at a time."""
        if turn != self._turn:
            return
        app = self.app
        try:
            screen = app.screen
        except Exception:  # no screen: shutting down
            self._stop()
            return
        path = []
        node = app.focused
        while node is not None and node is not screen:
            path.append(node)
            node = node.parent
        path.append(screen)
        _Round(self, turn, (screen, app.focused), path).step()

    def _round_end(self, turn: int, before: tuple) -> bool:
        """Settled, or another round (or a look again soon, while building).
        True when the last key has settled: the next one may go."""
        if turn != self._turn:
            return False
        app = self.app
        try:
            now = (app.screen, app.focused)
        except Exception:  # no screen: shutting down
            self._stop()
            return False
        if self._building():
            self._after_building(turn)
            return False
        overdue = time.monotonic() >= self._deadline
        if now != before and not overdue:
            self._walk(turn)  # the focus or the screen moved: the way from the new focus
            return False
        waiting = self._unsettled()
        if (waiting or app.message_queue_size) and not overdue:
            # Each widget with messages waiting (or still mounting) once it is
            # through them, then the app.
            _Round(self, turn, now, waiting).step()
            return False
        return True

    def _after_building(self, turn: int) -> None:
        """A round once the screen in front has made its widgets (its flag
        looked at every BUILDING_POLL_SECONDS meanwhile)."""
        if turn != self._turn:
            return
        if self._building():
            loop = asyncio.get_running_loop()
            loop.call_later(BUILDING_POLL_SECONDS, self._after_building, turn)
            return
        self._round(turn)

    async def _next(self) -> None:
        """The last key has settled: hand on the next one (and settle behind
        it), or rest."""
        app = self.app
        if self.waiting and app.is_running:
            event = self.waiting.popleft()
            if self.waiting:
                self._settle()
            else:
                self._settle_after_paint()
            from textual.app import App

            await App.on_event(app, one_line_paste(app, event))
            return
        self._stop()

    def _overdue(self, turn: int) -> None:
        """A settling that took longer than MAX_SETTLE_SECONDS: a round's
        callback was dropped (a widget closed under it), or it is still going.
        Carry on with the next key from the app's loop."""
        self._watchdog = None
        if not self.busy:
            return
        loop = asyncio.get_running_loop()
        if turn != self._turn or self._building():
            self._watchdog = loop.call_later(MAX_SETTLE_SECONDS, self._overdue, self._turn)
            return
        if not self._rounds:  # the frame's callback never came
            self._settle()
            return
        self._turn += 1
        if not self.app.call_later(self._next):
            self._stop()

    def _stop(self) -> None:
        self.busy = False
        self._rounds = False
        self._turn += 1
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if not self.app.is_running:
            self.waiting.clear()


class _Round:
    """One round of callbacks along a path of widgets, then the app. Each
    callback is a method without arguments: Textual looks at a callback's
    parameters once per function, not once per call."""

    def __init__(self, gate: KeyGate, turn: int, before: tuple, path: list):
        self.gate, self.turn, self.before, self.path = gate, turn, before, path
        self.index = 0

    def step(self) -> None:
        gate = self.gate
        if self.turn != gate._turn:
            return
        path = self.path
        while self.index < len(path):
            node = path[self.index]
            self.index += 1
            if node.call_later(self.step):
                return
            # gone meanwhile: the next one
        # Last the app again: what a binding or a focus() asked of it.
        if not gate.app.call_later(self.end):
            gate._stop()

    async def end(self) -> None:
        if self.gate._round_end(self.turn, self.before):
            await self.gate._next()


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
