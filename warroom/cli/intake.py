"""`warroom intake serve|list|accept|decline|merge`: the receiver, and a
person's decisions on what it proposes (the same store calls as the TUI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warroom.cli.context import Context
from warroom.cli.output import print_json
from warroom.core.errors import UsageError
from warroom.core.model import to_iso
from warroom.core.text import labels_line, one_line, say
from warroom.core.timefmt import fmt_ago, fmt_time


def proposal_dict(p) -> dict[str, Any]:
    return {
        "id": p.id, "source": p.source, "group_key": p.group_key, "status": p.status,
        "title": p.title, "labels": p.labels, "alerts": p.alerts, "firing": p.firing,
        "first_seen": to_iso(p.first_seen), "last_seen": to_iso(p.last_seen),
        "started_at": to_iso(p.started_at) if p.started_at else None,
        "incident_id": p.incident_id, "decided_by": p.decided_by,
        "decided_at": to_iso(p.decided_at) if p.decided_at else None, "reason": p.reason,
    }  # fmt: skip


def run_intake(ctx: Context) -> int:
    args = ctx.args
    verb = args.intake_command
    if verb == "serve":
        return _serve(ctx)
    store = ctx.store
    if verb == "list":
        proposals = store.proposals(None if args.all else "proposed")
        if args.json:
            print_json([proposal_dict(p) for p in proposals])
            return 0
        now = ctx.clock()
        for p in proposals:
            decided = "" if p.status == "proposed" else f" [{p.status}]"
            plural = "s" if p.alerts != 1 else " "
            say(
                f"{p.id:>4}  {one_line(p.source):<12} {p.alerts:>3} alert{plural}"
                f" ({p.firing} firing)  first seen {fmt_ago(p.first_seen, now)}"
                f"{decided}  {one_line(p.title)}  {labels_line(p.labels)}"
            )
        if not proposals:
            say("no proposals" + ("" if args.all else " waiting"), err=True)
        return 0
    from warroom.services import usecases

    if verb == "accept":
        incident = usecases.accept_proposal(store, ctx.policy, args.id, args.category,
                                            args.priority)  # fmt: skip
        say(incident.id)
        return 0
    if verb == "decline":
        usecases.decline_proposal(store, args.id, args.reason)
        return 0
    if verb == "merge":
        usecases.merge_proposal(store, args.id, args.incident)
        return 0
    raise UsageError(f"unknown intake verb {verb!r}")


def _serve(ctx: Context) -> int:
    from warroom.intake.auth import is_loopback, parse_listen, read_token

    args = ctx.args
    host, port = parse_listen(args.listen)
    if not is_loopback(host) and not args.allow_remote:
        raise UsageError(
            f"--listen {host}: not a loopback address; add --allow-remote to listen there"
        )
    token = read_token(Path(args.token_file))
    try:
        from warroom.intake.server import serve
    except ImportError:
        raise UsageError(
            "warroom intake serve needs aiohttp: pip install 'warroom[intake]'"
        ) from None
    store = ctx.store
    store.set_busy_timeout(args.busy_timeout)
    try:
        serve(store, host, port, token)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    say(f"intake: stopped at {fmt_time(ctx.clock())}", err=True)
    return 0
