"""Alerts from monitoring (warroom/intake) and the incidents they propose."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from warroom.core.errors import (
    REFUSAL,
    NotFound,
    UsageError,
)
from warroom.core.model import (
    OPEN,
    Incident,
    from_iso,
    to_iso,
)
from warroom.core.record import replace
from warroom.core.text import (
    MAX_NOTE,
    MAX_SHORT,
    MAX_TITLE,
    check_length,
    clean_title,
)
from warroom.store.base import StoreBase, on_what_was_read
from warroom.store.schema import select_list


class IntakeStore(StoreBase):
    """Alerts and proposals."""

    # Alerts from monitoring (warroom/intake): each stored once per source,
    # fingerprint and start; grouped into a proposal a person accepts (an
    # incident is declared), declines (with a reason) or merges into an open
    # incident. Alerts never close an incident.
    _PROPOSAL_COLUMNS = select_list("proposals", "p")  # in _row_proposal's order
    _ALERT_COLUMNS = select_list("alerts")  # in proposal_alerts' order

    def ingest_alerts(self, alerts: list[Any], refire_within: Any) -> Any:
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
                    self._evidence(
                        incident_id, alert_id, a.source, FIRING, a.summary, a.starts_at, None, a.url
                    )
            for proposal_id in touched:
                self.db.execute(
                    "UPDATE proposals SET last_seen = ? WHERE id = ?", (now, proposal_id)
                )
        return Ingested(stored, duplicates, tuple(touched))

    def _insert_alert(self, a: Any, proposal_id: int | None, now: str) -> int:
        start = to_iso(a.starts_at)
        row = self.db.execute(
            "INSERT INTO alerts (source, fingerprint, starts_at, last_started_at, status, ends_at,"
            " fires, proposal_id, labels, summary, url, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                a.source,
                a.fingerprint,
                start,
                start,
                a.status,
                to_iso(a.ends_at) if a.ends_at is not None else None,
                proposal_id,
                json.dumps(a.labels, ensure_ascii=False, sort_keys=True),
                a.summary,
                a.url,
                now,
                now,
            ),
        ).fetchone()
        return int(row[0])

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
            (
                a.source,
                a.group_key,
                PROPOSED,
                _alert_title(title),
                json.dumps(a.labels, ensure_ascii=False, sort_keys=True),
                now,
                now,
            ),
        ).fetchone()[0], None

    def _alert_evidence(self, proposal_id: int, alert_id: int, a: Any, status: str) -> None:
        """An alert of an incident's proposal is an evidence entry on its timeline."""
        row = self.db.execute(
            "SELECT p.incident_id, i.status FROM proposals p"
            " JOIN incidents i ON i.id = p.incident_id WHERE p.id = ?",
            (proposal_id,),
        ).fetchone()
        if row is None or row[1] != OPEN:
            return
        self._evidence(row[0], alert_id, a.source, status, a.summary, a.starts_at, a.ends_at, a.url)

    def _evidence(
        self,
        incident_id: int,
        alert_id: int,
        source: str,
        status: str,
        summary: str,
        starts_at: datetime,
        ends_at: datetime | None,
        url: str,
    ) -> None:
        now = self.clock()
        moment = ends_at if status == "resolved" and ends_at is not None else starts_at
        moment = min(moment, now)
        text = f"Alert {status} ({source}): {summary or 'no summary'}"
        if url:
            text += f"\n{url}"
        self._add(
            incident_id,
            "evidence",
            text[:MAX_NOTE],
            occurred_at=moment,
            actor=source,
            data={"event": "alert", "alert": alert_id, "status": status, "source": source},
        )

    def _row_proposal(self, row: tuple[Any, ...]) -> Any:
        from warroom.core.model import Proposal

        return Proposal(
            id=row[0],
            source=row[1],
            group_key=row[2],
            status=row[3],
            title=row[4],
            labels=json.loads(row[5]),
            first_seen=from_iso(row[6]),
            last_seen=from_iso(row[7]),
            incident_id=row[8],
            decided_by=row[9] or "",
            decided_at=from_iso(row[10]),
            reason=row[11] or "",
            alerts=row[12] or 0,
            firing=row[13] or 0,
            started_at=from_iso(row[14]),
        )

    def proposals(self, status: str | None = "proposed", limit: int = 500) -> list[Any]:
        """Proposals (waiting for a decision by default), oldest first, each
        with its alert counts and earliest start."""
        return self.send_proposals(status, limit)()

    def send_proposals(
        self, status: str | None = "proposed", limit: int = 500
    ) -> Callable[[], list[Any]]:
        """proposals in two steps (see StoreBase.read_together)."""
        where = "WHERE p.status = ?" if status else ""
        params: list[Any] = [status] if status else []
        rows = self._issue(
            f"SELECT {self._PROPOSAL_COLUMNS}, count(a.id),"
            " sum(CASE WHEN a.status = 'firing' THEN 1 ELSE 0 END), min(a.starts_at)"
            f" FROM proposals p LEFT JOIN alerts a ON a.proposal_id = p.id {where}"
            " GROUP BY p.id ORDER BY p.id LIMIT ?",
            [*params, limit],
        )
        if not (self._pipelined and status == "proposed"):
            return lambda: [self._row_proposal(r) for r in rows.rows()]
        # On a server the waiting ones' alerts come along: a decision goes on
        # them as read (see _undecided), in its one round trip.
        alerts = self._issue(
            f"SELECT {self._ALERT_COLUMNS} FROM alerts WHERE proposal_id IN"
            " (SELECT p.id FROM proposals p WHERE p.status = ? ORDER BY p.id LIMIT ?)"
            " ORDER BY id",
            (status, limit),
        )

        def read() -> list[Any]:
            found = [self._row_proposal(r) for r in rows.rows()]
            of: dict[int, list[Any]] = {p.id: [] for p in found}
            for row in alerts.rows():
                alert = self._row_alert(row)
                if alert.proposal_id in of:
                    of[alert.proposal_id].append(alert)
            self._proposals_read = {p.id: (p, of[p.id]) for p in found}
            return found

        return read

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

    def proposal_alerts(self, proposal_id: int) -> list[Any]:
        return self._send_alerts(proposal_id)()

    def _send_alerts(self, proposal_id: int) -> Callable[[], list[Any]]:
        """A proposal's alerts: the statement sent now, the rows when asked."""
        rows = self._issue(
            f"SELECT {self._ALERT_COLUMNS} FROM alerts WHERE proposal_id = ? ORDER BY id",
            (proposal_id,),
        )
        return lambda: [self._row_alert(r) for r in rows.rows()]

    @staticmethod
    def _row_alert(r: tuple[Any, ...]) -> Any:
        from warroom.core.model import AlertRecord

        return AlertRecord(
            r[0], r[1], r[2], r[5], from_iso(r[3]), from_iso(r[4]), from_iso(r[6]), r[7], r[8],
            json.loads(r[9]), r[10], r[11],
        )  # fmt: skip

    def _undecided(self, proposal_id: int) -> tuple[Any, list[Any]]:
        """Inside a write: a proposal still waiting for a decision, and its
        alerts (read together: one round trip on a server)."""
        from warroom.core.model import PROPOSED

        known = None if self._fresh_reads else self._proposals_read.get(proposal_id)
        if known is not None:
            # As the list read it, with its alerts: a guard in the write's
            # pipeline says it is still waiting and no alert came, went or
            # fired again since (their count, those firing, their fires, the
            # proposal's last news); else the write runs again on a fresh read.
            proposal, listed = known
            firing = sum(1 for a in listed if a.status == "firing")
            self._send_guard(
                ("proposal", proposal_id),
                "SELECT CAST(CASE WHEN count(*) = 0 THEN ? ELSE '0' END AS BIGINT) FROM proposals p"
                " WHERE p.id = ? AND p.status = ? AND p.last_seen = ? AND"
                " (SELECT count(*) FROM alerts a WHERE a.proposal_id = p.id) = ? AND"
                " (SELECT count(*) FROM alerts a WHERE a.proposal_id = p.id"
                " AND a.status = 'firing') = ? AND"
                " (SELECT coalesce(sum(a.fires), 0) FROM alerts a WHERE a.proposal_id = p.id) = ?",
                (
                    f"{REFUSAL}Stale:proposal {proposal_id} is not as it was read",
                    proposal_id,
                    PROPOSED,
                    to_iso(proposal.last_seen),
                    len(listed),
                    firing,
                    sum(a.fires for a in listed),
                ),
            )
            return proposal, list(listed)
        alerts = self._send_alerts(proposal_id)  # answered with the proposal's read
        proposal = self.proposal(proposal_id)
        if proposal.status != PROPOSED:
            where = f" (incident {proposal.incident_id})" if proposal.incident_id else ""
            raise UsageError(f"proposal {proposal_id} was {proposal.status} already{where}")
        return proposal, alerts()

    def _decide(
        self, proposal_id: int, status: str, incident_id: int | None, reason: str, now: str
    ) -> None:
        self.db.execute(
            "UPDATE proposals SET status = ?, incident_id = ?, decided_by = ?, decided_at = ?,"
            " reason = ? WHERE id = ?",
            (status, incident_id, self.identity, now, reason, proposal_id),
        )

    def _attach_alerts(self, incident_id: int, alerts: list[Any]) -> int:
        for a in alerts:
            self._evidence(
                incident_id, a.id, a.source, "firing", a.summary, a.last_started_at, None, a.url
            )
            if a.status == "resolved":
                self._evidence(
                    incident_id,
                    a.id,
                    a.source,
                    "resolved",
                    a.summary,
                    a.last_started_at,
                    a.ends_at,
                    a.url,
                )
        return len(alerts)

    @on_what_was_read
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
            proposal, alerts = self._undecided(proposal_id)
            now = self.clock()
            title = clean_title(title or proposal.title)
            reported = min(proposal.started_at or now, now)
            reported = self._checked(reported, "the alerts' start")
            inserted, stored = self._insert_incident(
                title, category, priority, stage, reported, now
            )
            incident_id = inserted.id  # on a server filled in there (see _insert_incident)
            self._system(
                incident_id,
                f"Incident declared: {title} ({priority}, {category}) from {proposal.alerts}"
                f" alert{'s' * (proposal.alerts != 1)} of {proposal.source}",
                "incident.declare",
                priority=priority,
                category=category,
                reported_at=to_iso(reported),
                drill=False,
                proposal=proposal_id,
            )
            self._attach_alerts(incident_id, alerts)
            self._decide(proposal_id, ACCEPTED, incident_id, "", self._now())
        return self._incident_after(stored().id, inserted=True)

    @on_what_was_read
    def decline_proposal(self, proposal_id: int, reason: str) -> Any:
        """Decline with a reason: the proposal stays (out of the report's
        figures but in its noise figure)."""
        from warroom.core.model import DECLINED

        reason = reason.strip()
        if not reason:
            raise UsageError("say why the proposal is declined (a reason)")
        check_length(reason, MAX_SHORT, "reason")
        with self._write():
            proposal, _ = self._undecided(proposal_id)
            now = self._now()
            self._decide(proposal_id, DECLINED, None, reason, now)
        return replace(
            proposal,
            status=DECLINED,
            decided_by=self.identity,
            decided_at=from_iso(now),
            reason=reason,
        )

    @on_what_was_read
    def merge_proposal(self, proposal_id: int, incident_id: int) -> Incident:
        """Merge a proposal into an open incident: its alerts become evidence there."""
        from warroom.core.model import MERGED

        with self._write():
            proposal, alerts = self._undecided(proposal_id)
            incident = self._known_incident(incident_id)  # as last read, guarded
            if incident is None:
                self._require(incident_id, is_open=True)  # at the server, with the write
            else:
                self._require_open(incident)
            count = self._attach_alerts(incident_id, alerts)
            self._system(
                incident_id,
                f"Alerts merged in: {proposal.title} ({count} alert{'s' * (count != 1)}"
                f" of {proposal.source})",
                "intake.merge",
                proposal=proposal_id,
            )
            self._decide(proposal_id, MERGED, incident_id, "", self._now())
        return self._incident_after(incident_id)

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


def _alert_title(text: str) -> str:
    """A proposal's title from what a sender wrote: one line, cut to a title's length."""
    line = " ".join(text.split())[:MAX_TITLE]
    try:
        return clean_title(line)
    except UsageError:
        return "alert"
