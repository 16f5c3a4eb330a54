"""The incident store's rules: validation, the timeline, row mapping.

Store speaks portable SQL through a backend (store/sqlite.py) that owns the
engine: the write lock, reads, the change marker. Every write is a single short
transaction that also appends the matching timeline entry, so the audit trail
cannot be forgotten and concurrent writers never interleave half-done changes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.core.errors import (
    REFUSAL,
    AlreadyApplied,
    DraftConflict,
    NotFound,
    ReadOnly,
    UsageError,
)
from warroom.core.merge import merge3
from warroom.core.model import (
    ACTION_DONE,
    ACTION_OPEN,
    CLOSED,
    IMPACTS,
    MILESTONE_EVENTS,
    NO_LONGER_APPLIES,
    NOTE_KINDS,
    OPEN,
    SYSTEM,
    TASK_DONE,
    TASK_OPEN,
    TASK_SKIPPED,
    TASK_STARTED,
    TASK_STATES,
    UPDATE,
    ActionItem,
    Board,
    Bundle,
    CheckState,
    Draft,
    DraftVersion,
    Incident,
    Retro,
    RetroText,
    RoleHolder,
    Task,
    TimelineEntry,
    TimelinePage,
    Why,
    from_iso,
    to_iso,
    utcnow,
)
from warroom.core.policy import MILESTONE_FIELDS, MILESTONES, Policy
from warroom.core.public import public_states
from warroom.core.record import replace
from warroom.core.text import (
    MAX_DRAFT,
    MAX_NOTE,
    MAX_SHORT,
    MAX_TITLE,
    check_length,
    clean_name,
    clean_title,
)
from warroom.core.timefmt import check_moment, fmt_time
from warroom.store.backend import Backend, open_backend

# Milestones of the response itself: none can come after the incident closed.
BEFORE_CLOSE = ("acknowledge", "triage", "remediate")

if TYPE_CHECKING:
    from warroom.core.report import ReportRow

_EDIT_NOTES = ("", "merged", "kept aside")  # the stronger note wins

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
DRILL_MARK = "[DRILL]"  # leads every published update of a drill


def _shown(data: dict[str, Any]) -> dict[str, Any]:
    """What a published update said on the status page (a correction keeps it)."""
    return {k: data[k] for k in ("status", "components") if k in data}


def _match_impact(text: str) -> str:
    """An impact from what people type: any case, a unique prefix, 'none', 'worse'."""
    wanted = text.strip().lower()
    aliases = {"none": "no effect", "worse": "made it worse", "no": "no effect"}
    if wanted in aliases:
        return aliases[wanted]
    hits = [i for i in IMPACTS if wanted and i.startswith(wanted)]
    if len(hits) == 1:
        return hits[0]
    raise UsageError(f"unknown impact {text!r}; choose one of: {', '.join(IMPACTS)}")


class _Later:
    """A statement's rows, read when first needed. On a backend that pipelines
    (PostgreSQL) the statement was sent without waiting and its rows arrive
    with the next round trip; on the others they were read at once."""

    __slots__ = ("_cursor", "_rows", "_names", "find")

    def __init__(self, cursor: Any, now: bool):
        self._cursor = cursor
        self._rows: list[tuple] | None = None
        self._names: list[str] = []
        self.find: tuple = ()  # an appended entry's columns, to find it again
        if now:
            self.rows()

    def rows(self) -> list[tuple]:
        if self._rows is None:
            self._rows = self._cursor.fetchall()
            self._names = [d[0] for d in self._cursor.description or ()]
            self._cursor = None
        return self._rows

    def one(self) -> tuple | None:
        rows = self.rows()
        return rows[0] if rows else None

    def dicts(self) -> list[dict[str, Any]]:
        rows = self.rows()
        return [dict(zip(self._names, row, strict=True)) for row in rows]


class Store:
    """Open with Store.open(); every method returns domain objects."""

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

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        path: Path | str,
        policy: Policy,
        identity: str = "unknown",
        clock: Callable[[], datetime] = utcnow,
        busy_timeout: float = 5.0,
        read_only: bool = False,
        create: bool = True,
    ) -> Store:
        """Open (creating if missing) the database at path. read_only opens an
        existing file for watching only, as happens anyway without write access."""
        db = open_backend(path, clock, busy_timeout, read_only, create)
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

    def another(self, busy_timeout: float | None = None) -> Store:
        """The same database on a connection of its own (the app's database
        worker), with the same policy, identity and clock."""
        other = Store(self.db.reopen(busy_timeout), self.policy, self.identity, self.clock)
        other.read_only_asked = self.read_only_asked
        return other

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

    def wake_fd(self) -> int | None:
        """A descriptor that turns readable when another process commits, so
        the TUI can ask has_changed() then instead of polling; None: poll."""
        return self.db.wake_fd()

    # ------------------------------------------------------------ transactions
    @contextmanager
    def keyed(self, key: str | None) -> Iterator[None]:
        """The next write transaction carries key, stored with it (unique): the
        same key applied again raises AlreadyApplied and changes nothing. A
        retry after a lost answer to COMMIT, or a replayed unsaved file, is
        then applied exactly once."""
        self._write_key = key
        try:
            yield
        finally:
            self._write_key = None

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
        self._known_as = self.identity

    def _claim(self, key: str) -> bool:
        """Store the write's key; False when it is there already (applied before)."""
        claim = getattr(self.db, "claim", None)
        if claim is not None:  # sent without waiting; a second time is refused by the server
            return claim(key, self._now())
        row = self.db.execute(
            "INSERT INTO write_keys (key, applied_at) VALUES (?, ?)"
            " ON CONFLICT (key) DO NOTHING RETURNING key",
            (key, self._now()),
        ).fetchone()
        return row is not None

    def applied(self, key: str) -> bool:
        """Whether a write with this idempotency key was committed."""
        row = self.db.execute("SELECT 1 FROM write_keys WHERE key = ?", (key,)).fetchone()
        return row is not None

    def revision(self) -> int:
        return self.db.execute("SELECT revision FROM changes WHERE id = 1").fetchone()[0]

    # ----------------------------------------------------------------- helpers
    @property
    def _pipelined(self) -> bool:
        """Statements are sent without waiting for their answers (PostgreSQL)."""
        return getattr(self.db, "pipelined", False)

    def _issue(self, sql: str, params: tuple | list = ()) -> _Later:
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
            (f"{REFUSAL}NotFound:no incident with id {incident_id}", is_open, OPEN,
             REFUSAL + closed, incident_id),
        )  # fmt: skip

    def _appended(self, later: _Later) -> TimelineEntry:
        """The entry an _append wrote. When the write committed but its answer
        was lost with the connection (the server said so when asked), the
        entry is found again by what was written."""
        try:
            row = later.one()
        except Exception:
            if not getattr(self.db, "lost_results", False):
                raise
            row = self.db.execute(
                f"SELECT {self._ENTRY_COLUMNS} FROM timeline WHERE incident_id = ? AND kind = ?"
                " AND actor = ? AND recorded_at >= ? AND text = ? ORDER BY id DESC LIMIT 1",
                later.find,
            ).fetchone()
            if row is None:
                raise NotFound("the entry just written was not found") from None
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
        later = self._issue(
            "INSERT INTO timeline (incident_id, kind, text, actor, occurred_at, recorded_at,"
            f" public, supersedes, data) VALUES (?, ?, ?, ?, ?, {self.db.recorded_at}, ?, ?, ?)"
            f" RETURNING {self._ENTRY_COLUMNS}",
            (
                incident_id,
                kind,
                text,
                actor,
                to_iso(occurred_at) if occurred_at else now,
                now,
                int(public),
                supersedes,
                json.dumps(data, ensure_ascii=False) if data else None,
            ),
        )
        later.find = (incident_id, kind, actor, now, text)
        self._touch(incident_id)
        return later

    def _system(
        self, incident_id: int, text: str, event: str, *, occurred_at: datetime | None = None,
        supersedes: int | None = None, actor: str | None = None, **data: Any,
    ) -> _Later:  # fmt: skip
        return self._add(
            incident_id, SYSTEM, text, data={"event": event, **data}, occurred_at=occurred_at,
            supersedes=supersedes, actor=actor,
        )  # fmt: skip

    def _carried(self, original: TimelineEntry) -> tuple[str, dict[str, Any]]:
        """What a correction keeps of the entry it corrects: who said or did it
        (its actor) and, beside who corrects it, when it was first written down
        (so "written later" still shows). A correction made before corrections
        kept them is read back to the entry it first corrected."""
        source = original
        while source.first_recorded_at is None and source.supersedes is not None:
            source = self.entry(source.supersedes)
        first = source.first_recorded_at
        return source.actor, {
            "corrected_by": self.identity,
            "first_recorded_at": to_iso(first) if first is not None else None,
        }

    def _checked(self, moment: datetime, what: str) -> datetime:
        return check_moment(moment, self.clock(), what)

    def _row_incident(self, row: dict[str, Any]) -> Incident:
        return Incident(
            id=row["id"],
            title=row["title"],
            category=row["category"],
            priority=row["priority"],
            stage=row["stage"],
            status=row["status"],
            reported_at=from_iso(row["reported_at"]),
            declared_at=from_iso(row["declared_at"]),
            declared_by=row["declared_by"] or "",
            acknowledged_at=from_iso(row["acknowledged_at"]),
            triaged_at=from_iso(row["triaged_at"]),
            remediated_at=from_iso(row["remediated_at"]),
            retro_at=from_iso(row["retro_at"]),
            closed_at=from_iso(row["closed_at"]),
            resolution=row["resolution"] or "",
            last_update_at=from_iso(row["last_update_at"]),
            root_cause=row.get("root_cause") or "",
            revision=row["revision"] or 0,
            impact_started_at=from_iso(row.get("impact_started_at")),
            impact_ended_at=from_iso(row.get("impact_ended_at")),
            drill=bool(row.get("drill")),
            public_title=row.get("public_title") or "",
            root_cause_public=bool(row.get("root_cause_public")),
        )

    @staticmethod
    def _row_entry(row: tuple) -> TimelineEntry:
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

    # ------------------------------------------------------------------- reads
    def _rows(self, sql: str, params: tuple | list = ()) -> list[dict[str, Any]]:
        return _Later(self.db.execute(sql, params), now=True).dicts()

    def get_incident(self, incident_id: int) -> Incident:
        if not 0 < incident_id < 2**63:
            raise NotFound(f"no incident with id {incident_id}")
        rows = self._rows("SELECT * FROM incidents WHERE id = ?", (incident_id,))
        if not rows:
            raise NotFound(f"no incident with id {incident_id}")
        return self._row_incident(rows[0])

    def list_incidents(self, include_closed: bool = False) -> list[Incident]:
        where = "" if include_closed else "WHERE status = 'open'"
        rows = self._rows(f"SELECT * FROM incidents {where} ORDER BY id")
        return [self._row_incident(r) for r in rows]

    def incident_revisions(self) -> dict[int, int]:
        """id -> revision for every incident: what a list view polls."""
        return dict(self.db.execute("SELECT id, revision FROM incidents").fetchall())

    _ENTRY_COLUMNS = (
        "id, incident_id, kind, text, actor, occurred_at, recorded_at, public, supersedes, data"
    )

    def timeline_before(
        self, incident_id: int, before_id: int | None = None, limit: int | None = None
    ) -> list[TimelineEntry]:
        """The newest `limit` entries recorded before an id (or at all), oldest first:
        a long timeline is read a page at a time, from its end."""
        sql = (
            f"SELECT {self._ENTRY_COLUMNS} FROM timeline WHERE incident_id = ? AND id < ?"
            " ORDER BY id DESC"
        )
        params: list[Any] = [incident_id, before_id if before_id is not None else 2**63 - 1]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = self.db.execute(sql, params).fetchall()
        return [self._row_entry(r) for r in reversed(rows)]

    def timeline(
        self, incident_id: int, after_id: int = 0, limit: int | None = None
    ) -> list[TimelineEntry]:
        """Entries in the order they were recorded, optionally only those after an id."""
        sql = (
            f"SELECT {self._ENTRY_COLUMNS} FROM timeline"
            " WHERE incident_id = ? AND id > ? ORDER BY id"
        )
        params: list[Any] = [incident_id, after_id]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [self._row_entry(r) for r in self.db.execute(sql, params)]

    def timeline_page(
        self,
        incident_id: int,
        limit: int,
        *,
        before: TimelineEntry | None = None,
        after: TimelineEntry | None = None,
        through: TimelineEntry | None = None,
        first: bool = False,
    ) -> TimelinePage:
        """A page of the timeline in its one order (when it happened, then
        recording order), oldest first: the last `limit` entries before an
        entry, or up to and including one (through), or the first `limit`
        after one (or, with first, the first page); with none of them, the
        last page. Read in one snapshot with
        the newest recorded id (what a view polls from) and the corrections
        of the page's entries wherever they sit."""
        columns, table = self._ENTRY_COLUMNS, "timeline WHERE incident_id = ?"
        params: list[Any] = [incident_id]
        edge = after or before or through
        if edge is not None:
            compare = ">" if after is not None else "<=" if through is not None else "<"
            table += f" AND (occurred_at, id) {compare} (?, ?)"
            params += [to_iso(edge.occurred_at), edge.id]
        forward = first or after is not None
        order = "" if forward else " DESC"
        sql = f"SELECT {columns} FROM {table} ORDER BY occurred_at{order}, id{order} LIMIT ?"
        if self._pipelined:
            # Every statement sent before any answer is read (one round trip):
            # the corrections are found by the page's own query.
            with self._snapshot():
                page = self._issue(sql, [*params, limit + 1])
                newest = self._issue(
                    "SELECT max(id) FROM timeline WHERE incident_id = ?", (incident_id,)
                )
                fixes = self._issue(
                    "SELECT supersedes, id FROM timeline WHERE supersedes IS NOT NULL AND"
                    f" supersedes IN (SELECT id FROM ({sql}) AS page) ORDER BY id",
                    [*params, limit],
                )
            rows = page.rows()
            more = len(rows) > limit
            rows = rows[:limit] if forward else rows[:limit][::-1]
            latest = newest.rows()[0][0]
            return TimelinePage(
                [self._row_entry(r) for r in rows], more, latest or 0, dict(fixes.rows())
            )
        with self._snapshot():
            rows = self.db.execute(sql, [*params, limit + 1]).fetchall()
            more = len(rows) > limit
            rows = rows[:limit] if forward else rows[:limit][::-1]
            entries = [self._row_entry(r) for r in rows]
            latest = self.db.execute(
                "SELECT max(id) FROM timeline WHERE incident_id = ?", (incident_id,)
            ).fetchone()[0]
            replaced = self.corrections_of([e.id for e in entries])
        return TimelinePage(entries, more, latest or 0, replaced)

    def corrections_of(self, entry_ids: list[int]) -> dict[int, int]:
        """Entry id -> its newest correction, for these entries."""
        replaced: dict[int, int] = {}
        for start in range(0, len(entry_ids), 500):
            chunk = entry_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            # Ids are unique across incidents: found by what they correct alone.
            rows = self.db.execute(
                "SELECT supersedes, id FROM timeline WHERE supersedes IS NOT NULL"
                f" AND supersedes IN ({marks}) ORDER BY id",
                chunk,
            )
            replaced.update(rows.fetchall())
        return replaced

    def entry(self, entry_id: int) -> TimelineEntry:
        row = self.db.execute(
            f"SELECT {self._ENTRY_COLUMNS} FROM timeline WHERE id = ?",
            (entry_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"no timeline entry with id {entry_id}")
        return self._row_entry(row)

    def _snapshot(self) -> Any:
        """A read transaction (nested calls share the outer one)."""
        return self.db.snapshot()

    def board(self, incident_id: int) -> Board:
        """Incident, roles, checklist and draft read in one consistent snapshot
        (every statement sent before any answer is read: one round trip)."""
        with self._snapshot():
            issued = self._issue_board(incident_id)
        return self._board_of(incident_id, issued)

    def board_since(
        self, incident_id: int, revision: int, after_id: int
    ) -> tuple[Board, list[TimelineEntry]] | None:
        """What a war room shows that moved since it read the incident at
        `revision` and the timeline through entry `after_id`: the board and the
        new entries, or None when the incident's revision has not moved. One
        snapshot, one round trip on a server."""
        with self._snapshot():
            issued = self._issue_board(incident_id)
            entries = self._issue(
                f"SELECT {self._ENTRY_COLUMNS} FROM timeline"
                " WHERE incident_id = ? AND id > ? ORDER BY id",
                (incident_id, after_id),
            )
        board = self._board_of(incident_id, issued)
        if board.incident.revision == revision:
            return None
        return board, [self._row_entry(r) for r in entries.rows()]

    def _issue_board(self, incident_id: int) -> tuple[_Later, ...]:
        if not 0 < incident_id < 2**63:
            raise NotFound(f"no incident with id {incident_id}")
        return (
            self._issue("SELECT * FROM incidents WHERE id = ?", (incident_id,)),
            self._issue(
                "SELECT * FROM roles WHERE incident_id = ? ORDER BY assigned_at, person",
                [incident_id],
            ),
            self._issue("SELECT * FROM checklist WHERE incident_id = ?", [incident_id]),
            self._issue(self._DRAFT, (incident_id,)),
        )

    def _board_of(self, incident_id: int, issued: tuple[_Later, ...]) -> Board:
        incident, roles, checks, draft = issued
        rows = incident.dicts()
        if not rows:
            raise NotFound(f"no incident with id {incident_id}")
        return Board(
            self._row_incident(rows[0]),
            tuple(
                RoleHolder(
                    r["role"],
                    r["person"],
                    r["assigned_by"],
                    from_iso(r["assigned_at"]),
                    r["previous"],
                )  # fmt: skip
                for r in roles.dicts()
            ),
            {
                r["item_id"]: CheckState(
                    r["item_id"], bool(r["ticked"]), r["by"], from_iso(r["at"])
                )
                for r in checks.dicts()
            },
            self._row_draft(draft.one()),
        )

    _DRAFT = "SELECT text, version, updated_by, updated_at FROM drafts WHERE incident_id = ?"

    @staticmethod
    def _row_draft(row: tuple | None) -> Draft:
        if row is None:
            return Draft("", 0, "", None)
        return Draft(row[0], row[1], row[2] or "", from_iso(row[3]))

    def draft(self, incident_id: int) -> Draft:
        return self._row_draft(self.db.execute(self._DRAFT, (incident_id,)).fetchone())

    def holders_of(self, role: str) -> dict[int, str]:
        """incident id -> who holds `role` (a single-holder role), for list views."""
        return dict(
            self.db.execute("SELECT incident_id, person FROM roles WHERE role = ?", (role,))
        )

    def known_people(self) -> list[str]:
        """Everyone seen, in SQLite's NOCASE order (ASCII letters folded) on every engine."""
        names = [r[0] for r in self.db.execute("SELECT name FROM people")]
        return sorted(names, key=lambda name: (name.translate(_ASCII_LOWER), name))

    def role_history(self, incident_id: int) -> list[TimelineEntry]:
        return [
            e for e in self.timeline(incident_id) if e.event in ("role.assign", "role.unassign")
        ]

    # ------------------------------------------------------------------ writes
    def declare(
        self,
        title: str,
        category: str | None = None,
        priority: str = "untriaged",
        reported_at: datetime | None = None,
        stage: str | None = None,
        impact_started_at: datetime | None = None,
        drill: bool = False,
    ) -> Incident:
        title = clean_title(title)
        category = self.policy.match_category(category) if category else self.policy.categories[0]
        priority = self.policy.match_priority(priority)
        stage = self.policy.match_stage(stage) if stage else self.policy.start_stage
        now = self.clock()
        reported = self._checked(reported_at, "reported time") if reported_at else now
        impact = None
        if impact_started_at is not None:
            impact = to_iso(self._checked(impact_started_at, "impact start"))
        with self._write():
            cursor = self.db.execute(
                "INSERT INTO incidents (title, category, priority, stage, status, reported_at,"
                " declared_at, declared_by, resolution, revision)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 0) RETURNING id",
                (
                    title,
                    category,
                    priority,
                    stage,
                    OPEN,
                    to_iso(reported),
                    to_iso(now),
                    self.identity,
                ),
            )
            incident_id = cursor.fetchone()[0]
            if impact is not None:
                self.db.execute(
                    "UPDATE incidents SET impact_started_at = ? WHERE id = ?", (impact, incident_id)
                )
            if drill:  # the column defaults to a real incident
                self.db.execute("UPDATE incidents SET drill = 1 WHERE id = ?", (incident_id,))
            self._remember_person(self.identity)
            what = "Drill" if drill else "Incident"
            self._system(
                incident_id,
                f"{what} declared: {title} ({priority}, {category})",
                "incident.declare",
                priority=priority,
                category=category,
                reported_at=to_iso(reported),
                drill=drill,
            )
            if impact is not None:
                self._system(
                    incident_id, "Milestone: impact-start recorded", "milestone",
                    clock="impact-start", at=impact, occurred_at=from_iso(impact),
                )  # fmt: skip
            first = self.db.execute(  # the declare's entry: the incident's first
                "SELECT min(id) FROM timeline WHERE incident_id = ?", (incident_id,)
            ).fetchone()[0]
            self._attach_runbooks(incident_id, first)  # in the declare's transaction
        return self.get_incident(incident_id)

    def add_entry(
        self,
        incident_id: int,
        text: str,
        kind: str = "note",
        occurred_at: datetime | None = None,
        supersedes: int | None = None,
    ) -> TimelineEntry:
        if kind not in NOTE_KINDS:
            raise UsageError(f"unknown note kind {kind!r}; choose one of: {', '.join(NOTE_KINDS)}")
        if not text.strip():
            raise UsageError("note must not be empty")
        check_length(text, MAX_NOTE, "note")
        if occurred_at is not None:
            occurred_at = self._checked(occurred_at, "the time of the note")
        with self._write():
            self._require(incident_id)
            if supersedes is not None:
                original = self.entry(supersedes)
                if original.incident_id != incident_id:
                    raise UsageError(f"entry {supersedes} belongs to another incident")
            data = None
            if kind == "change":
                # A correction keeps who applied the change; a new change records it now.
                corrects_change = supersedes is not None and original.kind == "change"
                data = original.data if corrects_change else self._change_data(incident_id)
            actor = None
            if supersedes is not None:
                # A correction keeps who said it; who corrected it is said beside.
                actor, carried = self._carried(original)
                data = {**(data or {}), **carried}
            entry_id = self._add(
                incident_id, kind, text, supersedes=supersedes, occurred_at=occurred_at, data=data,
                actor=actor,
            )  # fmt: skip
        return self._appended(entry_id)

    def _change_data(self, incident_id: int) -> dict[str, Any]:
        """Who applied a change, and whether that was the change owner: one
        designated responder applies changes; anyone else's is allowed, marked."""
        role = self.policy.change_role
        row = None
        if role is not None:
            row = self.db.execute(
                "SELECT person FROM roles WHERE incident_id = ? AND role = ?",
                (incident_id, role),
            ).fetchone()
        owner = row[0] if row else None
        return {
            "applied_by": self.identity,
            "change_owner": owner,
            "by_change_owner": None if owner is None else owner == self.identity,
        }

    def set_change_impact(self, entry_id: int, impact: str, note: str = "") -> TimelineEntry:
        """What a change did, recorded afterwards (the latest word counts)."""
        impact = _match_impact(impact)
        check_length(note, MAX_SHORT, "impact note")
        with self._write():
            change = self.entry(entry_id)
            if change.kind != "change":
                # 'evidence' takes no article; 'a system entry' says what it is.
                said = {"evidence": "evidence", "system": "a system entry"}.get(change.kind)
                said = said or f"{'an' if change.kind[:1] in 'aeiou' else 'a'} {change.kind}"
                raise UsageError(f"entry {entry_id} is {said}, not a change")
            text = f"Impact of change {entry_id}: {impact}" + (
                f" ({note.strip()})" if note.strip() else ""
            )
            new_id = self._system(
                change.incident_id, text, "change.impact", change=entry_id, impact=impact,
                note=note.strip(),
            )  # fmt: skip
        return self._appended(new_id)

    def correct(
        self, entry_id: int, text: str | None = None, at: datetime | None = None
    ) -> TimelineEntry:
        """A correction of an entry's text, its time or both: a new entry that
        supersedes the old, which stays. Correcting a milestone's entry moves
        the milestone (and so the clock it stops)."""
        original = self.entry(entry_id)
        if text is None and at is None:
            raise UsageError("say what to correct: new text, a new time (--at), or both")
        if original.event in MILESTONE_EVENTS and original.data.get("clock") in MILESTONES:
            if text is not None:
                raise UsageError(
                    "a milestone entry's text is warroom's own; correct its time with --at"
                )
            self.set_milestone(original.incident_id, original.data["clock"], at)
            return self.entry(self._last_entry_id(original.incident_id))
        if at is not None:
            at = self._checked(at, "the corrected time")
        occurred = at or original.occurred_at
        new_text = original.text if text is None else text
        if original.kind == SYSTEM:
            if text is not None:
                raise UsageError("a system entry's text is warroom's own; correct its time")
            with self._write():
                moves = self._check_fact_move(original, at) if at is not None else None
                author, carried = self._carried(original)
                new_id = self._add(
                    original.incident_id, SYSTEM, new_text, supersedes=entry_id,
                    occurred_at=occurred, actor=author,
                    data={**original.data, "corrected": True, **carried},
                )  # fmt: skip
                if moves:
                    self._move_fact(original, occurred)
            return self._appended(new_id)
        if original.kind == UPDATE:
            # A correction of a published update is itself public.
            if not new_text.strip():
                raise UsageError("the correction is empty")
            check_length(new_text, MAX_DRAFT, "update")
            with self._write():
                author, carried = self._carried(original)
                new_id = self._add(
                    original.incident_id, UPDATE, new_text, public=True, supersedes=entry_id,
                    occurred_at=occurred, actor=author,
                    data={"event": "update.correct", **carried, **_shown(original.data)},
                )  # fmt: skip
                self._recount_last_update(original.incident_id)
            return self._appended(new_id)
        return self.add_entry(
            original.incident_id, new_text, kind=original.kind, occurred_at=occurred,
            supersedes=entry_id,
        )  # fmt: skip

    def _last_entry_id(self, incident_id: int) -> int:
        return self.db.execute(
            "SELECT max(id) FROM timeline WHERE incident_id = ?", (incident_id,)
        ).fetchone()[0]

    def _recount_last_update(self, incident_id: int) -> None:
        """The update cadence counts from the latest update still standing."""
        rows = self.db.execute(
            "SELECT occurred_at FROM timeline t WHERE incident_id = ? AND kind = ?"
            " AND NOT EXISTS (SELECT 1 FROM timeline c WHERE c.supersedes = t.id)",
            (incident_id, UPDATE),
        ).fetchall()
        latest = max((from_iso(r[0]) for r in rows), default=None)
        self.db.execute(
            "UPDATE incidents SET last_update_at = ? WHERE id = ?",
            (to_iso(latest) if latest else None, incident_id),
        )

    # ------------------------------------------------- facts dated in the past
    # Role changes, ticks, stage and priority changes may be written down after
    # they happened (--at), and their time corrected. The tables follow: a
    # corrected time moves a role's "since" and an item's tick time. Each such
    # fact keeps its order: a change cannot be dated before the previous change
    # of the same thing, nor (corrected) after the next, nor before the report.
    _FACT_EVENTS = (
        "role.assign", "role.unassign", "checklist.tick", "checklist.untick",
        "stage.change", "priority.change",
    )  # fmt: skip

    def _fact_key(self, event: str, data: dict[str, Any]) -> tuple | None:
        """What a fact is a change of: one role (one responder of the
        many-holder role), one checklist item, the stage or the priority."""
        if event in ("role.assign", "role.unassign"):
            role = data.get("role")
            return ("role", role, data.get("person")) if role == self.policy.multi_role else (
                "role", role)  # fmt: skip
        if event in ("checklist.tick", "checklist.untick"):
            return ("check", data.get("item"))
        if event in ("stage.change", "priority.change"):
            return (event,)
        return None

    def _facts(self, incident_id: int, key: tuple) -> list[tuple[int, TimelineEntry]]:
        """The standing entries of one fact in the order they were first
        recorded (a correction takes the place of what it corrects), each with
        the id of the entry it first was."""
        entries = self.timeline(incident_id)
        by_id = {e.id: e for e in entries}
        superseded = {e.supersedes for e in entries if e.supersedes is not None}
        facts = []
        for e in entries:
            if e.id in superseded or e.event not in self._FACT_EVENTS:
                continue
            if self._fact_key(e.event, e.data) != key:
                continue
            root = e
            while root.supersedes is not None and root.supersedes in by_id:
                root = by_id[root.supersedes]
            facts.append((root.id, e))
        return sorted(facts, key=lambda f: f[0])

    def _fact_moment(
        self, incident: Incident, at: datetime | None, event: str, data: dict[str, Any], what: str
    ) -> datetime:
        """The time of a new fact: now, or `at` checked against the report and
        the last change of the same thing."""
        if at is None:
            return self.clock()
        moment = self._checked(at, what)
        if moment < incident.reported_at:
            raise UsageError(f"{what} cannot be before the reported time")
        facts = self._facts(incident.id, self._fact_key(event, data))
        if facts and moment < facts[-1][1].occurred_at:
            last = facts[-1][1]
            raise UsageError(
                f"{what} cannot be before the last change of it"
                f" ({fmt_time(last.occurred_at)}: {last.text})"
            )
        return moment

    def _check_fact_move(self, original: TimelineEntry, at: datetime) -> bool:
        """Refuse a corrected time that puts a fact before the report or out of
        order with the changes of the same thing; True if it is a fact whose
        table moves with it."""
        key = self._fact_key(original.event, original.data)
        if key is None:
            return False
        incident = self.get_incident(original.incident_id)
        if at < incident.reported_at:
            raise UsageError("the corrected time cannot be before the reported time")
        facts = self._facts(original.incident_id, key)
        place = next((i for i, (_, e) in enumerate(facts) if e.id == original.id), None)
        if place is None:
            raise UsageError(
                f"entry {original.id} has been corrected since: correct its latest correction"
            )
        if place > 0 and at < facts[place - 1][1].occurred_at:
            before = facts[place - 1][1]
            raise UsageError(
                f"the corrected time cannot be before the change recorded before it"
                f" ({fmt_time(before.occurred_at)}: {before.text})"
            )
        if place + 1 < len(facts) and at > facts[place + 1][1].occurred_at:
            after = facts[place + 1][1]
            raise UsageError(
                f"the corrected time cannot be after the change recorded after it"
                f" ({fmt_time(after.occurred_at)}: {after.text})"
            )
        return place == len(facts) - 1  # the latest: what the tables now say

    def _move_fact(self, original: TimelineEntry, moment: datetime) -> None:
        """A corrected time of the latest change of something moves it in the tables."""
        data, when = original.data, to_iso(moment)
        if original.event == "role.assign":
            self.db.execute(
                "UPDATE roles SET assigned_at = ? WHERE incident_id = ? AND role = ?"
                " AND person = ?",
                (when, original.incident_id, data.get("role"), data.get("person")),
            )
        elif original.event in ("checklist.tick", "checklist.untick"):
            self.db.execute(
                "UPDATE checklist SET at = ? WHERE incident_id = ? AND item_id = ?",
                (when, original.incident_id, data.get("item")),
            )

    def assign(
        self, incident_id: int, role: str, person: str, at: datetime | None = None
    ) -> RoleHolder:
        """Give a role (a single-holder role: hand it off); at: when, if earlier."""
        role = self.policy.match_role(role)
        person = clean_name(person, "person's name")
        single = role != self.policy.multi_role
        with self._write():
            # The holder is asked for with the incident's check: one round trip.
            holder = None
            if single:
                holder = self._issue(
                    "SELECT person FROM roles WHERE incident_id = ? AND role = ?",
                    (incident_id, role),
                )
            if at is None:
                self._require(incident_id, is_open=True)
                moment = self.clock()
            else:
                incident = self.get_incident(incident_id)
                self._require_open(incident)
                moment = self._fact_moment(
                    incident, at, "role.assign", {"role": role, "person": person}, "the hand-off"
                )
            previous = None
            if holder is not None:
                row = holder.one()
                previous = row[0] if row else None
                self.db.execute(
                    "DELETE FROM roles WHERE incident_id = ? AND role = ?", (incident_id, role)
                )
            now = to_iso(moment)
            self.db.execute(
                "INSERT INTO roles (incident_id, role, person, assigned_by,"
                " assigned_at, previous) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (incident_id, role, person) DO UPDATE SET"
                " assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at,"
                " previous = excluded.previous",
                (incident_id, role, person, self.identity, now, previous),
            )
            self._remember_person(person)
            if previous and previous != person:
                text = f"{role} handed off from {previous} to {person}"
            else:
                text = f"{person} is {role}"
            self._system(
                incident_id,
                text,
                "role.assign",
                role=role,
                person=person,
                previous=previous,
                single=single,
                occurred_at=moment if at is not None else None,
            )
        return RoleHolder(role, person, self.identity, from_iso(now), previous)

    def unassign(
        self, incident_id: int, role: str, person: str | None = None, at: datetime | None = None
    ) -> None:
        role = self.policy.match_role(role)
        with self._write():
            incident = self.get_incident(incident_id)
            self._require_open(incident)
            holders = [
                r[0]
                for r in self.db.execute(
                    "SELECT person FROM roles WHERE incident_id = ? AND role = ?",
                    (incident_id, role),
                )
            ]
            if person is not None:
                person = clean_name(person, "person's name")
                if person not in holders:
                    raise UsageError(f"{person} does not hold {role} on incident {incident_id}")
                holders = [person]
            if not holders:
                raise UsageError(f"nobody holds {role} on incident {incident_id}")
            for name in holders:
                moment = self._fact_moment(
                    incident, at, "role.unassign", {"role": role, "person": name}, "the unassign"
                )
                self.db.execute(
                    "DELETE FROM roles WHERE incident_id = ? AND role = ? AND person = ?",
                    (incident_id, role, name),
                )
                self._system(
                    incident_id,
                    f"{name} is no longer {role}",
                    "role.unassign",
                    role=role,
                    person=name,
                    occurred_at=moment if at is not None else None,
                )

    def set_check(
        self, incident_id: int, item_id: str, ticked: bool, at: datetime | None = None
    ) -> CheckState:
        item = self.policy.checklist_item(item_id)
        if item is None:
            ids = ", ".join(i.id for i in self.policy.checklist)
            raise UsageError(f"unknown checklist item {item_id!r}; items are: {ids}")
        event = "checklist.tick" if ticked else "checklist.untick"
        with self._write():
            if at is None:  # nothing to check the moment against: checked at the server
                self._require(incident_id)
                moment = self.clock()
            else:
                incident = self.get_incident(incident_id)
                moment = self._fact_moment(
                    incident, at, event, {"item": item.id}, "the tick" if ticked else "the untick"
                )
            now = to_iso(moment)
            self.db.execute(
                'INSERT INTO checklist (incident_id, item_id, ticked, "by", at)'
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (incident_id, item_id) DO UPDATE SET"
                ' ticked = excluded.ticked, "by" = excluded."by", at = excluded.at',
                (incident_id, item.id, int(ticked), self.identity, now),
            )
            verb = "Ticked" if ticked else "Unticked"
            self._system(
                incident_id,
                f"{verb} {item.group}: {item.text}",
                event,
                item=item.id,
                occurred_at=moment if at is not None else None,
            )
        return CheckState(item.id, ticked, self.identity, from_iso(now))

    def record_milestone(
        self, incident_id: int, clock: str, at: datetime | None = None
    ) -> Incident:
        """Record acknowledge / triage / remediate / retro / impact-start / impact-end
        (a clock's milestone stops that clock). Refused if already recorded:
        set_milestone moves one."""
        clock = self._milestone_name(clock)
        if getattr(self.get_incident(incident_id), MILESTONE_FIELDS[clock]) is not None:
            raise UsageError(
                f"{clock} is already recorded for incident {incident_id}; to change its "
                f"time: warroom milestone {incident_id} {clock} --move --at TIME"
            )
        return self.set_milestone(incident_id, clock, at or self.clock(), new=True)

    @staticmethod
    def _milestone_name(clock: str) -> str:
        if clock not in MILESTONES:
            raise UsageError(f"unknown milestone {clock!r}; choose one of: {', '.join(MILESTONES)}")
        return clock

    def set_milestone(
        self, incident_id: int, clock: str, at: datetime | None, new: bool = False
    ) -> Incident:
        """Record a milestone at a time, move it (its earlier entry is marked as
        superseded, and stays), or withdraw it (at None)."""
        clock = self._milestone_name(clock)
        field = MILESTONE_FIELDS[clock]
        moment = None if at is None else self._checked(at, clock)
        with self._write():
            incident = self.get_incident(incident_id)
            current = getattr(incident, field)
            if new and current is not None:
                raise UsageError(f"{clock} is already recorded for incident {incident_id}")
            if clock == "close":
                if incident.is_open:
                    raise UsageError(
                        f"incident {incident_id} is open: close it with"
                        f" `warroom close {incident_id} -r TEXT --at TIME`"
                    )
                if moment is None:
                    raise UsageError("a close is not withdrawn: reopen the incident instead")
            if clock == "reported" and moment is None:
                raise UsageError(
                    "the reported time is moved, never withdrawn: every clock starts there"
                )
            if current is None and moment is None:
                raise UsageError(f"{clock} is not recorded for incident {incident_id}")
            if moment is not None:
                self._check_order(incident, clock, moment)
            previous = self._milestone_entry(incident_id, clock)
            self.db.execute(
                f"UPDATE incidents SET {field} = ? WHERE id = ?",
                (to_iso(moment) if moment else None, incident_id),
            )
            if moment is None:
                text, event = f"Milestone: {clock} withdrawn", "milestone.withdraw"
            elif current is None:
                text, event = f"Milestone: {clock} recorded", "milestone"
            else:
                text = f"Milestone: {clock} moved from {fmt_time(current, True)}"
                event = "milestone.move"
            carried: dict[str, Any] = {}
            author = None
            if previous is not None and event == "milestone.move":
                # A move corrects the time: who recorded it and when stay said.
                author, carried = self._carried(self.entry(previous))
            self._system(
                incident_id, text, event, clock=clock, at=to_iso(moment) if moment else None,
                occurred_at=moment, supersedes=previous, actor=author, **carried,
            )  # fmt: skip
        return self.get_incident(incident_id)

    def _check_order(self, incident: Incident, clock: str, moment: datetime) -> None:
        if clock == "close":  # the response's milestones all happen before the close
            for name in BEFORE_CLOSE:
                earlier = getattr(incident, MILESTONE_FIELDS[name])
                if earlier is not None and moment < earlier:
                    raise UsageError(f"the close cannot come before {name} ({fmt_time(earlier)})")
        elif clock in BEFORE_CLOSE and incident.closed_at and moment > incident.closed_at:
            raise UsageError(
                f"{clock} cannot come after the close ({fmt_time(incident.closed_at)})"
            )
        if clock == "reported":
            for name, field in MILESTONE_FIELDS.items():
                later = getattr(incident, field)
                if name not in ("reported", "impact-start") and later and later < moment:
                    raise UsageError(f"the report cannot come after {name} ({fmt_time(later)})")
            return
        if clock == "impact-start":
            ended = incident.impact_ended_at
            if ended is not None and moment > ended:
                raise UsageError("impact cannot start after it ended")
            return
        if moment < incident.reported_at:
            if clock == "impact-end":
                if incident.impact_started_at is None or moment < incident.impact_started_at:
                    raise UsageError("impact cannot end before it started")
                return
            raise UsageError(f"{clock} cannot be before the reported time")

    def _milestone_entry(self, incident_id: int, clock: str) -> int | None:
        """The standing timeline entry for a milestone: what a move supersedes."""
        for entry in reversed(self.timeline(incident_id)):
            if entry.event in MILESTONE_EVENTS and entry.data.get("clock") == clock:
                return entry.id if entry.event != "milestone.withdraw" else None
        return None

    def set_priority(self, incident_id: int, priority: str, at: datetime | None = None) -> Incident:
        priority = self.policy.match_priority(priority)
        return self._set_field(incident_id, "priority", priority, "Priority", at)

    def set_stage(self, incident_id: int, stage: str, at: datetime | None = None) -> Incident:
        stage = self.policy.match_stage(stage)
        return self._set_field(incident_id, "stage", stage, "Stage", at)

    def set_category(self, incident_id: int, category: str) -> Incident:
        category = self.policy.match_category(category)
        return self._set_field(incident_id, "category", category, "Category")

    def _set_field(
        self, incident_id: int, field: str, value: str, label: str, at: datetime | None = None
    ) -> Incident:
        with self._write():
            incident = self.get_incident(incident_id)
            old = getattr(incident, field)
            if old == value:
                return incident
            moment = None
            if at is not None and field in ("stage", "priority"):
                moment = self._fact_moment(
                    incident, at, f"{field}.change", {}, f"the {label.lower()} change"
                )
            elif at is not None:
                raise UsageError(f"a {label.lower()} change is not dated")
            self.db.execute(f"UPDATE incidents SET {field} = ? WHERE id = ?", (value, incident_id))
            self._system(
                incident_id, f"{label} changed from {old} to {value}", f"{field}.change",
                old=old, new=value, occurred_at=moment,
            )  # fmt: skip
            if field in ("priority", "category"):  # in the change's own transaction
                self._attach_runbooks(incident_id, self._last_entry_id(incident_id))
            elif field == "stage":  # a repeating task stops at its stage
                self._stop_repeats(incident_id, value, self._last_entry_id(incident_id))
        return self.get_incident(incident_id)

    def save_draft(self, incident_id: int, text: str, base_version: int) -> Draft:
        """Save the communicator's draft, merged with anything saved since base_version.

        Every version is kept in the draft history. When someone else saved
        since base_version, both edits are merged against the base (merge3);
        when they clash, or the merge would pass the limit, this text is saved
        and theirs stays in the history, a timeline entry tells everyone, and
        DraftConflict tells this writer. The draft never grows past MAX_DRAFT."""
        check_length(text, MAX_DRAFT, "draft update")
        conflict = None
        with self._write():
            self.get_incident(incident_id)
            current = self.draft(incident_id)
            now = self._now()
            note = ""
            if current.version != base_version and current.text != text:
                base = self._draft_version_text(incident_id, base_version)
                merged = None if base is None else merge3(base, text, current.text)
                if merged is not None and len(merged) <= MAX_DRAFT:
                    text = merged
                    note = f"merged with v{current.version} by {current.updated_by}"
                else:
                    note = f"kept aside v{current.version} by {current.updated_by}"
                    conflict = current
                    self._system(
                        incident_id,
                        f"Draft update: {self.identity}'s edit and {current.updated_by}'s "
                        f"clashed; v{current.version} by {current.updated_by} is kept "
                        f"in the draft history",
                        "draft.conflict",
                        kept=current.version,
                    )
            version = current.version + 1
            self.db.execute(
                "INSERT INTO drafts (incident_id, text, version, updated_by, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (incident_id) DO UPDATE SET"
                " text = excluded.text, version = excluded.version,"
                " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                (incident_id, text, version, self.identity, now),
            )
            self.db.execute(
                "INSERT INTO draft_versions"
                " (incident_id, version, text, saved_by, saved_at, note) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (incident_id, version) DO UPDATE SET text = excluded.text,"
                " saved_by = excluded.saved_by, saved_at = excluded.saved_at,"
                " note = excluded.note",
                (incident_id, version, text, self.identity, now, note),
            )
            self._touch(incident_id)
        saved = self.draft(incident_id)
        if conflict is not None:
            raise DraftConflict(
                f"{conflict.updated_by} changed the same words of the draft while you were "
                f"editing; yours is saved, theirs (v{conflict.version}) is kept in the "
                f"draft history",
                saved.version,
                saved.text,
            )
        return replace(saved, note=note)

    def _draft_version_text(self, incident_id: int, version: int) -> str | None:
        if version == 0:
            return ""
        row = self.db.execute(
            "SELECT text FROM draft_versions WHERE incident_id = ? AND version = ?",
            (incident_id, version),
        ).fetchone()
        return None if row is None else row[0]

    def draft_history(self, incident_id: int) -> list[DraftVersion]:
        """Every saved version of the draft, oldest first."""
        self.get_incident(incident_id)
        rows = self.db.execute(
            "SELECT version, text, saved_by, saved_at, note FROM draft_versions"
            " WHERE incident_id = ? ORDER BY version",
            (incident_id,),
        ).fetchall()
        return [DraftVersion(r[0], r[1], r[2] or "", from_iso(r[3]), r[4] or "") for r in rows]

    def publish_update(
        self,
        incident_id: int,
        text: str,
        at: datetime | None = None,
        status: str | None = None,
        components: dict[str, str] | None = None,
    ) -> TimelineEntry:
        """Publish a stakeholder update: public on the timeline, resets the cadence.
        at: when it went out, for an update sent before it was written down here.
        status and components: what the status page says with it (the public
        status, and the state of each component it names)."""
        if not text.strip():
            raise UsageError("the update is empty")
        check_length(text, MAX_DRAFT, "update")
        shown = public_states(self.policy, status, components)
        moment = self._checked(at, "the update's time") if at is not None else None
        with self._write():
            incident = self.get_incident(incident_id)
            now = to_iso(moment) if moment is not None else self._now()
            if moment is not None and moment < incident.reported_at:
                raise UsageError("an update cannot go out before the reported time")
            if incident.drill and not text.lstrip().upper().startswith(DRILL_MARK):
                # Whoever reads a drill's update, wherever it is pasted, must see it is one.
                text = f"{DRILL_MARK} {text}"
            entry_id = self._add(
                incident_id, UPDATE, text, public=True,
                data={"event": "update.publish", **shown}, occurred_at=from_iso(now),
            )  # fmt: skip
            self._recount_last_update(incident_id)
            if incident.acknowledged_at is None:
                # Telling stakeholders is itself an acknowledgement.
                self.db.execute(
                    "UPDATE incidents SET acknowledged_at = ? WHERE id = ?", (now, incident_id)
                )
                self._system(
                    incident_id, "Milestone: acknowledge recorded", "milestone",
                    clock="acknowledge", at=now, occurred_at=from_iso(now),
                )  # fmt: skip
        return self._appended(entry_id)

    def record_event(self, incident_id: int, text: str, event: str, **data: Any) -> TimelineEntry:
        """A system entry for something that happened outside the store (a hook's outcome)."""
        check_length(text, MAX_SHORT, "event text")
        with self._write():
            self.get_incident(incident_id)
            entry_id = self._system(incident_id, text, event, **data)
        return self._appended(entry_id)

    def close_incident(
        self, incident_id: int, resolution: str, at: datetime | None = None
    ) -> Incident:
        """Close, at a time if it closed earlier (remediate, if not recorded, with it)."""
        resolution = resolution.strip()
        if not resolution:
            raise UsageError("a short resolution summary is needed to close")
        check_length(resolution, MAX_SHORT, "resolution")
        moment = self._checked(at, "close") if at is not None else self.clock()
        with self._write():
            incident = self.get_incident(incident_id)
            self._require_open(incident)
            self._check_order(incident, "close", moment)
            when = to_iso(moment)
            if incident.remediated_at is None:
                self.db.execute(
                    "UPDATE incidents SET remediated_at = ? WHERE id = ?", (when, incident_id)
                )
                self._system(
                    incident_id, "Milestone: remediate recorded", "milestone",
                    clock="remediate", at=when, occurred_at=moment,
                )  # fmt: skip
            self.db.execute(
                "UPDATE incidents SET status = ?, closed_at = ?, resolution = ?, stage = ?"
                " WHERE id = ?",
                (CLOSED, when, resolution, self.policy.stages[-1], incident_id),
            )
            # What the status page says from now on: resolved, its components operational.
            self._system(incident_id, f"Incident closed: {resolution}", "incident.close",
                         resolution=resolution, clock="close", at=when,
                         occurred_at=moment, **self._resolved_states(incident_id))  # fmt: skip
        return self.get_incident(incident_id)

    def _resolved_states(self, incident_id: int) -> dict[str, Any]:
        """The public status a close publishes: resolved, and every component
        an update of the incident named back to operational."""
        named: dict[str, str] = {}
        for (raw,) in self.db.execute(
            "SELECT data FROM timeline WHERE incident_id = ? AND kind = ? ORDER BY id",
            (incident_id, UPDATE),
        ).fetchall():
            named.update(json.loads(raw).get("components", {}) if raw else {})
        return {"status": "resolved", "components": dict.fromkeys(named, "operational")}

    def reopen_incident(self, incident_id: int, reason: str = "") -> Incident:
        with self._write():
            incident = self.get_incident(incident_id)
            if incident.is_open:
                raise UsageError(f"incident {incident_id} is already open")
            self.db.execute(
                "UPDATE incidents SET status = ?, closed_at = NULL WHERE id = ?",
                (OPEN, incident_id),
            )
            text = "Incident reopened" + (f": {reason.strip()}" if reason.strip() else "")
            self._system(incident_id, text, "incident.reopen", reason=reason.strip())
        return self.get_incident(incident_id)

    def bundle(self, incident_id: int) -> Bundle:
        """The whole incident, read in one snapshot."""
        with self._snapshot():
            board = self.board(incident_id)
            timeline = tuple(self.timeline(incident_id))
            retro = self.retro(incident_id)
            tasks = tuple(self.tasks(incident_id))
        return Bundle(board, timeline, retro, tasks)

    # -------------------------------------------------------------- the retro
    def retro(self, incident_id: int) -> Retro:
        incident = self.get_incident(incident_id)
        whys = tuple(
            Why(r[0], r[1] or "", r[2] or "", r[3] or "", from_iso(r[4]))
            for r in self.db.execute(
                "SELECT position, question, answer, updated_by, updated_at FROM whys"
                " WHERE incident_id = ? ORDER BY position",
                (incident_id,),
            )
        )
        return Retro(whys, incident.root_cause, tuple(self.action_items(incident_id)))

    def save_why(
        self,
        incident_id: int,
        position: int,
        question: str,
        answer: str,
        base: tuple[str, str] | None = None,
    ) -> Why:
        """Save one level of the five whys (positions from 1; saved as typed).

        base is the (question, answer) the editor started from: an edit saved
        by someone else since is merged (merge3), or, where both changed the
        same words, kept aside in a timeline entry. Without a base (the CLI
        sets a why whole), text it replaces is kept in a timeline entry."""
        if position < 1 or position > 20:
            raise UsageError("a why's position runs from 1 to 20")
        check_length(question, MAX_SHORT, "question")
        check_length(answer, MAX_SHORT, "answer")
        with self._write():
            self.get_incident(incident_id)
            now = self._now()
            row = self.db.execute(
                "SELECT question, answer FROM whys WHERE incident_id = ? AND position = ?",
                (incident_id, position),
            ).fetchone()
            current = (row[0] or "", row[1] or "") if row else ("", "")
            what = f"Why {position}"
            question, asked = self._merge_edit(
                incident_id, f"{what} (question)", base and base[0], question, current[0],
                MAX_SHORT,
            )  # fmt: skip
            answer, answered = self._merge_edit(
                incident_id, f"{what} (answer)", base and base[1], answer, current[1], MAX_SHORT
            )
            self.db.execute(
                "INSERT INTO whys (incident_id, position, question, answer,"
                " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (incident_id, position) DO UPDATE SET question = excluded.question,"
                " answer = excluded.answer, updated_by = excluded.updated_by,"
                " updated_at = excluded.updated_at",
                (incident_id, position, question, answer, self.identity, now),
            )
            self._touch(incident_id)
        note = max(asked, answered, key=_EDIT_NOTES.index)
        return Why(position, question, answer, self.identity, from_iso(now), note)

    def set_root_cause(self, incident_id: int, text: str, base: str | None = None) -> RetroText:
        """Save the root-cause summary; base as for save_why."""
        check_length(text, MAX_DRAFT, "root cause")
        with self._write():
            current = self.get_incident(incident_id).root_cause
            text, note = self._merge_edit(incident_id, "Root cause", base, text, current, MAX_DRAFT)
            self.db.execute("UPDATE incidents SET root_cause = ? WHERE id = ?", (text, incident_id))
            self._touch(incident_id)
        return RetroText(text, note)

    def set_public_title(self, incident_id: int, title: str) -> Incident:
        """The title stakeholders see; "" takes it away (public outputs then say
        there is none: they never fall back to the internal title)."""
        title = clean_title(title) if title.strip() else ""
        with self._write():
            incident = self.get_incident(incident_id)
            if incident.public_title == title:
                return incident
            self.db.execute(
                "UPDATE incidents SET public_title = ? WHERE id = ?", (title, incident_id)
            )
            text = f"Public title set: {title}" if title else "Public title removed"
            self._system(
                incident_id, text, "public_title.change", old=incident.public_title, new=title
            )
        return self.get_incident(incident_id)

    def set_root_cause_public(self, incident_id: int, public: bool) -> Incident:
        """Whether public outputs carry the retro's root cause (they do not by default)."""
        with self._write():
            incident = self.get_incident(incident_id)
            if incident.root_cause_public == public:
                return incident
            self.db.execute(
                "UPDATE incidents SET root_cause_public = ? WHERE id = ?",
                (int(public), incident_id),
            )
            text = "Root cause made public" if public else "Root cause made private"
            self._system(incident_id, text, "root_cause.public", public=public)
        return self.get_incident(incident_id)

    def _merge_edit(
        self, incident_id: int, what: str, base: str | None, text: str, current: str, limit: int
    ) -> tuple[str, str]:
        """What to store when `text` replaces `current`, edited from `base`, and
        a note: "" (nothing else changed it), "merged", or "kept aside" (the
        other edit, or the replaced text, is in a timeline entry: nothing is lost)."""
        if current in (text, base) or (base is None and not current.strip()):
            return text, ""
        if base is not None:
            merged = merge3(base, text, current)
            if merged is not None and len(merged) <= limit:
                return merged, "merged"
            said = f"{what}: {self.identity}'s edit and one made meanwhile clashed; that one read: "
        else:
            said = f"{what} replaced by {self.identity}; it read: "
        self._system(incident_id, said + current, "retro.kept_aside", field=what)
        return text, "kept aside"

    def _touch(self, incident_id: int) -> None:
        """Move the incident's revision: how pollers know this incident changed."""
        self.db.execute("UPDATE incidents SET revision = revision + 1 WHERE id = ?", (incident_id,))

    @staticmethod
    def _row_action(row: tuple) -> ActionItem:
        return ActionItem(
            id=row[0],
            incident_id=row[1],
            title=row[2],
            owner=row[3] or "",
            due=date.fromisoformat(row[4]) if row[4] else None,
            ticket=row[5] or "",
            status=row[6],
            created_by=row[7] or "",
            created_at=from_iso(row[8]),
            completed_at=from_iso(row[9]),
        )

    _ACTION_COLUMNS = (
        "id, incident_id, title, owner, due, ticket, status, created_by, created_at, completed_at"
    )

    def action_items(self, incident_id: int) -> list[ActionItem]:
        rows = self.db.execute(
            f"SELECT {self._ACTION_COLUMNS} FROM action_items WHERE incident_id = ? ORDER BY id",
            (incident_id,),
        )
        return [self._row_action(r) for r in rows]

    def action_item(self, action_id: int) -> ActionItem:
        row = self.db.execute(
            f"SELECT {self._ACTION_COLUMNS} FROM action_items WHERE id = ?", (action_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no action item with id {action_id}")
        return self._row_action(row)

    @staticmethod
    def _clean_action(title: str, owner: str, due: date | None, ticket: str) -> tuple:
        title = title.strip()
        if not title:
            raise UsageError("an action item needs a title")
        check_length(title, MAX_SHORT, "action item title")
        owner = clean_name(owner, "owner") if owner.strip() else ""
        check_length(ticket, 200, "ticket reference")
        return title, owner, due.isoformat() if due else None, ticket.strip()

    def add_action(
        self, incident_id: int, title: str, owner: str = "", due: date | None = None,
        ticket: str = "",
    ) -> ActionItem:  # fmt: skip
        title, owner, due_text, ticket = self._clean_action(title, owner, due, ticket)
        with self._write():
            self.get_incident(incident_id)
            now = self._now()
            cursor = self.db.execute(
                "INSERT INTO action_items (incident_id, title, owner, due, ticket, status,"
                " created_by, created_at, updated_by, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (incident_id, title, owner, due_text, ticket, ACTION_OPEN, self.identity, now,
                 self.identity, now),
            )  # fmt: skip
            action_id = cursor.fetchone()[0]
            if owner:
                self._remember_person(owner)
            self._system(incident_id, f"Action item added: {title}", "action.add", action=action_id)
        return self.action_item(action_id)

    def update_action(
        self, action_id: int, title: str, owner: str = "", due: date | None = None,
        ticket: str = "",
    ) -> ActionItem:  # fmt: skip
        title, owner, due_text, ticket = self._clean_action(title, owner, due, ticket)
        with self._write():
            item = self.action_item(action_id)
            self.db.execute(
                "UPDATE action_items SET title = ?, owner = ?, due = ?, ticket = ?,"
                " updated_by = ?, updated_at = ? WHERE id = ?",
                (title, owner, due_text, ticket, self.identity, self._now(), action_id),
            )
            if owner:
                self._remember_person(owner)
            self._touch(item.incident_id)
        return self.action_item(action_id)

    def set_action_done(self, action_id: int, done: bool = True) -> ActionItem:
        with self._write():
            item = self.action_item(action_id)
            if item.done == done:
                return item
            now = self._now()
            self.db.execute(
                "UPDATE action_items SET status = ?, completed_at = ?, updated_by = ?,"
                " updated_at = ? WHERE id = ?",
                (ACTION_DONE if done else ACTION_OPEN, now if done else None, self.identity,
                 now, action_id),
            )  # fmt: skip
            verb = "completed" if done else "reopened"
            self._system(
                item.incident_id, f"Action item {verb}: {item.title}",
                "action.done" if done else "action.reopen", action=action_id,
            )  # fmt: skip
        return self.action_item(action_id)

    # ---------------------------------------------------------------- drills
    def make_real(self, incident_id: int, reason: str = "") -> Incident:
        """A drill that turned out to be a real incident: from now on it counts."""
        check_length(reason, MAX_SHORT, "reason")
        with self._write():
            incident = self.get_incident(incident_id)
            if not incident.drill:
                raise UsageError(f"incident {incident_id} is not a drill")
            self.db.execute("UPDATE incidents SET drill = 0 WHERE id = ?", (incident_id,))
            text = "Drill turned into a real incident" + (f": {reason}" if reason else "")
            self._system(incident_id, text, "incident.real", reason=reason)
        return self.get_incident(incident_id)

    def overdue_actions(self, today: date) -> dict[int, int]:
        """incident id -> open action items whose due date has passed."""
        return dict(
            self.db.execute(
                "SELECT incident_id, count(*) FROM action_items WHERE status = ? AND due < ?"
                " GROUP BY incident_id",
                (ACTION_OPEN, today.isoformat()),
            ).fetchall()
        )

    # ---------------------------------------------------------------- report
    def report_rows(self) -> list[ReportRow]:
        """Every incident with its published update times and action items, in
        three reads of one snapshot (the report over all incidents)."""
        from warroom.core.report import ActionFacts, ReportRow  # only the report pays for it

        with self._snapshot():
            incidents = [
                self._row_incident(r) for r in self._rows("SELECT * FROM incidents ORDER BY id")
            ]
            superseded = {
                r[0]
                for r in self.db.execute(
                    "SELECT supersedes FROM timeline WHERE supersedes IS NOT NULL"
                )
            }
            updates: dict[int, list[datetime]] = {}
            for entry_id, incident_id, occurred in self.db.execute(
                "SELECT id, incident_id, occurred_at FROM timeline WHERE kind = ?"
                " ORDER BY occurred_at, id",
                (UPDATE,),
            ):
                if entry_id not in superseded:
                    updates.setdefault(incident_id, []).append(from_iso(occurred))
            actions: dict[int, list[ActionFacts]] = {}
            for incident_id, owner, due, status in self.db.execute(
                "SELECT incident_id, owner, due, status FROM action_items ORDER BY id"
            ):
                actions.setdefault(incident_id, []).append(
                    ActionFacts(owner or "", date.fromisoformat(due) if due else None,
                                status == ACTION_DONE)
                )  # fmt: skip
            tasks = self._report_tasks()
        return [
            ReportRow(
                i,
                tuple(updates.get(i.id, ())),
                tuple(actions.get(i.id, ())),
                tuple(tasks.get(i.id, ())),
            )  # fmt: skip
            for i in incidents
        ]

    def incidents_with_entries(
        self, kinds: tuple[str, ...]
    ) -> list[tuple[Incident, list[TimelineEntry]]]:
        """Every incident (by id) with its timeline entries of these kinds in
        recording order, as timeline() gives them: two reads of one snapshot
        however many incidents there are (what the status page is built from)."""
        marks = ", ".join("?" * len(kinds))
        with self._snapshot():
            incidents = [
                self._row_incident(r) for r in self._rows("SELECT * FROM incidents ORDER BY id")
            ]
            entries: dict[int, list[TimelineEntry]] = {}
            for row in self.db.execute(
                f"SELECT {self._ENTRY_COLUMNS} FROM timeline WHERE kind IN ({marks}) ORDER BY id",
                kinds,
            ):
                entries.setdefault(row[1], []).append(self._row_entry(row))
        return [(i, entries.get(i.id, [])) for i in incidents]

    # ---------------------------------------------------------------- intake
    # Alerts from monitoring (warroom/intake): each stored once per source,
    # fingerprint and start; grouped into a proposal a person accepts (an
    # incident is declared), declines (with a reason) or merges into an open
    # incident. Alerts never close an incident.
    _PROPOSAL_COLUMNS = (
        "p.id, p.source, p.group_key, p.status, p.title, p.labels, p.first_seen, p.last_seen,"
        " p.incident_id, p.decided_by, p.decided_at, p.reason"
    )
    _ALERT_COLUMNS = (
        "id, source, fingerprint, status, starts_at, last_started_at, ends_at, fires,"
        " proposal_id, labels, summary, url"
    )

    def ingest_alerts(self, alerts: list, refire_within: Any) -> Any:
        """Store what a sender reported, in one transaction: a new firing alert
        joins its group's proposal (made when there is none) or, once that was
        accepted, goes on the incident's timeline as evidence; a resolve
        follows the alert's own status; the same report again changes nothing;
        a resolve of an unknown alert is kept (a late fire of it is then a
        repeat) but proposes nothing; a fire within `refire_within` of the
        alert's resolve reopens that alert."""
        from warroom.core.model import FIRING, RESOLVED, Ingested

        stored = duplicates = 0
        touched: dict[int, None] = {}
        with self._write():
            now = self._now()
            for a in alerts:
                start = to_iso(a.starts_at)
                ends = to_iso(a.ends_at) if a.ends_at is not None else None
                if a.by_start:
                    row = self.db.execute(
                        "SELECT id, status, proposal_id, last_started_at FROM alerts"
                        " WHERE source = ? AND fingerprint = ?"
                        " AND (starts_at = ? OR last_started_at = ?)"
                        " ORDER BY id DESC LIMIT 1",
                        (a.source, a.fingerprint, start, start),
                    ).fetchone()
                else:  # the key alone: its latest alert (a new trigger after a resolve is new)
                    row = self.db.execute(
                        "SELECT id, status, proposal_id, last_started_at FROM alerts"
                        " WHERE source = ? AND fingerprint = ? ORDER BY id DESC LIMIT 1",
                        (a.source, a.fingerprint),
                    ).fetchone()
                    if row is not None:
                        if row[1] == RESOLVED and a.status == FIRING:
                            row = None
                        else:
                            row = (*row[:3], start)
                if row is not None:
                    alert_id, status, proposal_id, last_start = row
                    if last_start != start or status == RESOLVED or a.status == FIRING:
                        duplicates += 1  # a re-send, a retry, or an earlier firing's news
                        continue
                    self.db.execute(
                        "UPDATE alerts SET status = ?, ends_at = ?, last_seen = ? WHERE id = ?",
                        (RESOLVED, ends or now, now, alert_id),
                    )
                    stored += 1
                    if proposal_id is not None:
                        touched[proposal_id] = None
                        self._alert_evidence(proposal_id, alert_id, a, RESOLVED)
                    continue
                if a.status == RESOLVED:
                    self._insert_alert(a, None, now)  # kept so a late fire is a repeat
                    stored += 1
                    continue
                since = to_iso(a.starts_at - refire_within)
                again = self.db.execute(
                    "SELECT id, proposal_id FROM alerts WHERE source = ? AND fingerprint = ?"
                    " AND status = ? AND ends_at >= ? AND last_started_at < ?"
                    " ORDER BY last_started_at DESC LIMIT 1",
                    (a.source, a.fingerprint, RESOLVED, since, start),
                ).fetchone()
                if again is not None and again[1] is not None:
                    alert_id, proposal_id = again
                    self.db.execute(
                        "UPDATE alerts SET status = ?, last_started_at = ?, ends_at = NULL,"
                        " fires = fires + 1, last_seen = ? WHERE id = ?",
                        (FIRING, start, now, alert_id),
                    )
                    stored += 1
                    touched[proposal_id] = None
                    self._alert_evidence(proposal_id, alert_id, a, FIRING)
                    continue
                proposal_id, incident_id = self._group_proposal(a, now)
                alert_id = self._insert_alert(a, proposal_id, now)
                stored += 1
                touched[proposal_id] = None
                if incident_id is not None:  # accepted or merged: evidence at once
                    self._evidence(incident_id, alert_id, a.source, FIRING, a.summary,
                                   a.starts_at, None, a.url)  # fmt: skip
            for proposal_id in touched:
                self.db.execute(
                    "UPDATE proposals SET last_seen = ? WHERE id = ?", (now, proposal_id)
                )
        return Ingested(stored, duplicates, tuple(touched))

    def _insert_alert(self, a: Any, proposal_id: int | None, now: str) -> int:
        start = to_iso(a.starts_at)
        return self.db.execute(
            "INSERT INTO alerts (source, fingerprint, starts_at, last_started_at, status, ends_at,"
            " fires, proposal_id, labels, summary, url, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?) RETURNING id",
            (a.source, a.fingerprint, start, start, a.status,
             to_iso(a.ends_at) if a.ends_at is not None else None, proposal_id,
             json.dumps(a.labels, ensure_ascii=False, sort_keys=True), a.summary, a.url, now,
             now),
        ).fetchone()[0]  # fmt: skip

    def _group_proposal(self, a: Any, now: str) -> tuple[int, int | None]:
        """The proposal a new alert of this group joins: the group's newest
        while it waits for a decision, or while the incident it became is
        open (that incident's id comes with it); else a new one."""
        from warroom.core.model import ACCEPTED, MERGED, PROPOSED

        row = self.db.execute(
            "SELECT p.id, p.status, p.labels, i.status, p.incident_id FROM proposals p"
            " LEFT JOIN incidents i ON i.id = p.incident_id"
            " WHERE p.source = ? AND p.group_key = ? ORDER BY p.id DESC LIMIT 1",
            (a.source, a.group_key),
        ).fetchone()
        attached = row is not None and row[1] in (ACCEPTED, MERGED) and row[3] == OPEN
        if row is not None and (row[1] == PROPOSED or attached):
            labels = json.loads(row[2])
            common = {k: v for k, v in labels.items() if a.labels.get(k) == v}
            if common != labels:  # the labels all its alerts share
                self.db.execute(
                    "UPDATE proposals SET labels = ? WHERE id = ?",
                    (json.dumps(common, ensure_ascii=False, sort_keys=True), row[0]),
                )
            return row[0], row[4] if attached else None
        title = a.summary or a.labels.get("alertname") or a.group_key or "alert"
        return self.db.execute(
            "INSERT INTO proposals (source, group_key, status, title, labels, first_seen,"
            " last_seen, reason) VALUES (?, ?, ?, ?, ?, ?, ?, '') RETURNING id",
            (a.source, a.group_key, PROPOSED, _alert_title(title),
             json.dumps(a.labels, ensure_ascii=False, sort_keys=True), now, now),
        ).fetchone()[0], None  # fmt: skip

    def _alert_evidence(self, proposal_id: int, alert_id: int, a: Any, status: str) -> None:
        """An alert of an incident's proposal is an evidence entry on its timeline."""
        row = self.db.execute(
            "SELECT p.incident_id, i.status FROM proposals p"
            " JOIN incidents i ON i.id = p.incident_id WHERE p.id = ?",
            (proposal_id,),
        ).fetchone()
        if row is None or row[1] != OPEN:
            return
        self._evidence(row[0], alert_id, a.source, status, a.summary, a.starts_at, a.ends_at,
                       a.url)  # fmt: skip

    def _evidence(
        self, incident_id: int, alert_id: int, source: str, status: str, summary: str,
        starts_at: datetime, ends_at: datetime | None, url: str,
    ) -> None:  # fmt: skip
        now = self.clock()
        moment = ends_at if status == "resolved" and ends_at is not None else starts_at
        moment = min(moment, now)
        text = f"Alert {status} ({source}): {summary or 'no summary'}"
        if url:
            text += f"\n{url}"
        self._append(
            incident_id, "evidence", text[:MAX_NOTE], occurred_at=moment, actor=source,
            data={"event": "alert", "alert": alert_id, "status": status, "source": source},
        )  # fmt: skip

    def _row_proposal(self, row: tuple) -> Any:
        from warroom.core.model import Proposal

        return Proposal(
            id=row[0], source=row[1], group_key=row[2], status=row[3], title=row[4],
            labels=json.loads(row[5]), first_seen=from_iso(row[6]), last_seen=from_iso(row[7]),
            incident_id=row[8], decided_by=row[9] or "", decided_at=from_iso(row[10]),
            reason=row[11] or "", alerts=row[12] or 0, firing=row[13] or 0,
            started_at=from_iso(row[14]),
        )  # fmt: skip

    def proposals(self, status: str | None = "proposed", limit: int = 500) -> list:
        """Proposals (waiting for a decision by default), oldest first, each
        with its alert counts and earliest start."""
        where = "WHERE p.status = ?" if status else ""
        params: list[Any] = [status] if status else []
        rows = self.db.execute(
            f"SELECT {self._PROPOSAL_COLUMNS}, count(a.id),"
            " sum(CASE WHEN a.status = 'firing' THEN 1 ELSE 0 END), min(a.starts_at)"
            f" FROM proposals p LEFT JOIN alerts a ON a.proposal_id = p.id {where}"
            " GROUP BY p.id ORDER BY p.id LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [self._row_proposal(r) for r in rows]

    def proposal(self, proposal_id: int) -> Any:
        if not 0 < proposal_id < 2**63:
            raise NotFound(f"no proposal with id {proposal_id}")
        row = self.db.execute(
            f"SELECT {self._PROPOSAL_COLUMNS}, count(a.id),"
            " sum(CASE WHEN a.status = 'firing' THEN 1 ELSE 0 END), min(a.starts_at)"
            " FROM proposals p LEFT JOIN alerts a ON a.proposal_id = p.id WHERE p.id = ?"
            " GROUP BY p.id",
            (proposal_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"no proposal with id {proposal_id}")
        return self._row_proposal(row)

    def proposal_alerts(self, proposal_id: int) -> list:
        from warroom.core.model import AlertRecord

        rows = self.db.execute(
            f"SELECT {self._ALERT_COLUMNS} FROM alerts WHERE proposal_id = ? ORDER BY id",
            (proposal_id,),
        ).fetchall()
        return [
            AlertRecord(r[0], r[1], r[2], r[3], from_iso(r[4]), from_iso(r[5]), from_iso(r[6]),
                        r[7], r[8], json.loads(r[9]), r[10], r[11])
            for r in rows
        ]  # fmt: skip

    def _undecided(self, proposal_id: int) -> Any:
        from warroom.core.model import PROPOSED

        proposal = self.proposal(proposal_id)
        if proposal.status != PROPOSED:
            where = f" (incident {proposal.incident_id})" if proposal.incident_id else ""
            raise UsageError(f"proposal {proposal_id} was {proposal.status} already{where}")
        return proposal

    def _decide(self, proposal_id: int, status: str, incident_id: int | None, reason: str) -> None:
        self.db.execute(
            "UPDATE proposals SET status = ?, incident_id = ?, decided_by = ?, decided_at = ?,"
            " reason = ? WHERE id = ?",
            (status, incident_id, self.identity, self._now(), reason, proposal_id),
        )

    def _attach_alerts(self, proposal_id: int, incident_id: int) -> int:
        alerts = self.proposal_alerts(proposal_id)
        for a in alerts:
            self._evidence(incident_id, a.id, a.source, "firing", a.summary, a.last_started_at,
                           None, a.url)  # fmt: skip
            if a.status == "resolved":
                self._evidence(incident_id, a.id, a.source, "resolved", a.summary,
                               a.last_started_at, a.ends_at, a.url)  # fmt: skip
        return len(alerts)

    def accept_proposal(
        self, proposal_id: int, category: str | None, priority: str, title: str | None = None
    ) -> Incident:
        """Declare the incident a proposal stands for, in one transaction: the
        reported time is the earliest start of its alerts (the clocks run from
        when it really began), and every alert is evidence on its timeline."""
        from warroom.core.model import ACCEPTED

        category = self.policy.match_category(category) if category else self.policy.categories[0]
        priority = self.policy.match_priority(priority)
        stage = self.policy.start_stage
        with self._write():
            proposal = self._undecided(proposal_id)
            now = self.clock()
            title = clean_title(title or proposal.title)
            reported = min(proposal.started_at or now, now)
            reported = self._checked(reported, "the alerts' start")
            incident_id = self.db.execute(
                "INSERT INTO incidents (title, category, priority, stage, status, reported_at,"
                " declared_at, declared_by, resolution, revision)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 0) RETURNING id",
                (title, category, priority, stage, OPEN, to_iso(reported), to_iso(now),
                 self.identity),
            ).fetchone()[0]  # fmt: skip
            self._system(
                incident_id,
                f"Incident declared: {title} ({priority}, {category}) from {proposal.alerts}"
                f" alert{'s' * (proposal.alerts != 1)} of {proposal.source}",
                "incident.declare", priority=priority, category=category,
                reported_at=to_iso(reported), drill=False, proposal=proposal_id,
            )  # fmt: skip
            self._attach_alerts(proposal_id, incident_id)
            self._decide(proposal_id, ACCEPTED, incident_id, "")
        return self.get_incident(incident_id)

    def decline_proposal(self, proposal_id: int, reason: str) -> Any:
        """Decline with a reason: the proposal stays (out of the report's
        figures but in its noise figure)."""
        from warroom.core.model import DECLINED

        reason = reason.strip()
        if not reason:
            raise UsageError("say why the proposal is declined (a reason)")
        check_length(reason, MAX_SHORT, "reason")
        with self._write():
            self._undecided(proposal_id)
            self._decide(proposal_id, DECLINED, None, reason)
        return self.proposal(proposal_id)

    def merge_proposal(self, proposal_id: int, incident_id: int) -> Incident:
        """Merge a proposal into an open incident: its alerts become evidence there."""
        from warroom.core.model import MERGED

        with self._write():
            proposal = self._undecided(proposal_id)
            incident = self.get_incident(incident_id)
            self._require_open(incident)
            count = self._attach_alerts(proposal_id, incident_id)
            self._system(
                incident_id,
                f"Alerts merged in: {proposal.title} ({count} alert{'s' * (count != 1)}"
                f" of {proposal.source})",
                "intake.merge", proposal=proposal_id,
            )  # fmt: skip
            self._decide(proposal_id, MERGED, incident_id, "")
        return self.get_incident(incident_id)

    def intake_counts(self) -> tuple[dict[int, int], list[datetime]]:
        """For the report's noise figure: incident id -> alerts attached to it,
        and when each declined proposal was first seen."""
        with self._snapshot():
            per_incident = dict(
                self.db.execute(
                    "SELECT p.incident_id, count(a.id) FROM proposals p"
                    " JOIN alerts a ON a.proposal_id = p.id WHERE p.incident_id IS NOT NULL"
                    " GROUP BY p.incident_id"
                ).fetchall()
            )
            declined = [
                from_iso(r[0])
                for r in self.db.execute(
                    "SELECT first_seen FROM proposals WHERE status = 'declined' ORDER BY id"
                )
            ]
        return per_incident, declined

    # ------------------------------------------------------------------ tasks
    # The steps of the runbooks attached to an incident, and tasks added by
    # hand. Every change writes its timeline entry in the same transaction.
    _TASK_COLUMNS = (
        "id, incident_id, runbook, task_key, occurrence, title, description, command, role,"
        " assignee, due_at, every_seconds, until_stage, after_key, status, note, changed_by,"
        " changed_at, created_by, created_at"
    )

    def _row_task(self, row: tuple, holders: dict[str, str]) -> Task:
        assignee = row[9] or ""
        role = row[8] or ""
        return Task(
            id=row[0], incident_id=row[1], runbook=row[2] or "", key=row[3] or "",
            occurrence=row[4] or 1, title=row[5], description=row[6] or "",
            command=row[7] or "", role=role, assignee=assignee,
            owner=assignee or holders.get(role, ""), due_at=from_iso(row[10]),
            every=timedelta(seconds=row[11]) if row[11] else None, until=row[12] or "",
            after=row[13] or "", status=row[14], note=row[15] or "", changed_by=row[16] or "",
            changed_at=from_iso(row[17]), created_by=row[18] or "",
            created_at=from_iso(row[19]),
        )  # fmt: skip

    def _role_holders(self, incident_id: int) -> dict[str, str]:
        """role -> who holds it (the first responder for the many-holder role)."""
        holders: dict[str, str] = {}
        for role, person in self.db.execute(
            "SELECT role, person FROM roles WHERE incident_id = ? ORDER BY assigned_at, person",
            (incident_id,),
        ):
            holders.setdefault(role, person)
        return holders

    def tasks(self, incident_id: int) -> list[Task]:
        """The incident's tasks in the order they were added, each with its owner now."""
        with self._snapshot():
            holders = self._role_holders(incident_id)
            rows = self.db.execute(
                f"SELECT {self._TASK_COLUMNS} FROM tasks WHERE incident_id = ? ORDER BY id",
                (incident_id,),
            ).fetchall()
        return [self._row_task(r, holders) for r in rows]

    def task(self, task_id: int) -> Task:
        if not 0 < task_id < 2**63:
            raise NotFound(f"no task with id {task_id}")
        row = self.db.execute(
            f"SELECT {self._TASK_COLUMNS} FROM tasks WHERE id = ?", (task_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no task with id {task_id}")
        return self._row_task(row, self._role_holders(row[1]))

    def attach_runbooks(self, incident_id: int) -> list[Task]:
        """Attach the policy's matching runbooks (see usecases.plan_runbooks):
        declare and every change of priority or category do it in their own
        transaction; this does it alone (an incident declared before runbooks)."""
        with self._write():
            self._attach_runbooks(incident_id)
        return self.tasks(incident_id)

    def _attach_runbooks(self, incident_id: int, entry_id: int | None = None) -> None:
        """Inside a write: add, skip and bring back tasks as the plan says.
        What it did is said in the data of the entry that caused it (the
        declare's, the priority or category change's: `runbooks` attached,
        `tasks_skipped` as no longer applying, `tasks_back` applying again),
        not in entries of its own: one change, one entry. Without an entry
        (attach_runbooks), one "Runbooks attached" entry says it."""
        from warroom.core.runbooks import plan_runbooks

        if not self.policy.runbooks:
            return  # a policy without runbooks leaves tasks as they are (and reads none)
        incident = self.get_incident(incident_id)
        plan = plan_runbooks(self.policy, incident, self.tasks(incident_id))
        if not (plan.add or plan.skip or plan.reopen):
            return
        now = self._now()
        added: dict[str, list[str]] = {}
        for book, step in plan.add:
            due = to_iso(incident.reported_at + step.due)
            self.db.execute(
                "INSERT INTO tasks (incident_id, runbook, task_key, occurrence, title,"
                " description, command, role, assignee, due_at, every_seconds, until_stage,"
                " after_key, status, note, created_by, created_at)"
                " VALUES (?, ?, ?, 1, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, '', ?, ?)",
                (incident_id, book.id, step.id, step.title, step.description, step.command,
                 step.role, due, int(step.every.total_seconds()) if step.every else None,
                 step.until, step.after, TASK_OPEN, self.identity, now),
            )  # fmt: skip
            added.setdefault(book.title, []).append(step.title)
        for task in plan.skip:
            self.db.execute(
                "UPDATE tasks SET status = ?, note = ?, changed_by = ?, changed_at = ?"
                " WHERE id = ?",
                (TASK_SKIPPED, NO_LONGER_APPLIES, self.identity, now, task.id),
            )
        for task in plan.reopen:
            self.db.execute(
                "UPDATE tasks SET status = ?, note = '', changed_by = NULL, changed_at = NULL"
                " WHERE id = ?",
                (TASK_OPEN, task.id),
            )
        said: dict[str, Any] = {"runbooks": added} if added else {}
        if plan.skip:
            said["tasks_skipped"] = [{"task": t.id, "title": t.title} for t in plan.skip]
        if plan.reopen:
            said["tasks_back"] = [{"task": t.id, "title": t.title} for t in plan.reopen]
        if entry_id is None:
            titles = ", ".join(added) or "none new"
            self._system(incident_id, f"Runbooks attached: {titles}", "task.attach", **said)
            return
        entry = self.entry(entry_id)
        self.db.execute(
            "UPDATE timeline SET data = ? WHERE id = ?",
            (json.dumps({**entry.data, **said}, ensure_ascii=False), entry_id),
        )

    def add_task(
        self, incident_id: int, title: str, *, role: str = "", assignee: str = "",
        due_at: datetime | None = None, description: str = "",
    ) -> Task:  # fmt: skip
        """A task added by hand: owned by a person, or by whoever holds a role."""
        title = clean_title(title)
        check_length(description, MAX_SHORT, "task description")
        role = self.policy.match_role(role) if role.strip() else ""
        assignee = clean_name(assignee, "person's name") if assignee.strip() else ""
        with self._write():
            incident = self.get_incident(incident_id)
            self._require_open(incident)
            now = self._now()
            task_id = self.db.execute(
                "INSERT INTO tasks (incident_id, runbook, task_key, occurrence, title,"
                " description, command, role, assignee, due_at, status, note, created_by,"
                " created_at) VALUES (?, '', '', 1, ?, ?, '', ?, ?, ?, ?, '', ?, ?) RETURNING id",
                (incident_id, title, description.strip(), role, assignee,
                 to_iso(due_at) if due_at else None, TASK_OPEN, self.identity, now),
            ).fetchone()[0]  # fmt: skip
            if assignee:
                self._remember_person(assignee)
            who = assignee or role
            self._system(
                incident_id, f"Task added: {title}" + (f" ({who})" if who else ""), "task.add",
                task=task_id, assignee=assignee, role=role,
            )  # fmt: skip
        return self.task(task_id)

    def set_task_status(self, task_id: int, status: str, note: str = "") -> Task:
        """open, in progress, done or skipped (a skip needs its reason). A
        repeating task done comes back as its next round, unless the incident
        reached the stage where it stops."""
        if status not in TASK_STATES:
            raise UsageError(f"unknown task state {status!r}; choose one of: "
                             f"{', '.join(TASK_STATES)}")  # fmt: skip
        note = note.strip()
        check_length(note, MAX_SHORT, "task note")
        if status == TASK_SKIPPED and not note:
            raise UsageError("say why the task is skipped (a reason)")
        with self._write():
            task = self.task(task_id)
            incident = self.get_incident(task.incident_id)
            self._require_open(incident)
            if task.status == status and note == task.note:
                return task
            now = self._now()
            self.db.execute(
                "UPDATE tasks SET status = ?, note = ?, changed_by = ?, changed_at = ?"
                " WHERE id = ?",
                (status, note, self.identity, now, task_id),
            )
            verb = {TASK_OPEN: "reopened", TASK_STARTED: "started", TASK_DONE: "done",
                    TASK_SKIPPED: "skipped"}[status]  # fmt: skip
            event = {TASK_OPEN: "task.reopen", TASK_STARTED: "task.start", TASK_DONE: "task.done",
                     TASK_SKIPPED: "task.skip"}[status]  # fmt: skip
            self._system(
                task.incident_id,
                f"Task {verb}: {task.title}" + (f" ({note})" if note else ""),
                event, task=task_id, note=note,
            )  # fmt: skip
            if status == TASK_DONE and task.every is not None and task.due_at is not None:
                self._next_round(task, incident)
        return self.task(task_id)

    def _next_round(self, task: Task, incident: Incident) -> None:
        stages = self.policy.stages
        stopped = task.until in stages and incident.stage in stages
        if stopped and stages.index(incident.stage) >= stages.index(task.until):
            return  # the repeating task stops at its stage
        assert task.every is not None and task.due_at is not None
        due = max(task.due_at, self.clock()) + task.every
        self.db.execute(
            "INSERT INTO tasks (incident_id, runbook, task_key, occurrence, title, description,"
            " command, role, assignee, due_at, every_seconds, until_stage, after_key, status,"
            " note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " '', ?, ?)",
            (task.incident_id, task.runbook, task.key, task.occurrence + 1, task.title,
             task.description, task.command, task.role, task.assignee, to_iso(due),
             int(task.every.total_seconds()), task.until, task.after, TASK_OPEN,
             self.identity, self._now()),
        )  # fmt: skip

    def assign_task(self, task_id: int, person: str) -> Task:
        """Give the task to a person (taking it: your own name); "" gives it
        back to whoever holds its role."""
        person = clean_name(person, "person's name") if person.strip() else ""
        with self._write():
            task = self.task(task_id)
            self._require_open(self.get_incident(task.incident_id))
            if task.assignee == person:
                return task
            now = self._now()
            self.db.execute(
                "UPDATE tasks SET assignee = ?, changed_by = ?, changed_at = ? WHERE id = ?",
                (person, self.identity, now, task_id),
            )
            if person:
                self._remember_person(person)
                text = f"Task {task.title} given to {person}"
            else:
                text = f"Task {task.title} back to the {task.role or 'nobody'}"
            self._system(
                task.incident_id, text, "task.assign", task=task_id, person=person,
                previous=task.assignee,
            )  # fmt: skip
        return self.task(task_id)

    def _report_tasks(self) -> dict[int, list]:
        """incident id -> what the report reads of each runbook task (adherence)."""
        from warroom.core.report import TaskFacts

        tasks: dict[int, list] = {}
        for incident_id, runbook, status, due, changed, note in self.db.execute(
            "SELECT incident_id, runbook, status, due_at, changed_at, note FROM tasks"
            " WHERE runbook <> '' ORDER BY id"
        ):
            on_time = None
            if status == TASK_DONE and due and changed:
                on_time = from_iso(changed) <= from_iso(due)
            skipped_away = status == TASK_SKIPPED and note == NO_LONGER_APPLIES
            tasks.setdefault(incident_id, []).append(
                TaskFacts(runbook, status, on_time, skipped_away)
            )
        return tasks

    def _stop_repeats(self, incident_id: int, stage: str, entry_id: int) -> None:
        """Inside a stage change: the open, untouched later rounds of a
        repeating task whose `until` stage is reached are skipped (the change's
        entry lists them in `tasks_stopped`)."""
        stages = self.policy.stages
        if stage not in stages:
            return
        stopped = [
            t for t in self.tasks(incident_id)
            if t.every is not None and t.until in stages and t.occurrence > 1
            and t.status == TASK_OPEN and not t.changed_by
            and stages.index(stage) >= stages.index(t.until)
        ]  # fmt: skip
        if not stopped:
            return
        now = self._now()
        for task in stopped:
            self.db.execute(
                "UPDATE tasks SET status = ?, note = ?, changed_by = ?, changed_at = ?"
                " WHERE id = ?",
                (TASK_SKIPPED, f"until {task.until}", self.identity, now, task.id),
            )
        entry = self.entry(entry_id)
        data = {**entry.data, "tasks_stopped": [{"task": t.id, "title": t.title} for t in stopped]}
        self.db.execute(
            "UPDATE timeline SET data = ? WHERE id = ?",
            (json.dumps(data, ensure_ascii=False), entry_id),
        )


def _alert_title(text: str) -> str:
    """A proposal's title from what a sender wrote: one line, cut to a title's length."""
    line = " ".join(text.split())[:MAX_TITLE]
    try:
        return clean_title(line)
    except UsageError:
        return "alert"
