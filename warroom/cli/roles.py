"""`warroom assign|unassign`: who holds which role."""

from __future__ import annotations

from warroom.cli.context import Context
from warroom.cli.output import done
from warroom.core.text import one_line, say


def cmd_assign(ctx: Context) -> int:
    holder = ctx.store.assign(ctx.args.id, ctx.args.role, ctx.args.name, ctx.at())
    if holder.previous and holder.previous != holder.person:
        say(f"{holder.role}: {one_line(holder.previous)} -> {one_line(holder.person)}")
    else:
        say(f"{holder.role}: {one_line(holder.person)}")
    return 0


def cmd_unassign(ctx: Context) -> int:
    args = ctx.args
    ctx.store.unassign(args.id, args.role, args.name, ctx.at())
    who = f"{one_line(args.name)} from " if args.name else ""
    done(ctx, f"unassigned {who}{one_line(args.role)} on incident {args.id}")
    return 0
