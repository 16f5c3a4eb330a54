"""The war room's compositor paints exactly what Textual's would: every
partial update of a session of typical keys is drawn both ways and compared
cell by cell (character and style) over the cells the update rewrites."""

from __future__ import annotations

from rich.cells import cell_len
from textual._compositor import ChopsUpdate, Compositor

from warroom.screens.compositor import ChangedOnlyCompositor
from warroom.screens.warroom import WarRoomScreen


def cells(update: ChopsUpdate) -> dict[tuple[int, int], tuple[str, object]]:
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


async def test_partial_updates_match_textuals_own(app_factory, store, seeded, monkeypatch):
    frames: list[tuple[str, str]] = []
    ours = ChangedOnlyCompositor.render_partial_update

    def both(self):
        dirty = set(self._dirty_regions)
        theirs = Compositor.render_partial_update(self)  # Textual's, on the same regions
        self._dirty_regions.update(dirty)
        update = ours(self)
        if update is not None:
            frames.append((cells(update), cells(theirs)))
        return update

    monkeypatch.setattr(ChangedOnlyCompositor, "render_partial_update", both)
    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen, WarRoomScreen)
        assert isinstance(app.screen._compositor, ChangedOnlyCompositor)
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
