"""`warroom intake serve|list|accept|decline|merge`: the receiver, and a
person's decisions on what it proposes (the same store calls as the TUI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warroom.core.errors import UsageError
from warroom.core.model import to_iso
from warroom.core.text import labels_line, one_line, say
from warroom.core.timefmt import fmt_ago, fmt_time


def add_parser(sub, record_id) -> None:
    intake = sub.add_parser("intake", help="alerts from monitoring: serve, list, accept, decline")
    verbs = intake.add_subparsers(dest="intake_command", metavar="VERB", required=True)
    p = verbs.add_parser("serve", help="receive alerts (Alertmanager, Grafana, PagerDuty v2)")
    p.add_argument("--listen", default="127.0.0.1:9747", help="HOST:PORT (default: %(default)s)")
    p.add_argument(
        "--token-file",
        required=True,
        metavar="PATH",
        help="the bearer token, in a file only its owner and group can read",
    )
    p.add_argument("--allow-remote", action="store_true", help="listen on a non-loopback address")
    p.add_argument("--busy-timeout", type=float, default=5.0, help="seconds to wait for the lock")
    p = verbs.add_parser("list", help="proposals waiting for a decision")
    p.add_argument("--all", action="store_true", help="decided ones too")
    p.add_argument("--json", action="store_true")
    p = verbs.add_parser("accept", help="declare the incident a proposal stands for")
    p.add_argument("id", type=record_id)
    p.add_argument("--priority", "-p", help="instead of the policy's [[intake.route]]")
    p.add_argument("--category", "-c", help="instead of the policy's [[intake.route]]")
    p = verbs.add_parser("decline", help="decline a proposal, saying why")
    p.add_argument("id", type=record_id)
    p.add_argument("--reason", "-r", required=True)
    p = verbs.add_parser("merge", help="merge a proposal's alerts into an open incident")
    p.add_argument("id", type=record_id)
    p.add_argument("incident", type=record_id)


def proposal_dict(p) -> dict[str, Any]:
    return {
        "id": p.id,
        "source": p.source,
        "group_key": p.group_key,
        "status": p.status,
        "title": p.title,
        "labels": p.labels,
        "alerts": p.alerts,
        "firing": p.firing,
        "first_seen": to_iso(p.first_seen),
        "last_seen": to_iso(p.last_seen),
        "started_at": to_iso(p.started_at) if p.started_at else None,
        "incident_id": p.incident_id,
        "decided_by": p.decided_by,
        "decided_at": to_iso(p.decided_at) if p.decided_at else None,
        "reason": p.reason,
    }


def run_intake(ctx) -> int:
    args = ctx.args
    verb = args.intake_command
    if verb == "serve":
        return _serve(ctx)
    store = ctx.store
    if verb == "list":
        proposals = store.proposals(None if args.all else "proposed")
        if args.json:
            from warroom.formats.export import json_text

            say(json_text([proposal_dict(p) for p in proposals]))
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
        incident = usecases.accept_proposal(
            store, ctx.policy, args.id, args.category, args.priority
        )
        say(incident.id)
        return 0
    if verb == "decline":
        usecases.decline_proposal(store, args.id, args.reason)
        return 0
    if verb == "merge":
        usecases.merge_proposal(store, args.id, args.incident)
        return 0
    raise UsageError(f"unknown intake verb {verb!r}")


def _serve(ctx) -> int:
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
