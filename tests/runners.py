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
