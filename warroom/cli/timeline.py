"""`warroom note|correct|timeline|tick|untick|ack|triage|remediate|milestone|impact`:
what happened, when, from the command line."""

from __future__ import annotations

from warroom.cli.context import Context, read_text
from warroom.cli.output import done, print_json, problem
from warroom.core.errors import UsageError
from warroom.core.model import chronological, superseded_map
from warroom.core.policy import MILESTONE_FIELDS
from warroom.core.text import MAX_NOTE, clip, one_line, say
from warroom.core.timefmt import fmt_time


def cmd_note(ctx: Context) -> int:
    text = read_text(ctx.args.text)
    text, cut = clip(text, MAX_NOTE)
    at = ctx.at()
    entry = ctx.store.add_entry(ctx.args.id, text, ctx.args.kind, occurred_at=at)
    if cut:
        problem(f"note truncated: only the first {MAX_NOTE} characters were stored")
    say(entry.id)
    return 0


def cmd_correct(ctx: Context) -> int:
    text = None if ctx.args.text is None else read_text(ctx.args.text)
    entry = ctx.store.correct(ctx.args.entry, text, ctx.at())
    say(entry.id)
    if entry.public and ctx.policy.status_page.dir:  # a published update, as it now stands
        from warroom.services.usecases import refresh_status_page

        problem(refresh_status_page(ctx.store, ctx.policy))
    return 0


def cmd_timeline(ctx: Context) -> int:
    ctx.store.get_incident(ctx.args.id)  # an unknown id is an error, not an empty timeline
    entries = chronological(ctx.store.timeline(ctx.args.id))
    later = superseded_map(entries)
    from warroom.formats.json import entry_dict, entry_marks

    if ctx.args.json:
        print_json([entry_dict(e, later) for e in entries])
        return 0
    for e in entries:
        when = fmt_time(e.occurred_at)
        marks = "".join(f"[{one_line(m)}] " for m in entry_marks(e, later, utc=False))
        if e.data.get("by_change_owner") is False:
            marks += "[not the change owner] "
        say(f"{e.id:>6}  {when}  {e.kind:<8} {one_line(e.actor)}: {marks}{one_line(e.text)}")
    return 0


def cmd_tick(ctx: Context) -> int:
    args = ctx.args
    ctx.store.set_check(args.id, args.item, args.command == "tick", ctx.at())
    done(ctx, f"{one_line(args.item)} {args.command}ed on incident {args.id}")
    return 0


def cmd_milestone(ctx: Context) -> int:
    args = ctx.args
    at = ctx.at()
    if args.withdraw:
        if at is not None:
            raise UsageError("--withdraw takes no time")
        ctx.store.set_milestone(args.id, args.clock, None)
        done(ctx, f"{args.clock} withdrawn on incident {args.id}")
        return 0
    if args.move:
        if at is None:
            raise UsageError("--move needs the new time: --at TIME")
        incident = ctx.store.set_milestone(args.id, args.clock, at)
        how = "moved to"
    else:
        incident = ctx.store.record_milestone(args.id, args.clock, at)
        how = "recorded at"
    when = getattr(incident, MILESTONE_FIELDS.get(args.clock, ""), None) or at or ctx.clock()
    done(ctx, f"{args.clock} {how} {fmt_time(when)} on incident {args.id}")
    return 0


def cmd_impact(ctx: Context) -> int:
    entry = ctx.store.set_change_impact(ctx.args.entry, ctx.args.impact, ctx.args.note)
    say(entry.id)
    return 0
