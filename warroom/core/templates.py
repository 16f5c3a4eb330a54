"""Stakeholder announcement templates the communicator starts from."""

from __future__ import annotations

import re
from datetime import datetime

from warroom.core.model import Incident
from warroom.core.policy import Policy
from warroom.core.public import NO_PUBLIC_TITLE, public_title
from warroom.core.sla import promised_update
from warroom.core.timefmt import fmt_time

TEMPLATES = ("update", "declared", "closed")
_HEAD = re.compile(r"^\[[^\]]*\] Incident( #\d+)?: ")
# The parts of a template the incident fills in, as the template writes them:
# while a line still reads so, it follows the incident (see follow).
_GEN_HEAD = re.compile(r"^\[(?P<value>[^\]\n]*)\] Incident #(?P<id>\d+): ")
_GEN_NEXT = re.compile(
    r"^Next update by: (?P<value>—|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?: [A-Za-z0-9+\-]+)?)$"
)
_GEN_STATUS = re.compile(r"^Status: (?P<value>[^\n]*)$")
# What stakeholders read for a stage: the default stages are internal names.
# A stage of the team's own policy is said as it is named.
PUBLIC_STAGE = {
    "prepare": "preparing",
    "detect": "investigating",
    "respond": "working on a fix",
    "recover": "recovering",
}


def public_stage(stage: str) -> str:
    return PUBLIC_STAGE.get(stage.lower(), stage)


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
        f"Status: {public_stage(incident.stage)}\n"
        "What is happening: \n"
        "What is being done: \n"
        "What we need: \n"
        f"Next update by: {next_at}\n"
    )


def starting_template(incident: Incident) -> str:
    """The template a draft starts from when nobody has saved one."""
    if incident.closed_at is not None:
        return "closed"
    return "declared" if incident.last_update_at is None else "update"


def follow(text: str, policy: Policy, incident: Incident, now: datetime) -> str:
    """The draft with its generated parts brought up to the incident: the
    heading's priority, the status (a stage) and the next update time, each
    while its line still reads as the template wrote it. A part the
    communicator rewrote is theirs and stays (draft_warnings says when it
    no longer matches the incident). Everything else is left exactly as is."""
    lines = text.split("\n")
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    promised = promised_update(policy, incident, now)
    for n, line in enumerate(lines):
        new = None
        if n == first and (m := _GEN_HEAD.match(line)):
            if m["value"] in policy.priority_choices and int(m["id"]) == incident.id:
                new = incident.priority
        elif m := _GEN_NEXT.match(line):
            new = fmt_time(promised) if promised else "—"
        elif (m := _GEN_STATUS.match(line)) and m["value"] in {
            *policy.stages,
            *(public_stage(s) for s in policy.stages),
        }:
            new = public_stage(incident.stage)
        if new is not None and m is not None:
            lines[n] = line[: m.start("value")] + new + line[m.end("value") :]
    return "\n".join(lines)


def draft_text(
    policy: Policy, incident: Incident, stored: str, now: datetime, saved: bool = False
) -> str:
    """The draft an incident has, in the CLI, the TUI and exports alike: the
    saved text with its generated parts following the incident, or, when
    nobody saved one (saved: the draft has a version), the template it starts
    from. A draft someone emptied stays empty."""
    if not saved and not stored.strip():
        return render_template(starting_template(incident), policy, incident, now)
    return follow(stored, policy, incident, now)


def draft_warnings(text: str, policy: Policy, incident: Incident) -> list[str]:
    """What the draft says that the incident no longer is, for the publisher
    to see before it goes out: a priority in its heading (a rewritten heading
    keeps the priority it was written with)."""
    heading = next((line for line in text.split("\n") if line.strip()), "")
    bracket = re.match(r"\s*\[([^\]\n]*)\]", heading)
    where = bracket.group(1) if bracket else heading
    said = [p for p in policy.priority_choices if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", where)]
    if said and incident.priority not in said:
        return [f"the draft says {said[0]}; the incident is {incident.priority}"]
    return []
