"""`warroom export|report`: one incident as a document, or figures across
incidents (the formats are warroom/formats/)."""

from __future__ import annotations

from warroom.cli.context import Context
from warroom.cli.output import document
from warroom.core.errors import UsageError
from warroom.core.text import say
from warroom.core.timefmt import parse_time


def cmd_export(ctx: Context) -> int:
    from warroom.formats.export import render_export

    args = ctx.args
    bundle = ctx.store.bundle(args.id)
    document(args, render_export(bundle, ctx.policy, args.format, args.public, ctx.clock()))
    return 0


def cmd_report(ctx: Context) -> int:
    from warroom.core.report import build_report
    from warroom.formats.report_text import render_csv, render_json, render_text

    now = ctx.clock()
    since = parse_time(ctx.args.since, now) if ctx.args.since is not None else None
    # The end of a period may lie ahead (--until tomorrow): it only bounds the report.
    until = (
        parse_time(ctx.args.until, now, "--until", future=True)
        if ctx.args.until is not None
        else None
    )
    if since and until and until <= since:
        raise UsageError("--until must be later than --since")
    report = build_report(
        ctx.policy, ctx.store.report_rows(), now, since, until, intake=ctx.store.intake_counts()
    )
    if ctx.args.json:
        say(render_json(report), end="")
    elif ctx.args.csv:
        say(render_csv(report), end="")
    else:
        say(render_text(report, now.astimezone().tzname() or "local time"), end="")
    return 0
