"""Renderers over model objects: plain data (for JSON) now, documents later. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .model import Board, Incident, TimelineEntry, to_iso
from .policy import Policy
from .sla import clock_states, next_update

EXPORT_SCHEMA_VERSION = 1


def _iso(moment: datetime | None) -> str | None:
    return to_iso(moment) if moment else None


def incident_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "category": incident.category,
        "priority": incident.priority,
        "stage": incident.stage,
        "status": incident.status,
        "reported_at": _iso(incident.reported_at),
        "declared_at": _iso(incident.declared_at),
        "declared_by": incident.declared_by,
        "acknowledged_at": _iso(incident.acknowledged_at),
        "triaged_at": _iso(incident.triaged_at),
        "remediated_at": _iso(incident.remediated_at),
        "retro_at": _iso(incident.retro_at),
        "closed_at": _iso(incident.closed_at),
        "resolution": incident.resolution,
        "last_update_at": _iso(incident.last_update_at),
    }


def clocks_list(policy: Policy, incident: Incident, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "clock": c.name,
            "budget_seconds": int(c.budget.total_seconds()),
            "deadline": _iso(c.deadline),
            "state": c.state,
            "remaining_seconds": int(c.remaining.total_seconds()),
            "stopped_at": _iso(c.stopped_at),
        }
        for c in clock_states(policy, incident, now)
    ]


def status_dict(policy: Policy, board: Board, now: datetime) -> dict[str, Any]:
    incident = board.incident
    due = next_update(policy, incident, now)
    return {
        "incident": incident_dict(incident),
        "roles": {
            role: (
                [h.person for h in board.holders(role)]
                if role == policy.multi_role
                else board.holder(role)
            )
            for role in policy.roles
        },
        "checklist": [
            {
                "id": item.id,
                "group": item.group,
                "text": item.text,
                "ticked": bool(board.checklist.get(item.id) and board.checklist[item.id].ticked),
                "by": board.checklist[item.id].by if item.id in board.checklist else None,
                "at": _iso(board.checklist[item.id].at) if item.id in board.checklist else None,
            }
            for item in policy.checklist
        ],
        "clocks": clocks_list(policy, incident, now),
        "next_update_due": _iso(due.due_at) if due else None,
        "next_update_state": due.state if due else None,
        "draft": {"text": board.draft.text, "version": board.draft.version},
        "as_of": to_iso(now),
    }


def entry_dict(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "text": entry.text,
        "actor": entry.actor,
        "occurred_at": _iso(entry.occurred_at),
        "recorded_at": _iso(entry.recorded_at),
        "public": entry.public,
        "supersedes": entry.supersedes,
        "data": entry.data,
    }


def render_export(bundle, policy: Policy, fmt: str, public: bool, now: datetime) -> str:
    """The document for `warroom export`: 'md', 'json' or 'csv'."""
    raise NotImplementedError("export is being written")


def write_atomic(path, text: str, force: bool = False):
    """Write via a temp file and rename; refuse to overwrite unless forced."""
    raise NotImplementedError("export is being written")
