"""The argument parser of `warroom` and its verbs (argparse; a usage mistake
is one line and exit code 2, like every other error)."""

from __future__ import annotations

import argparse
from typing import Any

from warroom import __version__
from warroom.core.errors import UsageError
from warroom.core.model import NOTE_KINDS
from warroom.core.policy import MILESTONES
from warroom.core.text import say


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see: {self.prog} --help)")


class _VersionAction(argparse.Action):
    """--version, its text made only when asked: Textual's version is read from
    package metadata, which no other verb needs."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit", **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            textual = version("textual")
        except PackageNotFoundError:
            textual = "not installed"
        say(f"warroom {__version__} (textual {textual})")
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


AT_HELP = "when it happened, if not now: '20m ago', '14:05', ISO-8601"


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser of `warroom` and every verb; given argv, only the part the
    verb asked for needs (help, errors and anything unclear build it all)."""
    verb = None if argv is None else _verb_asked(argv)
    parser, found = _build(verb)
    if verb and not found:  # not one of ours: the error lists every verb
        parser, _ = _build(None)
    return parser


# Start-up: a verb's process builds only its own parser, not all thirty-odd
# (argparse makes each with its help action, formatters and gettext lookups).
# That is ~10 ms of process CPU in every CLI call: bench figure 10 (`python -m
# bench --only cli`, target ratio <= 2 to a Python importing sqlite3, argparse,
# tomllib and json) is 1.8-1.9 with it, 2.1-2.2 without.
class _OnlyVerb:
    """The subparsers, but only `verb` gets a real parser."""

    def __init__(self, sub, verb: str):
        self._sub, self._verb, self.found = sub, verb, False

    def add_parser(self, name: str, **kwargs):
        if name != self._verb:
            return _Skipped()
        self.found = True
        return self._sub.add_parser(name, **kwargs)


class _Skipped:
    """Stands in for the parser of a verb that was not asked for: whatever is
    called on it (add_argument, set_defaults, add_subparsers...) does nothing."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: self


_VALUED = {"--db", "--as", "--policy"}  # the global options that take a value
_FLAGS = {"--read-only", "-q", "--quiet"}


def _verb_asked(argv: list[str]) -> str | None:
    """The verb in argv, "" when there is none (the TUI), None when unsure
    (help, an option this does not know): then every parser is built."""
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
            return arg
    return ""


def _build(verb: str | None) -> tuple[argparse.ArgumentParser, bool]:
    """The parser, with every verb's (verb None) or only that verb's: (parser,
    whether the verb was one of ours)."""
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
    sub: Any = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    only = None if verb is None else _OnlyVerb(sub, verb)
    if only is not None:
        sub = only

    p = sub.add_parser("declare", help="declare an incident; prints its id")
    p.add_argument(
        "title",
        help="the title; words at its start or end may say the priority, category and"
        " reported time, as in the war room: 'P1 #sb @20m checkout returns 500'",
    )
    p.add_argument(
        "--priority", "-p", help="P1, P2, P3 or untriaged (default: the title's, else untriaged)"
    )
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
    _task_parser(sub)
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
    return parser, only is None or only.found


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


def _intake_parser(sub) -> None:
    intake = sub.add_parser("intake", help="alerts from monitoring: serve, list, accept, decline")
    verbs = intake.add_subparsers(dest="intake_command", metavar="VERB", required=True)
    p = verbs.add_parser("serve", help="receive alerts (Alertmanager, Grafana, PagerDuty v2)")
    p.add_argument("--listen", default="127.0.0.1:9747", help="HOST:PORT (default: %(default)s)")
    p.add_argument(
        "--token-file", required=True, metavar="PATH",
        help="the bearer token, in a file only its owner and group can read",
    )  # fmt: skip
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


def _task_parser(sub) -> None:
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
    p.add_argument("--note", help=argparse.SUPPRESS)
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
