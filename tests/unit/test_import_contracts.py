"""The house's rules, read from the source (every import, at any depth,
TYPE_CHECKING ones included: a contract about structure, not about what one
run happens to load):

- the core never imports Textual or rich, directly or through another module;
- widgets never import screens (nor the app);
- no two modules import each other, however long the circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "warroom"
PACKAGE = "warroom"

# The TUI: the app, its screens and widgets, the key gate and the terminal
# input parser (Textual events).
UI = (
    "warroom.tui.app",
    "warroom.tui.keygate",
    "warroom.tui.terminal_input",
    "warroom.tui.terminal_output",
    "warroom.tui.reported_signal",
    "warroom.tui.screens",
    "warroom.tui.widgets",
)
UI_LIBRARIES = ("textual", "rich")
# The one way from the core into the TUI: the CLI's run_tui builds the app,
# importing it inside the function (a headless verb never loads Textual).
LAUNCH = {("warroom.cli.commands", "warroom.tui.app")}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module -> every module it imports (ours by their module name, others
    by their top-level package)."""
    files = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = _resolve(name, path.name == "__init__.py", node)
                targets.add(module)
                # `from . import usecases`, `from .widgets import safe`: modules too.
                targets.update(
                    f"{module}.{alias.name}"
                    for alias in node.names
                    if f"{module}.{alias.name}" in files
                )
        graph[name] = {
            t if t.split(".")[0] == PACKAGE else t.split(".")[0] for t in targets if t and t != name
        }
        # A package's __init__ is not an import of each of its modules.
        graph[name] = {t for t in graph[name] if t in files or t.split(".")[0] != PACKAGE}
    return graph


def _is(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def core_ui_imports(graph: dict[str, set[str]]) -> list[str]:
    """Each way a core module reaches Textual or rich: 'a -> b -> textual'."""
    found = []
    for start in sorted(m for m in graph if m.startswith(PACKAGE) and not _is(m, UI)):
        seen, stack = {start}, [(start, [start])]
        while stack:
            module, path = stack.pop()
            for target in sorted(graph.get(module, ())):
                if (module, target) in LAUNCH:
                    continue
                if target in UI_LIBRARIES or _is(target, UI):
                    found.append(" -> ".join([*path, target]))
                elif target in graph and target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
    return found


def widget_screen_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _is(module, ("warroom.tui.widgets",))
        for target in targets
        if _is(target, ("warroom.tui.screens", "warroom.tui.app"))
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle of modules (strongly connected groups of two or more)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def test_the_core_never_imports_textual_or_rich():
    assert core_ui_imports(import_graph()) == []


def test_the_tui_is_launched_lazily():
    """The launch edge is an import inside a function, never at module level."""
    for module, target in LAUNCH:
        path = ROOT.parent / (module.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [
            _resolve(module, False, node) for node in tree.body if isinstance(node, ast.ImportFrom)
        ]
        top += [a.name for node in tree.body if isinstance(node, ast.Import) for a in node.names]
        assert target not in top and target in import_graph()[module]


def test_widgets_never_import_screens():
    assert widget_screen_imports(import_graph()) == []


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_graph_sees_what_is_there():
    """The reader finds real edges (so the contracts above can fail)."""
    graph = import_graph()
    assert "warroom.store" in graph["warroom.cli.commands"]
    assert "textual" in graph["warroom.tui.app"]
    assert "warroom.tui.widgets.safe" in graph["warroom.tui.screens.incidents"]
    assert (
        "warroom.tui.screens.closing" in graph["warroom.tui.screens.retro"]
    )  # `from . import closing`


# Each contract fails on a house that breaks it (a copy of the package in tmp_path).
BREAKS = {
    "core imports textual": ("core/sla.py", "from textual.widget import Widget\n", core_ui_imports),
    "core reaches the UI through a lazy import": (
        "core/report.py",
        "def f():\n    from warroom.tui.widgets import common\n",
        core_ui_imports,
    ),
    "widget imports a screen": (
        "tui/widgets/checklist.py",
        "from warroom.tui.screens.modals import TextPrompt\n",
        widget_screen_imports,
    ),
    "a circle through TYPE_CHECKING": (
        "core/model.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from warroom.store import Store\n",
        cycles,
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_contract_fails_when_broken(tmp_path, case):
    import shutil

    copy = tmp_path / PACKAGE
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    relative, line, contract = BREAKS[case]
    assert contract(import_graph(copy)) == []
    target = copy / relative
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")
    assert contract(import_graph(copy)) != []


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
