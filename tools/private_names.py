"""Every use of another library's private names in a folder of warroom code.

    python tools/private_names.py [FOLDER ...]     (default: warroom)

Prints `file:line  kind  name` per use and the count per file and in all.
A private name is one with a single leading underscore (`_x`, not `__x__`).
A use is counted when the code

- imports from a private module (`textual._compositor`) or imports a
  private name (`from textual.app import _x`)                   [import]
- calls into the parent's private method (`super()._x`)          [super]
- overrides or sets on `self` a private name that a library class among
  its bases defines (a method, a class attribute, or an attribute that
  class's source sets on self)                                   [override]
- reads or writes `anything._x` where warroom itself never defines `_x`
  (Textual's `app._batch_count`, asyncio's `event._waiters`)     [attribute]
- names a private attribute in a string to setattr, getattr, hasattr or
  monkeypatch.setattr (`monkeypatch.setattr(App, "_press_keys", …)`)  [string]
- assigns into a library module or class (`driver.XTermParser = Ours`)  [patch]

Classes are resolved by importing the module (and, for classes made inside
a function, the names that module imports anywhere), so run it with the
project's interpreter. tests/unit/test_private_names.py runs it."""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWN = "warroom"  # the package whose names are its own
ACCESSORS = {"setattr", "getattr", "hasattr", "delattr"}
# A named tuple's methods and fields carry an underscore only so they cannot
# clash with field names; the standard library documents them as its API.
# os._exit is documented as os's way to end a child without clean-up.
DOCUMENTED_PUBLIC = {"_replace", "_asdict", "_fields", "_make", "_field_defaults", "_exit"}
# Assigning a standard stream is documented (sys.stdout = ...): not a patch.
ASSIGNABLE_MODULES = {"os", "sys"}


def private(name: str) -> bool:
    return (
        name.startswith("_")
        and not name.startswith("__")
        and len(name) > 1
        and name not in DOCUMENTED_PUBLIC
    )


@dataclass(frozen=True, order=True)
class Use:
    path: str
    line: int
    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}  {self.kind:9} {self.name}"


def own_module(module: str | None) -> bool:
    return bool(module) and (module == OWN or module.startswith(OWN + "."))


def module_name(path: Path) -> str | None:
    try:
        rel = path.resolve().relative_to(ROOT)
    except ValueError:
        return None
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


# -- what a library class defines ------------------------------------------

_SELF_SETS: dict[tuple[str, str], frozenset[str]] = {}


def _self_sets(cls: type) -> frozenset[str]:
    """Private names a class's own source assigns on self."""
    try:
        file = inspect.getsourcefile(cls)
    except (TypeError, OSError):
        return frozenset()
    key = (file or "", cls.__qualname__)
    if key in _SELF_SETS:
        return _SELF_SETS[key]
    names: set[str] = set()
    try:
        tree = ast.parse(Path(file).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, TypeError):
        tree = None
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == cls.__name__:
                for sub in ast.walk(node):
                    if (
                        isinstance(sub, ast.Attribute)
                        and isinstance(sub.ctx, ast.Store)
                        and isinstance(sub.value, ast.Name)
                        and sub.value.id == "self"
                        and private(sub.attr)
                    ):
                        names.add(sub.attr)
    _SELF_SETS[key] = frozenset(names)
    return _SELF_SETS[key]


def library_names(cls: type) -> set[str]:
    """Private names the library classes among cls's ancestors define."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if own_module(klass.__module__) or klass is object:
            continue
        names.update(name for name in vars(klass) if private(name))
        names.update(_self_sets(klass))
    return names


# -- one file ----------------------------------------------------------------


class FileScan:
    def __init__(self, path: Path, own_names: set[str]):
        self.path = path
        self.rel = str(path.resolve().relative_to(ROOT)) if path.is_absolute() else str(path)
        self.own_names = own_names
        self.source = path.read_text(encoding="utf-8")
        self.tree = ast.parse(self.source)
        self.module = self._import_module()
        self.imports = self._imports()
        self.uses: set[Use] = set()

    def _import_module(self):
        name = module_name(self.path)
        if not name or name.endswith("__main__") or name.split(".")[0] == "tools":
            return None
        try:
            return importlib.import_module(name)
        except Exception:  # a test module needing fixtures, say: static only
            return None

    def _imports(self) -> dict[str, tuple[str, str | None]]:
        """name bound by any import in the file -> (module, attribute or None)."""
        found: dict[str, tuple[str, str | None]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        found[alias.asname] = (alias.name, None)
                    else:
                        top = alias.name.split(".")[0]
                        found[top] = (top, None)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    found[alias.asname or alias.name] = (node.module, alias.name)
        return found

    def resolve(self, expr: ast.expr, local: dict[str, object]):
        if isinstance(expr, ast.Name):
            if expr.id in local:
                return local[expr.id]
            if self.module is not None and hasattr(self.module, expr.id):
                return getattr(self.module, expr.id)
            if expr.id in self.imports:
                module, attribute = self.imports[expr.id]
                try:
                    target = importlib.import_module(module)
                    return getattr(target, attribute) if attribute else target
                except Exception:
                    try:  # `from package import module`
                        return importlib.import_module(f"{module}.{attribute}")
                    except Exception:
                        return None
            return None
        if isinstance(expr, ast.Attribute):
            base = self.resolve(expr.value, local)
            return getattr(base, expr.attr, None) if base is not None else None
        if isinstance(expr, ast.Subscript):  # Generic[...]
            return self.resolve(expr.value, local)
        return None

    def add(self, node: ast.AST, kind: str, name: str) -> None:
        self.uses.add(Use(self.rel, node.lineno, kind, name))

    def scan(self) -> set[Use]:
        self._visit(self.tree, cls=None, local={})
        return self.uses

    def _visit(self, node: ast.AST, cls: type | None, local: dict[str, object]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                bases = [self.resolve(base, local) for base in child.bases]
                made = None
                if bases and all(isinstance(base, type) for base in bases):
                    try:
                        made = type(child.name, tuple(bases), {})
                    except (TypeError, AttributeError):  # an Enum, a metaclass that wants more
                        made = next((b for b in bases), None)
                lib = library_names(made) if made is not None else set()
                for item in child.body:
                    for name, at in self._defined(item):
                        if private(name) and name in lib:
                            self.add(at, "override", name)
                inner = dict(local)
                self._visit(child, made, inner)
                # the class itself, for classes below that subclass it
                if made is not None:
                    local[child.name] = made
                continue
            self._check(child, cls)
            self._visit(child, cls, local)

    @staticmethod
    def _defined(item: ast.stmt) -> Iterator[tuple[str, ast.AST]]:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield item.name, item
        elif isinstance(item, ast.Assign):
            for target in item.targets:
                if isinstance(target, ast.Name):
                    yield target.id, item
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            yield item.target.id, item

    def _check(self, node: ast.AST, cls: type | None) -> None:
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if not own_module(node.module):
                if any(private(part) for part in node.module.split(".")):
                    self.add(node, "import", node.module)
                for alias in node.names:
                    if private(alias.name):
                        self.add(node, "import", f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if not own_module(alias.name) and any(
                    private(part) for part in alias.name.split(".")
                ):
                    self.add(node, "import", alias.name)
        elif isinstance(node, ast.Attribute) and private(node.attr):
            self._attribute(node, cls)
        elif isinstance(node, ast.Call):
            self._string_access(node)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    bound = self.imports.get(target.value.id)
                    if bound and not own_module(bound[0]) and bound[0] not in ASSIGNABLE_MODULES:
                        self.add(node, "patch", f"{target.value.id}.{target.attr}")

    def _attribute(self, node: ast.Attribute, cls: type | None) -> None:
        value = node.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "super"
        ):
            self.add(node, "super", node.attr)
            return
        if (
            isinstance(value, ast.Name)
            and value.id in ("self", "cls")
            and cls is not None
            and node.attr in library_names(cls)
        ):
            kind = "override" if isinstance(node.ctx, ast.Store) else "attribute"
            self.add(node, kind, node.attr)
            return
        if node.attr not in self.own_names:
            self.add(node, "attribute", node.attr)

    def _string_access(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in ACCESSORS or len(node.args) < 2:
            return
        arg = node.args[1]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and private(arg.value):
            if arg.value not in self.own_names:
                self.add(node, "string", arg.value)
            elif name == "setattr" and isinstance(func, ast.Attribute):
                # monkeypatch.setattr(X, "_name", ...) on a library class
                target = self.resolve(node.args[0], {})
                if isinstance(target, type) and arg.value in library_names(target):
                    self.add(node, "string", arg.value)


# -- the whole folder --------------------------------------------------------


def python_files(folders: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        files.extend(sorted(folder.rglob("*.py")) if folder.is_dir() else [folder])
    return [f for f in files if "__pycache__" not in f.parts]


def own_definitions(files: Iterable[Path]) -> set[str]:
    """Private names warroom defines itself: functions, classes, names bound at
    module or class level, attributes set on self, parameters and locals."""
    names: set[str] = set()
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")
            ):
                names.add(node.attr)
    return {name for name in names if private(name)}


def scan(folders: Iterable[Path | str], own_from: Iterable[Path | str] = ()) -> list[Use]:
    """Every use in the folders' Python files; names defined in own_from
    (default: the warroom package and the folders) count as warroom's own."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    files = python_files(Path(f) if Path(f).is_absolute() else ROOT / f for f in folders)
    own_files = python_files(Path(f) if Path(f).is_absolute() else ROOT / f for f in own_from)
    own = own_definitions(own_files or python_files([ROOT / OWN]))
    uses: set[Use] = set()
    for path in files:
        uses |= FileScan(path, own).scan()
    return sorted(uses)


def main(argv: list[str]) -> int:
    folders = argv or [OWN]
    uses = scan(folders, own_from=[OWN, *folders])
    per_file: dict[str, int] = {}
    for use in uses:
        print(use)
        per_file[use.path] = per_file.get(use.path, 0) + 1
    print()
    for path, count in sorted(per_file.items()):
        print(f"{count:4}  {path}")
    print(f"{len(uses):4}  uses in {len(per_file)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
