"""What a war room reads when it opens, in one snapshot: the board, the last
page of the timeline and the tasks.

On a server every statement is sent before any answer is read (one round trip,
where reading them one after another took five); on SQLite the store's own
reads run inside one read transaction."""

from __future__ import annotations

from typing import NamedTuple

from warroom.core.model import Board, Task, TimelinePage
from warroom.store.base import StoreBase


class RoomRead(NamedTuple):
    board: Board
    page: TimelinePage
    tasks: list[Task]


class RoomStore(StoreBase):
    """The war room's reads that cost one round trip on a server: the
    statements of the incident, timeline and task parts, sent together."""

    def read_room(self, incident_id: int, limit: int) -> RoomRead:
        return _read_room(self, incident_id, limit)

    def read_since(
        self, incident_id: int, revision: int, after_id: int
    ) -> tuple[Board, list, list[Task]] | None:
        return _read_since(self, incident_id, revision, after_id)


def _read_room(store, incident_id: int, limit: int) -> RoomRead:
    """The board, the last `limit` entries of the timeline (as
    Store.timeline_page(incident_id, limit)) and the tasks (as Store.tasks)."""
    if not store._pipelined:
        with store._snapshot():
            return RoomRead(
                store.board(incident_id),
                store.timeline_page(incident_id, limit),
                store.tasks(incident_id),
            )
    last = (
        f"SELECT {store._ENTRY_COLUMNS} FROM timeline WHERE incident_id = ?"
        " ORDER BY occurred_at DESC, id DESC LIMIT ?"
    )
    with store._snapshot():
        board = store._issue_board(incident_id)
        page = store._issue(last, (incident_id, limit + 1))
        newest = store._issue("SELECT max(id) FROM timeline WHERE incident_id = ?", (incident_id,))
        fixes = store._issue(
            "SELECT supersedes, id FROM timeline WHERE supersedes IS NOT NULL AND"
            f" supersedes IN (SELECT id FROM ({last}) AS page) ORDER BY id",
            (incident_id, limit),
        )
        tasks = store._issue(
            f"SELECT {store._TASK_COLUMNS} FROM tasks WHERE incident_id = ? ORDER BY id",
            (incident_id,),
        )
    read = store._board_of(incident_id, board)
    rows = page.rows()
    more = len(rows) > limit
    entries = [store._row_entry(r) for r in rows[:limit][::-1]]
    holders: dict[str, str] = {}
    for holder in read.roles:  # in the order Store.tasks reads them: the first holds it
        holders.setdefault(holder.role, holder.person)
    return RoomRead(
        read,
        TimelinePage(entries, more, newest.rows()[0][0] or 0, dict(fixes.rows())),
        [store._row_task(r, holders) for r in tasks.rows()],
    )


def _read_since(
    store, incident_id: int, revision: int, after_id: int
) -> tuple[Board, list, list[Task]] | None:
    """What moved in a war room since it read the incident at `revision` and
    the timeline through `after_id` (Store.board_since), with the tasks when
    the board moved; None when it has not. One snapshot: on a server one
    round trip (the tasks are sent along either way), on SQLite the tasks are
    read only when the board moved."""
    if not store._pipelined:
        with store._snapshot():
            moved = store.board_since(incident_id, revision, after_id)
            if moved is None:
                return None
            return (*moved, store.tasks(incident_id))
    with store._snapshot():
        board = store._issue_board(incident_id)
        entries = store._issue(
            f"SELECT {store._ENTRY_COLUMNS} FROM timeline WHERE incident_id = ? AND id > ?"
            " ORDER BY id",
            (incident_id, after_id),
        )
        tasks = store._issue(
            f"SELECT {store._TASK_COLUMNS} FROM tasks WHERE incident_id = ? ORDER BY id",
            (incident_id,),
        )
    read = store._board_of(incident_id, board)
    if read.incident.revision == revision:
        return None
    holders: dict[str, str] = {}
    for holder in read.roles:
        holders.setdefault(holder.role, holder.person)
    return (
        read,
        [store._row_entry(r) for r in entries.rows()],
        [store._row_task(r, holders) for r in tasks.rows()],
    )
