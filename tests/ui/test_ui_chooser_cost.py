"""What opening the hand-off chooser costs the UI thread beyond what it
shows: the screen laid out once, the people filtered once, and no repaint of
the whole screen for the focus moving into the chooser. The chooser opened
before, with a name typed and left: the next opening starts from a list that
showed that name alone."""

from __future__ import annotations

from keyburst import settle, until

from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.widgets.people import PeopleList, PersonChooser

SIZE = (160, 48)  # the whole room, as in the bench
PEOPLE = ("ann", "bea", "cal", "dee", "eli", "fay", "gus", "hal")  # more than the list's 5 rows


def _many_known(store, seeded) -> None:
    """Enough known people for the role board's list to scroll."""
    for person in PEOPLE:
        store.assign(seeded, "Responder", person)  # the role many hold


async def _left_once(app, pilot) -> PersonChooser:
    """The chooser opened on Lead, a new name typed, then escape."""
    await settle(app, pilot)
    await pilot.press("2", "enter", *"zoe", "escape")
    await settle(app, pilot)
    chooser = app.screen.query_one(PersonChooser)
    assert not chooser.visible
    return chooser


async def _open(app, pilot, chooser: PersonChooser) -> None:
    await pilot.press("enter")
    await until(pilot, lambda: chooser.visible and app.focused is chooser.input, "chooser open")
    await settle(app, pilot)


async def test_opening_the_chooser_lays_the_screen_out_once(app_factory, store, seeded):
    """Showing the chooser lays the screen out; its list knows how many rows
    it has before it paints, and its scrollbar stays, so nothing asks for a
    second layout of the whole screen (Textual's OptionList measured its rows
    while painting, and the scrollbar came back with everyone listed)."""
    _many_known(store, seeded)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        chooser = await _left_once(app, pilot)
        screen = app.screen
        layouts: list[object] = []
        screen.screen_layout_refresh_signal.subscribe(screen, layouts.append)
        await _open(app, pilot, chooser)
        assert len(layouts) == 1, layouts
        assert set(PEOPLE) <= set(chooser.query_one(PeopleList).ids)  # everyone, scrolling


async def test_opening_the_chooser_filters_the_people_once(app_factory, store, seeded, monkeypatch):
    """Emptying the name left from the last hand-off sends no Changed message
    that would filter (and measure and draw) the list a second time."""
    _many_known(store, seeded)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        chooser = await _left_once(app, pilot)
        filtered: list[str] = []
        original = PersonChooser._filter

        def counted(self, typed: str) -> None:
            filtered.append(typed)
            original(self, typed)

        monkeypatch.setattr(PersonChooser, "_filter", counted)
        await _open(app, pilot, chooser)
        assert filtered == [""]
        assert chooser.input.value == ""


async def test_focus_moving_into_the_chooser_repaints_no_whole_screen(
    app_factory, store, seeded, monkeypatch
):
    """Textual's Screen repaints every widget when its focus changes; in the
    war room each widget whose look follows focus is restyled (and repaints)
    by itself, so the screen asks for no repaint of its own."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        chooser = await _left_once(app, pilot)
        whole: list[dict] = []
        original = WarRoomScreen.refresh

        def watched(self, *regions, **kwargs):
            if not regions and kwargs.get("repaint", True):
                whole.append(kwargs)
            return original(self, *regions, **kwargs)

        monkeypatch.setattr(WarRoomScreen, "refresh", watched)
        await _open(app, pilot, chooser)
        assert whole == []


async def test_a_person_clicked_in_the_list_takes_the_role(app_factory, store, seeded):
    _many_known(store, seeded)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        chooser = await _left_once(app, pilot)
        await _open(app, pilot, chooser)
        people = chooser.query_one(PeopleList)
        await pilot.click(PeopleList, offset=(2, 1))  # the second row
        await until(pilot, lambda: not chooser.visible, "chooser closed")
        await settle(app, pilot)
        picked = people.ids[1]
    assert store.board(seeded).holder("Lead") == picked
