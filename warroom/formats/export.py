"""`warroom export`: one incident as a document, Markdown, JSON or CSV (the
formats themselves are markdown.py, json.py and csv.py; atomic.py writes the
file). Pure Python, no UI imports."""

from __future__ import annotations

from datetime import datetime

from warroom.core.errors import UsageError
from warroom.core.model import Bundle
from warroom.core.policy import Policy
from warroom.formats.csv import render_csv, render_public_csv
from warroom.formats.json import export_dict, json_text, public_version
from warroom.formats.markdown import render_markdown

FORMATS = ("md", "json", "csv")


def render_export(bundle: Bundle, policy: Policy, fmt: str, public: bool, now: datetime) -> str:
    """The document for `warroom export`: 'md', 'json' or 'csv'; public: only
    what was published (public.py's rule)."""
    if fmt == "md":
        return render_markdown(bundle, policy, public, now)
    if fmt == "json":
        return json_text(export_dict(bundle, policy, public, now)) + "\n"
    if fmt == "csv":
        return render_public_csv(public_version(bundle)) if public else render_csv(bundle)
    raise UsageError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
