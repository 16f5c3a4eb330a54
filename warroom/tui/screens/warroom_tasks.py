"""The war room's tasks tab (beside the checklist): the tasks read with the
board, drawn when the tab is first opened (t; it is mounted then, so opening
the war room builds nothing more), the keys on them, and the toasts they
raise. Kept apart from warroom.py, which calls these few functions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast
from weakref import WeakKeyDictionary

from textual.css.query import NoMatches

from warroom.core.model import TASK_DONE, TASK_OPEN, TASK_SKIPPED, TASK_STARTED
from warroom.core.text import one_line
from warroom.core.timefmt import fmt_short_time
from warroom.services.writes import AddTask, AssignTask, SetTaskState
from warroom.tui.widgets.checklist import ChecklistPanel
from warroom.tui.widgets.header import IncidentHeader
from warroom.tui.widgets.owned import while_shown

if TYPE_CHECKING:
    from warroom.tui.widgets.tasks import TasksPanel

# screen -> (who it acted as, the ids of their open tasks): a new one is said.
_MINE: WeakKeyDictionary = WeakKeyDictionary()


def _panel(screen) -> TasksPanel | None:
    # By its id: the tasks' widgets are imported when t first opens them.
    try:
        return cast("TasksPanel", screen.query_one("#panel-tasks"))
    except NoMatches:
        return None  # not opened yet (t mounts it)


def read_tasks(screen) -> None:
    """Read the incident's tasks on the database worker; draw them when they come."""
    iid = screen.incident_id
    screen.app.read(lambda store: store.tasks(iid), while_shown(screen, lambda t: show(screen, t)))


def show(screen, tasks) -> None:
    if tasks is None or screen.building:
        return
    app = screen.app
    me, now = app.store.identity, app.clock()
    first = screen.tasks is None
    screen.tasks = list(tasks)
    panel = _panel(screen)
    if panel is not None:
        panel.show(screen.tasks, me, now, app.utc)
    header = screen.query_one(IncidentHeader)
    header.tasks = tuple(
        (t.title, t.due_at) for t in screen.tasks if t.is_open and t.due_at and t.owner == me
    )
    header.tick(now)
    mine = {t.id for t in screen.tasks if t.is_open and t.owner == me}
    known_me, had = _MINE.get(screen, (me, mine))
    _MINE[screen] = (me, mine)
    if first:
        # The baseline of the alerts: opening the war room replays no alarm.
        app.alerts.check_tasks(screen.board.incident, screen.tasks, now)
        app.alerts.queued.clear()
        return
    if known_me != me:
        return  # acting as someone else now: their tasks are not news
    for task in screen.tasks:
        # Yours now (given to you, or yours by a role you were given), not by your own hand.
        if task.id in mine - had and not (task.changed_by == me and task.assignee == me):
            due = f" due {fmt_short_time(task.due_at, app.utc, now)}" if task.due_at else ""
            app.notify(
                f"task: {one_line(task.title)[:60]}{due}",
                title="Task for you",
                timeout=15,
                markup=False,
            )


def tick(screen, now: datetime) -> None:
    """Each second: due times move, and a task turning due soon or overdue is
    handed to the alerts (the app says it with the clocks', one bell)."""
    if screen.tasks is None:
        return
    panel = _panel(screen) if screen.showing_tasks else None  # (not looked for each second)
    if panel is not None:
        panel.show(screen.tasks, screen.app.store.identity, now, screen.app.utc)
    screen.app.alerts.check_tasks(screen.board.incident, screen.tasks, now)


async def toggle(screen) -> None:
    """t: the tasks in place of the checklist, or back."""
    if _panel(screen) is None:
        from warroom.tui.widgets.tasks import TasksPanel

        panel = TasksPanel(screen.app.policy, id="panel-tasks")
        await screen.query_one("#grid").mount(panel, after=screen.query_one(ChecklistPanel))
        app = screen.app
        panel.show(screen.tasks or [], app.store.identity, app.clock(), app.utc)
    screen.showing_tasks = not screen.showing_tasks
    screen.action_panel(1)


def place(screen) -> None:
    """Which of the two shows in panel 1's place (in compact mode, only while
    panel 1 is the active one)."""
    panel = _panel(screen)
    if screen.building or panel is None:
        return
    checklist = screen.query_one(ChecklistPanel)
    on = screen.showing_tasks
    panel.set_class(on, "-shown")
    checklist.set_class(on, "-hidden")
    if on:
        panel.set_class(screen.active == 1, "-active")
        checklist.remove_class("-active")
    else:
        panel.remove_class("-active")


def act(screen, what: str, task_id: int | None) -> None:
    app = screen.app
    from warroom.tui.screens import modals

    if modals.refused_read_only(app):
        return
    iid = screen.incident_id
    panel = _panel(screen)
    task = panel.task_by_id(task_id) if panel is not None else None
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
                f"Give {one_line(task.title)[:40]} to",
                app.store.identity,
                hint="a name; empty gives it back to its role",
            ),
            chosen,
        )
    elif what == "add":

        def added(title: str | None) -> None:
            if title and title.strip():
                app.write(AddTask(iid, title.strip(), assignee=app.store.identity))

        app.push_screen(modals.TextPrompt("New task (yours)", hint="its title"), added)


__all__ = ["act", "place", "read_tasks", "show", "tick", "toggle"]
