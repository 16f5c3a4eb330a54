"""What a key costs the UI thread beyond what it shows: work done once, not
once for each step that asks for it (the entry's detail, the note's row)."""

from __future__ import annotations

import time

from keyburst import settle
from rich.text import Text

from warroom.tui.widgets.timeline import EntryDetail, NoteInput, TimelineView

SIZE = (120, 36)


async def until(pilot, done, what: str) -> None:
    deadline = time.monotonic() + 30  # a guard against a hang, not a wait
    while not done():
        assert time.monotonic() < deadline, what
        await pilot.pause()


async def test_a_new_entry_detail_is_wrapped_once(app_factory, seeded, monkeypatch):
    """A note that lands moves the highlight to it: its detail is wrapped
    once for its height, its layout and its paint, not once for each."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(TimelineView)
        detail = app.screen.query_one(EntryDetail)
        wrapped: list[str] = []
        wrap = Text.wrap

        def counted(text, console, width, **kwargs):
            if text.plain.startswith("#"):  # the detail's head: "#12 note by …"
                wrapped.append(text.plain)
            return wrap(text, console, width, **kwargs)

        monkeypatch.setattr(Text, "wrap", counted)
        long = "a note long enough to wrap in the detail " * 6
        await pilot.press("n")
        app.screen.query_one(NoteInput).value = long.strip()
        await pilot.press("enter")
        await until(pilot, lambda: view.entries[-1].text == long.strip(), "note shown")
        await settle(app, pilot)
        await pilot.pause()
        assert detail.entry is not None and detail.entry.text == long.strip()
        assert detail.size.height > 1  # it wrapped: the detail grew
        assert len([w for w in wrapped if w.endswith(long.strip())]) == 1, wrapped
