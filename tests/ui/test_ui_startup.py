"""Start-up: the warroom command holds the cyclic collector off while the
first screen is built, and the app turns it back on once that screen has
painted; the first screen resume keeps the styles its widgets mounted with."""

from __future__ import annotations

import gc

from keyburst import settle

from warroom.screens.warroom import WarRoomScreen

SIZE = (160, 48)


async def test_collection_resumes_once_the_first_screen_painted(app_factory, store, clock):
    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    app = app_factory(start_incident=incident.id)
    gc.disable()  # as run_tui leaves it before the app starts
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, WarRoomScreen)
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_focus_styles_hold_on_first_resume_and_after_a_dialog(app_factory, store, clock):
    """The focused checklist's panel is drawn as focused (bold title) from the
    first frame, and again when the war room comes back from the help screen."""
    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        checklist, roles = screen.query_one("#panel-1"), screen.query_one("#panel-2")
        assert checklist.styles.border_title_style.bold
        assert not roles.styles.border_title_style.bold
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert app.screen is not screen
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen
        assert checklist.styles.border_title_style.bold
        assert not roles.styles.border_title_style.bold


async def test_a_resize_to_the_same_size_lays_nothing_out_again(app_factory, store, clock):
    """The screen gets the terminal's size again as it is shown: laying the
    whole war room out for it cost a frame's worth of work before the first
    frame. A real change of size still lays it out (here: compact at 80x24)."""
    from textual import events
    from textual.geometry import Size

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        reflows = []
        reflow = screen._compositor.reflow

        def counted(*args, **kwargs):
            reflows.append(args[1])
            return reflow(*args, **kwargs)

        screen._compositor.reflow = counted
        screen.post_message(events.Resize(Size(*SIZE), Size(*SIZE)))
        await settle(app, pilot)
        assert reflows == []
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert Size(80, 24) in reflows
        assert screen.has_class("-compact")
        assert screen.query_one("#panel-1").region.width == 80
