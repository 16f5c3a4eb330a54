"""The venv is installed from requirements.lock (`make lock` writes it from
pyproject.toml): every dependency pyproject.toml names is pinned there, with
hashes, at a version pyproject.toml accepts."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def _pins(text: str) -> dict[str, str]:
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def _wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        names += extra
    return [Requirement(text) for text in names]


def test_every_dependency_is_pinned_with_hashes():
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = _pins(text)
    for wanted in _wanted():
        version = pins.get(canonicalize_name(wanted.name))
        assert version is not None, f"{wanted.name} is not in requirements.lock: run make lock"
        assert wanted.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {wanted.name}=={version}, pyproject.toml wants "
            f"{wanted.specifier}: run make lock"
        )
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n\n", 1)[-1])
    unhashed = [e.split()[0] for e in entries if PIN.match(e) and "--hash=sha256:" not in e]
    assert unhashed == []


def test_textual_and_its_snapshots_are_pinned_exactly():
    pinned = {canonicalize_name(r.name): str(r.specifier) for r in _wanted()}
    assert pinned["textual"].startswith("==")
    assert pinned["pytest-textual-snapshot"].startswith("==")


def test_the_check_reads_a_lock():
    assert _pins("textual==8.2.8 \\\n    --hash=sha256:ab\n") == {"textual": "8.2.8"}
    assert _pins("colorama==0.4.6 ; sys_platform == 'win32' \\\n") == {"colorama": "0.4.6"}
