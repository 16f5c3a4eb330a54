"""Reads of the store from the TUI, and the one way their failure is told.

A key, a signal or a timer that reads the store (a list of people, the retro,
the draft's history, the incident list) may meet a database that cannot be
read: a PostgreSQL server gone away, a SQLite file locked or unreadable. Such
a read is a method marked @reads("what it shows"): when it fails, the app
says so (WarRoomApp.cannot_read: a toast naming the database and what could
not be read), the method returns None and nothing else happens: the app
runs on, its queue of changes kept. A screen whose first read fails goes
(leave=True): the one it was opened from stays."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from warroom.core.errors import StoreBusy, StoreIOError

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
