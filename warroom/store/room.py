"""What a war room reads when it opens, in one snapshot: the board, the last
page of the timeline and the tasks.

On a server every statement is sent before any answer is read (one round trip,
where reading them one after another took five); on SQLite the store's own
reads run inside one read transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from warroom.core.model import Board, Task, TimelineEntry, TimelinePage
from warroom.core.ordering import first_holders
from warroom.store.base import StoreBase

# What the war room reads when it opens. Made by call, not as a class: a
# class's annotations are strings here (`from __future__ import annotations`),
# and typing compiled each one as the module loaded, at every start.
RoomRead = NamedTuple(  # noqa: UP014 - see above
    "RoomRead", [("board", Board), ("page", TimelinePage), ("tasks", list[Task])]
)


class RoomStore(StoreBase):
    """The war room's reads that cost one round trip on a server: the
    statements of the incident, timeline and task parts, sent together."""

    def read_room(self, incident_id: int, limit: int) -> RoomRead:
        """The board, the last `limit` entries of the timeline (as
        Store.timeline_page(incident_id, limit)) and the tasks (as Store.tasks)."""
        with self._snapshot():
            room = self.send_room(incident_id, limit)
        return room()

    def send_room(self, incident_id: int, limit: int) -> Callable[[], RoomRead]:
        """read_room in two steps (see StoreBase.read_together)."""
        if not self._pipelined:
            read = RoomRead(
                self.board(incident_id),
                self.timeline_page(incident_id, limit),
                self.tasks(incident_id),
            )
            return lambda: read
        last = (
            f"SELECT {self._ENTRY_COLUMNS} FROM timeline WHERE incident_id = ?"
            " ORDER BY occurred_at DESC, id DESC LIMIT ?"
        )
        board = self._issue_board(incident_id)
        page = self._issue(last, (incident_id, limit + 1))
        newest = self._issue("SELECT max(id) FROM timeline WHERE incident_id = ?", (incident_id,))
        fixes = self._issue(
            "SELECT supersedes, id FROM timeline WHERE supersedes IS NOT NULL AND"
            f" supersedes IN (SELECT id FROM ({last}) AS page) ORDER BY id",
            (incident_id, limit),
        )
        tasks = self._issue(
            f"SELECT {self._TASK_COLUMNS} FROM tasks WHERE incident_id = ? ORDER BY id",
            (incident_id,),
        )

        def room() -> RoomRead:
            read = self._board_of(incident_id, board)
            rows = page.rows()
            more = len(rows) > limit
            entries = [self._row_entry(r) for r in rows[:limit][::-1]]
            holders = first_holders((h.role, h.person) for h in read.roles)
            listed = [self._row_task(r, holders) for r in tasks.rows()]
            self._remember_read(read.incident, read, listed)  # what the next write goes on
            self._remember_entries(entries)
            if not more:  # the whole timeline: a write that checks a fact's order goes on it
                self._remember_timeline(read.incident, entries)
            return RoomRead(
                read,
                TimelinePage(entries, more, newest.rows()[0][0] or 0, dict(fixes.rows())),
                listed,
            )

        return room

    def read_since(
        self, incident_id: int, revision: int, after_id: int
    ) -> tuple[Board, list[TimelineEntry], list[Task]] | None:
        """What moved in a war room since it read the incident at `revision` and
        the timeline through `after_id` (Store.board_since), with the tasks when
        the board moved; None when it has not. One snapshot: on a server one
        round trip (the tasks are sent along either way), on SQLite the tasks are
        read only when the board moved."""
        with self._snapshot():
            since = self.send_since(incident_id, revision, after_id)
        return since()

    def send_since(
        self, incident_id: int, revision: int, after_id: int
    ) -> Callable[[], tuple[Board, list[TimelineEntry], list[Task]] | None]:
        """read_since in two steps (see StoreBase.read_together): its statements
        sent now, its result when the returned function is called."""
        if not self._pipelined:
            moved = self.board_since(incident_id, revision, after_id)
            found = None if moved is None else (*moved, self.tasks(incident_id))
            return lambda: found
        board = self._issue_board(incident_id)
        entries = self._issue(
            f"SELECT {self._ENTRY_COLUMNS} FROM timeline WHERE incident_id = ? AND id > ?"
            " ORDER BY id",
            (incident_id, after_id),
        )
        tasks = self._issue(
            f"SELECT {self._TASK_COLUMNS} FROM tasks WHERE incident_id = ? ORDER BY id",
            (incident_id,),
        )

        def since() -> tuple[Board, list[TimelineEntry], list[Task]] | None:
            read = self._board_of(incident_id, board)
            if read.incident.revision == revision:
                return None
            holders = first_holders((h.role, h.person) for h in read.roles)
            listed = [self._row_task(r, holders) for r in tasks.rows()]
            self._remember_read(read.incident, read, listed)  # what the next write goes on
            new = [self._row_entry(r) for r in entries.rows()]
            self._remember_entries(new)
            self._remember_timeline(read.incident, new, after_id)
            return (read, new, listed)

        return since
