"""Incidents the tests start from."""

from __future__ import annotations

from datetime import timedelta

from clocks import Clock

from warroom.store import Store


def seed_incident(store: Store, clock: Clock) -> int:
    """A realistic incident in progress, deterministic under the fixed clock."""
    incident = store.declare(
        "Checkout returns 500 for EU users [bold]",
        "regression",
        "P2",
        reported_at=clock() - timedelta(minutes=50),
    )
    iid = incident.id
    store.assign(iid, "Lead", "bob")
    store.assign(iid, "Lead", "carol")
    store.assign(iid, "Scribe", "dan")
    store.assign(iid, "Responder", "erin")
    store.assign(iid, "Responder", "frank")
    store.set_check(iid, "a1", True)
    store.set_check(iid, "i5", True)
    store.add_entry(iid, "5xx rate at 12% on checkout-api since 08:10", "evidence")
    store.add_entry(iid, "Roll back release 2026.11.28-1", "decision")
    store.add_entry(iid, "Rolled back checkout-api to 2026.11.27-3", "change")
    store.record_milestone(iid, "acknowledge", clock() - timedelta(minutes=40))
    return iid
