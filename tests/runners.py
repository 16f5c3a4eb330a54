"""The program as a user runs it, for tests of every tier."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def real_warroom(*args: str, db: Path, input: bytes | None = None, **env: str):
    """The installed program, as a user runs it: python -m warroom ..."""
    environ = {**os.environ, "WARROOM_DB": str(db), **env}
    return subprocess.run(
        [sys.executable, "-m", "warroom", *args],
        input=input,
        capture_output=True,
        env=environ,
        cwd=db.parent,
        timeout=30,
    )


def python_says(code: str) -> str:
    """What a fresh interpreter running `code` prints, stripped: for what a
    start loads (sys.modules), seen from a process of its own."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
