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
    assert any(SQL.search(t) for _, t in _strings(ast.parse((STORE / "domain.py").read_text())))
