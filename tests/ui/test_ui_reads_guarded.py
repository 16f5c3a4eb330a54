"""Every read of the store in the TUI runs on the database worker: it reads
the store it is handed (fetch(store), given to app.read and its kin), never
the app's own (app.store, the UI thread's), and its failure is told by the
`failed` it is given (see warroom/tui/widgets/reads.py). A read of app.store
sneaked back in fails here before any test runs it (where it would fail too:
warroom/store/guard.py), so no key freezes the screen for a
round trip or ends the app when the database is away."""

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
    "intake_counts", "proposals", "tasks", "room", "read_room", "read_together",
    "send_room", "send_since", "send_incidents", "send_people",
}  # fmt: skip

# The change marker, asked on the UI thread by design (a counter, a socket: no
# query), and where: these catch its failure themselves.
MARKER = {
    ("app.py", "_first_look"): "catches them (here or on its thread): the poll asks again",
    ("app.py", "sync"): "catches StoreBusy and StoreIOError: the next poll asks again",
}

ROOT = Path(warroom.__file__).parent / "tui"
FILES = ["app.py", *sorted(
    str(p.relative_to(ROOT)) for d in ("screens", "widgets") for p in (ROOT / d).glob("*.py")
)]  # fmt: skip


def _params(function: ast.AST) -> set[str]:
    args = getattr(function, "args", None)
    if args is None:
        return set()
    return {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}


def _store_reads(tree: ast.AST):
    """(enclosing functions and lambdas, outermost first, the read's name, its
    line, and whether the store read is one an enclosing function was
    handed) for each call of a Store read: `<anything>.store.<read>(...)` or
    `<name>.<read>(...)` where the name is `store` or ends in `_store`."""

    def walk(node: ast.AST, enclosing: list[ast.AST]):
        for child in ast.iter_child_nodes(node):
            inner = enclosing
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                inner = [*enclosing, child]
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                owner, name = child.func.value, child.func.attr
                if name in READS:
                    if isinstance(owner, ast.Attribute) and owner.attr == "store":
                        yield inner, name, child.lineno, False
                    elif isinstance(owner, ast.Name) and (
                        owner.id == "store" or owner.id.endswith("_store")
                    ):
                        handed = any(owner.id in _params(f) for f in inner)
                        yield inner, name, child.lineno, handed
            yield from walk(child, inner)

    yield from walk(tree, [])


def _name(function: ast.AST) -> str:
    return getattr(function, "name", "<lambda>")


def test_every_store_read_in_the_tui_reads_the_store_it_is_handed():
    on_the_ui_thread = []
    for name in FILES:
        tree = ast.parse((ROOT / name).read_text())
        for enclosing, read, line, handed in _store_reads(tree):
            if handed:
                continue  # fetch(store): the database worker's store
            if read == "has_changed" and any((name, _name(f)) in MARKER for f in enclosing):
                continue
            where = ".".join(_name(f) for f in enclosing) or "<module>"
            on_the_ui_thread.append(f"{name}:{line} {where}: store.{read}()")
    assert on_the_ui_thread == [], "reads on the UI thread:\n" + "\n".join(on_the_ui_thread)


def test_the_check_finds_a_read_of_the_apps_store():
    """The test above would see one (it is not blind to the shapes it allows)."""
    sample = ast.parse(
        "def on_key(self):\n"
        "    self.app.store.get_incident(1)\n"
        "    self.app.read(lambda store: store.timeline(1), print)\n"
        "    store = self.app.store\n"
        "    store.board(1)\n"
    )
    found = [(read, handed) for _enclosing, read, _line, handed in _store_reads(sample)]
    assert found == [("get_incident", False), ("timeline", True), ("board", False)]
