"""Payloads to alerts: one mapper per sender, pure (no I/O, no clock but the
`now` given), raising Malformed with one line for anything it cannot take.

- Alertmanager's webhook (version 4) and Grafana's (the same shape plus its
  own fields): one alert per entry of `alerts`, keyed by its fingerprint and
  start, grouped by the payload's groupKey; each alert's own status counts
  (the top-level status stays "firing" while some alerts resolve).
- PagerDuty Events API v2: one event, keyed and grouped by its dedup_key (one
  made from the event's own fields when the sender gave none, so a retry
  lands on the same alert)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from warroom.core.model import FIRING, RESOLVED, IncomingAlert
from warroom.intake.limits import Malformed, alert_list, string_map, text

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_FRACTION = re.compile(r"(\.\d{1,6})\d*")  # Go writes up to nine digits; Python reads six


def parse_time(value: Any, what: str, *, zero_is_none: bool = False) -> datetime | None:
    """An RFC 3339 time with its offset; Go's zero time (0001-01-01) is None when allowed."""
    raw = text(value, what, limit=64)
    if not raw:
        return None
    if raw.startswith("0001-01-01"):
        if zero_is_none:
            return None
        raise Malformed(f"{what} is the zero time")
    try:
        moment = datetime.fromisoformat(_FRACTION.sub(r"\1", raw, count=1))
    except ValueError:
        raise Malformed(f"{what} is not an RFC 3339 time: {raw[:40]!r}") from None
    if moment.tzinfo is None:
        raise Malformed(f"{what} has no offset (Z or +hh:mm)")
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Malformed(f"{what} is out of range") from None
    if moment < EARLIEST:
        raise Malformed(f"{what} is before 1970")
    return moment


def _object(doc: Any, what: str = "the body") -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise Malformed(f"{what} must be a JSON object")
    return doc


def _fingerprint(labels: dict[str, str]) -> str:
    """What Alertmanager's fingerprint stands for when a sender left it out:
    the alert's identity is its label set."""
    blob = json.dumps(labels, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def map_alertmanager(doc: Any, now: datetime, source: str = "alertmanager") -> list[IncomingAlert]:
    doc = _object(doc)
    if source == "alertmanager":
        version = doc.get("version")
        if version is not None and version != "4":
            raise Malformed(f"webhook version {str(version)[:10]!r} is not 4")
    group_key = text(doc.get("groupKey"), "groupKey", required=True)
    text(doc.get("status"), "status")
    text(doc.get("receiver"), "receiver")
    text(doc.get("externalURL"), "externalURL")
    common = string_map(doc.get("commonLabels"), "commonLabels")
    string_map(doc.get("groupLabels"), "groupLabels")
    common_notes = string_map(doc.get("commonAnnotations"), "commonAnnotations")
    if source == "grafana":
        for key in ("title", "state", "message"):
            text(doc.get(key), key)
    truncated = doc.get("truncatedAlerts", 0)
    if truncated is not None and (isinstance(truncated, bool) or not isinstance(truncated, int)):
        raise Malformed("truncatedAlerts must be a number")
    alerts = []
    for n, raw in enumerate(alert_list(doc.get("alerts")), 1):
        what = f"alerts[{n - 1}]"
        raw = _object(raw, what)
        status = text(raw.get("status"), f"{what}.status", required=True)
        if status not in (FIRING, RESOLVED):
            raise Malformed(f"{what}.status must be firing or resolved")
        labels = string_map(raw.get("labels"), f"{what}.labels")
        notes = string_map(raw.get("annotations"), f"{what}.annotations")
        starts = parse_time(raw.get("startsAt"), f"{what}.startsAt")
        if starts is None:
            raise Malformed(f"{what}.startsAt is missing")
        ends = parse_time(raw.get("endsAt"), f"{what}.endsAt", zero_is_none=True)
        if status == FIRING:
            ends = None  # a firing alert's endsAt is when it would time out, not an end
        url = text(raw.get("generatorURL"), f"{what}.generatorURL")
        if source == "grafana":
            for key in ("silenceURL", "dashboardURL", "panelURL"):
                text(raw.get(key), f"{what}.{key}")
            url = raw.get("panelURL") or raw.get("dashboardURL") or url
            values = raw.get("values")
            if values is not None and not isinstance(values, dict):
                raise Malformed(f"{what}.values must be an object")
        fingerprint = text(raw.get("fingerprint"), f"{what}.fingerprint", limit=256)
        summary = (
            notes.get("summary")
            or notes.get("description")
            or common_notes.get("summary")
            or labels.get("alertname")
            or common.get("alertname")
            or ""
        )
        alerts.append(
            IncomingAlert(
                source=source,
                group_key=group_key,
                fingerprint=fingerprint or _fingerprint(labels),
                status=status,
                starts_at=starts,
                ends_at=ends,
                labels=labels,
                summary=summary,
                url=url,
            )
        )
    return alerts


def map_grafana(doc: Any, now: datetime) -> list[IncomingAlert]:
    return map_alertmanager(doc, now, source="grafana")


PD_ACTIONS = ("trigger", "acknowledge", "resolve")
PD_SEVERITIES = ("critical", "error", "warning", "info")


def map_pagerduty(doc: Any, now: datetime) -> list[IncomingAlert]:
    """One event; an acknowledge changes nothing here (a person decides) and maps to []."""
    doc = _object(doc)
    routing_key = text(doc.get("routing_key"), "routing_key", required=True, limit=256)
    action = text(doc.get("event_action"), "event_action", required=True)
    if action not in PD_ACTIONS:
        raise Malformed("event_action must be trigger, acknowledge or resolve")
    dedup_key = text(doc.get("dedup_key"), "dedup_key", limit=255)
    if action != "trigger" and not dedup_key:
        raise Malformed(f"a {action} needs its dedup_key")
    if action == "acknowledge":
        return []
    labels: dict[str, str] = {}
    summary = ""
    starts = now
    if action == "trigger":
        payload = _object(doc.get("payload"), "payload")
        summary = text(payload.get("summary"), "payload.summary", required=True, limit=1024)
        labels["source"] = text(payload.get("source"), "payload.source", required=True)
        severity = text(payload.get("severity"), "payload.severity", required=True)
        if severity not in PD_SEVERITIES:
            raise Malformed("payload.severity must be critical, error, warning or info")
        labels["severity"] = severity
        for key in ("component", "group", "class"):
            value = text(payload.get(key), f"payload.{key}")
            if value:
                labels[key] = value
        starts = parse_time(payload.get("timestamp"), "payload.timestamp") or now
        details = payload.get("custom_details")
        if details is not None and not isinstance(details, dict | str):
            raise Malformed("payload.custom_details must be an object or a string")
        for key in ("links", "images"):
            if doc.get(key) is not None and not isinstance(doc.get(key), list):
                raise Malformed(f"{key} must be a list")
        links = alert_list(doc.get("links") or [], "links")
        url = ""
        if links and isinstance(links[0], dict):
            url = text(links[0].get("href"), "links[0].href")
        if not dedup_key:
            blob = json.dumps([routing_key, summary, labels], sort_keys=True).encode()
            dedup_key = hashlib.sha256(blob).hexdigest()[:32]
    else:
        url = ""
    return [
        IncomingAlert(
            source="pagerduty",
            group_key=dedup_key,
            fingerprint=dedup_key,
            status=FIRING if action == "trigger" else RESOLVED,
            starts_at=starts,
            ends_at=now if action == "resolve" else None,
            labels=labels,
            summary=summary,
            url=url,
            by_start=False,
        )
    ]
