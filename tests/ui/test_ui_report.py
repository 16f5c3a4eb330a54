"""Pilot tests: drills, the change owner's impact key, overdue action items in
the incident list and the report screen, checked against what the store holds."""

from __future__ import annotations

from datetime import date, timedelta

from textual.widgets import Checkbox, DataTable

from warroom.core.model import changes
from warroom.tui.screens.incidents import IncidentsScreen
from warroom.tui.screens.report import HitBar, ReportScreen
from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.widgets.header import IncidentHeader
from warroom.tui.widgets.timeline import TimelineView

SIZE = (120, 36)


async def test_declare_a_drill(app_factory, store):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.press(*"Game day: DB failover")
        modal = app.screen
        modal.query_one("#drill", Checkbox).value = True
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)
        header = app.screen.query_one(IncidentHeader)
        assert "DRILL" in header.render().plain
    (incident,) = store.list_incidents()
    assert incident.drill and incident.title == "Game day: DB failover"


async def test_change_impact_from_the_timeline(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        view = app.screen.query_one(TimelineView)
        view.focus()
        change = next(i for i, e in enumerate(view.entries) if e.kind == "change")
        view.cursor = change
        await pilot.press("m", "1", *"errors gone", "enter")
        await pilot.pause()
    (record,) = changes(store.timeline(seeded))
    assert (record.impact, record.impact_note, record.impact_by) == (
        "helped",
        "errors gone",
        "alice",
    )


async def test_overdue_action_items_show_in_the_list(app_factory, store, seeded, clock):
    store.add_action(seeded, "Alert on 5xx", "bob", date(2026, 11, 20))
    store.add_action(seeded, "Runbook", "bob", date(2026, 12, 20))  # not due yet
    other = store.declare("Second incident", "regression", "P3").id
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, IncidentsScreen)
        table = app.screen.query_one(DataTable)
        title = table.get_cell(str(seeded), "title").plain
        # The title first, whole where it fits; the flag after it.
        assert title.startswith("Checkout returns") and title.endswith(" ⚑1"), title
        assert "⚑" not in table.get_cell(str(other), "title").plain
        bar = app.screen.query_one("#title-bar").render().plain
        assert "⚑ 1 overdue action item" in bar


async def test_report_screen(app_factory, store, seeded, clock):
    store.record_milestone(seeded, "triage", clock() - timedelta(minutes=5))
    drill = store.declare("Practice", "regression", "P1", drill=True).id
    store.record_milestone(drill, "acknowledge")
    store.declare("Second", "regression", "P3")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        title = screen.query_one("#report-title").render().plain
        assert "2 real incidents, 1 drill" in title
        bars = {bar.label: bar for bar in screen.query(HitBar)}
        # The seeded P2 incident: acknowledged 10 min after the report (met), triaged at 45 min.
        ack = bars["acknowledge met"]
        assert (ack.hit.met, ack.hit.judged) == (1, 1)
        assert ack.query_one(".bar").render().plain.endswith(" 100%")
        assert [n for _, n in screen.query_one("WeekChart").weekly] == [2]
        await pilot.press("d")
        await pilot.pause()
        title = screen.query_one("#report-title").render().plain
        assert "showing drills" in title
        bars = {bar.label: bar for bar in screen.query(HitBar)}
        assert bars["acknowledge met"].hit.met == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, IncidentsScreen)


def test_report_snapshot(snap_compare, app_factory, store, seeded, clock):
    # Looked at: the bars, the weekly sparkline and the tables fit at 120x36.
    store.record_milestone(seeded, "triage", clock() - timedelta(minutes=5))
    store.declare("Second", "performance", "P3")
    store.add_action(seeded, "Alert on 5xx", "bob", date(2026, 11, 20))
    assert snap_compare(app_factory(), terminal_size=SIZE, press=["r"])
