"""The command line: `warroom` opens the war room; subcommands work without it.

Exit codes: 0 ok, 2 bad usage or bad input, 1 anything else. Errors are one
line on stderr. Textual is imported only when the TUI is launched, the export
module only by the verbs that print JSON or documents: scripts call verbs
often, and each pays for its imports."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from warroom import __version__
from warroom.core.errors import NotFound, UsageError, WarroomError
from warroom.core.model import NOTE_KINDS, chronological, superseded_map, to_iso, utcnow
from warroom.core.policy import MILESTONE_FIELDS, MILESTONES, load_policy
from warroom.core.sla import clock_states, margin, most_urgent, next_update
from warroom.core.text import MAX_NOTE, clip, one_line, say
from warroom.core.timefmt import fmt_duration, fmt_time, parse_time
from warroom.services.paths import (
    check_identity,
    mask_secrets,
    resolve_db,
    resolve_identity,
    resolve_policy,
)
from warroom.store import Store

# argparse asks gettext for a translation of each of its strings, and finding
# no catalogue (it caches none) costs a few file lookups each: over a hundred
# with every verb's parser built. Its messages are shown in English.
argparse._ = str


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size gives it ($COLUMNS, the
    terminal, else 80), without importing shutil (and bz2, lzma with it)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout. argparse makes a formatter for every argument
    added (to check it) and each one imports shutil for the width: ~2 ms of
    every verb's start."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        width = _columns() - 2 if width is None else width
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit code 2."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see: {self.prog} --help)")


def _installed_version(name: str) -> str | None:
    """A distribution's version from its dist-info METADATA on sys.path, read
    directly: importing importlib.metadata (email, zipfile, csv...) costs more
    than all of `warroom --version` otherwise. None when not found so."""
    prefix = f"{name}-"
    for folder in sys.path:
        try:
            entries = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in entries:
            if entry.lower().startswith(prefix) and entry.endswith(".dist-info"):
                try:
                    with open(os.path.join(folder, entry, "METADATA"), encoding="utf-8") as fh:
                        for line in fh:
                            if line.startswith("Version:"):
                                return line.split(":", 1)[1].strip()
                            if not line.strip():
                                break
                except OSError:
                    continue
    return None


def _version() -> str:
    textual = _installed_version("textual")
    if textual is None:
        from importlib.metadata import version

        try:
            textual = version("textual")
        except Exception:
            textual = "not installed"
    return f"warroom {__version__} (textual {textual})"


class _VersionAction(argparse.Action):
    """--version, its text made only when asked: looking up Textual's version
    reads package metadata, which every other verb would pay for at start."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit", **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        say(_version())
        parser.exit()


def record_id(text: str) -> int:
    """An incident or entry id: a positive integer SQLite can hold."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an id: {text!r}") from None
    if not 0 < value < 2**63:
        raise argparse.ArgumentTypeError(f"no such id: {text}")
    return value


class _Skipped:
    """Stands in for the parser of a verb that was not asked for: whatever is
    called on it (add_argument, set_defaults, add_subparsers...) does nothing."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: self


class _OnlyVerb:
    """The subparsers, but only `verb` gets a real parser: a verb's process
    builds its own parser instead of all thirty (about 7 ms of every CLI call)."""

    def __init__(self, sub, verb: str):
        self._sub, self._verb = sub, verb

    def add_parser(self, name: str, **kwargs):
        return self._sub.add_parser(name, **kwargs) if name == self._verb else _Skipped()


_VALUED = {"--db", "--as", "--policy"}  # the global options that take a value
_FLAGS = {"--read-only", "-q", "--quiet"}


def _verb_asked(argv: list[str]) -> str | None:
    """The verb in argv, "" when there is none (the TUI), None when unsure
    (help, an unknown option or verb): then every parser is built."""
    args = iter(argv)
    for arg in args:
        if arg == "--version":
            return ""  # it prints and exits where it stands: no verb's parser is needed
        if arg in _VALUED:
            next(args, None)
        elif arg.startswith("--") and arg.split("=", 1)[0] in _VALUED or arg in _FLAGS:
            continue
        elif arg.startswith("-"):
            return None
        else:
            return arg if arg in COMMANDS else None
    return ""


AT_HELP = "when it happened, if not now: '20m ago', '14:05', ISO-8601"


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; given argv, only the part that verb needs (help and
    errors name every verb: anything unclear builds it all)."""
    parser = _Parser(prog="warroom", description="A terminal war room for incident response.")
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--db", help="database file (default: $WARROOM_DB, else per-user data dir)")
    parser.add_argument("--as", dest="identity", metavar="NAME", help="act as NAME")
    parser.add_argument("--policy", metavar="PATH", help="policy TOML file")
    parser.add_argument(
        "--read-only", action="store_true", help="watch only: open the database without writing"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="say nothing on success (ids still print)"
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    verb = None if argv is None else _verb_asked(argv)
    asked = verb
    if verb is not None:
        sub = _OnlyVerb(sub, verb)

    p = sub.add_parser("declare", help="declare an incident; prints its id")
    p.add_argument("title")
    p.add_argument("--priority", "-p", default="untriaged", help="P1, P2, P3 or untriaged")
    p.add_argument(
        "--category",
        "-c",
        help="a category of the policy, or its start: 'regression' is 'regression or bug'"
        " (the category chosen is said on stderr)",
    )
    p.add_argument("--reported-at", help="when it was reported: '20m ago', '14:05', ISO-8601")
    p.add_argument("--impact-started", metavar="TIME", help="when impact began, if earlier")
    p.add_argument(
        "--stage", help="the stage it starts in (default: Detect, or the policy's first)"
    )
    p.add_argument(
        "--drill", action="store_true", help="a rehearsal: marked DRILL, left out of the report"
    )

    p = sub.add_parser("list", help="list incidents")
    p.add_argument("--all", action="store_true", help="include closed incidents")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("note", help="add a note to the timeline ('-' reads stdin)")
    p.add_argument("id", type=record_id)
    p.add_argument("text")
    p.add_argument("--kind", "-k", default="note", choices=NOTE_KINDS)
    p.add_argument("--at", help="when it happened, if not now")

    p = sub.add_parser(
        "correct", help="correct a timeline entry's text or time (the original is kept)"
    )
    p.add_argument("entry", type=record_id, help="timeline entry id")
    p.add_argument("text", nargs="?", help="the corrected text (default: unchanged)")
    p.add_argument("--at", help="when it really happened (a milestone's entry: moves it)")

    p = sub.add_parser("status", help="roles, checklist, clocks and next update")
    p.add_argument("id", type=record_id)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("timeline", help="print the timeline")
    p.add_argument("id", type=record_id)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("draft", help="print the draft update, or every saved version of it")
    p.add_argument("id", type=record_id)
    p.add_argument("--history", action="store_true", help="every saved version, oldest first")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("assign", help="give a role to a person")
    p.add_argument("id", type=record_id)
    p.add_argument("role")
    p.add_argument("name")
    p.add_argument("--at", help=AT_HELP)

    p = sub.add_parser("unassign", help="take a role from its holder (or one responder)")
    p.add_argument("id", type=record_id)
    p.add_argument("role")
    p.add_argument("name", nargs="?")
    p.add_argument("--at", help=AT_HELP)

    for verb, helptext in (("tick", "tick a checklist item"), ("untick", "untick one")):
        p = sub.add_parser(verb, help=helptext)
        p.add_argument("id", type=record_id)
        p.add_argument("item", help="item id, e.g. c1, i3, a2")
        p.add_argument("--at", help=AT_HELP)

    for verb, clock in (("ack", "acknowledge"), ("triage", "triage"), ("remediate", "remediate")):
        p = sub.add_parser(verb, help=f"record the {clock} milestone (or move, withdraw it)")
        p.add_argument("id", type=record_id)
        _milestone_options(p)
        p.set_defaults(clock=clock)
    p = sub.add_parser("milestone", help="record, move or withdraw any milestone")
    p.add_argument("id", type=record_id)
    p.add_argument("clock", choices=MILESTONES)
    _milestone_options(p)

    p = sub.add_parser("priority", help="change the priority")
    p.add_argument("id", type=record_id)
    p.add_argument("priority")
    p.add_argument("--at", help=AT_HELP)
    p = sub.add_parser("stage", help="change the stage")
    p.add_argument("id", type=record_id)
    p.add_argument("stage")
    p.add_argument("--at", help=AT_HELP)

    p = sub.add_parser("title", help="show the titles, or set the public one stakeholders see")
    p.add_argument("id", type=record_id)
    p.add_argument(
        "--public", metavar="TEXT", help="the public title ('' removes it; never the internal one)"
    )

    p = sub.add_parser("publish", help="publish a stakeholder update (default: the draft)")
    p.add_argument("id", type=record_id)
    p.add_argument("text", nargs="?", help="text, or '-' for stdin")
    p.add_argument("--at", help="when it went out, if not now")
    p.add_argument("--anyway", action="store_true", help="publish even if it says another priority")
    p.add_argument(
        "--status",
        choices=("investigating", "identified", "monitoring", "resolved"),
        help="the public status the status page shows (default: as the last update)",
    )
    p.add_argument(
        "--component",
        action="append",
        metavar="ID=STATE",
        help="a component's state on the status page, e.g. api=partial_outage (repeatable)",
    )

    p = sub.add_parser("statuspage", help="build or preview the public status page")
    verbs = p.add_subparsers(dest="statuspage_command", metavar="VERB", required=True)
    q = verbs.add_parser("build", help="write the static site into DIR (swapped in at once)")
    q.add_argument("dir", nargs="?", help="the folder (default: [status_page] dir in the policy)")
    q = verbs.add_parser("serve", help="preview a built page over HTTP (loopback by default)")
    q.add_argument("dir", nargs="?", help="the folder (default: [status_page] dir in the policy)")
    q.add_argument("--listen", default="127.0.0.1:8080", metavar="HOST:PORT")

    p = sub.add_parser("close", help="close an incident")
    p.add_argument("id", type=record_id)
    p.add_argument("--resolution", "-r", required=True, help="short resolution summary")
    p.add_argument("--at", help="when it closed, if not now")
    _retro_parser(sub)
    _intake_parser(sub)
    if asked in (None, "task"):  # only `task` pays for importing its module
        from warroom.cli.tasks import add_parser as _task_parser

        _task_parser(sub, record_id)
    p = sub.add_parser("export", help="write the retro document: Markdown, JSON or CSV")
    p.add_argument("id", type=record_id)
    p.add_argument("--format", "-f", choices=("md", "json", "csv"), default="md")
    p.add_argument("-o", "--output", metavar="PATH", help="file to write (default: stdout)")
    p.add_argument("--public", action="store_true", help="leave out private responder notes")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")

    sub.add_parser("demo", help="open a throwaway war room with a realistic incident")
    sub.add_parser("doctor", help="check the database, permissions, policy and terminal")
    p = sub.add_parser(
        "move", help="copy a war room into an empty database: a SQLite file <-> postgresql://"
    )
    p.add_argument("source", help="the database to copy: a file or a postgresql:// URL")
    p.add_argument("target", help="an empty (or new) database: a file or a postgresql:// URL")

    p = sub.add_parser("impact", help="record what a change did: helped, none, worse, unknown")
    p.add_argument("entry", type=record_id, help="the change's timeline entry id")
    p.add_argument("impact", help="helped, no effect (none), made it worse (worse), unknown")
    p.add_argument("--note", default="", help="what was seen")

    p = sub.add_parser("real", help="turn a drill into a real incident")
    p.add_argument("id", type=record_id)
    p.add_argument("--reason", default="")

    p = sub.add_parser("report", help="figures across incidents: times, clocks met, updates")
    p.add_argument("--since", help="reported on or after (a date or time; local unless zoned)")
    p.add_argument("--until", help="reported before (a date or time; local unless zoned)")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true")
    form.add_argument("--csv", action="store_true")

    p = sub.add_parser("reopen", help="reopen a closed incident")
    p.add_argument("id", type=record_id)
    p.add_argument("--reason", default="")

    p = sub.add_parser(
        "unsaved", help="changes a stopped war room could not write: list them, or replay them"
    )
    p.add_argument("action", nargs="?", choices=("list", "replay"), default="list")
    return parser


def _intake_parser(sub) -> None:
    from warroom.cli.intake import add_parser

    add_parser(sub, record_id)


def _milestone_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--at", help="when, if not now: '20m ago', '14:05', ISO-8601")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--move", action="store_true", help="change the recorded time to --at")
    group.add_argument("--withdraw", action="store_true", help="take the milestone back")


def _retro_parser(sub) -> None:
    retro = sub.add_parser("retro", help="the retrospective: whys, root cause, action items")
    verbs = retro.add_subparsers(dest="retro_command", metavar="VERB", required=True)
    p = verbs.add_parser("show", help="the whys, root cause and action items")
    p.add_argument("id", type=record_id)
    p.add_argument("--json", action="store_true")
    p = verbs.add_parser("held", help="record when the retro was held")
    p.add_argument("id", type=record_id)
    _milestone_options(p)
    p = verbs.add_parser("why", help="set one of the five whys")
    p.add_argument("id", type=record_id)
    p.add_argument("position", type=int, help="1 to 20")
    p.add_argument("question")
    p.add_argument("answer", nargs="?", default="")
    p = verbs.add_parser("root-cause", help="set the root-cause summary ('-' reads stdin)")
    p.add_argument("id", type=record_id)
    p.add_argument("text", nargs="?")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument(
        "--public", action="store_true", help="let public exports carry the root cause"
    )
    shown.add_argument("--private", action="store_true", help="keep it out of them (the default)")
    p = verbs.add_parser("action", help="add, edit or complete action items")
    acts = p.add_subparsers(dest="action_command", metavar="VERB", required=True)
    for verb, target in (("add", "incident id"), ("edit", "action item id")):
        q = acts.add_parser(verb, help=f"{verb} an action item")
        q.add_argument("id", type=record_id, help=target)
        q.add_argument("title", nargs="?" if verb == "edit" else None)
        q.add_argument("--owner")
        q.add_argument("--due", help="YYYY-MM-DD")
        q.add_argument("--ticket")
    for verb, helptext in (("done", "mark done"), ("reopen", "mark open again")):
        q = acts.add_parser(verb, help=f"{helptext} an action item")
        q.add_argument("id", type=record_id, help="action item id")
    q = acts.add_parser("list", help="the action items")
    q.add_argument("id", type=record_id)
    q.add_argument("--json", action="store_true")
    q = acts.add_parser("export", help="the action items as Jira CSV, issue URLs or to-dos")
    q.add_argument("id", type=record_id, help="incident id")
    q.add_argument("--format", "-f", required=True, choices=("jira-csv", "github", "gitlab", "ics"))
    q.add_argument("--repo", help="owner/name (github) or group/project (gitlab)")
    q.add_argument("--gitlab-host", default="https://gitlab.com", help=argparse.SUPPRESS)
    q.add_argument("--link", help="where the incident's Markdown is (default: incident-ID.md)")
    q.add_argument("-o", "--output", metavar="PATH", help="file to write (default: stdout)")
    q.add_argument("--force", action="store_true", help="overwrite an existing file")
    p = verbs.add_parser("schedule", help="write the retro meeting as an iCalendar event")
    p.add_argument("id", type=record_id)
    p.add_argument("--at", required=True, help="when: ISO-8601 or YYYY-MM-DD HH:MM (local)")
    p.add_argument("--duration", default="60m", help="how long (default 60m)")
    p.add_argument("--link", help="where the incident's Markdown is (default: incident-ID.md)")
    p.add_argument("-o", "--output", metavar="PATH", required=True, help="the .ics file to write")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")


class Context:
    """What every verb needs: resolved paths, identity, policy, a lazily opened store."""

    def __init__(self, args: argparse.Namespace, clock: Callable[[], datetime] = utcnow):
        self.args = args
        self.clock = clock
        self.db_path: Path = resolve_db(args.db)
        self.identity = resolve_identity(args.identity)
        if args.command != "doctor":  # the doctor reports a bad name instead
            source = "--as" if args.identity else "WARROOM_USER" if os.environ.get(
                "WARROOM_USER") else "your login name"  # fmt: skip
            self.identity = check_identity(self.identity, f"the name to act as ({source})")
        self.policy_path = resolve_policy(args.policy)
        if args.command == "doctor":
            # The doctor reports a broken policy instead of stopping at it.
            self.policy = None  # type: ignore[assignment]
        else:
            self.policy = load_policy(self.policy_path)
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            if self.args.command not in MAY_CREATE and not self.db_path.exists():
                # Not a new empty file, then "no incident with id 1".
                raise UsageError(
                    f"no database at {self.db_path} (set WARROOM_DB or --db, "
                    "or declare an incident first)"
                )
            self._store = Store.open(
                self.db_path, self.policy, self.identity, self.clock,
                read_only=self.args.read_only, create=self.args.command in MAY_CREATE,
            )  # fmt: skip
            for warning in self._store.warnings:
                say(f"warroom: {one_line(mask_secrets(warning))}", err=True)
        return self._store


def _read_text(text: str) -> str:
    if text != "-":
        return text
    raw = sys.stdin.buffer.read()
    return raw.decode("utf-8", errors="replace")


def cmd_declare(ctx: Context) -> int:
    args = ctx.args
    now = ctx.clock()
    reported = (
        parse_time(args.reported_at, now, "reported time") if args.reported_at is not None else None
    )
    impact = (
        parse_time(args.impact_started, now, "impact start")
        if args.impact_started is not None
        else None
    )
    incident = ctx.store.declare(
        args.title,
        args.category,
        args.priority,
        reported,
        args.stage,
        impact_started_at=impact,
        drill=args.drill,
    )
    say(incident.id)
    if args.category and args.category.strip().lower() != incident.category.lower():
        done(ctx, f"category: {incident.category} (from {args.category.strip()!r})", err=True)
    return 0


def cmd_impact(ctx: Context) -> int:
    entry = ctx.store.set_change_impact(ctx.args.entry, ctx.args.impact, ctx.args.note)
    say(entry.id)
    return 0


def cmd_real(ctx: Context) -> int:
    incident = ctx.store.make_real(ctx.args.id, ctx.args.reason)
    say(f"#{incident.id} is a real incident now")
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


def cmd_list(ctx: Context) -> int:
    incidents = ctx.store.list_incidents(include_closed=ctx.args.all)
    if ctx.args.json:
        from warroom.formats import export

        say(export.json_text([export.incident_dict(i) for i in incidents]))
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


def cmd_note(ctx: Context) -> int:
    text = _read_text(ctx.args.text)
    text, cut = clip(text, MAX_NOTE)
    at = _at(ctx)
    entry = ctx.store.add_entry(ctx.args.id, text, ctx.args.kind, occurred_at=at)
    if cut:
        say(
            f"warroom: note truncated: only the first {MAX_NOTE} characters were stored",
            err=True,
        )
    say(entry.id)
    return 0


def _at(ctx: Context) -> datetime | None:
    return parse_time(ctx.args.at, ctx.clock()) if ctx.args.at is not None else None


def cmd_correct(ctx: Context) -> int:
    text = None if ctx.args.text is None else _read_text(ctx.args.text)
    entry = ctx.store.correct(ctx.args.entry, text, _at(ctx))
    say(entry.id)
    if entry.public and ctx.policy.status_page.dir:  # a published update, as it now stands
        from warroom.services.usecases import refresh_status_page

        _page_problem(refresh_status_page(ctx.store, ctx.policy))
    return 0


def cmd_status(ctx: Context) -> int:
    board = ctx.store.board(ctx.args.id)
    now = ctx.clock()
    if ctx.args.json:
        from warroom.formats import export

        say(export.json_text(export.status_dict(ctx.policy, board, now)))
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


def cmd_timeline(ctx: Context) -> int:
    ctx.store.get_incident(ctx.args.id)  # an unknown id is an error, not an empty timeline
    entries = chronological(ctx.store.timeline(ctx.args.id))
    later = superseded_map(entries)
    from warroom.formats import export

    if ctx.args.json:
        say(export.json_text([export.entry_dict(e, later) for e in entries]))
        return 0
    for e in entries:
        when = fmt_time(e.occurred_at)
        marks = "".join(f"[{one_line(m)}] " for m in export.entry_marks(e, later, utc=False))
        if e.data.get("by_change_owner") is False:
            marks += "[not the change owner] "
        say(f"{e.id:>6}  {when}  {e.kind:<8} {one_line(e.actor)}: {marks}{one_line(e.text)}")
    return 0


def _version_dict(version) -> dict:
    return {
        "version": version.version,
        "text": version.text,
        "saved_by": version.saved_by,
        "saved_at": to_iso(version.saved_at) if version.saved_at else None,
        "note": version.note,
    }


def cmd_draft(ctx: Context) -> int:
    from warroom.formats.export import json_text

    store = ctx.store
    if ctx.args.history:
        versions = store.draft_history(ctx.args.id)
        if ctx.args.json:
            say(json_text([_version_dict(v) for v in versions]))
            return 0
        for v in versions:
            note = f"  ({one_line(v.note)})" if v.note else ""
            say(f"--- v{v.version}  {fmt_time(v.saved_at)}  {one_line(v.saved_by)}{note}")
            say(v.text)
        return 0
    from warroom.services.usecases import current_draft

    draft = current_draft(store, ctx.policy, ctx.args.id, ctx.clock())
    if ctx.args.json:
        saved_at = to_iso(draft.updated_at) if draft.updated_at else None
        say(json_text({"version": draft.version, "text": draft.text,
                       "saved_by": draft.updated_by, "saved_at": saved_at}))  # fmt: skip
        return 0
    say(draft.text)
    return 0


def cmd_assign(ctx: Context) -> int:
    holder = ctx.store.assign(ctx.args.id, ctx.args.role, ctx.args.name, _at(ctx))
    if holder.previous and holder.previous != holder.person:
        say(f"{holder.role}: {one_line(holder.previous)} -> {one_line(holder.person)}")
    else:
        say(f"{holder.role}: {one_line(holder.person)}")
    return 0


def done(ctx: Context, line: str, err: bool = False) -> None:
    """What a verb did, one line on stdout, unless -q. (Verbs whose output
    scripts read, declare's incident id and note's entry id, print the bare id.)"""
    if not getattr(ctx.args, "quiet", False):
        say(line, err=err)


def cmd_unassign(ctx: Context) -> int:
    args = ctx.args
    ctx.store.unassign(args.id, args.role, args.name, _at(ctx))
    who = f"{one_line(args.name)} from " if args.name else ""
    done(ctx, f"unassigned {who}{one_line(args.role)} on incident {args.id}")
    return 0


def cmd_tick(ctx: Context) -> int:
    args = ctx.args
    ctx.store.set_check(args.id, args.item, args.command == "tick", _at(ctx))
    done(ctx, f"{one_line(args.item)} {args.command}ed on incident {args.id}")
    return 0


def cmd_milestone(ctx: Context) -> int:
    args = ctx.args
    at = _at(ctx)
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


def cmd_priority(ctx: Context) -> int:
    incident = ctx.store.set_priority(ctx.args.id, ctx.args.priority, _at(ctx))
    done(ctx, f"incident {incident.id} is {incident.priority} now")
    return 0


def cmd_stage(ctx: Context) -> int:
    incident = ctx.store.set_stage(ctx.args.id, ctx.args.stage, _at(ctx))
    done(ctx, f"incident {incident.id} is in stage {incident.stage} now")
    return 0


def cmd_title(ctx: Context) -> int:
    args = ctx.args
    if args.public is not None:
        incident = ctx.store.set_public_title(args.id, args.public)
        done(ctx, f"public title of incident {args.id}: {one_line(incident.public_title)}")
        return 0
    from warroom.core.public import NO_PUBLIC_TITLE

    incident = ctx.store.get_incident(args.id)
    say(f"title: {one_line(incident.title)}")
    say(f"public title: {one_line(incident.public_title) or NO_PUBLIC_TITLE}")
    return 0


def cmd_publish(ctx: Context) -> int:
    from warroom.services.usecases import (
        current_draft,
        draft_problems,
        public_choices,
        publish,
        publish_draft,
    )

    if ctx.args.text is None:
        text = current_draft(ctx.store, ctx.policy, ctx.args.id, ctx.clock()).text
        if not text.strip():
            raise UsageError(f"incident {ctx.args.id} has no draft update to publish")
        # The draft was written earlier, perhaps at another priority: said first.
        problems = draft_problems(ctx.store, ctx.policy, ctx.args.id, text)
        if problems and not ctx.args.anyway:
            raise UsageError(f"not published: {'; '.join(problems)} (--anyway sends it as it is)")
    else:
        text = _read_text(ctx.args.text)
    from warroom.services.config import load_config

    config = load_config()  # a broken config is refused before anything is published
    status, components = public_choices(ctx.args.status, ctx.args.component)
    if ctx.args.text is None:
        published = publish_draft(
            ctx.store, ctx.policy, config, ctx.args.id, _at(ctx), ctx.clock(), status, components
        )
    else:
        published = publish(
            ctx.store, ctx.policy, config, ctx.args.id, text, _at(ctx), status, components
        )
    say(published.entry.id)
    hook = published.hook
    if hook is not None and (hook.event == "hook.skipped" or not hook.result.ok):
        # The update itself is published; say loudly that it went no further.
        say(f"warroom: {one_line(hook.summary)}", err=True)
    _page_problem(published.page_problem)
    return 0


def _page_problem(problem: str | None) -> None:
    if problem:
        say(f"warroom: {one_line(problem)}", err=True)


def cmd_statuspage(ctx: Context) -> int:
    args = ctx.args
    folder = args.dir or ctx.policy.status_page.dir
    if not folder:
        raise UsageError("give the folder (or set dir in the policy's [status_page])")
    folder_path = Path(folder).expanduser()
    if args.statuspage_command == "build":
        from warroom.formats.statuspage import build

        say(build(ctx.store, ctx.policy, folder_path))
        return 0
    from warroom.formats.serve import serve

    return serve(folder_path, args.listen)


def cmd_close(ctx: Context) -> int:
    """Close, and draft the 'incident closed' announcement (as the TUI does)."""
    from warroom.services.usecases import close

    closed = close(ctx.store, ctx.policy, ctx.args.id, ctx.args.resolution, _at(ctx), ctx.clock())
    done(
        ctx,
        f"incident {ctx.args.id} closed at {fmt_time(closed.incident.closed_at)};"
        " the closing announcement is drafted",
    )
    _page_problem(closed.page_problem)
    return 0


def cmd_export(ctx: Context) -> int:
    args = ctx.args
    from warroom.formats import export

    text = export.render_export(
        ctx.store.bundle(args.id), ctx.policy, args.format, args.public, ctx.clock()
    )
    if args.output is None:
        say(text, end="")
        return 0
    path = export.write_atomic(Path(args.output), text, force=args.force)
    say(path)
    return 0


def cmd_retro(ctx: Context) -> int:
    from warroom.cli.retro import run_retro

    return run_retro(ctx, _read_text, cmd_milestone)


def cmd_intake(ctx: Context) -> int:
    from warroom.cli.intake import run_intake

    return run_intake(ctx)


def cmd_task(ctx: Context) -> int:
    from warroom.cli.tasks import run_task

    return run_task(ctx)


def cmd_reopen(ctx: Context) -> int:
    ctx.store.reopen_incident(ctx.args.id, ctx.args.reason)
    done(ctx, f"incident {ctx.args.id} reopened")
    if ctx.policy.status_page.dir:
        from warroom.services.usecases import refresh_status_page

        _page_problem(refresh_status_page(ctx.store, ctx.policy))
    return 0


def cmd_unsaved(ctx: Context) -> int:
    """What stopped war rooms kept for this database; replay writes each
    change once (its idempotency key is stored with it) and removes the file."""
    from warroom.services import unsaved

    found = unsaved.files(ctx.db_path)
    if ctx.args.action == "list":
        if not found:
            say("nothing kept: every change was written")
        for path in found:
            for item in unsaved.read(path):
                what = one_line(str(item.get("what", "?")))[:60]
                who = one_line(str(item.get("actor", "?")))[:30]
                say(f"{path}: {what} (by {who}, typed {one_line(str(item.get('typed_at')))})")
        return 0
    if not found:
        say("nothing kept: every change was written")
        return 0
    done = unsaved.replay(ctx.store, ctx.db_path)
    for line in done.failed:
        say(f"warroom: not written: {one_line(line)}", err=True)
    say(
        f"{done.written} change(s) written, {done.already} written before;"
        f" {len(done.removed)} file(s) removed"
        + (f", {len(done.left)} kept: {', '.join(map(str, done.left))}" if done.left else "")
    )
    return 1 if done.failed else 0


def cmd_demo(ctx: Context) -> int:
    """A seeded database in a temp dir, deleted afterwards: the real one is never touched."""
    import tempfile

    from warroom.cli.demo import seed_demo

    with tempfile.TemporaryDirectory(prefix="warroom-demo-") as tmp:
        path = Path(tmp) / "demo.db"
        main_id = seed_demo(path, ctx.policy, ctx.clock())
        ctx.db_path = path
        ctx.identity = "maya"
        try:
            return run_tui(ctx, start_incident=main_id, demo=True)
        finally:
            if ctx._store is not None:
                ctx._store.close()
                ctx._store = None


def cmd_move(ctx: Context) -> int:
    from warroom.store.move import move

    moved = move(resolve_db(ctx.args.source), resolve_db(ctx.args.target), ctx.clock)
    say(moved.line())
    return 0


def cmd_doctor(ctx: Context) -> int:
    from warroom.cli.doctor import run_doctor

    env = os.environ
    db_source = "--db" if ctx.args.db else "WARROOM_DB" if env.get("WARROOM_DB") else "default"
    who = "--as" if ctx.args.identity else "WARROOM_USER" if env.get("WARROOM_USER") else "login"
    checks = run_doctor(ctx.db_path, db_source, ctx.policy_path, ctx.identity, who)
    for check in checks:
        say(check.line())
    return 0 if all(c.ok for c in checks) else 1


DEMO_HOOKS_OFF = "publish hook not run: this is the demo, nothing is posted anywhere"


def run_tui(ctx: Context, start_incident: int | None = None, demo: bool = False) -> int:
    import gc

    from warroom.tui import textual_env

    textual_env.apply()
    # Start-up builds what lives all session (Textual's modules, the screen,
    # its widgets and first page of entries): no collector passes over it
    # before the first frame; the app turns collection back on once painted.
    gc.disable()
    from warroom.services.config import load_config
    from warroom.tui.app import run_app

    config = load_config()
    if demo:  # a throwaway war room: the team's real hook must never see it
        from warroom.core.record import replace

        config = replace(config, hooks_off=DEMO_HOOKS_OFF)
    store = ctx.store
    extra = {} if store.poll_seconds is None else {"poll_seconds": store.poll_seconds}
    return run_app(store, ctx.policy, config=config, start_incident=start_incident, **extra)


# Verbs that may start a new database; the others act on what is already there.
MAY_CREATE = {"declare", "list", "demo", "doctor", "intake", None}

COMMANDS: dict[str, Callable[[Context], int]] = {
    "declare": cmd_declare,
    "list": cmd_list,
    "note": cmd_note,
    "correct": cmd_correct,
    "status": cmd_status,
    "timeline": cmd_timeline,
    "draft": cmd_draft,
    "assign": cmd_assign,
    "unassign": cmd_unassign,
    "tick": cmd_tick,
    "untick": cmd_tick,
    "ack": cmd_milestone,
    "triage": cmd_milestone,
    "remediate": cmd_milestone,
    "milestone": cmd_milestone,
    "priority": cmd_priority,
    "stage": cmd_stage,
    "title": cmd_title,
    "publish": cmd_publish,
    "close": cmd_close,
    "reopen": cmd_reopen,
    "retro": cmd_retro,
    "task": cmd_task,
    "real": cmd_real,
    "impact": cmd_impact,
    "report": cmd_report,
    "export": cmd_export,
    "statuspage": cmd_statuspage,
    "move": cmd_move,
    "demo": cmd_demo,
    "doctor": cmd_doctor,
    "unsaved": cmd_unsaved,
    "intake": cmd_intake,
}


def _decoded(argv: list[str]) -> list[str]:
    """Arguments that were not valid UTF-8 arrive as lone surrogates: show the
    bad bytes as U+FFFD, as text read from stdin does."""

    def fix(arg: str) -> str:
        try:
            return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:
            return arg.encode("utf-8", "surrogatepass").decode("utf-8", "replace")

    return [fix(a) for a in argv]


def main(argv: list[str] | None = None) -> int:
    ctx: Context | None = None
    try:
        argv = _decoded(sys.argv[1:] if argv is None else argv)
        args = build_parser(argv).parse_args(argv)
        ctx = Context(args)
        try:
            handler = COMMANDS.get(args.command, run_tui)
            code = handler(ctx)
            sys.stdout.flush()  # a full disk or closed pipe is an error here, not at exit
            return code
        finally:
            if ctx._store is not None:
                ctx._store.close()
    except NotFound as exc:
        where = f" in {ctx.db_path}" if ctx is not None else ""
        say(f"warroom: {one_line(mask_secrets(f'{exc}{where}'))}", err=True)
        return exc.exit_code
    except WarroomError as exc:
        say(f"warroom: {one_line(mask_secrets(str(exc)))}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        say("warroom: interrupted", err=True)
        return 130
    except BrokenPipeError:
        _drop_stdout()
        return 1
    except OSError as exc:
        # A full disk or an I/O error of the output itself (the store's own
        # arrive as WarroomError): one line, never a traceback; stdout is
        # dropped so nothing fails again at exit.
        _drop_stdout()
        say(f"warroom: {one_line(mask_secrets(str(exc)))}", err=True)
        return 1


def _drop_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
