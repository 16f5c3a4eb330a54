"""Follow-ups that leave the room: the retro's action items as a Jira CSV,
as GitHub and GitLab new-issue URLs, and as iCalendar to-dos; the retro
meeting as an iCalendar event.

Pure renderers over model objects: no store, no terminal. Every text is the
team's (untrusted): CSV cells go through text.csv_cell (no formulas), URL
parts are percent-encoded, iCalendar text is escaped and folded as RFC 5545
says (CRLF line ends, lines of at most 75 octets)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from warroom.core.model import ActionItem, Incident
from warroom.core.record import record
from warroom.core.text import csv_cell, visible

FORMATS = ("jira-csv", "github", "gitlab", "ics")
PRODID = "-//warroom//follow-ups//EN"


@record
class Followup:
    """What every format says of one action item."""

    item: ActionItem
    title: str
    body: str
    labels: tuple[str, ...]
    email: str  # the owner's, from [people.NAME] in the config ("" unknown)


def followups(
    incident: Incident,
    items: Iterable[ActionItem],
    link: str,
    people: dict[str, str],
    labels: tuple[str, ...] = ("incident-followup",),
) -> list[Followup]:
    """Each open action item with a description linking back to the incident's record."""
    out = []
    for item in items:
        lines = [
            f"Follow-up of incident #{incident.id}: {incident.title}",
            "",
            f"The incident's record: {link}",
        ]
        if item.owner:
            lines.append(f"Owner: {item.owner}")
        if item.due:
            lines.append(f"Due: {item.due.isoformat()}")
        if item.ticket:
            lines.append(f"Ticket: {item.ticket}")
        tags = (*labels, f"incident-{incident.id}")
        out.append(Followup(item, item.title, "\n".join(lines), tags, people.get(item.owner, "")))
    return out


# --------------------------------------------------------------------- Jira
JIRA_COLUMNS = ("Summary", "Issue Type", "Description", "Assignee", "Due Date")


def jira_csv(items: list[Followup], issue_type: str = "Task") -> str:
    """A CSV Jira's importer takes: Summary, Issue Type, Description,
    Assignee (an email, which Jira matches to a user), Due Date (yyyy-MM-dd:
    give that date format in the importer) and one Labels column per label
    (Jira reads repeated Labels columns as the issue's labels)."""
    most = max((len(f.labels) for f in items), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*JIRA_COLUMNS, *(["Labels"] * most)])
    for f in items:
        labels = [_label(x) for x in f.labels] + [""] * (most - len(f.labels))
        writer.writerow(
            [
                csv_cell(f.title),
                issue_type,
                csv_cell(f.body),
                csv_cell(f.email),
                f.item.due.isoformat() if f.item.due else "",
                *(csv_cell(x) for x in labels),
            ]
        )
    return out.getvalue()


def _label(text: str) -> str:
    """A label is one word in Jira (and GitHub, GitLab): spaces become dashes."""
    return "-".join(text.split())


# ------------------------------------------------------------ issue URLs
def github_url(repo: str, f: Followup) -> str:
    """A new-issue URL of the GitHub repository (owner/name) with the title,
    body and labels filled in."""
    base = f"https://github.com/{_repo_path(repo)}/issues/new"
    query = {"title": f.title, "body": f.body, "labels": ",".join(_label(x) for x in f.labels)}
    return f"{base}?{urlencode(query, quote_via=quote)}"


def gitlab_url(project: str, f: Followup, host: str = "https://gitlab.com") -> str:
    """A new-issue URL of the GitLab project (group/project): GitLab fills
    the title and description from the URL; the labels go in the description
    as a quick action (/label), which GitLab applies when the issue is made."""
    labels = " ".join(f'~"{_label(x)}"' for x in f.labels)
    body = f.body + (f"\n\n/label {labels}" if labels else "")
    base = f"{host.rstrip('/')}/{_repo_path(project)}/-/issues/new"
    query = {"issue[title]": f.title, "issue[description]": body}
    return f"{base}?{urlencode(query, quote_via=quote)}"


def _repo_path(repo: str) -> str:
    parts = [p for p in repo.strip().strip("/").split("/") if p]
    if len(parts) < 2 or any(p in (".", "..") for p in parts):
        raise ValueError(f"not a repository: {repo!r} (give owner/name)")
    return "/".join(quote(p, safe="") for p in parts)


# -------------------------------------------------------------- iCalendar
def ics_text(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma
    escaped, line ends as \\n, other controls shown as visible marks."""
    text = visible(text.replace("\r\n", "\n").replace("\r", "\n"), multiline=True)
    text = text.replace("\t", " ")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1), never inside a
    UTF-8 character: CRLF and a space start each continuation."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = 75 if not out else 74  # a continuation's leading space counts
        if size + width > limit:
            out.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    out.append("".join(current))
    return "\r\n ".join(out)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _calendar(components: list[list[str]]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    for component in components:
        lines += component
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def action_uid(f: Followup) -> str:
    """Stable: the same action item has the same UID in every export, so a
    calendar updates its to-do instead of adding another."""
    return f"warroom-incident-{f.item.incident_id}-action-{f.item.id}@warroom"


def todos_ics(items: list[Followup]) -> str:
    """Each action item as a VTODO due on its due date (a date, no time)."""
    components = []
    for f in items:
        todo = [
            "BEGIN:VTODO",
            f"UID:{action_uid(f)}",
            f"DTSTAMP:{_stamp(f.item.created_at)}",
            f"SUMMARY:{ics_text(f.title)}",
            f"DESCRIPTION:{ics_text(f.body)}",
            "STATUS:" + ("COMPLETED" if f.item.done else "NEEDS-ACTION"),
        ]
        if f.item.due:
            todo.append(f"DUE;VALUE=DATE:{f.item.due.strftime('%Y%m%d')}")
        if f.item.done and f.item.completed_at:
            todo.append(f"COMPLETED:{_stamp(f.item.completed_at)}")
        if f.labels:
            todo.append("CATEGORIES:" + ",".join(ics_text(_label(x)) for x in f.labels))
        todo.append("END:VTODO")
        components.append(todo)
    return _calendar(components)


def retro_ics(
    incident: Incident, start: datetime, duration: timedelta, link: str, now: datetime
) -> str:
    """The retro meeting as a VEVENT (times in UTC); its UID is the
    incident's, so scheduling it again moves the same meeting."""
    description = (
        f"Retrospective of incident #{incident.id}: {incident.title}\n\n"
        f"Timeline, blameless root cause (five whys), action items.\n"
        f"The incident's record: {link}"
    )
    event = [
        "BEGIN:VEVENT",
        f"UID:warroom-incident-{incident.id}-retro@warroom",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(start + duration)}",
        f"SUMMARY:{ics_text(f'Retro: incident #{incident.id} {incident.title}')}",
        f"DESCRIPTION:{ics_text(description)}",
        "END:VEVENT",
    ]
    return _calendar([event])
