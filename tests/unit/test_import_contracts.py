"""The house's rules on imports are import-linter contracts in pyproject.toml
(`lint-imports`, run by `make lint`): the layers, the core free of Textual
and Rich, widgets below screens, formats blind to the store's backends, no
circles. Here: that each contract fails on a house that breaks it, and the
rules import-linter cannot say (an import inside a function, a probe of a
screen, when the garbage collector is tuned)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "warroom"
PACKAGE = "warroom"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# The one way from the CLI into the TUI: run_tui builds the app, importing it
# inside the function (a headless verb never loads Textual). The "headless"
# contract ignores this edge; this file checks it stays lazy.
LAUNCH = {("warroom.cli.commands", "warroom.tui.app")}


def _lint(root: Path, *contracts: str) -> subprocess.CompletedProcess:
    """lint-imports on the package copied under root (with the project's contracts)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    args = [str(LINT_IMPORTS), "--no-cache", "--no-logo"]
    args += [f"--contract={c}" for c in contracts]
    return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture
def house(tmp_path) -> Path:
    """A copy of the package and its contracts."""
    shutil.copytree(ROOT, tmp_path / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT.parent / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


# Each contract fails on a house that breaks it: (contract, file, the line added).
BREAKS = {
    "core imports textual": ("core-pure", "core/sla.py", "from textual.widget import Widget\n"),
    "core reaches the UI through a lazy import": (
        "core-pure",
        "core/report.py",
        "def f():\n    from warroom.tui.widgets import common\n",
    ),
    "the store imports a format": (
        "layers",
        "store/move.py",
        "from warroom.formats.export import json_text\n",
    ),
    "the receiver imports rich": ("headless", "intake/limits.py", "import rich.text\n"),
    "widget imports a screen": (
        "tui-layers",
        "tui/widgets/checklist.py",
        "from warroom.tui.screens.modals import TextPrompt\n",
    ),
    "a format names a backend": (
        "formats-no-backend",
        "formats/export.py",
        "from warroom.store.sqlite import FILE_MODE\n",
    ),
    "a circle through TYPE_CHECKING": (
        "acyclic",
        "core/model.py",
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from warroom.store import Store\n",
    ),
    "a circle inside a package": (
        "acyclic",
        "core/model.py",
        "def f():\n    from warroom.core.sla import clock_states\n",
    ),
}


def test_the_contracts_hold_and_see_the_copy(house):
    """Every contract is kept on the copy as it is (and a copy that breaks one
    is read, not the installed package: see the next test)."""
    done = _lint(house)
    assert done.returncode == 0, done.stdout + done.stderr
    contracts = {id_ for id_, *_ in BREAKS.values()}
    assert f"Contracts: {len(contracts)} kept, 0 broken." in done.stdout


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_contract_fails_when_broken(house, case):
    contract, relative, line = BREAKS[case]
    target = house / PACKAGE / relative
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")
    done = _lint(house, contract)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN" in done.stdout


def _top_level_imports(module: str) -> set[str]:
    path = ROOT.parent / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom)}
    return found | {
        a.name for node in tree.body if isinstance(node, ast.Import) for a in node.names
    }


def _all_imports(module: str) -> set[str]:
    path = ROOT.parent / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    return found | {
        a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names
    }


def test_the_tui_is_launched_lazily():
    """The launch edge is an import inside a function, never at module level."""
    for module, target in LAUNCH:
        assert target in _all_imports(module)
        assert target not in _top_level_imports(module)


def _probes(root: Path = ROOT) -> list[str]:
    """hasattr/getattr on a screen: what a screen can do is found out by
    subscribing to the app's signals, never by probing it."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("hasattr", "getattr")
                and node.args
            ):
                continue
            target = ast.unparse(node.args[0])
            if target == "screen" or target.endswith(".screen") or "screen_stack" in target:
                found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_screen_is_probed_with_hasattr(tmp_path):
    assert _probes() == []
    broken = tmp_path / PACKAGE
    broken.mkdir()
    (broken / "app.py").write_text("def f(app):\n    return hasattr(app.screen, 'tick')\n")
    assert _probes(broken) == [f"{PACKAGE}/app.py:2: hasattr(app.screen, 'tick')"]


GC_PROBE = """
import gc, json
before = gc.get_threshold()
import warroom.tui.app, warroom.cli.commands, warroom.tui.screens.warroom, warroom.tui.textual_env
imported = gc.get_threshold()
from warroom.core.policy import default_policy
from warroom.store import Store
store = Store.open({db!r}, default_policy(), "probe")
warroom.tui.app.make_app(store, default_policy())
built = gc.get_threshold()
gc.set_threshold(*before)
warroom.tui.textual_env.apply()  # what the warroom command does before importing Textual
print(json.dumps([before, imported, built, gc.get_threshold(),
                  list(warroom.tui.textual_env.GC_THRESHOLDS)]))
"""


def test_gc_is_tuned_when_the_tui_starts_not_at_import(tmp_path):
    import json
    import subprocess
    import sys

    db = str(tmp_path / "gc.db")
    done = subprocess.run(
        [sys.executable, "-c", GC_PROBE.format(db=db)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    before, imported, built, applied, wanted = json.loads(done.stdout.splitlines()[-1])
    assert imported == before != wanted  # importing the TUI's modules changes nothing
    assert built == wanted  # building the app tunes the collector
    assert applied == wanted  # and so does starting the TUI from the command
