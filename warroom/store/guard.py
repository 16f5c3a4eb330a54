"""The terminal UI never waits on the store: a promise the store keeps.

The TUI hands every write and every read to its database worker (a thread
with a connection of its own); the Store the app keeps on its UI thread is
left the change marker (has_changed, wake_fd), the files' state and who it
acts as. A read there would freeze typing and drawing for a round trip (60 ms
to a far server), so the app marks its own turns of the event loop with
no_waits_here(): a statement a backend is asked for in a turn so marked
raises WaitOnUiThread, a bug, said loudly. The mark is a context variable,
which every task the app starts inherits from it (as Textual's own
active_app is); a thread would not do: a test's own reads run on that thread
too, between the app's turns. Only where STRICT_ENV is set (the tests set
it) is the mark made; elsewhere a backend's check costs one look at an unset
variable per statement."""

from __future__ import annotations

import os
from contextvars import ContextVar

STRICT_ENV = "WARROOM_STRICT_UI_STORE"

_no_waits: ContextVar[str] = ContextVar("warroom_no_store_waits", default="")


class WaitOnUiThread(RuntimeError):
    """A statement asked for where nothing may wait on the database (a bug:
    the read belongs on the database worker, app.read)."""


def no_waits_here(who: str) -> bool:
    """From now on, in this context and the tasks started from it, a statement
    raises WaitOnUiThread naming `who`; only when STRICT_ENV is set (True then)."""
    if not os.environ.get(STRICT_ENV):
        return False
    _no_waits.set(who)
    return True


def check_may_wait() -> None:
    """Raise WaitOnUiThread in a context marked by no_waits_here."""
    who = _no_waits.get()
    if who:
        raise WaitOnUiThread(
            f"a statement sent to the database from {who}, which must never wait on it:"
            " read on the database worker instead (app.read)"
        )
