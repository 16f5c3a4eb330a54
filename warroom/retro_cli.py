"""`warroom retro ...`: the retrospective written and read from the command line,
so a script can hold the retro the TUI holds (same store calls, same rules)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from .errors import UsageError
from .export import action_dict, retro_dict
from .model import ActionItem, to_iso
from .text import one_line
from .timefmt import fmt_time

if TYPE_CHECKING:
    from .cli import Context


def _due(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"not a date: {text!r}; use YYYY-MM-DD") from None


def _action_line(a: ActionItem) -> str:
    box = "x" if a.done else " "
    details = [f"owner {one_line(a.owner)}" if a.owner else "no owner"]
    if a.due:
        details.append(f"due {a.due.isoformat()}")
    if a.ticket:
        details.append(f"ticket {one_line(a.ticket)}")
    return f"{a.id:>5} [{box}] {one_line(a.title)} ({', '.join(details)})"


def run_retro(ctx: Context, read_text: Callable[[str], str]) -> int:
    args, store = ctx.args, ctx.store
    verb = args.retro_command
    if verb == "show":
        retro = store.retro(args.id)
        incident = store.get_incident(args.id)
        if args.json:
            held_at = to_iso(incident.retro_at) if incident.retro_at else None
            data = {"incident": args.id, "retro_at": held_at, **retro_dict(retro)}
            print(json.dumps(data, ensure_ascii=False, indent=2))
            return 0
        print(f"Retro of #{incident.id} {one_line(incident.title)}")
        held = fmt_time(incident.retro_at) if incident.retro_at else "not yet"
        print(f"  held: {held}")
        print("Root cause")
        print(f"  {one_line(retro.root_cause) or '(not recorded)'}")
        print("Five whys")
        for w in retro.whys:
            print(f"  {w.position}. {one_line(w.question)} -> {one_line(w.answer) or '?'}")
        print("Action items")
        for a in retro.actions:
            print(_action_line(a))
        return 0
    if verb == "held":
        from .cli import cmd_milestone

        args.clock = "retro"
        return cmd_milestone(ctx)
    if verb == "why":
        store.save_why(args.id, args.position, args.question, args.answer)
        return 0
    if verb == "root-cause":
        store.set_root_cause(args.id, read_text(args.text))
        return 0
    return _run_action(ctx)


def _run_action(ctx: Context) -> int:
    args, store = ctx.args, ctx.store
    verb = args.action_command
    if verb == "list":
        items = store.action_items(args.id)
        if args.json:
            print(json.dumps([action_dict(a) for a in items], ensure_ascii=False, indent=2))
        else:
            for a in items:
                print(_action_line(a))
        return 0
    if verb == "add":
        item = store.add_action(
            args.id, args.title, args.owner or "", _due(args.due), args.ticket or ""
        )
        print(item.id)
        return 0
    if verb == "edit":
        old = store.action_item(args.id)
        store.update_action(
            args.id,
            old.title if args.title is None else args.title,
            old.owner if args.owner is None else args.owner,
            old.due if args.due is None else _due(args.due),
            old.ticket if args.ticket is None else args.ticket,
        )
        return 0
    store.set_action_done(args.id, verb == "done")
    return 0
