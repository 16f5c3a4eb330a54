"""The pictures in the README and docs/ are warroom's own screenshots, and they are current."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _normalise(svg: str) -> str:
    # Rich names its CSS classes after a hash of the content: ignore the name.
    return re.sub(r"\bterminal-\d+-", "terminal-", svg)


def test_screenshots_match_the_code(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "make_screenshots", ASSETS / "make_screenshots.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.render_all(tmp_path)
    assert len(written) == len(module.SHOTS) >= 4
    stale = [
        p.name
        for p in written
        if not (ASSETS / p.name).exists()
        or _normalise(p.read_text()) != _normalise((ASSETS / p.name).read_text())
    ]
    assert stale == [], f"run `make docs` to refresh {stale}"
    pages = [ASSETS.parent / "README.md", *sorted((ASSETS.parent / "docs").glob("*.md"))]
    shown = "".join(page.read_text() for page in pages)
    for p in written:
        assert f"assets/{p.name}" in shown
