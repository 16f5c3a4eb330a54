"""A non-editable install must carry what the package reads at run time."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_runtime_data_file_ships_in_the_wheel():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = project["tool"]["setuptools"]
    packages = set(setuptools["packages"])
    globs = setuptools["package-data"]["warroom"]
    data_files = [
        p
        for p in (ROOT / "warroom").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert {p.name for p in data_files} >= {"default_policy.toml", "warroom.tcss"}
    for path in data_files:
        assert path.parent == ROOT / "warroom", f"{path} is outside the package-data root"
        assert any(fnmatch.fnmatch(path.name, g) for g in globs), f"{path.name} not shipped"
    on_disk = {
        ".".join(p.relative_to(ROOT).parts[:-1]) for p in (ROOT / "warroom").rglob("__init__.py")
    }
    assert on_disk == packages, "every subpackage must be listed in [tool.setuptools] packages"


def test_the_app_reads_its_stylesheet_from_the_package():
    from warroom.app import WarRoomApp

    assert (ROOT / "warroom" / WarRoomApp.CSS_PATH).is_file()
