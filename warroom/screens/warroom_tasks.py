"""The war room's tasks tab (beside the checklist): reading the tasks off
the UI thread, drawing them, the keys on them, and the toasts they raise.
Kept apart from warroom.py, which calls these few functions."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..model import TASK_DONE, TASK_OPEN, TASK_SKIPPED, TASK_STARTED
from ..text import one_line
from ..timefmt import fmt_clock, fmt_short_time
from ..widgets.checklist import ChecklistList, ChecklistPanel
from ..widgets.owned import while_shown
from ..widgets.tasks import TaskList, TasksPanel
from ..writes import AddTask, AssignTask, SetTaskState


def read_tasks(screen) -> None:
    """Read the incident's tasks on the database worker; draw them when they come."""
    iid = screen.incident_id
    screen.app.read(lambda store: store.tasks(iid), while_shown(screen, lambda t: show(screen, t)))


def show(screen, tasks) -> None:
    if tasks is None or screen.building:
        return
    app = screen.app
    me, now = app.store.identity, app.clock()
    before, screen.tasks = screen.tasks, list(tasks)
    screen.query_one(TasksPanel).show(screen.tasks, me, now, app.utc)
    if before is None:
        # The first read: the baseline of the alerts (opening replays no alarm).
        app.alerts.check_tasks(screen.board.incident, screen.tasks, now)
        screen.query_one(TasksPanel).mine = (me, _mine(screen.tasks, me))
        return
    _tell_new_owner(screen, me, now)


def _mine(tasks, me: str) -> set[int]:
    return {t.id for t in tasks if t.is_open and t.owner == me}


def _tell_new_owner(screen, me: str, now: datetime) -> None:
    """A task that became yours (someone gave it to you, or a role of it)
    is said in a toast: 'task: First update due 14:35'."""
    app = screen.app
    panel = screen.query_one(TasksPanel)
    known_me, had = panel.mine
    mine = _mine(screen.tasks, me)
    panel.mine = (me, mine)
    if known_me != me:
        return  # acting as someone else now: their tasks are not news
    for task in screen.tasks:
        if task.id in mine - had and not (task.changed_by == me and task.assignee == me):
            due = f" due {fmt_short_time(task.due_at, app.utc, now)}" if task.due_at else ""
            app.notify(
                f"task: {one_line(task.title)[:60]}{due}",
                title="Task for you",
                timeout=15,
                markup=False,
            )


def tick(screen, now: datetime) -> None:
    """Each second: the due times move, and a task turning due soon or
    overdue rings as a clock does (once per transition)."""
    if screen.tasks is None:
        return
    app = screen.app
    screen.query_one(TasksPanel).show(screen.tasks, app.store.identity, now, app.utc)
    alerts = app.alerts.check_tasks(screen.board.incident, screen.tasks, now)
    if not alerts or not app.config.notifications:
        return
    for alert in alerts:
        left = fmt_clock(timedelta(seconds=alert.remaining_seconds))
        when = f"{left} left" if alert.remaining_seconds >= 0 else f"{left} over"
        app.notify(
            f"#{alert.incident_id} task {one_line(alert.title)[:40]}: {alert.state} ({when})",
            title="Overdue" if alert.state == "overdue" else "Due soon",
            severity="error" if alert.state == "overdue" else "warning",
            timeout=15,
            markup=False,
        )
    if app.config.bell:
        app.bell()


def toggle(screen) -> None:
    """t: the tasks in place of the checklist, or back."""
    screen.showing_tasks = not screen.showing_tasks
    screen.action_panel(1)


def place(screen) -> None:
    """Which of the two shows in panel 1's place (in compact mode, only while
    panel 1 is the active one)."""
    if screen.building:
        return
    tasks, checklist = screen.query_one(TasksPanel), screen.query_one(ChecklistPanel)
    on = screen.showing_tasks
    tasks.set_class(on, "-shown")
    checklist.set_class(on, "-hidden")
    if on:
        tasks.set_class(screen.active == 1, "-active")
        checklist.remove_class("-active")
    else:
        tasks.remove_class("-active")


def act(screen, what: str, task_id: int | None) -> None:
    app = screen.app
    from . import modals

    if modals.refused_read_only(app):
        return
    iid = screen.incident_id
    task = screen.query_one(TasksPanel).task(task_id)
    if what == "start" and task is not None:
        app.write(SetTaskState(task.id, iid, TASK_STARTED))
    elif what == "done" and task is not None:
        status = TASK_OPEN if task.status == TASK_DONE else TASK_DONE
        app.write(SetTaskState(task.id, iid, status))
    elif what == "skip" and task is not None:

        def skipped(reason: str | None) -> None:
            if reason and reason.strip():
                app.write(SetTaskState(task.id, iid, TASK_SKIPPED, reason.strip()))

        app.push_screen(
            modals.TextPrompt(f"Skip: {one_line(task.title)[:50]}", hint="why (a reason)"),
            skipped,
        )
    elif what == "assign" and task is not None:

        def chosen(person: str | None) -> None:
            if person is not None:
                app.write(AssignTask(task.id, iid, person.strip()))

        app.push_screen(
            modals.TextPrompt(
                f"Give {one_line(task.title)[:40]} to", app.store.identity,
                hint="a name; empty gives it back to its role",
            ),
            chosen,
        )  # fmt: skip
    elif what == "add":

        def added(title: str | None) -> None:
            if title and title.strip():
                app.write(AddTask(iid, title.strip(), assignee=app.store.identity))

        app.push_screen(modals.TextPrompt("New task (yours)", hint="its title"), added)


__all__ = ["ChecklistList", "TaskList", "act", "place", "read_tasks", "show", "tick", "toggle"]
