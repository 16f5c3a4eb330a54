"""SQL lives only in the store (warroom/store/): no other module of warroom
holds a SQL statement in a string, so every engine's dialect stays in its
backend and the doctor asks the backend instead of querying by itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

WARROOM = Path(__file__).resolve().parents[2] / "warroom"
STORE = WARROOM / "store"

# Statements are written with capital keywords, as everywhere in warroom.
SQL = re.compile(
    r"""(?sx)
    \b(?:SELECT\s+.+?\s+FROM\s+\w
       |SELECT\s+(?:count|max|min|current_setting|pg_\w+|has_table_privilege)\s*\(
       |INSERT\s+(?:OR\s+\w+\s+)?INTO\s+\w
       |UPDATE\s+\w+\s+SET\s
       |DELETE\s+FROM\s+\w
       |(?:CREATE|DROP|ALTER)\s+(?:TABLE|INDEX|VIEW|TRIGGER|DATABASE|ROLE|SCHEMA)\b
       |PRAGMA\s+\w
       |BEGIN\s+(?:IMMEDIATE|EXCLUSIVE|DEFERRED|ISOLATION)\b
       |(?:LISTEN|NOTIFY)\s+\w+\s*$
    )"""
)


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal, f-strings joined with a placeholder for the values."""
    found: list[tuple[int, str]] = []
    inside_fstring: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "x"
                for v in node.values
            ]
            found.append((node.lineno, "".join(parts)))
            inside_fstring.update(id(v) for v in node.values)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in inside_fstring
        ):
            found.append((node.lineno, node.value))
    return found


def sql_outside_store(root: Path = WARROOM) -> list[str]:
    hits = []
    for path in sorted(root.rglob("*.py")):
        if STORE in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, text in _strings(tree):
            if SQL.search(text):
                hits.append(f"{path.relative_to(root.parent)}:{line}: {text[:60]!r}")
    return hits


def test_no_sql_outside_the_store_backends():
    assert sql_outside_store() == []


def test_the_scan_finds_sql_where_it_does_not_belong(tmp_path):
    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "doctor.py"
    module.write_text(
        "def f(conn, t):\n"
        "    conn.execute('PRAGMA quick_check')\n"
        "    conn.execute(f'SELECT id, title FROM {t} WHERE id = ?')\n"
        "    conn.execute('INSERT OR IGNORE INTO people (name) VALUES (?)')\n"
        "    return 'Select a role from the list'  # words, not SQL\n"
    )
    hits = sql_outside_store(tmp_path / "pkg")
    assert len(hits) == 3, hits


def test_the_store_itself_is_where_the_sql_is():
    """The scan looks at what it means to: the backends hold statements."""
    assert sql_outside_store(STORE) == []  # (the store is skipped when it is the root)
    assert any(SQL.search(t) for _, t in _strings(ast.parse((STORE / "timeline.py").read_text())))


# ------------------------------------------------------- engines stay below
# The backends turn their driver's errors into warroom's (warroom/core/errors.py):
# no module above them imports a driver or tells errors apart by the module
# that raised them.
DRIVERS = ("sqlite3", "psycopg", "sqlite_utils")


def engine_knowledge_outside_store(root: Path = WARROOM) -> list[str]:
    hits = []
    for path in sorted(root.rglob("*.py")):
        if STORE in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(root.parent)
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in DRIVERS:
                    hits.append(f"{where}:{node.lineno}: imports {name}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "__module__"
                and isinstance(node.ctx, ast.Load)
            ):
                # type(exc).__module__ (or exc.__module__): an engine spotted by name
                hits.append(f"{where}:{node.lineno}: reads __module__")
    return hits


def test_no_module_above_the_store_knows_an_engine():
    assert engine_knowledge_outside_store() == []


def test_the_engine_scan_finds_a_driver_and_a_module_name_check(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "cli.py").write_text(
        "import sqlite3\n"
        "from psycopg import errors\n"
        "def server_error(exc):\n"
        "    return type(exc).__module__.split('.')[0] == 'psycopg'\n"
    )
    hits = engine_knowledge_outside_store(tmp_path / "pkg")
    assert len(hits) == 3, hits
