"""A non-editable install must carry what the package reads at run time."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_runtime_data_file_ships_in_the_wheel():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = project["tool"]["setuptools"]
    packages = set(setuptools["packages"])
    package_data = setuptools["package-data"]
    data_files = [
        p
        for p in (ROOT / "warroom").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert {p.name for p in data_files} >= {"default_policy.toml", "warroom.tcss"}
    for path in data_files:
        # Shipped by the nearest package above it, by one of that package's globs.
        package = next(d for d in path.parents if (d / "__init__.py").is_file())
        name = ".".join(package.relative_to(ROOT).parts)
        globs = package_data.get(name, [])
        assert globs, f"{path} is in package {name}, which ships no data"
        rel = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(rel, g) for g in globs), f"{rel} not shipped"
    on_disk = {
        ".".join(p.relative_to(ROOT).parts[:-1]) for p in (ROOT / "warroom").rglob("__init__.py")
    }
    assert on_disk == packages, "every subpackage must be listed in [tool.setuptools] packages"


def test_the_app_reads_its_stylesheet_from_the_package():
    from warroom.tui.app import WarRoomApp

    assert (ROOT / "warroom" / "tui" / WarRoomApp.CSS_PATH).is_file()
