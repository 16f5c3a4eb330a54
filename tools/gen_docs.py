"""Write the parts of docs/ that the code already says: the CLI reference (from
the argparse parser), the key tables (from the screens' and widgets' BINDINGS)
and the package picture (from the import graph); and, not a doc,
warroom/core/default_policy_data.py (the built-in policy's TOML file as JSON).

    .venv/bin/python tools/gen_docs.py           # rewrite them (make docs)
    .venv/bin/python tools/gen_docs.py --check   # exit 1 naming what is stale

Each generated part sits between marker comments in its Markdown file; the
text around the markers is written by hand and left alone. The picture is
also drawn as docs/architecture.svg. tests/unit/test_docs.py fails when any of it
differs from what the code makes now.
"""

from __future__ import annotations

import argparse
import ast
import html
import importlib
import inspect
import os
import pkgutil
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGES = ("cli", "tui", "intake", "formats", "services", "store", "core")
COMMAND = ".venv/bin/python tools/gen_docs.py"


# ---------------------------------------------------------------- markers


def begin(name: str) -> str:
    return f"<!-- BEGIN GENERATED {name}: tools/gen_docs.py writes this part; edit the code -->"


def end(name: str) -> str:
    return f"<!-- END GENERATED {name} -->"


def replace_part(text: str, name: str, body: str) -> str:
    """`text` with the part between the markers of `name` replaced by `body`."""
    start, stop = begin(name), end(name)
    if start not in text or stop not in text:
        raise SystemExit(f"the markers for {name} are missing: add\n{start}\n{stop}")
    head, rest = text.split(start, 1)
    _, tail = rest.split(stop, 1)
    return f"{head}{start}\n{body.rstrip()}\n{stop}{tail}"


# ---------------------------------------------------------------- the CLI


def build_parser() -> argparse.ArgumentParser:
    """The warroom command's whole parser, from the CLI package's public
    build_parser() (wherever the package keeps it)."""
    for name in ("warroom.cli.parser", "warroom.cli.commands"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        if hasattr(module, "build_parser"):
            return module.build_parser()
    raise SystemExit("no build_parser() in warroom.cli.parser or warroom.cli.commands")


def _fixed_width(fn: Callable[[], str]) -> str:
    """argparse's text at 100 columns, whatever the terminal."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        return fn()
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def _subcommands(parser: argparse.ArgumentParser):
    """(name, help, sub-parser) for each verb of `parser`, in order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, helps.get(name, ""), sub


def _argument(action: argparse.Action) -> tuple[str, str]:
    """One row of an argument table: how it is written, and what it does."""
    if action.option_strings:
        shown = ", ".join(action.option_strings)
        if action.nargs != 0:
            shown += " " + (action.metavar or action.dest.upper())
    else:
        shown = action.metavar or action.dest
        if action.nargs == "?":
            shown = f"[{shown}]"
    said = (action.help or "").replace("%(default)s", str(action.default))
    notes = []
    if action.choices and not isinstance(action, argparse._SubParsersAction):
        notes.append("one of " + ", ".join(f"`{c}`" for c in action.choices))
    if action.option_strings and action.nargs != 0 and action.default not in (None, "", False):
        notes.append(f"default `{action.default}`")
    if action.required and action.option_strings:
        notes.append("required")
    if isinstance(action, argparse._AppendAction):
        notes.append("repeatable")
    if notes:
        said = f"{said} ({'; '.join(notes)})" if said else "; ".join(notes).capitalize()
    return f"`{shown}`", said.replace("|", "\\|")


def _table(parser: argparse.ArgumentParser) -> list[str]:
    rows = [
        _argument(a)
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
    ]
    if not rows:
        return []
    return ["| argument | what it is |", "|---|---|", *(f"| {a} | {h} |" for a, h in rows), ""]


def cli_reference(parser: argparse.ArgumentParser) -> str:
    """Every verb of `parser`: its usage, what it does, its arguments."""
    lines = ["### Global options", ""]
    lines += ["```", _fixed_width(parser.format_usage).strip(), "```", ""]
    lines += _table(parser)
    lines += ["### Verbs", ""]
    verbs = list(_subcommands(parser))
    lines += ["| verb | does |", "|---|---|"]
    lines += [f"| [`{name}`](#warroom-{name}) | {said} |" for name, said, _ in verbs]
    lines.append("")

    def one(path: str, said: str, sub: argparse.ArgumentParser, depth: int) -> None:
        nonlocal lines
        lines += [f"{'#' * depth} `{path}`", ""]
        if said:
            lines += [said[0].upper() + said[1:] + ".", ""]
        lines += ["```", _fixed_width(sub.format_usage).strip(), "```", ""]
        lines += _table(sub)
        for name, sub_said, subsub in _subcommands(sub):
            one(f"{path} {name}", sub_said, subsub, min(depth + 1, 6))

    for name, said, sub in verbs:
        one(f"warroom {name}", said, sub, 4)
    return "\n".join(lines)


# ---------------------------------------------------------------- the keys


def _key_shown(key: str) -> str:
    from textual.keys import key_to_character

    *modifiers, last = key.split("+")
    char = key_to_character(last) if len(last) > 1 else last
    return "+".join([*modifiers, char if char and char.isprintable() else last])


def _binding_classes():
    """(group, class name, module, bindings) for the app and every screen and
    widget class that defines BINDINGS, in module and source order."""
    modules = ["warroom.tui.app"]
    for package in ("warroom.tui.screens", "warroom.tui.widgets"):
        folder = ROOT / package.replace(".", "/")
        modules += [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(folder)])]
    seen: set[int] = set()
    for name in modules:
        module = importlib.import_module(name)
        classes = [
            c
            for c in vars(module).values()
            if inspect.isclass(c) and c.__module__ == name and "BINDINGS" in vars(c)
        ]
        for cls in classes:
            bindings = vars(cls)["BINDINGS"]
            if id(bindings) in seen or not bindings:
                continue
            seen.add(id(bindings))
            group = getattr(cls, "HELP_GROUP", None) or ""
            yield group, cls.__name__, name, bindings


# Where each module's keys work, in the order the tables are written.
SECTIONS = (
    ("Everywhere", ("app",)),
    ("The incident list", ("screens.incidents",)),
    ("The war room", ("screens.warroom", "widgets.checklist", "widgets.tasks", "widgets.roles",
                      "widgets.people", "widgets.clocks", "widgets.timeline", "widgets.draft")),
    ("The retro", ("screens.retro", "widgets.retro_")),
    ("The report", ("screens.report",)),
    ("Dialogs, lists and text fields", ("",)),
)  # fmt: skip


def _section(module: str) -> int:
    for n, (_, starts) in enumerate(SECTIONS):
        if any(module.removeprefix("warroom.tui.").startswith(s) for s in starts if s):
            return n
    return len(SECTIONS) - 1


def key_tables() -> str:
    from textual.binding import Binding

    found = sorted(
        _binding_classes(),
        key=lambda c: (_section(c[2]), ".screens." not in c[2], c[0] or c[1]),
    )
    lines = []
    shown = None
    for group, cls, module, bindings in found:
        if _section(module) != shown:
            shown = _section(module)
            lines += [f"### {SECTIONS[shown][0]}", ""]
        title = f"{group} (`{cls}`)" if group else f"`{cls}`"
        lines += [f"#### {title}", ""]
        lines += ["| keys | does | id (for `[keymap]`) |", "|---|---|---|"]
        for binding in bindings:
            b = binding if isinstance(binding, Binding) else Binding(*binding)
            keys = ", ".join(f"`{_key_shown(k.strip())}`" for k in b.key.split(","))
            if b.key_display:
                keys += f" (shown as `{b.key_display}`)"
            does = b.description or f"`{b.action}`"
            if b.tooltip and b.tooltip != b.description:
                does += f": {b.tooltip}"
            lines.append(f"| {keys} | {does.replace('|', '/')} | {f'`{b.id}`' if b.id else '—'} |")
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------- the packages


Edges = dict[tuple[str, str], int]


def import_graph(root: Path = ROOT) -> tuple[Edges, dict[str, tuple[int, int]]]:
    """{(importer, imported): modules of the importer that import it} between
    warroom's packages (every import, those inside functions too), and
    {package: (modules, lines)}."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    sizes = {p: [0, 0] for p in PACKAGES}
    for path in sorted((root / "warroom").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if len(parts) < 3 or parts[1] not in PACKAGES:
            continue
        here = parts[1]
        source = path.read_text(encoding="utf-8")
        sizes[here][0] += path.stem != "__init__"
        sizes[here][1] += source.count("\n")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolve against this module's package
                    base = list(parts[: len(parts) - node.level])
                    names = [".".join([*base, node.module] if node.module else base)]
                else:
                    names = [node.module or ""]
            else:
                continue
            for target in names:
                top, _, rest = target.partition(".")
                package = rest.split(".")[0]
                if top == "warroom" and package in PACKAGES and package != here:
                    edges[(here, package)].add(".".join(parts))
    return {k: len(v) for k, v in sorted(edges.items())}, {k: tuple(v) for k, v in sizes.items()}


def layers(edges: dict[tuple[str, str], int]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Each package's floor (0: imports no other package; else one above the
    highest it imports) over the graph without its back edges, and those back
    edges (an import that closes a circle: the weaker one of it is named)."""
    kept: dict[str, set[str]] = {p: set() for p in PACKAGES}

    def reaches(a: str, b: str) -> bool:
        todo, seen = [a], set()
        while todo:
            x = todo.pop()
            if x == b:
                return True
            if x not in seen:
                seen.add(x)
                todo += kept[x]
        return False

    back = []
    for (a, b), _ in sorted(edges.items(), key=lambda e: (-e[1], e[0])):
        if reaches(b, a):
            back.append((a, b))
        else:
            kept[a].add(b)
    floor: dict[str, int] = {}

    def height(p: str) -> int:
        if p not in floor:
            floor[p] = 1 + max((height(q) for q in kept[p]), default=-1)
        return floor[p]

    for p in PACKAGES:
        height(p)
    return floor, sorted(back)


def mermaid(edges: dict[tuple[str, str], int]) -> str:
    floor, back = layers(edges)
    lines = ["```mermaid", "flowchart TD"]
    for p in sorted(PACKAGES, key=lambda p: (-floor[p], p)):
        lines.append(f"    {p}[warroom.{p}]")
    for (a, b), n in edges.items():
        arrow = "-.->" if (a, b) in back else "-->"
        lines.append(f"    {a} {arrow}|{n}| {b}")
    lines.append("```")
    return "\n".join(lines)


def svg(edges: dict[tuple[str, str], int], sizes: dict[str, tuple[int, int]]) -> str:
    """The packages in one column by floor (a package stands above what it
    imports); each import an arc on the right, labelled with how many of the
    importer's modules import that way; an import that runs back up is an
    orange dashed arc on the left."""
    floor, back = layers(edges)
    order = sorted(PACKAGES, key=lambda p: (-floor[p], PACKAGES.index(p)))
    w, h, gap, step = 210, 46, 24, 26
    spans = [abs(order.index(a) - order.index(b)) for a, b in edges]
    left = 50 + step * max([abs(order.index(a) - order.index(b)) for a, b in back] or [0])
    width = left + w + 50 + step * max(spans or [1])
    height = 30 + len(order) * (h + gap) + 40
    top = {p: 30 + i * (h + gap) for i, p in enumerate(order)}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        "<title>warroom's packages and the imports between them</title>",
        "<defs>",
        *(
            f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/>'
            "</marker>"
            for name, colour in (("down", "#4a5568"), ("up", "#d9730d"))
        ),
        "</defs>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for (a, b), n in edges.items():
        span = order.index(b) - order.index(a)
        upward = (a, b) in back or span < 0
        if upward:  # on the left, from the importer's left edge up to the imported's
            x, bend, colour, marker = left, -step * abs(span) - 8, "#d9730d", "up"
            dash = ' stroke-dasharray="6 4"'
        else:
            x, bend, colour, marker, dash = left + w, step * span + 8, "#4a5568", "down", ""
        y1, y2 = top[a] + h * 0.62, top[b] + h * 0.38
        out.append(
            f'<path d="M{x},{y1:.0f} C{x + bend},{y1:.0f} {x + bend},{y2:.0f} {x + 1},{y2:.0f}" '
            f'fill="none" stroke="{colour}" stroke-width="1.4"{dash} '
            f'marker-end="url(#{marker})"/>'
        )
        lx, ly = x + bend * 0.75, (y1 + y2) / 2 + 4
        out.append(
            f'<text x="{lx:.0f}" y="{ly:.0f}" fill="{colour}" font-size="11" '
            f'text-anchor="middle" paint-order="stroke" stroke="#fff" stroke-width="3">'
            f"{n}</text>"
        )
    for p in order:
        modules, lines = sizes[p]
        x, y = left, top[p]
        out.append(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" '
            'fill="#e8eef7" stroke="#35507a" stroke-width="1.2"/>'
        )
        out.append(
            f'<text x="{x + w / 2:.0f}" y="{y + 20}" text-anchor="middle" '
            f'font-weight="bold">{html.escape("warroom." + p)}</text>'
        )
        out.append(
            f'<text x="{x + w / 2:.0f}" y="{y + 37}" text-anchor="middle" fill="#444" '
            f'font-size="11">{modules} modules, {lines:,} lines</text>'
        )
    for n, line in enumerate(
        (
            "An arc: the upper package imports the lower one",
            "(the number: how many of its modules do).",
            "Orange, dashed: an import that runs back up.",
        )
    ):
        out.append(
            f'<text x="10" y="{height - 44 + 14 * n}" fill="#444" font-size="11">{line}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def modules_of(package: str, root: Path = ROOT) -> str:
    """A package's modules, its sub-packages as `name/ (N modules)`."""
    folder = root / "warroom" / package
    shown = [f"`{m.stem}`" for m in sorted(folder.glob("*.py")) if m.stem != "__init__"]
    for sub in sorted(d for d in folder.iterdir() if (d / "__init__.py").exists()):
        count = sum(1 for m in sub.glob("*.py") if m.stem != "__init__")
        shown.append(f"`{sub.name}/` ({count} modules)")
    return ", ".join(shown)


def graph_text(edges: dict[tuple[str, str], int]) -> str:
    floor, back = layers(edges)
    lines = [mermaid(edges), ""]
    lines += ["| package | its modules | imports (how many of its modules) | imported by |"]
    lines.append("|---|---|---|---|")
    for p in sorted(PACKAGES, key=lambda p: (-floor[p], p)):
        out = ", ".join(f"{b} ({n})" for (a, b), n in edges.items() if a == p) or "nothing"
        into = ", ".join(a for (a, b) in edges if b == p) or "nobody"
        lines.append(f"| `warroom.{p}` | {modules_of(p)} | {out} | {into} |")
    lines.append("")
    ups = [(a, b) for (a, b) in edges if (a, b) in back or floor[a] <= floor[b]]
    if ups:
        said = ", ".join(f"`{a}` → `{b}`" for a, b in ups)
        lines.append(f"Imports that run back up (dashed): {said}.")
    else:
        lines.append("No import runs back up: every arrow points down.")
    return "\n".join(lines)


# ---------------------------------------------------------------- files


def outputs() -> dict[Path, Callable[[str], str]]:
    """Each generated file, with how to make it from its current text."""
    edges, sizes = import_graph()
    cli = cli_reference(build_parser())
    keys = key_tables()
    graph = graph_text(edges)
    picture = svg(edges, sizes)
    from warroom.core.policy import default_policy_data_module

    policy_data = default_policy_data_module()
    return {
        DOCS / "cli.md": lambda text: replace_part(text, "CLI", cli),
        DOCS / "responders.md": lambda text: replace_part(text, "KEYS", keys),
        DOCS / "architecture.md": lambda text: replace_part(text, "PACKAGES", graph),
        DOCS / "architecture.svg": lambda text: picture,
        # Not a doc: the built-in policy as JSON, read at start-up without tomllib.
        ROOT / "warroom" / "core" / "default_policy_data.py": lambda text: policy_data,
    }


def stale() -> list[Path]:
    """The generated files that differ from what the code makes now."""
    found = []
    for path, make in outputs().items():
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if make(text) != text:
            found.append(path)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say what is stale (exit 1)")
    if parser.parse_args(argv).check:
        old = stale()
        for path in old:
            where = path.relative_to(ROOT)
            print(f"stale: {where} (run: {COMMAND}, or make docs)", file=sys.stderr)
        return 1 if old else 0
    for path, make in outputs().items():
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        new = make(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
