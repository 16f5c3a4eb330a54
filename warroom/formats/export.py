"""Exports of one incident: plain data for JSON, the retro document in Markdown,
action items as CSV, and writing a file atomically. Pure Python, no UI imports."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import re
import stat
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from warroom.core.errors import UsageError, WarroomError
from warroom.core.model import (
    UPDATE,
    ActionItem,
    Board,
    Bundle,
    ChangeRecord,
    Draft,
    Incident,
    Retro,
    TimelineEntry,
    changes,
    chronological,
    superseded_map,
    to_iso,
)
from warroom.core.policy import Policy
from warroom.core.public import PublicIncident, public_view, published_updates
from warroom.core.record import replace
from warroom.core.sla import MET, MISSED, STOPPED, ClockState, clock_states, margin, next_update
from warroom.core.templates import draft_text
from warroom.core.text import BIDI, JOINERS, ZERO_WIDTH, csv_cell, one_line, visible
from warroom.core.timefmt import fmt_duration, fmt_time, local_zone, span, zone_label

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
        "drill": incident.drill,
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
        "impact_started_at": _iso(incident.impact_started_at),
        "impact_ended_at": _iso(incident.impact_ended_at),
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
        "occurred_at": _iso(entry.occurred_at),
        "recorded_at": _iso(entry.recorded_at),
        "public": entry.public,
        "supersedes": entry.supersedes,
        "superseded_by": later[-1] if later else None,
        "corrected_by": entry.corrected_by or None,  # actor stays who said or did it
        "backfilled": entry.backfilled,
        "data": entry.data,
    }


# ------------------------------------------------------------------ escaping
# Markdown is built from user text in two shapes: one line (table cells, list
# items, headings) and a block of lines (updates, root cause, resolution).
# Both make controls visible and escape everything that could open markup.

_NEWLINE_MARK = " \u23ce "
# Controls, direction changes and invisible characters as visible pictures, by
# text.visible's own rules; line separators as newlines (then shown as ⏎).
_UNSAFE = re.compile(
    "[\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029"
    + "".join(chr(code) for code in (*BIDI, *ZERO_WIDTH))
    + JOINERS
    + "]"
)
_SEPARATORS = re.compile("[\u2028\u2029]")
# Backslash first. Code spans, emphasis, links and images, table cells,
# strikethrough and math get a backslash; HTML gets entities, which every
# Markdown dialect honours (not every one honours a backslash before `<`).
_ESCAPES = (
    *((ch, "\\" + ch) for ch in "\\`*[]|~$"),
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ("\n", _NEWLINE_MARK),
)
# An underscore opens or closes emphasis unless it sits between two letters or
# digits (snake_case stays readable).
_UNDERSCORE = re.compile(r"_(?:(?![^\W_])|(?<![^\W_]_))")
# Block markers that only count at the start of a line: headings, list items,
# setext underlines and thematic breaks (`*`, `>` and `|` are escaped anywhere).
_LINE_START = re.compile(r"^([ \u00a0]*)(?:([#+=\-])|(\d{1,9})([.)]))")


def _line_start(match: re.Match[str]) -> str:
    if match.group(2):
        return f"{match.group(1)}\\{match.group(2)}"
    return f"{match.group(1)}{match.group(3)}\\{match.group(4)}"


def md_inline(text: str, line_start: bool = False) -> str:
    """User text as one inert Markdown line: no cell, code span, link, HTML tag
    or emphasis of its own, newlines shown as ⏎ and controls as pictures.

    With line_start, also the block markers that count where a line begins.
    Readable: `-`, `.`, `#` and `(` only get a backslash where they mean
    something. And fast: one C-level pass per character that is present,
    which is most often none."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if _UNSAFE.search(text):
        text = _SEPARATORS.sub("\n", text)
        text = "\n".join(visible(line) for line in text.split("\n"))
    for char, escaped in _ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    if "_" in text:
        text = _UNDERSCORE.sub(r"\\_", text)
    if line_start:
        text = _LINE_START.sub(_line_start, text, count=1)
    return text


def md_block(text: str, prefix: str = "") -> list[str]:
    """User text of several lines as Markdown lines that keep the line breaks
    (hard breaks) and the indentation but cannot start markup of their own.

    Each returned line starts with `prefix` ("> " for a blockquote)."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    raw_lines = raw.replace("\u2029", "\n").expandtabs(4).split("\n")
    while raw_lines and not raw_lines[-1].strip():
        raw_lines.pop()
    while raw_lines and not raw_lines[0].strip():
        raw_lines.pop(0)
    lines: list[str] = []
    for n, line in enumerate(raw_lines):
        line = line.rstrip()
        if not line:
            lines.append(prefix.rstrip())
            continue
        body = line.lstrip(" ")
        # Leading spaces as no-break spaces: kept on screen, never a code block.
        indent = "\u00a0" * (len(line) - len(body))
        escaped = indent + md_inline(body, line_start=True)
        following = raw_lines[n + 1].strip() if n + 1 < len(raw_lines) else ""
        if following:
            escaped += "\\"  # a hard line break: the text's own lines stay lines
        lines.append(prefix + escaped)
    return lines or [prefix + "_(empty)_"]


def md_heading_text(text: str) -> str:
    """Text for an ATX heading: a trailing `#` would be taken as its closing."""
    return md_inline(text).replace("#", "\\#")


# --------------------------------------------------------------- time words
def _local(moment: datetime | None) -> str:
    """'2026-11-28 14:05:09 CET': a stored time the zone cannot hold shows in UTC."""
    return fmt_time(moment)


def _utc(moment: datetime | None) -> str:
    return fmt_time(moment, utc=True)


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
        written = _utc(entry.first_recorded_at) if utc else _local(entry.first_recorded_at)
        marks.append(f"written later: {written}")
    return marks


def _signed(seconds: int) -> str:
    return ("−" if seconds < 0 else "") + span(timedelta(seconds=seconds))


def _since(start: datetime, moment: datetime | None) -> str:
    if moment is None:
        return "—"
    delta = moment - start
    sign = "−" if delta < timedelta(0) else "+"
    return f"{sign}{fmt_duration(delta)}"  # '+8 years, 1 month and 15 days', not '+2966d'


# ----------------------------------------------------------------- helpers
def _visible_entries(bundle: Bundle) -> list[TimelineEntry]:
    """The timeline in the order things happened (the internal documents only)."""
    return chronological(bundle.timeline)


def _checklist(policy: Policy, board: Board) -> list[dict[str, Any]]:
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
        "at": _iso(state.at) if state else None,
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
        "created_at": _iso(item.created_at),
        "completed_at": _iso(item.completed_at),
    }


# -------------------------------------------------------------------- JSON
def export_dict(bundle: Bundle, policy: Policy, public: bool, now: datetime) -> dict[str, Any]:
    """Everything the store holds about the incident, as plain data; public:
    only what was published (public.py's rule)."""
    if public:
        return public_dict(_public(bundle), now)
    board, incident, retro = bundle.board, bundle.incident, bundle.retro
    due = next_update(policy, incident, now)
    draft = board.draft
    entries = _visible_entries(bundle)
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
                "assigned_at": _iso(h.assigned_at),
                "previous": h.previous,
            }
            for h in board.roles
        ],
        "checklist": _checklist(policy, board),
        "clocks": clocks_list(policy, incident, now),
        "next_update_due": _iso(due.due_at) if due else None,
        "draft": {
            "text": draft.text,
            "version": draft.version,
            "updated_by": draft.updated_by,
            "updated_at": _iso(draft.updated_at),
        },
        "key_times": key_times_list(incident),
        "time_zone": _zone_name(),
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
        "due_at": _iso(task.due_at),
        "status": task.status,
        "note": task.note,
        "done_at": _iso(task.changed_at) if task.status == "done" else None,
        "skipped_at": _iso(task.changed_at) if task.status == "skipped" else None,
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
                "updated_at": _iso(w.updated_at),
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
        "occurred_at": _iso(change.entry.occurred_at),
        "applied_by": change.entry.data.get("applied_by", change.entry.actor),
        "by_change_owner": change.by_change_owner,
        "impact": change.impact or None,
        "impact_note": change.impact_note,
    }


# ------------------------------------------------------------------ public
def _public(bundle: Bundle) -> PublicIncident:
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
            "impact_started_at": _iso(view.impact_started_at),
            "impact_ended_at": _iso(view.impact_ended_at),
            "closed_at": _iso(view.closed_at),
            "root_cause": view.root_cause,
        },
        "updates": [
            {
                "number": u.number,
                "published_at": _iso(u.published_at),
                "text": u.text,
                "corrected_at": _iso(u.corrected_at),
            }
            for u in view.updates
        ],
    }


PUBLIC_CSV_FIELDS = ("update", "published_at", "text", "corrected_at")


def render_public_csv(view: PublicIncident) -> str:
    """The published updates, one row each (action items are never public)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PUBLIC_CSV_FIELDS)
    for u in view.updates:
        writer.writerow(
            [u.number, _iso(u.published_at), csv_cell(u.text), _iso(u.corrected_at) or ""]
        )
    return out.getvalue()


def _when(moment: datetime) -> str:
    local, utc = _local(moment), _utc(moment)
    return local if local == utc else f"{local} ({utc})"


def render_public_markdown(view: PublicIncident, now: datetime) -> str:
    """What stakeholders were told, as a document: the public title, the status,
    the impact window and the close, and each published update as it stands."""
    title = md_heading_text(view.title) if view.title else md_inline(view.shown_title)
    lines = [f"# Incident {view.id}: {title}", ""]
    lines.append("> **Public version:** only what was published to stakeholders.")
    lines.append("")
    start, end = view.impact_started_at, view.impact_ended_at
    if start is None and end is None:
        impact = "not recorded"
    elif end is None:
        impact = f"from {_when(start)}, end not recorded"
    elif start is None:
        impact = f"until {_when(end)} (start not recorded)"
    else:
        impact = f"from {_when(start)} until {_when(end)}"
    lines += [
        f"- **Status:** {md_inline(view.status)}",
        f"- **Impact:** {impact}",
        f"- **Closed:** {_when(view.closed_at) if view.closed_at else 'not yet'}",
        f"- **Exported:** {_when(now)}",
    ]
    _section(lines, "Updates")
    if not view.updates:
        lines.append("_No update was published._")
    for u in view.updates:
        if u.number > 1:
            lines.append("")
        lines.append(f"### Update {u.number} — {_when(u.published_at)}")
        lines.append("")
        lines += md_block(u.text, prefix="> ")
        if u.corrected_at is not None:
            lines.append("")
            lines.append(f"_Corrected {_when(u.corrected_at)}._")
    if view.root_cause is not None:
        _section(lines, "Root cause")
        lines += md_block(view.root_cause)
    lines.append("")
    lines.append(
        f"_Exported by warroom from incident {view.id}. Local times are in "
        f"{md_inline(_zone_name())}, the exporting machine's time zone._"
    )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------- CSV
CSV_FIELDS = ("id", "title", "owner", "due", "ticket", "status")


def render_csv(bundle: Bundle) -> str:
    """The action items, one row each, for import into a ticketing system."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for item in bundle.retro.actions:
        due = item.due.isoformat() if item.due else ""
        cells = [item.title, item.owner, due, item.ticket, item.status]
        writer.writerow([item.id, *(csv_cell(c) for c in cells)])
    return out.getvalue()


# ---------------------------------------------------------------- Markdown
_MILESTONES = (
    ("Impact started", "impact_started_at"),
    ("Reported", "reported_at"),
    ("Declared", "declared_at"),
    ("Acknowledged", "acknowledged_at"),
    ("Triaged", "triaged_at"),
    ("Impact ended (mitigated)", "impact_ended_at"),
    ("Remediated", "remediated_at"),
    ("Closed", "closed_at"),
    ("Retro held", "retro_at"),
)


def _clock_result(c: ClockState) -> tuple[str, str]:
    """(result, by how much) for one SLA clock."""
    if c.state in (MET, MISSED, STOPPED):
        return c.state, margin(c)
    return f"still running: {c.state}", margin(c)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: tuple[str, ...], rows: list[str]) -> list[str]:
    return [_row(*header), "|" + "|".join("---" for _ in header) + "|", *rows]


def _section(lines: list[str], title: str) -> None:
    lines += ["", f"## {title}", ""]


def _md_summary(lines: list[str], bundle: Bundle, now: datetime) -> None:
    incident = bundle.incident
    what = "Drill" if incident.drill else "Incident"
    lines.append(f"# {what} {incident.id}: {md_heading_text(incident.title)}")
    lines.append("")
    if incident.drill:
        lines.append("> **DRILL:** a rehearsal, not a real incident.")
        lines.append("")
    local, utc = _local(now), _utc(now)
    lines += [
        f"- **Priority:** {md_inline(incident.priority)}",
        f"- **Category:** {md_inline(incident.category)}",
        f"- **Stage:** {md_inline(incident.stage)}",
        f"- **Status:** {md_inline(incident.status)}",
        f"- **Declared by:** {md_inline(incident.declared_by)}",
        "- **Public title:** "
        + (md_inline(incident.public_title) if incident.public_title else "_not set_"),
        f"- **Exported:** {_local(now)}" + ("" if local == utc else f" ({utc})"),
    ]
    if incident.closed_at is not None and incident.resolution:
        _section(lines, "Resolution")
        lines += md_block(incident.resolution)


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
                "from_at": _iso(start),
                "to_at": _iso(end),
                "seconds": seconds,
                "minutes": None if seconds is None else seconds // 60,
            }
        )
    return rows


def _zone_name() -> str:
    return getattr(local_zone(), "key", None) or zone_label()


def _md_times(lines: list[str], incident: Incident) -> None:
    _section(lines, "Key times")
    lines.append(f"Local times are in {md_inline(_zone_name())}; UTC is shown alongside.")
    lines.append("")
    rows = []
    for label, field in _MILESTONES:
        moment = getattr(incident, field)
        if moment is None:
            rows.append(_row(label, "not recorded", "—", "—"))
        else:
            since = "—" if field == "reported_at" else _since(incident.reported_at, moment)
            rows.append(_row(label, _local(moment), _utc(moment), since))
    lines += _table(("Milestone", "Local time", "UTC", "Since reported"), rows)
    lines.append("")
    rows = []
    for row in key_times_list(incident):
        took = "—" if row["seconds"] is None else _signed(row["seconds"])
        rows.append(_row(f"Time to {row['measure']}" if row["measure"] != "impact" else
                         "Impact duration", row["from"], took))  # fmt: skip
    lines += _table(("Measure", "From", "Duration"), rows)


def _md_clocks(lines: list[str], policy: Policy, incident: Incident, now: datetime) -> None:
    _section(lines, "SLA clocks")
    if policy.knows(incident.priority):
        lines.append(
            f"Budgets for {md_inline(policy.effective_priority(incident.priority))}, "
            "measured from the reported time."
        )
    else:
        lines.append(f"No clocks: {md_inline(incident.priority)} is not a priority of this policy.")
    lines.append("")
    rows = []
    for c in clock_states(policy, incident, now):
        result, margin = _clock_result(c)
        rows.append(_row(c.name, span(c.budget), _local(c.deadline), result, margin))
    lines += _table(("Clock", "Budget", "Deadline", "Result", "By how much"), rows)
    due = next_update(policy, incident, now)
    if due is not None:
        lines.append("")
        lines.append(f"Next stakeholder update due {_local(due.due_at)} ({due.state}).")


def _md_roles(lines: list[str], policy: Policy, bundle: Bundle, entries) -> None:
    board = bundle.board
    _section(lines, "Roles")
    rows = []
    for role in policy.roles:
        holders = board.holders(role)
        if not holders:
            rows.append(_row(md_inline(role), "_unassigned_", "—", "—"))
        for h in holders:
            rows.append(
                _row(md_inline(role), md_inline(h.person), md_inline(h.assigned_by),
                     _local(h.assigned_at))
            )  # fmt: skip
    known = set(policy.roles)
    for h in board.roles:
        if h.role not in known:  # a role the current policy no longer has
            rows.append(
                _row(md_inline(h.role), md_inline(h.person), md_inline(h.assigned_by),
                     _local(h.assigned_at))
            )  # fmt: skip
    lines += _table(("Role", "Held by", "Assigned by", "Since"), rows)

    _section(lines, "Role changes")
    rows = []
    later = superseded_map(entries)
    for e in entries:
        event, data = e.event, e.data
        if e.id in later:
            continue  # corrected: its correction stands in its place
        if event == "role.assign":
            previous = data.get("previous")
            person = data.get("person", "")
            given = md_inline(person)
            taken = md_inline(previous) if previous and previous != person else "—"
        elif event == "role.unassign":
            given, taken = "—", md_inline(data.get("person", ""))
        else:
            continue
        role = md_inline(data.get("role", ""))
        by = md_inline(e.actor) + "".join(f" _({md_inline(m)})_" for m in entry_marks(e, later))
        rows.append(_row(_local(e.occurred_at), role, given, taken, by))
    if rows:
        lines += _table(("When", "Role", "Given to", "Taken from", "By"), rows)
    else:
        lines.append("_No roles were assigned._")


def _md_checklist(lines: list[str], policy: Policy, board: Board) -> None:
    _section(lines, "Checklist")
    ticked = [r for r in _checklist(policy, board) if r["ticked"]]
    if not ticked:
        lines.append("_No checklist item was ticked._")
        return
    lines.append("Ticked items are red flags raised during triage.")
    lines.append("")
    for r in ticked:
        state = board.checklist[r["id"]]
        what = f"{r['group']}: {r['text']}" if r["group"] else "(item no longer in the policy)"
        lines.append(
            f"- [x] **{md_inline(r['id'])}** {md_inline(what)} — ticked by "
            f"{md_inline(state.by)}, {_local(state.at)}"
        )


def _md_retro(lines: list[str], retro: Retro, shown_public: bool = False) -> None:
    _section(lines, "Root cause")
    if retro.root_cause.strip():
        lines += md_block(retro.root_cause)
        if shown_public:
            lines += ["", "_Made public: the public version shows it._"]
    else:
        lines.append("_Not recorded._")

    _section(lines, "Five whys")
    whys = [w for w in retro.whys if w.question.strip() or w.answer.strip()]
    if not whys:
        lines.append("_Not recorded._")
    for w in whys:
        question = md_inline(w.question) if w.question.strip() else "_(no question)_"
        answer = md_inline(w.answer) if w.answer.strip() else "_(unanswered)_"
        lines.append(f"- **Why {w.position}:** {question} → {answer}")

    _section(lines, "Action items")
    if not retro.actions:
        lines.append("_None._")
    for a in retro.actions:
        details = [f"owner: {md_inline(a.owner)}" if a.owner else "no owner"]
        if a.due:
            details.append(f"due {a.due.isoformat()}")
        if a.ticket:
            details.append(f"ticket: {md_inline(a.ticket)}")
        if a.done and a.completed_at:
            details.append(f"done {_local(a.completed_at)}")
        box = "x" if a.done else " "
        lines.append(f"- [{box}] {md_inline(a.title, line_start=True)} — {' · '.join(details)}")


def _md_tasks(lines: list[str], tasks) -> None:
    """The tasks of the response: owner, due time, done or skipped when (and why)."""
    if not tasks:
        return
    _section(lines, "Tasks")
    rows = []
    for t in tasks:
        where = md_inline(t.runbook) if t.runbook else "by hand"
        owner = md_inline(t.owner) if t.owner else (md_inline(f"{t.role}: nobody") if t.role
                                                    else "nobody")  # fmt: skip
        due = _local(t.due_at) if t.due_at else "—"
        if t.status in ("done", "skipped") and t.changed_at is not None:
            state = f"{t.status} {_local(t.changed_at)}"
            if t.changed_by:
                state += f" by {md_inline(t.changed_by)}"
        else:
            state = t.status
        if t.on_time is not None:
            state += " (on time)" if t.on_time else " (late)"
        note = md_inline(t.note) if t.note else ""
        rows.append(_row(md_inline(t.title), where, owner, due, state, note))
    lines += _table(("Task", "Runbook", "Owner", "Due", "State", "Note"), rows)


def _md_updates(lines: list[str], entries: list[TimelineEntry]) -> None:
    """Each update once, as it stands: a correction in its original's place
    (the timeline keeps every version)."""
    _section(lines, "Stakeholder updates")
    by_id = {e.id: e for e in entries}
    updates = published_updates(entries)
    if not updates:
        lines.append("_No update was published._")
    for u in updates:
        first, standing = by_id[u.first_entry_id], by_id[u.entry_id]
        if u.number > 1:
            lines.append("")
        lines.append(
            f"### Update {u.number} — {_local(u.published_at)}, by {md_heading_text(first.actor)}"
        )
        lines.append("")
        lines += md_block(u.text, prefix="> ")
        if u.corrected_at is not None:
            lines.append("")
            lines.append(
                f"_Corrected by {md_inline(standing.actor)} at {_local(u.corrected_at)} "
                f"(entry #{standing.id}; the timeline keeps every version)._"
            )


def _md_changes(lines: list[str], bundle: Bundle) -> None:
    records = changes(bundle.timeline)
    if not records:
        return
    _section(lines, "Changes applied")
    rows = []
    for c in records:
        who = md_inline(c.entry.data.get("applied_by", c.entry.actor))
        if c.by_change_owner is False:
            who += " _(not the change owner)_"
        impact = md_inline(c.impact) if c.impact else "_not recorded_"
        if c.impact_note:
            impact += f": {md_inline(c.impact_note)}"
        rows.append(
            _row(
                f"#{c.entry.id}", _local(c.entry.occurred_at), who, md_inline(c.entry.text), impact
            )
        )
    lines += _table(("Change", "Local time", "Applied by", "What was changed", "Impact"), rows)


def _md_draft(lines: list[str], draft: Draft, entries: list[TimelineEntry]) -> None:
    if not draft.text.strip():
        return
    # Published as it is (a drill's update carries its mark in front): among
    # the stakeholder updates, not unpublished.
    sent = {e.text.removeprefix("[DRILL] ") for e in entries if e.kind == UPDATE}
    if draft.text in sent:
        return
    _section(lines, "Unpublished draft")
    if draft.version:
        lines.append(
            f"_Draft version {draft.version}, last saved by {md_inline(draft.updated_by)} "
            f"at {_local(draft.updated_at)}; not sent to stakeholders._"
        )
    else:
        lines.append("_Not saved yet: the template the draft starts from; not sent._")
    lines.append("")
    lines += md_block(draft.text, prefix="> ")


def _md_timeline(lines: list[str], entries: list[TimelineEntry]) -> None:
    _section(lines, "Timeline")
    lines.append(
        "In order of occurrence (every entry). A correction names the entry it corrects; "
        "the corrected entry stays, marked as superseded."
    )
    lines.append("")
    superseded_by = superseded_map(entries)
    names: dict[str, str] = {}  # actors and kinds repeat: escape each once
    rows = []
    for e in entries:
        text = md_inline(e.text)
        marks = entry_marks(e, superseded_by)
        if marks:
            text = "".join(f"_({md_inline(m)})_ " for m in marks) + text
        actor = names.get(e.actor)
        if actor is None:
            actor = names[e.actor] = md_inline(e.actor)
        kind = names.get(e.kind)
        if kind is None:
            kind = names[e.kind] = md_inline(e.kind)
        rows.append(
            f"| #{e.id} | {_local(e.occurred_at)} | {_utc(e.occurred_at)} | {kind} | {actor}"
            f" | {text} |"
        )
    if rows:
        lines += _table(("Entry", "Local time", "UTC", "Kind", "Who", "Text"), rows)
    else:
        lines.append("_No entries._")


def render_markdown(bundle: Bundle, policy: Policy, public: bool, now: datetime) -> str:
    """The retro document: something to paste into a wiki page or a ticket;
    public: only what was published (public.py's rule)."""
    if public:
        return render_public_markdown(_public(bundle), now)
    incident = bundle.incident
    entries = _visible_entries(bundle)
    lines: list[str] = []
    _md_summary(lines, bundle, now)
    _md_times(lines, incident)
    _md_clocks(lines, policy, incident, now)
    _md_roles(lines, policy, bundle, entries)
    _md_checklist(lines, policy, bundle.board)
    _md_retro(lines, bundle.retro, incident.root_cause_public)
    _md_tasks(lines, bundle.tasks)
    _md_updates(lines, entries)
    _md_changes(lines, bundle)
    draft = bundle.board.draft
    text = draft_text(policy, incident, draft.text, now, draft.version > 0)
    _md_draft(lines, replace(draft, text=text), bundle.timeline)
    _md_timeline(lines, entries)
    lines.append("")
    lines.append(
        f"_Exported by warroom from incident {incident.id}. Local times are in "
        f"{_now_zone(now)}, the exporting machine's time zone; UTC is shown alongside._"
    )
    return "\n".join(lines) + "\n"


def _now_zone(now: datetime) -> str:
    return _zone_name()


def render_export(bundle: Bundle, policy: Policy, fmt: str, public: bool, now: datetime) -> str:
    """The document for `warroom export`: 'md', 'json' or 'csv'."""
    if fmt == "md":
        return render_markdown(bundle, policy, public, now)
    if fmt == "json":
        data = export_dict(bundle, policy, public, now)
        return json_text(data) + "\n"
    if fmt == "csv":
        return render_public_csv(_public(bundle)) if public else render_csv(bundle)
    raise UsageError(f"unknown export format {fmt!r}; choose one of: md, json, csv")


def json_text(data: Any) -> str:
    """JSON that is safe to print: readable Unicode, but every character a
    terminal would act on (C1 controls, bidi, zero-width) as a \\u escape, so
    the data is exact and `cat` shows nothing hidden."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    shown = visible(text, multiline=True)  # one for one, so the two line up
    if shown != text:
        pairs = zip(text, shown, strict=True)
        text = "".join(a if a == b else f"\\u{ord(a):04x}" for a, b in pairs)
    return text


# ----------------------------------------------------------------- writing
FILE_MODE = 0o640
# Errors from the disk itself (as for the store's StoreIOError): exit 1, not 2.
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})


def write_atomic(path: Path | str, text: str, force: bool = False) -> Path:
    """Write via a temp file in the same directory and a rename, so readers see
    the old file or the new one, never half of one. Refuses to overwrite an
    existing file unless forced (even one that appears while writing)."""
    path = Path(path)
    shown = one_line(str(path))
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UsageError(f"cannot write {shown}: {one_line(exc.strerror or str(exc))}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"{shown} is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        # A device, FIFO, socket or link: --force replaces files, never these.
        raise UsageError(f"{shown} exists and is not a regular file: export never replaces it")
    if mode is not None and not force:
        raise UsageError(f"{shown} exists; use --force to overwrite")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {shown}: directory {one_line(str(parent))} does not exist")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, FILE_MODE)
            data = text.encode("utf-8")
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if force:
            os.replace(tmp, path)
        else:
            _place_new(tmp, path, shown)
        tmp = None
        _fsync_dir(parent)
    except OSError as exc:
        reason = one_line(exc.strerror or str(exc))
        if exc.errno in _DISK_ERRNOS:
            # The disk refused the bytes (full, quota, I/O): not bad usage, exit 1.
            raise WarroomError(f"cannot write {shown}: {reason}") from None
        raise UsageError(f"cannot write {shown}: {reason}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


def _place_new(tmp: str, path: Path, shown: str) -> None:
    """Move tmp to path only if path does not exist: a hard link fails if it does."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise UsageError(f"{shown} exists; use --force to overwrite") from None
    except OSError:
        # No hard links here (some network and FAT file systems): check, then rename.
        if os.path.lexists(path):
            raise UsageError(f"{shown} exists; use --force to overwrite") from None
        os.replace(tmp, path)
        return
    with contextlib.suppress(OSError):  # the export is in place; a stray temp name is not
        os.unlink(tmp)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
