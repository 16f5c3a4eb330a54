"""Hostile text in the TUI (issue 13): what is painted never carries a raw
control, direction or invisible character, toasts never parse markup, inputs
show placeholders while holding the exact text, a swapped file stops writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from textual.geometry import Region

from warroom.core.text import is_unsafe
from warroom.tui.screens.modals import ConfirmModal
from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.toasts import shown_toasts

SIZE = (120, 36)
OSC52 = "\x1b]52;c;aGVsbG8=\x1b\\"
HOSTILE = f"DB {OSC52} \x1b[2J \x9b31m \u202eevil\u202c zero\u200bwidth line\u2028sep"
MARKUP_NAME = "[@click=app.quit]QUIT[/] [link=http://e.example]L[/link] [b]B"


def painted(app) -> str:
    """Every line every widget on the screen would send, filters applied."""
    lines = []
    for widget in app.screen.walk_children(with_self=True):
        if widget.is_mounted and widget.size.area:
            region = Region(0, 0, widget.size.width, widget.size.height)
            for strip in widget.render_lines(region):
                lines.append("".join(seg.text for seg in strip if not seg.control))
    return "\n".join(lines)


def raw_in(text: str) -> list[str]:
    return sorted({f"U+{ord(ch):04X}" for ch in text.replace("\n", "") if is_unsafe(ch)})


async def test_toasts_never_parse_markup_from_any_caller(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.notify(MARKUP_NAME, markup=True)  # asked for markup: still literal
        await pilot.pause()
        shown = painted(app)
        assert "[@click=app.quit]QUIT[/]" in shown and not raw_in(shown)
        messages = [n.message for n in shown_toasts(app)]
        # One toast at a time (the newest replaces it): each caller in turn.
        app.screen.notify(f"screen {MARKUP_NAME}")  # Widget.notify ends in the app's
        await pilot.pause()
        messages += [n.message for n in shown_toasts(app)]
        app.screen.query_one("#header").notify(HOSTILE, title=HOSTILE)
        await pilot.pause()
        messages += [n.message for n in shown_toasts(app)]
        assert MARKUP_NAME in messages and f"screen {MARKUP_NAME}" in messages
        assert all(not raw_in(m) for m in messages)
        assert all(not n.markup for n in shown_toasts(app))
        assert app.is_running


async def test_acting_as_a_markup_name_is_literal_and_stored_exactly(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("i")
        await pilot.pause()
        chooser = app.screen.query_one("#person")
        chooser.value = MARKUP_NAME
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and store.identity == MARKUP_NAME
        await pilot.press("4", "n", *"hello", "enter")
        await pilot.pause()
        assert store.timeline(seeded)[-1].actor == MARKUP_NAME
        toast = [n for n in shown_toasts(app) if n.message == f"Now acting as {MARKUP_NAME}"]
        assert toast and not toast[0].markup
        assert "as [@click=app.quit]QUIT[/]" in painted(app)  # the header, literally


async def test_acting_as_a_name_with_controls_is_refused(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#person").value = "mallory\x1b[2J"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert store.identity == "alice"
        assert any("control characters" in n.message for n in shown_toasts(app))


async def test_every_view_with_user_text_paints_placeholders(app_factory, store, seeded):
    store.assign(seeded, "Responder", "eve\u202emal")
    store.add_entry(seeded, HOSTILE, "evidence")
    store.save_why(seeded, 1, "", f"because {HOSTILE}")
    incident = store.get_incident(seeded)
    store.conn.execute(
        "UPDATE incidents SET title = ?, public_title = ? WHERE id = ?", (HOSTILE, HOSTILE, seeded)
    )
    store.conn.execute("UPDATE changes SET revision = revision + 1")
    assert store.get_incident(seeded).title == HOSTILE != incident.title
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert isinstance(app.screen, WarRoomScreen)
        views = {"war room": painted(app)}
        await pilot.press("5", "ctrl+t")  # a template holds the public title
        await pilot.press("enter")
        await pilot.pause()
        if isinstance(app.screen, ConfirmModal):  # replace what the draft holds
            await pilot.press("y")
            await pilot.pause()
        views["draft editor"] = painted(app)
        editor = app.screen.query_one("DraftEditor")
        assert f"DB {OSC52} \x1b[2J \x9b31m \u202eevil" in editor.text  # the exact text
        await pilot.press("escape", "4", "end", "enter")  # correct the hostile note
        await pilot.pause()
        prompt = app.screen.query_one("#text")
        assert prompt.value == HOSTILE
        views["correction dialog"] = painted(app)
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        views["help"] = painted(app)
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        views["palette"] = painted(app)
        await pilot.press("escape", "R", "2")
        await pilot.pause()
        views["retro whys"] = painted(app)
        for name, shown in views.items():
            assert not raw_in(shown), f"{name} painted {raw_in(shown)}"
        assert "\u241b]52;c;" in views["draft editor"]
        assert "\u241b]52;c;" in views["correction dialog"]
        assert "\u2425evil\u2425" in views["war room"]


async def test_a_database_swapped_under_the_tui_stops_writes_and_keeps_them(
    app_factory, store, seeded, db_path, tmp_path
):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        copy = tmp_path / "copy.db"
        store.checkpoint()
        subprocess.run(["cp", str(db_path), str(copy)], check=True)
        os.replace(copy, db_path)  # someone restored a backup over the live file
        await pilot.press("4", "n", *"held note", "enter")
        await pilot.pause()
        assert len(app.pending) == 1
        assert "DATABASE FILE REPLACED" in app.status_note
        assert "DATABASE FILE REPLACED" in painted(app)
        app.retry_pending()  # retrying does not write into the old file either
        assert len(app.pending) == 1
    # The file at the path (read by another process) has no trace of it.
    shown = subprocess.run(
        [sys.executable, "-m", "warroom", "--db", str(db_path), "timeline", str(seeded), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "held note" not in [e["text"] for e in json.loads(shown.stdout)]
