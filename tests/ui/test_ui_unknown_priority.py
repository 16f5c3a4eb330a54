"""An incident whose priority the reader's policy lacks (another team's
policy wrote it): the war room opens and shows it, with no clocks."""

from __future__ import annotations

from warroom.core.policy import load_policy
from warroom.store import Store
from warroom.tui.screens.warroom import WarRoomScreen

P0_POLICY = """
[clocks.P0]
acknowledge = "5m"
triage = "15m"
remediate = "1h"
retro = "3d"

[update_cadence]
P0 = "15m"
"""


async def test_the_war_room_opens_an_incident_of_a_priority_its_policy_lacks(
    tmp_path, app_factory, db_path, clock, store
):
    (tmp_path / "p0.toml").write_text(P0_POLICY)
    other_team = Store.open(db_path, load_policy(tmp_path / "p0.toml"), "zoe", clock)
    incident = other_team.declare("Everything down", "regression", "P0")
    other_team.add_entry(incident.id, "all regions dark")
    other_team.close()
    app = app_factory()  # the built-in policy: P1 to P3
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)
        assert app.screen.incident_id == incident.id
        await pilot.press("R")  # the retro screen's header shows its clock
        await pilot.pause()
        assert type(app.screen).__name__ == "RetroScreen"
    assert app.return_code in (None, 0)
