"""Incidents: declaring, the board (incident, roles, checklist and draft in
one snapshot), milestones, priority, stage and category, close and reopen,
drills."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from warroom.core.errors import (
    NotFound,
    UsageError,
)
from warroom.core.model import (
    CLOSED,
    OPEN,
    UPDATE,
    Board,
    Bundle,
    CheckState,
    Incident,
    RoleHolder,
    TimelineEntry,
    from_iso,
    to_iso,
)
from warroom.core.ordering import check_milestone_order, standing_milestone
from warroom.core.policy import MILESTONE_FIELDS, MILESTONES
from warroom.core.record import replace
from warroom.core.text import (
    MAX_SHORT,
    check_length,
    clean_title,
)
from warroom.core.timefmt import fmt_time
from warroom.store.base import StoreBase, _Later, on_what_was_read

# A close's components, found at the server (PostgreSQL's JSON functions): the
# close entry is written with _NAMED_HERE in their place, replaced in the same
# pipeline by every component the incident's updates named, each operational,
# in the order they were first named (as _resolved_states).
_NAMED_HERE = "\x00components named by the updates"
_RESOLVED_COMPONENTS = (
    "UPDATE timeline SET data = replace(data, ?, (SELECT '{' || coalesce(string_agg("
    "to_json(k)::text || ': \"operational\"', ', ' ORDER BY id, n), '') || '}'"
    " FROM (SELECT DISTINCT ON (c.k) c.k, t.id, c.n FROM timeline t CROSS JOIN LATERAL"
    " json_object_keys(CASE WHEN json_typeof(t.data::json -> 'components') = 'object'"
    " THEN t.data::json -> 'components' ELSE '{}'::json END) WITH ORDINALITY AS c(k, n)"
    " WHERE t.incident_id = ? AND t.kind = ? ORDER BY c.k, t.id, c.n) AS named))"
    " WHERE id = (SELECT max(id) FROM timeline WHERE incident_id = ?)"
)


class IncidentStore(StoreBase):
    """Incidents and their milestones."""

    def get_incident(self, incident_id: int) -> Incident:
        if not 0 < incident_id < 2**63:
            raise NotFound(f"no incident with id {incident_id}")
        rows = self._rows("SELECT * FROM incidents WHERE id = ?", (incident_id,))
        if not rows:
            raise NotFound(f"no incident with id {incident_id}")
        incident = self._row_incident(rows[0])
        self._remember_read(incident)
        return incident

    def list_incidents(self, include_closed: bool = False) -> list[Incident]:
        return self.send_incidents(include_closed)()

    def send_incidents(self, include_closed: bool = False) -> Callable[[], list[Incident]]:
        """list_incidents in two steps (see StoreBase.read_together)."""
        where = "" if include_closed else "WHERE status = 'open'"
        rows = self._issue(f"SELECT * FROM incidents {where} ORDER BY id")
        return lambda: [self._row_incident(r) for r in rows.dicts()]

    def incident_revisions(self) -> dict[int, int]:
        """id -> revision for every incident: what a list view polls."""
        return dict(self.db.execute("SELECT id, revision FROM incidents").fetchall())

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
        board = Board(
            self._row_incident(rows[0]),
            tuple(
                RoleHolder(
                    r["role"],
                    r["person"],
                    r["assigned_by"],
                    from_iso(r["assigned_at"]),
                    r["previous"],
                )
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
        self._remember_read(board.incident, board)
        return board

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
            # The incident as inserted (on a server its id is filled in there:
            # no answer is waited for): its tasks are planned on it, and what
            # they did is said in the declare's own entry, with nothing read
            # back (one round trip on a server).
            inserted, stored = self._insert_incident(
                title, category, priority, stage, reported, now
            )
            incident_id = inserted.id
            if impact is not None:
                self.db.execute(
                    "UPDATE incidents SET impact_started_at = ? WHERE id = ?", (impact, incident_id)
                )
            if drill:  # the column defaults to a real incident
                self.db.execute("UPDATE incidents SET drill = 1 WHERE id = ?", (incident_id,))
            self._remember_person(self.identity)
            declared = replace(
                inserted, impact_started_at=from_iso(impact) if impact else None, drill=drill
            )
            planned = self._runbook_changes(incident_id, declared, tasks=[])
            what = "Drill" if drill else "Incident"
            self._system(
                incident_id,
                f"{what} declared: {title} ({priority}, {category})",
                "incident.declare",
                priority=priority,
                category=category,
                reported_at=to_iso(reported),
                drill=drill,
                **planned,
            )
            if impact is not None:
                self._system(
                    incident_id,
                    "Milestone: impact-start recorded",
                    "milestone",
                    clock="impact-start",
                    at=impact,
                    occurred_at=from_iso(impact),
                )
        return self._incident_after(stored().id, inserted=True)

    def record_milestone(
        self, incident_id: int, clock: str, at: datetime | None = None
    ) -> Incident:
        """Record acknowledge / triage / remediate / retro / impact-start / impact-end
        (a clock's milestone stops that clock). Refused if already recorded:
        set_milestone moves one."""
        clock = self._milestone_name(clock)
        return self.set_milestone(incident_id, clock, at or self.clock(), new=True)

    @staticmethod
    def _milestone_name(clock: str) -> str:
        if clock not in MILESTONES:
            raise UsageError(f"unknown milestone {clock!r}; choose one of: {', '.join(MILESTONES)}")
        return clock

    @on_what_was_read
    def set_milestone(
        self, incident_id: int, clock: str, at: datetime | None, new: bool = False
    ) -> Incident:
        """Record a milestone at a time, move it (its earlier entry is marked as
        superseded, and stays), or withdraw it (at None). A milestone recorded
        anew goes on the incident as last read (one round trip on a server)."""
        self._milestone(incident_id, clock, at, new)
        return self._incident_after(incident_id)

    def _milestone(
        self, incident_id: int, clock: str, at: datetime | None, new: bool = False
    ) -> _Later:
        """set_milestone's write: the entry that says it (its row read when asked)."""
        clock = self._milestone_name(clock)
        field = MILESTONE_FIELDS[clock]
        moment = None if at is None else self._checked(at, clock)
        with self._write():
            # A move or a withdrawal supersedes the milestone's standing entry:
            # the timeline is sent first, to come with the incident.
            timeline = None if new else self._send_timeline(incident_id)
            incident = self._incident_as_read(incident_id)
            current = getattr(incident, field)
            if new and current is not None:
                raise UsageError(
                    f"{clock} is already recorded for incident {incident_id}; to change its "
                    f"time: warroom milestone {incident_id} {clock} --move --at TIME"
                )
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
                check_milestone_order(incident, clock, moment)
            # A milestone not recorded has no entry standing (none, or the one
            # that withdrew it): nothing to read before recording it.
            entries = timeline() if timeline is not None and current is not None else []
            previous = standing_milestone(entries, clock)
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
                author, carried = self._carried(next(e for e in entries if e.id == previous))
            said = self._system(
                incident_id,
                text,
                event,
                clock=clock,
                at=to_iso(moment) if moment else None,
                occurred_at=moment,
                supersedes=previous,
                actor=author,
                **carried,
            )
        return said

    def set_priority(self, incident_id: int, priority: str, at: datetime | None = None) -> Incident:
        priority = self.policy.match_priority(priority)
        return self._set_field(incident_id, "priority", priority, "Priority", at)

    def set_stage(self, incident_id: int, stage: str, at: datetime | None = None) -> Incident:
        stage = self.policy.match_stage(stage)
        return self._set_field(incident_id, "stage", stage, "Stage", at)

    def set_category(self, incident_id: int, category: str) -> Incident:
        category = self.policy.match_category(category)
        return self._set_field(incident_id, "category", category, "Category")

    @on_what_was_read
    def _set_field(
        self, incident_id: int, field: str, value: str, label: str, at: datetime | None = None
    ) -> Incident:
        with self._write():
            dated = at is not None and field in ("stage", "priority")
            timeline = self._send_timeline(incident_id) if dated else None  # with the incident
            incident = self._incident_as_read(incident_id)
            old = getattr(incident, field)
            if old == value:
                return incident
            moment = None
            if dated:
                moment = self._fact_moment(
                    incident, at, f"{field}.change", {}, f"the {label.lower()} change", timeline
                )
            elif at is not None:
                raise UsageError(f"a {label.lower()} change is not dated")
            # The tasks follow in the change's own transaction, and its entry
            # says what they did.
            tasks: dict[str, Any] = {}
            if field in ("priority", "category"):
                changed = replace(incident, **{field: value})
                tasks = self._runbook_changes(incident_id, changed)
            elif field == "stage":  # a repeating task stops at its stage
                tasks = self._stop_repeats(incident_id, value)
            self.db.execute(f"UPDATE incidents SET {field} = ? WHERE id = ?", (value, incident_id))
            self._system(
                incident_id,
                f"{label} changed from {old} to {value}",
                f"{field}.change",
                old=old,
                new=value,
                occurred_at=moment,
                **tasks,
            )
        return self._incident_after(incident_id)

    def record_event(self, incident_id: int, text: str, event: str, **data: Any) -> TimelineEntry:
        """A system entry for something that happened outside the store (a hook's outcome)."""
        check_length(text, MAX_SHORT, "event text")
        with self._write():
            self._require(incident_id)  # at the server, in the write's round trip
            entry_id = self._system(incident_id, text, event, **data)
        return self._appended(entry_id)

    @on_what_was_read
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
            incident = self._incident_as_read(incident_id)
            self._require_open(incident)
            check_milestone_order(incident, "close", moment)
            when = to_iso(moment)
            if incident.remediated_at is None:
                self.db.execute(
                    "UPDATE incidents SET remediated_at = ? WHERE id = ?", (when, incident_id)
                )
                self._system(
                    incident_id,
                    "Milestone: remediate recorded",
                    "milestone",
                    clock="remediate",
                    at=when,
                    occurred_at=moment,
                )
            self.db.execute(
                "UPDATE incidents SET status = ?, closed_at = ?, resolution = ?, stage = ?"
                " WHERE id = ?",
                (CLOSED, when, resolution, self.policy.stages[-1], incident_id),
            )
            # What the status page says from now on: resolved, its components
            # operational. On a server the components are found there, in the
            # write's own round trip.
            states: dict[str, Any]
            if self._pipelined:
                states = {"status": "resolved", "components": _NAMED_HERE}
            else:
                states = self._resolved_states(incident_id)
            self._system(
                incident_id,
                f"Incident closed: {resolution}",
                "incident.close",
                resolution=resolution,
                clock="close",
                at=when,
                occurred_at=moment,
                **states,
            )
            if self._pipelined:
                self.db.execute(
                    _RESOLVED_COMPONENTS,
                    (json.dumps(_NAMED_HERE), incident_id, UPDATE, incident_id),
                )
        return self._incident_after(incident_id)

    def _resolved_states(self, incident_id: int) -> dict[str, Any]:
        """The public status a close publishes: resolved, and every component
        an update of the incident named back to operational (in the order the
        updates first named them; _RESOLVED_COMPONENTS is the same on a server)."""
        named: dict[str, str] = {}
        for (raw,) in self.db.execute(
            "SELECT data FROM timeline WHERE incident_id = ? AND kind = ? ORDER BY id",
            (incident_id, UPDATE),
        ).fetchall():
            named.update(json.loads(raw).get("components", {}) if raw else {})
        return {"status": "resolved", "components": dict.fromkeys(named, "operational")}

    @on_what_was_read
    def reopen_incident(self, incident_id: int, reason: str = "") -> Incident:
        with self._write():
            incident = self._incident_as_read(incident_id)
            if incident.is_open:
                raise UsageError(f"incident {incident_id} is already open")
            self.db.execute(
                "UPDATE incidents SET status = ?, closed_at = NULL WHERE id = ?",
                (OPEN, incident_id),
            )
            text = "Incident reopened" + (f": {reason.strip()}" if reason.strip() else "")
            self._system(incident_id, text, "incident.reopen", reason=reason.strip())
        return self._incident_after(incident_id)

    def bundle(self, incident_id: int) -> Bundle:
        """The whole incident, read in one snapshot."""
        with self._snapshot():
            board = self.board(incident_id)
            timeline = tuple(self.timeline(incident_id))
            retro = self.retro(incident_id)
            tasks = tuple(self.tasks(incident_id))
        return Bundle(board, timeline, retro, tasks)

    @on_what_was_read
    def make_real(self, incident_id: int, reason: str = "") -> Incident:
        """A drill that turned out to be a real incident: from now on it counts."""
        check_length(reason, MAX_SHORT, "reason")
        with self._write():
            incident = self._incident_as_read(incident_id)
            if not incident.drill:
                raise UsageError(f"incident {incident_id} is not a drill")
            self.db.execute("UPDATE incidents SET drill = 0 WHERE id = ?", (incident_id,))
            text = "Drill turned into a real incident" + (f": {reason}" if reason else "")
            self._system(incident_id, text, "incident.real", reason=reason)
        return self._incident_after(incident_id)
