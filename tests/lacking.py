"""Tests that need a program this machine may lack (PostgreSQL 15, Chromium and
its driver): skipped with the reason, counted in a banner at the end of the run
(tests/conftest.py), and failed instead when CI is set: CI must test everything."""

from __future__ import annotations

import os

import pytest

SKIP_PREFIX = "needs what this machine lacks: "


def needed(missing: str) -> None:
    """Skip (or, with CI set, fail) a test that cannot run here."""
    if os.environ.get("CI"):
        pytest.fail(f"{missing} (CI is set: every tier must run)", pytrace=False)
    pytest.skip(SKIP_PREFIX + missing)
