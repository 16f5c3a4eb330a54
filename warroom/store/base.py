"""The store's foundation: its backend, the write transaction, the timeline
entry every write appends, and the row mappers every part shares.

The parts of the store (incidents.py, timeline.py, roles.py, ...) are
mixins of StoreBase; domain.py composes them into the one Store."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

from warroom.core.errors import (
    REFUSAL,
    AlreadyApplied,
    NotFound,
    ReadOnly,
    StaleRead,
    UsageError,
)
from warroom.core.model import (
    OPEN,
    SYSTEM,
    Incident,
    Retro,
    TimelineEntry,
    from_iso,
    to_iso,
    utcnow,
)
from warroom.core.policy import Policy
from warroom.core.timefmt import check_moment
from warroom.store.backend import Backend, open_backend
from warroom.store.newid import NewId
from warroom.store.schema import select_list

if TYPE_CHECKING:
    from warroom.core.model import Board, Draft, Retro, Task, TimelinePage
    from warroom.services.paths import DbUrl

_INCIDENT_FIELDS: tuple[str, ...] = Incident.__record_fields__  # type: ignore[attr-defined]

# A write sent on what was last read checks at the server, in its own
# pipeline, that the incident is still at the revision it was read at.
_AS_READ_GUARD = (
    "SELECT CAST(CASE WHEN count(*) = 0 THEN ? WHEN max(revision) <> ? THEN ?"
    " ELSE '0' END AS BIGINT) FROM incidents WHERE id = ?"
)
_ENTRIES_KEPT = 2000  # entries read that a correction may go on


F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")


def on_what_was_read(method: F) -> F:
    """A write that may go on what its connection last read of the incident
    (Store._incident_as_read, _board_as_read) instead of reading it again, so
    that on a server it costs one round trip. When the server finds the
    incident has moved since (another process wrote), nothing was written:
    it runs once more on a fresh read, under the same idempotency key."""

    @wraps(method)
    def write(self: StoreBase, *args: Any, **kwargs: Any) -> Any:
        if self._going_on_read:  # called by another such write: that one runs again
            return method(self, *args, **kwargs)
        key = self._write_key
        self._guarded.clear()
        self._going_on_read = True
        try:
            return method(self, *args, **kwargs)
        except StaleRead:
            pass
        except UsageError:
            if not self._guarded:
                raise  # refused on what was read just now: so it is
            # A refusal made here on what was last read (closed, already
            # open, nobody holds it) may be stale too: it stands only when
            # the incident, read afresh, says the same.
        finally:
            self._going_on_read = False
        self._as_read.clear()
        self._write_key = key
        self._fresh_reads = self._going_on_read = True
        try:
            return method(self, *args, **kwargs)
        finally:
            self._fresh_reads = self._going_on_read = False

    return write  # type: ignore[return-value]


class _Later:
    """A statement's rows, read when first needed. On a backend that pipelines
    (PostgreSQL) the statement was sent without waiting and its rows arrive
    with the next round trip; on the others they were read at once."""

    __slots__ = ("_cursor", "_rows", "_names", "find")

    def __init__(self, cursor: Any, now: bool):
        self._cursor = cursor
        self._rows: list[tuple[Any, ...]] | None = None
        self._names: list[str] = []
        self.find: tuple[Any, ...] = ()  # an appended entry's columns, to find it again
        if now:
            self.rows()

    def rows(self) -> list[tuple[Any, ...]]:
        if self._rows is None:
            self._rows = self._cursor.fetchall()
            self._names = [d[0] for d in self._cursor.description or ()]
            self._cursor = None
        return self._rows

    def one(self) -> tuple[Any, ...] | None:
        rows = self.rows()
        return rows[0] if rows else None

    def dicts(self) -> list[dict[str, Any]]:
        rows = self.rows()
        return [dict(zip(self._names, row, strict=True)) for row in rows]


_NEW_ID_MARK = "\x00new id\x00"


class StoreBase:
    """What every part of the store stands on."""

    def __init__(
        self,
        db: Backend,
        policy: Policy,
        identity: str,
        clock: Callable[[], datetime],
    ):
        self.db = db
        self.read_only_asked = False  # --read-only: watching was asked for (see read_only_why)
        self.policy = policy
        self.identity = identity
        self.clock = clock
        self._known_as: str | None = None  # identity already in the people table
        self._write_key: str | None = None  # the next write's idempotency key
        # On a server: each incident as this connection last read it (with the
        # board when it was read whole at that revision), which a write may go
        # on without reading it again (see on_what_was_read).
        self._as_read: dict[int, tuple[Incident, Board | None, list[Task] | None]] = {}
        self._fresh_reads = False  # a write run again after StaleRead: read afresh
        self._going_on_read = False  # inside an on_what_was_read write
        self._guarded: set[object] = set()  # incidents (and entries) this write guards
        # On a server: entries this connection read (a correction goes on them).
        self._entries_read: dict[int, TimelineEntry] = {}
        # On a server: an incident's whole timeline as read at a revision of
        # it, in recording order (a write that checks the order of a fact goes
        # on it while the incident is still at that revision).
        self._timelines_read: dict[int, tuple[int, list[TimelineEntry]]] = {}
        self._retros_read: dict[int, tuple[int, Retro]] = {}  # the same, of the retro
        # On a server: the proposals waiting as the list last read them, with
        # their alerts (a decision goes on them, guarded: see IntakeStore).
        self._proposals_read: dict[int, tuple[Any, list[Any]]] = {}
        # A whole timeline read inside this write on the incident as last read
        # (guarded): kept once the write commits (_send_timeline).
        self._timeline_in_write: tuple[int, int, Callable[[], list[TimelineEntry]]] | None = None
        self._touched: dict[int, None] = {}  # incidents this write moved, in order

    @classmethod
    def open(
        cls,
        path: Path | DbUrl | str,
        policy: Policy,
        identity: str = "unknown",
        clock: Callable[[], datetime] = utcnow,
        busy_timeout: float = 5.0,
        read_only: bool = False,
        create: bool = True,
        check_later: bool = False,
        companion: bool = False,
    ) -> Self:
        """Open (creating if missing) the database at path. read_only opens an
        existing file for watching only, as happens anyway without write access.
        check_later (a one-shot verb on a server): see open_backend; a first
        write may then raise SchemaChecked, having written nothing. companion
        (the war room on a server): the database worker's connection is made
        beside this one's, not after it (see open_backend)."""
        db = open_backend(path, clock, busy_timeout, read_only, create, check_later, companion)
        store = cls(db, policy, identity, clock)
        store.read_only_asked = read_only
        try:
            if db.migrated:
                with store._write(bump=False):
                    pass  # whoever made or upgraded the schema is someone the pickers offer
        except BaseException:
            db.close()
            raise
        return store

    def another(self, busy_timeout: float | None = None) -> Self:
        """The same database on a connection of its own (the app's database
        worker), with the same policy, identity and clock."""
        other = type(self)(self.db.reopen(busy_timeout), self.policy, self.identity, self.clock)
        other.read_only_asked = self.read_only_asked
        return other

    if TYPE_CHECKING:
        # What one part calls of another (the parts are composed into the one
        # Store in domain.py); mypy checks each part's own definition against these.
        _DRAFT: str

        @staticmethod
        def _row_draft(row: tuple[Any, ...] | None) -> Draft: ...
        def get_incident(self, incident_id: int) -> Incident: ...
        def set_milestone(
            self, incident_id: int, clock: str, at: datetime | None, new: bool = False
        ) -> Incident: ...
        def _milestone(
            self, incident_id: int, clock: str, at: datetime | None, new: bool = False
        ) -> _Later: ...
        def _claim(self, key: str) -> bool: ...
        def retro(self, incident_id: int) -> Retro: ...
        def tasks(self, incident_id: int) -> list[Task]: ...

        _TASK_COLUMNS: str

        def _row_task(self, row: tuple[Any, ...], holders: dict[str, str]) -> Task: ...
        def board(self, incident_id: int) -> Board: ...
        def board_since(
            self, incident_id: int, revision: int, after_id: int
        ) -> tuple[Board, list[TimelineEntry]] | None: ...
        def _issue_board(self, incident_id: int) -> tuple[_Later, ...]: ...
        def _board_of(self, incident_id: int, issued: tuple[_Later, ...]) -> Board: ...
        def timeline_page(self, incident_id: int, limit: int) -> TimelinePage: ...
        def _attach_runbooks(self, incident_id: int) -> None: ...
        def _runbook_changes(
            self, incident_id: int, incident: Incident, tasks: list[Task] | None = None
        ) -> dict[str, Any]: ...
        def _stop_repeats(self, incident_id: int, stage: str) -> dict[str, Any]: ...
        def _carried(self, original: TimelineEntry) -> tuple[str, dict[str, Any]]: ...
        def timeline(
            self, incident_id: int, after_id: int = 0, limit: int | None = None
        ) -> list[TimelineEntry]: ...
        def entry(self, entry_id: int) -> TimelineEntry: ...
        def _recount_last_update(self, incident_id: int) -> None: ...
        def _fact_moment(
            self,
            incident: Incident,
            at: datetime | None,
            event: str,
            data: dict[str, Any],
            what: str,
            timeline: Callable[[], list[TimelineEntry]] | None = None,
        ) -> datetime: ...

    # What belongs to the backend, as the rest of warroom has always called it.
    @property
    def engine(self) -> str:
        return self.db.engine

    @property
    def poll_seconds(self) -> float | None:
        """How often the TUI may ask has_changed(), when the engine makes asking
        cheaper than the default poll (None: the app's own interval)."""
        return self.db.poll_seconds

    def describe(self) -> list[tuple[bool, str, str]]:
        """What the backend says of itself, for the doctor: (ok, topic, detail)."""
        return self.db.describe()

    @property
    def path(self) -> Any:
        return self.db.path

    @property
    def conn(self) -> Any:
        return self.db.conn

    @property
    def read_only(self) -> bool:
        return self.db.read_only

    def read_only_why(self) -> str:
        """Why nothing can be changed: asked for (--read-only), or the file's
        or server's permissions."""
        if self.read_only_asked:
            return f"{self.db.label} is open read-only (--read-only): nothing can be changed"
        return f"{self.db.label} is read-only for you: nothing can be changed"

    @property
    def warnings(self) -> list[str]:
        return self.db.warnings

    @property
    def busy_timeout(self) -> float:
        return self.db.busy_timeout

    @property
    def swapped(self) -> str:
        return self.db.swapped

    @property
    def local_writes(self) -> int:
        """Writes this connection has committed."""
        return self.db.local_writes

    def close(self) -> None:
        self.db.close()

    def defer_checkpoints(self) -> None:
        self.db.defer_checkpoints()

    def checkpoint(self) -> tuple[int, int]:
        return self.db.checkpoint()

    def set_busy_timeout(self, seconds: float) -> None:
        self.db.set_busy_timeout(seconds)

    def check_files(self) -> str:
        return self.db.check_files()

    def has_changed(self) -> bool:
        """Cheap poll: has anyone (this process included) committed since last asked?"""
        return self.db.has_changed()

    def changed_now(self) -> bool | None:
        """has_changed() without waiting on a network (asked on the TUI's own
        thread); None: telling needs the network, ask has_changed() on
        another thread."""
        return self.db.changed_now()

    def wake_fd(self) -> int | None:
        """A descriptor that turns readable when another process commits, so
        the TUI can ask has_changed() then instead of polling; None: poll."""
        return self.db.wake_fd()

    @contextmanager
    def acting(self, identity: str) -> Iterator[None]:
        """Writes made inside are credited to identity (a queued change is the
        person's who typed it, whoever the app acts as when it lands)."""
        before, self.identity = self.identity, identity
        try:
            yield
        finally:
            self.identity = before

    @contextmanager
    def _write(self, bump: bool = True) -> Iterator[None]:
        if self.read_only:
            raise ReadOnly(self.read_only_why())
        key, self._write_key = self._write_key, None
        if key is None and self._pipelined:
            # A server's answer to COMMIT can be lost on the way: every write
            # there carries a key, so the server can be asked whether it committed.
            key = f"auto-{uuid.uuid4().hex}"
        self._guarded.clear()
        self._touched.clear()
        self._timeline_in_write = None
        after: list[tuple[int, _Later]] = []
        try:
            with self.db.write(bump=bump):  # the backend moves the change counter last
                if key is not None and not self._claim(key):
                    raise AlreadyApplied(f"this change was already written (key {key[:8]})")
                try:
                    yield
                except UnicodeEncodeError:
                    raise UsageError("text is not valid Unicode (undecodable bytes?)") from None
                if self._known_as != self.identity:
                    # Whoever writes is someone the pickers should offer.
                    self._remember_person(self.identity)
                if self._pipelined:
                    # Each incident moved, as it stands after the write: read in
                    # the write's own round trip, and what the next write goes on.
                    after = [
                        (iid, self._issue("SELECT * FROM incidents WHERE id = ?", (iid,)))
                        for iid in self._touched
                    ]
        except BaseException:
            # What was read inside a write that did not commit may hold what it
            # had changed: the next write reads afresh.
            self._as_read.clear()
            self._timeline_in_write = None
            raise
        self._known_as = self.identity
        self._as_read_after(after)
        if self._timeline_in_write is not None:
            # The whole timeline as it stood at the revision the write went on
            # (its guard held): the read back brings what the write added.
            iid, revision, entries = self._timeline_in_write
            self._timeline_in_write = None
            with suppress(Exception):  # its answer lost with the commit's: not kept
                whole = entries()
                if len(whole) <= _ENTRIES_KEPT:
                    self._timelines_read[iid] = (revision, whole)

    def _as_read_after(self, after: list[tuple[int, _Later]]) -> None:
        for iid, later in after:
            try:
                rows = later.dicts()
            except Exception:  # committed, its answer lost: the next write reads afresh
                self._as_read.pop(iid, None)
                continue
            if rows:
                self._remember_read(self._row_incident(rows[0]))

    def _remember_read(
        self, incident: Incident, board: Board | None = None, tasks: list[Task] | None = None
    ) -> None:
        """What a write may go on later (a server only: elsewhere a read costs
        no round trip, and the write reads afresh): the incident, and the
        board and the tasks when they were read at its revision."""
        if not self._pipelined:
            return
        known = self._as_read.get(incident.id)
        if known is not None and known[0].revision == incident.revision:
            board = board if board is not None else known[1]
            tasks = tasks if tasks is not None else known[2]
        self._as_read[incident.id] = (incident, board, tasks)

    def _known(self, incident_id: int) -> tuple[Incident, Board | None, list[Task] | None] | None:
        """What a write may go on: as last read on a server (the board and the
        tasks only as read at the incident's revision: see _remember_read);
        None on SQLite, where nothing was read, or in a write run again."""
        if self._fresh_reads or not self._pipelined:
            return None
        return self._as_read.get(incident_id)

    def _incident_as_read(self, incident_id: int) -> Incident:
        """Inside a write: the incident as this connection last read it, with
        a guard sent in the write's pipeline that it has not moved since (no
        round trip); read now where nothing was read before, on SQLite, or
        when the write runs again after the guard stopped it."""
        known = self._known_incident(incident_id)
        return known if known is not None else self.get_incident(incident_id)

    def _known_incident(self, incident_id: int) -> Incident | None:
        """Inside a write: the incident as last read (guarded as
        _incident_as_read), or None where it was not (nor is it read now)."""
        known = self._known(incident_id)
        if known is None:
            return None
        self._guard_as_read(known[0])
        return known[0]

    def _board_as_read(self, incident_id: int) -> Board | None:
        """Inside a write: the whole board as last read (guarded as
        _incident_as_read); None: the write reads what it needs itself."""
        known = self._known(incident_id)
        if known is None or known[1] is None:
            return None
        self._guard_as_read(known[0])
        return known[1]

    def _tasks_as_read(self, incident_id: int) -> list[Task]:
        """Inside a write: the tasks as the war room last read them with the
        incident (guarded as _incident_as_read), else read now."""
        known = self._known(incident_id)
        if known is None or known[2] is None:
            return self.tasks(incident_id)
        self._guard_as_read(known[0])
        return known[2]

    def _guard_as_read(self, incident: Incident) -> None:
        self._send_guard(
            incident.id,
            _AS_READ_GUARD,
            (
                f"{REFUSAL}NotFound:no incident with id {incident.id}",
                incident.revision,
                f"{REFUSAL}Stale:incident {incident.id} moved since it was read",
                incident.id,
            ),
        )

    def _send_guard(self, what: object, sql: str, params: tuple[Any, ...]) -> None:
        """A guard in the write's pipeline that what was read still stands
        (its refusal stops the write: see on_what_was_read), once a write."""
        if what in self._guarded:
            return
        self._guarded.add(what)
        self.db.execute(sql, params)

    def _guard_row(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        """A guard in the write's pipeline that a row the write goes on as read
        (an entry, an action item, a task) still holds the values named: one removed or
        changed underneath without the incident's revision moving (a restore,
        an operator's SQL) stops the write, which runs again on what is stored."""
        same = "".join(f" AND {column} IS NOT DISTINCT FROM ?" for column in values)
        self._send_guard(
            (table, row_id),
            f"SELECT CAST(CASE WHEN count(*) = 0 THEN ? ELSE '0' END AS BIGINT) FROM {table}"
            f" WHERE id = ?{same}",
            (f"{REFUSAL}Stale:{table} {row_id} is not as it was read", row_id, *values.values()),
        )

    def _remember_entries(self, entries: list[TimelineEntry]) -> None:
        """Entries read, which a correction may go on (a server only, as
        _remember_read): an entry never changes once written."""
        if not self._pipelined:
            return
        kept = self._entries_read
        for entry in entries:
            kept[entry.id] = entry
        if len(kept) > _ENTRIES_KEPT:
            for old in list(kept)[: len(kept) - _ENTRIES_KEPT // 2]:  # the first read go
                del kept[old]

    def _remember_timeline(
        self, incident: Incident, entries: list[TimelineEntry], after_id: int | None = None
    ) -> None:
        """An incident's timeline as read at its revision (a server only, as
        _remember_read): entries is the whole of it, or (after_id) every entry
        recorded after that id, which goes on the whole timeline read before
        when that one reached the id; anything else forgets it."""
        if not self._pipelined:
            return
        whole = sorted(entries, key=lambda e: e.id)
        if after_id:  # (every entry after none: the whole timeline)
            known = self._timelines_read.get(incident.id)
            if known is None or after_id > (known[1][-1].id if known[1] else 0):
                self._timelines_read.pop(incident.id, None)  # a gap nobody read
                return
            whole = [e for e in known[1] if e.id <= after_id] + whole
        if len(whole) > _ENTRIES_KEPT:
            self._timelines_read.pop(incident.id, None)
            return
        self._timelines_read[incident.id] = (incident.revision, whole)

    def _send_timeline(self, incident_id: int) -> Callable[[], list[TimelineEntry]]:
        """Inside a write: the incident's whole timeline, in recording order.
        As this connection last read it, when that was at the incident's
        revision as last read (guarded as _incident_as_read: no round trip);
        else its statement is sent now and answered with the next one the
        write waits for (the incident's read, or its commit)."""
        known = self._known(incident_id)
        kept = self._timelines_read.get(incident_id)
        if known is not None and kept is not None and kept[0] == known[0].revision:
            self._guard_as_read(known[0])
            return lambda: kept[1]
        later = self._issue(
            f"SELECT {self._ENTRY_COLUMNS} FROM timeline WHERE incident_id = ? ORDER BY id",
            (incident_id,),
        )

        made: list[list[TimelineEntry]] = []

        def entries() -> list[TimelineEntry]:
            if not made:
                made.append([self._row_entry(r) for r in later.rows()])
            return made[0]

        if known is not None:  # read on the incident as last read: kept if the write commits
            self._guard_as_read(known[0])
            self._timeline_in_write = (incident_id, known[0].revision, entries)
        return entries

    def _entry_as_read(self, entry_id: int, guard: bool = True) -> TimelineEntry:
        """An entry as this connection read it, with (guard, inside a write) a
        guard in the write's pipeline that it is still the one stored under its
        id; read now where it was not read, on SQLite, or in a write run again."""
        known = None if self._fresh_reads else self._entries_read.get(entry_id)
        if known is None:
            return self.entry(entry_id)
        if guard:
            # Entries never change: one moved in underneath (a restore) is another.
            values = {"incident_id": known.incident_id, "kind": known.kind, "text": known.text}
            self._guard_row("timeline", entry_id, values)
        return known

    def _incident_after(self, incident_id: int, inserted: bool = False) -> Incident:
        """After a write: the incident as the write left it (on a server, read
        in the write's own round trip; inserted: the write declared it)."""
        known = self._as_read.get(incident_id)
        moved = inserted or incident_id in self._touched
        if known is not None and self._pipelined and moved:
            return known[0]
        return self.get_incident(incident_id)

    def revision(self) -> int:
        return int(self.db.execute("SELECT revision FROM changes WHERE id = 1").fetchone()[0])

    @property
    def _pipelined(self) -> bool:
        """Statements are sent without waiting for their answers (PostgreSQL)."""
        return getattr(self.db, "pipelined", False)

    def _issue(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> _Later:
        """Send a statement now and read its rows later (_Later): statements
        issued one after another before any is read cost one round trip."""
        return _Later(self.db.execute(sql, params), now=not self._pipelined)

    def _require(self, incident_id: int, is_open: bool = False) -> None:
        """Refuse the write unless the incident exists (and is open). Where
        statements are pipelined the check runs at the server, inside the
        transaction and without a round trip of its own: a refusal fails the
        statement with the message (the backend raises it as NotFound or
        UsageError) and everything after it, COMMIT included, is not done."""
        if not self._pipelined:
            incident = self.get_incident(incident_id)
            if is_open:
                self._require_open(incident)
            return
        if not 0 < incident_id < 2**63:
            raise NotFound(f"no incident with id {incident_id}")
        closed = f"UsageError:incident {incident_id} is closed; reopen it first"
        self.db.execute(
            "SELECT CAST(CASE WHEN count(*) = 0 THEN ? WHEN ? AND bool_and(status <> ?) THEN ?"
            " ELSE '0' END AS BIGINT) FROM incidents WHERE id = ?",
            (
                f"{REFUSAL}NotFound:no incident with id {incident_id}",
                is_open,
                OPEN,
                REFUSAL + closed,
                incident_id,
            ),
        )

    def _returned(self, read: Callable[[], R], found: Callable[[], R]) -> R:
        """What a write's statement returned (read: its rows, after the write).
        When the write committed but its answer was lost with the connection
        (the server said so when asked), found() finds it again instead."""
        try:
            return read()
        except Exception:
            if not getattr(self.db, "lost_results", False):
                raise
            return found()

    def _inserted(self, later: _Later, table: str, columns: str, now: str) -> tuple[Any, ...]:
        """The row a write inserted into `table` (an action item, a task),
        RETURNING `columns`; its answer lost, found again by who inserted it when."""
        row = self._returned(
            later.one,
            lambda: self.db.execute(
                f"SELECT {columns} FROM {table} WHERE incident_id = ? AND created_by = ?"
                " AND created_at = ? ORDER BY id DESC LIMIT 1",
                (later.find[0], self.identity, now),
            ).fetchone(),
        )
        if row is None:
            raise NotFound(f"the new row in {table} cannot be read back")
        return tuple(row)

    def _appended(self, later: _Later) -> TimelineEntry:
        """The entry an _append wrote; its answer lost, found again by what was
        written: the first such entry recorded from the write's time on (the
        same words written again just after, from another terminal, are a
        later one)."""
        row = self._returned(
            later.one,
            lambda: self.db.execute(
                f"SELECT {self._ENTRY_COLUMNS} FROM timeline WHERE incident_id = ? AND kind = ?"
                " AND actor = ? AND recorded_at >= ? AND text = ? ORDER BY id LIMIT 1",
                later.find,
            ).fetchone(),
        )
        if row is None:
            raise NotFound("the entry just written was not found")
        return self._row_entry(row)

    def _now(self) -> str:
        return to_iso(self.clock())

    def _append(self, incident_id: int, kind: str, text: str, **given: Any) -> int:
        """_add, and the new entry's id (read now)."""
        return self._appended(self._add(incident_id, kind, text, **given)).id

    def _add(
        self,
        incident_id: int,
        kind: str,
        text: str,
        *,
        data: dict[str, Any] | None = None,
        public: bool = False,
        supersedes: int | None = None,
        occurred_at: datetime | None = None,
        actor: str | None = None,
    ) -> _Later:
        """Append an entry; its row (RETURNING) is read when asked for (_appended)."""
        now = self._now()
        actor = self.identity if actor is None else actor
        named = [v.table for v in (data or {}).values() if isinstance(v, NewId)]
        stored: tuple[Any, ...] = (None,)
        data_sql = "?"
        if data and not named:
            stored = (json.dumps(data, ensure_ascii=False),)
        elif named:  # the id the server gave the row just inserted, spliced in there
            marked = {
                k: _NEW_ID_MARK if isinstance(v, NewId) else v for k, v in (data or {}).items()
            }
            stored = tuple(
                json.dumps(marked, ensure_ascii=False).split(json.dumps(_NEW_ID_MARK), 1)
            )
            data_sql = f"? || CAST({self.db.new_id(named[0])} AS TEXT) || ?"  # type: ignore[attr-defined]
        later = self._issue(
            "INSERT INTO timeline (incident_id, kind, text, actor, occurred_at, recorded_at,"
            f" public, supersedes, data) VALUES (?, ?, ?, ?, ?, {self.db.recorded_at}, ?, ?,"
            f" {data_sql}) RETURNING {self._ENTRY_COLUMNS}",
            (
                incident_id,
                kind,
                text,
                actor,
                to_iso(occurred_at) if occurred_at else now,
                now,
                int(public),
                supersedes,
                *stored,
            ),
        )
        later.find = (incident_id, kind, actor, now, text)
        self._touch(incident_id)
        return later

    def _insert_incident(
        self,
        title: str,
        category: str,
        priority: str,
        stage: str,
        reported: datetime,
        now: datetime,
    ) -> tuple[Incident, Callable[[], Incident]]:
        """The incidents row of a declaration (declare, an accepted proposal),
        inside the caller's write: the incident as inserted, and a function
        that gives it as the insert returned it, once the write is done. On a
        server the write does not wait for the insert's answer: the incident's
        id is a NewId until then (what the write's statements name it by)."""
        later = self._issue(
            "INSERT INTO incidents (title, category, priority, stage, status, reported_at,"
            " declared_at, declared_by, resolution, revision)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 0) RETURNING *",
            (title, category, priority, stage, OPEN, to_iso(reported), to_iso(now),
             self.identity),
        )  # fmt: skip

        def stored() -> Incident:
            rows = self._returned(
                later.dicts,
                lambda: self._rows(  # its answer lost: found by who declared it when
                    "SELECT * FROM incidents WHERE declared_by = ? AND declared_at = ?"
                    " AND title = ? ORDER BY id DESC LIMIT 1",
                    (self.identity, to_iso(now), title),
                ),
            )
            return self._row_incident(rows[0])

        if not self._pipelined:
            return stored(), stored
        planned = Incident(
            NewId("incidents"), title, category, priority, stage, OPEN,  # type: ignore[arg-type]
            from_iso(to_iso(reported)), from_iso(to_iso(now)), self.identity, None, None, None,
            None, None, "", None, "", 0, None, None, False, "", False,
        )  # fmt: skip
        return planned, stored

    def _system(
        self,
        incident_id: int,
        text: str,
        event: str,
        *,
        occurred_at: datetime | None = None,
        supersedes: int | None = None,
        actor: str | None = None,
        **data: Any,
    ) -> _Later:
        return self._add(
            incident_id,
            SYSTEM,
            text,
            data={"event": event, **data},
            occurred_at=occurred_at,
            supersedes=supersedes,
            actor=actor,
        )

    def _checked(self, moment: datetime, what: str) -> datetime:
        return check_moment(moment, self.clock(), what)

    def _row_incident(self, row: dict[str, Any]) -> Incident:
        """An incident from a SELECT * row, by name (a file written by an older
        warroom, not yet upgraded, lacks the newer columns: they read as unset)."""
        return self._incident_at(tuple(map(row.get, _INCIDENT_FIELDS)))

    @staticmethod
    def _incident_at(row: tuple[Any, ...]) -> Incident:
        """An incident from a row of _INCIDENT_COLUMNS, by position (every
        incident the report and the status page read comes through here)."""
        (id_, title, category, priority, stage, status, reported, declared, declared_by,
         acknowledged, triaged, remediated, retro, closed, resolution, last_update,
         root_cause, revision, impact_started, impact_ended, drill, public_title,
         root_cause_public) = row  # fmt: skip
        return Incident(
            id_, title, category, priority, stage, status, from_iso(reported),
            from_iso(declared), declared_by or "", from_iso(acknowledged), from_iso(triaged),
            from_iso(remediated), from_iso(retro), from_iso(closed), resolution or "",
            from_iso(last_update), root_cause or "", revision or 0, from_iso(impact_started),
            from_iso(impact_ended), bool(drill), public_title or "", bool(root_cause_public),
        )  # fmt: skip

    @staticmethod
    def _row_entry(row: tuple[Any, ...]) -> TimelineEntry:
        return TimelineEntry(
            id=row[0],
            incident_id=row[1],
            kind=row[2],
            text=row[3],
            actor=row[4],
            occurred_at=from_iso(row[5]),
            recorded_at=from_iso(row[6]),
            public=bool(row[7]),
            supersedes=row[8],
            data=json.loads(row[9]) if row[9] else {},
        )

    def _remember_person(self, name: str) -> None:
        self.db.execute(
            "INSERT INTO people (name, first_seen) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            (name, self._now()),
        )

    def _require_open(self, incident: Incident) -> None:
        if not incident.is_open:
            raise UsageError(f"incident {incident.id} is closed; reopen it first")

    def _rows(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        return _Later(self.db.execute(sql, params), now=True).dicts()

    _ENTRY_COLUMNS = select_list("timeline")  # in _row_entry's order
    # The incidents' columns in Incident's field order (_incident_at's).
    _INCIDENT_COLUMNS = ", ".join(f'"{name}"' for name in _INCIDENT_FIELDS)

    def read_together(
        self, sends: list[Callable[[Any], Callable[[], Any]]]
    ) -> list[Callable[[], Any]]:
        """Several reads in one snapshot, each given in two steps: send(store)
        sends its statements and returns a function that gives its result. On
        a server every statement goes before any answer is read, so reads that
        each cost one round trip cost one together; on SQLite they share one
        read transaction. A failure while sending fails them all (the caller
        may ask again one by one); each result's own failure is its own."""
        with self._snapshot():
            return [send(self) for send in sends]

    def _snapshot(self) -> Any:
        """A read transaction (nested calls share the outer one)."""
        return self.db.snapshot()

    def _touch(self, incident_id: int) -> None:
        """Move the incident's revision: how pollers know this incident changed."""
        self.db.execute("UPDATE incidents SET revision = revision + 1 WHERE id = ?", (incident_id,))
        self._touched[incident_id] = None
