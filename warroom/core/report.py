"""Learning across incidents: is the priority table a promise that is kept?

Pure arithmetic over what the store hands out (incidents with their recorded
milestone times, published update times, action items), so the CLI and the TUI
show the same figures. Times are the recorded ones, not when they were typed,
so a backfilled incident counts at its real times. Drills are counted apart.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from operator import attrgetter
from typing import NamedTuple

from warroom.core.model import Incident
from warroom.core.policy import CLOCKS, Policy
from warroom.core.record import record
from warroom.core.sla import MET, MISSED, OVERDUE, clock_state_names, clock_states
from warroom.core.timefmt import add

# The durations measured, each from the reported time to a milestone.
TIMES = ("acknowledge", "triage", "remediate", "close")
_MILESTONE = {
    "acknowledge": "acknowledged_at",
    "triage": "triaged_at",
    "remediate": "remediated_at",
    "close": "closed_at",
}


# What the report reads of an action item: (owner, due, done). Plain tuples,
# as the store reads them: there are thousands, and the report unpacks them.
ActionFacts = tuple[str, date | None, bool]
# What the report reads of a runbook's task: (the runbook's id, status,
# on_time: done by its due time (None: not done, or never due),
# no_longer_applies: skipped because the runbook stopped matching).
TaskFacts = tuple[str, str, bool | None, bool]


class ReportRow(NamedTuple):
    """One incident and what the report reads of it (a tuple: one per incident)."""

    incident: Incident
    updates: tuple[datetime, ...]  # when each published update went out, in order
    actions: tuple[ActionFacts, ...]
    tasks: tuple[TaskFacts, ...] = ()


@record
class Adherence:
    """How one runbook was followed: its tasks done on time, done late,
    skipped (with a reason), and still open. Tasks skipped because the
    runbook stopped applying are not counted: they were never owed."""

    runbook: str
    on_time: int
    late: int
    skipped: int
    open: int

    @property
    def owed(self) -> int:
        return self.on_time + self.late + self.skipped + self.open

    @property
    def rate(self) -> float | None:
        return self.on_time / self.owed if self.owed else None


def adherence(rows: Iterable[ReportRow]) -> tuple[Adherence, ...]:
    """Per runbook, across these incidents, in runbook order of first sight."""
    tally: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        for runbook, status, on_time, no_longer_applies in row.tasks:
            if not runbook or no_longer_applies:
                continue
            counts = tally[runbook]
            if status == "done":
                counts[0 if on_time is not False else 1] += 1
            elif status == "skipped":
                counts[2] += 1
            else:
                counts[3] += 1
    return tuple(Adherence(name, *counts) for name, counts in tally.items())


@record
class Spread:
    """How long something took across incidents: median and 90th percentile."""

    count: int
    median: timedelta | None
    p90: timedelta | None


@record
class HitRate:
    met: int
    judged: int  # met + missed; clocks still running in time are not judged yet

    @property
    def rate(self) -> float | None:
        return self.met / self.judged if self.judged else None


@record
class Group:
    """The figures for one priority, one category, or all incidents."""

    name: str
    incidents: int
    times: dict[str, Spread]
    hits: dict[str, HitRate]
    updates_on_time: int
    updates: int  # updates owed by the cadence: the judged ones (see updates_on_cadence)
    updates_published: int = 0

    @property
    def update_rate(self) -> float | None:
        return self.updates_on_time / self.updates if self.updates else None


@record
class OwnerActions:
    owner: str  # "" when nobody owns it yet
    open: int
    overdue: int
    done: int


@record
class Section:
    """Real incidents, or drills: the same figures, never mixed."""

    overall: Group
    by_priority: tuple[Group, ...]
    by_category: tuple[Group, ...]
    actions: tuple[OwnerActions, ...]
    weekly: tuple[tuple[date, int], ...]  # Monday of each week -> incidents reported
    runbooks: tuple[Adherence, ...] = ()  # runbook adherence: tasks done on time


@record
class Noise:
    """What monitoring proposed: declined proposals count here only (never in
    the figures above), and how many alerts the real incidents drew."""

    declined: int  # proposals declined, first seen in the report's window
    incidents_from_alerts: int  # real incidents with at least one alert attached
    alerts: int  # the alerts attached to them

    @property
    def alerts_per_incident(self) -> float | None:
        return self.alerts / self.incidents_from_alerts if self.incidents_from_alerts else None


@record
class Report:
    since: datetime | None
    until: datetime | None
    made_at: datetime
    real: Section
    drills: Section
    drill_count: int = 0
    noise: Noise | None = None  # None: the intake's counts were not read


def percentile(ordered: list[timedelta], fraction: float) -> timedelta | None:
    """Nearest-rank percentile of sorted values: the smallest value with at least
    `fraction` of the values at or below it (no interpolation between incidents)."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def median(ordered: list[timedelta]) -> timedelta | None:
    """Of sorted values; the mean of the middle two when there is an even number."""
    n = len(ordered)
    if not n:
        return None
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def spread(values: list[timedelta]) -> Spread:
    ordered = sorted(values)
    return Spread(len(ordered), median(ordered), percentile(ordered, 0.9))


def took(incident: Incident, what: str) -> timedelta | None:
    """From the reported time to the milestone, if it was recorded."""
    at = getattr(incident, _MILESTONE[what])
    return None if at is None else at - incident.reported_at


_MILESTONES = attrgetter(*(_MILESTONE[what] for what in TIMES))  # took()'s, in TIMES' order
assert TIMES == ("acknowledge", "triage", "remediate", "close")  # _section's took(), written out


class Cadence(NamedTuple):
    on_time: int  # updates that went out by the time they were owed
    owed: int  # updates the cadence asked for so far: on time, late, or never sent
    published: int


def updates_on_cadence(policy: Policy, row: ReportRow, now: datetime) -> Cadence:
    """How the updates kept the priority's cadence, the update clock's own rule
    (next_update): one is owed a cadence after the report, then a cadence after
    each update that went out. An update sent by then is on time; one sent
    later is owed and late; every further cadence of silence before it (or
    before the close, or now while open) is an update owed that never went out.
    So an incident nobody told anyone about counts as missed, not as nothing."""
    return Cadence(*_on_cadence(_rule(policy, row.incident.priority), row, now))


class _Rule(NamedTuple):
    """What a priority's figures need of the policy, looked up once a report."""

    known: bool  # the policy has clocks (and a cadence) for it
    cadence: timedelta
    latest: datetime  # a later start's deadline is held at the range's end
    plain: bool  # a cadence the written-out arithmetic in _on_cadence holds for


def _rule(policy: Policy, priority: str) -> _Rule:
    if not policy.knows(priority):
        return _Rule(False, _NOTHING, _LOW, False)
    cadence = policy.cadence(priority)
    try:
        latest = _HIGH - cadence
    except OverflowError:
        latest = _LOW
    return _Rule(True, cadence, latest, cadence > _NOTHING)


def _on_cadence(rule: _Rule, row: ReportRow, now: datetime) -> tuple[int, int, int]:
    """updates_on_cadence() with the priority's rule looked up already, as a
    plain tuple in Cadence's order (one for every incident of the report)."""
    if not rule.known:
        return _UNJUDGED  # no cadence to judge by: left out of the figure
    _known, cadence, latest, plain = rule
    incident = row.incident
    end = incident.closed_at
    if end is None:
        end = now
    since = incident.reported_at
    on_time = owed = 0
    updates = row.updates
    for at in sorted(updates):  # the store hands them out in order already
        if plain and at > since and _LOW <= since <= latest:
            # _passed() and add(), written out: this runs for every update
            # of every incident in the report. An update by its due time is
            # the one owed (no division needed); a late one, the cadences
            # that passed before it as well. since + cadence stays in range
            # (since <= latest), so at <= add(since, cadence) is gap <= cadence.
            gap = at - since
            if gap <= cadence:
                on_time += 1
                owed += 1
            else:
                owed += max(1, _ceil(gap / cadence) - 1)
        else:
            owed += max(1, _passed(since, cadence, at))
            if at <= add(since, cadence):
                on_time += 1
        since = at
    if plain:  # _passed(since, cadence, end), written out as well
        if end > since:
            owed += max(0, _ceil((end - since) / cadence) - 1)
    else:
        owed += _passed(since, cadence, end)
    return (on_time, owed, len(updates))


_NOTHING = timedelta(0)
_LOW = add(datetime.min.replace(tzinfo=UTC), _NOTHING)  # the range add() holds times in
_HIGH = add(datetime.max.replace(tzinfo=UTC), _NOTHING)


def _passed(since: datetime, cadence: timedelta, until: datetime) -> int:
    """How many of since + k * cadence (k >= 1) fell due before `until`."""
    if cadence <= _NOTHING or until <= since:
        return 0
    return max(0, math.ceil((until - since) / cadence) - 1)


_UNJUDGED = (0, 0, 0)
_ceil = math.ceil  # a module global: the cadence loop runs for every update


# What the figures need of one incident, worked out once for every group: how
# long each of TIMES took (None: not recorded), each clock's state in CLOCKS'
# order (() for an unknown priority), and its Cadence's fields. A plain
# tuple, one per incident: a named one costs several times as much to make.
_Facts = tuple[tuple[timedelta | None, ...], tuple[str, ...], tuple[int, int, int]]


def _group(name: str, facts: list[_Facts]) -> Group:
    # Column by column: each duration in TIMES' order, each clock's states in
    # CLOCKS', each of Cadence's counts (zip turns rows into columns in C).
    tooks, states_of, cadences = zip(*facts, strict=True) if facts else ((), (), ())
    took_columns = list(zip(*tooks, strict=True)) or [()] * len(TIMES)
    times = {
        what: spread([t for t in column if t is not None])
        for what, column in zip(TIMES, took_columns, strict=True)
    }
    judged = filter(None, states_of)  # () for an unknown priority: not judged
    state_columns = list(zip(*judged, strict=True)) or [()] * len(CLOCKS)
    hits = {}
    for clock, states in zip(CLOCKS, state_columns, strict=True):
        met = states.count(MET)
        # Overdue can no longer be met: it is judged a miss already.
        hits[clock] = HitRate(met, met + states.count(MISSED) + states.count(OVERDUE))
    on_time, owed, published = map(sum, zip(*(cadences or [_UNJUDGED]), strict=True))
    return Group(name, len(facts), times, hits, on_time, owed, published)


def _actions(rows: list[ReportRow], today: date) -> tuple[OwnerActions, ...]:
    counts: dict[str, list[int]] = {}
    for row in rows:
        for owner, due, done in row.actions:
            tally = counts.get(owner)
            if tally is None:
                tally = counts[owner] = [0, 0, 0]
            if done:
                tally[2] += 1
            else:
                tally[0] += 1
                if due is not None and due < today:
                    tally[1] += 1
    return tuple(
        OwnerActions(owner, *tally)
        for owner, tally in sorted(counts.items(), key=lambda kv: (kv[0] == "", kv[0].lower()))
    )


def _weekly(rows: list[ReportRow], local: tzinfo | None) -> tuple[tuple[date, int], ...]:
    if not rows:
        return ()
    # Each day once: a handful of incidents share a day.
    days = Counter([r.incident.reported_at.astimezone(local).date() for r in rows])
    first = min(days) - timedelta(days=min(days).weekday())
    last = max(days)
    weeks: dict[date, int] = {}
    monday = first
    while monday <= last:
        weeks[monday] = 0
        monday += timedelta(days=7)
    for day, count in days.items():
        weeks[day - timedelta(days=day.weekday())] += count
    return tuple(weeks.items())


def _section(policy: Policy, rows: list[ReportRow], now: datetime, local: tzinfo | None) -> Section:
    order = {p: i for i, p in enumerate(policy.priority_choices)}
    rules: dict[str, _Rule] = {}  # each priority's, looked up once
    facts: list[_Facts] = []
    by_priority: defaultdict[str, list[_Facts]] = defaultdict(list)
    by_category: defaultdict[str, list[_Facts]] = defaultdict(list)
    for row in rows:
        incident = row.incident
        priority = incident.priority
        rule = rules.get(priority)
        if rule is None:
            rule = rules[priority] = _rule(policy, priority)
        reported = incident.reported_at
        acknowledged, triaged, remediated, closed = _MILESTONES(incident)  # TIMES' order
        f = (
            (  # took(), each of TIMES written out: this runs for every incident
                None if acknowledged is None else acknowledged - reported,
                None if triaged is None else triaged - reported,
                None if remediated is None else remediated - reported,
                None if closed is None else closed - reported,
            ),
            clock_state_names(policy, incident, now),
            _on_cadence(rule, row, now),
        )
        facts.append(f)
        by_priority[priority].append(f)
        by_category[incident.category].append(f)
    return Section(
        overall=_group("all", facts),
        by_priority=tuple(
            _group(p, by_priority[p])
            for p in sorted(by_priority, key=lambda p: (order.get(p, len(order)), p))
        ),
        by_category=tuple(_group(c, by_category[c]) for c in sorted(by_category)),
        actions=_actions(rows, now.astimezone(local).date()),
        weekly=_weekly(rows, local),
        runbooks=adherence(rows),
    )


def build_report(
    policy: Policy,
    rows: Iterable[ReportRow],
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    local: tzinfo | None = None,
    intake: tuple[dict[int, int], list[datetime]] | None = None,
) -> Report:
    """Figures for incidents reported in [since, until); `local` is the zone
    weeks and "today" (for overdue action items) are counted in. `intake`
    (Store.intake_counts: alerts per incident, when each declined proposal
    was first seen) adds the noise figure."""
    local = local or now.astimezone().tzinfo
    real: list[ReportRow] = []
    drills: list[ReportRow] = []
    for row in rows:
        at = row.incident.reported_at
        if (since and at < since) or (until and at >= until):
            continue
        (drills if row.incident.drill else real).append(row)
    noise = None
    if intake is not None:
        per_incident, declined = intake
        counted = [per_incident[r.incident.id] for r in real if per_incident.get(r.incident.id)]
        noise = Noise(
            sum(1 for at in declined if not (since and at < since) and not (until and at >= until)),
            len(counted),
            sum(counted),
        )
    return Report(
        since,
        until,
        now,
        _section(policy, real, now, local),
        _section(policy, drills, now, local),
        len(drills),
        noise,
    )


@record
class BehindFigure:
    """One incident counted in a week's figure, and the clocks it missed."""

    incident: Incident
    missed: tuple[str, ...]  # missed, or overdue (judged a miss already)


def week_incidents(
    policy: Policy,
    rows: Iterable[ReportRow],
    monday: date,
    now: datetime,
    drills: bool = False,
    local: tzinfo | None = None,
) -> list[BehindFigure]:
    """The incidents behind a week's figure (reported in the week that starts
    on `monday`, counted in `local` as the weekly figures are), each with the
    clocks it missed; real incidents or drills, as the figure counts them."""
    local = local or now.astimezone().tzinfo
    behind = []
    for row in rows:
        incident = row.incident
        if incident.drill != drills:
            continue
        day = incident.reported_at.astimezone(local).date()
        if day - timedelta(days=day.weekday()) != monday:
            continue
        missed = tuple(
            c.name
            for c in clock_states(policy, incident, now)
            if c.name in CLOCKS and c.state in (MISSED, OVERDUE)
        )
        behind.append(BehindFigure(incident, missed))
    return sorted(behind, key=lambda b: b.incident.reported_at)
