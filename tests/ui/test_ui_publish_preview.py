"""ctrl+o with a status page: what will go out is shown first (public title,
status, components, text), today's choices preselected; ctrl+s sends it and
the page is rebuilt; escape goes back with nothing sent."""

from __future__ import annotations

import json

import pytest
from keyburst import burst, settle
from statuspage_site import site_policy

from warroom.tui.screens.publish import PublishPreview

SIZE = (120, 36)


@pytest.fixture
def policy(tmp_path):
    return site_policy(tmp_path, f'dir = "{tmp_path / "site"}"')


@pytest.fixture
def titled(store, seeded):
    store.set_public_title(seeded, "Checkout fails for some customers")
    store.publish_update(
        seeded, "Looking into it.", status="identified", components={"api": "partial_outage"}
    )
    return seeded


def updates(store, iid):
    return [e for e in store.timeline(iid) if e.kind == "update"]


async def test_ctrl_o_shows_what_goes_out_and_ctrl_s_sends_it(app_factory, store, titled, tmp_path):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        app.screen.query_one("#panel-5").load_text("The fix is rolling out.")
        burst(app, "ctrl+o")
        await settle(app, pilot)
        preview = app.screen
        assert isinstance(preview, PublishPreview)
        assert "Checkout fails for some customers" in str(
            preview.query_one("#publish-title").render()
        )
        assert "The fix is rolling out." in preview.text
        assert preview.query_one("#publish-status").value == "identified"  # as it stands
        picked = {c: preview.query_one(f"#publish-component-{c}").value for c in ("api", "web")}
        assert picked == {"api": "partial_outage", "web": "operational"}
        preview.query_one("#publish-status").value = "monitoring"
        burst(app, "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, PublishPreview)
    last = updates(store, titled)[-1]
    assert last.text == "The fix is rolling out."
    assert (last.data["status"], last.data["components"]) == (
        "monitoring",
        {"api": "partial_outage"},
    )
    # The policy names the page's folder: the publish rebuilt it.
    summary = json.loads((tmp_path / "site/api/v2/summary.json").read_text("utf-8"))
    assert summary["incidents"][0]["status"] == "monitoring"
    assert summary["incidents"][0]["incident_updates"][0]["body"] == "The fix is rolling out."


async def test_escape_goes_back_with_nothing_sent(app_factory, store, titled):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        app.screen.query_one("#panel-5").load_text("Not yet.")
        burst(app, "ctrl+o")
        await settle(app, pilot)
        assert isinstance(app.screen, PublishPreview)
        burst(app, "escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, PublishPreview)
    assert [u.text for u in updates(store, titled)] == ["Looking into it."]


async def test_without_a_public_title_the_preview_says_it_stays_off(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        app.screen.query_one("#panel-5").load_text("Internal only so far.")
        burst(app, "ctrl+o")
        await settle(app, pilot)
        title = str(app.screen.query_one("#publish-title").render())
        assert "no public title" in title and "Checkout returns 500" not in title
        assert app.screen.query_one("#publish-status").value == "investigating"
        burst(app, "ctrl+s")
        await settle(app, pilot)
    assert [u.text for u in updates(store, seeded)] == ["Internal only so far."]
