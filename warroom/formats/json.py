"""One incident as plain data (dicts, lists, strings, numbers): what `warroom
export --format json` writes and the CLI's --json prints, as JSON text made by
the json module. Pure Python, no UI imports."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from warroom.core.errors import UsageError
from warroom.core.model import (
    ActionItem,
    Board,
    Bundle,
    ChangeRecord,
    Incident,
    Retro,
    TimelineEntry,
    changes,
    chronological,
    superseded_map,
    to_iso,
)
from warroom.core.policy import Policy
from warroom.core.public import PublicIncident, public_view
from warroom.core.sla import clock_states, next_update
from warroom.core.templates import draft_text
from warroom.core.text import visible
from warroom.core.timefmt import fmt_time, local_zone, zone_label

EXPORT_SCHEMA_VERSION = 1


def iso(moment: datetime | None) -> str | None:
    return to_iso(moment) if moment else None


def incident_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "category": incident.category,
        "priority": incident.priority,
        "stage": incident.stage,
        "status": incident.status,
        "drill": incident.drill,
        "reported_at": iso(incident.reported_at),
        "declared_at": iso(incident.declared_at),
        "declared_by": incident.declared_by,
        "acknowledged_at": iso(incident.acknowledged_at),
        "triaged_at": iso(incident.triaged_at),
        "remediated_at": iso(incident.remediated_at),
        "retro_at": iso(incident.retro_at),
        "closed_at": iso(incident.closed_at),
        "resolution": incident.resolution,
        "last_update_at": iso(incident.last_update_at),
        "impact_started_at": iso(incident.impact_started_at),
        "impact_ended_at": iso(incident.impact_ended_at),
    }


def clocks_list(policy: Policy, incident: Incident, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "clock": c.name,
            "budget_seconds": int(c.budget.total_seconds()),
            "deadline": iso(c.deadline),
            "state": c.state,
            "remaining_seconds": int(c.remaining.total_seconds()),
            "stopped_at": iso(c.stopped_at),
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
                "at": iso(board.checklist[item.id].at) if item.id in board.checklist else None,
            }
            for item in policy.checklist
        ],
        "clocks": clocks_list(policy, incident, now),
        "next_update_due": iso(due.due_at) if due else None,
        "next_update_state": due.state if due else None,
        "draft": {  # the draft as `warroom draft` shows it
            "text": draft_text(policy, incident, board.draft.text, now, board.draft.version > 0),
            "version": board.draft.version,
        },
        "as_of": to_iso(now),
    }


def entry_dict(
    entry: TimelineEntry, superseded_by: dict[int, list[int]] | None = None
) -> dict[str, Any]:
    later = (superseded_by or {}).get(entry.id, [])
    return {
        "id": entry.id,
        "kind": entry.kind,
        "text": entry.text,
        "actor": entry.actor,
        "occurred_at": iso(entry.occurred_at),
        "recorded_at": iso(entry.recorded_at),
        "public": entry.public,
        "supersedes": entry.supersedes,
        "superseded_by": later[-1] if later else None,
        "corrected_by": entry.corrected_by or None,  # actor stays who said or did it
        "backfilled": entry.backfilled,
        "data": entry.data,
    }


def entry_marks(
    entry: TimelineEntry, superseded_by: dict[int, list[int]], utc: bool = True
) -> list[str]:
    """What every view says beside an entry: what it corrects, what corrects it,
    and that it was written well after it happened (utc False: in the zone the
    view shows its other times in)."""
    marks = []
    if entry.supersedes is not None:
        corrector = entry.corrected_by
        by = f" by {corrector}" if corrector and corrector != entry.actor else ""
        marks.append(f"correction of #{entry.supersedes}{by}")
    later = superseded_by.get(entry.id)
    if later:
        marks.append(f"superseded by {', '.join(f'#{i}' for i in later)}")
    if entry.backfilled:
        marks.append(f"written later: {fmt_time(entry.first_recorded_at, utc=utc)}")
    return marks


def checklist_rows(policy: Policy, board: Board) -> list[dict[str, Any]]:
    """Every policy item with its state, then any state whose item the policy lost."""
    rows = []
    known = set()
    for item in policy.checklist:
        known.add(item.id)
        state = board.checklist.get(item.id)
        rows.append(_check_row(item.id, item.group, item.text, state))
    for item_id in sorted(set(board.checklist) - known):
        rows.append(_check_row(item_id, None, None, board.checklist[item_id]))
    return rows


def _check_row(item_id: str, group: str | None, text: str | None, state) -> dict[str, Any]:
    return {
        "id": item_id,
        "group": group,
        "text": text,
        "ticked": bool(state and state.ticked),
        "by": state.by if state else None,
        "at": iso(state.at) if state else None,
    }


def action_dict(item: ActionItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "owner": item.owner,
        "due": item.due.isoformat() if item.due else None,
        "ticket": item.ticket,
        "status": item.status,
        "created_by": item.created_by,
        "created_at": iso(item.created_at),
        "completed_at": iso(item.completed_at),
    }


def export_dict(bundle: Bundle, policy: Policy, public: bool, now: datetime) -> dict[str, Any]:
    """Everything the store holds about the incident, as plain data; public:
    only what was published (public.py's rule)."""
    if public:
        return public_dict(public_version(bundle), now)
    board, incident, retro = bundle.board, bundle.incident, bundle.retro
    due = next_update(policy, incident, now)
    draft = board.draft
    entries = chronological(bundle.timeline)
    later = superseded_map(entries)
    return {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "exported_at": to_iso(now),
        "public": False,
        "incident": {
            **incident_dict(incident),
            "public_title": incident.public_title,
            "root_cause": incident.root_cause,
            "root_cause_public": incident.root_cause_public,
        },
        "roles": [
            {
                "role": h.role,
                "person": h.person,
                "assigned_by": h.assigned_by,
                "assigned_at": iso(h.assigned_at),
                "previous": h.previous,
            }
            for h in board.roles
        ],
        "checklist": checklist_rows(policy, board),
        "clocks": clocks_list(policy, incident, now),
        "next_update_due": iso(due.due_at) if due else None,
        "draft": {
            "text": draft.text,
            "version": draft.version,
            "updated_by": draft.updated_by,
            "updated_at": iso(draft.updated_at),
        },
        "key_times": key_times_list(incident),
        "time_zone": zone_name(),
        "timeline": [entry_dict(e, later) for e in entries],
        "changes": [_change_dict(c) for c in changes(bundle.timeline)],
        "retro": retro_dict(retro),
        "tasks": [task_dict(t) for t in bundle.tasks],
    }


def task_dict(task) -> dict[str, Any]:
    """A task as the record keeps it: its owner, due time, and when it was
    done or skipped (and by whom, and why)."""
    return {
        "id": task.id,
        "runbook": task.runbook or None,
        "task": task.key or None,
        "occurrence": task.occurrence,
        "title": task.title,
        "role": task.role or None,
        "owner": task.owner or None,
        "assignee": task.assignee or None,
        "due_at": iso(task.due_at),
        "status": task.status,
        "note": task.note,
        "done_at": iso(task.changed_at) if task.status == "done" else None,
        "skipped_at": iso(task.changed_at) if task.status == "skipped" else None,
        "changed_by": task.changed_by or None,
        "on_time": task.on_time,
    }


def retro_dict(retro: Retro) -> dict[str, Any]:
    return {
        "whys": [
            {
                "position": w.position,
                "question": w.question,
                "answer": w.answer,
                "updated_by": w.updated_by,
                "updated_at": iso(w.updated_at),
            }
            for w in retro.whys
        ],
        "root_cause": retro.root_cause,
        "action_items": [action_dict(a) for a in retro.actions],
    }


def _change_dict(change: ChangeRecord) -> dict[str, Any]:
    return {
        "entry": change.entry.id,
        "text": change.entry.text,
        "occurred_at": iso(change.entry.occurred_at),
        "applied_by": change.entry.data.get("applied_by", change.entry.actor),
        "by_change_owner": change.by_change_owner,
        "impact": change.impact or None,
        "impact_note": change.impact_note,
    }


def public_version(bundle: Bundle) -> PublicIncident:
    view = public_view(bundle)
    if view is None:
        raise UsageError(f"incident {bundle.incident.id} is a drill: it has no public version")
    return view


def public_dict(view: PublicIncident, now: datetime) -> dict[str, Any]:
    """The public version as plain data: nothing but what public.py lets out."""
    return {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "exported_at": to_iso(now),
        "public": True,
        "incident": {
            "id": view.id,
            "title": view.title or None,
            "status": view.status,
            "impact_started_at": iso(view.impact_started_at),
            "impact_ended_at": iso(view.impact_ended_at),
            "closed_at": iso(view.closed_at),
            "root_cause": view.root_cause,
        },
        "updates": [
            {
                "number": u.number,
                "published_at": iso(u.published_at),
                "text": u.text,
                "corrected_at": iso(u.corrected_at),
            }
            for u in view.updates
        ],
    }


# What the postmortem measures, each from its own start: (name, from, to).
# Detection runs from the first impact to the report; the impact itself from
# the first impact (the report, if that is unknown) to its end; the rest from
# the report, as the SLA clocks do.
KEY_TIMES = (
    ("detect", "impact_started_at", "reported_at"),
    ("acknowledge", "reported_at", "acknowledged_at"),
    ("triage", "reported_at", "triaged_at"),
    ("mitigate", "reported_at", "impact_ended_at"),
    ("remediate", "reported_at", "remediated_at"),
    ("close", "reported_at", "closed_at"),
    ("impact", "impact_or_report", "impact_ended_at"),
)
_START_LABEL = {
    "impact_started_at": "impact started",
    "reported_at": "reported",
    "impact_or_report": "impact started",
}


def _start_of(incident: Incident, field: str) -> tuple[datetime | None, str]:
    if field == "impact_or_report":
        if incident.impact_started_at is not None:
            return incident.impact_started_at, "impact started"
        return incident.reported_at, "reported"
    return getattr(incident, field), _START_LABEL[field]


def key_times_list(incident: Incident) -> list[dict[str, Any]]:
    """Time to detect, acknowledge, triage, mitigate, remediate and close, and how
    long the impact lasted: whole minutes (and seconds) from each one's start."""
    rows = []
    for name, start_field, end_field in KEY_TIMES:
        start, start_label = _start_of(incident, start_field)
        end = getattr(incident, end_field)
        seconds = int((end - start).total_seconds()) if start and end else None
        rows.append(
            {
                "measure": name,
                "from": start_label,
                "from_at": iso(start),
                "to_at": iso(end),
                "seconds": seconds,
                "minutes": None if seconds is None else seconds // 60,
            }
        )
    return rows


def zone_name() -> str:
    return getattr(local_zone(), "key", None) or zone_label()


def json_text(data: Any) -> str:
    """JSON that is safe to print: readable Unicode, but every character a
    terminal would act on (C1 controls, bidi, zero-width) as a \\u escape, so
    the data is exact and `cat` shows nothing hidden."""
    text = _indented(data)  # json.dumps(data, ensure_ascii=False, indent=2), faster
    shown = visible(text, multiline=True)  # one for one, so the two line up
    if shown != text:
        pairs = zip(text, shown, strict=True)
        text = "".join(a if a == b else f"\\u{ord(a):04x}" for a, b in pairs)
    return text


def _indented(data: Any) -> str:
    """The same text as json.dumps(data, ensure_ascii=False, indent=2), whose
    indenting runs the json module's pure-Python encoder: here strings go
    through the json module's C escaping and the layout is joined once (an
    export of 10,000 entries is a third of a million values)."""
    out: list[str] = []
    _emit(data, "\n", out)
    return "".join(out)


_STRING = json.encoder.encode_basestring  # C: how dumps writes a str (ensure_ascii=False)
_ONE = json.JSONEncoder(ensure_ascii=False).encode  # anything else, as dumps writes it
_CONSTANTS = {True: "true", False: "false", None: "null"}


def _emit(value: Any, newline: str, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(_STRING(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        opening = "{" + inner
        for key, item in value.items():
            if type(key) is not str:  # as dumps: a number or constant as its text
                key = _CONSTANTS[key] if key is None or type(key) is bool else _ONE(key)
            out.append(opening + _STRING(key) + ": ")
            opening = "," + inner
            _emit(item, inner, out)
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        opening = "[" + inner
        for item in value:
            out.append(opening)
            opening = "," + inner
            _emit(item, inner, out)
        out.append(newline + "]")
    elif kind is int:
        out.append(int.__repr__(value))
    elif value is None or kind is bool:
        out.append(_CONSTANTS[value])
    elif isinstance(value, str):  # subclasses, as dumps takes them
        out.append(_STRING(value))
    elif isinstance(value, dict):
        _emit(dict(value), newline, out)
    elif isinstance(value, list | tuple):
        _emit(list(value), newline, out)
    elif isinstance(value, int) and not isinstance(value, bool):
        out.append(int.__repr__(value))
    else:  # floats (nan and infinity as dumps writes them); others raise as dumps does
        out.append(_ONE(value))
