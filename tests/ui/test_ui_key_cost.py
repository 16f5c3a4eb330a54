"""What a key costs the UI thread beyond what it shows: work done once, not
once for each step that asks for it (the entry's detail, the note's row)."""

from __future__ import annotations

from collections.abc import Callable

from keyburst import burst, settle, until, until_alone
from rich.text import Text

from warroom.tui.widgets.timeline import EntryDetail, NoteInput, TimelineView

SIZE = (120, 36)


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


async def test_our_note_shows_as_written_and_the_read_back_adds_only_the_rest(
    app_factory, seeded, db_path, policy, clock, monkeypatch
):
    """The note's row shows from what the store returned on writing it, not
    after the change is read back; the read back (held here) still brings
    what someone else wrote meanwhile, and our note is not shown twice."""
    from warroom.store import Store
    from warroom.tui.screens.warroom import WarRoomScreen

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        view = screen.query_one(TimelineView)
        held: list = []
        monkeypatch.setattr(WarRoomScreen, "refresh_from_store", lambda self: held.append(self))
        await pilot.press("n")
        screen.query_one(NoteInput).value = "ours, typed here"
        await pilot.press("enter")
        await until(pilot, lambda: view.entries[-1].text == "ours, typed here", "our note shown")
        assert held  # the change was noticed; its read back is held
        other = Store.open(db_path, policy, "bob", clock)
        try:
            other.add_entry(seeded, "theirs, from another terminal", "note")
        finally:
            other.close()
        monkeypatch.undo()
        screen.refresh_from_store()
        await until(pilot, lambda: view.entries[-1].text.startswith("theirs"), "theirs read")
        await settle(app, pilot)
        texts = [e.text for e in view.entries]
        assert texts.count("ours, typed here") == 1
        assert texts.count("theirs, from another terminal") == 1
        assert view.cursor == len(view.entries) - 1  # still following the newest


class _Counting(dict):
    looked = 0

    def get(self, key, default=None):
        self.looked += 1
        return super().get(key, default)


async def test_a_new_row_names_its_zone_without_going_over_every_row(app_factory, seeded, store):
    """The panel's title names the zones of the rows' times; a note added in a
    zone already named looks at its own time, not at every row's again."""
    from warroom.tui.widgets.timeline import TimelinePanel

    for n in range(80):
        store.add_entry(seeded, f"earlier note {n:03d}", "note")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        panel = app.screen.query_one(TimelinePanel)
        view = panel.view
        title = panel.border_title
        assert "times" in title and len(view.entries) > 80
        panel._zone_of = counting = _Counting(panel._zone_of)
        await pilot.press("n")
        app.screen.query_one(NoteInput).value = "one more"
        await pilot.press("enter")
        await until(pilot, lambda: view.entries[-1].text == "one more", "note shown")
        await settle(app, pilot)
        assert panel.border_title == title
        assert 0 < counting.looked < 10, counting.looked


def _screen_queries(monkeypatch) -> list:
    """Every selector the war room's screen asks query_one for, from now on."""
    from warroom.tui.screens.warroom import WarRoomScreen

    asked: list = []
    query_one = WarRoomScreen.query_one

    def counted(self, selector, expect_type=None):
        asked.append(selector)
        return query_one(self, selector, expect_type)

    monkeypatch.setattr(WarRoomScreen, "query_one", counted)
    return asked


async def test_a_tick_draws_the_board_without_querying_the_screen(app_factory, seeded, monkeypatch):
    """The board is drawn on every key that writes (pending, then read
    back): its parts are found once, not by walking the screen each time."""
    from warroom.tui.widgets.clocks import ClocksPanel
    from warroom.tui.widgets.draft import DraftPanel
    from warroom.tui.widgets.header import IncidentHeader
    from warroom.tui.widgets.roles import RolesPanel
    from warroom.tui.widgets.timeline import TimelinePanel

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        item = app.policy.checklist[0].id
        asked = _screen_queries(monkeypatch)
        for _ in range(2):  # the first may find the parts; the second finds them kept
            asked.clear()
            ticked = item in screen.board.ticked
            await pilot.press("space")
            await until(pilot, lambda t=ticked: (item in screen.board.ticked) != t, "read back")
            await settle(app, pilot)
        drawn = {IncidentHeader, RolesPanel, ClocksPanel, DraftPanel, TimelineView, TimelinePanel}
        assert not drawn & set(asked), asked


def _painting(widget, needle: str, order: list[str]) -> None:
    """Note in `order` each time the compositor paints `widget` showing `needle`."""
    render_lines = widget.render_lines

    def painted(crop):
        strips = render_lines(crop)
        if any(needle in strip.text for strip in strips):
            order.append("painted")
        return strips

    widget.render_lines = painted  # this widget only


async def _nothing_queued(app) -> None:
    await until_alone(
        lambda: not any(node.message_queue_size for node in [app, *app.screen.walk_children()]),
        "messages still queued",
    )


async def test_a_tick_is_painted_before_the_change_is_read_back(app_factory, seeded, monkeypatch):
    """A tick shows (pending) in the frame its key asks for; the read back
    its landing asks for waits for that frame, so the read and what it
    redraws never hold up the tick's own echo."""
    from warroom.tui.app import WarRoomApp
    from warroom.tui.widgets.checklist import ChecklistList

    order: list[str] = []
    outcome = WarRoomApp._write_outcome

    def handled(self, job, *args):
        write = job.envelope is not None  # not a read
        if write:
            order.append("landed")
        outcome(self, job, *args)
        if write:
            order.append("handled")

    monkeypatch.setattr(WarRoomApp, "_write_outcome", handled)
    app = app_factory(poll_seconds=3600)  # the landed write alone asks for the read
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        olist = screen.query_one(ChecklistList)
        olist.focus()
        item = app.policy.checklist[0].id
        olist.highlighted = olist.ids.index(item)
        await settle(app, pilot)
        assert item not in screen.board.ticked
        order.clear()
        _painting(olist, f"■ {item}", order)
        read = screen.refresh_from_store

        def reading() -> None:
            order.append("read")
            read()

        screen.refresh_from_store = reading  # type: ignore[method-assign]
        burst(app, " ")  # as the terminal sends it: no Pilot waiting
        await until_alone(lambda: item in screen.board.ticked, "the tick read back")
        await settle(app, pilot)
        assert order.count("landed") == 1 and "read" in order and "painted" in order, order
        # Not asked while the landing was handled, and only once the tick showed.
        assert order.index("handled") < order.index("read"), order
        assert order.index("painted") < order.index("read"), order


async def test_a_keys_settling_starts_after_its_echo(app_factory, seeded):
    """The key gate hands a lone key on at once and looks whether it has
    settled (rounds of callbacks along the focus) only after the key's echo
    was painted: the rounds cost the key nothing before it shows."""
    app = app_factory(poll_seconds=3600)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        field = app.screen.query_one(NoteInput)
        await settle(app, pilot)
        assert app.focused is field and field.value == ""
        gate = app.key_gate
        order: list[str] = []
        _painting(field, "q", order)

        def noting(begin):
            def starting(*args):
                order.append("rounds")
                return begin(*args)

            return starting

        for start in ("_rounds_now", "_settle"):  # the two ways its rounds begin
            setattr(gate, start, noting(getattr(gate, start)))
        # Pilot's own pause leaves a callback in every widget's queue: a key
        # finding them there is held and settled at once, as in a burst.
        await _nothing_queued(app)
        burst(app, "q")
        # Waited for without Pilot: its pause would queue callbacks in every
        # widget, which the gate would rightly settle at once.
        await until_alone(lambda: "rounds" in order, "the key's settling")
        assert field.value == "q"
        await settle(app, pilot)
        assert "rounds" in order and "painted" in order, order
        assert order.index("painted") < order.index("rounds"), order


async def test_the_timeline_keeps_its_height_as_the_cursor_passes_a_two_line_entry(
    app_factory, seeded, store
):
    """The entry's detail keeps two rows for entries of one line or two, so a
    key that moves the cursor between them (or a tick or note that lands)
    repaints the detail, not lays out the whole screen again with the
    timeline a row shorter or taller."""
    store.add_entry(seeded, "short", "note")
    store.add_entry(seeded, "a note long enough to take a second line in the detail", "note")
    store.add_entry(seeded, "short again", "note")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(TimelineView)
        detail = app.screen.query_one(EntryDetail)
        heights = set()
        details = set()
        await pilot.press("4")
        for key in ("up", "up", "down", "down"):
            await pilot.press(key)
            await settle(app, pilot)
            heights.add(view.size.height)
            details.add(len(detail._wrapped(detail.content_region.width)))
        assert details == {1, 2}  # the cursor passed entries of one line and of two
        assert len(heights) == 1, heights


async def test_a_tick_draws_again_the_checklist_rows_it_changed(app_factory, seeded):
    """A tick changes one row of the checklist and the count on the panel's
    bottom border: those rows are drawn again, not the list's every row nor
    the panel's top border and sides (each through the styles cache and the
    line filters). What is on screen is what Textual draws for the whole."""
    from textual.geometry import Region
    from textual.widget import Widget

    from warroom.tui.widgets.checklist import ChecklistList, ChecklistPanel

    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        olist = app.screen.query_one(ChecklistList)
        panel = app.screen.query_one(ChecklistPanel)
        assert olist.has_focus  # the checklist is panel 1
        item = app.policy.checklist[0].id
        drawn: dict[str, list[int]] = {"list": [], "panel": []}

        def counting(widget, name: str) -> None:
            draw = widget.draw_lines

            def counted(crop):
                drawn[name].append(crop.height)
                return draw(crop)

            widget.draw_lines = counted

        counting(olist, "list")
        counting(panel, "panel")
        for _ in range(2):  # tick, then untick: the count on the border changes
            drawn["list"].clear()
            drawn["panel"].clear()
            ticked = item in app.screen.board.ticked
            await pilot.press("space")
            await until(pilot, lambda t=ticked: (item in app.screen.board.ticked) != t, "read")
            await settle(app, pilot)
            await pilot.pause()
            assert 0 < sum(drawn["list"]) <= 2, drawn  # the row ticked (the cursor's row)
            assert sum(drawn["panel"]) == 1, drawn  # the bottom border, with the count
            for widget in (olist, panel):
                width, height = widget.outer_size
                whole = Region(0, 0, width, height)
                assert widget.render_lines(whole) == Widget.render_lines(widget, whole)


async def test_the_screen_and_grid_see_their_children_cover_them_once(
    app_factory, seeded, monkeypatch
):
    """Every frame asks the screen and the grid for their lines; that their
    children cover them is worked out again only when a child moved, not on
    every key."""
    from warroom.tui.widgets.common import KeptLines

    scans: list = []
    spans_cover = KeptLines._spans_cover

    def counted(crop, spans):
        scans.append(crop)
        return spans_cover(crop, spans)

    monkeypatch.setattr(KeptLines, "_spans_cover", staticmethod(counted))
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        item = app.policy.checklist[0].id
        for _ in range(2):
            ticked = item in app.screen.board.ticked
            await pilot.press("space")
            await until(pilot, lambda t=ticked: (item in app.screen.board.ticked) != t, "read")
            await settle(app, pilot)
        scans.clear()
        for _ in range(3):
            ticked = item in app.screen.board.ticked
            await pilot.press("space")
            await until(pilot, lambda t=ticked: (item in app.screen.board.ticked) != t, "read")
            await settle(app, pilot)
            await pilot.pause()
        assert scans == [], scans


def _keys_heard(key: str) -> tuple[list, Callable[[object], None]]:
    """A message hook that keeps every Key message for `key` (one per hop
    the key takes on its way), and the list it keeps them in."""
    from textual import events

    seen: list = []

    def heard(message: object) -> None:
        if isinstance(message, events.Key) and message.key == key:
            seen.append(message)

    return seen, heard


async def test_a_tick_s_key_goes_straight_to_its_binding(app_factory, seeded):
    """Space on the checklist ticks through the list's own binding, found
    when the key arrives: the key is not handed down to the list and back up
    through the panel, the grid and the screen first (a message hop each)."""
    from warroom.tui.widgets.checklist import ChecklistList

    app = app_factory()
    seen, heard = _keys_heard("space")
    async with app.run_test(size=SIZE, message_hook=heard) as pilot:
        await settle(app, pilot)
        olist = app.screen.query_one(ChecklistList)
        assert olist.has_focus
        item = olist.highlighted_id
        seen.clear()
        await pilot.press("space")
        await until(pilot, lambda: item in app.screen.board.ticked, "ticked")
        await settle(app, pilot)
        assert len(seen) == 1, seen  # the key as it came in, to the app alone


async def test_enter_in_an_input_goes_straight_to_its_submit(app_factory, seeded, store):
    """Enter in a note (or a name, or any prompt: every input is a SafeInput)
    submits through the input's binding, found when the key arrives: not
    after the key went down to the input and back up through each
    container to the app."""
    app = app_factory()
    seen, heard = _keys_heard("enter")
    async with app.run_test(size=SIZE, message_hook=heard) as pilot:
        await settle(app, pilot)
        await pilot.press("n", *"straight in")
        await settle(app, pilot)
        seen.clear()
        await pilot.press("enter")
        await until(pilot, lambda: store.timeline(seeded)[-1].text == "straight in", "written")
        await settle(app, pilot)
        assert len(seen) == 1, seen  # the key as it came in, to the app alone


async def test_a_tick_and_a_hand_off_go_to_the_screen_that_writes_them(app_factory, seeded, store):
    """The checklist's tick and the role board's hand-off are handled by the
    screen (it writes them): they are posted to it, not handed from the
    list to its panel to the grid to the screen, a message hop each."""
    from warroom.tui.widgets.checklist import ChecklistList
    from warroom.tui.widgets.roles import RolesPanel

    app = app_factory()
    heard: list = []

    def hook(message) -> None:
        if isinstance(message, ChecklistList.Toggled | RolesPanel.Picked):
            heard.append(type(message).__name__)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(app, pilot)
        item = app.screen.query_one(ChecklistList).highlighted_id
        await pilot.press("space")
        await until(pilot, lambda: item in app.screen.board.ticked, "ticked")
        await settle(app, pilot)
        assert heard == ["Toggled", "Toggled"], heard  # the screen, then the app
        heard.clear()
        await pilot.press("2", "o", *"zoe", "enter")  # o: Communicator
        await until(pilot, lambda: store.board(seeded).holder("Communicator") == "zoe", "held")
        await settle(app, pilot)
        assert heard == ["Picked", "Picked"], heard


async def test_the_clocks_second_does_not_query_the_screen(app_factory, seeded, monkeypatch):
    """Each second the header, the clocks and the draft's "next update due"
    move: their parts are the ones kept, not found by walking the screen (a
    query each second, and one for the tasks panel that is not there)."""

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        screen.tick(app.clock())  # the parts found once
        asked = _screen_queries(monkeypatch)
        for _ in range(3):
            screen.tick(app.clock())
        assert asked == []
