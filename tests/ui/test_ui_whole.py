"""Issue 30, the rest: keys that do what they say and screens that read whole.
Keys are sent with no pause (keyburst) and the store is read back as well as
the screen."""

from __future__ import annotations

from keyburst import burst, settle

from warroom.tui.toasts import shown_toasts

SIZE = (120, 36)


def milestone_entries(store, incident_id, clock):
    return [e for e in store.timeline(incident_id) if e.data.get("clock") == clock]


# ----------------------------------------- 1. one route for a milestone's time
async def test_milestone_key_then_at_time_records_that_time_alone(
    app_factory, store, seeded, clock
):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "3", "t", "@08:50", "enter")
        await settle(app, pilot)
    incident = store.get_incident(seeded)
    assert incident.triaged_at == clock().replace(hour=8, minute=50)
    # One entry: no 'now' recorded first and moved after.
    assert [e.event for e in milestone_entries(store, seeded, "triage")] == ["milestone"]


async def test_milestone_key_typed_by_hand_then_at_time(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "3", "t")  # typed by hand: nothing follows yet
        await pilot.pause()
        await pilot.pause()
        assert app.screen.holding_key
        assert "@ another time" in str(app.screen.query_one("#panel-3").border_subtitle)
        burst(app, "@", "08:40", "enter")
        await settle(app, pilot)
    assert store.get_incident(seeded).triaged_at == clock().replace(hour=8, minute=40)
    assert len(milestone_entries(store, seeded, "triage")) == 1


async def test_milestone_key_alone_records_the_moment_it_was_pressed(
    app_factory, store, seeded, clock
):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        pressed = clock()
        burst(app, "3", "t")
        await pilot.pause()
        clock.advance(minutes=1)  # the write goes after the key's moment
        await settle(app, pilot)  # waits out the moment an '@' may follow
    assert store.get_incident(seeded).triaged_at == pressed
    assert len(milestone_entries(store, seeded, "triage")) == 1


async def test_milestone_key_then_another_key_records_now_and_does_that_key(
    app_factory, store, seeded, clock
):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "3", "t", "r")
        await settle(app, pilot)
    incident = store.get_incident(seeded)
    assert incident.triaged_at == clock() and incident.remediated_at == clock()


async def test_recorded_milestone_asks_first_and_takes_at_time(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "3", "a", "@08:25", "enter")  # acknowledged already (seeded)
        await settle(app, pilot)
    assert store.get_incident(seeded).acknowledged_at == clock().replace(hour=8, minute=25)
    assert [e.event for e in milestone_entries(store, seeded, "acknowledge")][-1] == (
        "milestone.move"
    )
    assert store.get_incident(seeded).triaged_at is None


# ------------------------------------------------- 2. declare in one line
async def test_full_declare_in_six_keys_and_the_text(app_factory, store, seeded, clock):
    from datetime import timedelta

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        # ctrl+n, P 1, # s, enter: six keys beyond the title and the time.
        burst(app, "ctrl+n", "P1 #sb @20m tokens leaked in logs", "enter")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "WarRoomScreen"
        assert "tokens leaked in logs" in str(app.screen.query_one("#header").render())
    declared = store.list_incidents()[-1]
    assert (declared.title, declared.priority, declared.category) == (
        "tokens leaked in logs",
        "P1",
        "security breach",
    )
    assert declared.reported_at == clock() - timedelta(minutes=20)


async def test_declare_line_with_a_bad_category_is_refused_and_kept(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "ctrl+n", "P2 #zz login fails", "enter")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "DeclareModal"
        assert app.screen.query_one("#title").value == "P2 #zz login fails"
    assert [i.title for i in store.list_incidents()] == ["Checkout returns 500 for EU users [bold]"]


# ------------------------------------------- 3. a backdated note stays in view
async def test_backdated_note_is_highlighted_where_it_landed(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        burst(app, "4", "n", "@08:15 paged the DBA", "enter")
        await settle(app, pilot)
        view = app.screen.query_one("TimelineView")
        highlighted = view.entries[view.cursor]
        assert highlighted.text == "paged the DBA"
        above = len(view.entries) - 1 - view.cursor
        assert above > 0
        assert f"Note added at 08:15 ({above} rows up)" in [n.message for n in shown_toasts(app)]
        # The row is on screen: the panel scrolled to it.
        top = view.scroll_offset.y
        assert top <= view.cursor < top + view.scrollable_content_region.height
        burst(app, "a later note", "enter")  # a note of now goes back to the newest
        await settle(app, pilot)
        assert view.cursor == len(view.entries) - 1
    paged = next(e for e in store.timeline(seeded) if e.text == "paged the DBA")
    assert paged.occurred_at == clock().replace(hour=8, minute=15)


# ------------------------------------------------- 5. cut or covered
def keybar_line(app) -> str:
    from warroom.tui.widgets.keybar import KeyBar

    bar = app.screen.query_one(KeyBar)
    return bar.render().plain


async def test_key_bar_keeps_help_and_the_ways_out_at_80_and_120(app_factory, store, seeded):
    for size in ((80, 24), (120, 36)):
        app = app_factory()
        async with app.run_test(size=size) as pilot:
            burst(app, "3")
            await settle(app, pilot)
            line = keybar_line(app)
            for kept in ("f1 Help", "q Quit", "esc Incidents", "palette"):
                assert kept in line, (size, line)
            burst(app, "q")  # and q does what the bar says
            await settle(app, pilot)
            assert "Modal" in app.screen.__class__.__name__ or not app.is_running


async def test_incident_list_title_first_at_80(app_factory, store, seeded):
    from datetime import date

    from textual.widgets import DataTable

    store.add_action(seeded, "Alert on 5xx", "bob", date(2026, 11, 20))
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "escape")
        await settle(app, pilot)
        title = app.screen.query_one(DataTable).get_cell(str(seeded), "title").plain
        assert title.startswith("Checkout returns 500") and title.endswith("⚑1"), title
    assert len(store.action_items(seeded)) == 1


async def test_long_overdue_countdowns_fit_the_clocks_panel(app_factory, store, clock):
    from datetime import UTC, datetime

    old = store.declare(
        "Replayed from 2018", "regression", "P1", reported_at=datetime(2018, 10, 21, 16, tzinfo=UTC)
    )
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "enter", "3")
        await settle(app, pilot)
        view = app.screen.query_one("ClockView")
        heads = [line for line in view.lines() if "OVERDUE" in line.plain]
        assert len(heads) == 5
        for line in heads:
            assert line.cell_len <= view.size.width, line.plain
            assert line.plain.endswith(" over"), line.plain
        assert "2959d16h over" in heads[0].plain
    assert store.get_incident(old.id).acknowledged_at is None


async def test_a_long_notes_detail_reads_whole_with_shift_down(app_factory, store, seeded):
    text = "A long note " + "word " * 70 + "LASTWORD"
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "n", text, "enter", "escape")
        await settle(app, pilot)
        detail = app.screen.query_one("EntryDetail")
        assert "LASTWORD" not in detail.render().plain  # too long for the room
        assert "shift+↓" in detail.render().plain
        burst(app, *["shift+down"] * 10)
        await settle(app, pilot)
        assert "LASTWORD" in detail.render().plain
    assert store.timeline(seeded)[-1].text == text


async def test_a_dialogs_hint_wraps_rather_than_being_cut(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "3", "a")  # acknowledged already: the prompt to move it
        await settle(app, pilot)
        hint = app.screen.query(".hint").last()
        text = str(hint.render())
        assert text.endswith("escape: cancel")
        assert hint.region.right <= hint.parent.content_region.right  # inside the box
        assert hint.size.width * hint.size.height >= len(text)
        burst(app, "escape")
        await settle(app, pilot)
    assert store.get_incident(seeded).acknowledged_at == clock().replace(hour=8, minute=20)


# ------------------------------------------------------ 4. one zone a view
async def test_each_view_names_the_zones_of_its_times(app_factory, store, seeded, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        clocks = app.screen.query_one("#panel-3")
        assert str(clocks.border_title) == "3 SLA clocks · times PST"
        view = app.screen.query_one("ClockView")
        # Times in the panel are short; the zone is said once, in its title.
        assert not any("UTC" in line.plain or "PST" in line.plain for line in view.lines())
        burst(app, "4", "n", "@2026-07-02T14:05 summer drill note", "enter")
        await settle(app, pilot)
        notes = app.screen.query_one("#panel-4")
        assert str(notes.border_title).endswith("times PST/PDT")
        burst(app, "escape", "X")  # close: the dialog says which zone a time is read in
        await settle(app, pilot)
        hints = " ".join(str(label.render()) for label in app.screen.query(".hint"))
        assert "PST" in hints
        assert "PST" in app.screen.query_one("#at").placeholder
    summer = next(e for e in store.timeline(seeded) if e.text == "summer drill note")
    assert summer.occurred_at.isoformat().startswith("2026-07-02T21:05")


# ------------------------------------------ 7. the weeks, labelled and opened
async def test_report_weeks_are_labelled_and_enter_lists_the_incidents_behind_one(
    app_factory, store, seeded, clock
):
    from datetime import timedelta

    from warroom.tui.screens.modals import ChoiceModal

    earlier = store.declare(
        "DNS outage", "regression", "P1", reported_at=clock() - timedelta(days=30)
    )
    store.declare("Slow search", "performance", "P3", reported_at=clock() - timedelta(days=29))
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "escape", "r")
        await settle(app, pilot)
        weeks = app.screen.query_one("WeekChart")
        text = weeks.render().plain
        for week in ("10-26", "11-02", "11-09", "11-16", "11-23"):
            assert week in text, text
        assert "a month: 2026-10 2 · 2026-11 1; trend down" in text
        burst(app, "tab")  # to the weeks, as the heading says
        await settle(app, pilot)
        assert app.focused is weeks, app.focused
        burst(app, "left", "left", "left", "left")  # to the week of 10-26
        await settle(app, pilot)
        assert weeks.chosen == 0
        burst(app, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceModal)
        assert app.screen.title_text.startswith("Week of 2026-10-26: 2 incidents, 2 missed")
        dns = next(c for c in app.screen.choices if c.startswith(f"#{earlier.id} "))
        assert "missed acknowledge" in dns
        burst(app, "1")  # opens the first of them
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "WarRoomScreen"
        assert app.screen.incident_id == earlier.id
    assert store.get_incident(earlier.id).acknowledged_at is None


async def test_header_at_80_keeps_title_warning_who_and_stage(app_factory, store, seeded):
    from warroom.tui.widgets.header import IncidentHeader

    store.assign(seeded, "Scribe", "alice")
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "1")
        await settle(app, pilot)
        line = app.screen.query_one(IncidentHeader).render().plain
        assert line.startswith("#1  P2  Checkout returns 500"), line
        assert "● update 3h10m left" in line and "as alice" in line
        assert "Detect" in line or "(Scribe)" in line, line
    assert store.board(seeded).holder("Scribe") == "alice"


async def test_report_title_reads_whole_at_80(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "escape", "r")
        await settle(app, pilot)
        title = app.screen.query_one("#report-title")
        assert title.render().plain.endswith("d: drills")
        assert title.size.height == 2  # wrapped, not cut
        burst(app, "d")
        await settle(app, pilot)
        assert title.render().plain.endswith("d: real incidents")
    assert len(store.list_incidents()) == 1


async def test_report_tables_wrap_rather_than_cut_at_80(app_factory, store, seeded, clock):
    import io

    from rich.console import Console
    from rich.table import Table

    store.record_milestone(seeded, "triage", clock())
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "escape", "r")
        await settle(app, pilot)
        body = app.screen.query_one("#report-body")
        tables = [w.content for w in body.query("Static") if isinstance(w.content, Table)]
        assert len(tables) >= 4
        console = Console(width=body.content_region.width, record=True, file=io.StringIO())
        for table in tables:
            console.print(table)
        text = console.export_text()
        assert "…" not in text, text
        assert "regression or bug" in text and "acknowledge" in text
    assert store.get_incident(seeded).triaged_at == clock()


async def test_a_held_milestone_key_is_recorded_when_quitting_straight_after(
    app_factory, store, seeded, clock
):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "3", "t")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.holding_key  # typed by hand: waiting for an '@'
        burst(app, "ctrl+q")
        await pilot.pause()
        await pilot.pause()
    assert store.get_incident(seeded).triaged_at == clock()


async def test_the_chosen_week_stays_chosen_when_the_figures_are_read_again(
    app_factory, store, seeded, clock
):
    from datetime import timedelta

    store.declare("Older", "regression", "P3", reported_at=clock() - timedelta(days=10))
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "escape", "r", "tab", "left")
        await settle(app, pilot)
        assert app.screen.query_one("WeekChart").chosen == 0
        store.declare("Another", "regression", "P3")  # the figures change
        app.screen.refresh_from_store()
        await settle(app, pilot)
        chart = app.screen.query_one("WeekChart")
        assert [n for _, n in chart.weekly][-1] == 2
        assert chart.chosen == 0 and app.focused is chart
    assert len(store.list_incidents()) == 3
