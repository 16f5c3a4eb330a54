"""What the report and the status page read: every incident at once, in
one snapshot."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import TYPE_CHECKING

from warroom.core.model import (
    ACTION_DONE,
    NO_LONGER_APPLIES,
    TASK_DONE,
    TASK_SKIPPED,
    UPDATE,
    Incident,
    TimelineEntry,
    from_iso,
)
from warroom.store.base import StoreBase

if TYPE_CHECKING:
    from warroom.core.report import ActionFacts, ReportRow, TaskFacts


class ReportStore(StoreBase):
    """Reads over every incident."""

    def report_rows(self) -> list[ReportRow]:
        """Every incident with its published update times, action items and
        runbook tasks, in five reads of one snapshot (the report over all
        incidents)."""
        from warroom.core.report import ReportRow  # only the report pays for it

        with self._snapshot():
            incidents = [
                self._incident_at(r)
                for r in self.db.execute(
                    f"SELECT {self._INCIDENT_COLUMNS} FROM incidents ORDER BY id"
                )
            ]
            superseded = {
                r[0]
                for r in self.db.execute(
                    "SELECT supersedes FROM timeline WHERE supersedes IS NOT NULL"
                )
            }
            # Per incident (defaultdict: thousands of rows, one list each incident).
            updates: defaultdict[int, list[datetime]] = defaultdict(list)
            for entry_id, incident_id, occurred in self.db.execute(
                "SELECT id, incident_id, occurred_at FROM timeline WHERE kind = ?"
                " ORDER BY occurred_at, id",
                (UPDATE,),
            ):
                if entry_id not in superseded:
                    updates[incident_id].append(from_iso(occurred))
            actions: defaultdict[int, list[ActionFacts]] = defaultdict(list)
            for incident_id, owner, due, status in self.db.execute(
                "SELECT incident_id, owner, due, status FROM action_items ORDER BY id"
            ):
                actions[incident_id].append(
                    (owner or "", date.fromisoformat(due) if due else None, status == ACTION_DONE)
                )
            tasks = self._report_tasks()
        return [
            ReportRow(
                i,
                tuple(updates.get(i.id, ())),
                tuple(actions.get(i.id, ())),
                tuple(tasks.get(i.id, ())),
            )
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
                self._incident_at(r)
                for r in self.db.execute(
                    f"SELECT {self._INCIDENT_COLUMNS} FROM incidents ORDER BY id"
                )
            ]
            entries: dict[int, list[TimelineEntry]] = {}
            for row in self.db.execute(
                f"SELECT {self._ENTRY_COLUMNS} FROM timeline WHERE kind IN ({marks}) ORDER BY id",
                kinds,
            ):
                entries.setdefault(row[1], []).append(self._row_entry(row))
        return [(i, entries.get(i.id, [])) for i in incidents]

    def _report_tasks(self) -> dict[int, list[TaskFacts]]:
        """incident id -> what the report reads of each runbook task (adherence)."""
        tasks: defaultdict[int, list[TaskFacts]] = defaultdict(list)
        for incident_id, runbook, status, due, changed, note in self.db.execute(
            "SELECT incident_id, runbook, status, due_at, changed_at, note FROM tasks"
            " WHERE runbook <> '' ORDER BY id"
        ):
            # Done by its due time: both written by the store (to_iso: UTC,
            # fixed width), so the strings sort as the times do.
            on_time = changed <= due if status == TASK_DONE and due and changed else None
            skipped_away = status == TASK_SKIPPED and note == NO_LONGER_APPLIES
            tasks[incident_id].append((runbook, status, on_time, skipped_away))
        return tasks
