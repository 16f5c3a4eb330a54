"""The timeline: reading it (in recording order, or a page at a time in
the order things happened), notes and changes, corrections, and facts
dated in the past."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from warroom.core.errors import (
    NotFound,
    UsageError,
)
from warroom.core.model import (
    IMPACTS,
    MILESTONE_EVENTS,
    NOTE_KINDS,
    SYSTEM,
    UPDATE,
    Incident,
    TimelineEntry,
    TimelinePage,
    to_iso,
)
from warroom.core.ordering import (
    check_fact_move,
    check_new_fact,
    fact_key,
    page_of,
    shown_states,
    standing_facts,
)
from warroom.core.policy import MILESTONES
from warroom.core.text import (
    MAX_DRAFT,
    MAX_NOTE,
    MAX_SHORT,
    check_length,
)
from warroom.store.base import StoreBase, on_what_was_read


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


class TimelineStore(StoreBase):
    """Timeline entries and corrections."""

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
            rows, more = page_of(page.rows(), limit, forward)
            latest = newest.rows()[0][0]
            shown = [self._row_entry(r) for r in rows]
            self._remember_entries(shown)  # what a correction may go on
            return TimelinePage(shown, more, latest or 0, dict(fixes.rows()))
        with self._snapshot():
            read = self.db.execute(sql, [*params, limit + 1]).fetchall()
            rows, more = page_of(read, limit, forward)
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
        entry = self._row_entry(row)
        self._remember_entries([entry])
        return entry

    @on_what_was_read
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
                original = self._entry_as_read(supersedes)
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
                incident_id,
                kind,
                text,
                supersedes=supersedes,
                occurred_at=occurred_at,
                data=data,
                actor=actor,
            )
        return self._appended(entry_id)

    def _change_data(self, incident_id: int) -> dict[str, Any]:
        """Who applied a change, and whether that was the change owner: one
        designated responder applies changes; anyone else's is allowed, marked."""
        role = self.policy.change_role
        owner = None
        if role is not None:
            board = self._board_as_read(incident_id)  # as last read (guarded), else asked
            if board is not None:
                owner = board.holder(role)
            else:
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

    @on_what_was_read
    def set_change_impact(self, entry_id: int, impact: str, note: str = "") -> TimelineEntry:
        """What a change did, recorded afterwards (the latest word counts). On
        a server, on the change as this connection read it (guarded)."""
        impact = _match_impact(impact)
        check_length(note, MAX_SHORT, "impact note")
        with self._write():
            change = self._entry_as_read(entry_id)
            if change.kind != "change":
                # 'evidence' takes no article; 'a system entry' says what it is.
                said = {"evidence": "evidence", "system": "a system entry"}.get(change.kind)
                said = said or f"{'an' if change.kind[:1] in 'aeiou' else 'a'} {change.kind}"
                raise UsageError(f"entry {entry_id} is {said}, not a change")
            text = f"Impact of change {entry_id}: {impact}" + (
                f" ({note.strip()})" if note.strip() else ""
            )
            new_id = self._system(
                change.incident_id,
                text,
                "change.impact",
                change=entry_id,
                impact=impact,
                note=note.strip(),
            )
        return self._appended(new_id)

    @on_what_was_read
    def correct(
        self, entry_id: int, text: str | None = None, at: datetime | None = None
    ) -> TimelineEntry:
        """A correction of an entry's text, its time or both: a new entry that
        supersedes the old, which stays. Correcting a milestone's entry moves
        the milestone (and so the clock it stops). On a server, a correction of
        an entry this connection read goes on it (guarded in its pipeline: one
        round trip)."""
        original = self._entry_as_read(entry_id, guard=False)
        if text is None and at is None:
            raise UsageError("say what to correct: new text, a new time (--at), or both")
        if original.event in MILESTONE_EVENTS and original.data.get("clock") in MILESTONES:
            if text is not None:
                raise UsageError(
                    "a milestone entry's text is warroom's own; correct its time with --at"
                )
            return self._appended(self._milestone(original.incident_id, original.data["clock"], at))
        if at is not None:
            at = self._checked(at, "the corrected time")
        occurred = at or original.occurred_at
        new_text = original.text if text is None else text
        if original.kind == SYSTEM:
            if text is not None:
                raise UsageError("a system entry's text is warroom's own; correct its time")
            with self._write():
                self._entry_as_read(entry_id)  # its guard, when it goes on what was read
                moves = self._check_fact_move(original, at) if at is not None else None
                author, carried = self._carried(original)
                new_id = self._add(
                    original.incident_id,
                    SYSTEM,
                    new_text,
                    supersedes=entry_id,
                    occurred_at=occurred,
                    actor=author,
                    data={**original.data, "corrected": True, **carried},
                )
                if moves:
                    self._move_fact(original, occurred)
            return self._appended(new_id)
        if original.kind == UPDATE:
            # A correction of a published update is itself public.
            if not new_text.strip():
                raise UsageError("the correction is empty")
            check_length(new_text, MAX_DRAFT, "update")
            with self._write():
                self._entry_as_read(entry_id)  # its guard, when it goes on what was read
                author, carried = self._carried(original)
                new_id = self._add(
                    original.incident_id,
                    UPDATE,
                    new_text,
                    public=True,
                    supersedes=entry_id,
                    occurred_at=occurred,
                    actor=author,
                    data={"event": "update.correct", **carried, **shown_states(original.data)},
                )
                self._recount_last_update(original.incident_id)
            return self._appended(new_id)
        return self.add_entry(
            original.incident_id,
            new_text,
            kind=original.kind,
            occurred_at=occurred,
            supersedes=entry_id,
        )

    def _recount_last_update(self, incident_id: int) -> None:
        """The update cadence counts from the latest update still standing."""
        # One statement, answered by nobody (no round trip of its own): the
        # times are stored at a fixed width in UTC, so the latest sorts last.
        self.db.execute(
            "UPDATE incidents SET last_update_at = (SELECT max(occurred_at) FROM timeline t"
            " WHERE incident_id = ? AND kind = ?"
            " AND NOT EXISTS (SELECT 1 FROM timeline c WHERE c.supersedes = t.id)) WHERE id = ?",
            (incident_id, UPDATE, incident_id),
        )

    # Role changes, ticks, stage and priority changes may be written down after
    # they happened (--at), and their time corrected. The tables follow: a
    # corrected time moves a role's "since" and an item's tick time. Each such
    # fact keeps its order: a change cannot be dated before the previous change
    # of the same thing, nor (corrected) after the next, nor before the report.
    def _fact_key(self, event: str, data: dict[str, Any]) -> tuple[Any, ...] | None:
        return fact_key(event, data, self.policy.multi_role)

    def _facts(
        self, timeline: list[TimelineEntry], key: tuple[Any, ...] | None
    ) -> list[tuple[int, TimelineEntry]]:
        """The standing entries of one fact, in the order they were first recorded."""
        return standing_facts(timeline, key, self.policy.multi_role)

    def _fact_moment(
        self,
        incident: Incident,
        at: datetime | None,
        event: str,
        data: dict[str, Any],
        what: str,
        timeline: Callable[[], list[TimelineEntry]] | None = None,
    ) -> datetime:
        """The time of a new fact: now, or `at` checked against the report and
        the last change of the same thing, on the timeline (_send_timeline:
        the caller may have sent it before waiting on anything else)."""
        if at is None:
            return self.clock()
        moment = self._checked(at, what)
        entries = (timeline or self._send_timeline(incident.id))()
        check_new_fact(
            incident.reported_at, self._facts(entries, self._fact_key(event, data)), moment, what
        )
        return moment

    def _check_fact_move(self, original: TimelineEntry, at: datetime) -> bool:
        """Refuse a corrected time out of order (ordering.check_fact_move); True
        if it is the latest change of a fact, whose table moves with it."""
        key = self._fact_key(original.event, original.data)
        if key is None:
            return False
        timeline = self._send_timeline(original.incident_id)  # answered with the incident
        incident = self._incident_as_read(original.incident_id)
        facts = self._facts(timeline(), key)
        return check_fact_move(incident.reported_at, facts, original.id, at)

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
