"""Deciding when to alert: once per transition into 'due soon' or 'overdue'.

Pure bookkeeping over clock states, so the app can ask every second and
still ring the bell only when something actually changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from warroom.core.model import Incident, Task
from warroom.core.policy import Policy
from warroom.core.record import record
from warroom.core.sla import DUE_SOON, OVERDUE, clock_states, next_update

ALERTING = (DUE_SOON, OVERDUE)


@record
class Alert:
    incident_id: int
    title: str
    clock: str  # a clock name, or "update" for the stakeholder update
    state: str
    remaining_seconds: int


class AlertTracker:
    def __init__(self, policy: Policy):
        self.policy = policy
        self.seen: dict[tuple[int, str], str] = {}
        self.queued: list[Alert] = []  # task alerts found since the last check

    def check(self, incidents: list[Incident], now: datetime) -> list[Alert]:
        """New transitions since the last check. The first sight of a clock only
        sets the baseline: opening warroom does not replay old alarms."""
        alerts = []
        for incident in incidents:
            current = {
                c.name: (c.state, c.remaining)
                for c in clock_states(self.policy, incident, now)
                if c.is_live
            }
            due = next_update(self.policy, incident, now)
            if due is not None:
                current["update"] = (due.state, due.remaining)
            for name, (state, remaining) in current.items():
                key = (incident.id, name)
                before = self.seen.get(key)
                self.seen[key] = state
                if before is not None and state != before and state in ALERTING:
                    alerts.append(
                        Alert(
                            incident.id, incident.title, name, state, int(remaining.total_seconds())
                        )
                    )
        alerts += self.queued  # the tasks' (check_tasks), said with the clocks' and one bell
        self.queued = []
        return alerts

    def check_tasks(self, incident: Incident, tasks: Iterable[Task], now: datetime) -> list[Alert]:
        """As check, for an incident's open tasks with a due time: once per
        transition into due soon or overdue; the first sight sets the baseline.
        What it finds waits in `queued` for the next check (the same toasts,
        one bell); its clock is "task <title>"."""
        from warroom.core.runbooks import task_state

        alerts = []
        for task in tasks:
            if not task.is_open or task.due_at is None:
                continue
            state = task_state(self.policy, task, now)
            key = (incident.id, f"task:{task.id}")
            before = self.seen.get(key)
            self.seen[key] = state
            if before is not None and state != before and state in ALERTING:
                remaining = int((task.due_at - now).total_seconds())
                alerts.append(
                    Alert(incident.id, incident.title, f"task {task.title}", state, remaining)
                )
        self.queued += alerts
        return alerts
