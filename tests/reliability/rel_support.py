"""Helpers shared by the reliability tests (plain functions; fixtures are in conftest).

Everything here drives real processes and real files: the warroom CLI is run as
`python -m warroom`, helper processes as `python rel_worker.py MODE ...`."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKER = HERE / "rel_worker.py"

# Generous: these bound a hung process, they do not measure speed.
PROCESS_TIMEOUT = 90.0

# Raw control characters no human-facing output may contain: C0 except newline,
# DEL, and C1 (which includes the 8-bit CSI 0x9b).
FORBIDDEN_CONTROLS = frozenset(
    [chr(c) for c in range(0x20) if c != 0x0A]
    + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]
    # bidi embeddings, overrides, isolates and marks; zero-width characters; separators
    + [chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))]
    + [chr(c) for c in (0x00AD, 0x180E, 0x200B, *range(0x2060, 0x2065), 0xFEFF)]
    + ["\u2028", "\u2029"]
)


@dataclass
class Result:
    code: int
    out: str
    err: str
    seconds: float
    raw_out: bytes = b""

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def decode(data: bytes) -> str:
    # warroom's output must be valid UTF-8: a strict decode makes that an assertion.
    return data.decode("utf-8")


def run_cli(
    *args: str | bytes,
    stdin: bytes | str | None = None,
    env: dict[str, str] | None = None,
    umask: int = -1,
    timeout: float = PROCESS_TIMEOUT,
) -> Result:
    """Run the real warroom program in its own process."""
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "warroom", *args],
        input=data if data is not None else b"",
        capture_output=True,
        env=env,
        umask=umask,
        timeout=timeout,
    )
    seconds = time.monotonic() - start
    return Result(proc.returncode, decode(proc.stdout), decode(proc.stderr), seconds, proc.stdout)


def worker_cmd(mode: str, *args: object) -> list[str]:
    return [sys.executable, str(WORKER), mode, *(str(a) for a in args)]


def spawn(mode: str, *args: object, umask: int = -1, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        worker_cmd(mode, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        umask=umask,
        **kwargs,
    )


def run_worker(mode: str, *args: object) -> Result:
    start = time.monotonic()
    proc = subprocess.run(
        worker_cmd(mode, *args), capture_output=True, text=True, timeout=PROCESS_TIMEOUT
    )
    return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


def finish(proc: subprocess.Popen, timeout: float = PROCESS_TIMEOUT) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"worker {proc.args} hung; stderr:\n{err}") from None
    return proc.returncode, out, err


def wait_for_files(paths: list[Path], procs: list[subprocess.Popen], timeout: float = 60) -> None:
    """Wait until every path exists; fail early if a process died first."""
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        for proc in procs:
            if proc.poll() is not None and proc.returncode != 0:
                _, err = proc.communicate()
                raise AssertionError(f"worker died before the barrier:\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {[str(p) for p in paths]}")
        time.sleep(0.01)


def fingerprint(path: Path) -> tuple[str, int, int, int]:
    """Content hash, size, mtime (ns) and mode of a file: 'untouched' means all equal."""
    st = path.stat()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, st.st_size, st.st_mtime_ns, st.st_mode


def side_files(path: Path) -> list[Path]:
    return [
        p for p in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")) if p.exists()
    ]


def raw_controls(text: str) -> list[str]:
    """The forbidden raw control characters found in text (repr'd for messages)."""
    return sorted({repr(ch) for ch in text if ch in FORBIDDEN_CONTROLS})


def note_texts(db: Path, incident: int) -> list[str]:
    """The incident's notes as the store holds them, read on a connection of
    its own (what another responder would see)."""
    from warroom.core.model import utcnow
    from warroom.core.policy import default_policy
    from warroom.store import Store

    store = Store.open(db, default_policy(), "checker", utcnow)
    try:
        return [e.text for e in store.timeline(incident) if e.kind == "note"]
    finally:
        store.close()


def one_clear_line(result: Result) -> str:
    """Assert stderr is exactly one line starting 'warroom:' and return it."""
    lines = result.err_lines
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}: {result.err!r}"
    assert lines[0].startswith("warroom: "), lines[0]
    assert "Traceback" not in result.err
    return lines[0]


def user_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


@contextmanager
def pause_at(callee: Callable, caller: Callable, meanwhile: Callable[[], None]) -> Iterator[None]:
    """Run `meanwhile` (e.g. another real process) the first time `caller` calls
    `callee` in this thread, just before the call proceeds.

    Makes a cross-process race deterministic without touching the code under
    test: a profile hook only chooses the moment, everything else is real."""
    target, parent = callee.__code__, caller.__code__
    fired = False

    def hook(frame, event, _arg):
        nonlocal fired
        if (
            not fired
            and event == "call"
            and frame.f_code is target
            and frame.f_back is not None
            and frame.f_back.f_code is parent
        ):
            fired = True
            meanwhile()

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        yield
    finally:
        sys.setprofile(previous)
    assert fired, f"{caller.__qualname__} never called {callee.__qualname__}"
