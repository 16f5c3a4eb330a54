"""An incident's rows as CSV: the action items (for a ticketing system), or in
the public version the published updates. Every cell goes through csv_cell,
so a spreadsheet never runs a formula. Pure Python, no UI imports."""

from __future__ import annotations

import csv
import io

from warroom.core.model import Bundle
from warroom.core.public import PublicIncident
from warroom.core.text import csv_cell
from warroom.formats.json import iso

PUBLIC_CSV_FIELDS = ("update", "published_at", "text", "corrected_at")


def render_public_csv(view: PublicIncident) -> str:
    """The published updates, one row each (action items are never public)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PUBLIC_CSV_FIELDS)
    for u in view.updates:
        writer.writerow(
            [u.number, iso(u.published_at), csv_cell(u.text), iso(u.corrected_at) or ""]
        )
    return out.getvalue()


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
