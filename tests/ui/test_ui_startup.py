"""Start-up: the warroom command holds the cyclic collector off while the
first screen is built, and the app turns it back on once that screen has
painted; the first screen resume keeps the styles its widgets mounted with."""

from __future__ import annotations

import gc

from keyburst import settle

from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.textual_fixes.compositor import compositor_of

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
        reflow = compositor_of(screen).reflow

        def counted(*args, **kwargs):
            reflows.append(args[1])
            return reflow(*args, **kwargs)

        compositor_of(screen).reflow = counted
        screen.post_message(events.Resize(Size(*SIZE), Size(*SIZE)))
        await settle(app, pilot)
        assert reflows == []
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert Size(80, 24) in reflows
        assert screen.has_class("-compact")
        assert screen.query_one("#panel-1").region.width == 80


async def test_header_first_then_the_panels_and_keys_typed_meanwhile_land(
    app_factory, store, clock, monkeypatch
):
    """In a terminal the header is painted a frame before the panels are built.
    Keys typed in that gap (a burst sent as warroom starts) wait for the panels
    and then land, once each, where they would have with the room complete."""
    import asyncio

    from keyburst import burst

    from warroom.tui.widgets.common import Panel
    from warroom.tui.widgets.header import IncidentHeader

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    monkeypatch.setattr(WarRoomScreen, "HEADER_FIRST", True)  # as in a real terminal
    at_build = {}
    build = WarRoomScreen._mount_panels

    async def build_after_a_burst(screen):
        at_build["panels"] = len(screen.query(Panel))
        at_build["header"] = screen.query_one(IncidentHeader).render().plain
        at_build["laid out"] = compositor_of(screen).size == screen.size
        # The keys arrive now, with the header on screen and no panel yet
        # (from the terminal: the app sends them, as its driver does).
        burst(screen.app, "n", "typed before the panels", "enter", "alt+1", " ")
        for _ in range(20):  # the app takes them from its queue meanwhile
            await asyncio.sleep(0)
        at_build["notes"] = [e.text for e in store.timeline(incident.id)]
        await build(screen)

    monkeypatch.setattr(WarRoomScreen, "_mount_panels", build_after_a_burst)
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert at_build["panels"] == 0 and at_build["laid out"]
        assert "Checkout down" in at_build["header"] and "P1" in at_build["header"]
        assert not any("typed before" in text for text in at_build["notes"])
        assert not screen.building
        assert len(screen.query(Panel)) == 5
        assert gc.isenabled()
    notes = [e for e in store.timeline(incident.id) if e.text == "typed before the panels"]
    assert [n.kind for n in notes] == ["note"]
    # alt+1 left the note field for the checklist, and space ticked its first item.
    board = store.board(incident.id)
    first = next(iter(board.checklist))
    assert board.checklist[first].ticked


async def test_keys_wait_while_the_panels_are_still_to_come(app_factory, store, clock, monkeypatch):
    """Between the header's frame and the panels there is a moment when the
    screen has nothing queued: a key let through then would find no panel.
    The gate holds keys for as long as the screen is building, however long."""
    import asyncio

    from keyburst import burst

    from warroom.tui.textual_fixes.first_frame import StartupScreen

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    monkeypatch.setattr(WarRoomScreen, "HEADER_FIRST", True)
    release = asyncio.Event()
    queue_after_paint = StartupScreen.after_first_frame

    def after_release(screen, callback):
        async def later():
            await release.wait()  # the screen sits idle, building, meanwhile
            queue_after_paint(screen, callback)
            screen.refresh()

        asyncio.get_running_loop().create_task(later())

    monkeypatch.setattr(StartupScreen, "after_first_frame", after_release)
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert screen.building and not screen.query("#panel-4")
        burst(app, "n", "held until the panels came", "enter")
        for _ in range(5):
            await pilot.pause()
        assert app.key_gate.waiting  # held, not handled and not dropped
        release.set()
        await settle(app, pilot)
        assert not screen.building
    notes = [e.text for e in store.timeline(incident.id) if e.kind == "note"]
    assert notes == ["held until the panels came"]
