"""The response policy: priorities, SLA budgets, cadence, roles, stages,
categories and the triage checklist. Data with defaults, TOML overrides."""

from __future__ import annotations

import functools
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from warroom.core.errors import UsageError
from warroom.core.record import field, record
from warroom.core.text import is_unsafe

UNTRIAGED = "untriaged"
CLOCKS = ("acknowledge", "triage", "remediate", "retro")
# The incident field that stops each clock.
CLOCK_MILESTONE = {
    "acknowledge": "acknowledged_at",
    "triage": "triaged_at",
    "remediate": "remediated_at",
    "retro": "retro_at",
}
# Every time of the incident that can be recorded, moved or withdrawn: the
# clocks' milestones, the impact window (which may begin before the report),
# and the report and the close (moved only: every clock starts at the report,
# and reopening withdraws a close).
MILESTONE_FIELDS = {
    "reported": "reported_at",
    **CLOCK_MILESTONE,
    "impact-start": "impact_started_at",
    "impact-end": "impact_ended_at",
    "close": "closed_at",
}
MILESTONES = tuple(MILESTONE_FIELDS)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$")
MAX_DURATION = timedelta(days=366)
# Shorter than this, a clock is overdue before anyone could act on it.
MIN_DURATION = timedelta(seconds=30)
_UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> timedelta:
    """'30m', '1h', '3d' or a number of minutes -> timedelta."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value) * 60
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"not a duration: {value!r} (use e.g. 30m, 4h, 3d)")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not seconds > 0:
        raise ValueError(f"duration must be positive: {value!r}")
    if seconds < MIN_DURATION.total_seconds():
        raise ValueError(f"duration is shorter than 30 seconds: {value!r}")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"duration is longer than a year: {value!r}")
    return timedelta(seconds=seconds)


@record
class ChecklistItem:
    id: str
    group: str
    text: str


# What a status page says of an incident's priority (Statuspage's incident
# impact), and the states a component may be in.
IMPACTS = ("none", "minor", "major", "critical")
COMPONENT_STATES = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)
PUBLIC_STATUSES = ("investigating", "identified", "monitoring", "resolved")
_COMPONENT_ID = re.compile(r"^[a-z0-9-]{1,64}$")
_PAGE_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


@record
class Component:
    """A part of the service stakeholders see on the status page."""

    id: str
    name: str
    group: str = ""
    description: str = ""


@record
class StatusPage:
    """The public status page: what it is called, what it lists, where it goes."""

    title: str = "Service status"
    page_id: str = "warroom"  # stable: Statuspage's `page.id`
    base_url: str = ""  # where the page is served, for the feed's and the JSON's links
    history_days: int = 90
    zone: str = "UTC"  # the zone every time on the page is shown in (and named)
    impact: dict[str, str] = field(default_factory=dict)  # priority -> none/minor/major/critical
    components: tuple[Component, ...] = ()
    dir: str = ""  # when set, every publish, close and correction rebuilds the page there

    def component(self, component_id: str) -> Component | None:
        return next((c for c in self.components if c.id == component_id), None)

    def impact_of(self, priority: str) -> str:
        return self.impact.get(priority, "major")


@record
class Route:
    """An [[intake.route]] rule: alerts whose labels all match (a value, or
    one of a list) propose an incident of this category and priority."""

    match: dict[str, Any]  # a label's name -> a value, or a list of values
    category: str | None = None
    priority: str | None = None

    def matches(self, labels: dict[str, str]) -> bool:
        for name, wanted in self.match.items():
            value = labels.get(name)
            if value is None or value not in (wanted if isinstance(wanted, list) else [wanted]):
                return False
        return True


@record
class RunbookTask:
    """One step of a runbook: shown to the team, never run by warroom."""

    id: str
    title: str
    role: str  # whoever holds it owns the task (until someone takes it)
    due: timedelta  # after the reported time
    description: str = ""
    command: str = ""  # to copy: shown, never run
    every: timedelta | None = None  # a repeating task: the next one this long after
    until: str = ""  # the stage at which a repeating task stops
    after: str = ""  # another task's id (of the same runbook) that comes first


@record
class Runbook:
    id: str
    title: str
    priorities: tuple[str, ...] = ()  # empty: every priority
    categories: tuple[str, ...] = ()  # empty: every category
    tasks: tuple[RunbookTask, ...] = ()

    def matches(self, priority: str, category: str) -> bool:
        return (not self.priorities or priority in self.priorities) and (
            not self.categories or category in self.categories
        )


@record
class Policy:
    priorities: tuple[str, ...]
    untriaged_as: str
    due_soon_fraction: float
    stages: tuple[str, ...]
    categories: tuple[str, ...]
    single_roles: tuple[str, ...]
    multi_role: str
    clocks: dict[str, dict[str, timedelta]]
    update_cadence: dict[str, timedelta]
    checklist: tuple[ChecklistItem, ...]
    source: str = "built-in"
    change_role: str | None = None  # who applies changes; None when the policy names nobody
    drills_run_hook: bool = False  # whether a drill's published updates go to the publish hook
    status_page: StatusPage = field(default_factory=StatusPage)
    intake_routes: tuple[Route, ...] = ()  # [[intake.route]]: first match wins
    refire_window: timedelta = timedelta(minutes=15)  # a re-fire within it reopens the alert

    def route(self, labels: dict[str, str]) -> tuple[str | None, str]:
        """The category (None: the policy's first) and priority for alerts
        with these labels: the first matching [[intake.route]], else untriaged."""
        for rule in self.intake_routes:
            if rule.matches(labels):
                return rule.category, rule.priority or UNTRIAGED
        return None, UNTRIAGED

    runbooks: tuple[Runbook, ...] = ()

    def runbooks_for(self, priority: str, category: str) -> tuple[Runbook, ...]:
        """The runbooks that apply to an incident of this priority and category
        (an untriaged incident counts as the priority it is handled as)."""
        effective = self.effective_priority(priority)
        return tuple(
            r
            for r in self.runbooks
            if r.matches(priority, category) or r.matches(effective, category)
        )

    def runbook(self, runbook_id: str) -> Runbook | None:
        return next((r for r in self.runbooks if r.id == runbook_id), None)

    @property
    def roles(self) -> tuple[str, ...]:
        return (*self.single_roles, self.multi_role)

    @property
    def priority_choices(self) -> tuple[str, ...]:
        return (*self.priorities, UNTRIAGED)

    def effective_priority(self, priority: str) -> str:
        """Untriaged incidents run on the most urgent table until triaged."""
        return self.untriaged_as if priority == UNTRIAGED else priority

    def knows(self, priority: str) -> bool:
        """Whether this policy has clocks for the priority: another team's
        policy (or an older one of ours) may have written one it lacks."""
        return self.effective_priority(priority) in self.clocks

    def priority_label(self, priority: str) -> str:
        """The priority as shown: one this policy lacks says so."""
        return priority if self.knows(priority) else f"{priority} (unknown)"

    def budget(self, priority: str, clock: str) -> timedelta:
        return self.clocks[self.effective_priority(priority)][clock]

    def cadence(self, priority: str) -> timedelta:
        return self.update_cadence[self.effective_priority(priority)]

    def checklist_item(self, item_id: str) -> ChecklistItem | None:
        return next((i for i in self.checklist if i.id == item_id), None)

    @property
    def checklist_groups(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.group for i in self.checklist))

    # Lookups that accept what people type: any case, unique prefixes.
    def match_role(self, text: str) -> str:
        return _match(text, self.roles, "role", aliases={"responders": self.multi_role})

    def match_priority(self, text: str) -> str:
        return _match(text, self.priority_choices, "priority")

    def match_stage(self, text: str) -> str:
        return _match(text, self.stages, "stage")

    @property
    def start_stage(self) -> str:
        """Where a new incident starts: Detect when the policy has it (the built-in
        list starts with Prepare, before any incident), else the list's first stage."""
        return next((s for s in self.stages if s.lower() == "detect"), self.stages[0])

    def match_category(self, text: str) -> str:
        return _match(text, self.categories, "category")


def _match(
    text: str, choices: tuple[str, ...], what: str, aliases: dict[str, str] | None = None
) -> str:
    wanted = text.strip().lower()
    if aliases and wanted in aliases:
        return aliases[wanted]
    for choice in choices:
        if choice.lower() == wanted:
            return choice
    hits = [c for c in choices if wanted and c.lower().startswith(wanted)]
    if len(hits) == 1:
        return hits[0]
    raise UsageError(f"unknown {what} {text!r}; choose one of: {', '.join(choices)}")


@functools.cache
def _default_text() -> str:
    # Read once per process: the file cannot change under a running warroom.
    # Beside this module when installed as files (a plain read: importlib's
    # resource readers cost every CLI verb more than the file itself).
    beside = Path(__file__).with_name("default_policy.toml")
    try:
        return beside.read_text("utf-8")
    except OSError:
        from importlib import resources

        return resources.files("warroom.core").joinpath("default_policy.toml").read_text("utf-8")


def _default_data() -> dict[str, Any]:
    """The built-in policy's tables: from default_policy_data.py (the TOML
    file as JSON, written by `make docs`) while it was made from this very
    text, else the TOML file itself. json is loaded anyway and reads it in
    ~0.1 ms; loading tomllib and parsing the file cost every start ~3 ms."""
    import zlib

    from warroom.core import default_policy_data as made

    text = _default_text()
    if zlib.crc32(text.encode("utf-8")) == made.SOURCE_CRC32:
        import json

        data: dict[str, Any] = json.loads(made.JSON)
        return data
    import tomllib

    return tomllib.loads(text)


def default_policy_data_module() -> str:
    """The text of default_policy_data.py for the TOML file as it stands
    (tools/gen_docs.py writes it; tests/unit/test_docs.py says when it is stale)."""
    import json
    import tomllib
    import zlib

    text = _default_text()
    data = json.dumps(tomllib.loads(text), ensure_ascii=True, separators=(",", ":"))
    # No ' in it (a JSON escape instead), so each piece is written as the
    # formatter would: in "..." unless it holds a ", then in '...'.
    data = data.replace("'", "\\u0027")
    pieces, piece = [], ""
    for char in data:
        if len(piece) + len(char.replace("\\", "\\\\")) > 90:
            pieces.append(piece)
            piece = ""
        piece += char.replace("\\", "\\\\")
    pieces.append(piece)
    quotes = {True: "'", False: '"'}
    lines = "".join(f"    {quotes[chr(34) in p]}{p}{quotes[chr(34) in p]}\n" for p in pieces)
    return (
        '"""The built-in policy (default_policy.toml) as JSON, made by\n'
        "tools/gen_docs.py (`make docs`): read at every start without tomllib\n"
        '(policy._default_data). Do not edit: change the TOML file."""\n\n'
        f"SOURCE_CRC32 = {zlib.crc32(text.encode('utf-8'))}\n"
        f"JSON = (\n{lines})\n"
    )


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _check_word(value: str, what: str, limit: int = 64) -> None:
    """Policy words are shown everywhere and passed to hooks: printable, short."""
    if not value.strip():
        raise ValueError(f"{what} {value!r} is empty: give it a name")
    if len(value) > limit:
        raise ValueError(f"{what} {value[:20]!r}... is longer than {limit} characters")
    if any(is_unsafe(ch) for ch in value):
        raise ValueError(f"{what} {value!r} has control or invisible characters")


def _build(data: dict[str, Any], source: str, own_runbooks: bool = True) -> Policy:
    """own_runbooks False: the runbooks are the built-in ones under a team's
    policy, fitted to it (see _fit_defaults) instead of refused."""
    known = {
        "untriaged_as",
        "due_soon_fraction",
        "stages",
        "categories",
        "single_roles",
        "multi_role",
        "change_role",
        "drills_run_hook",
        "clocks",
        "update_cadence",
        "checklist",
        "status_page",
        "intake",
        "runbook",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}")
    clocks_raw = data["clocks"]
    if not isinstance(clocks_raw, dict) or not clocks_raw:
        raise ValueError("[clocks] must have a table per priority")
    priorities = tuple(clocks_raw)
    clocks: dict[str, dict[str, timedelta]] = {}
    for prio, table in clocks_raw.items():
        _check_word(prio, "priority")
        if not isinstance(table, dict):
            raise ValueError(f"[clocks.{prio}] must be a table")
        missing = [c for c in CLOCKS if c not in table]
        if missing:
            raise ValueError(f"[clocks.{prio}] is missing {missing[0]!r}")
        extra = sorted(set(table) - set(CLOCKS))
        if extra:
            raise ValueError(f"[clocks.{prio}] has unknown clock {extra[0]!r}")
        try:
            clocks[prio] = {c: parse_duration(table[c]) for c in CLOCKS}
        except ValueError as exc:
            raise ValueError(f"[clocks.{prio}]: {exc}") from None
    cadence_raw = data["update_cadence"]
    cadence: dict[str, timedelta] = {}
    for prio in priorities:
        if prio not in cadence_raw:
            raise ValueError(f"[update_cadence] has no entry for {prio}")
        try:
            cadence[prio] = parse_duration(cadence_raw[prio])
        except ValueError as exc:
            raise ValueError(f"[update_cadence]: {exc}") from None
    untriaged_as = data["untriaged_as"]
    if untriaged_as not in priorities:
        raise ValueError(f"untriaged_as {untriaged_as!r} is not one of {', '.join(priorities)}")
    fraction = data["due_soon_fraction"]
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 <= fraction < 1:
        raise ValueError("due_soon_fraction must be a number from 0 up to 1")

    def names(key: str) -> tuple[str, ...]:
        value = data[key]
        if not isinstance(value, list) or not value:
            raise ValueError(f"{key} must be a non-empty list of names")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise ValueError(f"{key} must hold only non-empty strings")
        if len(set(value)) != len(value):
            raise ValueError(f"{key} has duplicates")
        for v in value:
            _check_word(v, key)
        return tuple(value)

    multi_role = data["multi_role"]
    if not isinstance(multi_role, str) or not multi_role.strip():
        raise ValueError("multi_role must be a name")
    _check_word(multi_role, "multi_role")
    single_roles = names("single_roles")
    if multi_role.casefold() in {r.casefold() for r in single_roles}:
        raise ValueError(f"role {multi_role!r} is in both single_roles and multi_role")
    change_role = data.get("change_role")
    if change_role == "":
        change_role = None  # a team may choose to have nobody in that role
    if change_role is not None and change_role not in single_roles:
        raise ValueError(f"change_role {change_role!r} must be one of single_roles")
    drills_run_hook = data.get("drills_run_hook", False)
    if not isinstance(drills_run_hook, bool):
        raise ValueError("drills_run_hook must be true or false")
    items = []
    for n, raw in enumerate(data["checklist"], 1):
        if not isinstance(raw, dict) or not all(
            isinstance(raw.get(k), str) and raw[k].strip() for k in ("id", "group", "text")
        ):
            raise ValueError(f"checklist item {n} needs string id, group and text")
        for key in ("id", "group", "text"):
            _check_word(raw[key], f"checklist item {n} {key}", 2000 if key == "text" else 64)
        items.append(ChecklistItem(raw["id"], raw["group"], raw["text"]))
    if len({i.id for i in items}) != len(items):
        raise ValueError("checklist item ids must be unique")
    routes, refire = _intake(data.get("intake", {}), priorities, names("categories"))
    stages = names("stages")
    categories = names("categories")
    roles = (*single_roles, multi_role)
    raw_books = data.get("runbook", [])
    if not own_runbooks:
        raw_books = _fit_defaults(raw_books, priorities, categories, stages, roles)
    runbooks = _runbooks(raw_books, priorities, categories, stages, roles)
    return Policy(
        priorities=priorities,
        untriaged_as=untriaged_as,
        due_soon_fraction=float(fraction),
        stages=stages,
        categories=categories,
        single_roles=single_roles,
        multi_role=multi_role,
        clocks=clocks,
        update_cadence=cadence,
        checklist=tuple(items),
        source=source,
        change_role=change_role,
        drills_run_hook=drills_run_hook,
        status_page=_status_page(data.get("status_page", {}), priorities),
        intake_routes=routes,
        refire_window=refire,
        runbooks=runbooks,
    )


def _status_page(raw: Any, priorities: tuple[str, ...]) -> StatusPage:
    """The [status_page] table and its [[status_page.components]]."""
    if not isinstance(raw, dict):
        raise ValueError("[status_page] must be a table")
    known = {"title", "page_id", "base_url", "history_days", "zone", "impact", "components", "dir"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"[status_page] has unknown key {unknown[0]!r}")

    def text(key: str, default: str, limit: int = 200, empty: bool = False) -> str:
        value: object = raw.get(key, default)
        if not isinstance(value, str):
            raise ValueError(f"[status_page] {key} must be a string")
        if value or not empty:
            _check_word(value, f"[status_page] {key}", limit)
        return value

    title = text("title", "Service status")
    page_id = text("page_id", "warroom")
    if not _PAGE_ID.match(page_id):
        raise ValueError(f"[status_page] page_id {page_id!r} may hold only letters, digits and -")
    base_url = text("base_url", "", 2000, empty=True).rstrip("/")
    if base_url and not base_url.startswith(("https://", "http://")):
        raise ValueError(f"[status_page] base_url {base_url!r} must start with https://")
    folder = text("dir", "", 4000, empty=True)
    days = raw.get("history_days", 90)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise ValueError("[status_page] history_days must be a whole number from 1 to 366")
    zone = text("zone", "UTC", 64)
    try:
        if zone != "UTC":  # the default needs no zone database (loading it: ~2 ms a start)
            from zoneinfo import ZoneInfo

            ZoneInfo(zone)
    except (ValueError, OSError, LookupError):
        raise ValueError(
            f"[status_page] zone {zone!r} is not a time zone (e.g. UTC, Europe/Berlin)"
        ) from None
    impact_raw = raw.get("impact", {})
    if not isinstance(impact_raw, dict):
        raise ValueError("[status_page.impact] must map priorities to impacts")
    impact = {}
    for prio, value in impact_raw.items():
        if prio not in priorities:
            raise ValueError(f"[status_page.impact] {prio!r} is not one of {', '.join(priorities)}")
        if value not in IMPACTS:
            raise ValueError(
                f"[status_page.impact] {prio} = {value!r}: choose one of {', '.join(IMPACTS)}"
            )
        impact[prio] = value
    components = []
    listed = raw.get("components", [])
    if not isinstance(listed, list):
        raise ValueError("[[status_page.components]] must be a list of tables")
    for n, item in enumerate(listed, 1):
        where = f"status page component {n}"
        if not isinstance(item, dict):
            raise ValueError(f"{where} must be a table")
        extra = sorted(set(item) - {"id", "name", "group", "description"})
        if extra:
            raise ValueError(f"{where} has unknown key {extra[0]!r}")
        cid, name = item.get("id"), item.get("name")
        if not isinstance(cid, str) or not _COMPONENT_ID.match(cid):
            raise ValueError(f"{where}: id {cid!r} must be 1-64 of a-z, 0-9 and -")
        if not isinstance(name, str):
            raise ValueError(f"{where} ({cid}) needs a name")
        _check_word(name, f"{where} ({cid}) name", 100)
        group = item.get("group", "")
        description = item.get("description", "")
        if not isinstance(group, str) or not isinstance(description, str):
            raise ValueError(f"{where} ({cid}): group and description must be strings")
        if group:
            _check_word(group, f"{where} ({cid}) group", 100)
        if description:
            _check_word(description, f"{where} ({cid}) description", 500)
        components.append(Component(cid, name, group, description))
    ids = [c.id for c in components]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"status page component id {dupes[0]!r} is listed twice")
    return StatusPage(
        title=title,
        page_id=page_id,
        base_url=base_url,
        history_days=days,
        zone=zone,
        impact=impact,
        components=tuple(components),
        dir=folder,
    )


def _intake(
    raw: Any, priorities: tuple[str, ...], categories: tuple[str, ...]
) -> tuple[tuple[Route, ...], timedelta]:
    """[intake]: refire_window and the [[intake.route]] rules, checked."""
    if not isinstance(raw, dict):
        raise ValueError("[intake] must be a table")
    extra = sorted(set(raw) - {"route", "refire_window"})
    if extra:
        raise ValueError(f"[intake] has unknown key {extra[0]!r}")
    try:
        refire = parse_duration(raw.get("refire_window", "15m"))
    except ValueError as exc:
        raise ValueError(f"[intake] refire_window: {exc}") from None
    rules = raw.get("route", [])
    if not isinstance(rules, list):
        raise ValueError("intake.route must be a list of tables ([[intake.route]])")
    routes = []
    for n, rule in enumerate(rules, 1):
        what = f"[[intake.route]] {n}"
        if not isinstance(rule, dict):
            raise ValueError(f"{what} must be a table")
        extra = sorted(set(rule) - {"match", "category", "priority"})
        if extra:
            raise ValueError(f"{what} has unknown key {extra[0]!r}")
        match = rule.get("match")
        if not isinstance(match, dict) or not match:
            raise ValueError(f'{what} needs match = {{label = "value", ...}}')
        for name, wanted in match.items():
            values = wanted if isinstance(wanted, list) else [wanted]
            if not values or not all(isinstance(v, str) for v in values):
                raise ValueError(f"{what}: label {name!r} must match a string or a list of them")
        category, priority = rule.get("category"), rule.get("priority")
        if category is not None and category not in categories:
            raise ValueError(f"{what}: category {category!r} is not one of the categories")
        if priority is not None and priority not in (*priorities, UNTRIAGED):
            raise ValueError(f"{what}: priority {priority!r} is not one of {', '.join(priorities)}")
        routes.append(Route(match, category, priority))
    return tuple(routes), refire


_RUNBOOK_KEYS = {"id", "title", "when", "task"}
_TASK_KEYS = {"id", "title", "description", "command", "role", "due", "every", "until", "after"}


def _text(raw: dict[str, Any], key: str, where: str, limit: int, required: bool = False) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"{where}: {key} must be text")
    if required and not value.strip():
        raise ValueError(f"{where}: {key} is missing")
    if value:
        if len(value) > limit:
            raise ValueError(f"{where}: {key} is longer than {limit} characters")
        if any(is_unsafe(ch) for ch in value if ch != "\n"):
            raise ValueError(f"{where}: {key} has control or invisible characters")
    return value.strip()


def _fit_defaults(
    raw: list[Any],
    priorities: tuple[str, ...],
    categories: tuple[str, ...],
    stages: tuple[str, ...],
    roles: tuple[str, ...],
) -> list[Any]:
    """The built-in runbooks under a policy with other priorities, categories,
    stages or roles: what names none of them is left out (a runbook whose
    `when` names none of this policy's, a task whose role it lacks), a
    repeating task stops at no stage the policy lacks."""
    fitted = []
    for book in raw:
        book = dict(book)
        when = dict(book.get("when", {}))
        dropped = False
        for key, known in (("priorities", priorities), ("categories", categories)):
            if key in when:
                kept = [v for v in when[key] if v in known]
                dropped = dropped or not kept
                when[key] = kept
        book["when"] = when
        tasks = [dict(t) for t in book.get("task", []) if t.get("role") in roles]
        ids = {t["id"] for t in tasks}
        for task in tasks:
            if task.get("until") and task["until"] not in stages:
                del task["until"]
            if task.get("after") and task["after"] not in ids:
                del task["after"]
        book["task"] = tasks
        if not dropped and tasks:
            fitted.append(book)
    return fitted


def _keyed_table(table: object, where: str, keys: set[str]) -> str:
    """A [[runbook]] or [[runbook.task]] table: a table of known keys with a
    word for its id (returned); one line naming `where` otherwise."""
    if not isinstance(table, dict):
        raise ValueError(f"{where} must be a table")
    extra = sorted(set(table) - keys)
    if extra:
        raise ValueError(f"{where}: unknown key {extra[0]!r}")
    table_id = _text(table, "id", where, 64, required=True)
    _check_word(table_id, f"{where} id")
    return table_id


def _runbooks(
    raw: Any,
    priorities: tuple[str, ...],
    categories: tuple[str, ...],
    stages: tuple[str, ...],
    roles: tuple[str, ...],
) -> tuple[Runbook, ...]:
    """[[runbook]] tables, each checked: one message naming the runbook (and
    task) and what is wrong with it."""
    if not isinstance(raw, list):
        raise ValueError("runbook must be a list of tables ([[runbook]])")
    books: list[Runbook] = []
    for n, book in enumerate(raw, 1):
        book_id = _keyed_table(book, f"runbook {n}", _RUNBOOK_KEYS)
        where = f"runbook {book_id!r}"
        title = _text(book, "title", where, 200) or book_id
        when = book.get("when", {})
        if not isinstance(when, dict):
            raise ValueError(f"{where}: when must be a table (priorities, categories)")
        extra = sorted(set(when) - {"priorities", "categories"})
        if extra:
            raise ValueError(f"{where}: when has unknown key {extra[0]!r}")
        chosen: dict[str, tuple[str, ...]] = {}
        for key, known in (("priorities", priorities), ("categories", categories)):
            values = when.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValueError(f"{where}: when.{key} must be a list of names")
            for value in values:
                if value not in known:
                    raise ValueError(
                        f"{where}: when.{key} names {value!r}, not one of {', '.join(known)}"
                    )
            chosen[key] = tuple(values)
        tasks_raw = book.get("task", [])
        if not isinstance(tasks_raw, list) or not tasks_raw:
            raise ValueError(f"{where} has no tasks ([[runbook.task]])")
        tasks: list[RunbookTask] = []
        for m, task in enumerate(tasks_raw, 1):
            task_id = _keyed_table(task, f"{where} task {m}", _TASK_KEYS)
            there = f"{where} task {task_id!r}"
            role = _text(task, "role", there, 64, required=True)
            if role not in roles:
                raise ValueError(f"{there}: role {role!r} is not one of {', '.join(roles)}")
            if "due" not in task:
                raise ValueError(f'{there}: due is missing (e.g. due = "15m")')
            try:
                due = parse_duration(task["due"])
                every = parse_duration(task["every"]) if "every" in task else None
            except ValueError as exc:
                raise ValueError(f"{there}: {exc}") from None
            until = _text(task, "until", there, 64)
            if until and until not in stages:
                raise ValueError(f"{there}: until {until!r} is not one of {', '.join(stages)}")
            if until and every is None:
                raise ValueError(f"{there}: until is for a repeating task (give every)")
            tasks.append(
                RunbookTask(
                    id=task_id,
                    title=_text(task, "title", there, 200, required=True),
                    role=role,
                    due=due,
                    description=_text(task, "description", there, 2000),
                    command=_text(task, "command", there, 2000),
                    every=every,
                    until=until,
                    after=_text(task, "after", there, 64),
                )
            )
        ids = [t.id for t in tasks]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{where}: task ids must be unique")
        for t in tasks:
            if t.after and t.after not in ids:
                raise ValueError(f"{where} task {t.id!r}: after {t.after!r} is not a task here")
            if t.after == t.id:
                raise ValueError(f"{where} task {t.id!r}: a task cannot come after itself")
        books.append(
            Runbook(book_id, title, chosen["priorities"], chosen["categories"], tuple(tasks))
        )
    if len({b.id for b in books}) != len(books):
        raise ValueError("runbook ids must be unique")
    return tuple(books)


def default_policy() -> Policy:
    return _build(_default_data(), "built-in")


MAX_POLICY_BYTES = 1024 * 1024


class _NotRegular(Exception):
    pass


class _TooLarge(Exception):
    pass


def read_small_file(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most `limit`: a device (/dev/zero), a FIFO
    (which would wait for a writer) or a huge file is refused, never read."""
    import os
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise _NotRegular(path)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _TooLarge(path)
        return b"".join(chunks)
    finally:
        os.close(fd)


def load_policy(path: Path | None) -> Policy:
    """The built-in policy, with the TOML file at `path` (if any) laid over it."""
    if path is None:
        return default_policy()
    try:
        raw = read_small_file(path, MAX_POLICY_BYTES)
    except _NotRegular:
        raise UsageError(f"policy file {path}: not a regular file") from None
    except _TooLarge:
        raise UsageError(
            f"policy file {path}: larger than {MAX_POLICY_BYTES // 1024} KiB, not a policy"
        ) from None
    except FileNotFoundError:
        raise UsageError(f"policy file {path}: not found") from None
    except IsADirectoryError:
        raise UsageError(f"policy file {path}: is a directory") from None
    except OSError as exc:
        raise UsageError(f"policy file {path}: {exc.strerror}") from None
    import tomllib

    try:
        override = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"policy file {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"policy file {path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise UsageError(f"policy file {path}: nested too deeply") from None
    # Tables merge key by key; a list (the checklist, stages) replaces the default whole.
    try:
        return _build(
            _merge(_default_data(), override), str(path), own_runbooks="runbook" in override
        )
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise UsageError(f"policy file {path}: {exc}") from None
