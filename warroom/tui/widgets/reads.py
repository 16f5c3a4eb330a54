"""Reads of the store from the TUI, and the one way their failure is told.

A key, a signal or a timer that reads the store (a list of people, the retro,
the draft's history, the incident list) may meet a database that cannot be
read: a PostgreSQL server gone away, a SQLite file locked or unreadable. Such
a read is a method marked @reads("what it shows"): when it fails, the app
says so (WarRoomApp.cannot_read: a toast naming the database and what could
not be read), the method returns None and nothing else happens: the app
runs on, its queue of changes kept. A screen whose first read fails goes
(leave=True): the one it was opened from stays.

Those reads no longer run here: the UI thread never waits on the store (a
statement sent from it fails in the tests: warroom/store/guard.py). A key
that needs what is stored hands the read to the database worker with
read_then (fetch(store) there, then(result) here), which tells its failure
the same way, with the same words, and drops a result that comes back for
a screen that has gone meanwhile."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from warroom.core.errors import StoreBusy, StoreIOError, WarroomError
from warroom.tui.widgets.owned import shown

UNREADABLE = (StoreBusy, StoreIOError)  # the database cannot answer now: later it may

F = TypeVar("F", bound=Callable[..., Any])


def reads(what: str, *, leave: bool = False) -> Callable[[F], F]:
    """Mark a method (of a widget, a screen or the app) that reads the store."""

    def mark(method: F) -> F:
        @functools.wraps(method)
        def read(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREADABLE as exc:
                self.app.cannot_read(exc, what, leave=self if leave else None)
                return None

        return read  # type: ignore[return-value]

    return mark


def told(node: Any, what: str, *, leave: bool = False) -> Callable[[BaseException], None]:
    """A read's `failed` (app.read) that says it as a method marked
    @reads(what) does: a database that cannot answer now with cannot_read
    (leave: node, a screen whose first read this was, goes); a refusal (no
    such incident) as the store's refusals are said, and the screen goes too
    when it was its first read; anything else, a bug, raised here."""
    app = node.app

    def failed(exc: BaseException) -> None:
        if isinstance(exc, UNREADABLE):
            app.cannot_read(exc, what, leave=node if leave else None)
        elif isinstance(exc, WarroomError):
            app.notify(str(exc), severity="error", markup=False)
            if leave:
                app.leave_unopened(node)
        else:
            raise exc

    return failed


def read_then(
    node: Any,
    fetch: Callable[[Any], Any],
    then: Callable[[Any], None],
    what: str,
    *,
    leave: bool = False,
    hold: bool = False,
    otherwise: Callable[[], None] | None = None,
    failed: Callable[[BaseException], None] | None = None,
) -> None:
    """fetch(store) on the database worker, after the writes handed to it
    before (it reads them); then(result) here once it is back, while node is
    still shown (a result for a screen that has gone is dropped); a failure
    told as told(node, what, leave) says it. hold: what `then` opens (a
    dialog) is what the keys typed meanwhile are for: they wait in the key
    gate (the screen in front is `building`) and land on it; without hold
    keys go on as ever while the read is away. otherwise(): what is done
    instead of then, once a failure is told, while node is still shown.
    failed(exc): said so instead (an export's failure is the export's)."""
    app = node.app
    if getattr(app, "writer", None) is None:  # not running yet, or gone: nothing to read for
        return
    release = app.hold_keys() if hold else _nothing
    if failed is None:
        failed = told(node, what, leave=leave)

    def took(result: Any) -> None:
        release()
        if shown(node):
            then(result)

    def refused(exc: BaseException) -> None:
        release()
        failed(exc)
        if otherwise is not None and shown(node):
            otherwise()

    app.read(fetch, took, refused)


def _nothing() -> None:
    pass
