"""Whether Textual has handled every message posted so far (for the key gate).

Textual has no public way to ask whether a message pump (the app, a screen, a
widget) is idle: `App.wait_for_idle` waits for the whole app, from a test, and
a handler cannot await it. The key gate (warroom/tui/keygate.py) asks between
two keys, from the app's own handler of the first, so it reads the pump's
queue here: a pump is idle when its queue is empty and its task is parked
waiting for the next message (a handler still awaiting, a mount say, counts as
busy). The last test reads asyncio's Event waiters."""

from __future__ import annotations

from textual.app import App

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual.message_pump:MessagePump._running": "attribute",
    "textual.message_pump:MessagePump._message_queue": "attribute",
    "textual._queue:Queue.values": "attribute",
    "textual._queue:Queue.ready_event": "attribute",
    "asyncio:Event._waiters": "attribute",
    "textual.app:App._handle_exception": "self, error",
}


def pump_busy(pump) -> bool:
    """The pump (app, screen or widget) is running and has a message waiting
    or a handler still running."""
    if not pump._running:
        return False
    queue = pump._message_queue
    return bool(queue.values) or not queue.ready_event._waiters


def queue_empty(pump) -> bool:
    """Nothing waits in the pump's queue (what it is handling now aside)."""
    return not pump._message_queue.values


def report_failure(app: App, error: Exception) -> None:
    """Hand a failure raised outside a handler to the app, as Textual does with
    a handler's own: shown, and the app exits."""
    app._handle_exception(error)
