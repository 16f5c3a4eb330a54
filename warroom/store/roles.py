"""Roles and the checklist: who holds what, hand-offs, ticks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from warroom.core.errors import (
    UsageError,
)
from warroom.core.model import (
    CheckState,
    RoleHolder,
    TimelineEntry,
    from_iso,
    to_iso,
)
from warroom.core.ordering import nocase_key
from warroom.core.text import (
    clean_name,
)
from warroom.store.base import StoreBase, on_what_was_read


class RoleStore(StoreBase):
    """Roles, the people seen and the checklist."""

    def holders_of(self, role: str) -> dict[int, str]:
        """incident id -> who holds `role` (a single-holder role), for list views."""
        return self.send_holders_of(role)()

    def send_holders_of(self, role: str) -> Callable[[], dict[int, str]]:
        """holders_of in two steps (see StoreBase.read_together)."""
        rows = self._issue("SELECT incident_id, person FROM roles WHERE role = ?", (role,))
        return lambda: {r[0]: r[1] for r in rows.rows()}

    def known_people(self) -> list[str]:
        """Everyone seen, in SQLite's NOCASE order (ASCII letters folded) on every engine."""
        return self.send_people()()

    def send_people(self) -> Callable[[], list[str]]:
        """known_people in two steps (see StoreBase.read_together)."""
        rows = self._issue("SELECT name FROM people")
        return lambda: sorted((r[0] for r in rows.rows()), key=nocase_key)

    def role_history(self, incident_id: int) -> list[TimelineEntry]:
        return [
            e for e in self.timeline(incident_id) if e.event in ("role.assign", "role.unassign")
        ]

    @on_what_was_read
    def assign(
        self, incident_id: int, role: str, person: str, at: datetime | None = None
    ) -> RoleHolder:
        """Give a role (a single-holder role: hand it off); at: when, if earlier."""
        role = self.policy.match_role(role)
        person = clean_name(person, "person's name")
        single = role != self.policy.multi_role
        with self._write():
            # The holder as the board was last read (a guard at the server says
            # it still is: one round trip), else asked for with the
            # incident's check (two).
            # Written for an earlier time (at), it is checked against the last
            # change of the role on the timeline, sent first so that it comes
            # with whatever the write waits for.
            timeline = self._send_timeline(incident_id) if at is not None else None
            board = self._board_as_read(incident_id)
            holder = None
            if single and board is None:
                holder = self._issue(
                    "SELECT person FROM roles WHERE incident_id = ? AND role = ?",
                    (incident_id, role),
                )
            if board is None and at is None:
                self._require(incident_id, is_open=True)
                moment = self.clock()
            else:
                incident = board.incident if board is not None else self.get_incident(incident_id)
                self._require_open(incident)
                moment = self._fact_moment(
                    incident,
                    at,
                    "role.assign",
                    {"role": role, "person": person},
                    "the hand-off",
                    timeline,
                )
            previous = None
            if single:
                if board is not None:
                    previous = board.holder(role)
                elif holder is not None:
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

    @on_what_was_read
    def unassign(
        self, incident_id: int, role: str, person: str | None = None, at: datetime | None = None
    ) -> None:
        role = self.policy.match_role(role)
        with self._write():
            timeline = self._send_timeline(incident_id) if at is not None else None
            board = self._board_as_read(incident_id)  # its holders, as last read (guarded)
            incident = board.incident if board is not None else self.get_incident(incident_id)
            self._require_open(incident)
            if board is not None:
                holders = [h.person for h in board.holders(role)]
            else:
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
                    incident,
                    at,
                    "role.unassign",
                    {"role": role, "person": name},
                    "the unassign",
                    timeline,
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

    @on_what_was_read
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
                timeline = self._send_timeline(incident_id)  # comes with the incident
                incident = self._incident_as_read(incident_id)
                what = "the tick" if ticked else "the untick"
                moment = self._fact_moment(incident, at, event, {"item": item.id}, what, timeline)
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
