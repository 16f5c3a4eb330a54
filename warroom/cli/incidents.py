"""`warroom declare|list|status|close|reopen|real|priority|stage|title`: an
incident as a whole, from the command line (the same store calls and rules as
the war room)."""

from __future__ import annotations

from warroom.cli.context import Context
from warroom.cli.output import done, print_json, problem
from warroom.core.sla import clock_states, margin, most_urgent, next_update
from warroom.core.text import one_line, say
from warroom.core.timefmt import fmt_duration, fmt_time, parse_time


def cmd_declare(ctx: Context) -> int:
    from warroom.core.declaring import parse_declare_line

    args = ctx.args
    now = ctx.clock()
    # The title may say the rest, as in the war room: 'P1 #sb @20m checkout down'.
    # A flag says it louder.
    line = parse_declare_line(args.title, ctx.policy, now)
    reported = (
        parse_time(args.reported_at, now, "reported time")
        if args.reported_at is not None
        else line.reported_at
    )
    impact = (
        parse_time(args.impact_started, now, "impact start")
        if args.impact_started is not None
        else None
    )
    category = args.category if args.category is not None else line.category
    incident = ctx.store.declare(
        line.title,
        category,
        args.priority or line.priority or "untriaged",
        reported,
        args.stage,
        impact_started_at=impact,
        drill=args.drill,
    )
    say(incident.id)
    if args.category and args.category.strip().lower() != incident.category.lower():
        done(ctx, f"category: {incident.category} (from {args.category.strip()!r})", err=True)
    return 0


def cmd_list(ctx: Context) -> int:
    incidents = ctx.store.list_incidents(include_closed=ctx.args.all)
    if ctx.args.json:
        from warroom.formats.json import incident_dict

        print_json([incident_dict(i) for i in incidents])
        return 0
    now = ctx.clock()
    for i in incidents:
        urgent = most_urgent(ctx.policy, i, now)
        clock = f"{urgent.name} {margin(urgent)}" if urgent else "—"  # 'triage 50m left'
        if not ctx.policy.knows(i.priority):
            clock = "no clocks: priority unknown"
        priority = ctx.policy.priority_label(i.priority)
        say(
            f"{i.id:>4}  {priority:<9} {i.status:<6} {i.stage:<8} {clock:<28} "
            f"{'DRILL ' if i.drill else ''}{one_line(i.title)}"
        )
    return 0


def cmd_status(ctx: Context) -> int:
    board = ctx.store.board(ctx.args.id)
    now = ctx.clock()
    if ctx.args.json:
        from warroom.formats.json import status_dict

        print_json(status_dict(ctx.policy, board, now))
        return 0
    i = board.incident
    say(f"#{i.id} {'DRILL ' if i.drill else ''}{one_line(i.title)}")
    say(f"  {ctx.policy.priority_label(i.priority)} · {i.category} · {i.stage} · {i.status}")
    say(f"  reported {fmt_time(i.reported_at)}")
    if i.impact_started_at or i.impact_ended_at:
        say(f"  impact {fmt_time(i.impact_started_at)} to {fmt_time(i.impact_ended_at)}")
    if i.closed_at:
        say(f"  closed {fmt_time(i.closed_at)}")
    say("Roles")
    for role in ctx.policy.roles:
        names = ", ".join(one_line(h.person) for h in board.holders(role)) or "(unassigned)"
        say(f"  {role:<13} {names}")
    say("Checklist (ticked = red flag)")
    group = None
    for item in ctx.policy.checklist:
        if item.group != group:
            group = item.group
            say(f"  {one_line(group)}")
        state = board.checklist.get(item.id)
        mark = "[x]" if state and state.ticked else "[ ]"
        who = (
            f"  (ticked by {one_line(state.by)}, {fmt_time(state.at)})"
            if state and state.ticked
            else ""
        )
        say(f"    {mark} {item.id:<3} {item.text}{who}")
    if ctx.policy.knows(i.priority):
        say("Clocks")
    else:
        say(f"Clocks: none, priority {i.priority} is not in the policy ({ctx.policy.source})")
    for c in clock_states(ctx.policy, i, now):
        say(f"  {c.name:<12} {c.state:<9} due {fmt_time(c.deadline)}, {margin(c)}")
    due = next_update(ctx.policy, i, now)
    if due:
        left = "left" if due.remaining.total_seconds() >= 0 else "past due"
        how = f"{due.state}, {fmt_duration(due.remaining)} {left}"
        say(f"Next update due {fmt_time(due.due_at)} ({how})")
    return 0


def cmd_priority(ctx: Context) -> int:
    incident = ctx.store.set_priority(ctx.args.id, ctx.args.priority, ctx.at())
    done(ctx, f"incident {incident.id} is {incident.priority} now")
    return 0


def cmd_stage(ctx: Context) -> int:
    incident = ctx.store.set_stage(ctx.args.id, ctx.args.stage, ctx.at())
    done(ctx, f"incident {incident.id} is in stage {incident.stage} now")
    return 0


def cmd_title(ctx: Context) -> int:
    args = ctx.args
    if args.public is not None:
        incident = ctx.store.set_public_title(args.id, args.public)
        done(ctx, f"public title of incident {args.id}: {one_line(incident.public_title)}")
        if ctx.policy.status_page.dir:  # the page never keeps a title taken back
            from warroom.services.usecases import refresh_status_page

            problem(refresh_status_page(ctx.store, ctx.policy))
        return 0
    from warroom.core.public import NO_PUBLIC_TITLE

    incident = ctx.store.get_incident(args.id)
    say(f"title: {one_line(incident.title)}")
    say(f"public title: {one_line(incident.public_title) or NO_PUBLIC_TITLE}")
    return 0


def cmd_close(ctx: Context) -> int:
    """Close, and draft the 'incident closed' announcement (as the TUI does)."""
    from warroom.services.usecases import close

    closed = close(ctx.store, ctx.policy, ctx.args.id, ctx.args.resolution, ctx.at(), ctx.clock())
    done(
        ctx,
        f"incident {ctx.args.id} closed at {fmt_time(closed.incident.closed_at)};"
        " the closing announcement is drafted",
    )
    problem(closed.page_problem)
    return 0


def cmd_reopen(ctx: Context) -> int:
    ctx.store.reopen_incident(ctx.args.id, ctx.args.reason)
    done(ctx, f"incident {ctx.args.id} reopened")
    if ctx.policy.status_page.dir:
        from warroom.services.usecases import refresh_status_page

        problem(refresh_status_page(ctx.store, ctx.policy))
    return 0


def cmd_real(ctx: Context) -> int:
    incident = ctx.store.make_real(ctx.args.id, ctx.args.reason)
    say(f"#{incident.id} is a real incident now")
    return 0
