"""Start-up: the first screen opens once what it shows is read (on the
database worker: the UI thread never reads the store), keys typed meanwhile
wait for it; the warroom command holds the cyclic collector off while the
first screen is built, and the app turns it back on once that screen has
painted; the first screen resume keeps the styles its widgets mounted with,
and the terminal's size passed on again lays nothing out twice."""

from __future__ import annotations

import gc

import pytest
from keyburst import settle, until

from warroom.tui.screens.warroom import WarRoomScreen

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
        reflows = _laid_out(screen)
        screen.post_message(events.Resize(Size(*SIZE), Size(*SIZE)))
        await settle(app, pilot)
        assert reflows == []
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert reflows
        assert screen.has_class("-compact")
        assert screen.query_one("#panel-1").region.width == 80


def _laid_out(screen) -> list[int]:
    """A list that grows each time the screen is laid out and painted whole:
    the key bar, which no key here changes, is asked for its lines only then."""
    from warroom.tui.widgets.keybar import KeyBar

    bar = screen.query_one(KeyBar)
    painted: list[int] = []
    render_lines = bar.render_lines

    def counted(crop):
        painted.append(crop.height)
        return render_lines(crop)

    bar.render_lines = counted
    return painted


def _held_room_reads(monkeypatch):
    """The war room's read, on the database worker, waits until the event
    returned is set (the worker alone waits: the screen stays idle, building)."""
    import threading

    from warroom.store import Store

    release = threading.Event()
    send_room = Store.send_room  # how every read of the room begins

    def held(store, *args, **kwargs):
        assert release.wait(60), "the test never let the read go"
        return send_room(store, *args, **kwargs)

    monkeypatch.setattr(Store, "send_room", held)
    return release


@pytest.mark.opening
async def test_keys_typed_while_the_room_is_read_wait_and_land_in_order(
    app_factory, store, clock, monkeypatch
):
    """Nothing is shown of the war room until it is read (on the database
    worker, however long it takes): keys typed meanwhile (a burst sent as
    warroom starts) are held, then land, once each and in order, where they
    would have with the room open."""
    from keyburst import burst

    from warroom.tui.screens.building import StartupScreen
    from warroom.tui.widgets.common import Panel

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    release = _held_room_reads(monkeypatch)
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, StartupScreen) and app.screen.building
        burst(app, "n", "typed before the room", "enter", "alt+1", " ")
        for _ in range(10):  # the read is slow: the keys stay held however long it takes
            await pilot.pause()
        assert app.key_gate.waiting  # held, not handled and not dropped
        assert not app.query(Panel)
        assert [e.text for e in store.timeline(incident.id) if e.kind == "note"] == []
        release.set()
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, WarRoomScreen) and not screen.building
        assert len(screen.query(Panel)) == 5
        assert gc.isenabled()
    notes = [e for e in store.timeline(incident.id) if e.text == "typed before the room"]
    assert [n.kind for n in notes] == ["note"]
    # alt+1 left the note field for the checklist, and space ticked its first item.
    board = store.board(incident.id)
    first = next(iter(board.checklist))
    assert board.checklist[first].ticked


async def test_no_store_read_on_the_ui_thread_while_screens_open(app_factory, store, clock):
    """Every screen's first read runs on the database worker, on SQLite too:
    the app's own connection (the UI thread's) runs no query while the first
    screen (the incident list) and then a war room open. Only the change
    marker (PRAGMA data_version) is asked there, as the poll always does."""
    import threading

    from warroom.tui.screens.incidents import IncidentsScreen

    first = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    store.declare("Search slow", "performance", "P3", reported_at=clock())
    on_ui: list[str] = []
    main = threading.current_thread()

    def traced(sql: str) -> None:
        if threading.current_thread() is main and not sql.lstrip().upper().startswith("PRAGMA"):
            on_ui.append(sql)

    store.conn.set_trace_callback(traced)
    try:
        app = app_factory()
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, IncidentsScreen)
            assert on_ui == []
            app.open_incident(first.id)
            await settle(app, pilot)
            assert isinstance(app.screen, WarRoomScreen) and not app.screen.building
            assert app.screen.board.incident.title == "Checkout down"
            assert on_ui == []
    finally:
        store.conn.set_trace_callback(None)


async def test_the_role_board_fitting_its_rows_lays_nothing_out_again(app_factory, store, clock):
    """The role board says how many lines it needs as it opens: when they fit
    the rows the grid already gives it, the room is not laid out again (it
    was, right after the first frame). Wrapped names still grow the row."""
    from warroom.tui.widgets.roles import RoleList

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        # Nothing set on the grid as the room opened: it keeps warroom.tcss's rows.
        assert not screen.query_one("#grid").styles.inline.has_rule("grid_rows")
        reflows = _laid_out(screen)
        roles = screen.query_one(RoleList)
        roles.post_message(RoleList.Grown(3))
        await settle(app, pilot)
        assert reflows == []
        roles.post_message(RoleList.Grown(9))
        await settle(app, pilot)
        assert reflows
        assert screen.query_one("#panel-2").region.height == 11


async def test_changes_kept_by_an_earlier_session_are_said_once_the_room_shows(
    app_factory, store, clock, db_path
):
    """Changes an earlier session could not write are named in a toast as
    warroom starts: once, after the first frame (looking for the files is
    not part of it)."""
    from warroom.services import unsaved
    from warroom.services.writes import AddEntry, Envelope
    from warroom.tui.toasts import shown_toasts

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    write = AddEntry(incident.id, "typed before the disk filled")
    envelope = Envelope(write, actor="alice", typed_at=clock())
    unsaved.keep(db_path, [envelope.to_json()], clock())
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, WarRoomScreen) and not app.screen.building
        said = [t.message for t in shown_toasts(app) if "could not write are kept" in t.message]
        assert len(said) == 1 and "warroom unsaved replay" in said[0]


# What `warroom` does not load before the war room's first frame: each was
# paid at every start (tomllib and the TOML parse ~3 ms, argparse ~6 ms with
# the parser, the zone database ~2 ms, hashlib ~1 ms): bench figure 11.
NOT_AT_START = (
    "argparse",
    "tomllib",
    "zoneinfo",
    "hashlib",
    "warroom.cli.parser",
    "warroom.tui.widgets.people",
    "warroom.tui.widgets.tasks",
    "warroom.tui.widgets.timeline_later",
    "warroom.services.unsaved",
    "warroom.tui.screens.modals",
    "warroom.formats",
)
STARTUP_PROBE = """
import sys
from textual.app import App

import warroom.tui.app as tui  # what `warroom` imports by then in any case

shown = {{}}
run, started = App.run, tui.WarRoomApp.started


def first_frame(self):  # called once the first screen has painted
    if not shown and not getattr(self.screen, "building", True):
        shown.update(dict.fromkeys(sys.modules))
    started(self)


def headless(self, *args, **kwargs):
    async def until_shown(pilot):
        while not shown:
            await pilot.pause(0.01)
        pilot.app.exit()

    return run(self, headless=True, size=(160, 48), auto_pilot=until_shown)


App.run, tui.WarRoomApp.started = headless, first_frame
from warroom.cli.commands import main

code = main([])
print(code, sorted(m for m in {names!r} if m in shown))
"""


def test_the_war_room_s_start_loads_nothing_its_first_frame_does_not_need(tmp_path, clock):
    """`warroom` on a database with one open incident, to the war room shown:
    none of NOT_AT_START is loaded by then (each is loaded when first used)."""
    import os
    import subprocess
    import sys

    from warroom.core.policy import default_policy
    from warroom.store import Store

    db = tmp_path / "start.db"
    store = Store.open(db, default_policy(), "alice", clock)
    store.declare("Checkout down", "regression", "P1", reported_at=clock())
    store.close()
    env = {**os.environ, "WARROOM_DB": str(db), "WARROOM_USER": "alice"}
    probe = STARTUP_PROBE.format(names=NOT_AT_START)
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[0] == "0"
    assert out.stdout.strip() == "0 []", out.stdout


async def test_a_title_that_looks_like_markup_is_shown_as_typed_while_declaring(
    app_factory, store, seeded
):
    """The screen shown while a declaration is written names the title as
    typed: '[/]' in it is text, not markup (it stopped the app with a
    MarkupError)."""
    from warroom.tui.screens.building import StartupScreen

    app = app_factory()
    held: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n", *"DNS [/] [red]broken", "enter")
        holding = app.screen  # the write is quick: seen if it is still there
        if isinstance(holding, StartupScreen) and not isinstance(holding, WarRoomScreen):
            held.append(str(holding.render()))
        await settle(app, pilot)
        assert isinstance(app.screen, WarRoomScreen)
    assert [i.title for i in store.list_incidents()][-1] == "DNS [/] [red]broken"
    assert all("DNS [/] [red]broken" in text for text in held)


async def test_the_wide_room_makes_no_tab_strip_until_the_terminal_is_compact(
    app_factory, store, clock
):
    """The tab strip shows only in compact mode (80x24): a room opened wide
    has none to make and style before its first frame. Shrunk, the strip is
    made in its place under the header, naming the panels; wide again, it is
    hidden. Opened compact, it is there from the first frame."""
    from warroom.tui.screens.panels import TabStrip

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, WarRoomScreen) and not screen.building
        assert not screen.query(TabStrip)
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        strip = screen.query_one("#tabs", TabStrip)
        assert [type(w).__name__ for w in screen.children if w.display][:3] == [
            "IncidentHeader",
            "TabStrip",
            "RoomGrid",
        ]
        assert strip.region.y == 1 and strip.region.height == 1
        assert "1 Checklist" in strip.line.plain and "5 Update" in strip.line.plain
        await pilot.press("3")
        await settle(app, pilot)
        assert "3 Clocks" in strip.line.plain
        assert screen.query_one("#panel-3").region.height == 24 - 3  # header, tabs, key bar
        await pilot.resize_terminal(*SIZE)
        await settle(app, pilot)
        assert not strip.display
        assert screen.query_one("#grid").region.y == 1
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.screen.query_one("#tabs", TabStrip).region.y == 1


async def test_the_red_flag_warning_is_made_the_first_time_it_shows(app_factory, store, clock):
    """The checklist's red-flag line (boxes ticked on an incident not at
    P1/P2) is made the first time it shows, not with every room: at P1 with
    boxes ticked there is none; ticking one on an untriaged incident shows it
    above the list."""
    from textual.widgets import Static

    real = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    store.set_check(real.id, "c1", True)
    app = app_factory(start_incident=real.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.screen.query("#redflag")
    odd = store.declare("Odd logins", "security", "untriaged", reported_at=clock())
    app = app_factory(start_incident=odd.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        panel = app.screen.query_one("#panel-1")
        assert not panel.query("#redflag")
        await pilot.press("1", "space")
        await settle(app, pilot)
        flag = panel.query_one("#redflag", Static)
        assert panel.has_class("-redflag") and flag.display
        assert flag.region.y == panel.region.y + 1  # the panel's first row, over the list
        assert "Red flags on an incident not at P1/P2" in str(flag.render())
        listed = panel.query_one("#checklist-list")
        assert listed.region.y == flag.region.bottom


def _styles_naming(app, selector: str) -> list[str]:
    """The stylesheet's sources with rules for `selector`."""
    return [
        source.content for source in app.stylesheet.source.values() if selector in source.content
    ]


def _chooser_styles(app) -> list[str]:
    """The stylesheet's sources that style the role chooser under the roles."""
    return _styles_naming(app, "RolesPanel PersonChooser")


async def test_the_role_chooser_s_styles_are_parsed_when_the_first_hand_off_makes_it(
    app_factory, store, clock
):
    """The war room's first frame parses no styles of the role chooser (the
    roles panel held them: parsed and matched against every widget as warroom
    started); the first hand-off makes the chooser and brings them, and the
    chooser shows under the roles as before (the chooser's snapshot too)."""
    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, WarRoomScreen) and not app.screen.building
        assert _chooser_styles(app) == []
        await pilot.press("2", "enter")
        await settle(app, pilot)
        assert len(_chooser_styles(app)) == 1
        chooser = app.screen.query_one("#role-chooser")
        assert chooser.visible and chooser.styles.overlay == "screen"
        assert chooser.query_one("#people").styles.height.value == 5
        await pilot.press("escape")
        await settle(app, pilot)
        assert not chooser.visible


async def test_the_timeline_s_search_row_and_waiting_line_bring_their_styles_when_made(
    app_factory, store, clock
):
    """The war room's first frame parses no styles of the timeline's search
    row or its line of notes not saved yet (the panel held them: parsed and
    matched as warroom started, for widgets made only when first needed);
    the first search brings the row's, styled as before."""
    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, WarRoomScreen) and not app.screen.building
        assert _styles_naming(app, "#search-row") == []
        assert _styles_naming(app, "#note-waiting") == []
        await pilot.press("4", "slash")
        await settle(app, pilot)
        assert len(_styles_naming(app, "#search-row")) == 1
        row = app.screen.query_one("#search-row")
        assert row.display and row.region.height == 1
        assert app.screen.query_one("#search-input").styles.border_top[0] == ""
        await pilot.press("escape")
        await settle(app, pilot)
        assert not row.display


def _read_as_warroom_starts(store, start=None):
    """The first screen's read as `warroom` begins it, before Textual is
    imported (the import is long done when the app asks: waited for here)."""
    from warroom.tui.first_read import FirstRead

    early = FirstRead(store, start)
    early.result()
    return early


async def test_the_room_read_as_warroom_starts_is_the_first_screen_itself(
    app_factory, store, clock
):
    """Read on a thread while Textual was imported, the war room is the app's
    first screen: no loading screen under it, nothing read again, nothing
    read on the UI thread (only the change marker, as the poll asks it).
    Escape goes to the list, over the room (at rest: see the test below)."""
    import threading

    from warroom.tui.screens.incidents import IncidentsScreen

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    on_ui: list[str] = []
    main = threading.current_thread()

    def traced(sql: str) -> None:
        if threading.current_thread() is main and not sql.lstrip().upper().startswith("PRAGMA"):
            on_ui.append(sql)

    early = _read_as_warroom_starts(store)
    store.conn.set_trace_callback(traced)
    try:
        app = app_factory(first_read=early)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert app.screen_stack == [screen]
            assert isinstance(screen, WarRoomScreen) and not screen.building
            assert screen.board.incident.id == incident.id
            assert screen.query_one("#panel-1").has_focus_within
            assert on_ui == []
            await pilot.press("escape")
            await settle(app, pilot)
            # Textual keeps its first screen: the list goes over the room, at rest.
            assert isinstance(app.screen, IncidentsScreen)
            assert app.screen_stack == [screen, app.screen]
    finally:
        store.conn.set_trace_callback(None)


async def test_a_change_committed_once_the_first_read_began_is_shown(app_factory, store, clock):
    """The change marker is taken before the first read begins: a note
    another process adds after the read (while Textual is still imported) is
    on the room once it is up, not lost; also when the poll saw the change
    before the room listened (on a loaded machine the poll can come first)."""
    from warroom.tui.widgets.timeline import TimelineView

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    for seen_first in (False, True):
        early = _read_as_warroom_starts(store)
        text = f"added while warroom started ({seen_first})"
        other = store.another()
        try:
            other.add_entry(incident.id, text)
        finally:
            other.close()
        if seen_first:
            assert store.has_changed()  # as the poll asks it, before the room listens
        app = app_factory(first_read=early, poll_seconds=0.05)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)

            def shown(app=app, text=text) -> bool:
                view = app.screen.query_one(TimelineView)
                return any(e.text == text for e in view.all_entries)

            await until(pilot, shown, f"{text!r} never showed")


def test_the_first_read_goes_alone_for_a_moment_then_beside_the_start(store, clock, monkeypatch):
    """`warroom` begins the first read and gives it its first moments alone
    (the imports that follow share one interpreter lock with it): a read
    done within them is done when FirstRead returns; a held one (a slow
    disk, a lock) does not hold the start longer, and is still handed over."""
    import time

    from warroom.tui.first_read import FirstRead

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    early = FirstRead(store, incident.id, alone=30.0)
    assert early.ready()  # read whole before the start went on
    assert early.result()[1].board.incident.id == incident.id

    release = _held_room_reads(monkeypatch)
    began = time.monotonic()
    held = FirstRead(store, incident.id, alone=0.2)
    waited = time.monotonic() - began
    assert not held.ready() and waited >= 0.2
    assert waited < 20  # not the held read's own time (up to 60 s)
    release.set()
    assert held.result()[1].board.incident.id == incident.id


async def test_a_first_read_not_done_in_time_opens_the_room_over_the_loading_screen(
    app_factory, store, clock, monkeypatch
):
    """A first read still going when the app asks for its first screen (a
    slow disk): the app starts on its loading screen and the database worker
    hands the read over once it is done; the store is read once."""
    from warroom.tui.first_read import FirstRead

    incident = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    release = _held_room_reads(monkeypatch)
    early = FirstRead(store, incident.id)
    app = app_factory(start_incident=incident.id, first_read=early)
    chosen = app.get_default_screen

    def default_screen():
        first = chosen()  # asked while the read is held: not done in time
        release.set()  # from here it goes on, and the worker hands it over
        return first

    app.get_default_screen = default_screen
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "no war room")
        await settle(app, pilot)
        screen = app.screen
        assert not isinstance(app.screen_stack[0], WarRoomScreen)  # the loading screen
        assert not screen.building and len(app.screen_stack) == 2
        assert screen.board.incident.id == incident.id


async def test_declaring_from_the_first_screen_s_room_opens_the_new_one_in_its_place(
    app_factory, store, clock
):
    """ctrl+n from the war room that is the app's first screen: the new
    incident's room opens over it (Textual keeps its first screen for good),
    and the first room rests under it: a change to its incident is not read
    there any more. Escape goes to the list; the list's rooms come and go
    over it as ever."""
    from warroom.tui.screens.incidents import IncidentsScreen

    checkout = store.declare("Checkout down", "regression", "P1", reported_at=clock())
    app = app_factory(first_read=_read_as_warroom_starts(store), poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        first = app.screen
        assert app.screen_stack == [first]
        await pilot.press("ctrl+n", *"DNS broken", "enter")
        await settle(app, pilot)
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, WarRoomScreen)
                and not app.screen.building
                and app.screen.board.incident.title == "DNS broken"
            ),
            "the declared incident's room never opened",
        )
        assert app.screen_stack == [first, app.screen]
        seen = first.board.incident.revision
        other = store.another()
        try:
            stage = other.set_stage(checkout.id, "Recover").stage
        finally:
            other.close()
        await until(  # the app saw the change (it reads the open incidents on each)
            pilot,
            lambda: any(i.id == checkout.id and i.stage == stage for i in app.open_incidents),
            "the change was never seen",
        )
        await settle(app, pilot)
        assert first.board.incident.revision == seen
        await pilot.press("escape")
        await settle(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, IncidentsScreen), "no list")
        assert app.screen_stack[0] is first and len(app.screen_stack) == 2
