"""Stakeholder announcement templates the communicator starts from."""

from __future__ import annotations

import re
from datetime import datetime

from .model import Incident
from .policy import Policy
from .public import NO_PUBLIC_TITLE, public_title
from .sla import promised_update
from .timefmt import fmt_time

TEMPLATES = ("update", "declared", "closed")
_HEAD = re.compile(r"^\[[^\]]*\] Incident( #\d+)?: ")


def own_lines(text: str) -> str:
    """What a published update says of its own: without the heading line every
    update starts with, nor template labels left empty."""
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and _HEAD.match(lines[0]) and len(lines) > 1:
        lines = lines[1:]
    kept = [line for line in lines if not line.rstrip().endswith(":")]
    return "\n".join(kept or lines)


def render_template(name: str, policy: Policy, incident: Incident, now: datetime) -> str:
    promised = promised_update(policy, incident, now)
    next_at = fmt_time(promised) if promised else "—"
    # What stakeholders are told: the public title, never the internal one.
    title = public_title(incident) or NO_PUBLIC_TITLE
    head = f"[{incident.priority}] Incident #{incident.id}: {title}"
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
