"""Every read of the store in the TUI is made where its failure is told (see
warroom/tui/widgets/reads.py): inside a method marked @reads, or in one of the few
places that handle it themselves. A new read elsewhere fails here, so a key
cannot again end the app when the database is away."""

from __future__ import annotations

import ast
from pathlib import Path

import warroom

# The Store's methods that read (writes go through WarRoomApp.write, which queues).
READS = {
    "has_changed", "revision", "get_incident", "list_incidents", "incident_revisions",
    "timeline_before", "timeline", "timeline_page", "corrections_of", "entry", "board",
    "draft", "holders_of", "known_people", "role_history", "draft_history", "bundle",
    "retro", "action_items", "action_item", "overdue_actions", "report_rows",
}  # fmt: skip

# Reads that handle a failure themselves, or run only inside a method marked @reads.
HANDLED = {
    ("app.py", "on_load"): "the first read: given to app.read, whose `failed` says it",
    ("app.py", "_first_look"): "catches them (here or on its thread): the poll asks again",
    ("screens/incidents.py", "read"): "given to app.read_soon, whose `failed` says it",
    ("app.py", "sync"): "catches StoreBusy and StoreIOError: the next poll asks again",
    ("app.py", "known_people"): "catches them: the pickers offer none, a name can be typed",
    ("screens/publish.py", "fetch"): "given to app.read: run on the database worker",
    ("screens/closing.py", "close_warnings"): "only from close_flow, marked @reads",
    ("screens/closing.py", "write"): "export_flow: the failure is the export's message",
    ("screens/retro.py", "_show"): "only from load and refresh_from_store, marked @reads",
    ("screens/warroom.py", "_timeline_bottom"): "only from load and window_wanted (@reads)",
    ("screens/report.py", "_read_report"): "only from on_mount and refresh_from_store (@reads)",
}

ROOT = Path(warroom.__file__).parent / "tui"
FILES = ["app.py", *sorted(
    str(p.relative_to(ROOT)) for d in ("screens", "widgets") for p in (ROOT / d).glob("*.py")
)]  # fmt: skip


def _marked(function: ast.AST) -> bool:
    return any(
        isinstance(d, ast.Call) and getattr(d.func, "id", "") == "reads"
        for d in getattr(function, "decorator_list", [])
    )


def _store_reads(tree: ast.AST):
    """(enclosing functions, outermost first, and the read's name) for each
    call of a Store read: `<anything>.store.<read>(...)` or `store.<read>(...)`."""

    def walk(node: ast.AST, enclosing: list[ast.AST]):
        for child in ast.iter_child_nodes(node):
            inner = enclosing
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [*enclosing, child]
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr in ("read", "read_soon")
                and child.args
                and isinstance(child.args[0], ast.Lambda)
            ):
                # app.read(lambda store: ...): read on the database worker,
                # whose failure is dropped there (the next change asks again);
                # app.read_soon(...) hands a failure to its `failed`.
                yield from walk(child.func, inner)
                continue
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                owner, name = child.func.value, child.func.attr
                is_store = (isinstance(owner, ast.Attribute) and owner.attr == "store") or (
                    isinstance(owner, ast.Name) and owner.id == "store"
                )
                if is_store and name in READS:
                    yield inner, name, child.lineno
            yield from walk(child, inner)

    yield from walk(tree, [])


def test_every_store_read_in_the_tui_is_told_when_it_fails():
    unguarded = []
    for name in FILES:
        tree = ast.parse((ROOT / name).read_text())
        for enclosing, read, line in _store_reads(tree):
            if any(_marked(f) for f in enclosing):
                continue
            if any((name, f.name) in HANDLED for f in enclosing):
                continue
            where = ".".join(f.name for f in enclosing) or "<module>"
            unguarded.append(f"{name}:{line} {where}: store.{read}()")
    assert unguarded == [], "reads whose failure would end the app:\n" + "\n".join(unguarded)
