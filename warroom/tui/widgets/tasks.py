"""The incident's tasks: a tab beside the checklist (t switches between them).

The acting person's own open tasks first, then the other open ones, then the
done and skipped. Keys as the checklist's: move with the arrows, enter
starts, space (or x) marks done (again: open), - skips with a reason, a
assigns (empty: take it yourself), + adds a task. Every text (titles,
notes, the policy's descriptions and commands) is drawn through lit(), i.e.
text.py: nothing from a policy or a database reaches the terminal raw."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from warroom.core.model import TASK_DONE, TASK_OPEN, TASK_SKIPPED, TASK_STARTED, Task
from warroom.core.policy import Policy
from warroom.core.runbooks import task_state, tasks_in_order
from warroom.core.timefmt import fmt_short_time
from warroom.tui.widgets.common import Panel, lit
from warroom.tui.widgets.rows import RowList

MARKS = {
    TASK_OPEN: ("□ ", "dim"),
    TASK_STARTED: ("▶ ", "bold yellow"),
    TASK_DONE: ("■ ", "green"),
    TASK_SKIPPED: ("– ", "dim"),
}


class TaskList(RowList):
    HELP_GROUP = "1 Tasks"
    HANG = 2
    BINDINGS = [
        Binding("enter", "act('start')", "Start", id="tasks.start", tooltip="Start the task"),
        Binding("space", "act('done')", "Done/open", id="tasks.done", tooltip="Done, or open"),
        Binding("x", "act('done')", "Done/open", show=False, id="tasks.done_x"),
        Binding("minus", "act('skip')", "Skip", id="tasks.skip", tooltip="Skip, with a reason"),
        Binding("a", "act('assign')", "Assign", id="tasks.assign", tooltip="Give it to someone"),
        Binding("plus", "act('add')", "Add", id="tasks.add", tooltip="Add a task"),
    ]

    class Act(Message):
        """A key on a task: start, done, skip, assign (task_id None: add)."""

        def __init__(self, what: str, task_id: int | None):
            super().__init__()
            self.what = what
            self.task_id = task_id

    def action_act(self, what: str) -> None:
        row = self.highlighted_id
        task_id = int(row) if row is not None else None
        if task_id is None and what != "add":
            return
        self.post_message(self.Act(what, task_id))


def task_row(
    task: Task, policy: Policy, now: datetime, utc: bool, me: str, waits_on: str = ""
) -> Text:
    mark, style = MARKS.get(task.status, ("? ", ""))
    state = task_state(policy, task, now)
    owner = task.owner or (f"{task.role}?" if task.role else "nobody")
    strong = "bold" if task.is_open and task.owner == me else ""
    parts: list = [(mark, style), lit(task.title, strong or ("dim" if not task.is_open else ""))]
    details = [owner]
    if task.due_at is not None and task.is_open:
        details.append(f"due {fmt_short_time(task.due_at, utc, now)}")
    elif task.changed_at is not None and not task.is_open:
        details.append(f"{task.status} {fmt_short_time(task.changed_at, utc, now)}")
    if task.note:
        details.append(task.note)
    if waits_on and task.is_open:
        details.append(f"after {waits_on}")
    parts += [" — ", lit(", ".join(details), "italic dim")]
    if state in ("overdue", "due soon"):
        parts += [" ", (state.upper(), "bold red" if state == "overdue" else "yellow")]
    return Text.assemble(*parts)


class TasksPanel(Panel):
    SCOPED_CSS = False  # it hides the checklist it stands in for
    DEFAULT_CSS = """
    TasksPanel { display: none; row-span: 2; }
    TasksPanel.-shown { display: block; }
    ChecklistPanel.-hidden { display: none; }
    TasksPanel TaskList { height: 1fr; }
    TasksPanel #task-detail { height: auto; max-height: 4; color: $text-muted; }
    """

    def __init__(self, policy: Policy, **kwargs):
        super().__init__(1, "Tasks (t: checklist)", **kwargs)
        self.policy = policy
        self.tasks: list[Task] = []

    def compose(self):
        yield TaskList(id="task-list")
        yield Static("", id="task-detail")

    def show(self, tasks: list[Task], me: str, now: datetime, utc: bool) -> None:
        self.tasks = tasks_in_order(tasks, me)
        # A task whose `after` is still open says what it waits on.
        open_steps = {(t.runbook, t.key): t.title for t in tasks if t.runbook and t.is_open}
        rows: list[tuple[str | None, Text]] = [
            (
                str(t.id),
                task_row(t, self.policy, now, utc, me, open_steps.get((t.runbook, t.after), "")),
            )
            for t in self.tasks
        ]
        if not rows:
            rows = [(None, lit("No tasks: + adds one", "dim"))]
        self.query_one(TaskList).set_rows(rows)
        mine = sum(1 for t in self.tasks if t.is_open and t.owner == me)
        late = sum(1 for t in self.tasks if task_state(self.policy, t, now) == "overdue")
        bits = [f"{mine} yours"] if mine else []
        if late:
            bits.append(f"{late} overdue")
        self.set_subtitle(" · ".join(bits))
        self._detail()

    def task_by_id(self, task_id: int | None) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def on_row_list_highlighted(self, _message) -> None:  # pragma: no cover - if posted
        self._detail()

    def _detail(self) -> None:
        row = self.query_one(TaskList).highlighted_id
        task = self.task_by_id(int(row)) if row is not None else None
        text = Text()
        if task is not None:
            if task.description:
                text.append_text(lit(task.description))
            if task.command:
                if text:
                    text.append("\n")
                text.append("$ ", "bold")
                text.append_text(lit(task.command, "bold"))
        self.query_one("#task-detail", Static).update(text)
