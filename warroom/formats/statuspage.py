"""The public status page: a static site built from what the communicator
published, and nothing else (warroom/core/public.py is the rule).

`build(store, policy, folder)` reads every incident, keeps those a status
page lists (not a drill, a public title, at least one published update),
and writes into a new folder beside `folder`, which is then swapped into
place in one rename: a reader sees the old page or the new one, never half.

- index.html, history.html, incidents/ID.html: Jinja2 templates, autoescaped,
  StrictUndefined (a missing value is an error, never an empty string);
- feed.atom: one entry per published update, newest first, written with the
  standard library's XML writer;
- api/v2/*.json: Atlassian Statuspage's public API field names and values,
  so tools that read a Statuspage page read this one.

No JavaScript, no refresh: the page says when it was last updated."""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from warroom.core.errors import UsageError
from warroom.core.model import Incident, TimelineEntry
from warroom.core.policy import COMPONENT_STATES, Component, Policy, StatusPage
from warroom.core.public import PUBLISHED_KINDS, PublicIncident, public_incident
from warroom.core.record import field, record

# A folder this module built holds this file: only such a folder is replaced.
MARKER = ".warroom-statuspage"
TEMPLATES = Path(__file__).with_name("templates")

# Worst last: a day or a page takes the worst state it saw.
SEVERITY = {
    "operational": 0,
    "under_maintenance": 1,
    "degraded_performance": 2,
    "partial_outage": 3,
    "major_outage": 4,
}
STATE_WORDS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
}
# Each state is a word, a glyph and a colour: never the colour alone.
GLYPHS = {
    "operational": "✓",
    "degraded_performance": "▼",
    "partial_outage": "◐",
    "major_outage": "✕",
    "under_maintenance": "◇",
    "none": "✓",
    "minor": "▼",
    "major": "◐",
    "critical": "✕",
}
STATUS_WORDS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
}
# Statuspage's status.description for each indicator.
INDICATOR_WORDS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}
_IMPACT_RANK = {"none": 0, "minor": 1, "major": 2, "critical": 3}
_STATE_INDICATOR = {
    "operational": "none",
    "under_maintenance": "minor",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
assert set(SEVERITY) == set(COMPONENT_STATES)


# ------------------------------------------------------------------- the data
@record
class Day:
    day: date
    state: str  # the worst state the component was in that day
    minutes: int  # minutes it was not operational

    @property
    def text(self) -> str:
        if self.minutes == 0 and self.state == "operational":
            return f"{self.day.isoformat()}: operational, no minutes affected"
        unit = "minute" if self.minutes == 1 else "minutes"
        word = STATE_WORDS[self.state].lower()
        return f"{self.day.isoformat()}: {word}, {self.minutes} {unit} affected"


@record
class ComponentView:
    component: Component
    state: str
    days: tuple[Day, ...]
    position: int


@record
class Page:
    """Everything the templates, the feed and the JSON are made from."""

    config: StatusPage
    generated_at: datetime
    incidents: list[PublicIncident]  # listed ones, newest first
    components: list[ComponentView]
    indicator: str
    zone: ZoneInfo
    groups: list[tuple[str, list[ComponentView]]] = field(default_factory=list)

    @property
    def unresolved(self) -> list[PublicIncident]:
        return [i for i in self.incidents if i.public_status != "resolved"]

    @property
    def description(self) -> str:
        return INDICATOR_WORDS[self.indicator]

    def impact(self, incident: PublicIncident) -> str:
        return self.config.impact_of(incident.priority)

    def link(self, path: str) -> str:
        """An absolute link when the page knows where it is served, else relative."""
        return f"{self.config.base_url}/{path}" if self.config.base_url else path


def collect(store, policy: Policy) -> list[tuple[Incident, list[TimelineEntry]]]:
    """Every incident a page could list (drills and those without a public
    title left out), with the entries the public rule reads, in two reads
    whatever the number of incidents."""
    return [
        (incident, entries)
        for incident, entries in store.incidents_with_entries(PUBLISHED_KINDS)
        if not incident.drill and incident.public_title
    ]


def make_page(
    policy: Policy, rows: list[tuple[Incident, list[TimelineEntry]]], now: datetime
) -> Page:
    config = policy.status_page
    zone = ZoneInfo(config.zone)
    incidents = []
    for incident, entries in rows:
        view = public_incident(incident, entries)
        if view is not None and view.listed:
            incidents.append(view)
    incidents.sort(key=lambda i: (i.updates[0].published_at, i.id), reverse=True)
    current = {c.id: "operational" for c in config.components}
    indicator = "none"
    for view in incidents:
        if view.public_status == "resolved":
            continue
        indicator = max(indicator, config.impact_of(view.priority), key=_IMPACT_RANK.__getitem__)
        for cid, state in view.components:
            if cid in current and SEVERITY[state] > SEVERITY[current[cid]]:
                current[cid] = state
    for state in current.values():
        indicator = max(indicator, _STATE_INDICATOR[state], key=_IMPACT_RANK.__getitem__)
    days = _history(config, incidents, now, zone)
    components = [
        ComponentView(c, current[c.id], days[c.id], n) for n, c in enumerate(config.components, 1)
    ]
    groups: dict[str, list[ComponentView]] = {}
    for shown in components:
        groups.setdefault(shown.component.group, []).append(shown)
    return Page(config, now, incidents, components, indicator, zone, list(groups.items()))


def _segments(
    view: PublicIncident, now: datetime
) -> dict[str, list[tuple[datetime, datetime, str]]]:
    """When each component the incident named was in which state: from each
    update naming it to the next one that does, or the close (or now)."""
    end_of_all = view.closed_at or now
    marks: dict[str, list[tuple[datetime, str]]] = {}
    for update in view.updates:
        for cid, state in update.components:
            marks.setdefault(cid, []).append((update.published_at, state))
    out: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for cid, points in marks.items():
        points.sort(key=lambda p: p[0])
        spans = []
        for n, (start, state) in enumerate(points):
            stop = points[n + 1][0] if n + 1 < len(points) else end_of_all
            stop = min(stop, end_of_all)
            if state != "operational" and stop > start:
                spans.append((start, stop, state))
        out[cid] = spans
    return out


def _history(
    config: StatusPage, incidents: list[PublicIncident], now: datetime, zone: ZoneInfo
) -> dict[str, tuple[Day, ...]]:
    """Each component's last `history_days` days (in the page's zone), oldest first."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=config.history_days - 1)
    window_start = datetime.combine(first, datetime.min.time(), zone)
    spans: dict[str, list[tuple[datetime, datetime, str]]] = {c.id: [] for c in config.components}
    for view in incidents:
        if (view.closed_at or now) < window_start:
            continue
        for cid, found in _segments(view, now).items():
            if cid in spans:
                spans[cid].extend(found)
    # Midnights in the page's zone: day n runs from bounds[n] to bounds[n + 1].
    bounds = [
        datetime.combine(first + timedelta(days=n), datetime.min.time(), zone)
        for n in range(config.history_days + 1)
    ]
    result = {}
    for cid, found in spans.items():
        buckets: list[list[tuple[datetime, datetime, str]]] = [[] for _ in range(len(bounds) - 1)]
        for a, b, state in found:  # each span cut at midnights, into the days it touches
            n = max(bisect_right(bounds, a) - 1, 0)
            while n < len(buckets) and bounds[n] < b:
                lo, hi = max(a, bounds[n]), min(b, bounds[n + 1])
                if hi > lo:
                    buckets[n].append((lo, hi, state))
                n += 1
        days = []
        for n, cut in enumerate(buckets):
            state, minutes, reach = "operational", 0.0, bounds[n]
            for a, b, s in sorted(cut):  # the union of the spans: overlaps count once
                if SEVERITY[s] > SEVERITY[state]:
                    state = s
                a = max(a, reach)
                if b > a:
                    minutes += (b - a).total_seconds() / 60
                    reach = b
            days.append(Day(first + timedelta(days=n), state, round(minutes)))
        result[cid] = tuple(days)
    return result


# ------------------------------------------------------------------ rendering
@functools.lru_cache(maxsize=65536)
def _when(moment: datetime, zone: ZoneInfo) -> str:
    """A time as people read it, the zone named: '2026-03-10 13:05 CET'."""
    shown = moment.astimezone(zone)
    return f"{shown:%Y-%m-%d %H:%M} {shown.tzname()}"


@functools.lru_cache(maxsize=65536)
def _iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC, to the millisecond, as Statuspage writes its times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@functools.cache
def _state(name: str):
    """A component state as the page shows it: the glyph and the word (its
    class gives the colour). Only the policy's fixed states reach here."""
    from markupsafe import Markup

    if name not in STATE_WORDS:
        raise ValueError(f"not a component state: {name!r}")
    return Markup(
        f'<span class="state state-{name}"><span class="glyph" aria-hidden="true">'
        f"{GLYPHS[name]}</span> {STATE_WORDS[name]}</span>"
    )


@functools.cache
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        STATE_WORDS=STATE_WORDS, STATUS_WORDS=STATUS_WORDS, GLYPHS=GLYPHS, iso=_iso, state=_state
    )
    return env


class UpdateRow(NamedTuple):
    """One update as the templates print it (worked out once per build; a
    named tuple, as 10,000 of them are made in a blink)."""

    status: str
    status_word: str
    iso: str
    when: str
    text: str
    affected: tuple[tuple[str, Any], ...]  # (component name, its state as markup)
    corrected_iso: str | None
    corrected_when: str | None


def _update_rows(page: Page, names: dict[str, str]) -> dict[int, tuple[UpdateRow, ...]]:
    """Each incident's updates, newest first, as the pages show them."""
    rows = {}
    zone = page.zone
    affected: dict[tuple[tuple[str, str], ...], tuple[tuple[str, Any], ...]] = {}
    for view in page.incidents:
        out = []
        for u in reversed(view.updates):
            fixed = u.corrected_at
            named = u.components
            shown = affected.get(named)
            if shown is None:
                shown = affected[named] = tuple(
                    (names.get(cid, cid), _state(st)) for cid, st in named
                )
            out.append(
                UpdateRow(
                    u.status,
                    STATUS_WORDS[u.status],
                    _iso(u.published_at) or "",  # never empty: it was published
                    _when(u.published_at, zone),
                    u.text,
                    shown,
                    _iso(fixed) if fixed else None,
                    _when(fixed, zone) if fixed else None,
                )
            )
        rows[view.id] = tuple(out)
    return rows


def render_html(page: Page) -> dict[str, str]:
    """Path (relative to the site) -> HTML."""
    env = environment()

    def when(moment: datetime) -> str:
        return _when(moment, page.zone)

    names = _names(page)
    common = {"page": page, "when": when, "names": names, "rows": _update_rows(page, names)}
    files = {
        "index.html": env.get_template("index.html.j2").render(common, root=""),
        "history.html": env.get_template("history.html.j2").render(common, root=""),
    }
    incident_template = env.get_template("incident.html.j2")
    for view in page.incidents:
        files[f"incidents/{view.id}.html"] = incident_template.render(
            common, root="../", incident=view
        )
    return files


def _names(page: Page) -> dict[str, str]:
    return {c.id: c.name for c in page.config.components}


def render_feed(page: Page) -> str:
    """The Atom feed (RFC 4287): one entry per published update, newest first
    (a correction takes its update's place, and its time).

    Written as the standard library's XMLGenerator (short empty elements)
    writes it, with its escape() and quoteattr(), character for character;
    put together here because the writer's call per tag and per text was
    most of the feed's time."""
    from xml.sax.saxutils import escape, quoteattr

    def element(name: str, text: str | None, attrs: str = "") -> str:
        return f"<{name}{attrs}>{escape(text)}</{name}>" if text else f"<{name}{attrs}/>"

    def link(rel: str, href: str, kind: str | None = None) -> str:
        shown = f" type={quoteattr(kind)}" if kind else ""
        return f"<link rel={quoteattr(rel)}{shown} href={quoteattr(href)}/>"

    entries = []
    for view in page.incidents:
        for update in view.updates:
            updated = update.corrected_at or update.published_at
            entries.append((updated, update.first_entry_id, view, update))
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    page_id = page.config.page_id
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        element("id", f"urn:warroom:{page_id}:feed"),
        element("title", page.config.title),
        element("updated", _iso(entries[0][0] if entries else page.generated_at)),
        link("self", page.link("feed.atom")),
        link("alternate", page.link("index.html"), "text/html"),
        f"<author>{element('name', page.config.title)}</author>",
    ]
    # What each incident's entries share, escaped once per incident.
    shared = {
        v.id: (escape(v.title), link("alternate", page.link(f"incidents/{v.id}.html"), "text/html"))
        for v in page.incidents
    }
    entry_id = escape(f"urn:warroom:{page_id}:update:")
    words = {k: escape(f": {w}") for k, w in STATUS_WORDS.items()}
    text = ' type="text"'
    add = out.append
    for updated, first_id, view, update in entries:
        title, alternate = shared[view.id]
        add(
            f"<entry><id>{entry_id}{first_id}</id><title>{title}{words[update.status]}</title>"
            f"{element('published', _iso(update.published_at))}{element('updated', _iso(updated))}"
            f"{alternate}{element('content', update.text, text)}</entry>"
        )
    add("</feed>")
    return "".join(out)


# ------------------------------------------------------- Statuspage's JSON API
def _page_json(page: Page) -> dict[str, Any]:
    return {
        "id": page.config.page_id,
        "name": page.config.title,
        "url": page.config.base_url or "",
        "time_zone": page.config.zone,
        "updated_at": _iso(page.generated_at),
    }


def _group_id(name: str) -> str:
    return "group-" + "".join(ch if ch.isalnum() else "-" for ch in name.lower())


def _components_json(page: Page) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen_groups: dict[str, dict[str, Any]] = {}
    for view in page.components:
        group = view.component.group
        group_id = _group_id(group) if group else None
        if group and group not in seen_groups:
            seen_groups[group] = {
                "id": group_id,
                "name": group,
                "status": "operational",
                "created_at": _iso(page.generated_at),
                "updated_at": _iso(page.generated_at),
                "position": len(out) + 1,
                "description": None,
                "showcase": False,
                "start_date": None,
                "group_id": None,
                "page_id": page.config.page_id,
                "group": True,
                "only_show_if_degraded": False,
                "components": [],
            }
            out.append(seen_groups[group])
        if group:
            entry = seen_groups[group]
            entry["components"].append(view.component.id)
            if SEVERITY[view.state] > SEVERITY[entry["status"]]:
                entry["status"] = view.state
        out.append(
            {
                "id": view.component.id,
                "name": view.component.name,
                "status": view.state,
                "created_at": _iso(page.generated_at),
                "updated_at": _iso(page.generated_at),
                "position": len(out) + 1,
                "description": view.component.description or None,
                "showcase": True,
                "start_date": None,
                "group_id": group_id,
                "page_id": page.config.page_id,
                "group": False,
                "only_show_if_degraded": False,
            }
        )
    return out


def _incident_json(page: Page, view: PublicIncident, names: dict[str, str]) -> dict[str, Any]:
    updates = view.updates
    monitoring = next((u.published_at for u in updates if u.status == "monitoring"), None)
    last = max((u.corrected_at or u.published_at for u in updates), default=page.generated_at)
    if view.closed_at is not None:
        last = max(last, view.closed_at)
    affected = [
        {
            "id": cid,
            "name": names.get(cid, cid),
            "status": state,
            "created_at": _iso(page.generated_at),
            "updated_at": _iso(page.generated_at),
            "position": n,
            "description": None,
            "showcase": True,
            "start_date": None,
            "group_id": None,
            "page_id": page.config.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }
        for n, (cid, state) in enumerate(view.components, 1)
    ]
    history: dict[str, str] = {}
    rows = []
    for update in updates:
        changed = []
        for cid, state in update.components:
            changed.append(
                {
                    "code": cid,
                    "name": names.get(cid, cid),
                    "old_status": history.get(cid, "operational"),
                    "new_status": state,
                }
            )
            history[cid] = state
        rows.append(
            {
                "id": str(update.first_entry_id),
                "status": update.status,
                "body": update.text,
                "incident_id": str(view.id),
                "created_at": _iso(update.published_at),
                "updated_at": _iso(update.corrected_at or update.published_at),
                "display_at": _iso(update.published_at),
                "affected_components": changed or None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
        )
    rows.reverse()  # Statuspage lists an incident's updates newest first
    return {
        "id": str(view.id),
        "name": view.title,
        "status": view.public_status,
        "created_at": _iso(updates[0].published_at),
        "updated_at": _iso(last),
        "monitoring_at": _iso(monitoring),
        "resolved_at": _iso(view.closed_at) if view.public_status == "resolved" else None,
        "impact": page.impact(view),
        "shortlink": page.link(f"incidents/{view.id}.html"),
        "started_at": _iso(view.impact_started_at or updates[0].published_at),
        "page_id": page.config.page_id,
        "incident_updates": rows,
        "components": affected,
    }


def render_json(page: Page) -> dict[str, Any]:
    """Path -> object for api/v2/."""
    names = _names(page)
    meta = _page_json(page)
    status = {"indicator": page.indicator, "description": page.description}
    components = _components_json(page)
    incidents = [_incident_json(page, v, names) for v in page.incidents]
    unresolved = [i for i in incidents if i["status"] != "resolved"]
    return {
        "api/v2/summary.json": {
            "page": meta,
            "components": components,
            "incidents": unresolved,
            "scheduled_maintenances": [],
            "status": status,
        },
        "api/v2/status.json": {"page": meta, "status": status},
        "api/v2/components.json": {"page": meta, "components": components},
        "api/v2/incidents.json": {"page": meta, "incidents": incidents},
        "api/v2/incidents/unresolved.json": {"page": meta, "incidents": unresolved},
    }


def render_site(page: Page) -> dict[str, str]:
    """Every file of the site: relative path -> text."""
    files = render_html(page)
    files["feed.atom"] = render_feed(page)
    for path, obj in render_json(page).items():
        files[path] = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
    files["style.css"] = (TEMPLATES / "style.css").read_text("utf-8")
    return files


# ------------------------------------------------------------------- writing
def build(store, policy: Policy, folder: Path | str, now: datetime | None = None) -> Path:
    """Build the page into `folder`, swapping the new site into place."""
    page = make_page(policy, collect(store, policy), now or store.clock())
    return write_site(Path(folder), render_site(page))


def write_site(folder: Path, files: dict[str, str]) -> Path:
    folder = Path(os.path.abspath(folder))
    built_here = (folder / MARKER).is_file()
    if folder.exists() and not built_here and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(
            f"{folder} exists and is not a status page warroom built: give a new or empty folder"
        )
    parent = folder.parent
    if not parent.is_dir():
        raise UsageError(f"{parent} is not a folder: make it first")
    fresh = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=parent))
    try:
        os.chmod(fresh, 0o755)  # a public page: readable by the web server
        for sub in sorted({os.path.dirname(rel) for rel in files} - {""}):
            (fresh / sub).mkdir(parents=True, exist_ok=True)
        for made in sorted({p for p in fresh.rglob("*")}):
            os.chmod(made, 0o755)
        root = os.open(fresh, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for rel, text in files.items():
                _write_file(root, rel, text.encode("utf-8"))
            _write_file(root, MARKER, b"built by warroom statuspage build\n")
        finally:
            os.close(root)
        _swap_into_place(fresh, folder)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return folder


def _write_file(root: int, rel: str, data: bytes) -> None:
    """A new file (never an existing one) under the folder open as `root`:
    one open, write and close, no buffering layers. No fsync: the swap is
    what makes readers see a whole page; a page a crash cut short before the
    disk caught up is written whole by the next build, from the store."""
    fd = os.open(rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644, dir_fd=root)
    try:
        os.fchmod(fd, 0o644)  # whatever the umask
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _swap_into_place(fresh: Path, folder: Path) -> None:
    """The new site takes the folder's name in one rename (an exchange where
    the kernel has one, so readers never see no page at all)."""
    if not folder.exists():
        os.rename(fresh, folder)
        return
    if _exchange(fresh, folder):
        shutil.rmtree(fresh, ignore_errors=True)  # now holding the old site
        return
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
    os.rename(folder, old / "site")
    os.rename(fresh, folder)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Linux's renameat2(RENAME_EXCHANGE): swap two paths at once."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), exchange) == 0
