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


def alerts_firing(store: Store, *names: str) -> None:
    """An Alertmanager group (names[0]) firing on hosts names[1:]."""
    from warroom.intake.mappers import map_alertmanager

    doc = {
        "version": "4",
        "groupKey": f"{{}}:{{alertname={names[0]!r}}}",
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {"alertname": names[0]},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "truncatedAlerts": 0,
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": names[0], "severity": "critical", "host": name},
                "annotations": {"summary": f"{names[0]} on {name}"},
                "startsAt": "2026-03-10T11:40:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": f"{names[0]}-{name}",
            }
            for name in names[1:]
        ],
    }
    store.ingest_alerts(map_alertmanager(doc, store.clock()), store.policy.refire_window)
