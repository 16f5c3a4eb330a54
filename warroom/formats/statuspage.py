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

No JavaScript, no refresh: the page says when it was last updated.

A rebuild (every publish makes one) redoes only what changed: each listed
incident has a key (a digest of its public view, the page's settings, the
templates and this module); its page is hard-linked from the previous build
when the key is the same, and its share of incidents.json, history.html and
the feed is taken from the fragments the previous build kept in the user's
cache folder. Creating a file is what costs most here (ext4 without a
journal passes over recently freed inodes), and a link creates none."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import operator
import os
import re
import shutil
import stat
import sys
import tempfile
from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from warroom.core.errors import UsageError
from warroom.core.model import Incident, TimelineEntry
from warroom.core.policy import COMPONENT_STATES, Component, Policy, StatusPage
from warroom.core.public import PUBLISHED_KINDS, PublicIncident, PublicUpdate, public_incident
from warroom.core.record import field, record
from warroom.core.text import visible

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
    length: int = 1440  # the day's minutes in the page's zone: 1380 or 1500 when clocks change

    @property
    def text(self) -> str:
        when = self.day.isoformat()
        if self.length != 1440:  # say so: a whole day down is not 1,440 minutes then
            when += f" ({self.length / 60:g} hours)"  # 23, 25, or 24.5 on Lord Howe Island
        if self.minutes == 0 and self.state == "operational":
            return f"{when}: operational, no minutes affected"
        unit = "minute" if self.minutes == 1 else "minutes"
        word = STATE_WORDS[self.state].lower()
        return f"{when}: {word}, {self.minutes} {unit} affected"


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
    # Midnights in the page's zone, as instants (UTC): day n runs from bounds[n]
    # to bounds[n + 1], 23 or 25 hours when the clocks change. Aware datetimes
    # sharing one tzinfo subtract as wall-clock times, so each is made UTC.
    bounds = [
        datetime.combine(first + timedelta(days=n), datetime.min.time(), zone).astimezone(UTC)
        for n in range(config.history_days + 1)
    ]
    window_start = bounds[0]
    spans: dict[str, list[tuple[datetime, datetime, str]]] = {c.id: [] for c in config.components}
    for view in incidents:
        if (view.closed_at or now) < window_start:
            continue
        for cid, found in _segments(view, now).items():
            if cid in spans:
                spans[cid].extend(found)
    pairs = zip(bounds, bounds[1:], strict=False)
    lengths = [round((b - a).total_seconds()) // 60 for a, b in pairs]
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
            days.append(Day(first + timedelta(days=n), state, round(minutes), lengths[n]))
        result[cid] = tuple(days)
    return result


# ------------------------------------------------------------------ rendering
# What no page or feed may hold raw, beyond what visible() shows as marks:
# noncharacters (XML forbids U+FFFE and U+FFFF) and lone surrogates.
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")


def shown(text: str) -> str:
    """Published text as the page and the feed show it: controls (an escape
    sequence), direction changes and invisible characters as visible marks,
    one for one, as in the terminal (warroom/core/text.py); line ends kept. One
    escape character would otherwise make the feed invalid XML for every
    reader, and a direction change could make a line read backwards."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    text = visible(text, multiline=True)
    return _NONCHARACTERS.sub("\ufffd", text) if _NONCHARACTERS.search(text) else text


def _finalize(value: Any) -> Any:
    """Every {{ }} of the templates: text is shown(); markup made here passes."""
    return shown(value) if type(value) is str else value


# The JSON keeps the text exactly, but writes these as \uXXXX escapes: no raw
# markup (a "</script>" in an update stays inert wherever the JSON is pasted),
# no controls, direction changes or invisible characters in the file's bytes.
_JSON_ESCAPED = re.compile(
    "[<>&\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff0-\uffff]"
)


def json_text(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    if _JSON_ESCAPED.search(text):
        text = _JSON_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text + "\n"


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
        finalize=_finalize,
        bytecode_cache=_bytecode_cache(jinja2),
    )
    env.globals.update(
        STATE_WORDS=STATE_WORDS, STATUS_WORDS=STATUS_WORDS, GLYPHS=GLYPHS, iso=_iso, state=_state
    )
    return env


def cache_dir() -> Path:
    """The user's cache folder for warroom, as platformdirs has it (on Linux
    $XDG_CACHE_HOME or ~/.cache, found without importing platformdirs, ~8 ms)."""
    if sys.platform.startswith("linux"):
        chosen = os.environ.get("XDG_CACHE_HOME", "").strip()
        return Path(chosen or os.path.expanduser("~/.cache")) / "warroom"
    import platformdirs

    return Path(platformdirs.user_cache_dir("warroom"))


def _private_cache(name: str) -> Path | None:
    """cache_dir()/name, made rwx------ if missing; None when it cannot be
    made or is not the user's own and closed to others (what the caches
    hold is loaded as code or unpickled)."""
    folder = cache_dir() / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        mode = folder.stat()
    except OSError:
        return None
    if mode.st_uid != os.getuid() or mode.st_mode & 0o022:
        return None
    return folder


def _bytecode_cache(jinja2):
    """Jinja2's compiled templates kept in the user's cache folder, so a build
    does not compile the templates again (~35 ms of each run). Jinja2 checks
    each against its template's source; the Jinja2 version is in the name.
    None (compile each time) when the folder cannot be made or is not the
    user's own and closed to others: it holds code that is loaded and run."""

    class Cache(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except OSError:
                pass

        def dump_bytecode(self, bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass  # a full or read-only cache: compiled again next time

    folder = _private_cache("jinja2")
    if folder is None:
        return None
    # Jinja2 keys a compiled template by its name and source only, but how it
    # is compiled follows the Environment's options (finalize, autoescape...),
    # set in this module: its digest is in the name, older ones are removed.
    prefix = f"statuspage-{_sources_digest().hex()[:16]}-"
    try:
        for name in os.listdir(folder):
            if name.startswith("statuspage-") and not name.startswith(prefix):
                os.unlink(folder / name)
    except OSError:
        pass
    return Cache(str(folder), prefix + "%s.cache")


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


def _update_rows(
    page: Page, names: dict[str, str], views: list[PublicIncident] | tuple[PublicIncident, ...]
) -> dict[int, tuple[UpdateRow, ...]]:
    """These incidents' updates, newest first, as the pages show them."""
    rows = {}
    zone = page.zone
    affected: dict[tuple[tuple[str, str], ...], tuple[tuple[str, Any], ...]] = {}
    for view in views:
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


class Site(NamedTuple):
    """What an incident's page may read of the whole page: its settings, not
    the time of the build nor the other incidents, so the page is the same
    from one build to the next until the incident or the settings change
    (and a build can reuse it: see `Part.key`)."""

    config: StatusPage

    def impact(self, incident: PublicIncident) -> str:
        return self.config.impact_of(incident.priority)


def _last_change(view: PublicIncident) -> datetime:
    moments = [u.corrected_at or u.published_at for u in view.updates]
    if view.closed_at is not None:
        moments.append(view.closed_at)
    return max(moments)


# An incident's page is made from these values of it (every field, read by C
# code: a build keys 1,000 pages in a few milliseconds).
_INCIDENT_FIELDS = operator.attrgetter(
    *(f for f in PublicIncident.__record_fields__ if f != "updates")  # type: ignore[attr-defined]
)
_UPDATE_FIELDS = operator.attrgetter(*PublicUpdate.__record_fields__)  # type: ignore[attr-defined]


@functools.cache
def _sources_digest() -> bytes:
    """What every page is made with besides its data: the templates, this
    module and Jinja2's version."""
    import jinja2

    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(TEMPLATES.iterdir()):
        for part in (path.name.encode(), path.read_bytes()):
            digest.update(part)
            digest.update(b"\0")
    digest.update(Path(__file__).read_bytes())
    digest.update(jinja2.__version__.encode())
    return digest.digest()


class Part(NamedTuple):
    """One file of the site. `key` names what it is made from when that is
    known without making it (an incident's page); a build whose previous
    site holds the same key for the file reuses that file instead of making
    it again. None: the file is made, and its bytes are the key."""

    rel: str
    key: str | None
    make: Callable[[], bytes]


# The key of a file that is never the same twice (it says when it was built):
# made every time, its bytes not compared.
FRESH = ""


def html_parts(
    page: Page,
    keys: dict[int, tuple[str, datetime]] | None = None,
    made: dict[str, Fragments] | None = None,
) -> list[Part]:
    """index.html, history.html and each incident's page."""
    env = environment()
    keys = incident_keys(page) if keys is None else keys
    made = _fragments(page, keys, {}) if made is None else made
    zone = page.zone

    def when(moment: datetime) -> str:
        return _when(moment, zone)

    names = _names(page)
    rows = _update_rows(page, names, page.unresolved)
    common = {"page": page, "when": when, "names": names, "rows": rows}
    updated = page.generated_at

    def index() -> bytes:
        template = env.get_template("index.html.j2")
        return template.render(common, root="", updated=updated).encode()

    def history() -> bytes:
        from markupsafe import Markup

        template = env.get_template("history.html.j2")
        items = [Markup(made[keys[view.id][0]].history) for view in page.incidents]
        return template.render(common, root="", updated=updated, items=items).encode()

    site = Site(page.config)

    def incident_page(view: PublicIncident, last: datetime) -> Callable[[], bytes]:
        def make() -> bytes:
            template = env.get_template("incident.html.j2")
            context = {"page": site, "when": when, "names": names, "root": "../"}
            shown = {view.id: _update_rows(page, names, (view,))[view.id]}
            return template.render(context, rows=shown, incident=view, updated=last).encode()

        return make

    parts = [Part("index.html", FRESH, index), Part("history.html", FRESH, history)]
    for view in page.incidents:
        key, last = keys[view.id]
        parts.append(Part(f"incidents/{view.id}.html", key, incident_page(view, last)))
    return parts


def incident_keys(page: Page) -> dict[int, tuple[str, datetime]]:
    """Each listed incident's key (what its page and its share of the feed,
    the history and the JSON are made of) and the time its page gives as
    last updated: for an open incident when the site was built, for a
    resolved one when the incident last changed, so its page stays the same."""
    settings = _sources_digest() + repr(page.config).encode()
    blake2b = hashlib.blake2b
    keys = {}
    for view in page.incidents:
        last = page.generated_at if view.public_status != "resolved" else _last_change(view)
        made_of = (_INCIDENT_FIELDS(view), tuple(map(_UPDATE_FIELDS, view.updates)), last)
        key = blake2b(settings + repr(made_of).encode(), digest_size=16).hexdigest()
        keys[view.id] = (key, last)
    return keys


def render_html(page: Page) -> dict[str, str]:
    """Path (relative to the site) -> HTML."""
    return {part.rel: part.make().decode() for part in html_parts(page)}


def _names(page: Page) -> dict[str, str]:
    return {c.id: c.name for c in page.config.components}


def escape(text: str) -> str:
    """xml.sax.saxutils.escape: the text of an element."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(text: str) -> str:
    """xml.sax.saxutils.quoteattr: an attribute's value, quoted."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))


def render_feed(page: Page, made: dict[str, Fragments] | None = None) -> str:
    """The Atom feed (RFC 4287): one entry per published update, newest first
    (a correction takes its update's place, and its time); texts shown().

    Written as the standard library's XMLGenerator (short empty elements)
    writes it, character for character (a test holds the two side by side);
    put together here because the writer's call per tag and per text was
    most of the feed's time, and importing xml.sax.saxutils for its escape()
    and quoteattr() brings urllib, http, email and ssl with it (~20 ms)."""
    if made is None:
        made = _fragments(page, incident_keys(page), {})
    entries = [entry for fragments in made.values() for entry in fragments.feed]
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        _element("id", f"urn:warroom:{page.config.page_id}:feed"),
        _element("title", shown(page.config.title)),
        _element("updated", entries[0][2] if entries else _iso(page.generated_at)),
        _atom_link("self", page.link("feed.atom")),
        _atom_link("alternate", page.link("index.html"), "text/html"),
        f"<author>{_element('name', shown(page.config.title))}</author>",
        *(entry[3] for entry in entries),
        "</feed>",
    ]
    return "".join(out)


def _element(name: str, text: str | None, attrs: str = "") -> str:
    return f"<{name}{attrs}>{escape(text)}</{name}>" if text else f"<{name}{attrs}/>"


def _atom_link(rel: str, href: str, kind: str | None = None) -> str:
    typed = f" type={quoteattr(kind)}" if kind else ""
    return f"<link rel={quoteattr(rel)}{typed} href={quoteattr(href)}/>"


_FEED_WORDS = {k: escape(f": {w}") for k, w in STATUS_WORDS.items()}
_TEXT = ' type="text"'


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _feed_entries(page: Page, view: PublicIncident) -> tuple[tuple[int, int, str | None, str], ...]:
    """An incident's feed entries: (updated in microseconds since 1970, the
    first entry's id, updated as written, the <entry>): ints and strings, as
    a pickle loads 10,000 datetimes six times slower."""
    title = escape(shown(view.title))
    alternate = _atom_link("alternate", page.link(f"incidents/{view.id}.html"), "text/html")
    entry_id = escape(f"urn:warroom:{page.config.page_id}:update:")
    out = []
    for update in view.updates:
        updated = update.corrected_at or update.published_at
        text = (
            f"<entry><id>{entry_id}{update.first_entry_id}</id>"
            f"<title>{title}{_FEED_WORDS[update.status]}</title>"
            f"{_element('published', _iso(update.published_at))}"
            f"{_element('updated', _iso(updated))}"
            f"{alternate}{_element('content', shown(update.text), _TEXT)}</entry>"
        )
        out.append(((updated - _EPOCH) // _MICROSECOND, update.first_entry_id, _iso(updated), text))
    return tuple(out)


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
            "created_at": _iso(updates[0].published_at),  # as the incident has them:
            "updated_at": _iso(last),  # the same from one build to the next
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


class Fragments(NamedTuple):
    """An incident's share of the files that list every incident: its object
    in incidents.json, its item in history.html, its entries in feed.atom.
    Kept from one build to the next under the incident's key (`_load`)."""

    json: str
    history: str
    feed: tuple[tuple[int, int, str | None, str], ...]


def _fragments(
    page: Page, keys: dict[int, tuple[str, datetime]], kept: dict[str, Fragments]
) -> dict[str, Fragments]:
    """Each listed incident's fragments: kept ones reused, the others made."""
    made: dict[str, Fragments] = {}
    names = _names(page)
    template = None
    for view in page.incidents:
        key = keys[view.id][0]
        found = kept.get(key)
        if found is None:
            if template is None:
                template = environment().get_template("history_item.html.j2")
            when = functools.partial(_when, zone=page.zone)
            history = template.render(incident=view, impact=page.impact(view), when=when)
            found = Fragments(
                json_text(_incident_json(page, view, names))[:-1],
                history,
                _feed_entries(page, view),
            )
        made[key] = found
    return made


def _json_texts(
    page: Page, keys: dict[int, tuple[str, datetime]], made: dict[str, Fragments]
) -> dict[str, str]:
    """render_json's files as json_text writes them, put together from the
    incidents' kept JSON (a test holds the two side by side)."""
    meta = json_text(_page_json(page))[:-1]
    status = json_text({"indicator": page.indicator, "description": page.description})[:-1]
    components = json_text(_components_json(page))[:-1]
    listed = [made[keys[v.id][0]].json for v in page.incidents]
    unresolved = ",".join(
        made[keys[v.id][0]].json for v in page.incidents if v.public_status != "resolved"
    )
    return {
        "api/v2/summary.json": f'{{"page":{meta},"components":{components},"incidents":'
        f'[{unresolved}],"scheduled_maintenances":[],"status":{status}}}\n',
        "api/v2/status.json": f'{{"page":{meta},"status":{status}}}\n',
        "api/v2/components.json": f'{{"page":{meta},"components":{components}}}\n',
        "api/v2/incidents.json": f'{{"page":{meta},"incidents":[{",".join(listed)}]}}\n',
        "api/v2/incidents/unresolved.json": f'{{"page":{meta},"incidents":[{unresolved}]}}\n',
    }


def site_parts(page: Page, kept: dict[str, Fragments] | None = None) -> list[Part]:
    """Every file of the site, to be made or reused (`kept`: the fragments
    of the last build, by key; the ones this build made are put back in it)."""
    keys = incident_keys(page)
    made = _fragments(page, keys, kept or {})
    if kept is not None:
        kept.clear()
        kept.update(made)
    parts = html_parts(page, keys, made)
    feed = render_feed(page, made)
    parts.append(Part("feed.atom", FRESH, functools.partial(str.encode, feed)))
    for path, text in _json_texts(page, keys, made).items():
        parts.append(Part(path, FRESH, functools.partial(str.encode, text)))
    parts.append(Part("style.css", None, (TEMPLATES / "style.css").read_bytes))
    return parts


def render_site(page: Page) -> dict[str, str]:
    """Every file of the site: relative path -> text."""
    return {part.rel: part.make().decode() for part in site_parts(page)}


# ------------------------------------------------------------------- writing
def build(store, policy: Policy, folder: Path | str, now: datetime | None = None) -> Path:
    """Build the page into `folder`, swapping the new site into place."""
    folder = _check_folder(Path(folder))
    with _one_build_at_a_time(folder):
        page = make_page(policy, collect(store, policy), now or store.clock())
        kept_at = _kept_path(folder)
        kept = _load(kept_at)
        write_site(folder, site_parts(page, kept))
        _keep(kept_at, kept)
    return folder


@contextlib.contextmanager
def _one_build_at_a_time(folder: Path):
    """Builds of one folder, one after the other (a lock file beside it): two
    publishes at once each rebuild, and the one that read the store last
    swaps its page in last, so the page never lacks the later update."""
    import fcntl

    fd = os.open(
        folder.parent / f".{folder.name}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644
    )
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _kept_path(folder: Path) -> Path | None:
    """Where the fragments of the page built in `folder` are kept between
    builds: the user's cache folder (private: what is in it is unpickled)."""
    base = _private_cache("statuspage")
    if base is None:
        return None
    name = hashlib.blake2b(os.fsencode(folder), digest_size=16).hexdigest()
    return base / f"{name}.pickle"


def _load(path: Path | None) -> dict[str, Fragments]:
    """The fragments kept by the last build ({} when there are none or they
    cannot be read: they are then made)."""
    import pickle

    if path is None:
        return {}
    try:
        with open(path, "rb") as f:
            version, sources, kept = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return {}
    except Exception:  # noqa: BLE001 - a cache torn by a crash is only a cache
        return {}
    if version != MANIFEST_VERSION or sources != _sources_digest() or not isinstance(kept, dict):
        return {}
    return {k: Fragments(*v) for k, v in kept.items()}


def _keep(path: Path | None, kept: dict[str, Fragments]) -> None:
    """Keep this build's fragments for the next (a cache: no fsync; a torn
    file fails to load and the next build makes them again)."""
    import pickle

    if path is None:
        return
    data = pickle.dumps(
        (MANIFEST_VERSION, _sources_digest(), {k: tuple(v) for k, v in kept.items()}),
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _check_folder(folder: Path) -> Path:
    folder = Path(os.path.abspath(folder))
    built_here = (folder / MARKER).is_file()
    if folder.exists() and not built_here and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(
            f"{folder} exists and is not a status page warroom built: give a new or empty folder"
        )
    if not folder.parent.is_dir():
        raise UsageError(f"{folder.parent} is not a folder: make it first")
    return folder


def write_site(folder: Path, parts: list[Part] | dict[str, str]) -> Path:
    """Write the site into a new folder beside `folder` and swap it in.

    Each file is new (never an existing one written over), made durable
    (fsync) before the swap, so no reader and no crash sees half a file.
    A file the previous build made from the same data (the key in its
    manifest, and the file still the one it wrote) is hard-linked into the
    new folder instead: the same bytes, no new inode. Creating a file costs
    this machine's ext4 up to a millisecond (it passes over recently freed
    inodes); a link, a hundredth of that."""
    if isinstance(parts, dict):
        parts = [
            Part(rel, None, functools.partial(str.encode, text)) for rel, text in parts.items()
        ]
    folder = _check_folder(folder)
    parent = folder.parent
    fresh = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=parent))
    previous = _open_previous(folder)
    try:
        os.chmod(fresh, 0o755)  # a public page: readable by the web server
        leaves = {Path(os.path.dirname(p.rel)) for p in parts}
        subs = sorted({str(d) for leaf in leaves for d in (leaf, *leaf.parents)} - {"."})
        for sub in subs:  # parents first
            os.mkdir(fresh / sub)
            os.chmod(fresh / sub, 0o755)
        root = os.open(fresh, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            manifest = _write_parts(root, parts, previous)
            listing = json.dumps({"version": MANIFEST_VERSION, "files": manifest})
            data = f"built by warroom statuspage build\n{listing}\n".encode()
            _fsync_all([_write_file(root, MARKER, data, keep=True)])
            for sub in ("", *subs):  # the new names are on disk before the swap
                _fsync_path(sub or ".", root)
        finally:
            os.close(root)
        _swap_into_place(fresh, folder)
        _fsync_path(str(parent))
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    finally:
        if previous is not None:
            os.close(previous[0])
    return folder


MANIFEST_VERSION = 1


def _open_previous(folder: Path) -> tuple[int, dict[str, list]] | None:
    """The site now in place, open (a descriptor, so a swap meanwhile does
    not matter), with the manifest its build wrote. None when there is none
    or it cannot be read: every file is then made anew."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        marker = os.open(MARKER, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
        try:
            with os.fdopen(marker, "rb", closefd=False) as f:
                text = f.read(16 << 20)
        finally:
            os.close(marker)
        _, _, listing = text.partition(b"\n")
        manifest = json.loads(listing)
        if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
            raise ValueError("another manifest")
        files = manifest["files"]
        if not isinstance(files, dict):
            raise ValueError("no files")
    except (OSError, ValueError, KeyError):
        os.close(fd)
        return None
    return fd, files


# Up to this many new files are each fsynced; past it (a first build, or one
# after an upgrade changed every page) one syncfs flushes them all: a
# thousand fsyncs queue behind each other and behind the disk's other writes.
FSYNC_EACH = 64


def _write_parts(
    root: int, parts: list[Part], previous: tuple[int, dict[str, list]] | None
) -> dict[str, list]:
    """Write (or link) each part under `root`, durable on return; the manifest
    of what was written."""
    manifest: dict[str, list] = {}
    old_root, old_files = previous if previous is not None else (-1, {})
    pending: list[int] = []  # new files, open to be fsynced
    many = False
    try:
        for part in parts:
            data = None
            key = part.key
            if key is None:
                data = part.make()
                key = "sha:" + hashlib.blake2b(data, digest_size=16).hexdigest()
            old = old_files.get(part.rel) if key != FRESH else None
            if isinstance(old, list) and old[:1] == [key] and _link(old_root, root, part.rel, old):
                manifest[part.rel] = old
                continue
            if data is None:
                data = part.make()
            fd = _write_file(root, part.rel, data, keep=True)
            try:
                done = os.fstat(fd)
            finally:
                if many:
                    os.close(fd)
                else:
                    pending.append(fd)
            manifest[part.rel] = [key, done.st_size, done.st_mtime_ns, done.st_ino]
            if len(pending) > FSYNC_EACH:
                many = True
                _close_all(pending)
        if many:
            _syncfs(root)
        else:
            _fsync_all(pending)
    finally:
        _close_all(pending)
    return manifest


def _close_all(fds: list[int]) -> None:
    while fds:
        os.close(fds.pop())


def _fsync_all(fds: list[int]) -> None:
    while fds:
        fd = fds.pop()
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _syncfs(fd: int) -> None:
    """Linux's syncfs: everything written to the file system `fd` is on."""
    import ctypes

    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        os.sync()
        return
    if syncfs(fd) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"syncfs: {os.strerror(code)}")


def _fsync_path(path: str, dir_fd: int | None = None) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _link(old_root: int, root: int, rel: str, old: list) -> bool:
    """Hard-link the previous build's file into the new folder when it is
    still the file that build wrote (same inode, size and time). False when
    it is not, or the link cannot be made: the file is then written."""
    if old_root < 0 or len(old) != 4:
        return False
    try:
        found = os.stat(rel, dir_fd=old_root, follow_symlinks=False)
        if (
            not stat.S_ISREG(found.st_mode)
            or [found.st_size, found.st_mtime_ns, found.st_ino] != old[1:]
        ):
            return False
        os.link(rel, rel, src_dir_fd=old_root, dst_dir_fd=root, follow_symlinks=False)
    except OSError:  # gone, another owner (protected_hardlinks), too many links
        return False
    return True


def _write_file(root: int, rel: str, data: bytes, keep: bool = False) -> int:
    """A new file (never an existing one) under the folder open as `root`:
    one open, write and close, no buffering layers. With keep, the file is
    left open and its descriptor returned (to fsync it)."""
    fd = os.open(rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644, dir_fd=root)
    try:
        os.fchmod(fd, 0o644)  # whatever the umask
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:
        os.close(fd)
        raise
    if keep:
        return fd
    os.close(fd)
    return -1


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
