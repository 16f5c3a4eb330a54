"""`warroom retro ...`: the retrospective written and read from the command line,
so a script can hold the retro the TUI holds (same store calls, same rules)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from warroom.core.errors import UsageError
from warroom.core.model import ActionItem, to_iso
from warroom.core.text import one_line, say
from warroom.core.timefmt import fmt_time
from warroom.formats.export import action_dict, json_text, retro_dict
from warroom.services.usecases import check_action

if TYPE_CHECKING:
    import argparse

    from warroom.store import Store


class Context(Protocol):
    """What the retro verbs use of the CLI's context (cli.Context has it; this
    module does not import cli, which imports it)."""

    args: argparse.Namespace

    @property
    def store(self) -> Store: ...

    clock: Callable[[], datetime]


def _action_line(a: ActionItem) -> str:
    box = "x" if a.done else " "
    details = [f"owner {one_line(a.owner)}" if a.owner else "no owner"]
    if a.due:
        details.append(f"due {a.due.isoformat()}")
    if a.ticket:
        details.append(f"ticket {one_line(a.ticket)}")
    return f"{a.id:>5} [{box}] {one_line(a.title)} ({', '.join(details)})"


def run_retro(
    ctx: Context, read_text: Callable[[str], str], record_milestone: Callable[[Context], int]
) -> int:
    """One `warroom retro` verb. The CLI hands in how it reads a text argument
    ('-' is stdin) and how it records a milestone (`retro held` is one)."""
    args, store = ctx.args, ctx.store
    verb = args.retro_command
    if verb == "show":
        retro = store.retro(args.id)
        incident = store.get_incident(args.id)
        if args.json:
            held_at = to_iso(incident.retro_at) if incident.retro_at else None
            data = {"incident": args.id, "retro_at": held_at, **retro_dict(retro)}
            say(json_text(data))
            return 0
        say(f"Retro of #{incident.id} {one_line(incident.title)}")
        held = fmt_time(incident.retro_at) if incident.retro_at else "not yet"
        say(f"  held: {held}")
        say("Root cause" + (" (public)" if incident.root_cause_public else ""))
        say(f"  {one_line(retro.root_cause) or '(not recorded)'}")
        say("Five whys")
        for w in retro.whys:
            say(f"  {w.position}. {one_line(w.question)} -> {one_line(w.answer) or '?'}")
        say("Action items")
        for a in retro.actions:
            say(_action_line(a))
        return 0
    if verb == "held":
        args.clock = "retro"
        return record_milestone(ctx)
    if verb == "why":
        why = store.save_why(args.id, args.position, args.question, args.answer)
        if why.note:
            say(f"why {why.position} saved; the text it replaced is kept in the timeline")
        return 0
    if verb == "schedule":
        return _schedule(ctx)
    if verb == "root-cause":
        if args.text is None and not (args.public or args.private):
            raise UsageError("give the root cause's text, --public or --private")
        if args.text is not None and store.set_root_cause(args.id, read_text(args.text)).note:
            say("root cause saved; the text it replaced is kept in the timeline")
        if args.public or args.private:
            store.set_root_cause_public(args.id, args.public)
        return 0
    return _run_action(ctx)


def _run_action(ctx: Context) -> int:
    args, store = ctx.args, ctx.store
    verb = args.action_command
    if verb == "list":
        items = store.action_items(args.id)
        if args.json:
            say(json_text([action_dict(a) for a in items]))
        else:
            for a in items:
                say(_action_line(a))
        return 0
    if verb == "add":
        fields = check_action(args.title, args.owner or "", args.due, args.ticket or "")
        item = store.add_action(args.id, fields.title, fields.owner, fields.due, fields.ticket)
        say(item.id)
        return 0
    if verb == "edit":
        old = store.action_item(args.id)
        fields = check_action(
            old.title if args.title is None else args.title,
            old.owner if args.owner is None else args.owner,
            old.due if args.due is None else args.due,
            old.ticket if args.ticket is None else args.ticket,
        )
        store.update_action(args.id, fields.title, fields.owner, fields.due, fields.ticket)
        return 0
    if verb == "export":
        return _export_actions(ctx)
    store.set_action_done(args.id, verb == "done")
    return 0


def _write_or_say(args, text: str) -> None:
    if args.output is None:
        say(text, end="")
        return
    from pathlib import Path

    from warroom.formats.export import write_atomic

    say(write_atomic(Path(args.output), text, force=args.force))


def _export_actions(ctx: Context) -> int:
    """`retro action export`: the follow-ups in a tracker's or a calendar's format."""
    from warroom.formats import followups as fu
    from warroom.services.config import load_config

    args, store = ctx.args, ctx.store
    incident = store.get_incident(args.id)
    link = args.link or f"incident-{incident.id}.md"
    items = fu.followups(incident, store.action_items(args.id), link, load_config().people)
    if args.format == "jira-csv":
        _write_or_say(args, fu.jira_csv(items))
    elif args.format == "ics":
        _write_or_say(args, fu.todos_ics(items))
    else:
        if not args.repo:
            raise UsageError(f"--format {args.format} needs --repo (owner/name)")
        try:
            urls = [
                fu.github_url(args.repo, f)
                if args.format == "github"
                else fu.gitlab_url(args.repo, f, args.gitlab_host)
                for f in items
            ]
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        _write_or_say(args, "".join(u + "\n" for u in urls))
    return 0


def _schedule(ctx: Context) -> int:
    """`retro schedule`: the retro meeting as an iCalendar event."""
    from warroom.cli.tasks import parse_due
    from warroom.core.policy import parse_duration
    from warroom.formats.followups import retro_ics

    args = ctx.args
    incident = ctx.store.get_incident(args.id)
    now = ctx.clock()
    start = parse_due(args.at, now)
    try:
        duration = parse_duration(args.duration)
    except ValueError as exc:
        raise UsageError(f"--duration: {exc}") from None
    link = args.link or f"incident-{incident.id}.md"
    _write_or_say(args, retro_ics(incident, start, duration, link, now))
    return 0
