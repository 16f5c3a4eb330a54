"""A close tells the status page the incident is resolved and every component
its updates named is operational again, in the order they were first named.
On PostgreSQL the components are found at the server inside the close's own
round trip; both engines must store the same thing."""

from __future__ import annotations

import pytest
from statuspage_site import site_policy

pytestmark = pytest.mark.both_engines


@pytest.fixture
def policy(tmp_path):
    return site_policy(tmp_path)


def _closing(store, incident: int) -> dict:
    [entry] = [e for e in store.timeline(incident) if e.event == "incident.close"]
    return entry.data


def test_a_close_names_every_component_the_updates_named_in_first_named_order(store):
    incident = store.declare("Checkout fails").id
    store.publish_update(incident, "Looking.", status="investigating")  # names none
    store.publish_update(incident, "Checkout down.", components={"checkout": "major_outage"})
    store.add_entry(incident, 'a note naming "web": not an update')
    store.publish_update(
        incident, "API too.", components={"web": "degraded_performance", "api": "partial_outage"}
    )
    update = store.publish_update(incident, "Back.", components={"checkout": "operational"})
    store.correct(update.id, "Checkout back.")  # a correction is an update too
    store.read_room(incident, 50)  # what the close may go on, as the war room has it
    store.close_incident(incident, "payment gateway rolled back")
    data = _closing(store, incident)
    assert data["status"] == "resolved"
    assert list(data["components"].items()) == [
        ("checkout", "operational"),
        ("web", "operational"),
        ("api", "operational"),
    ]
    assert data["resolution"] == "payment gateway rolled back"


def test_a_close_without_components_named_says_none(store):
    incident = store.declare("Quiet one").id
    store.publish_update(incident, "Looking.")
    store.close_incident(incident, "nothing was wrong")
    assert _closing(store, incident)["components"] == {}
    other = store.declare("Another").id
    store.publish_update(other, "API down.", components={"api": "major_outage"})
    store.close_incident(other, "fixed")
    assert _closing(store, other)["components"] == {"api": "operational"}
    assert _closing(store, incident)["components"] == {}  # one incident's updates only
