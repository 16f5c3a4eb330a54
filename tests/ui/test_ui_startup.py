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
