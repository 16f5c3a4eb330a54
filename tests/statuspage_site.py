"""A status page's worth of incidents, shared by tests/unit/test_statuspage.py and
the browser tests (tests/browser/): what was published, and what must not show."""

from __future__ import annotations

from pathlib import Path

from warroom.core.policy import Policy, load_policy

POLICY = """
[status_page]
title = "ACME status"
page_id = "acme-status"
base_url = "https://status.example.org"
zone = "Europe/Berlin"

[[status_page.components]]
id = "api"
name = "Public API"
group = "Platform"
description = "REST and webhooks"

[[status_page.components]]
id = "checkout"
name = "Checkout"
group = "Platform"

[[status_page.components]]
id = "web"
name = "Website"
"""

OPEN_TITLE = "Checkout fails for some customers"
CLOSED_TITLE = "The website was slow"
UPDATES = (
    "We are investigating failed checkouts.",
    "We found the cause: a faulty payment gateway release.",
    "A fix is rolled out; we are watching checkouts recover.",
)
HIDDEN = "zqhiddencanary"  # published by incidents the page must leave out


def site_policy(folder: Path, extra: str = "") -> Policy:
    path = folder / "statuspage-policy.toml"
    path.write_text(POLICY.replace("[status_page]\n", f"[status_page]\n{extra}\n", 1), "utf-8")
    return load_policy(path)


def plant_site(store, clock) -> dict[str, int]:
    """An open P1 with three updates, a closed P3, an incident without a
    public title and a drill with one: only the first two are listed."""
    older = store.declare("web slowness (internal)", "performance degradation", "P3").id
    store.set_public_title(older, CLOSED_TITLE)
    store.publish_update(older, "Pages load slowly.", components={"web": "degraded_performance"})
    clock.advance(minutes=95)
    store.close_incident(older, "cache warmed")
    clock.advance(hours=20)

    iid = store.declare("gateway v2 broke checkout (internal)", "regression or bug", "P1").id
    store.set_public_title(iid, OPEN_TITLE)
    store.publish_update(iid, UPDATES[0], components={"checkout": "major_outage"})
    clock.advance(minutes=20)
    store.publish_update(
        iid,
        UPDATES[1],
        status="identified",
        components={"checkout": "partial_outage", "api": "degraded_performance"},
    )
    clock.advance(minutes=25)
    store.publish_update(
        iid, UPDATES[2], status="monitoring", components={"checkout": "degraded_performance"}
    )

    untitled = store.declare("no public title", "regression or bug", "P2").id
    store.publish_update(untitled, f"told nobody {HIDDEN}", components={"web": "major_outage"})
    drill = store.declare("game day", "regression or bug", "P1", drill=True).id
    store.set_public_title(drill, f"Drill {HIDDEN}")
    store.publish_update(drill, f"practice {HIDDEN}", components={"api": "major_outage"})
    clock.advance(minutes=5)
    return {"open": iid, "closed": older, "untitled": untitled, "drill": drill}
