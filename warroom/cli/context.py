"""What a verb runs with, and how whatever stops a verb reaches the user.

Context: the database, identity and policy a verb acts with, the store opened
on first use. fail(): the one line on stderr and the exit code for an error
(0 ok, 2 bad usage or bad input, 1 anything else, 130 interrupted); no
traceback unless it is a bug."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.core.errors import NotFound, UsageError, WarroomError
from warroom.core.model import utcnow
from warroom.core.policy import Policy, load_policy
from warroom.core.text import one_line, say
from warroom.core.timefmt import parse_time
from warroom.services.paths import (
    check_identity,
    mask_secrets,
    resolve_db,
    resolve_identity,
    resolve_policy,
)
from warroom.store import Store

if TYPE_CHECKING:
    import argparse

    from warroom.services.paths import DbUrl

# Verbs that may start a new database; the others act on what is already there.
MAY_CREATE = {"declare", "list", "demo", "doctor", "intake", None}
# One-shot verbs that write first: on a server, the schema is looked at in the
# write's own round trip (Store.open's check_later), not on one of its own.
WRITE_FIRST = {
    "declare", "note", "correct", "assign", "unassign", "tick", "untick", "ack", "triage",
    "remediate", "milestone", "priority", "stage", "title", "publish", "close", "reopen",
    "real", "impact",
}  # fmt: skip


class Context:
    """What every verb needs: resolved paths, identity, policy, a lazily opened store."""

    def __init__(self, args: argparse.Namespace, clock: Callable[[], datetime] = utcnow):
        self.args = args
        self.clock = clock
        self.db_path: Path | DbUrl = resolve_db(args.db)
        self.identity = resolve_identity(args.identity)
        if args.command != "doctor":  # the doctor reports a bad name instead
            source = "--as" if args.identity else "WARROOM_USER" if os.environ.get(
                "WARROOM_USER") else "your login name"  # fmt: skip
            self.identity = check_identity(self.identity, f"the name to act as ({source})")
        self.policy_path = resolve_policy(args.policy)
        self.policy: Policy
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
                check_later=self.args.command in WRITE_FIRST,
                companion=self.args.command is None,  # the war room: its worker's connection
            )  # fmt: skip
            for warning in self._store.warnings:
                say(f"warroom: {one_line(mask_secrets(warning))}", err=True)
        return self._store

    def close(self) -> None:
        """Close the store if the verb opened one."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def at(self) -> datetime | None:
        """The verb's --at time, if it was given: '20m ago', '14:05', ISO-8601."""
        return parse_time(self.args.at, self.clock()) if self.args.at is not None else None


_stdin: list[str] = []  # stdin as read once: a verb run again reads the same text


def read_text(text: str) -> str:
    """A text argument as given, or stdin for '-' (bytes that are not UTF-8 as U+FFFD)."""
    if text != "-":
        return text
    if not _stdin:
        _stdin.append(sys.stdin.buffer.read().decode("utf-8", errors="replace"))
    return _stdin[0]


def decoded(argv: list[str]) -> list[str]:
    """Arguments that were not valid UTF-8 arrive as lone surrogates: show the
    bad bytes as U+FFFD, as text read from stdin does."""

    def fix(arg: str) -> str:
        try:
            return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:
            return arg.encode("utf-8", "surrogatepass").decode("utf-8", "replace")

    return [fix(a) for a in argv]


def fail(exc: BaseException, ctx: Context | None) -> int:
    """What the user sees when exc stopped a verb: one line on stderr, and the
    exit code. Anything else (a bug) is raised again, with its traceback."""
    if isinstance(exc, NotFound):
        where = f" in {ctx.db_path}" if ctx is not None else ""
        say(f"warroom: {one_line(mask_secrets(f'{exc}{where}'))}", err=True)
        return exc.exit_code
    if isinstance(exc, WarroomError):
        say(f"warroom: {one_line(mask_secrets(str(exc)))}", err=True)
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        say("warroom: interrupted", err=True)
        return 130
    if isinstance(exc, BrokenPipeError):
        _drop_stdout()
        return 1
    if isinstance(exc, OSError):
        # A full disk or an I/O error of the output itself (the store's own
        # arrive as WarroomError): one line, never a traceback; stdout is
        # dropped so nothing fails again at exit.
        _drop_stdout()
        say(f"warroom: {one_line(mask_secrets(str(exc)))}", err=True)
        return 1
    raise exc


def _drop_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
