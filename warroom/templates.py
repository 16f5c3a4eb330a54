"""Stakeholder announcement templates the communicator starts from."""

from __future__ import annotations

from datetime import datetime

from .model import Incident
from .policy import Policy
from .sla import promised_update
from .timefmt import fmt_time

TEMPLATES = ("update", "declared", "closed")


def render_template(name: str, policy: Policy, incident: Incident, now: datetime) -> str:
    promised = promised_update(policy, incident, now)
    next_at = fmt_time(promised) if promised else "—"
    head = f"[{incident.priority}] Incident #{incident.id}: {incident.title}"
    if name == "declared":
        return (
            f"{head}\n"
            f"Status: incident declared ({incident.category}).\n"
            "What is happening: \n"
            "Who is affected: \n"
            "What we are doing: the response team is assembled and investigating.\n"
            f"Next update by: {next_at}\n"
        )
    if name == "closed":
        return (
            f"{head}\n"
            "Status: resolved and closed.\n"
            f"Resolution: {incident.resolution or ''}\n"
            "Impact: \n"
            "Follow-up: a retrospective will be held; action items will be tracked.\n"
        )
    return (
        f"{head}\n"
        f"Status: {incident.stage}\n"
        "What is happening: \n"
        "What is being done: \n"
        "What we need: \n"
        f"Next update by: {next_at}\n"
    )
