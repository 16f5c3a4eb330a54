"""A drill that turns out to be real: D in its war room (or the palette) asks
why, then the incident counts, the reason is on the timeline and the DRILL
marks are gone."""

from __future__ import annotations

from keyburst import burst, settle
from textual.widgets import DataTable

from warroom.tui.screens.modals import TextPrompt

SIZE = (120, 36)


def header_text(app) -> str:
    return app.screen.query_one("#header").render().plain


async def test_d_turns_a_drill_into_a_real_incident(app_factory, store):
    drill = store.declare("Game day: failover", "regression", "P2", drill=True).id
    app = app_factory(start_incident=drill)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "DRILL" in header_text(app)
        burst(app, "D")
        await settle(app, pilot)
        assert isinstance(app.screen, TextPrompt)
        burst(app, "escape")  # cancelled: still a drill
        await settle(app, pilot)
        assert store.get_incident(drill).drill
        burst(app, "D", "the failover broke for real", "enter")
        await settle(app, pilot)
        assert "DRILL" not in header_text(app)
        burst(app, "escape")  # the incident list
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        rows = [" ".join(str(c) for c in table.get_row_at(n)) for n in range(table.row_count)]
        assert any("Game day" in row for row in rows)
        assert not any("DRILL" in row for row in rows)
    incident = store.get_incident(drill)
    assert not incident.drill
    last = store.timeline(drill)[-1]
    assert last.event == "incident.real"
    assert last.text == "Drill turned into a real incident: the failover broke for real"


async def test_an_empty_reason_changes_nothing(app_factory, store):
    drill = store.declare("Game day", "regression", "P2", drill=True).id
    app = app_factory(start_incident=drill)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "D", "enter")
        await settle(app, pilot)
    assert store.get_incident(drill).drill
    assert store.timeline(drill)[-1].event != "incident.real"


async def test_the_palette_offers_it_only_for_a_drill(app_factory, store, seeded):
    drill = store.declare("Game day", "regression", "P2", drill=True).id
    app = app_factory(start_incident=drill)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["Turn the drill into a real incident"].endswith("key D")
    app = app_factory(start_incident=seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Turn the drill into a real incident" not in titles
        burst(app, "D")  # on a real incident: says so, asks nothing
        await settle(app, pilot)
        assert not isinstance(app.screen, TextPrompt)
