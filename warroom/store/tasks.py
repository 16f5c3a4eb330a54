"""Tasks: the steps of the runbooks attached to an incident, and tasks added
by hand. Every change writes its timeline entry in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from warroom.core.errors import (
    NotFound,
    UsageError,
)
from warroom.core.model import (
    NO_LONGER_APPLIES,
    TASK_DONE,
    TASK_OPEN,
    TASK_SKIPPED,
    TASK_STARTED,
    TASK_STATES,
    Incident,
    Task,
    from_iso,
    to_iso,
)
from warroom.core.ordering import first_holders
from warroom.core.record import replace
from warroom.core.text import (
    MAX_SHORT,
    check_length,
    clean_name,
    clean_title,
)
from warroom.store.base import StoreBase, on_what_was_read
from warroom.store.newid import NewId
from warroom.store.schema import select_list


class TaskStore(StoreBase):
    """Runbook steps and hand-made tasks."""

    # The steps of the runbooks attached to an incident, and tasks added by
    # hand. Every change writes its timeline entry in the same transaction.
    _TASK_COLUMNS = select_list("tasks")  # in _row_task's order

    def _row_task(self, row: tuple[Any, ...], holders: dict[str, str]) -> Task:
        assignee = row[9] or ""
        role = row[8] or ""
        return Task(
            id=row[0],
            incident_id=row[1],
            runbook=row[2] or "",
            key=row[3] or "",
            occurrence=row[4] or 1,
            title=row[5],
            description=row[6] or "",
            command=row[7] or "",
            role=role,
            assignee=assignee,
            owner=assignee or holders.get(role, ""),
            due_at=from_iso(row[10]),
            every=timedelta(seconds=row[11]) if row[11] else None,
            until=row[12] or "",
            after=row[13] or "",
            status=row[14],
            note=row[15] or "",
            changed_by=row[16] or "",
            changed_at=from_iso(row[17]),
            created_by=row[18] or "",
            created_at=from_iso(row[19]),
        )

    def _role_holders(self, incident_id: int) -> dict[str, str]:
        """role -> who holds it (the first responder for the many-holder role)."""
        return first_holders(
            self.db.execute(
                "SELECT role, person FROM roles WHERE incident_id = ? ORDER BY assigned_at, person",
                (incident_id,),
            )
        )

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

    def _task_as_read(self, task_id: int) -> tuple[Task, Incident, dict[str, str]]:
        """Inside a write: a task, its incident and who holds each role. As the
        war room last read them with the incident (guarded as
        _incident_as_read: no round trip); else read now, together (one)."""
        if not 0 < task_id < 2**63:
            raise NotFound(f"no task with id {task_id}")
        for incident_id in list(self._as_read):
            incident, board, tasks = self._known(incident_id) or (None, None, None)
            if incident is None or board is None or tasks is None:
                continue
            for task in tasks:
                if task.id == task_id:
                    self._guard_as_read(incident)
                    values = {"status": task.status, "assignee": task.assignee, "note": task.note}
                    self._guard_row("tasks", task_id, values)
                    return task, incident, first_holders((h.role, h.person) for h in board.roles)
        of_task = "(SELECT incident_id FROM tasks WHERE id = ?)"
        row = self._issue(f"SELECT {self._TASK_COLUMNS} FROM tasks WHERE id = ?", (task_id,))
        incident_row = self._issue(f"SELECT * FROM incidents WHERE id = {of_task}", (task_id,))
        roles = self._issue(
            f"SELECT role, person FROM roles WHERE incident_id = {of_task}"
            " ORDER BY assigned_at, person",
            (task_id,),
        )
        found, incidents = row.one(), incident_row.dicts()
        if found is None or not incidents:
            raise NotFound(f"no task with id {task_id}")
        holders = first_holders(roles.rows())
        return self._row_task(found, holders), self._row_incident(incidents[0]), holders

    def attach_runbooks(self, incident_id: int) -> list[Task]:
        """Attach the policy's matching runbooks (see usecases.plan_runbooks):
        declare and every change of priority or category do it in their own
        transaction; this does it alone (an incident declared before runbooks)."""
        with self._write():
            self._attach_runbooks(incident_id)
        return self.tasks(incident_id)

    def _attach_runbooks(self, incident_id: int) -> None:
        """Inside a write: add, skip and bring back tasks as the plan says, and
        say it in one "Runbooks attached" entry. (A change that plans tasks
        itself, a declare or a priority change, says what they did in the
        data of its own entry: `runbooks` attached, `tasks_skipped` as no
        longer applying, `tasks_back` applying again; one change, one entry.)"""
        if not self.policy.runbooks:
            return  # nothing to plan: the incident is not read either
        said = self._runbook_changes(incident_id, self.get_incident(incident_id))
        if not said:
            return
        titles = ", ".join(said.get("runbooks", {})) or "none new"
        self._system(incident_id, f"Runbooks attached: {titles}", "task.attach", **said)

    def _runbook_changes(
        self, incident_id: int, incident: Incident, tasks: list[Task] | None = None
    ) -> dict[str, Any]:
        """Inside a write: the tasks added, skipped and brought back for the
        incident as the change leaves it, done; what to say of them in the
        change's entry (nothing: nothing changed)."""
        from warroom.core.runbooks import plan_runbooks

        if not self.policy.runbooks:
            return {}  # a policy without runbooks leaves tasks as they are (and reads none)
        known = self._tasks_as_read(incident_id) if tasks is None else tasks
        plan = plan_runbooks(self.policy, incident, known)
        if not (plan.add or plan.skip or plan.reopen):
            return {}
        now = self._now()
        added: dict[str, list[str]] = {}
        for book, step in plan.add:
            due = to_iso(incident.reported_at + step.due)
            self.db.execute(
                "INSERT INTO tasks (incident_id, runbook, task_key, occurrence, title,"
                " description, command, role, assignee, due_at, every_seconds, until_stage,"
                " after_key, status, note, created_by, created_at)"
                " VALUES (?, ?, ?, 1, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, '', ?, ?)",
                (
                    incident_id,
                    book.id,
                    step.id,
                    step.title,
                    step.description,
                    step.command,
                    step.role,
                    due,
                    int(step.every.total_seconds()) if step.every else None,
                    step.until,
                    step.after,
                    TASK_OPEN,
                    self.identity,
                    now,
                ),
            )
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
        return said

    @on_what_was_read
    def add_task(
        self,
        incident_id: int,
        title: str,
        *,
        role: str = "",
        assignee: str = "",
        due_at: datetime | None = None,
        description: str = "",
    ) -> Task:
        """A task added by hand: owned by a person, or by whoever holds a role."""
        title = clean_title(title)
        check_length(description, MAX_SHORT, "task description")
        role = self.policy.match_role(role) if role.strip() else ""
        assignee = clean_name(assignee, "person's name") if assignee.strip() else ""
        with self._write():
            self._require(incident_id, is_open=True)  # at the server, with the insert
            now = self._now()
            inserted = self._issue(
                "INSERT INTO tasks (incident_id, runbook, task_key, occurrence, title,"
                " description, command, role, assignee, due_at, status, note, created_by,"
                " created_at) VALUES (?, '', '', 1, ?, ?, '', ?, ?, ?, ?, '', ?, ?)"
                f" RETURNING {self._TASK_COLUMNS}",
                (
                    incident_id,
                    title,
                    description.strip(),
                    role,
                    assignee,
                    to_iso(due_at) if due_at else None,
                    TASK_OPEN,
                    self.identity,
                    now,
                ),
            )
            inserted.find = (incident_id,)
            # Its id, which the entry names: on a server filled in there.
            named: Any = NewId("tasks") if self._pipelined else inserted.rows()[0][0]
            # Who holds its role, as the board was last read (guarded): the
            # task is shown as inserted, without reading it back.
            board = self._board_as_read(incident_id)
            if assignee:
                self._remember_person(assignee)
            who = assignee or role
            self._system(
                incident_id,
                f"Task added: {title}" + (f" ({who})" if who else ""),
                "task.add",
                task=named,
                assignee=assignee,
                role=role,
            )
        row = self._inserted(inserted, "tasks", self._TASK_COLUMNS, now)
        if board is None:
            return self.task(row[0])
        return self._row_task(row, first_holders((h.role, h.person) for h in board.roles))

    @on_what_was_read
    def set_task_status(self, task_id: int, status: str, note: str = "") -> Task:
        """open, in progress, done or skipped (a skip needs its reason). A
        repeating task done comes back as its next round, unless the incident
        reached the stage where it stops."""
        if status not in TASK_STATES:
            raise UsageError(
                f"unknown task state {status!r}; choose one of: {', '.join(TASK_STATES)}"
            )
        note = note.strip()
        check_length(note, MAX_SHORT, "task note")
        if status == TASK_SKIPPED and not note:
            raise UsageError("say why the task is skipped (a reason)")
        with self._write():
            task, incident, _ = self._task_as_read(task_id)
            self._require_open(incident)
            if task.status == status and note == task.note:
                return task
            now = self._now()
            self.db.execute(
                "UPDATE tasks SET status = ?, note = ?, changed_by = ?, changed_at = ?"
                " WHERE id = ?",
                (status, note, self.identity, now, task_id),
            )
            verb = {
                TASK_OPEN: "reopened",
                TASK_STARTED: "started",
                TASK_DONE: "done",
                TASK_SKIPPED: "skipped",
            }[status]
            event = {
                TASK_OPEN: "task.reopen",
                TASK_STARTED: "task.start",
                TASK_DONE: "task.done",
                TASK_SKIPPED: "task.skip",
            }[status]
            self._system(
                task.incident_id,
                f"Task {verb}: {task.title}" + (f" ({note})" if note else ""),
                event,
                task=task_id,
                note=note,
            )
            if status == TASK_DONE and task.every is not None and task.due_at is not None:
                self._next_round(task, incident)
        # As written: nothing else changes a task inside its incident's write.
        return replace(
            task, status=status, note=note, changed_by=self.identity, changed_at=from_iso(now)
        )

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
            (
                task.incident_id,
                task.runbook,
                task.key,
                task.occurrence + 1,
                task.title,
                task.description,
                task.command,
                task.role,
                task.assignee,
                to_iso(due),
                int(task.every.total_seconds()),
                task.until,
                task.after,
                TASK_OPEN,
                self.identity,
                self._now(),
            ),
        )

    @on_what_was_read
    def assign_task(self, task_id: int, person: str) -> Task:
        """Give the task to a person (taking it: your own name); "" gives it
        back to whoever holds its role."""
        person = clean_name(person, "person's name") if person.strip() else ""
        with self._write():
            task, incident, holders = self._task_as_read(task_id)
            self._require_open(incident)
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
                task.incident_id,
                text,
                "task.assign",
                task=task_id,
                person=person,
                previous=task.assignee,
            )
        owner = person or holders.get(task.role, "")
        return replace(
            task, assignee=person, owner=owner, changed_by=self.identity, changed_at=from_iso(now)
        )

    def _stop_repeats(self, incident_id: int, stage: str) -> dict[str, Any]:
        """Inside a stage change: the open, untouched later rounds of a
        repeating task whose `until` stage is reached are skipped (the change's
        entry lists them in `tasks_stopped`: what this returns, to say there)."""
        stages = self.policy.stages
        if stage not in stages:
            return {}
        stopped = [
            t
            for t in self._tasks_as_read(incident_id)
            if t.every is not None
            and t.until in stages
            and t.occurrence > 1
            and t.status == TASK_OPEN
            and not t.changed_by
            and stages.index(stage) >= stages.index(t.until)
        ]
        if not stopped:
            return {}
        now = self._now()
        for task in stopped:
            self.db.execute(
                "UPDATE tasks SET status = ?, note = ?, changed_by = ?, changed_at = ?"
                " WHERE id = ?",
                (TASK_SKIPPED, f"until {task.until}", self.identity, now, task.id),
            )
        return {"tasks_stopped": [{"task": t.id, "title": t.title} for t in stopped]}
