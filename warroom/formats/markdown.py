"""The retro document in Markdown (internal, or the public version: only what
was published), and the escaping that keeps user text inert in it. Pure
Python, no UI imports."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from warroom.core.model import (
    UPDATE,
    Board,
    Bundle,
    Draft,
    Incident,
    Retro,
    TimelineEntry,
    changes,
    chronological,
    superseded_map,
)
from warroom.core.policy import Policy
from warroom.core.public import PublicIncident, published_updates
from warroom.core.record import replace
from warroom.core.sla import MET, MISSED, STOPPED, ClockState, clock_states, margin, next_update
from warroom.core.templates import draft_text
from warroom.core.text import BIDI, JOINERS, ZERO_WIDTH, visible
from warroom.core.timefmt import fmt_duration, fmt_time, span
from warroom.formats.json import (
    checklist_rows,
    entry_marks,
    key_times_list,
    public_version,
    zone_name,
)

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


def _signed(seconds: int) -> str:
    return ("−" if seconds < 0 else "") + span(timedelta(seconds=seconds))


def _since(start: datetime, moment: datetime | None) -> str:
    if moment is None:
        return "—"
    delta = moment - start
    sign = "−" if delta < timedelta(0) else "+"
    return f"{sign}{fmt_duration(delta)}"  # '+8 years, 1 month and 15 days', not '+2966d'


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
        assert start is not None  # both missing is the first case
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
        f"{md_inline(zone_name())}, the exporting machine's time zone._"
    )
    return "\n".join(lines) + "\n"


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


def _md_times(lines: list[str], incident: Incident) -> None:
    _section(lines, "Key times")
    lines.append(f"Local times are in {md_inline(zone_name())}; UTC is shown alongside.")
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
    ticked = [r for r in checklist_rows(policy, board) if r["ticked"]]
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
        return render_public_markdown(public_version(bundle), now)
    incident = bundle.incident
    entries = chronological(bundle.timeline)
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
    _md_draft(lines, replace(draft, text=text), list(bundle.timeline))
    _md_timeline(lines, entries)
    lines.append("")
    lines.append(
        f"_Exported by warroom from incident {incident.id}. Local times are in "
        f"{zone_name()}, the exporting machine's time zone; UTC is shown alongside._"
    )
    return "\n".join(lines) + "\n"
