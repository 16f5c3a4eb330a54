"""The intake's rules on a real store (both engines): alerts stored once per
sender's key, grouped into proposals, resolved by their own status, reopened
by a re-fire within the policy's window; a person accepts, declines, merges.
And the mappers: the documented payloads, and anything at all (hypothesis)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.core.errors import UsageError
from warroom.core.policy import load_policy
from warroom.intake.limits import MAX_ALERTS, MAX_DEPTH, Malformed, check_depth
from warroom.intake.mappers import map_alertmanager, map_grafana, map_pagerduty
from warroom.services.usecases import accept_proposal

pytestmark = pytest.mark.both_engines

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # the test clock's now
T0 = "2026-03-10T11:40:00.123456789Z"  # Go's nine digits
T1 = "2026-03-10T11:45:00Z"


def am_alert(fp: str, status: str = "firing", starts: str = T0, ends: str | None = None, **labels):
    return {
        "status": status,
        "labels": {"alertname": "DiskFull", "severity": "critical", **labels},
        "annotations": {"summary": f"disk full on {fp}"},
        "startsAt": starts,
        "endsAt": ends or "0001-01-01T00:00:00Z",
        "generatorURL": f"http://prometheus:9090/graph?g0={fp}",
        "fingerprint": fp,
    }


def am_payload(*alerts, group='{}:{alertname="DiskFull"}', status="firing"):
    return {
        "version": "4",
        "groupKey": group,
        "status": status,
        "receiver": "warroom",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {"alertname": "DiskFull", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "truncatedAlerts": 0,
        "alerts": list(alerts),
    }


def ingest(store, doc, mapper=map_alertmanager):
    return store.ingest_alerts(mapper(doc, store.clock()), store.policy.refire_window)


def test_the_same_body_twice_is_stored_once(store):
    doc = am_payload(am_alert("a1"), am_alert("a2"))
    first = ingest(store, doc)
    again = ingest(store, copy.deepcopy(doc))
    assert (first.stored, first.duplicates) == (2, 0)
    assert (again.stored, again.duplicates) == (0, 2)
    [proposal] = store.proposals()
    assert (proposal.alerts, proposal.firing, proposal.source) == (2, 2, "alertmanager")
    assert proposal.started_at == datetime(2026, 3, 10, 11, 40, 0, 123456, tzinfo=UTC)


def test_each_alert_resolves_by_its_own_status(store):
    ingest(store, am_payload(am_alert("a1"), am_alert("a2")))
    # Alertmanager's top-level status stays firing while one of them resolves.
    mixed = am_payload(am_alert("a1", "resolved", ends=T1), am_alert("a2"), status="firing")
    result = ingest(store, mixed)
    assert (result.stored, result.duplicates) == (1, 1)
    [proposal] = store.proposals()
    assert (proposal.alerts, proposal.firing) == (2, 1)
    statuses = {a.fingerprint: a.status for a in store.proposal_alerts(proposal.id)}
    assert statuses == {"a1": "resolved", "a2": "firing"}
    # A late re-send of a1's firing does not undo its resolve.
    assert ingest(store, am_payload(am_alert("a1"))).stored == 0
    assert store.proposals()[0].firing == 1


def test_a_resolve_of_an_unknown_alert_proposes_nothing(store):
    result = ingest(store, am_payload(am_alert("a9", "resolved", ends=T1), status="resolved"))
    assert result.stored == 1 and result.proposals == ()
    assert store.proposals(None) == []
    # The fire that was overtaken by its resolve arrives late: still nothing.
    assert ingest(store, am_payload(am_alert("a9"))).stored == 0
    assert store.proposals(None) == []


def test_a_flap_within_the_window_reopens_the_same_alert(store):
    ingest(store, am_payload(am_alert("a1")))
    ingest(store, am_payload(am_alert("a1", "resolved", ends=T1)))
    refire = "2026-03-10T11:50:00Z"  # 5 minutes after its resolve: inside 15m
    assert ingest(store, am_payload(am_alert("a1", starts=refire))).stored == 1
    [proposal] = store.proposals()
    [alert] = store.proposal_alerts(proposal.id)
    assert (alert.fires, alert.status, proposal.firing) == (2, "firing", 1)
    # The re-fire re-sent, and the first firing re-sent: nothing changes.
    assert ingest(store, am_payload(am_alert("a1", starts=refire))).stored == 0
    assert ingest(store, am_payload(am_alert("a1"))).stored == 0
    # Its resolve follows the re-fire.
    ingest(
        store, am_payload(am_alert("a1", "resolved", starts=refire, ends="2026-03-10T11:55:00Z"))
    )
    assert store.proposal_alerts(proposal.id)[0].status == "resolved"


def test_a_fire_after_the_window_is_a_new_alert(store):
    ingest(store, am_payload(am_alert("a1")))
    ingest(store, am_payload(am_alert("a1", "resolved", ends="2026-03-10T11:41:00Z")))
    later = "2026-03-10T11:57:00Z"  # 16 min after the resolve: past the default 15m
    assert ingest(store, am_payload(am_alert("a1", starts=later))).stored == 1
    assert [(a.fires, a.status) for a in store.proposal_alerts(1)] == [
        (1, "resolved"), (1, "firing"),
    ]  # fmt: skip


def test_accept_declares_from_the_earliest_start_with_the_routed_priority(store, policy):
    ingest(store, am_payload(am_alert("a1", starts=T1), am_alert("a2", starts=T0)))
    ingest(store, am_payload(am_alert("a1", "resolved", starts=T1, ends="2026-03-10T11:50:00Z")))
    incident = accept_proposal(store, policy, 1)
    assert incident.priority == "P1"  # severity=critical
    assert incident.reported_at == datetime(2026, 3, 10, 11, 40, 0, 123456, tzinfo=UTC)
    evidence = [e for e in store.timeline(incident.id) if e.kind == "evidence"]
    # Every alert, firing or resolved, is evidence: a1 fired and resolved, a2 fired.
    assert sorted((e.data["alert"], e.data["status"]) for e in evidence) == [
        (1, "firing"), (1, "resolved"), (2, "firing"),
    ]  # fmt: skip
    assert store.proposal(1).status == "accepted" and store.proposal(1).incident_id == incident.id
    assert store.proposals() == []
    # A new alert of the same group goes to the incident, not to a new proposal.
    ingest(store, am_payload(am_alert("a3")))
    assert store.proposals() == []
    assert [e.data.get("alert") for e in store.timeline(incident.id)][-1] == 3
    # Alerts never close an incident.
    ingest(store, am_payload(am_alert("a3", "resolved", ends=T1)))
    assert store.get_incident(incident.id).is_open
    with pytest.raises(UsageError, match="accepted already"):
        accept_proposal(store, policy, 1)


def test_routes_from_the_policy(store, tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(
        '[[intake.route]]\nmatch = { team = "db" }\ncategory = "performance degradation"\n'
        'priority = "P3"\n'
    )
    policy = load_policy(path)
    assert policy.route({"team": "db", "severity": "critical"}) == ("performance degradation", "P3")
    assert policy.route({"severity": "critical"}) == (None, "untriaged")  # the list replaced
    ingest(store, am_payload(am_alert("a1", team="db")))
    incident = accept_proposal(store, policy, 1)
    assert (incident.priority, incident.category) == ("P3", "performance degradation")


@pytest.mark.parametrize(
    "rule, why",
    [
        ('priority = "P1"', "needs match"),
        ('match = { severity = "critical" }\npriority = "P9"', "priority 'P9'"),
        ("match = { severity = 3 }", "must match a string"),
        ('match = { a = "b" }\ncolour = "red"', "unknown key 'colour'"),
    ],
)
def test_a_bad_route_is_refused_with_one_line(tmp_path, rule, why):
    path = tmp_path / "policy.toml"
    path.write_text(f"[[intake.route]]\n{rule}\n")
    with pytest.raises(UsageError, match=why):
        load_policy(path)


def test_decline_needs_a_reason_and_stays_declined(store):
    ingest(store, am_payload(am_alert("a1")))
    with pytest.raises(UsageError, match="reason"):
        store.decline_proposal(1, "  ")
    declined = store.decline_proposal(1, "known flaky disk check")
    assert (declined.status, declined.reason, declined.decided_by) == (
        "declined", "known flaky disk check", "alice",
    )  # fmt: skip
    assert store.proposals() == [] and store.list_incidents() == []
    # A new alert of the group is a new proposal (the declined one stays declined).
    ingest(store, am_payload(am_alert("a2")))
    assert [p.id for p in store.proposals()] == [2]
    assert store.intake_counts() == ({}, [declined.first_seen])


def test_merge_into_an_open_incident(store):
    incident = store.declare("Checkout errors", priority="P2")
    ingest(store, am_payload(am_alert("a1"), am_alert("a2")))
    store.merge_proposal(1, incident.id)
    entries = store.timeline(incident.id)
    assert sum(e.kind == "evidence" for e in entries) == 2
    assert entries[-1].event == "intake.merge"
    assert store.intake_counts()[0] == {incident.id: 2}
    ingest(store, am_payload(am_alert("b1"), group="other"))
    store.close_incident(incident.id, "fixed")
    with pytest.raises(UsageError, match="closed"):
        store.merge_proposal(2, incident.id)


def test_pagerduty_trigger_resolve_by_dedup_key(store):
    trigger = {
        "routing_key": "R0UT1NGK3Y", "event_action": "trigger", "dedup_key": "api-down",
        "payload": {"summary": "API down", "source": "api-1", "severity": "critical",
                    "timestamp": "2026-03-10T11:30:00+00:00", "component": "api",
                    "group": "prod", "class": "http", "custom_details": {"code": 502}},
        "links": [{"href": "https://grafana/d/api", "text": "dashboard"}], "images": [],
    }  # fmt: skip
    assert ingest(store, trigger, map_pagerduty).stored == 1
    assert ingest(store, trigger, map_pagerduty).stored == 0  # a retry
    ack = {"routing_key": "R0UT1NGK3Y", "event_action": "acknowledge", "dedup_key": "api-down"}
    assert map_pagerduty(ack, NOW) == []
    resolve = {"routing_key": "R0UT1NGK3Y", "event_action": "resolve", "dedup_key": "api-down"}
    assert ingest(store, resolve, map_pagerduty).stored == 1
    assert ingest(store, resolve, map_pagerduty).stored == 0
    [proposal] = store.proposals()
    assert (proposal.title, proposal.firing) == ("API down", 0)
    assert proposal.labels["severity"] == "critical"
    with pytest.raises(Malformed, match="dedup_key"):
        map_pagerduty({"routing_key": "k", "event_action": "resolve"}, NOW)


def test_grafana_payload_maps_with_its_own_fields(store):
    doc = am_payload(am_alert("g1"))
    doc.update(version="1", title="[FIRING:1] DiskFull", state="alerting", message="disk")
    doc["alerts"][0].update(silenceURL="http://g/s", dashboardURL="http://g/d",
                            panelURL="http://g/d?viewPanel=2", values={"B": 97.5})  # fmt: skip
    [alert] = map_grafana(doc, NOW)
    assert (alert.source, alert.url) == ("grafana", "http://g/d?viewPanel=2")
    assert ingest(store, doc, map_grafana).stored == 1


@pytest.mark.parametrize(
    "change, why",
    [
        (lambda d: d.pop("groupKey"), "groupKey is missing"),
        (lambda d: d.update(version="3"), "version"),
        (lambda d: d.update(alerts={}), "alerts must be a list"),
        (lambda d: d["alerts"][0].update(status="pending"), "firing or resolved"),
        (lambda d: d["alerts"][0].update(startsAt="yesterday"), "RFC 3339"),
        (lambda d: d["alerts"][0].update(startsAt="2026-03-10T11:00:00"), "offset"),
        (lambda d: d["alerts"][0]["labels"].update(x="v" * 5000), "longer than"),
        (lambda d: d["alerts"][0]["labels"].update({f"l{i}": "v" for i in range(70)}), "more than"),
        (lambda d: d.update(alerts=[d["alerts"][0]] * (MAX_ALERTS + 1)), "more than"),
    ],
)
def test_malformed_payloads_say_why_in_one_line(change, why):
    doc = am_payload(am_alert("a1"))
    change(doc)
    with pytest.raises(Malformed, match=why) as caught:
        map_alertmanager(doc, NOW)
    assert "\n" not in str(caught.value)


def test_depth_is_bounded():
    deep: object = "x"
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(Malformed, match="nested"):
        check_depth(deep)


# Anything JSON can hold, and documents close to the real ones.
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=20,
)  # fmt: skip


@st.composite
def _near_payloads(draw):
    first, second = am_alert("a1"), am_alert("a2", "resolved", ends=T1)
    doc = am_payload(first, second)
    for _ in range(draw(st.integers(1, 3))):
        targets = [doc, first, second, first.get("labels")]
        target = draw(st.sampled_from([t for t in targets if isinstance(t, dict)]))
        key = draw(st.sampled_from(sorted(target) + ["extra"]))
        target[key] = draw(_json)
    return doc


@pytest.mark.sqlite_only
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.one_of(_json, _near_payloads()), which=st.sampled_from([0, 1, 2]))
def test_fuzzed_mappers_map_or_say_malformed(doc, which):
    """Whatever a sender posts, a mapper returns alerts or raises Malformed:
    never another exception (which would be a 500)."""
    mapper = (map_alertmanager, map_grafana, map_pagerduty)[which]
    try:
        alerts = mapper(json.loads(json.dumps(doc)), NOW)
    except Malformed as exc:
        assert "\n" not in str(exc)
        return
    for alert in alerts:
        assert alert.status in ("firing", "resolved")
        assert alert.starts_at.tzinfo is not None


@pytest.mark.sqlite_only
def test_timestamps_within_limits(store):
    """A start far in the future does not put the reported time in the future."""
    ingest(store, am_payload(am_alert("a1", starts="2026-03-10T13:00:00Z")))
    incident = accept_proposal(store, store.policy, 1)
    assert incident.reported_at <= store.clock() + timedelta(seconds=1)


def test_the_report_counts_noise_and_leaves_declined_proposals_out(store, policy):
    from warroom.core.report import build_report
    from warroom.formats.report_text import render_json, render_text

    ingest(store, am_payload(am_alert("a1"), am_alert("a2")))
    ingest(store, am_payload(am_alert("b1"), group="noisy"))
    ingest(store, am_payload(am_alert("c1"), group="noisier"))
    accept_proposal(store, policy, 1)
    store.decline_proposal(2, "flaky")
    store.decline_proposal(3, "test alert")
    now = store.clock()
    report = build_report(policy, store.report_rows(), now, intake=store.intake_counts())
    assert report.real.overall.incidents == 1  # the declined two are no incidents
    noise = report.noise
    assert (noise.declined, noise.incidents_from_alerts, noise.alerts) == (2, 1, 2)
    assert "Noise: 2 proposals declined; 2.0 alerts per incident" in render_text(report, "UTC")
    assert json.loads(render_json(report))["noise"]["alerts_per_incident"] == 2.0
    # A window that ends before the proposals were seen counts none of them.
    early = build_report(
        policy, store.report_rows(), now, until=now - timedelta(days=1),
        intake=store.intake_counts(),
    )  # fmt: skip
    assert early.noise.declined == 0


@pytest.mark.sqlite_only
def test_alerts_and_proposals_move_to_postgresql_and_back(tmp_path, pg_url, open_store, policy):
    from warroom.cli import commands as cli
    from warroom.services.paths import DbUrl

    source = tmp_path / "team.db"
    store = open_store(path=source)
    ingest(store, am_payload(am_alert("a1"), am_alert("a2", "resolved", ends=T1)))
    ingest(store, am_payload(am_alert("b1"), group="other"))
    accept_proposal(store, policy, 1)
    store.decline_proposal(2, "noise")
    before = (store.proposals(None), store.proposal_alerts(1), store.proposal_alerts(2))
    assert cli.main(["move", str(source), pg_url]) == 0
    on_server = open_store(path=DbUrl(pg_url))
    after = (on_server.proposals(None), on_server.proposal_alerts(1), on_server.proposal_alerts(2))
    assert after == before
    # Ids carry on after the largest copied one, and a re-send is still a repeat.
    assert ingest(on_server, am_payload(am_alert("a1"))).stored == 0
    ingest(on_server, am_payload(am_alert("c1"), group="third"))
    assert on_server.proposals()[-1].id == 3


def test_the_intake_verbs_load_no_server():
    """`warroom intake list|accept|...` never imports aiohttp (only serve does)."""
    import subprocess
    import sys

    code = (
        "import sys, warroom.cli.commands, warroom.cli.intake, warroom.intake.mappers;"
        "assert 'aiohttp' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.sqlite_only
def test_a_schema_8_file_gains_the_intake_tables(tmp_path, policy):
    import sqlite3

    import sqlite_utils

    from warroom.store import Store
    from warroom.store import sqlite as backend

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {backend.APP_ID}")
    for version in range(8):
        backend.MIGRATIONS[version](sqlite_utils.Database(conn))
    conn.execute("PRAGMA user_version = 8")
    conn.commit()
    conn.close()
    store = Store.open(path, policy, "ann")
    try:
        assert ingest(store, am_payload(am_alert("a1"))).stored == 1
        assert [p.id for p in store.proposals()] == [1]
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 9  # and later ones


@pytest.mark.sqlite_only
def test_a_postgresql_schema_4_database_gains_the_intake_tables(pg_url, policy):
    import psycopg

    from warroom.store import Store
    from warroom.store import postgres as backend

    with psycopg.connect(pg_url, autocommit=True) as conn:
        for version in range(4):
            backend.MIGRATIONS[version](conn)
        conn.execute("UPDATE warroom_schema SET version = 4")
    store = Store.open(pg_url, policy, "ann")
    try:
        assert ingest(store, am_payload(am_alert("a1"))).stored == 1
        assert [p.id for p in store.proposals()] == [1]
    finally:
        store.close()
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT version FROM warroom_schema").fetchone()[0] >= 5
