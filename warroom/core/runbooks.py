"""Runbooks and tasks: the one rule for what attaching runbooks changes, when
a task is due soon or overdue, and the order tasks are shown in. Pure and
light (the store imports it in every declare and priority change)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from warroom.core.model import Incident, Task
from warroom.core.policy import Policy, Runbook, RunbookTask
from warroom.core.record import record


@record
class RunbookPlan:
    """What attaching the policy's runbooks to an incident changes."""

    add: tuple[tuple[Runbook, RunbookTask], ...]  # pairs to add as new tasks
    skip: tuple[Task, ...]  # untouched open tasks of runbooks that no longer match
    reopen: tuple[Task, ...]  # tasks skipped as "no longer applies" whose runbook matches again


def plan_runbooks(policy: Policy, incident: Incident, tasks: Iterable[Task]) -> RunbookPlan:
    """The one rule, on declare and on every change of priority or category:
    the matching runbooks' tasks are there (added once, by runbook and task
    id); a task someone touched is never taken away; an untouched task of a
    runbook that no longer matches is skipped ("no longer applies"), and
    comes back if its runbook matches again."""
    from warroom.core.model import NO_LONGER_APPLIES, TASK_OPEN, TASK_SKIPPED

    matching = policy.runbooks_for(incident.priority, incident.category)
    wanted = {(r.id, t.id) for r in matching for t in r.tasks}
    have: dict[tuple[str, str], list[Task]] = {}
    for task in tasks:
        if task.runbook:
            have.setdefault((task.runbook, task.key), []).append(task)
    add = tuple((r, t) for r in matching for t in r.tasks if (r.id, t.id) not in have)
    skip = tuple(
        task
        for key, rows in have.items()
        if key not in wanted
        for task in rows
        if task.status == TASK_OPEN and not task.changed_by
    )
    reopen = tuple(
        task
        for key, rows in have.items()
        if key in wanted
        for task in rows
        if task.status == TASK_SKIPPED and task.note == NO_LONGER_APPLIES
    )
    return RunbookPlan(add, skip, reopen)


def task_state(policy: Policy, task: Task, now: datetime) -> str:
    """'overdue', 'due soon' or 'ok' for an open task with a due time (as the
    clocks say it: due soon in the last due_soon_fraction of its time), else
    its status ('done', 'skipped', or 'open' with no due time)."""
    from warroom.core.sla import DUE_SOON, OVERDUE

    if not task.is_open or task.due_at is None:
        return task.status
    left = task.due_at - now
    if left < timedelta(0):
        return OVERDUE
    span = task.due_at - task.created_at
    if span > timedelta(0) and left <= span * policy.due_soon_fraction:
        return DUE_SOON
    return "ok"


def tasks_in_order(tasks: Iterable[Task], me: str) -> list[Task]:
    """The acting person's own open tasks first (soonest due first), then the
    other open ones, then the done and skipped; ties in the order added."""
    far = datetime.max.replace(tzinfo=UTC)

    def key(task: Task) -> tuple[int, datetime, int]:
        group = 0 if task.is_open and task.owner == me else 1 if task.is_open else 2
        return (group, task.due_at or far if group < 2 else far, task.id)

    return sorted(tasks, key=key)
