"""The safe way onto the terminal is the only way: a scan of warroom's source.

Each rule names the one place allowed to do the raw thing, so a new screen or
verb that forgets fails here rather than on a hostile title in an incident."""

from __future__ import annotations

import ast
from pathlib import Path

import warroom

PACKAGE = Path(warroom.__file__).parent
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _trees() -> list[tuple[str, ast.AST]]:
    return [(str(p.relative_to(PACKAGE)), ast.parse(p.read_text("utf-8"))) for p in SOURCES]


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            yield name, node


def test_the_scan_sees_the_package():
    names = {name for name, _ in _trees()}
    assert {"cli/commands.py", "tui/app.py", "tui/widgets/safe.py", "core/text.py"} <= names


def test_inputs_and_text_areas_are_warroom_s_own():
    """Every Input and TextArea made or subclassed comes from widgets/safe.py,
    which shows text via visible(); Textual's own may be named only to test
    isinstance (a SafeInput is an Input)."""
    offenders = []
    for name, tree in _trees():
        # safe.py: the Input and TextArea everyone else uses.
        if name == "tui/widgets/safe.py":
            continue
        plain = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "textual.widgets":
                plain |= {a.asname or a.name for a in node.names if a.name in ("Input", "TextArea")}
            if isinstance(node, ast.Attribute) and node.attr in ("Input", "TextArea"):
                base = node.value
                if isinstance(base, ast.Attribute) and base.attr == "widgets":
                    offenders.append(f"{name}: textual.widgets.{node.attr}")
        for node in ast.walk(tree):
            made = isinstance(node, ast.Call) and getattr(node.func, "id", None) in plain
            bases = node.bases if isinstance(node, ast.ClassDef) else []
            based = any(getattr(b, "id", None) in plain for b in bases)
            if made or based:
                offenders.append(f"{name}:{node.lineno}: a plain Textual Input or TextArea")
    assert not offenders, offenders


def _markup_off(node: ast.Call) -> bool:
    return any(
        kw.arg == "markup" and isinstance(kw.value, ast.Constant) and kw.value.value is False
        for kw in node.keywords
    )


def test_toasts_never_parse_markup():
    """Every notify ends in WarRoomApp.notify (markup off, text visible); nobody
    asks for markup, builds a Notification or defines another notify."""
    offenders = []
    for name, tree in _trees():
        for call, node in _calls(tree):
            for kw in node.keywords:
                if kw.arg == "markup" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is False
                ):
                    offenders.append(f"{name}:{node.lineno}: {call}(markup=...)")
            if call in ("Notification", "Toast", "from_markup") and not (
                # The toast rack posts again a toast WarRoomApp.notify made
                # (markup off): the one Notification built outside Textual.
                name == "tui/toasts.py" and call == "Notification" and _markup_off(node)
            ):
                offenders.append(f"{name}:{node.lineno}: {call}(...)")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "notify" and name != "tui/app.py":
                offenders.append(f"{name}:{node.lineno}: another notify")
    assert not offenders, offenders


def test_the_cli_writes_only_through_say():
    """print and stream writes only in text.say, which passes text through visible()."""
    offenders = []
    for name, tree in _trees():
        allowed = {"say"} if name == "core/text.py" else set()
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call, node in _calls(func):
                is_print = call == "print"
                is_stream = (
                    call == "write"
                    and isinstance(node.func, ast.Attribute)
                    and "std" in ast.unparse(node.func.value)
                )
                if (is_print or is_stream) and func.name not in allowed:
                    offenders.append(f"{name}:{node.lineno}: {ast.unparse(node)[:60]}")
    assert not offenders, offenders


def test_labels_and_statics_are_not_given_markup_built_from_values():
    """A str given to Label, Static or .update() is parsed as markup: one built
    with an f-string could carry a user's [@click=...]. Rich Text (lit) is literal."""
    offenders = []
    for name, tree in _trees():
        for call, node in _calls(tree):
            built = node.args and isinstance(node.args[0], ast.JoinedStr | ast.BinOp)
            if call in ("Label", "Static", "update") and built:
                offenders.append(f"{name}:{node.lineno}: {ast.unparse(node)[:60]}")
    assert not offenders, offenders
