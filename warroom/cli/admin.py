"""`warroom move|doctor|unsaved`: looking after the database rather than an
incident."""

from __future__ import annotations

import os

from warroom.cli.context import Context
from warroom.core.text import one_line, say
from warroom.services.paths import resolve_db


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
