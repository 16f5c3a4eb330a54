"""Snapshots of each screen at 80x24 and 120x36, fixed clock and seeded data.

These SVGs are what a user sees: look at them before accepting a change."""

from __future__ import annotations

import pytest

SIZES = {"wide": (120, 36), "small": (80, 24)}


@pytest.fixture(params=list(SIZES))
def size(request):
    return SIZES[request.param]


def test_war_room(snap_compare, app_factory, seeded, size):
    assert snap_compare(app_factory(), terminal_size=size)


def test_war_room_roles_panel(snap_compare, app_factory, seeded, size):
    assert snap_compare(app_factory(), terminal_size=size, press=["2"])


def test_war_room_role_chooser(snap_compare, app_factory, seeded, size):
    # Choosing who takes the Lead, right under the roles: "r" narrows the known people.
    assert snap_compare(app_factory(), terminal_size=size, press=["2", "enter", "r"])


def test_war_room_notes_panel(snap_compare, app_factory, seeded, size):
    assert snap_compare(app_factory(), terminal_size=size, press=["4"])


def test_incident_list(snap_compare, app_factory, store, seeded, clock, size):
    store.declare("Login latency over 2 s", "performance", "P3")
    assert snap_compare(app_factory(), terminal_size=size)


def test_declare_dialog(snap_compare, app_factory, seeded, size):
    assert snap_compare(app_factory(), terminal_size=size, press=["escape", "n", *"DNS"])


def test_help(snap_compare, app_factory, seeded, size):
    assert snap_compare(app_factory(), terminal_size=size, press=["question_mark"])


def test_war_room_at_200x50(snap_compare, app_factory, seeded):
    # The extra room goes to the checklist and the notes; the right column grows too.
    assert snap_compare(app_factory(), terminal_size=(200, 50), press=["4"])
