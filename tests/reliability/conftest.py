"""Fixtures for the reliability suite ("Many people, one file").

The autouse neutral_env of tests/conftest.py still applies: every process
started here inherits its WARROOM_DB, WARROOM_USER, XDG dirs and TZ=UTC.
Stores opened here use the real clock, because the other processes do too."""

from __future__ import annotations

import contextlib
import grp
import io
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from small_disk import small_disk  # noqa: F401 - a fixture of this tier's tests

from warroom.core.model import utcnow
from warroom.core.policy import Policy, default_policy
from warroom.services.paths import DbUrl
from warroom.store import Store


@pytest.fixture
def rel_policy() -> Policy:
    return default_policy()


@pytest.fixture
def rel_db(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> Path | DbUrl:
    """Where the shared database lives (not created yet): a file, or a fresh
    database on the test's PostgreSQL server."""
    if engine == "postgresql":
        return DbUrl(request.getfixturevalue("pg_url"))
    return tmp_path / "team" / "warroom.db"


@pytest.fixture
def real_store(rel_db: Path, rel_policy: Policy, open_store) -> Callable[..., Store]:
    """Open Stores with the real clock: real_store(path=None, identity='checker')."""

    def _open(path: Path | None = None, identity: str = "checker") -> Store:
        return open_store(path or rel_db, rel_policy, identity, utcnow)

    return _open


@pytest.fixture
def seeded(rel_db: Path, real_store: Callable[..., Store]) -> tuple[Path, int]:
    """A real database with one open incident; its connection is closed again."""
    store = real_store(identity="seeder")
    incident = store.declare("Checkout is failing", priority="P1")
    store.close()
    return rel_db, incident.id


# --------------------------------------------------------- another user
class OtherUser:
    """Run the warroom CLI as an unprivileged user in a real separate process.

    subprocess.run(..., user=, group=) is used when that user can execute this
    Python. Where it cannot (here the interpreter lives under root's 0700 home),
    the fallback forks a child of this fully-imported process, drops to the
    user with setgroups/setgid/setuid and runs warroom.cli.commands.main in it: still a
    real process with the real uid, so the kernel's permission checks apply."""

    def __init__(self, user: str, group: str):
        self.user = user
        self.group = group
        self.uid = pwd.getpwnam(user).pw_uid
        self.gid = grp.getgrnam(group).gr_gid
        self.via_subprocess = self._can_exec()

    def _can_exec(self) -> bool:
        try:
            probe = subprocess.run(
                [sys.executable, "-c", "import warroom.cli.commands"],
                user=self.user,
                group=self.group,
                extra_groups=[],
                capture_output=True,
                timeout=60,
                cwd="/",
            )
        except OSError:
            return False
        return probe.returncode == 0

    def run(self, argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
        if self.via_subprocess:
            proc = subprocess.run(
                [sys.executable, "-m", "warroom", *argv],
                user=self.user,
                group=self.group,
                extra_groups=[],
                capture_output=True,
                text=True,
                env=env,
                cwd=cwd,
                timeout=90,
            )
            return proc.returncode, proc.stdout, proc.stderr
        return self._run_forked(argv, env, cwd)

    def _run_forked(self, argv: list[str], env: dict[str, str], cwd: Path):
        from warroom.cli import commands as cli

        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 70
            try:
                os.close(out_r)
                os.close(err_r)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), "utf-8")
                sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), "utf-8")
                os.setgroups([])
                os.setgid(self.gid)
                os.setuid(self.uid)
                os.chdir(cwd)
                os.environ.clear()
                os.environ.update(env)
                code = cli.main(argv)
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                with contextlib.suppress(BaseException):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        os.close(out_w)
        os.close(err_w)
        with os.fdopen(out_r, "rb") as fh_out, os.fdopen(err_r, "rb") as fh_err:
            # Small outputs: read both after the child is done writing one of them.
            out = fh_out.read()
            err = fh_err.read()
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), out.decode(), err.decode()


def _warm_up_cli(scratch: Path) -> None:
    """Import everything warroom.cli.commands loads lazily, so a forked child that cannot
    read the interpreter's own files (root's home) still has it all in memory.
    That includes the built-in policy, read once per process: a checkout in a
    folder only its owner can enter (a fresh clone under mktemp -d, or a 0700
    home) is not readable by the other user."""
    import importlib.metadata  # noqa: F401
    import importlib.readers  # noqa: F401

    from warroom.cli import commands as cli

    db = scratch / "warm.db"
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        cli.main(["--db", str(db), "declare", "warm up"])
        for verb in (["list"], ["status", "1"], ["timeline", "1"], ["note", "1", "x"]):
            cli.main(["--db", str(db), *verb])
        cli.main(["--db", str(scratch), "list"])  # an error path too


@pytest.fixture
def nobody(tmp_path: Path) -> Iterator[tuple[OtherUser, Path]]:
    """(runner for user nobody, a fresh 0o755 directory nobody can reach).

    tmp_path sits under root's 0700 pytest directory, so the shared folder is
    made directly under the system temp dir and removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run a command as another user")
    try:
        pwd.getpwnam("nobody")
        grp.getgrnam("nogroup")
    except KeyError:
        pytest.skip("no user nobody / group nogroup on this host")
    shared = Path(tempfile.mkdtemp(prefix="warroom-rel-"))
    try:
        os.chmod(shared, 0o755)
        _warm_up_cli(tmp_path)
        yield OtherUser("nobody", "nogroup"), shared
    finally:
        shutil.rmtree(shared, ignore_errors=True)
