"""`warroom doctor`: explain the setup in use, each line OK or a concrete fix.

Reads only: the database is opened read-only and never modified."""

from __future__ import annotations

import grp
import os
import shutil
import stat
from pathlib import Path

from warroom.core.errors import UsageError
from warroom.core.policy import load_policy
from warroom.core.record import record
from warroom.core.text import one_line
from warroom.services.config import config_path, load_config
from warroom.services.paths import DbUrl, check_identity, mask_secrets
from warroom.store import SQLITE_HEADER, describe


@record
class Check:
    ok: bool
    topic: str
    detail: str

    def line(self) -> str:
        """One line, whatever the detail holds: the environment's bytes that are
        not UTF-8 shown as U+FFFD, controls and newlines as visible marks,
        passwords masked."""
        detail = self.detail.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return f"{'OK ' if self.ok else 'FIX'}  {self.topic:<11} {one_line(mask_secrets(detail))}"


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def check_database(path: Path | DbUrl, source: str) -> list[Check]:
    checks = [Check(True, "database", f"{path} (from {source})")]
    if isinstance(path, DbUrl):  # a server: the backend says what it finds there
        return checks + [Check(*fact) for fact in describe(path)]
    if path.is_dir():
        return [*checks, Check(False, "database", f"{path} is a directory: point --db at a file")]
    if not path.exists():
        parent = path.parent
        while not parent.exists():
            parent = parent.parent
        if os.access(parent, os.W_OK):
            note = "does not exist yet; warroom creates it on first use (try `warroom demo`)"
            return [*checks, Check(True, "database", note)]
        fix = f"does not exist and {parent} is not writable: choose another --db"
        return [*checks, Check(False, "database", fix)]
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        fix = f"{path} is not a regular file (a device, FIFO or socket): point --db at a file"
        return [*checks, Check(False, "database", fix)]
    mode = stat.S_IMODE(st.st_mode)
    group = _group_name(st.st_gid)
    if mode & 0o007:
        checks.append(
            Check(False, "permissions", f"{mode:o}, others can read notes: chmod o-rwx {path}")
        )
    else:
        checks.append(Check(True, "permissions", f"{mode:o}, group {group}, others none"))
    if mode & 0o060 != 0o060:
        checks.append(
            Check(
                False, "sharing", f"group {group} cannot write: chmod g+rw {path} (and -wal/-shm)"
            )
        )
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        checks.append(Check(False, "access", "read-only for you: warroom opens it to watch only"))
    with open(path, "rb", opener=lambda p, f: os.open(p, f | os.O_NONBLOCK)) as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            return [*checks, Check(False, "schema", "not a SQLite database: use another --db")]
    return checks + [Check(*fact) for fact in describe(path)]


def run_doctor(
    db_path: Path | DbUrl,
    db_source: str,
    policy_path: Path | None,
    identity: str,
    identity_source: str,
) -> list[Check]:
    checks = check_database(db_path, db_source)
    try:
        policy = load_policy(policy_path)
        checks.append(Check(True, "policy", f"{policy.source}"))
    except UsageError as exc:
        checks.append(Check(False, "policy", str(exc)))
    try:
        config = load_config()
        checks.append(
            Check(
                True,
                "config",
                config.source
                if config.source != "defaults"
                else f"defaults ({config_path()} not present)",
            )
        )
        checks += [Check(False, "keymap", problem) for problem in config.keymap_problems]
    except UsageError as exc:
        checks.append(Check(False, "config", str(exc)))
    try:
        check_identity(identity, "the name")
        checks.append(Check(True, "identity", f"{identity} (from {identity_source})"))
    except UsageError as exc:
        fix = f"{identity} (from {identity_source}): {exc}; set WARROOM_USER or --as to another"
        checks.append(Check(False, "identity", fix))
    size = shutil.get_terminal_size((0, 0))
    if size.columns and size.lines:
        big = size.columns >= 80 and size.lines >= 24
        note = "" if big else ": enlarge the window (80x24 at least)"
        full = " (all five panels at once)" if size.columns >= 110 and size.lines >= 32 else ""
        checks.append(Check(big, "terminal", f"{size.columns}x{size.lines}{full}{note}"))
    else:
        checks.append(Check(True, "terminal", "not a terminal (fine for the CLI)"))
    term = os.environ.get("TERM", "")
    colour = os.environ.get("COLORTERM", "")
    if os.environ.get("NO_COLOR"):
        checks.append(Check(True, "colours", "NO_COLOR set: no colour, states shown as words"))
    elif "256" in term or colour in ("truecolor", "24bit"):
        checks.append(Check(True, "colours", f"TERM={term} COLORTERM={colour or '-'}"))
    else:
        checks.append(Check(False, "colours", f"TERM={term or '-'}: set TERM=xterm-256color"))
    if os.environ.get("TMUX"):
        checks.append(Check(True, "tmux", "inside tmux: others can `tmux attach` (-r to watch)"))
    else:
        checks.append(Check(True, "tmux", "not in tmux: `tmux new -s incident warroom` to share"))
    return checks
