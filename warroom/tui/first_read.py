"""The first screen's read, begun as `warroom` starts: on a thread and a
connection of its own, given its first moments alone (a local file is read
in a few milliseconds), then, if it is not done, going on while Textual and
the war room's modules are imported.

A war room on a local file is then read by the time the app asks for its
first screen, and the room is that screen itself: no loading screen to make,
style and lay out, and no second screen pushed over it before the first frame.
When the read is not done yet (a slow disk, a lock), the app starts as it
always did, on its loading screen, and its database worker hands the result
over once it is there (the store is never read twice, nor on the UI thread).

Imports nothing of Textual: it is made before Textual is imported."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from warroom.core.errors import StoreBusy, StoreIOError, WarroomError

if TYPE_CHECKING:
    from warroom.store import Store
    from warroom.store.room import RoomRead

# The war room reads the newest entries first and older pages on the way up.
TIMELINE_PAGE = 200
# As the database worker's own connection (app.py: WRITE_WAIT_SECONDS).
WAIT_SECONDS = 0.1
# How long the read is given alone before the start goes on beside it.
ALONE_SECONDS = 0.05


def read_first(store: Store, start: int | None) -> tuple[list[Any] | None, RoomRead | None]:
    """What the first screen shows: the incident asked for, else the open
    incidents, and the war room when there is exactly one (None: the list)."""
    return store.read_together([lambda s: send_first(s, start)])[0]()


def send_first(
    store: Store, start: int | None
) -> Callable[[], tuple[list[Any] | None, RoomRead | None]]:
    """read_first in two steps (Store.read_together): the incident asked for
    is read with whatever is sent along; the open incidents are, and the war
    room, when there is exactly one, is read after them."""
    if start is not None:
        try:  # the war room's own read, before it opens (it says why it failed)
            room = store.send_room(start, TIMELINE_PAGE)
        except WarroomError:
            return lambda: (None, None)

        def asked() -> tuple[list[Any] | None, RoomRead | None]:
            try:
                return None, room()
            except WarroomError:
                return None, None

        return asked
    incidents = store.send_incidents()

    def listed() -> tuple[list[Any] | None, RoomRead | None]:
        found = incidents()
        if len(found) != 1:
            return found, None
        try:
            return found, store.read_room(found[0].id, TIMELINE_PAGE)
        except WarroomError:
            return found, None

    return listed


class FirstRead:
    """read_first on a connection of its own, on a thread, begun at once and
    given its first moments alone (see `alone`).

    The store's change marker is taken as seen first (what the app does as it
    starts: see WarRoomApp._first_look): a change committed once the read
    has begun is seen by the first poll and read again, never missed."""

    def __init__(self, store: Store, start: int | None = None, alone: float = ALONE_SECONDS):
        self.start = start
        self._done = threading.Event()
        self._result: tuple[list[Any] | None, RoomRead | None] | None = None
        self._error: BaseException | None = None
        try:
            store.has_changed()
        except (StoreBusy, StoreIOError):
            pass  # the poll asks again
        threading.Thread(
            target=self._read, args=(store,), name="warroom-first-read", daemon=True
        ).start()
        # The read goes first, alone, for up to `alone` seconds: a local file
        # is read in a few milliseconds. Run side by side, it and the imports
        # that follow took turns at one interpreter lock, and handing it back
        # and forth cost the start more than the read itself (~6 ms of the
        # war room's whole start in tmux, bench figure 11). A read that takes
        # longer (a slow disk, a lock held) goes on beside the start.
        self._done.wait(alone)

    def _read(self, ui: Store) -> None:
        try:
            store = ui.another(busy_timeout=WAIT_SECONDS)
            try:
                self._result = read_first(store, self.start)
            finally:
                store.close()
        except BaseException as exc:  # noqa: BLE001 - handed to whoever asks (result)
            self._error = exc
        finally:
            self._done.set()

    def ready(self) -> bool:
        """The read is done (or failed): result() returns at once."""
        return self._done.is_set()

    def result(self) -> tuple[list[Any] | None, RoomRead | None]:
        """What read_first returned, once it has (waits for it: call it on the
        database worker, or once ready()); what it raised is raised here."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
