"""The first screen's read, begun as `warroom` starts.

What the first screen shows (the open incidents and, when one is asked for or
only one is open, its war room) is read on a thread with a connection of its
own while Textual is still being imported (~0.2 s of the main thread's time
that the read needed no part of). The app then opens the war room as soon as
it runs, whole, in its first frame, instead of starting the read there and
showing "loading" until it is back (`WarRoomApp.on_load`).

The store's change marker is taken before the read starts: the app looks at
it again when it starts, and if anything was committed in between, it reads
the first screen again on its database worker as it otherwise does (nothing
committed meanwhile is missed). A local SQLite file only: a server far away
has its own first look (`WarRoomApp._first_look`).

Nothing here imports Textual (the CLI starts this before it imports it)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from warroom.core.errors import StoreBusy, StoreIOError, WarroomError

if TYPE_CHECKING:
    from warroom.store import Store
    from warroom.store.room import RoomRead

# The war room reads the newest entries first and older pages on the way up.
TIMELINE_PAGE = 200

FirstScreen = tuple["list | None", "RoomRead | None"]


def read_first_screen(store: Store, start: int | None) -> FirstScreen:
    """The open incidents (unless an incident was asked for) and the war room
    to open first: the one asked for, else the only open incident (None: the
    list opens, or the war room reads itself again and says why it cannot)."""
    incidents = None if start is not None else store.list_incidents()
    if start is None and (incidents is None or len(incidents) != 1):
        return incidents, None
    try:  # the war room's own read, before it opens (it says why it failed)
        return incidents, store.read_room(
            start if start is not None else incidents[0].id,  # type: ignore[index]
            TIMELINE_PAGE,
        )
    except WarroomError:
        return incidents, None


class FirstRead(threading.Thread):
    """read_first_screen on a connection of its own, on this thread; the app
    takes the result with when_done."""

    def __init__(self, ui: Store, start: int | None) -> None:
        super().__init__(name="warroom-first-read", daemon=True)
        ui.has_changed()  # the change marker, as it stands before the read
        self._ui, self._start = ui, start
        self.result: FirstScreen | None = None
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._done = False
        self._then: Callable[[], None] | None = None

    def run(self) -> None:
        try:
            store = self._ui.another()
            try:
                self.result = read_first_screen(store, self._start)
            finally:
                store.close()
        except Exception as exc:  # noqa: BLE001 - handed to the app, which says why
            self.error = exc
        with self._lock:
            self._done, then = True, self._then
        if then is not None:
            then()

    def when_done(self, then: Callable[[], None]) -> None:
        """then() once the read is done: now, on this thread, if it is done
        already, else on the reading thread as it ends."""
        with self._lock:
            if not self._done:
                self._then = then
                return
        then()


def start_first_read(ui: Store, start: int | None) -> FirstRead | None:
    """The first screen's read, started now (a local SQLite file), else None."""
    if ui.engine != "sqlite":
        return None
    try:
        first = FirstRead(ui, start)
    except (StoreBusy, StoreIOError):
        return None  # the app reads it on its database worker, and says why it cannot
    first.start()
    return first
