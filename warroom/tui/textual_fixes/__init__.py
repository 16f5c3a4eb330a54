"""Every place warroom reaches into Textual (or asyncio) past its public API.

One module per fix; the rest of warroom uses only their public functions and
classes. Each module lists the private names it relies on in TEXTUAL_NAMES
(`"module:Qualified.name": "shape"`), which tests/ui/test_textual_fixes.py
checks against the installed Textual, one test per fix, and
tools/private_names.py counts every use outside this folder as a failure.
What each fix buys, its tests and the upstream issue ready to send:
REGISTER.md next to this file.

Textual is pinned (pyproject.toml) at TEXTUAL_PIN; a test fails when the
installed version differs, naming REGISTER.md: go through it on every upgrade."""

from __future__ import annotations

from pathlib import Path

TEXTUAL_PIN = "8.2.8"
REGISTER = Path(__file__).with_name("REGISTER.md")

FIXES = ("paste_parser",)


def _sets_on_self(cls: type, name: str) -> bool:
    """Whether the source of cls or one of its bases assigns self.<name>."""
    import ast
    import inspect

    for klass in cls.__mro__:
        try:
            tree = ast.parse(inspect.getsource(klass))
        except (OSError, TypeError, SyntaxError, IndentationError):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
                and node.attr == name
            ):
                return True
    return False


def shape_problems(names: dict[str, str]) -> list[str]:
    """What no longer holds of names: 'module:Qual.name' -> shape, where shape
    is 'module', 'class', 'attribute' (on the class, or set on self by its
    source) or the parameter names of a function ('self, size'). For the
    guard tests (imports what it needs: never loaded as the app starts)."""
    import importlib
    import inspect

    problems = []
    for where, shape in names.items():
        module_name, _, qualified = where.partition(":")
        try:
            obj = importlib.import_module(module_name)
        except ImportError as error:
            problems.append(f"{where}: module gone ({error})")
            continue
        parts = qualified.split(".") if qualified else []
        owner = None
        for part in parts:
            owner, obj = obj, getattr(obj, part, _MISSING)
            if obj is _MISSING:
                break
        if shape == "module" and not parts:
            continue
        if obj is _MISSING:
            if shape == "attribute" and isinstance(owner, type) and _sets_on_self(owner, part):
                continue
            problems.append(f"{where}: gone")
            continue
        if shape == "attribute":
            continue
        if shape == "class":
            if not isinstance(obj, type):
                problems.append(f"{where}: no longer a class")
            continue
        target = obj.fget if isinstance(obj, property) else obj
        try:
            parameters = ", ".join(inspect.signature(target).parameters)
        except (TypeError, ValueError):
            problems.append(f"{where}: not callable")
            continue
        if parameters != shape:
            problems.append(f"{where}: takes ({parameters}), expected ({shape})")
    return problems


_MISSING = object()
