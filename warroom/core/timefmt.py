"""Reading times people type and showing times and durations to people.

A typed local time is placed in its zone with the offset in force on that
date (zoneinfo), not today's; a wall time the zone skips or repeats is
refused with a hint. Every typed time is bounded: not before 1970, not more
than a few minutes ahead, and representable in every zone. Times already
stored that lie outside those bounds still show (in UTC) instead of failing."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from warroom.core.errors import UsageError

_AGO = re.compile(r"^\s*(\d+)\s*(s|m|min|h|d)\s*(ago)?\s*$")
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_HHMM = re.compile(r"\d{1,2}:\d{2}")
# How far ahead of the clock a typed time may be: clocks on two laptops differ.
MAX_AHEAD = timedelta(minutes=5)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
# Stored times are kept a day inside datetime's range so that every zone can show them.
_LOW = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
_HIGH = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)
HINT = "use e.g. '20m ago', '14:05', '2026-11-28T14:05' or '2026-11-28T14:05+01:00'"


_UTC_NAMES = ("UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu")
SYSTEM_ZONE = "/etc/localtime"  # the system's zone when $TZ names none


def _system_is_utc() -> bool:
    """Whether the system zone file is a link to one of the UTC zones (most
    servers and containers): then no zone database needs loading at all."""
    try:
        target = os.readlink(SYSTEM_ZONE)
    except OSError:
        return False
    return any(target == n or target.endswith("/" + n) for n in _UTC_NAMES)


@lru_cache(maxsize=8)
def _zone_for(tz_env: str) -> tzinfo:
    name = tz_env.lstrip(":")
    if name in _UTC_NAMES or (not name and _system_is_utc()):
        return UTC  # what many team hosts run: no zone database to load for it
    # Imported here: a verb that shows no time (note, tick) never needs it.
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
        rule = posix_rule_zone(name)
        if rule is not None:
            return rule
    try:
        with open(SYSTEM_ZONE, "rb") as fh:
            return ZoneInfo.from_file(fh, key="localtime")
    except (OSError, ValueError):
        # No zone database: the system's own offset for now is the best left.
        return datetime.now().astimezone().tzinfo or UTC


# A POSIX TZ rule ("EST5EDT,M3.2.0/2,M11.1.0/2", "CET-1CEST,M3.5.0,M10.5.0/3",
# "<+0530>-5:30"): a standard name and offset, then perhaps a daylight one.
_POSIX_RULE = re.compile(r"^(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)[+-]?\d")


def posix_rule_zone(rule: str) -> tzinfo | None:
    """$TZ given as a POSIX rule, as the C library honours it: a zone that
    follows the rule for every date (a zoneinfo file with no transitions of
    its own, only the rule as its footer). None when it is not a valid rule."""
    if not _POSIX_RULE.match(rule) or not rule.isascii() or "\n" in rule:
        return None
    import io
    import struct
    from zoneinfo import ZoneInfo

    header = b"TZif2" + bytes(15) + struct.pack(">6l", 0, 0, 0, 0, 1, 4)
    block = header + struct.pack(">lbb", 0, 0, 0) + b"UTC\0"
    data = block + block + b"\n" + rule.encode("ascii") + b"\n"
    try:
        zone = ZoneInfo.from_file(io.BytesIO(data), key=rule)
        datetime(2000, 1, 1, tzinfo=zone).utcoffset()  # a bad rule fails here or above
    except (ValueError, OSError, IndexError):
        return None
    return zone


def local_zone() -> tzinfo:
    """The zone local times are in: $TZ, else the system's."""
    return _zone_for(os.environ.get("TZ", ""))


def zone_label(utc: bool = False, now: datetime | None = None) -> str:
    """The zone's name as times show it: 'UTC', 'CET', 'EDT'."""
    if utc:
        return "UTC"
    return shown(now or datetime.now(UTC), False).tzname() or "local"


def zone_names(utc: bool = False, *moments: datetime) -> str:
    """The zone names the moments show in, each once: 'CET', or 'PST/PDT' when
    some of them fall in summer time. A view says this once for its times."""
    if utc:
        return "UTC"
    names = dict.fromkeys(shown(m, False).tzname() or "local" for m in moments if m is not None)
    return "/".join(names) or zone_label(utc)


def shown(moment: datetime, utc: bool = False) -> datetime:
    """The moment in the zone it is shown in; in UTC if that zone cannot hold it."""
    try:
        return moment.astimezone(UTC if utc else local_zone())
    except (OverflowError, ValueError):
        pass
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return moment  # past the end of time even in UTC: shown as written


def place_wall_time(wall: datetime, zone: tzinfo, text: str) -> datetime:
    """A naive wall-clock time in zone, with the offset in force that day.

    A time the zone skips (clocks forward) or shows twice (clocks back) is
    refused: which instant was meant is only a guess."""
    early = wall.replace(tzinfo=zone, fold=0)
    late = wall.replace(tzinfo=zone, fold=1)
    try:
        first, second = early.astimezone(UTC), late.astimezone(UTC)
    except (OverflowError, ValueError):
        raise UsageError(f"time out of range: {text!r}") from None
    if first == second:
        return first
    name = getattr(zone, "key", None) or early.tzname() or "the local zone"
    if first.astimezone(zone).replace(tzinfo=None) != wall:
        raise UsageError(
            f"{text!r} does not exist in {name}: the clocks skipped it that day (daylight"
            f" saving); give the time after the change, e.g. {_offset(first.astimezone(zone))}"
        )
    raise UsageError(
        f"{text!r} happened twice in {name} (clocks went back that day); say which with an"
        f" offset: {_offset(early)} for the first, {_offset(late)} for the second"
    )


def _offset(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M") + _fmt_offset(moment.utcoffset())


def _fmt_offset(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta(0)).total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def check_moment(
    moment: datetime, now: datetime, what: str = "time", future: bool = False
) -> datetime:
    """Refuse a time before 1970, more than MAX_AHEAD ahead of now (unless
    `future`: a report's end may be tomorrow), or that not every zone can
    show. Returns it in UTC."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise UsageError(f"{what} is out of range") from None
    if moment < EARLIEST:
        raise UsageError(f"{what} is before 1970: {moment.isoformat(' ', 'minutes')} UTC")
    if moment > now + MAX_AHEAD and not future:
        raise UsageError(f"{what} is in the future ({fmt_time(moment)}; now is {fmt_time(now)})")
    return moment


def parse_time(
    text: str, now: datetime, what: str = "time", zone: tzinfo | None = None, future: bool = False
) -> datetime:
    """'15m ago', '2h', 'now', 'HH:MM' (today) or ISO-8601 (in `zone`, the
    local one by default, unless it has an offset). Returns UTC; bounds as
    check_moment."""
    zone = zone or local_zone()
    # A bound that may lie ahead (a report's --until) also takes a day's
    # name: 'tomorrow' is where the day starts. A moment something happened
    # does not: 'yesterday' would be a guess at when.
    day = _day_start(text.strip(), now, zone) if future else None
    return check_moment(day or _parse(text.strip(), now, zone), now, what, future)


def typed_zone(utc: bool) -> tzinfo:
    """The zone a typed time is read in: the one times are shown in."""
    return UTC if utc else local_zone()


def fmt_typed(moment: datetime, utc: bool = False) -> str:
    """A time as someone would type it back, in the zone shown: '2026-11-28T14:05'."""
    return shown(moment, utc).strftime("%Y-%m-%dT%H:%M")


_PREFIX = re.compile(r"^@(\S+)\s+(.*)$", re.DOTALL)


def split_time_prefix(
    text: str, now: datetime, zone: tzinfo | None = None
) -> tuple[datetime | None, str]:
    """A note typed as '@14:05 text' (or '@20m', '@2026-11-28T14:05') happened
    then: (when, text). Without the prefix: (None, text)."""
    match = _PREFIX.match(text)
    if not match:
        return None, text
    return parse_time(match.group(1), now, "the note's time", zone), match.group(2)


_DAYS = {"yesterday": -1, "today": 0, "tomorrow": 1}


def _day_start(text: str, now: datetime, zone: tzinfo) -> datetime | None:
    """'today', 'tomorrow', 'yesterday': the start of that day in `zone`."""
    if text.lower() not in _DAYS:
        return None
    day = now.astimezone(zone).date() + timedelta(days=_DAYS[text.lower()])
    return place_wall_time(datetime(day.year, day.month, day.day), zone, text)


def _parse(text: str, now: datetime, zone: tzinfo) -> datetime:
    if text.lower() == "now":
        return now
    match = _AGO.match(text)
    if match:
        try:
            return now - timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
        except OverflowError:
            raise UsageError(f"time out of range: {text!r}") from None
    if _HHMM.fullmatch(text):
        hour, minute = (int(x) for x in text.split(":"))
        if hour > 23 or minute > 59:
            raise UsageError(f"not a time of day: {text!r}")
        today = now.astimezone(zone).date()
        wall = datetime(today.year, today.month, today.day, hour, minute)
        moment = place_wall_time(wall, zone, text)
        if moment > now + MAX_AHEAD:
            # '23:50' typed just after midnight is last night's.
            moment = place_wall_time(wall - timedelta(days=1), zone, text)
        return moment
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"cannot read time {text!r}; {HINT}") from None
    if parsed.tzinfo is None:
        return place_wall_time(parsed, zone, text)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise UsageError(f"time out of range: {text!r}") from None


def clamp(moment: datetime) -> datetime:
    """A stored time pulled inside the range every zone can show."""
    return min(max(moment, _LOW), _HIGH)


def add(moment: datetime, delta: timedelta) -> datetime:
    """moment + delta, held inside datetime's range (a deadline of a stored
    year-9999 time must not raise)."""
    try:
        moment = moment + delta
    except OverflowError:
        return _HIGH if delta > timedelta(0) else _LOW
    # clamp(), with the common case first: every clock of every incident comes here.
    return moment if _LOW <= moment <= _HIGH else clamp(moment)


def fmt_time(moment: datetime | None, utc: bool = False) -> str:
    """With the date, to the second, zone named: '2026-11-28 14:05:09 CET'."""
    if moment is None:
        return "—"
    when = shown(moment, utc)
    return f"{when.isoformat(' ', 'seconds')[:19]} {when.tzname() or ''}".rstrip()


def fmt_short_time(moment: datetime | None, utc: bool = False, now: datetime | None = None) -> str:
    """'14:05' today, '07-02 14:05' another day this year, '2019-07-02 14:05'
    another year (the zone is named once, in the panel's title or header)."""
    if moment is None:
        return "—"
    when = shown(moment, utc)
    today = shown(now or datetime.now(UTC), utc)
    if when.date() == today.date():
        return when.strftime("%H:%M")
    if when.year == today.year:
        return when.strftime("%m-%d %H:%M")
    return f"{when.year:04d}-" + when.strftime("%m-%d %H:%M")


def fmt_clock(delta: timedelta) -> str:
    """A compact countdown: '29:59', '5:03:12', '2d 04:00:00' (sign dropped).
    Not humanize: a countdown ticks every second in a fixed width; words
    ('29 minutes and 59 seconds') would make the clocks jump about."""
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
    '29m', '1h05m', '2d04h'. Not humanize: it sits in list columns and the
    header, where its words ('1 hour and 5 minutes') do not fit."""
    total = abs(int(delta.total_seconds())) // 60
    days, rest = divmod(total, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m"


def span(delta: timedelta) -> str:
    """A duration to the minute, sign dropped: '45s', '23h 33m', '2d 3h 5m'.
    Not humanize: tables, clocks and exports align these in columns (the
    report, the export's clock table) and parse them back; humanize's words
    are several times as wide, and importing it costs every CLI verb ~30 ms."""
    total = abs(int(delta.total_seconds()))
    if total < 60:
        return f"{total}s"
    days, rest = divmod(total // 60, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m")) if v]
    return " ".join(parts)


def fmt_duration(delta: timedelta) -> str:
    """A margin or an age as people say it, sign dropped: '13m', '3h 39m',
    '7d 6h 6m' to the minute; from 30 days on, in days, months and years
    ('8 years, 1 month and 15 days'), where minutes no longer matter."""
    if abs(delta) < timedelta(days=30):
        return span(delta)
    import humanize  # only for long spans: most lines never need it

    try:
        return humanize.precisedelta(abs(delta), minimum_unit="days", format="%0.0f")
    except (OverflowError, ValueError):  # a time near year 1 or 9999 in a damaged database
        return span(delta)


def fmt_natural(delta: timedelta) -> str:
    """A duration in words, for sentences, to the minute, sign dropped: '50
    minutes', '1 hour and 5 minutes', '2 days, 3 hours and 5 minutes' (under a
    minute: '45s')."""
    minutes = abs(int(delta.total_seconds())) // 60
    if not minutes:
        return span(delta)
    import humanize  # only where a sentence says how long: not at every start

    try:
        return humanize.precisedelta(timedelta(minutes=minutes), minimum_unit="minutes")
    except (OverflowError, ValueError):  # a time near year 1 or 9999 in a damaged database
        return span(delta)


def fmt_ago(since: datetime, now: datetime) -> str:
    """How long ago, in words: 'now', 'a minute ago', '3 hours ago', '2 days ago'."""
    import humanize  # only where a sentence says when: not at every start

    return humanize.naturaltime(max(now - since, timedelta(0)))


def fmt_age(since: datetime, now: datetime) -> str:
    """An age for a column: '5m', '2h05m', '3d4h' (fmt_ago says it in words)."""
    delta = now - since
    if delta < timedelta(0):
        return "0s"
    total = int(delta.total_seconds())
    if total < 3600:
        return f"{total // 60}m"
    if total < 86400:
        return f"{total // 3600}h{(total % 3600) // 60:02d}m"
    return f"{total // 86400}d{(total % 86400) // 3600}h"
