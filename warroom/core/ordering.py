"""The store's ordering and merge rules, as pure functions (no SQL, no I/O).

What comes before what on a timeline, which entry of a fact still stands
once corrections replaced others, where a corrected time may go, what a
correction carries over, and how two edits of the same text are settled.
The store (warroom/store/) reads the rows and writes the outcome; these say
what the outcome is, so they can be tested on their own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from warroom.core.errors import UsageError
from warroom.core.merge import merge3
from warroom.core.model import MILESTONE_EVENTS, Incident, TimelineEntry
from warroom.core.policy import MILESTONE_FIELDS
from warroom.core.timefmt import fmt_time

# Milestones of the response itself: none can come after the incident closed.
BEFORE_CLOSE = ("acknowledge", "triage", "remediate")

# What an edit of a retro text came to, weakest first: the stronger note wins.
EDIT_NOTES = ("", "merged", "kept aside")

# Timeline events that are a change of one thing (a role, a checklist item,
# the stage, the priority), which may be dated in the past and keep their order.
FACT_EVENTS = (
    "role.assign",
    "role.unassign",
    "checklist.tick",
    "checklist.untick",
    "stage.change",
    "priority.change",
)

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# ---------------------------------------------------------------- the order
# The timeline's one order (when it happened, then recording order) is the
# model's order_key; the store reads pages of it with ORDER BY.
def page_of(rows: Sequence[Any], limit: int, forward: bool) -> tuple[list[Any], bool]:
    """A page out of `limit + 1` rows read in the page's direction (forward:
    oldest first; otherwise newest first): the page oldest first, and whether
    there are more beyond it."""
    more = len(rows) > limit
    page = list(rows[:limit])
    return (page if forward else page[::-1]), more


def first_holders(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """role -> who holds it, from (role, person) in the order they were
    assigned: the first holder of a role (the many-holder role's first
    responder) is the one a task names."""
    holders: dict[str, str] = {}
    for role, person in pairs:
        holders.setdefault(role, person)
    return holders


def nocase_key(name: str) -> tuple[str, str]:
    """SQLite's NOCASE order (ASCII letters folded, nothing else), the same on
    every engine; ties in the original spelling."""
    return (name.translate(_ASCII_LOWER), name)


def stronger_note(*notes: str) -> str:
    """Of several edits' notes ("", "merged", "kept aside"), the one to show."""
    return max(notes, key=EDIT_NOTES.index)


# ------------------------------------------------------------- corrections
def shown_states(data: dict[str, Any]) -> dict[str, Any]:
    """What a published update said on the status page (a correction keeps it)."""
    return {k: data[k] for k in ("status", "components") if k in data}


def first_of(entry: TimelineEntry, by_id: dict[int, TimelineEntry]) -> TimelineEntry:
    """The entry a chain of corrections started from (as far as by_id holds it)."""
    root = entry
    while root.supersedes is not None and root.supersedes in by_id:
        root = by_id[root.supersedes]
    return root


def standing_milestone(entries: Iterable[TimelineEntry], clock: str) -> int | None:
    """The standing timeline entry of a milestone (what a move supersedes):
    the latest of its entries, unless that one withdrew it."""
    for entry in reversed(list(entries)):
        if entry.event in MILESTONE_EVENTS and entry.data.get("clock") == clock:
            return entry.id if entry.event != "milestone.withdraw" else None
    return None


# ------------------------------------------------------------------- facts
def fact_key(event: str, data: dict[str, Any], multi_role: str | None) -> tuple[Any, ...] | None:
    """What a fact is a change of: one role (one responder of the many-holder
    role), one checklist item, the stage or the priority; None: not a fact."""
    if event in ("role.assign", "role.unassign"):
        role = data.get("role")
        return ("role", role, data.get("person")) if role == multi_role else ("role", role)
    if event in ("checklist.tick", "checklist.untick"):
        return ("check", data.get("item"))
    if event in ("stage.change", "priority.change"):
        return (event,)
    return None


def standing_facts(
    entries: Sequence[TimelineEntry], key: tuple[Any, ...] | None, multi_role: str | None
) -> list[tuple[int, TimelineEntry]]:
    """The standing entries of one fact in the order they were first recorded
    (a correction takes the place of what it corrects), each with the id of
    the entry it first was. entries: the incident's timeline."""
    by_id = {e.id: e for e in entries}
    superseded = {e.supersedes for e in entries if e.supersedes is not None}
    facts = []
    for e in entries:
        if e.id in superseded or e.event not in FACT_EVENTS:
            continue
        if fact_key(e.event, e.data, multi_role) != key:
            continue
        facts.append((first_of(e, by_id).id, e))
    return sorted(facts, key=lambda f: f[0])


def check_new_fact(
    reported_at: datetime, facts: Sequence[tuple[int, TimelineEntry]], moment: datetime, what: str
) -> None:
    """Refuse a new fact dated before the report or before the last change of
    the same thing (facts: standing_facts of it)."""
    if moment < reported_at:
        raise UsageError(f"{what} cannot be before the reported time")
    if facts and moment < facts[-1][1].occurred_at:
        last = facts[-1][1]
        raise UsageError(
            f"{what} cannot be before the last change of it"
            f" ({fmt_time(last.occurred_at)}: {last.text})"
        )


def check_fact_move(
    reported_at: datetime,
    facts: Sequence[tuple[int, TimelineEntry]],
    entry_id: int,
    at: datetime,
) -> bool:
    """Refuse a corrected time that puts a fact before the report or out of
    order with the changes of the same thing (facts: standing_facts of it).
    True when the entry is the latest change: what the tables now say."""
    if at < reported_at:
        raise UsageError("the corrected time cannot be before the reported time")
    place = next((i for i, (_, e) in enumerate(facts) if e.id == entry_id), None)
    if place is None:
        raise UsageError(
            f"entry {entry_id} has been corrected since: correct its latest correction"
        )
    if place > 0 and at < facts[place - 1][1].occurred_at:
        before = facts[place - 1][1]
        raise UsageError(
            f"the corrected time cannot be before the change recorded before it"
            f" ({fmt_time(before.occurred_at)}: {before.text})"
        )
    if place + 1 < len(facts) and at > facts[place + 1][1].occurred_at:
        after = facts[place + 1][1]
        raise UsageError(
            f"the corrected time cannot be after the change recorded after it"
            f" ({fmt_time(after.occurred_at)}: {after.text})"
        )
    return place == len(facts) - 1


# -------------------------------------------------------------- milestones
def check_milestone_order(incident: Incident, clock: str, moment: datetime) -> None:
    """Refuse a milestone time out of order with the incident's others: the
    response's milestones before the close, nothing before the report but
    the impact's start, the impact's end after its start."""
    if clock == "close":  # the response's milestones all happen before the close
        for name in BEFORE_CLOSE:
            earlier = getattr(incident, MILESTONE_FIELDS[name])
            if earlier is not None and moment < earlier:
                raise UsageError(f"the close cannot come before {name} ({fmt_time(earlier)})")
    elif clock in BEFORE_CLOSE and incident.closed_at and moment > incident.closed_at:
        raise UsageError(f"{clock} cannot come after the close ({fmt_time(incident.closed_at)})")
    if clock == "reported":
        for name, field in MILESTONE_FIELDS.items():
            later = getattr(incident, field)
            if name not in ("reported", "impact-start") and later and later < moment:
                raise UsageError(f"the report cannot come after {name} ({fmt_time(later)})")
        return
    if clock == "impact-start":
        ended = incident.impact_ended_at
        if ended is not None and moment > ended:
            raise UsageError("impact cannot start after it ended")
        return
    if moment < incident.reported_at:
        if clock == "impact-end":
            if incident.impact_started_at is None or moment < incident.impact_started_at:
                raise UsageError("impact cannot end before it started")
            return
        raise UsageError(f"{clock} cannot be before the reported time")


# ------------------------------------------------------------------- edits
def settle_edit(base: str | None, text: str, current: str, limit: int) -> tuple[str, str]:
    """What to store when `text` replaces `current`, edited from `base` (None:
    the editor did not say what it saw), and a note: "" (nothing else changed
    it), "merged" (both edits kept, merged against the base), or "kept aside"
    (they clash, or the merge would pass `limit`: `text` is stored and the
    store keeps `current` in a timeline entry, so nothing is lost)."""
    if current in (text, base) or (base is None and not current.strip()):
        return text, ""
    if base is not None:
        merged = merge3(base, text, current)
        if merged is not None and len(merged) <= limit:
            return merged, "merged"
    return text, "kept aside"


def merge_draft(base: str | None, text: str, current: str, limit: int) -> str | None:
    """The draft saved over someone else's newer version: both edits merged
    against the version this writer started from, or None when they clash,
    the base is unknown, or the merge would pass `limit`."""
    merged = None if base is None else merge3(base, text, current)
    return merged if merged is not None and len(merged) <= limit else None
