"""Reading times people type and showing times and durations to people."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from .errors import UsageError

_AGO = re.compile(r"^\s*(\d+)\s*(s|m|min|h|d)\s*(ago)?\s*$")
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_time(text: str, now: datetime) -> datetime:
    """'15m ago', '2h', 'HH:MM' (today, local) or ISO-8601 (local unless it has a zone)."""
    text = text.strip()
    match = _AGO.match(text)
    if match:
        try:
            return now - timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
        except OverflowError:
            raise UsageError(f"time out of range: {text!r}") from None
    local_now = now.astimezone()
    if re.fullmatch(r"\d{1,2}:\d{2}", text):
        hour, minute = (int(x) for x in text.split(":"))
        if hour > 23 or minute > 59:
            raise UsageError(f"not a time of day: {text!r}")
        return local_now.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"cannot read time {text!r}; use e.g. '20m ago', '14:05' or '2026-11-28T14:05'"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_now.tzinfo)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise UsageError(f"time out of range: {text!r}") from None


def fmt_time(moment: datetime | None, utc: bool = False) -> str:
    """Local time with the date (or UTC), to the second: '2026-11-28 14:05:09 CET'."""
    if moment is None:
        return "—"
    shown = moment.astimezone(UTC) if utc else moment.astimezone()
    return shown.strftime("%Y-%m-%d %H:%M:%S ") + (shown.tzname() or "")


def fmt_short_time(moment: datetime | None, utc: bool = False) -> str:
    if moment is None:
        return "—"
    shown = moment.astimezone(UTC) if utc else moment.astimezone()
    return shown.strftime("%m-%d %H:%M")


def fmt_clock(delta: timedelta) -> str:
    """A compact countdown: '29:59', '5:03:12', '2d 04:00:00' (sign dropped)."""
    total = abs(int(delta.total_seconds()))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}:{minutes:02d}:{seconds:02d}"
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes:02d}:{seconds:02d}"


def fmt_minutes(delta: timedelta) -> str:
    """A countdown to the minute, for lines that need not repaint every second:
    '29m', '1h05m', '2d04h'."""
    total = abs(int(delta.total_seconds())) // 60
    days, rest = divmod(total, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m"


def fmt_natural(delta: timedelta) -> str:
    """humanize's wording for a duration: '29 minutes', '2 days'."""
    import humanize  # only the few callers that word a duration pay for it

    return humanize.naturaldelta(abs(delta))


def fmt_age(since: datetime, now: datetime) -> str:
    delta = now - since
    if delta < timedelta(0):
        return "0s"
    total = int(delta.total_seconds())
    if total < 3600:
        return f"{total // 60}m"
    if total < 86400:
        return f"{total // 3600}h{(total % 3600) // 60:02d}m"
    return f"{total // 86400}d{(total % 86400) // 3600}h"
