"""What stakeholders may see of an incident: the one rule every public output
follows (`export --public` as Markdown, JSON and CSV, and any status page).

A public output holds only what was published: the public title (never the
internal one), the stakeholder updates as they stand (each once, its corrected
text in place, superseded versions out), the impact window, the close time and
the status; the root cause only when the team made it public. Nothing else:
no notes, evidence, decisions, changes or their impacts, no names of people,
no whys, action items, checklist, roles, SLA clocks, drafts or hook output.
A drill has no public version. Pure Python, no UI imports.

An update also says what the status page shows with it: the public status
(investigating, identified, monitoring, resolved; an update that names none
keeps the one before) and the state of each component it names (the latest
word on a component counts). A closed incident is resolved and every
component it named is operational again. The page lists only incidents that
have a public title and at least one published update."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.core.errors import UsageError
from warroom.core.model import CLOSED, UPDATE, Bundle, Incident, TimelineEntry
from warroom.core.policy import COMPONENT_STATES, PUBLIC_STATUSES, Policy
from warroom.core.record import record

# What a public output says where a public title would go when none was set.
NO_PUBLIC_TITLE = "(no public title)"
# The only timeline entries published_updates reads: a correction keeps its
# original's kind, so an update and all its corrections are updates.
PUBLISHED_KINDS = (UPDATE,)


@record
class PublicUpdate:
    """One update as stakeholders have it now."""

    number: int  # 1, 2, ... in the order they went out
    entry_id: int  # the timeline entry that stands (the latest correction, if any)
    first_entry_id: int  # the entry that went out first
    published_at: datetime  # when it went out (a correction may have moved it)
    text: str  # the text as it stands, corrections applied
    corrected_at: datetime | None  # when the text was last corrected, if it was
    status: str = "investigating"  # the public status it went out with (or kept)
    components: tuple[tuple[str, str], ...] = ()  # (component id, state) it named


@record
class PublicIncident:
    id: int
    title: str  # the public title; "" when none was set (never the internal one)
    status: str  # "open" or "closed"
    impact_started_at: datetime | None
    impact_ended_at: datetime | None
    closed_at: datetime | None
    updates: tuple[PublicUpdate, ...]
    root_cause: str | None  # only when the team made it public
    priority: str = ""  # what the page's impact follows (P1 critical...)
    public_status: str = "investigating"  # resolved once closed
    components: tuple[tuple[str, str], ...] = ()  # each component it named, as it stands

    @property
    def listed(self) -> bool:
        """Whether a status page lists it: a public title and something published."""
        return bool(self.title) and bool(self.updates)

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
    result, status = [], "investigating"
    for n, (first_id, entry) in enumerate(rows, 1):
        status = entry.data.get("status") or status
        named = entry.data.get("components") or {}
        result.append(
            PublicUpdate(
                n,
                entry.id,
                first_id,
                entry.occurred_at,
                entry.text,
                entry.recorded_at if entry.id != first_id else None,
                status,
                tuple(named.items()) if isinstance(named, dict) else (),
            )
        )
    return result


def public_incident(
    incident: Incident,
    entries: tuple[TimelineEntry, ...] | list[TimelineEntry],
    root_cause: str | None = None,
) -> PublicIncident | None:
    """The public version of an incident from its timeline (None for a drill)."""
    if incident.drill:
        return None
    updates = tuple(published_updates(entries))
    status = updates[-1].status if updates else "investigating"
    components: dict[str, str] = {}
    for update in updates:
        components.update(update.components)
    if incident.status == CLOSED:
        status = "resolved"
        components = dict.fromkeys(components, "operational")
    return PublicIncident(
        id=incident.id,
        title=public_title(incident),
        status=incident.status,
        impact_started_at=incident.impact_started_at,
        impact_ended_at=incident.impact_ended_at,
        closed_at=incident.closed_at,
        updates=updates,
        root_cause=root_cause,
        priority=incident.priority,
        public_status=status,
        components=tuple(components.items()),
    )


def public_states(
    policy: Policy, status: str | None, components: dict[str, str] | None
) -> dict[str, Any]:
    """What an update says on the status page, checked against the policy:
    {"status": ..., "components": {...}} with only what was given."""
    shown: dict[str, Any] = {}
    if status is not None:
        if status not in PUBLIC_STATUSES:
            raise UsageError(
                f"unknown public status {status!r}; choose one of: {', '.join(PUBLIC_STATUSES)}"
            )
        shown["status"] = status
    if components:
        known = [c.id for c in policy.status_page.components]
        for cid, state in components.items():
            if cid not in known:
                listed = ", ".join(known) or "none: add [[status_page.components]] to the policy"
                raise UsageError(f"unknown component {cid!r}; the policy lists: {listed}")
            if state not in COMPONENT_STATES:
                raise UsageError(
                    f"unknown state {state!r} for component {cid}; choose one of: "
                    + ", ".join(COMPONENT_STATES)
                )
        shown["components"] = dict(components)
    return shown


def parse_component(text: str) -> tuple[str, str]:
    """'api=partial_outage' -> ('api', 'partial_outage') (checked later, with the policy)."""
    cid, sep, state = text.partition("=")
    if not sep or not cid.strip() or not state.strip():
        raise UsageError(f"--component {text!r}: give it as ID=STATE, e.g. api=partial_outage")
    return cid.strip(), state.strip().replace("-", "_")


def public_view(bundle: Bundle) -> PublicIncident | None:
    """The public version of an incident, or None for a drill (a rehearsal
    has nothing to tell stakeholders)."""
    incident = bundle.incident
    if incident.drill:
        return None
    root_cause = bundle.retro.root_cause.strip()
    return public_incident(
        incident,
        bundle.timeline,
        bundle.retro.root_cause if incident.root_cause_public and root_cause else None,
    )
