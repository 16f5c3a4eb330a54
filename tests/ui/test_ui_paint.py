"""What the war room paints stays what it shows, with Textual's own
compositor: the timeline's scroll bar is repainted only when its thumb moves,
and is never left where the timeline no longer is."""

from __future__ import annotations

from keyburst import settle, until
from textual.geometry import Region

from warroom.tui.widgets.timeline import TimelineView

SIZE = (120, 36)


def bar_as_drawn(bar) -> list[tuple[str, tuple]]:
    """The bar's rows as its widget would paint them now (from its line cache)."""
    lines = bar.render_lines(Region(0, 0, bar.size.width, bar.size.height))
    return [(strip.text, tuple(segment.style for segment in strip)) for strip in lines]


def bar_drawn_afresh(bar) -> list[tuple[str, tuple]]:
    bar.refresh()  # the cache emptied: drawn from the bar's values as they are
    return bar_as_drawn(bar)


async def test_the_timeline_scroll_bar_follows_notes_and_scrolling(
    app_factory, store, seeded, clock
):
    for n in range(400):
        store.add_entry(seeded, f"earlier note {n:03d}", "note")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(TimelineView)
        bar = view.vertical_scrollbar
        assert bar.display and bar.size.height > 5
        thumbs = set()

        async def check(what: str) -> None:
            await settle(app, pilot)
            await pilot.pause()
            drawn = bar_as_drawn(bar)
            assert drawn == bar_drawn_afresh(bar), what
            thumbs.add(tuple(text for text, _ in drawn))

        await check("opened at the end")
        await pilot.press("n")
        for n in range(3):
            await pilot.press(*f"note {n}", "enter")
            await until(pilot, lambda n=n: view.entries[-1].text == f"note {n}", "note shown")
            await check(f"after note {n}")
        await pilot.press("escape")
        for keys in (("home",), ("pagedown",) * 3, ("end",), ("pageup",) * 5, ("down",) * 7):
            await pilot.press(*keys)
            await check(f"after {keys}")
        assert len(thumbs) >= 3  # the thumb was drawn in several places


async def test_a_tick_read_back_is_not_drawn_again(store, seeded, policy, clock, monkeypatch):
    """The tick shows at once, as pending, with the time it was typed; the
    stored one carries its commit's time. Both show the same minute, so the
    checklist is drawn once, not again when the write is read back."""
    from clocks import Clock

    from warroom.tui.app import make_app
    from warroom.tui.widgets.checklist import ChecklistPanel

    drawn = []
    item = policy.checklist[0].id
    show = ChecklistPanel.show

    def counted(panel, board, utc=False):
        drawn.append({i for i, s in board.checklist.items() if s.ticked})
        return show(panel, board, utc)

    monkeypatch.setattr(ChecklistPanel, "show", counted)
    app = make_app(store, policy, clock=Clock(clock.now))  # typed at 09:00:00
    clock.advance(seconds=20)  # the store's: its commit at 09:00:20

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert item not in screen.board.ticked
        drawn.clear()
        await pilot.press("space")
        await until(pilot, lambda: item in screen.board.ticked, "the tick read back")
        await settle(app, pilot)
        assert screen.board.checklist[item].at == clock.now  # the stored time, read back
    assert drawn == [{*drawn[0]}] and item in drawn[0]  # drawn once: pending


async def test_containers_draw_no_lines_of_their_own_under_their_children(
    app_factory, store, clock
):
    """The screen (under the header, the grid and the key bar) and the grid
    (under the panels) are never seen: their lines are not drawn (~5 ms of
    the war room's first frame). Where a child leaves a row uncovered, that
    row is drawn as before."""
    from textual.geometry import Region
    from textual.strip import Strip

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        grid = screen.query_one("#grid")
        assert screen.render_lines(Region(0, 0, 160, 48)) == [Strip.blank(160)] * 48
        assert grid.render_lines(Region(0, 0, 160, 46)) == [Strip.blank(160)] * 46
        panel = screen.query_one("#panel-1")  # its border is its own
        assert "Triage checklist" in panel.render_lines(Region(0, 0, 106, 1))[0].text
        grid.styles.height = 40  # rows 41 to 46 are the screen's own now
        await settle(app, pilot)
        (row,) = screen.render_lines(Region(0, 45, 160, 1))
        assert row != Strip.blank(160) and row.cell_length == 160
        assert all(segment.style and segment.style.bgcolor for segment in row)  # its background


async def test_a_panel_s_rows_are_the_rows_textual_draws(app_factory, store, clock):
    """A panel draws one of the rows between its borders and repeats it:
    every panel of the war room (the focused one too, subtitles and all)
    comes out as Textual draws it row by row, whole or in part."""
    from textual.widget import Widget

    from warroom.tui.widgets.common import Panel

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")  # the notes panel focused: its border and title change
        await settle(app, pilot)
        panels = list(app.screen.query(Panel))
        assert len(panels) == 5
        for panel in panels:
            width, height = panel.outer_size
            for crop in (Region(0, 0, width, height), Region(3, 2, width - 5, height - 3)):
                assert panel.draw_lines(crop) == Widget.render_lines(panel, crop), panel.id
