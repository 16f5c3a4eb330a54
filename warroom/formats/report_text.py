"""The cross-incident report as text (for a terminal), JSON and CSV."""

from __future__ import annotations

import csv
import io
import shutil
import textwrap
from datetime import timedelta
from typing import Any

from warroom.core.model import to_iso
from warroom.core.policy import CLOCKS
from warroom.core.report import TIMES, Group, HitRate, Report, Section
from warroom.core.text import csv_cell, one_line
from warroom.core.timefmt import span
from warroom.formats.json import json_text

REPORT_SCHEMA_VERSION = 1
SPARK = "▁▂▃▄▅▆▇█"


def fmt_span(delta: timedelta | None) -> str:
    """A duration to the minute as the exports state it ('23h 33m'); '—' when none."""
    return "—" if delta is None else span(delta)


def fmt_rate(hit: HitRate) -> str:
    if hit.rate is None:
        return "—"
    return f"{hit.met}/{hit.judged} {hit.rate:.0%}"


def sparkline(counts: list[int]) -> str:
    top = max(counts, default=0)
    if top == 0:
        return SPARK[0] * len(counts)
    return "".join(SPARK[min(len(SPARK) - 1, round(c / top * (len(SPARK) - 1)))] for c in counts)


def _table(title: str, groups: tuple[Group, ...] | list[Group]) -> list[str]:
    lines = [
        f"{title:<16} {'count':>5}  "
        + "  ".join(f"{'to ' + t:<23}" for t in TIMES)
        + "  "
        + "  ".join(f"{c + ' met':<15}" for c in CLOCKS)
        + "  updates on cadence",
        f"{'':<16} {'':>5}  " + "  ".join(f"{'median':<11} {'p90':<11}" for _ in TIMES),
    ]
    for g in groups:
        times = "  ".join(
            f"{fmt_span(g.times[t].median):<11} {fmt_span(g.times[t].p90):<11}" for t in TIMES
        )
        hits = "  ".join(f"{fmt_rate(g.hits[c]):<15}" for c in CLOCKS)
        cadence = fmt_rate(HitRate(g.updates_on_time, g.updates))
        lines.append(f"{one_line(g.name)[:16]:<16} {g.incidents:>5}  {times}  {hits}  {cadence}")
    return lines


def _blocks(title: str, groups: tuple[Group, ...] | list[Group], width: int) -> list[str]:
    """The table's figures one block per group, for a terminal too narrow for
    its columns: the same words and numbers, read down rather than across."""
    lines = [title]
    for g in groups:
        lines.append(f"  {one_line(g.name)} · {g.incidents} incident{'s' * (g.incidents != 1)}")
        for t in TIMES:
            median, p90 = fmt_span(g.times[t].median), fmt_span(g.times[t].p90)
            lines.append(f"    {'to ' + t:<15} median {median:<10} p90 {p90}")
        met = ", ".join(f"{c} {fmt_rate(g.hits[c])}" for c in CLOCKS)
        lines += textwrap.wrap(
            f"met: {met}", width, initial_indent="    ", subsequent_indent="         "
        )
        lines.append(f"    updates on cadence: {fmt_rate(HitRate(g.updates_on_time, g.updates))}")
    return lines


def _section_text(section: Section, width: int = 1000) -> list[str]:
    if section.overall.incidents == 0:
        return ["  (none)"]
    groups = [*section.by_priority, section.overall]
    table = _table("By priority", groups)
    if max(len(line) for line in table) <= width:
        lines = table
        lines.append("")
        lines += _table("By category", section.by_category)
    else:
        lines = _blocks("By priority", groups, width)
        lines.append("")
        lines += _blocks("By category", section.by_category, width)
    lines.append("")
    lines.append("Action items     owner            open  overdue  done")
    for a in section.actions:
        owner = one_line(a.owner)[:16] if a.owner else "(no owner)"
        lines.append(f"{'':<16} {owner:<16} {a.open:>4}  {a.overdue:>7}  {a.done:>4}")
    if not section.actions:
        lines.append(f"{'':<16} (none)")
    if section.runbooks:
        lines.append("")
        lines.append("Runbooks         runbook          on time  late  skipped  open")
        for r in section.runbooks:
            name = one_line(r.runbook)[:16]
            lines.append(
                f"{'':<16} {name:<16} {r.on_time:>7}  {r.late:>4}  {r.skipped:>7}  {r.open:>4}"
            )
    if section.weekly:
        lines.append("")
        lines += weekly_lines(section.weekly, width)
    return lines


def weekly_lines(weekly, width: int = 1000) -> list[str]:
    """Each week labelled with its first day, its bar and its count (in rows
    that fit the width), then the months and which way they trend."""
    counts = [n for _, n in weekly]
    bars = sparkline(counts)
    lines = [
        f"Incidents a week, from the week of {weekly[0][0].isoformat()}"
        f" (most in a week: {max(counts)})"
    ]
    per_row = max(1, (min(width, 100) - 2) // 6)
    for start in range(0, len(weekly), per_row):
        chunk = range(start, min(start + per_row, len(weekly)))
        lines.append("  " + " ".join(f"{weekly[i][0].strftime('%m-%d'):>5}" for i in chunk))
        lines.append("  " + " ".join(f"{bars[i]:>5}" for i in chunk))
        lines.append("  " + " ".join(f"{counts[i]:>5}" for i in chunk))
    months = monthly(weekly)
    if len(months) > 1:
        said = " · ".join(f"{m} {n}" for m, n in months)
        lines += textwrap.wrap(
            f"A month (weeks starting in it): {said}; trend {trend([n for _, n in months])}",
            max(40, min(width, 100)),
            subsequent_indent="  ",
        )
    return lines


def monthly(weekly) -> list[tuple[str, int]]:
    """Weekly counts added up by the month each week starts in: ('2026-11', 7)."""
    months: dict[str, int] = {}
    for start, n in weekly:
        key = start.strftime("%Y-%m")
        months[key] = months.get(key, 0) + n
    return list(months.items())


def trend(counts: list[int]) -> str:
    """Which way the last month went against the ones before it."""
    if len(counts) < 2:
        return "—"
    before = sum(counts[:-1]) / (len(counts) - 1)
    last = counts[-1]
    if last > before * 1.2 and last - before >= 1:
        return "up"
    if last < before * 0.8 and before - last >= 1:
        return "down"
    return "flat"


def terminal_width() -> int:
    """The terminal's width ($COLUMNS first); not a terminal: no limit, the
    wide tables as scripts have read them."""
    return shutil.get_terminal_size((1000, 24)).columns


def render_text(report: Report, zone_name: str, width: int | None = None) -> str:
    """The report for a terminal `width` columns wide (default: the one it is
    printed to): tables that do not fit turn into one block per group."""
    width = terminal_width() if width is None else width
    since = report.since.astimezone().date().isoformat() if report.since else "the first"
    until = report.until.astimezone().date().isoformat() if report.until else "now"
    real = report.real.overall.incidents
    wrap = max(40, min(width, 100))
    lines = [
        *textwrap.wrap(
            f"Incidents reported from {since} until {until} ({zone_name}):"
            f" {real} real, {report.drill_count} drill{'s' * (report.drill_count != 1)}",
            max(wrap, width),
        ),
        *textwrap.wrap(
            "Times run from the reported time; p90 = 90th percentile (nearest rank);"
            " a clock is judged once met or missed; updates on cadence counts every update"
            " owed, sent or not.",
            wrap,
        ),
        "",
    ]
    lines += _section_text(report.real, width)
    if report.noise is not None:
        lines += ["", *textwrap.wrap(noise_line(report.noise), max(wrap, width))]
    lines += ["", "DRILLS (not counted above)"]
    lines += _section_text(report.drills, width)
    return "\n".join(lines) + "\n"


def noise_line(noise) -> str:
    """'Noise: 3 proposals declined; 2.5 alerts per incident (5 alerts, 2 incidents)'."""
    per = noise.alerts_per_incident
    drew = (
        f"{per:.1f} alerts per incident ({noise.alerts} alerts, "
        f"{noise.incidents_from_alerts} incident{'s' * (noise.incidents_from_alerts != 1)})"
        if per is not None
        else "no incident from alerts"
    )
    return f"Noise: {noise.declined} proposal{'s' * (noise.declined != 1)} declined; {drew}"


def _span_seconds(delta: timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds())


def _group_dict(g: Group) -> dict[str, Any]:
    return {
        "name": g.name,
        "incidents": g.incidents,
        "times": {
            t: {
                "count": g.times[t].count,
                "median_seconds": _span_seconds(g.times[t].median),
                "p90_seconds": _span_seconds(g.times[t].p90),
            }
            for t in TIMES
        },
        "clocks": {c: {"met": g.hits[c].met, "judged": g.hits[c].judged} for c in CLOCKS},
        "updates": {
            "on_cadence": g.updates_on_time,
            "owed": g.updates,
            "published": g.updates_published,
        },
    }


def _section_dict(s: Section) -> dict[str, Any]:
    return {
        "overall": _group_dict(s.overall),
        "by_priority": [_group_dict(g) for g in s.by_priority],
        "by_category": [_group_dict(g) for g in s.by_category],
        "action_items": [
            {"owner": a.owner, "open": a.open, "overdue": a.overdue, "done": a.done}
            for a in s.actions
        ],
        "weekly": [{"week": d.isoformat(), "incidents": n} for d, n in s.weekly],
        "runbooks": [
            {
                "runbook": r.runbook,
                "on_time": r.on_time,
                "late": r.late,
                "skipped": r.skipped,
                "open": r.open,
            }
            for r in s.runbooks
        ],
    }


def render_json(report: Report) -> str:
    data = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "made_at": to_iso(report.made_at),
        "since": to_iso(report.since) if report.since else None,
        "until": to_iso(report.until) if report.until else None,
        "real": _section_dict(report.real),
        "drills": _section_dict(report.drills),
    }
    if report.noise is not None:
        data["noise"] = {
            "proposals_declined": report.noise.declined,
            "incidents_from_alerts": report.noise.incidents_from_alerts,
            "alerts": report.noise.alerts,
            "alerts_per_incident": report.noise.alerts_per_incident,
        }
    return json_text(data) + "\n"  # as all of warroom's JSON: nothing hidden from a terminal


def render_csv(report: Report) -> str:
    """One row per group (scope real/drill, grouped by priority/category/all)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["scope", "group_by", "group", "incidents"]
    for t in TIMES:
        header += [f"{t}_count", f"{t}_median_s", f"{t}_p90_s"]
    for c in CLOCKS:
        header += [f"{c}_met", f"{c}_judged"]
    header += ["updates_on_cadence", "updates_published", "updates_owed"]
    writer.writerow(header)
    for scope, section in (("real", report.real), ("drill", report.drills)):
        groups = [("all", section.overall)]
        groups += [("priority", g) for g in section.by_priority]
        groups += [("category", g) for g in section.by_category]
        for group_by, g in groups:
            row: list[Any] = [scope, group_by, csv_cell(one_line(g.name)), g.incidents]
            for t in TIMES:
                s = g.times[t]
                row += [s.count, _span_seconds(s.median), _span_seconds(s.p90)]
            for c in CLOCKS:
                row += [g.hits[c].met, g.hits[c].judged]
            row += [g.updates_on_time, g.updates_published, g.updates]
            writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()
