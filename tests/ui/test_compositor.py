"""The war room's compositor paints exactly what Textual's would: every
update of a session of typical keys, partial or whole, is drawn both ways and
compared cell by cell (character and style) over the cells it rewrites."""

from __future__ import annotations

from rich.cells import cell_len

from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.textual_fixes.compositor import (
    ChangedOnlyCompositor,
    compositor_of,
    textuals_full_update,
    textuals_partial_update,
)


def cells(update) -> dict[tuple[int, int], tuple[str, object]]:
    """What a terminal shows after the update, inside the spans it rewrites."""
    shown = {}
    for y, x1, x2 in update.spans:
        for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=True):
            if strip is None or x >= x2 or end <= x1:
                continue
            for segment in strip:
                for char in segment.text:
                    if x1 <= x < x2:
                        shown[(x, y)] = (char, segment.style)
                    x += cell_len(char)
    return shown


def whole(update) -> dict[tuple[int, int], tuple[str, object]]:
    """Every cell of a whole frame."""
    shown = {}
    for y, line in enumerate(update.strips, update.region.y):
        x = update.region.x
        for strip in line:
            for segment in strip:
                for char in segment.text:
                    shown[(x, y)] = (char, segment.style)
                    x += cell_len(char)
    return shown


async def test_whole_frames_match_textuals_own(app_factory, store, seeded, monkeypatch):
    """The first frame, and the whole frames after a layout change (a resize,
    compact and back), skip the widgets covered by those in front and paint
    what Textual paints."""
    frames: list[tuple[dict, dict]] = []
    ours = ChangedOnlyCompositor.render_full_update

    def both(self, simplify=False):
        theirs = textuals_full_update(self, simplify)
        update = ours(self, simplify)
        frames.append((whole(update), whole(theirs)))
        return update

    monkeypatch.setattr(ChangedOnlyCompositor, "render_full_update", both)
    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(compositor_of(app.screen), ChangedOnlyCompositor)
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        await pilot.press("question_mark")  # a screen on top, then back
        await pilot.press("escape")
        await pilot.pause()
    assert len(frames) >= 3
    assert {len(mine) for mine, _ in frames} >= {120 * 36, 80 * 24, 200 * 50}
    for n, (mine, textuals) in enumerate(frames):
        assert mine == textuals, f"frame {n} differs"


async def test_partial_updates_match_textuals_own(app_factory, store, seeded, monkeypatch):
    frames: list[tuple[str, str]] = []
    ours = ChangedOnlyCompositor.render_partial_update

    def both(self):
        theirs = textuals_partial_update(self)  # Textual's, on the same regions
        update = ours(self)
        if update is not None:
            frames.append((cells(update), cells(theirs)))
        return update

    monkeypatch.setattr(ChangedOnlyCompositor, "render_partial_update", both)
    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen, WarRoomScreen)
        assert isinstance(compositor_of(app.screen), ChangedOnlyCompositor)
        await pilot.press("a", "5", "space")  # a checklist row, the timeline, the header
        await pilot.press("n", *"db failover done", "enter")  # a note at the bottom
        await pilot.press("escape", "4", "up", "up", "down")  # the cursor and the detail line
        await pilot.press("2", "o", *"zoe", "enter")  # the role board, a hand-off
        await pilot.press("3", "t")  # a milestone: clocks and header
        await pilot.press("2", "r", *"alice", "enter")  # a role for me: a toast on top
        await pilot.press("4", "pageup", "pagedown", "home", "end")  # the timeline scrolls
        await pilot.press("ctrl+p")  # the palette over the war room
        await pilot.press("escape")
        await pilot.pause()
    board = store.board(seeded)
    assert (board.holder("Communicator"), board.holder("Scribe")) == ("zoe", "alice")
    assert len(frames) >= 10
    assert any(len(mine) > 1000 for mine, _ in frames)  # whole panels among them
    for n, (mine, textuals) in enumerate(frames):
        assert mine == textuals, f"frame {n} differs"
