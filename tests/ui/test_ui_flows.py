"""Pilot tests: every war room flow, checked against what the store holds."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from keyburst import burst, settle

from warroom.core.model import chronological
from warroom.store import Store
from warroom.tui.screens.incidents import IncidentsScreen
from warroom.tui.screens.modals import ConfirmModal
from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.people import PersonChooser
from warroom.tui.widgets.roles import RoleList
from warroom.tui.widgets.timeline import TimelineView

SIZE = (120, 36)


async def test_declare_from_empty_list(app_factory, store):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, IncidentsScreen)
        await pilot.press("n")
        await pilot.press(*"Payments down")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)
    incidents = store.list_incidents()
    assert [i.title for i in incidents] == ["Payments down"]
    assert incidents[0].priority == "untriaged"
    assert incidents[0].declared_by == "alice"
    assert store.timeline(incidents[0].id)[0].data["event"] == "incident.declare"


async def test_declare_refuses_empty_title(app_factory, store):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, WarRoomScreen)
    assert store.list_incidents() == []


async def test_single_open_incident_opens_straight_into_war_room(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE):
        assert isinstance(app.screen, WarRoomScreen)
        assert app.screen.incident_id == seeded


async def test_assign_and_hand_off_every_role(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        names = ["gina", "hal", "ivy", "jon", "lou", "kim"]
        for index, name in enumerate(names):
            await pilot.press("enter")
            # Chosen right on the board: no dialog.
            assert isinstance(app.screen, WarRoomScreen)
            assert app.focused.id == "person"
            await pilot.press(*name, "enter")
            await pilot.pause()
            assert isinstance(app.focused, RoleList)
            if index < len(names) - 1:
                await pilot.press("down")
    board = store.board(seeded)
    assert board.holder("Lead") == "gina"
    assert board.holder("Coordinator") == "hal"
    assert board.holder("Scribe") == "ivy"
    assert board.holder("Communicator") == "jon"
    assert board.holder("Change owner") == "lou"
    assert {h.person for h in board.holders("Responder")} == {"erin", "frank", "kim"}
    lead = board.holders("Lead")[0]
    assert lead.previous == "carol" and lead.assigned_by == "alice"
    handoffs = [e for e in store.timeline(seeded) if e.event == "role.assign"]
    assert handoffs[-6].data == {
        "event": "role.assign",
        "role": "Lead",
        "person": "gina",
        "previous": "carol",
        "single": True,
    }


async def test_picker_offers_known_people(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "down")  # Coordinator
        await pilot.press("enter")
        await pilot.press(*"fra")  # filters to frank, a known person
        await pilot.press("enter")
        await pilot.pause()
    assert store.board(seeded).holder("Coordinator") == "frank"


async def test_chooser_picks_from_the_list_with_arrows(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "down", "down", "down", "enter")  # Communicator
        chooser = app.screen.query_one(PersonChooser)
        assert chooser.visible and app.focused is chooser.input
        shown = chooser.query_one("#people").ids
        assert shown == store.known_people()  # nobody holds Communicator yet
        await pilot.press("down", "down", "enter")  # the second known person
        await pilot.pause()
        assert not chooser.visible
        assert isinstance(app.focused, RoleList)
    assert store.board(seeded).holder("Communicator") == shown[1]


async def test_chooser_escape_and_leaving_change_nothing(app_factory, store, seeded):
    before = store.board(seeded)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        assert not app.screen.query(PersonChooser)  # made on the first hand-off
        await pilot.press("2", "enter", *"zoe", "escape")
        chooser = app.screen.query_one(PersonChooser)
        await pilot.pause()
        assert not chooser.visible and isinstance(app.focused, RoleList)
        await pilot.press("enter", *"zoe", "4")  # a digit is typed into the name...
        assert chooser.input.value == "zoe4"
        await pilot.press("tab")  # ...but tab leaves, and leaving cancels
        await pilot.pause()
        assert not chooser.visible
    after = store.board(seeded)
    assert after.roles == before.roles
    assert "zoe" not in store.known_people()


async def test_chooser_assigns_once_however_fast_enter_comes(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "enter", *"quinn", "enter", "enter")
        await pilot.pause()
    picks = [e for e in store.timeline(seeded) if e.event == "role.assign"]
    assert [e.data["person"] for e in picks].count("quinn") == 1
    assert store.board(seeded).holder("Lead") == "quinn"


async def test_letters_typed_in_the_people_list_go_on_with_the_name(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "enter", *"er", "down")  # into the list of matches
        chooser = app.screen.query_one(PersonChooser)
        assert app.focused is chooser.query_one("#people")
        await pilot.press("p", "3", "up")  # war-room keys elsewhere, letters here
        assert isinstance(app.screen, WarRoomScreen) and app.screen.active == 2
        assert chooser.input.value == "erp3"
        await pilot.press("i", "enter")  # back in the name: typing goes on, nothing selected
        await pilot.pause()
    assert store.board(seeded).holder("Lead") == "erp3i"


async def test_note_input_keeps_half_typed_text_when_left_and_refocused(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "n", *"half", "escape", "n", *" more")
        note = app.screen.query_one("#note-input")
        assert note.value == "half more"
        assert note.region.height == 1 and note.styles.border_top[0] in ("", "none")


async def test_escape_leaves_the_draft_editor_in_the_one_panel_layout(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        editor = app.screen.query_one("#draft-editor")
        assert app.focused is editor
        await pilot.press("escape")
        assert app.focused is not editor and app.screen.active == 1
        assert editor.text == app.screen.board.draft.text or app.screen.board.draft.version == 0


async def test_key_bar_follows_the_focus(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one(KeyBar)
        descriptions = lambda: [k[2] for k in bar.keys]  # noqa: E731
        assert "Tick/untick" in descriptions()
        await pilot.press("2")
        await pilot.pause()
        assert "Assign" in descriptions() and "Tick/untick" not in descriptions()
        assert bar.palette is not None


async def test_unassign_role(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "down", "down", "u")  # Scribe
        await pilot.pause()
    assert store.board(seeded).holder("Scribe") is None
    assert store.timeline(seeded)[-1].data["event"] == "role.unassign"


async def test_tick_and_untick(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1", "space")
        await pilot.pause()
        state = store.board(seeded).checklist["c1"]
        assert state.ticked and state.by == "alice"
        await pilot.press("space")
        await pilot.pause()
    assert not store.board(seeded).checklist["c1"].ticked
    events = [e.event for e in store.timeline(seeded)[-2:]]
    assert events == ["checklist.tick", "checklist.untick"]


async def test_red_flag_on_incident_not_at_p1_p2(app_factory, store, clock):
    incident = store.declare("Odd logins", "security", "untriaged")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one("#panel-1")
        assert not panel.has_class("-redflag")
        await pilot.press("1", "space")
        await pilot.pause()
        assert panel.has_class("-redflag")
    assert store.board(incident.id).ticked == ["c1"]


async def test_add_each_kind_of_note(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        for letter, text in (
            ("n", "plain"),
            ("e", "seen"),
            ("d", "agreed"),
            ("c", "flag"),
        ):
            await pilot.press(letter, *text, "enter", "escape")
            await pilot.pause()
        # ctrl+n cycles the kind while typing
        await pilot.press("n", "ctrl+n", *"cycled", "enter")
        await pilot.pause()
    notes = [(e.kind, e.text, e.actor) for e in store.timeline(seeded)[-5:]]
    assert notes == [
        ("note", "plain", "alice"),
        ("evidence", "seen", "alice"),
        ("decision", "agreed", "alice"),
        ("change", "flag", "alice"),
        ("evidence", "cycled", "alice"),
    ]


async def test_markup_in_notes_is_literal(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "n", *"[bold]x[/bold] [link=http://e]y", "enter")
        await pilot.pause()
        view = app.screen.query_one(TimelineView)
        shown = view.format_entry(view.entries[-1]).plain
        assert "[bold]x[/bold] [link=http://e]y" in shown
    assert store.timeline(seeded)[-1].text == "[bold]x[/bold] [link=http://e]y"


async def test_correct_an_entry_keeps_the_original(app_factory, store, seeded):
    # The panel's last row: the newest by when it happened (the change note).
    original = max(store.timeline(seeded), key=lambda e: (e.occurred_at, e.id))
    assert original.kind == "change"
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "end", "enter")
        prompt = app.screen.query_one("#text")
        assert prompt.value == original.text
        prompt.value = "Rolled back to 2026.11.27-2"
        await pilot.press("enter")
        await pilot.pause()
    last = store.timeline(seeded)[-1]
    assert last.supersedes == original.id
    assert last.text == "Rolled back to 2026.11.27-2"
    assert last.occurred_at == original.occurred_at  # the time left as it was
    assert store.entry(original.id).text == original.text


async def test_correct_an_entry_s_time(app_factory, store, seeded, clock):
    """The correction dialog's second field is the time: changing it files the
    entry where it happened, in the panel and in the store."""
    original = max(store.timeline(seeded), key=lambda e: (e.occurred_at, e.id))
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "end", "enter")
        at = app.screen.query_one("#at")
        assert at.value == "2026-11-28T09:00"  # as typed back, in the zone shown (UTC)
        at.value = "08:15"
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen.query_one(TimelineView)
        moved = view.entries.index(next(e for e in view.entries if e.supersedes == original.id))
        times = [e.occurred_at for e in view.entries]
        assert times == sorted(times) and moved < len(view.entries) - 1
    last = store.timeline(seeded)[-1]
    assert last.supersedes == original.id and last.text == original.text
    assert last.occurred_at == clock().replace(hour=8, minute=15)


async def test_a_note_with_a_leading_time_happened_then(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "n", *"@08:30 paged the DBA", "enter")
        await pilot.pause()
        await pilot.press(*"@10m cache flushed", "enter")
        await pilot.pause()
        await pilot.press(*"@25:99 not a time", "enter")  # refused, kept in the input
        await pilot.pause()
        assert app.screen.query_one("#note-input").value == "@25:99 not a time"
    entries = store.timeline(seeded)
    paged = next(e for e in entries if e.text == "paged the DBA")
    flushed = next(e for e in entries if e.text == "cache flushed")
    assert paged.occurred_at == clock().replace(hour=8, minute=30)
    assert flushed.occurred_at == clock() - timedelta(minutes=10)
    assert not any("not a time" in e.text for e in entries)


async def test_record_milestones(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        # A milestone's key records it now; pressed again it asks for the real
        # time, and what is typed replaces the time shown.
        await pilot.press("3", "t")
        await pilot.press("r", "r", *"08:50", "enter")
        await pilot.pause()
        await pilot.press("a")  # already recorded: the prompt moves it
        await pilot.pause()
        assert app.screen.query_one("#text").value == "2026-11-28T08:20"
        app.screen.query_one("#text").value = "08:25"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("I", "I", *"08:05", "enter")  # impact began before the report
        await pilot.press("M")
        await pilot.pause()
    incident = store.get_incident(seeded)
    assert incident.triaged_at == clock()
    assert incident.remediated_at == clock().replace(minute=0, hour=8) + timedelta(minutes=50)
    assert incident.acknowledged_at == clock().replace(hour=8, minute=25)
    assert incident.impact_started_at == clock().replace(hour=8, minute=5)
    assert incident.impact_ended_at == clock()
    events = [(e.event, e.data.get("clock")) for e in store.timeline(seeded)]
    assert ("milestone.move", "acknowledge") in events
    moved = next(
        e
        for e in store.timeline(seeded)
        if e.event == "milestone.move" and e.data["clock"] == "acknowledge"
    )
    assert store.entry(moved.supersedes).data["clock"] == "acknowledge"


async def test_withdraw_a_milestone(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "a")
        await pilot.pause()
        app.screen.query_one("#text").value = "-"
        await pilot.press("enter")
        await pilot.pause()
    assert store.get_incident(seeded).acknowledged_at is None
    assert store.timeline(seeded)[-1].event == "milestone.withdraw"


async def test_z_switches_every_view_and_the_header_names_the_zone(
    app_factory, store, seeded, monkeypatch
):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    app = app_factory()
    # Wide enough for every header part: at 120 columns the title keeps its room
    # and the notes panel's border names the zone instead.
    async with app.run_test(size=(200, 50)) as pilot:
        header = app.screen.query_one("#header")
        assert "times JST" in header.render().plain
        view = app.screen.query_one(TimelineView)
        assert view.format_entry(view.entries[-1]).plain.startswith("18:00")
        await pilot.press("z")
        await pilot.pause()
        assert "times UTC" in header.render().plain
        assert view.format_entry(view.entries[-1]).plain.startswith("09:00")
        # The clocks' times are short; their panel names the zone once.
        assert str(app.screen.query_one("#panel-3").border_title).endswith("times UTC")


async def test_keys_typed_while_the_draft_editor_is_made_are_kept(app_factory, store, seeded):
    from warroom.tui.widgets.draft import DraftPanel, DraftView

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one(DraftPanel)
        assert panel.editor is None  # made on first use
        shown = panel.text
        burst(app, "5", "hi ")  # no waiting: typed before the editor exists
        await settle(app, pilot)
        assert panel.dirty and panel._timer is not None  # a save is on its way
        panel.flush()  # what the save delay's timer calls
        await settle(app, pilot)
        assert panel.editor is not None and not app.screen.query(DraftView)
        assert app.focused is panel.editor
        assert panel.editor.text == "hi " + shown
    assert store.draft(seeded).text == "hi " + shown


async def test_edit_and_publish_draft(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await pilot.press(*"EU checkout failing. ")
        app.screen.query_one("#panel-5").flush()  # what the save delay's timer calls
        await settle(app, pilot)  # the save written by the database worker
        draft = store.draft(seeded)
        assert draft.text.startswith("EU checkout failing. [P2] Incident #1")
        # One save, or more when the machine is slow enough for the save delay
        # to pass between two keys: each is a version of the same typing.
        assert draft.version >= 1
        assert draft.updated_by == "alice"
        await pilot.press("ctrl+o")
        await pilot.pause()
    update = store.timeline(seeded)[-1]
    assert update.kind == "update" and update.public
    assert update.text.startswith("EU checkout failing. ")
    assert store.get_incident(seeded).last_update_at is not None
    # The next draft starts again from the update template.
    assert "What is being done" in store.draft(seeded).text


async def test_change_priority_and_stage(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "1")
        await pilot.pause()
        await pilot.press("s", "3")
        await pilot.pause()
    incident = store.get_incident(seeded)
    assert (incident.priority, incident.stage) == ("P1", "Respond")
    events = [e.event for e in store.timeline(seeded)[-2:]]
    assert events == ["priority.change", "stage.change"]


async def test_switch_identity(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", *"zoe", "enter")
        await pilot.pause()
        await pilot.press("1", "space")
        await pilot.pause()
        header = app.screen.query_one("#header")
        assert "zoe" in str(header.render())
    assert store.board(seeded).checklist["c1"].by == "zoe"
    assert store.timeline(seeded)[-1].actor == "zoe"


async def test_quit_asks_first(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_code == 0


async def test_remote_change_appears_within_a_second(app_factory, db_path, policy, clock, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        other = Store.open(db_path, policy, "remote", clock)
        other.add_entry(seeded, "from another shell", "evidence")
        other.assign(seeded, "Communicator", "remy")
        other.close()
        app.poll()  # what the poll timer does each half second
        await pilot.pause()
        view = app.screen.query_one(TimelineView)
        assert view.entries[-1].text == "Communicator" or any(
            e.text == "from another shell" for e in view.entries
        )
        assert app.screen.board.holder("Communicator") == "remy"


async def test_help_lists_bindings(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        from warroom.tui.screens.help import HelpScreen, collect_bindings

        assert isinstance(app.screen, HelpScreen)
        rows = collect_bindings(app.screen_stack[-2])
        descriptions = {d for _, _, d, _ in rows}
        assert {"Tick/untick", "Assign", "Priority", "Act as", "Publish", "Quit"} <= descriptions
        assert {"warroom.priority", "checklist.toggle", "draft.publish"} <= {i for *_, i in rows}
        legend = str(app.screen.query_one("#legend").render())
        for meaning in ("ticked (a red flag)", "timeline: evidence", "OVERDUE", "replaced by"):
            assert meaning in legend


async def test_long_timeline_is_read_a_page_at_a_time(app_factory, store, seeded):
    from warroom.tui.screens.warroom import TIMELINE_PAGE

    store.conn.execute("PRAGMA synchronous = OFF")  # seeding speed only
    for n in range(TIMELINE_PAGE * 2 + 50):
        store.add_entry(seeded, f"log line {n}", "evidence")
    total = len(store.timeline(seeded))
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TimelineView)
        assert len(view.all_entries) == TIMELINE_PAGE
        assert view.entries[-1].text == f"log line {TIMELINE_PAGE * 2 + 49}"
        await pilot.press("4")
        view.cursor = 1
        await pilot.press("up")  # reaching the top fetches the page before
        await pilot.pause()
        assert len(view.all_entries) == TIMELINE_PAGE * 2
        assert view.entries[view.cursor].text == f"log line {TIMELINE_PAGE + 50}"
        everything = chronological(store.timeline(seeded))
        assert len(everything) == total
        await pilot.press("home")  # the very first page, not everything
        await pilot.pause()
        assert [e.id for e in view.all_entries] == [e.id for e in everything[:TIMELINE_PAGE]]
        assert view.cursor == 0 and not view.has_older and view.has_newer
        for _ in range(TIMELINE_PAGE // 10):  # paging down reads the next page on the way
            await pilot.press("pagedown")
        await pilot.pause()
        assert len(view.all_entries) == TIMELINE_PAGE * 2
        assert view.entries[view.cursor].id == everything[TIMELINE_PAGE].id
        await pilot.press("end")  # the last page again
        await pilot.pause()
        assert [e.id for e in view.all_entries] == [e.id for e in everything[-TIMELINE_PAGE:]]
        assert view.has_older and not view.has_newer


async def test_a_window_up_the_timeline_marks_corrections_and_shows_a_new_note(
    app_factory, store, seeded
):
    from warroom.tui.screens.warroom import TIMELINE_PAGE

    store.conn.execute("PRAGMA synchronous = OFF")  # seeding speed only
    first = store.add_entry(seeded, "first line, wrong", "evidence")
    for n in range(TIMELINE_PAGE * 2):
        store.add_entry(seeded, f"log line {n}", "evidence")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TimelineView)
        await pilot.press("4", "home")
        await pilot.pause()
        assert view.has_newer and not view.has_older
        assert first.id not in view.superseded_by
        # Corrected by another process while the window is up at the top.
        fix = store.correct(first.id, "first line, right")
        app.screen.refresh_from_store()
        await pilot.pause()
        assert view.superseded_by[first.id] == fix.id
        assert view.has_newer  # nothing after the window was read
        await pilot.press("n", *"a new note", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert view.entries[-1].text == "a new note" and not view.has_newer


async def test_the_war_room_checkpoints_off_the_key_path(app_factory, store, seeded, db_path):
    store.checkpoint()  # the seeded incident goes into the file itself
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        conn = app.store.conn
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        await pilot.press("4", "n", *"a note", "enter")
        await pilot.pause()
        assert "a note" not in _in_main_file(db_path)  # still only in the log
        app.checkpoint()  # what the timer does every few seconds, in a worker thread
        await app.workers.wait_for_complete()
        assert "a note" in _in_main_file(db_path)
    assert store.timeline(seeded)[-1].text == "a note"


def _in_main_file(db_path) -> list[str]:
    """Timeline texts in the database file itself, ignoring the write-ahead log."""
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT text FROM timeline")]
    finally:
        conn.close()


async def test_header_turns_overdue_on_the_second_not_the_next_minute(
    app_factory, store, seeded, clock, policy
):
    from warroom.core.sla import next_update

    clock.advance(seconds=30)  # publish mid-minute: the next update falls due mid-minute
    store.publish_update(seeded, "first update")
    due = next_update(policy, store.get_incident(seeded), clock()).due_at
    assert due.second == 30
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        clock.now = due - timedelta(seconds=2)
        app.tick()
        await pilot.pause()
        assert "OVERDUE" not in _header_text(app)
        clock.now = due + timedelta(seconds=1)  # same minute as the tick before
        app.tick()
        await pilot.pause()
        assert "OVERDUE: update" in _header_text(app)


def _header_text(app) -> str:
    """The header row as drawn on the screen."""
    header = app.screen.query_one("#header")
    return "".join(strip.text for strip in header.render_lines(header.size.region))


async def test_a_panel_key_then_a_key_for_that_panel_typed_fast(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        app.simulate_key("2")
        app.simulate_key("a")  # no pause: must reach the role board, not the checklist
        await pilot.pause()
        await pilot.pause()
        chooser = app.screen.query_one(PersonChooser)
        assert chooser.visible and app.focused is chooser.input


async def test_times_no_zone_can_show_still_open_the_war_room_and_retro(
    app_factory, store, seeded, monkeypatch
):
    """Written straight into the file (a hand edit, an older version): the war
    room, the clocks and the retro still draw, showing such times in UTC."""
    store.conn.execute(
        "INSERT INTO timeline (incident_id, kind, text, actor, occurred_at, recorded_at)"
        " VALUES (?, 'note', 'far future', 'x', '9999-12-31T23:59:59+00:00',"
        " '0001-01-01T00:00:00+00:00')",
        (seeded,),
    )
    store.conn.execute(
        "UPDATE incidents SET acknowledged_at = '9999-12-31T23:59:59.999999+00:00',"
        " reported_at = '0001-01-01T00:00:00+00:00' WHERE id = ?",
        (seeded,),
    )
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)  # the room opens once the worker has read it
        view = app.screen.query_one(TimelineView)
        assert view.format_entry(view.entries[-1]).plain.startswith("9999-12-31 23:59")
        await pilot.press("z", "z", "R")
        await pilot.pause()
        assert "RETRO" in str(app.screen.query_one("#retro-header").render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)


def _screen_words(app) -> str:
    """The whole screen as the compositor draws it now (from each widget's caches)."""
    return app.export_screenshot().replace("&#160;", " ")


async def test_the_red_flag_count_on_the_checklist_border_follows_each_tick(
    app_factory, store, seeded
):
    def words(count: int) -> str:
        return f" {count} red flag{'s' if count != 1 else ''} "

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        shown = []
        for keys in (("space",), ("down", "space"), ("space",), ("up", "space")):
            await pilot.press(*keys)
            await pilot.pause()
            ticked = sum(c.ticked for c in store.board(seeded).checklist.values())
            screen = _screen_words(app)
            assert (words(ticked) in screen) if ticked else ("red flag " not in screen)
            shown.append(ticked)
        assert len(set(shown)) >= 2  # the count moved both ways


async def test_a_tick_repaints_the_border_row_for_its_count_not_the_whole_checklist(
    app_factory, store, seeded, db_path, policy, clock, monkeypatch
):
    """The red-flag count is on the panel's bottom border: a tick (here from
    another writer) repaints that row and the ticked item's, not every row of
    the checklist (setting a border subtitle repaints the whole panel)."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one("#panel-1")

        async def ticked_from_elsewhere(item_id: str) -> str:
            other = Store.open(db_path, policy, "bob", clock)
            other.set_check(seeded, item_id, True)
            other.close()
            count = sum(c.ticked for c in store.board(seeded).checklist.values())
            words = f"{count} red flag{'s' if count != 1 else ''}"
            for _ in range(400):  # the app polls for changes
                if panel.border_subtitle == words:
                    break
                await pilot.pause(0.05)
            await settle(app, pilot)
            return words

        board = store.board(seeded).checklist
        unticked = [i.id for i in policy.checklist if i.id not in board or not board[i.id].ticked]
        await ticked_from_elsewhere(unticked[0])  # the red-flag banner shows: a new layout
        rows = app.screen.query_one("#checklist-list")
        # Textual's compositor asks every widget under the changed rows for its
        # lines; a line is drawn afresh (render_line) only where it was refreshed.
        drawn: list[int] = []
        render_line = rows.render_line

        def counted(y):
            drawn.append(1)
            return render_line(y)

        monkeypatch.setattr(rows, "render_line", counted)
        words = await ticked_from_elsewhere(unticked[1])
        repainted = list(drawn)
        monkeypatch.undo()
        assert f" {words} " in _screen_words(app)
        assert rows.size.height > 10
        assert 0 < sum(repainted) <= 2, repainted  # the ticked row


def _backfilled_timeline(store, clock, count):
    """An incident whose notes were all written down with earlier times: the
    'Incident declared' entry (id 1 of it) happened after every one of them."""
    now = clock()
    store.conn.execute("PRAGMA synchronous = OFF")  # seeding speed only
    iid = store.declare("Big timeline", "regression", "P1", reported_at=now - timedelta(hours=4)).id
    start, span = now - timedelta(hours=3, minutes=50), timedelta(hours=3, minutes=20)
    for n in range(count):
        store.add_entry(iid, f"n{n:05d}", "note", occurred_at=start + span * n / count)
    return iid


async def test_the_window_follows_the_order_things_happened(app_factory, store, clock):
    from warroom.tui.screens.warroom import TIMELINE_PAGE

    iid = _backfilled_timeline(store, clock, TIMELINE_PAGE * 2 + 50)
    fix = store.correct(store.timeline(iid)[4].id, "n00003, corrected")  # near the top
    everything = [e.id for e in chronological(store.timeline(iid))]
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TimelineView)
        # The last page is what happened last: the declaration, recorded first.
        assert [e.id for e in view.all_entries] == everything[-TIMELINE_PAGE:]
        assert view.entries[-1].event == "incident.declare"
        await pilot.press("4", "home")
        await pilot.pause()
        assert [e.id for e in view.all_entries] == everything[:TIMELINE_PAGE]
        rows = [e.id for e in view.entries]
        assert rows[rows.index(fix.supersedes) + 1] == fix.id  # beside what it corrects
        assert view.superseded_by[fix.supersedes] == fix.id
        while view.has_newer:  # paging down reads every page once, in order
            await pilot.press("pagedown")
            await pilot.pause()
        assert [e.id for e in view.all_entries] == everything
        await pilot.press("end")
        await pilot.pause()
        assert view.entries[view.cursor].id == everything[-1]  # the declaration, at the end


async def test_an_entry_backfilled_elsewhere_is_shown_in_its_place(
    app_factory, store, open_store, clock
):
    from warroom.tui.screens.warroom import TIMELINE_PAGE

    iid = _backfilled_timeline(store, clock, TIMELINE_PAGE * 3)
    middle = chronological(store.timeline(iid))[TIMELINE_PAGE + 10]
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TimelineView)
        await pilot.press("4")
        other = open_store(identity="bob")
        late = other.add_entry(iid, "backfilled by bob", "note", occurred_at=middle.occurred_at)
        new = other.add_entry(iid, "live note from bob", "note")
        app.screen.refresh_from_store()
        await pilot.pause()
        assert view.entries[-1].id == new.id and view.cursor == len(view.entries) - 1
        assert late.id not in {e.id for e in view.all_entries}  # its place is not in the window
        # A note typed with an earlier time while the window is elsewhere: the
        # window goes to where it happened.
        ago = int((clock() - middle.occurred_at).total_seconds() // 60) + 1
        await pilot.press("n", *f"@{ago}m typed late", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        typed = store.timeline(iid)[-1]
        assert typed.text == "typed late" and typed.occurred_at <= middle.occurred_at
        assert view.entries[view.cursor].id == typed.id and view.has_newer
        await pilot.press("escape", "end")
        await pilot.pause()
        assert view.entries[view.cursor].id == new.id and view.has_older
        while view.has_older:
            await pilot.press("pageup")
            await pilot.pause()
        everything = [e.id for e in chronological(store.timeline(iid))]
        assert [e.id for e in view.all_entries] == everything  # each in its place, once
