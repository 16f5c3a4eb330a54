"""Learning across incidents: is the priority table a promise that is kept?

Pure arithmetic over what the store hands out (incidents with their recorded
milestone times, published update times, action items), so the CLI and the TUI
show the same figures. Times are the recorded ones, not when they were typed,
so a backfilled incident counts at its real times. Drills are counted apart.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .model import ActionItem, Incident
from .policy import CLOCKS, Policy
from .sla import MET, MISSED, OVERDUE, clock_states

# The durations measured, each from the reported time to a milestone.
TIMES = ("acknowledge", "triage", "remediate", "close")
_MILESTONE = {
    "acknowledge": "acknowledged_at",
    "triage": "triaged_at",
    "remediate": "remediated_at",
    "close": "closed_at",
}


@dataclass(frozen=True)
class ReportRow:
    """One incident and what the report reads of it."""

    incident: Incident
    updates: tuple[datetime, ...]  # when each published update went out, in order
    actions: tuple[ActionItem, ...]


@dataclass(frozen=True)
class Spread:
    """How long something took across incidents: median and 90th percentile."""

    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class HitRate:
    met: int
    judged: int  # met + missed; clocks still running in time are not judged yet

    @property
    def rate(self) -> float | None:
        return self.met / self.judged if self.judged else None


@dataclass(frozen=True)
class Group:
    """The figures for one priority, one category, or all incidents."""

    name: str
    incidents: int
    times: dict[str, Spread]
    hits: dict[str, HitRate]
    updates_on_time: int
    updates: int

    @property
    def update_rate(self) -> float | None:
        return self.updates_on_time / self.updates if self.updates else None


@dataclass(frozen=True)
class OwnerActions:
    owner: str  # "" when nobody owns it yet
    open: int
    overdue: int
    done: int


@dataclass(frozen=True)
class Section:
    """Real incidents, or drills: the same figures, never mixed."""

    overall: Group
    by_priority: tuple[Group, ...]
    by_category: tuple[Group, ...]
    actions: tuple[OwnerActions, ...]
    weekly: tuple[tuple[date, int], ...]  # Monday of each week -> incidents reported


@dataclass(frozen=True)
class Report:
    since: datetime | None
    until: datetime | None
    made_at: datetime
    real: Section
    drills: Section
    drill_count: int = field(default=0)


def percentile(values: list[timedelta], fraction: float) -> timedelta | None:
    """Nearest-rank percentile: the smallest value with at least `fraction` of
    the values at or below it (no interpolation between incidents)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    seconds = statistics.median(v.total_seconds() for v in values)
    return timedelta(seconds=seconds)


def spread(values: list[timedelta]) -> Spread:
    return Spread(len(values), median(values), percentile(values, 0.9))


def took(incident: Incident, what: str) -> timedelta | None:
    """From the reported time to the milestone, if it was recorded."""
    at = getattr(incident, _MILESTONE[what])
    return None if at is None else at - incident.reported_at


def updates_on_cadence(policy: Policy, row: ReportRow) -> tuple[int, int]:
    """(on time, published): an update is on time when it went out by the time
    the previous one (or the report) plus the priority's cadence fell due."""
    cadence = policy.cadence(row.incident.priority)
    since = row.incident.reported_at
    on_time = 0
    for at in sorted(row.updates):
        if at <= since + cadence:
            on_time += 1
        since = at
    return on_time, len(row.updates)


def _group(policy: Policy, name: str, rows: list[ReportRow], now: datetime) -> Group:
    times = {}
    for what in TIMES:
        taken = [t for r in rows if (t := took(r.incident, what)) is not None]
        times[what] = spread(taken)
    met = dict.fromkeys(CLOCKS, 0)
    judged = dict.fromkeys(CLOCKS, 0)
    on_time = published = 0
    for row in rows:
        for clock in clock_states(policy, row.incident, now):
            if clock.state == MET:
                met[clock.name] += 1
                judged[clock.name] += 1
            elif clock.state in (MISSED, OVERDUE):  # overdue can no longer be met
                judged[clock.name] += 1
        good, total = updates_on_cadence(policy, row)
        on_time += good
        published += total
    hits = {c: HitRate(met[c], judged[c]) for c in CLOCKS}
    return Group(name, len(rows), times, hits, on_time, published)


def _actions(rows: list[ReportRow], today: date) -> tuple[OwnerActions, ...]:
    counts: dict[str, list[int]] = {}
    for row in rows:
        for item in row.actions:
            tally = counts.setdefault(item.owner, [0, 0, 0])
            if item.done:
                tally[2] += 1
            else:
                tally[0] += 1
                if item.due is not None and item.due < today:
                    tally[1] += 1
    return tuple(
        OwnerActions(owner, *tally)
        for owner, tally in sorted(counts.items(), key=lambda kv: (kv[0] == "", kv[0].lower()))
    )


def _weekly(rows: list[ReportRow], local) -> tuple[tuple[date, int], ...]:
    if not rows:
        return ()
    days = [r.incident.reported_at.astimezone(local).date() for r in rows]
    first = min(days) - timedelta(days=min(days).weekday())
    last = max(days)
    weeks: dict[date, int] = {}
    monday = first
    while monday <= last:
        weeks[monday] = 0
        monday += timedelta(days=7)
    for day in days:
        weeks[day - timedelta(days=day.weekday())] += 1
    return tuple(weeks.items())


def _section(policy: Policy, rows: list[ReportRow], now: datetime, local) -> Section:
    order = {p: i for i, p in enumerate(policy.priority_choices)}
    by_priority: dict[str, list[ReportRow]] = {}
    by_category: dict[str, list[ReportRow]] = {}
    for row in rows:
        by_priority.setdefault(row.incident.priority, []).append(row)
        by_category.setdefault(row.incident.category, []).append(row)
    return Section(
        overall=_group(policy, "all", rows, now),
        by_priority=tuple(
            _group(policy, p, by_priority[p], now)
            for p in sorted(by_priority, key=lambda p: (order.get(p, len(order)), p))
        ),
        by_category=tuple(_group(policy, c, by_category[c], now) for c in sorted(by_category)),
        actions=_actions(rows, now.astimezone(local).date()),
        weekly=_weekly(rows, local),
    )


def build_report(
    policy: Policy,
    rows: Iterable[ReportRow],
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    local=None,
) -> Report:
    """Figures for incidents reported in [since, until); `local` is the zone
    weeks and "today" (for overdue action items) are counted in."""
    local = local or now.astimezone().tzinfo
    real: list[ReportRow] = []
    drills: list[ReportRow] = []
    for row in rows:
        at = row.incident.reported_at
        if (since and at < since) or (until and at >= until):
            continue
        (drills if row.incident.drill else real).append(row)
    return Report(
        since,
        until,
        now,
        _section(policy, real, now, local),
        _section(policy, drills, now, local),
        len(drills),
    )
