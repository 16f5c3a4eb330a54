"""The docs people read are the code's own: the generated parts of docs/ (the
CLI reference from the parser, the key tables from the bindings, the package
picture from the imports) match what tools/gen_docs.py makes from the code now,
the README stays a landing page, and every link between the pages lands."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "tools" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def made(gen):
    return {path.name: make for path, make in gen.outputs().items()}


@pytest.mark.parametrize("name", ["cli.md", "responders.md", "architecture.md", "architecture.svg"])
def test_generated_part_is_current(gen, made, name):
    text = (DOCS / name).read_text(encoding="utf-8")
    hint = f"run `{gen.COMMAND}` (make docs does it too)"
    assert made[name](text) == text, f"docs/{name} is stale: {hint}"


def test_a_stale_part_is_noticed(made):
    """An edit inside a generated part (a verb's help changed in the code and
    not here) is what the check above catches; the hand-written text around
    the markers is kept as it is."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    stale = text.replace("declare an incident; prints its id", "declare an incident", 1)
    assert stale != text
    assert made["cli.md"](stale) == text
    hand = text.replace("# The command line", "# The command line, by hand", 1)
    assert made["cli.md"](hand) == hand


def test_the_generated_parts_hold_what_they_say(made):
    cli = (DOCS / "cli.md").read_text(encoding="utf-8")
    for verb in ("declare", "note", "publish", "retro action add", "statuspage build", "task"):
        assert f"`warroom {verb}`" in cli
    keys = (DOCS / "responders.md").read_text(encoding="utf-8")
    for binding_id in ("app.help", "warroom.priority", "draft.publish", "clocks.ack"):
        assert f"`{binding_id}`" in keys
    picture = (DOCS / "architecture.md").read_text(encoding="utf-8")
    assert "tui -->" in picture and "core[warroom.core]" in picture


def test_check_command_says_current():
    done = subprocess.run(
        [sys.executable, "tools/gen_docs.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_readme_is_a_landing_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme) < 10_000
    assert "make run" in readme and "make test" in readme and "](assets/" in readme
    for page in sorted(DOCS.glob("*.md")):
        assert f"](docs/{page.name})" in readme, f"the README does not lead to docs/{page.name}"


def _slug(heading: str) -> str:
    heading = heading.strip().lower()
    heading = re.sub(r"[^\w\- ]", "", heading)
    return heading.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    found: set[str] = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(r"#{1,6} ", line):
            slug = _slug(line.lstrip("#"))
            n, unique = 0, slug
            while unique in found:
                n += 1
                unique = f"{slug}-{n}"
            found.add(unique)
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_lands(page):
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        lands = path.exists() and not (
            anchor and path.suffix == ".md" and anchor not in _anchors(path)
        )
        if not lands:
            broken.append(target)
    assert broken == []
