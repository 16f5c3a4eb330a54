"""What the war room's first frame is not made of: widgets it does not show
are made when first needed, and work the same once they are."""

from __future__ import annotations

from keyburst import burst, settle, until
from textual.widgets import Label

from warroom.tui.screens.help import collect_bindings
from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.widgets.timeline import TimelinePanel, TimelineView
from warroom.tui.widgets.timeline_later import SearchInput

SIZE = (160, 48)


async def test_the_timelines_search_row_and_waiting_line_are_made_when_first_needed(
    app_factory, store, clock
):
    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    store.add_entry(incident.id, "the cache was flushed at 10:02")
    store.add_entry(incident.id, "errors back to normal")
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, WarRoomScreen)
        panel = screen.query_one(TimelinePanel)
        # Neither is made with the room: the first frame does not show them.
        assert not screen.query("#search-row")
        assert not screen.query(SearchInput)
        assert not screen.query("#note-waiting")
        # Nor is any Label (the note's kind is a Static): Label's styles are
        # neither parsed nor matched as warroom starts.
        assert not screen.query(Label)
        # Their keys are listed all the same (help, the palette).
        rows = collect_bindings(screen)
        assert ("4 Search", "esc", "Clear search", "search.clear") in rows
        # A search typed straight behind the key that opens it lands in it.
        burst(app, "4", "/", *"cache")
        await settle(app, pilot)
        search = screen.query_one(SearchInput)
        assert app.focused is search
        assert search.value == "cache"
        assert screen.query_one("#search-row").display
        assert [e.text for e in screen.query_one(TimelineView).entries] == [
            "the cache was flushed at 10:02"
        ]
        # The row is made once: cleared and opened again, it is the same row.
        burst(app, "escape")
        await settle(app, pilot)
        assert not screen.query_one("#search-row").display
        assert app.focused is screen.query_one(TimelineView)
        burst(app, "/", *"normal")
        await settle(app, pilot)
        assert len(screen.query("#search-row")) == 1
        assert screen.query_one(SearchInput).value == "normal"
        assert [e.text for e in screen.query_one(TimelineView).entries] == ["errors back to normal"]
        # A note written at once is never listed as waiting: the line is not made.
        burst(app, "escape", "n", *"all clear", "enter")
        await until(pilot, lambda: not app.pending, "the note written")
        await settle(app, pilot)
        assert not panel.waiting
        assert not screen.query("#note-waiting")


async def test_a_panel_screen_made_for_the_terminals_size_is_styled_once_mounted(
    app_factory, store, clock, monkeypatch
):
    """The war room takes its size classes (-wide, -compact) as it is made,
    without being styled for them then: it is styled as it is mounted, and
    styling it before (the app's whole stylesheet, on a screen not yet in the
    app) only delayed the first frame. A resize restyles it as before."""
    from textual import events
    from textual.geometry import Size

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        styled: list = []
        update_nodes = app.stylesheet.update_nodes

        def recording(nodes, animate=False):
            nodes = list(nodes)
            styled.extend(nodes)
            return update_nodes(nodes, animate=animate)

        monkeypatch.setattr(app.stylesheet, "update_nodes", recording)
        made = WarRoomScreen(incident.id)
        assert made.has_class("-wide") and not made.has_class("-compact")
        assert made not in styled
        screen = app.screen
        screen.post_message(events.Resize(Size(80, 24), Size(80, 24)))
        await settle(app, pilot)
        assert screen.has_class("-compact") and screen in styled
