"""The command line: `warroom` opens the war room; subcommands work without it.

main() parses the arguments (parser.py), makes the verb's context and hands
whatever stops it to context.fail() (one line, the exit code). The verbs live
in a module per group; each imports what only it needs inside its function
(Textual only when the war room opens, the formats only where they print):
scripts call verbs often, and each pays for its imports."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

from warroom.cli.context import Context, decoded, fail
from warroom.core.errors import SchemaChecked

if TYPE_CHECKING:
    import argparse


def run_tui(ctx: Context, start_incident: int | None = None, demo: bool = False) -> int:
    """`warroom` with no verb: the war room itself."""
    import gc

    from warroom.tui import textual_env

    textual_env.apply()
    # Start-up builds what lives all session (Textual's modules, the screen,
    # its widgets and first page of entries): no collector passes over it
    # before the first frame; the app turns collection back on once painted.
    gc.disable()
    store = ctx.store
    extra: dict = {} if store.poll_seconds is None else {"poll_seconds": store.poll_seconds}
    if store.engine == "sqlite":
        # What the first screen shows is read on a thread of its own while
        # Textual is imported: the war room is then the app's first screen
        # itself (see warroom/tui/first_read.py). A server's first screen is
        # read once the app runs, beside its listening connection.
        from warroom.tui.first_read import FirstRead

        extra["first_read"] = FirstRead(store, start_incident)
    from warroom.services.config import load_config
    from warroom.tui.app import run_app

    config = load_config()
    if demo:  # a throwaway war room: the team's real hook must never see it
        from warroom.core.record import replace

        config = replace(config, hooks_off=DEMO_HOOKS_OFF)
    return run_app(store, ctx.policy, config=config, start_incident=start_incident, **extra)


DEMO_HOOKS_OFF = "publish hook not run: this is the demo, nothing is posted anywhere"


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
            ctx.close()


# Each verb and the function that runs it, "module:function" in warroom/cli/.
# A verb's process imports only its own module (the others cost ~2 ms of
# every call's start-up: bench figure 10).
VERBS: dict[str, str] = {
    "declare": "incidents:cmd_declare",
    "list": "incidents:cmd_list",
    "note": "timeline:cmd_note",
    "correct": "timeline:cmd_correct",
    "status": "incidents:cmd_status",
    "timeline": "timeline:cmd_timeline",
    "draft": "drafts:cmd_draft",
    "assign": "roles:cmd_assign",
    "unassign": "roles:cmd_unassign",
    "tick": "timeline:cmd_tick",
    "untick": "timeline:cmd_tick",
    "ack": "timeline:cmd_milestone",
    "triage": "timeline:cmd_milestone",
    "remediate": "timeline:cmd_milestone",
    "milestone": "timeline:cmd_milestone",
    "priority": "incidents:cmd_priority",
    "stage": "incidents:cmd_stage",
    "title": "incidents:cmd_title",
    "publish": "drafts:cmd_publish",
    "close": "incidents:cmd_close",
    "reopen": "incidents:cmd_reopen",
    "retro": "retro:run_retro",
    "task": "tasks:run_task",
    "real": "incidents:cmd_real",
    "impact": "timeline:cmd_impact",
    "report": "export:cmd_report",
    "export": "export:cmd_export",
    "statuspage": "drafts:cmd_statuspage",
    "move": "admin:cmd_move",
    "doctor": "admin:cmd_doctor",
    "unsaved": "admin:cmd_unsaved",
    "intake": "intake:run_intake",
}


def handler(verb: str | None) -> Callable[[Context], int]:
    """What runs `verb`: no verb opens the war room, `demo` a throwaway one."""
    if verb is None:
        return run_tui
    if verb == "demo":
        return cmd_demo
    module, function = VERBS[verb].split(":")
    return getattr(import_module(f"warroom.cli.{module}"), function)


# `warroom` alone: what the parser makes of no arguments (tests/unit/test_cli_verbs.py
# holds the two the same).
NO_ARGUMENTS = {
    "version": None,
    "db": None,
    "identity": None,
    "policy": None,
    "read_only": False,
    "quiet": False,
    "command": None,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The arguments. `warroom` alone, the war room opened as an incident
    starts, builds no parser: importing argparse and building even the
    parser's top level cost ~6 ms of its start (bench figure 11)."""
    if not argv:
        return cast("argparse.Namespace", SimpleNamespace(**NO_ARGUMENTS))
    from warroom.cli.parser import build_parser

    return build_parser(argv).parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import gc

    ctx: Context | None = None
    try:
        argv = decoded(sys.argv[1:] if argv is None else argv)
        args = parse_args(argv)
        if args.command is not None:
            # Held off while the modules were imported (entry.py): on again
            # for a verb. The war room keeps it off until its first frame
            # (run_tui): turned on here, the next allocation set off a pass
            # over everything the imports had made (~1 ms of every start).
            gc.enable()
        ctx = Context(args)
        try:
            verb = handler(args.command)
            try:
                code = verb(ctx)
            except SchemaChecked:
                # The first write met a schema it had not looked at (a new
                # database, another version): nothing was written, and the
                # store has looked now, so the verb runs again, once.
                code = verb(ctx)
            sys.stdout.flush()  # a full disk or closed pipe is an error here, not at exit
            return code
        finally:
            ctx.close()
    except (Exception, KeyboardInterrupt) as exc:
        return fail(exc, ctx)


if __name__ == "__main__":
    sys.exit(main())
