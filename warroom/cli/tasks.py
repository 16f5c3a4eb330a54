"""`warroom task ...`: an incident's tasks from the command line (the same
store calls and rules as the war room's tasks panel)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from warroom.core.errors import UsageError
from warroom.core.model import TASK_DONE, TASK_OPEN, TASK_SKIPPED, TASK_STARTED, Task, to_iso
from warroom.core.policy import Policy, parse_duration
from warroom.core.runbooks import task_state, tasks_in_order
from warroom.core.text import one_line, say
from warroom.core.timefmt import fmt_time, local_zone, place_wall_time

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from warroom.store import Store


class Context(Protocol):
    args: argparse.Namespace

    @property
    def store(self) -> Store: ...

    policy: Policy
    identity: str
    clock: Callable[[], datetime]


def task_dict(task: Task, policy: Policy, now: datetime) -> dict[str, Any]:
    return {
        "id": task.id,
        "incident": task.incident_id,
        "runbook": task.runbook or None,
        "task": task.key or None,
        "occurrence": task.occurrence,
        "title": task.title,
        "description": task.description,
        "command": task.command,
        "role": task.role or None,
        "assignee": task.assignee or None,
        "owner": task.owner or None,
        "due_at": to_iso(task.due_at) if task.due_at else None,
        "status": task.status,
        "state": task_state(policy, task, now),
        "note": task.note,
        "changed_by": task.changed_by or None,
        "changed_at": to_iso(task.changed_at) if task.changed_at else None,
        "on_time": task.on_time,
    }


def task_line(task: Task, policy: Policy, now: datetime) -> str:
    box = {TASK_OPEN: " ", TASK_STARTED: ">", TASK_DONE: "x", TASK_SKIPPED: "-"}[task.status]
    owner = task.owner or (f"{task.role}: nobody" if task.role else "nobody")
    details = [f"owner {owner}"]
    if task.due_at:
        details.append(f"due {fmt_time(task.due_at)}")
    state = task_state(policy, task, now)
    if state in ("overdue", "due soon"):
        details.append(state.upper())
    if task.note:
        details.append(task.note)
    return f"{task.id:>5} [{box}] {one_line(task.title)} ({one_line(', '.join(details))})"


def parse_due(text: str, now: datetime) -> datetime:
    """When a task is due: '30m' (from now), 'HH:MM' (the next one) or ISO-8601."""
    text = text.strip()
    try:
        return now + parse_duration(text)
    except ValueError:
        pass
    zone = local_zone()
    try:
        if len(text) == 5 and text[2] == ":":
            clock = time.fromisoformat(text)
            day = now.astimezone(zone).date()
            moment = place_wall_time(datetime.combine(day, clock), zone, text)
            if moment <= now:
                moment = place_wall_time(
                    datetime.combine(day + timedelta(days=1), clock), zone, text
                )
            return moment
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"cannot read due time {text!r}: use 30m, 14:35 or ISO-8601") from None
    if parsed.tzinfo is None:
        return place_wall_time(parsed, zone, text)
    return parsed


def run_task(ctx: Context) -> int:
    args, store = ctx.args, ctx.store
    verb = args.task_command
    now = ctx.clock()
    if verb == "list":
        tasks = tasks_in_order(store.tasks(args.id), ctx.identity)
        if args.mine:
            tasks = [t for t in tasks if t.owner == ctx.identity]
        if args.json:
            from warroom.formats.export import json_text

            say(json_text([task_dict(t, ctx.policy, now) for t in tasks]))
        else:
            for t in tasks:
                say(task_line(t, ctx.policy, now))
        return 0
    if verb == "add":
        due = parse_due(args.due, now) if args.due else None
        task = store.add_task(
            args.id, args.title, role=args.role or "", assignee=args.to or "", due_at=due
        )
        say(task.id)
        return 0
    if verb == "assign":
        person = ctx.identity if args.person is None else args.person
        store.assign_task(args.id, "" if args.role else person)
        return 0
    status = {"start": TASK_STARTED, "done": TASK_DONE, "skip": TASK_SKIPPED, "reopen": TASK_OPEN}[
        verb
    ]
    store.set_task_status(args.id, status, getattr(args, "reason", None) or args.note or "")
    return 0


def add_parser(sub, record_id) -> None:
    task = sub.add_parser("task", help="the incident's tasks: list, start, done, skip, assign, add")
    verbs = task.add_subparsers(dest="task_command", metavar="VERB", required=True)
    p = verbs.add_parser("list", help="the incident's tasks, your own open ones first")
    p.add_argument("id", type=record_id, help="incident id")
    p.add_argument("--mine", action="store_true", help="only the tasks you own")
    p.add_argument("--json", action="store_true")
    for verb, helptext in (("start", "start"), ("done", "finish"), ("reopen", "reopen")):
        p = verbs.add_parser(verb, help=f"{helptext} a task")
        p.add_argument("id", type=record_id, help="task id")
        p.add_argument("--note", help="a note beside the change")
    p = verbs.add_parser("skip", help="skip a task, saying why")
    p.add_argument("id", type=record_id, help="task id")
    p.add_argument("reason")
    p.add_argument("--note", help=argparse_suppress())
    p = verbs.add_parser("assign", help="give a task to a person (default: take it yourself)")
    p.add_argument("id", type=record_id, help="task id")
    p.add_argument("person", nargs="?")
    p.add_argument("--role", action="store_true", help="give it back to its role's holder")
    p = verbs.add_parser("add", help="add a task by hand; prints its id")
    p.add_argument("id", type=record_id, help="incident id")
    p.add_argument("title")
    p.add_argument("--role", help="owned by whoever holds this role")
    p.add_argument("--to", metavar="NAME", help="owned by this person")
    p.add_argument("--due", help="30m (from now), 14:35 or ISO-8601")


def argparse_suppress() -> str:
    import argparse

    return argparse.SUPPRESS
