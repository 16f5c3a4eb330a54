"""What stakeholders may see of an incident: the one rule every public output
follows (`export --public` as Markdown, JSON and CSV, and any status page).

A public output holds only what was published: the public title (never the
internal one), the stakeholder updates as they stand (each once, its corrected
text in place, superseded versions out), the impact window, the close time and
the status; the root cause only when the team made it public. Nothing else:
no notes, evidence, decisions, changes or their impacts, no names of people,
no whys, action items, checklist, roles, SLA clocks, drafts or hook output.
A drill has no public version. Pure Python, no UI imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .model import UPDATE, Bundle, Incident, TimelineEntry

# What a public output says where a public title would go when none was set.
NO_PUBLIC_TITLE = "(no public title)"


@dataclass(frozen=True)
class PublicUpdate:
    """One update as stakeholders have it now."""

    number: int  # 1, 2, ... in the order they went out
    entry_id: int  # the timeline entry that stands (the latest correction, if any)
    first_entry_id: int  # the entry that went out first
    published_at: datetime  # when it went out (a correction may have moved it)
    text: str  # the text as it stands, corrections applied
    corrected_at: datetime | None  # when the text was last corrected, if it was


@dataclass(frozen=True)
class PublicIncident:
    id: int
    title: str  # the public title; "" when none was set (never the internal one)
    status: str  # "open" or "closed"
    impact_started_at: datetime | None
    impact_ended_at: datetime | None
    closed_at: datetime | None
    updates: tuple[PublicUpdate, ...]
    root_cause: str | None  # only when the team made it public

    @property
    def shown_title(self) -> str:
        return self.title or NO_PUBLIC_TITLE


def public_title(incident: Incident) -> str:
    """The title stakeholders may see: "" when none was set."""
    return "" if incident.drill else incident.public_title


def published_updates(
    entries: tuple[TimelineEntry, ...] | list[TimelineEntry],
) -> list[PublicUpdate]:
    """The updates that went out, each once, as they stand: a correction takes
    its original's place (text and time); superseded versions are left out."""
    by_id = {e.id: e for e in entries}
    updates = [e for e in entries if e.kind == UPDATE]
    corrected = {e.supersedes for e in updates if e.supersedes is not None}
    standing: dict[int, TimelineEntry] = {}  # the first published id -> its latest version
    for entry in sorted(updates, key=lambda e: e.id):
        if entry.id in corrected:
            continue
        first = entry
        while first.supersedes is not None and first.supersedes in by_id:
            first = by_id[first.supersedes]
        if first.kind != UPDATE:
            continue
        standing[first.id] = entry  # two corrections of one update: the later stands
    rows = sorted(standing.items(), key=lambda kv: (kv[1].occurred_at, kv[0]))
    return [
        PublicUpdate(
            n,
            entry.id,
            first_id,
            entry.occurred_at,
            entry.text,
            entry.recorded_at if entry.id != first_id else None,
        )
        for n, (first_id, entry) in enumerate(rows, 1)
    ]


def public_view(bundle: Bundle) -> PublicIncident | None:
    """The public version of an incident, or None for a drill (a rehearsal
    has nothing to tell stakeholders)."""
    incident = bundle.incident
    if incident.drill:
        return None
    root_cause = bundle.retro.root_cause.strip()
    return PublicIncident(
        id=incident.id,
        title=public_title(incident),
        status=incident.status,
        impact_started_at=incident.impact_started_at,
        impact_ended_at=incident.impact_ended_at,
        closed_at=incident.closed_at,
        updates=tuple(published_updates(bundle.timeline)),
        root_cause=bundle.retro.root_cause if incident.root_cause_public and root_cause else None,
    )
