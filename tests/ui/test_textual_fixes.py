"""The fence around Textual's internals (warroom/tui/textual_fixes): the
installed Textual is the pinned one, every private name each fix relies on is
still there with the shape it expects, and no private name of Textual or any
other library is used outside the fence (tests included)."""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from warroom.tui.textual_fixes import FIXES, REGISTER, TEXTUAL_PIN, shape_problems

ROOT = Path(__file__).resolve().parents[2]
FENCE = "warroom/tui/textual_fixes/"
# Uses outside the fence that are not Textual's, each with where it is handled
# (none today: the CLI's argparse._ went with its start-up shortcuts).
ELSEWHERE: set[tuple[str, str]] = set()


def test_installed_textual_is_the_pinned_one():
    pinned = next(
        dep.split("==", 1)[1]
        for dep in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
        if dep.startswith("textual==")
    )
    installed = importlib.metadata.version("textual")
    assert pinned == TEXTUAL_PIN, (
        f"pyproject.toml pins Textual {pinned}, warroom/tui/textual_fixes says {TEXTUAL_PIN}: "
        f"go through {REGISTER.relative_to(ROOT)} and update both"
    )
    assert installed == TEXTUAL_PIN, (
        f"Textual {installed} is installed, warroom is pinned to {TEXTUAL_PIN}: every "
        f"fix in {REGISTER.relative_to(ROOT)} reaches into Textual's internals; check "
        "each one (its guard test, the figure or bug it buys) before moving the pin"
    )


@pytest.mark.parametrize("fix", FIXES)
def test_private_names_the_fix_uses_are_still_there(fix):
    module = importlib.import_module(f"warroom.tui.textual_fixes.{fix}")
    problems = shape_problems(module.TEXTUAL_NAMES)
    assert not problems, (
        f"textual_fixes.{fix} relies on Textual's internals that changed "
        f"(see {REGISTER.relative_to(ROOT)}):\n" + "\n".join(problems)
    )


def test_the_register_has_every_fix():
    register = REGISTER.read_text(encoding="utf-8")
    sections = set(re.findall(r"^## `(\w+)\.py`", register, re.MULTILINE))
    assert sections == set(FIXES)
    on_disk = {p.stem for p in REGISTER.parent.glob("*.py")} - {"__init__"}
    assert on_disk == set(FIXES)


def private_uses(*folders: str) -> list[tuple[str, str]]:
    """tools/private_names.py's findings, as (path, name)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "private_names.py"), *folders],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    uses = []
    for line in result.stdout.splitlines():
        found = re.match(r"^(\S+):\d+\s+\S+\s+(\S+)$", line)
        if found:
            uses.append((found[1], found[2]))
    return uses


def test_no_private_name_outside_the_fence():
    uses = private_uses("warroom", "tests", "bench")
    outside = sorted(
        {(path, name) for path, name in uses if not path.startswith(FENCE)} - ELSEWHERE
    )
    assert not outside, (
        "private names of Textual or another library used outside "
        f"{FENCE} (put the use in a fix there, with its register entry):\n"
        + "\n".join(f"  {path}: {name}" for path, name in outside)
    )
    assert any(path.startswith(FENCE) for path, _ in uses)  # the scan does see them
