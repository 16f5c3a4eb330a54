"""Plain domain objects the store hands out. Frozen: the store holds the truth.
(Records, not dataclasses: every CLI verb defines them at start; see record.py.)"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, overload

from warroom.core.record import field, record

# What a person writes on the timeline.
NOTE_KINDS = ("note", "evidence", "decision", "change")
# What warroom writes itself: role changes, ticks, milestones, priority...
SYSTEM = "system"
# A stakeholder update as published by the communicator.
UPDATE = "update"
ENTRY_KINDS = (*NOTE_KINDS, SYSTEM, UPDATE)

OPEN = "open"
CLOSED = "closed"

# What a change did, as the scribe records it afterwards.
IMPACTS = ("helped", "no effect", "made it worse", "unknown")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """UTC ISO-8601 with a fixed width, so stored strings sort in time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@overload
def from_iso(text: str) -> datetime: ...
@overload
def from_iso(text: None) -> None: ...
@overload
def from_iso(text: str | None) -> datetime | None: ...
def from_iso(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = _parse_iso(text)  # a module global: the report parses thousands at once
    # A time written without a zone (by hand, or an old tool) is UTC, as ours are.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_parse_iso = datetime.fromisoformat


# Timeline events that set a milestone's time: a move or a withdrawal supersedes the last.
MILESTONE_EVENTS = ("milestone", "milestone.move", "milestone.withdraw", "incident.close")

# An entry written this long after the time it is about is marked as written later.
BACKFILL_AFTER = timedelta(minutes=1)


@record
class Incident:
    id: int
    title: str
    category: str
    priority: str
    stage: str
    status: str
    reported_at: datetime
    declared_at: datetime
    declared_by: str
    acknowledged_at: datetime | None = None
    triaged_at: datetime | None = None
    remediated_at: datetime | None = None
    retro_at: datetime | None = None
    closed_at: datetime | None = None
    resolution: str = ""
    last_update_at: datetime | None = None
    root_cause: str = ""
    revision: int = 0
    impact_started_at: datetime | None = None
    impact_ended_at: datetime | None = None
    drill: bool = False  # a rehearsal: kept out of the figures, never pages by default
    # What stakeholders see it called: never the internal title (which may name
    # a customer or an attacker); "" until someone sets it.
    public_title: str = ""
    root_cause_public: bool = False  # the team chose to tell stakeholders the root cause

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


@record
class TimelineEntry:
    id: int
    incident_id: int
    kind: str
    text: str
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    public: bool = False
    supersedes: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def event(self) -> str:
        """For system entries, what happened: 'role.assign', 'checklist.tick'..."""
        return str(self.data.get("event", ""))

    @property
    def corrected_by(self) -> str:
        """Who wrote this correction ("" for an entry that corrects nothing):
        actor stays whoever said or did what it corrects."""
        return self.data.get("corrected_by", "") if self.supersedes is not None else ""

    @property
    def first_recorded_at(self) -> datetime | None:
        """When what this entry says was first written down: a correction
        carries the time of the entry it corrects (None for a correction made
        before corrections carried it)."""
        if self.supersedes is None:
            return self.recorded_at
        return from_iso(self.data.get("first_recorded_at"))

    @property
    def backfilled(self) -> bool:
        """Written well after it happened (a scribe catching up, a replay). A
        correction is written later by nature: it is marked by when what it
        corrects was first written down, measured against the time it now says."""
        first = self.first_recorded_at
        return first is not None and first - self.occurred_at >= BACKFILL_AFTER


@record
class TimelinePage:
    """Part of a long timeline, in its order: `more` says the store holds
    entries beyond it (on the side it was read towards); `latest_id` is the
    newest id recorded for the incident when it was read; `replaced_by` maps
    the page's corrected entries to their newest correction."""

    entries: list[TimelineEntry]
    more: bool
    latest_id: int
    replaced_by: dict[int, int]


def order_key(entry: TimelineEntry) -> tuple[datetime, int]:
    """The one order of every view: when it happened, ties in recording order."""
    return (entry.occurred_at, entry.id)


def chronological(entries: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    return sorted(entries, key=order_key)


def superseded_map(entries: Iterable[TimelineEntry]) -> dict[int, list[int]]:
    """entry id -> the ids of the entries that correct it."""
    later: dict[int, list[int]] = {}
    for e in entries:
        if e.supersedes is not None:
            later.setdefault(e.supersedes, []).append(e.id)
    return later


@record
class RoleHolder:
    role: str
    person: str
    assigned_by: str
    assigned_at: datetime
    previous: str | None = None


@record
class CheckState:
    item_id: str
    ticked: bool
    by: str
    at: datetime


@record
class Draft:
    text: str
    version: int
    updated_by: str
    updated_at: datetime | None
    note: str = ""  # set by a save: "merged with v7 by bob"


@record
class DraftVersion:
    """One saved version of the draft, kept in its history."""

    version: int
    text: str
    saved_by: str
    saved_at: datetime | None
    note: str  # how it came about: "", "merged with v7 by bob", "kept aside v7 by bob"


@record
class Board:
    """Everything the war room shows for one incident, read in one snapshot."""

    incident: Incident
    roles: tuple[RoleHolder, ...]
    checklist: dict[str, CheckState]
    draft: Draft

    def holders(self, role: str) -> list[RoleHolder]:
        return [r for r in self.roles if r.role == role]

    def holder(self, role: str) -> str | None:
        held = self.holders(role)
        return held[0].person if held else None

    @property
    def ticked(self) -> list[str]:
        return [i for i, s in self.checklist.items() if s.ticked]

    def roles_of(self, person: str) -> tuple[str, ...]:
        """The roles `person` holds, each once, in the board's order."""
        return tuple(dict.fromkeys(r.role for r in self.roles if r.person == person))

    def handed_to(self, person: str, before: Board) -> list[RoleHolder]:
        """Roles someone else gave `person` since `before`: the ones to tell them of."""
        had = set(before.roles_of(person))
        return [
            r
            for r in self.roles
            if r.person == person and r.role not in had and r.assigned_by != person
        ]


@record
class RetroText:
    """A retro text as saved: note says it was "merged" with an edit made
    meanwhile, or that the other one was "kept aside" (in a timeline entry)."""

    text: str
    note: str = ""


@record
class Why:
    """One level of the five whys: a question and the answer that feeds the next."""

    position: int
    question: str
    answer: str
    updated_by: str
    updated_at: datetime | None
    note: str = ""  # on a save: "merged" with, or "kept aside", an edit made meanwhile


ACTION_OPEN = "open"
ACTION_DONE = "done"


@record
class ActionItem:
    id: int
    incident_id: int
    title: str
    owner: str
    due: date | None
    ticket: str
    status: str
    created_by: str
    created_at: datetime
    completed_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.status == ACTION_DONE


@record
class Retro:
    whys: tuple[Why, ...]
    root_cause: str
    actions: tuple[ActionItem, ...]


@record
class Bundle:
    """Everything the store holds about one incident: what exports are made from."""

    board: Board
    timeline: tuple[TimelineEntry, ...]
    retro: Retro
    tasks: tuple[Task, ...] = ()

    @property
    def incident(self) -> Incident:
        return self.board.incident


def replay(entries: list[TimelineEntry]) -> tuple[dict[str, set[str]], set[str]]:
    """Rebuild the role board and ticked checklist items from the timeline alone.

    The store keeps current state in its own tables; this is the audit check
    that those tables say what the log says."""
    roles: dict[str, set[str]] = {}
    ticked: set[str] = set()
    by_id = {e.id: e for e in entries}
    superseded = {e.supersedes for e in entries if e.supersedes is not None}

    def first(entry: TimelineEntry) -> int:
        # A correction stands where what it corrects was first recorded.
        while entry.supersedes is not None and entry.supersedes in by_id:
            entry = by_id[entry.supersedes]
        return entry.id

    standing = [e for e in entries if e.id not in superseded]
    for entry in sorted(standing, key=first):
        event, data = entry.event, entry.data
        if event == "role.assign":
            holders = roles.setdefault(data["role"], set())
            if data.get("single"):
                holders.clear()
            holders.add(data["person"])
        elif event == "role.unassign":
            roles.get(data["role"], set()).discard(data["person"])
        elif event == "checklist.tick":
            ticked.add(data["item"])
        elif event == "checklist.untick":
            ticked.discard(data["item"])
    return {r: p for r, p in roles.items() if p}, ticked


@record
class ChangeRecord:
    """A change applied during the response, who applied it and what it did."""

    entry: TimelineEntry
    by_change_owner: bool | None  # None: no change owner was assigned then
    impact: str = ""  # one of IMPACTS once recorded
    impact_note: str = ""
    impact_by: str = ""


def changes(entries: list[TimelineEntry] | tuple[TimelineEntry, ...]) -> list[ChangeRecord]:
    """The changes on a timeline (corrections replace what they supersede),
    each with the latest impact recorded for it, in the order they happened."""
    superseded = {e.supersedes for e in entries if e.supersedes is not None}
    by_id = {e.id: e for e in entries}
    impacts: dict[int, TimelineEntry] = {}  # change id -> its latest impact entry
    for entry in sorted(entries, key=lambda e: e.id):
        if entry.event == "change.impact":
            impacts[entry.data["change"]] = entry
    records: list[ChangeRecord] = []
    for entry in entries:
        if entry.kind != "change" or entry.id in superseded:
            continue
        # An impact given to an original still holds for its correction.
        chain: list[int] = []
        cur: TimelineEntry | None = entry
        while cur is not None:
            chain.append(cur.id)
            cur = by_id.get(cur.supersedes) if cur.supersedes is not None else None
        impact = max((impacts[i] for i in chain if i in impacts), key=lambda e: e.id, default=None)
        records.append(
            ChangeRecord(
                entry,
                entry.data.get("by_change_owner"),
                impact.data["impact"] if impact else "",
                impact.data.get("note", "") if impact else "",
                impact.actor if impact else "",
            )
        )
    return sorted(records, key=lambda r: (r.entry.occurred_at, r.entry.id))


# ------------------------------------------------------------- the intake
# A proposal is what monitoring suggests; a person accepts, declines or merges it.
PROPOSED, ACCEPTED, DECLINED, MERGED = "proposed", "accepted", "declined", "merged"
FIRING, RESOLVED = "firing", "resolved"


@record
class IncomingAlert:
    """One alert as a sender reported it, mapped from its payload (intake/mappers.py)."""

    source: str  # alertmanager, grafana, pagerduty
    group_key: str  # what groups alerts into one proposal
    fingerprint: str  # the sender's own key of the alert
    status: str  # firing or resolved
    starts_at: datetime
    ends_at: datetime | None
    labels: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    url: str = ""
    # Keyed by its start (Alertmanager, Grafana); False: by its key alone, the
    # latest alert of that key (PagerDuty's dedup_key; a resolve has no start).
    by_start: bool = True


@record
class Proposal:
    id: int
    source: str
    group_key: str
    status: str
    title: str
    labels: dict[str, str]
    first_seen: datetime
    last_seen: datetime
    started_at: datetime | None  # the earliest start of its alerts
    alerts: int
    firing: int
    incident_id: int | None = None
    decided_by: str = ""
    decided_at: datetime | None = None
    reason: str = ""


@record
class AlertRecord:
    id: int
    source: str
    fingerprint: str
    status: str
    starts_at: datetime
    last_started_at: datetime
    ends_at: datetime | None
    fires: int
    proposal_id: int | None
    labels: dict[str, str]
    summary: str
    url: str


@record
class Ingested:
    """What one request changed: stored (new or changed alerts), duplicates
    (nothing to change), and the proposals it touched."""

    stored: int = 0
    duplicates: int = 0
    proposals: tuple[int, ...] = ()


# A task of the incident (from a runbook, or added by hand).
TASK_OPEN = "open"
TASK_STARTED = "in progress"
TASK_DONE = "done"
TASK_SKIPPED = "skipped"
TASK_STATES = (TASK_OPEN, TASK_STARTED, TASK_DONE, TASK_SKIPPED)
NO_LONGER_APPLIES = "no longer applies"


@record
class Task:
    id: int
    incident_id: int
    runbook: str  # the runbook's id; "" for a task added by hand
    key: str  # the runbook task's id ("" for a task added by hand)
    occurrence: int  # a repeating task's round, from 1
    title: str
    description: str
    command: str  # to copy: shown, never run
    role: str  # whoever holds it owns the task, unless someone took it
    assignee: str  # who took (or was given) the task; "" follows the role
    owner: str  # who owns it now: the assignee, else the role's holder ("" nobody)
    due_at: datetime | None
    status: str
    note: str
    changed_by: str
    changed_at: datetime | None
    created_by: str
    created_at: datetime
    every: timedelta | None = None
    until: str = ""
    after: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in (TASK_OPEN, TASK_STARTED)

    @property
    def touched(self) -> bool:
        """Someone changed it (a state, an owner): never taken away again."""
        return bool(self.changed_by) and self.note != NO_LONGER_APPLIES

    @property
    def on_time(self) -> bool | None:
        """Done by its due time (None: not done, or never due)."""
        if self.status != TASK_DONE or self.due_at is None or self.changed_at is None:
            return None
        return self.changed_at <= self.due_at
