"""Typed times placed with the offset in force on their own date, DST gaps and
folds refused with a hint, bounds, and stored out-of-range times still shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom.core.errors import UsageError
from warroom.core.timefmt import (
    fmt_short_time,
    fmt_time,
    parse_time,
    shown,
    span,
    zone_label,
)

WINTER = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 20, 0, tzinfo=UTC)


@pytest.fixture
def zone(monkeypatch):
    def _set(name: str) -> None:
        monkeypatch.setenv("TZ", name)

    return _set


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "typed", "now", "expected"),
    [
        # A summer date typed in winter: EDT (-4), not today's EST (-5).
        ("America/New_York", "2019-07-02T09:42", WINTER, "2019-07-02T13:42"),
        ("America/New_York", "2019-07-02T10:00", WINTER, "2019-07-02T14:00"),
        # A winter date typed in summer: EST (-5), not today's EDT (-4).
        ("America/New_York", "2026-01-15T09:00", SUMMER, "2026-01-15T14:00"),
        # Today's time of day in summer: EDT.
        ("America/New_York", "14:05", SUMMER, "2026-07-01T18:05"),
        ("America/New_York", "00:00", WINTER, "2026-12-02T05:00"),
        # Just after midnight, a time of day later than now is last night's.
        ("America/New_York", "23:50", WINTER, "2026-12-02T04:50"),
        ("Asia/Tokyo", "13:55", WINTER, "2026-12-02T04:55"),
        ("Asia/Tokyo", "14:30", WINTER, "2026-12-01T05:30"),
        ("Europe/Berlin", "2026-07-01T12:00", WINTER, "2026-07-01T10:00"),
        ("Europe/Berlin", "2026-01-01T12:00", SUMMER, "2026-01-01T11:00"),
        ("Asia/Tokyo", "2019-07-02T09:42", WINTER, "2019-07-02T00:42"),
        ("Asia/Tokyo", "2026-01-01T09:00", SUMMER, "2026-01-01T00:00"),
        # Lord Howe moves its clocks by half an hour: +11 in summer, +10:30 in winter.
        ("Australia/Lord_Howe", "2026-01-15T12:00", SUMMER, "2026-01-15T01:00"),
        ("Australia/Lord_Howe", "2026-07-15T12:00", WINTER, "2026-07-15T01:30"),
        ("UTC", "2019-07-02T09:42", WINTER, "2019-07-02T09:42"),
        # A typed offset wins over the zone.
        ("Asia/Tokyo", "2019-07-02T09:42-04:00", WINTER, "2019-07-02T13:42"),
        ("America/New_York", "2019-07-02T13:42Z", WINTER, "2019-07-02T13:42"),
    ],
)
def test_local_times_use_the_offset_of_their_own_date(zone, name, typed, now, expected):
    zone(name)
    assert parse_time(typed, now) == utc(expected)


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("America/New_York", "2019-03-10T02:30"),
        ("Europe/Berlin", "2026-03-29T02:30"),
        ("Australia/Lord_Howe", "2025-10-05T02:15"),
    ],
)
def test_a_time_the_clocks_skipped_is_refused_with_a_hint(zone, name, typed):
    zone(name)
    with pytest.raises(UsageError, match="does not exist") as caught:
        parse_time(typed, WINTER)
    assert name in str(caught.value)
    assert "e.g. " in str(caught.value)


@pytest.mark.parametrize(
    ("name", "typed", "first", "second"),
    [
        ("America/New_York", "2019-11-03T01:30", "-04:00", "-05:00"),
        ("Europe/Berlin", "2026-10-25T02:30", "+02:00", "+01:00"),
        ("Australia/Lord_Howe", "2026-04-05T01:45", "+11:00", "+10:30"),
    ],
)
def test_a_time_that_happened_twice_asks_for_the_offset(zone, name, typed, first, second):
    zone(name)
    with pytest.raises(UsageError, match="happened twice") as caught:
        parse_time(typed, WINTER)
    message = str(caught.value)
    assert f"{typed}{first}" in message and f"{typed}{second}" in message
    # Either offset the hint offers is then accepted, an hour (or half) apart.
    a, b = parse_time(typed + first, WINTER), parse_time(typed + second, WINTER)
    assert b - a == datetime.fromisoformat(typed + second) - datetime.fromisoformat(typed + first)
    assert b > a


def test_relative_and_now(zone):
    zone("Europe/Berlin")
    assert parse_time("now", WINTER) == WINTER
    assert parse_time("20m ago", WINTER) == WINTER - timedelta(minutes=20)
    assert parse_time("2h", WINTER) == WINTER - timedelta(hours=2)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("9999-12-31T23:59:59Z", "future"),
        ("2026-12-02T05:06Z", "future"),  # six minutes ahead
        ("0001-01-01T00:00:00Z", "before 1970"),
        ("1969-12-31T23:59Z", "before 1970"),
        ("0001-01-01T00:00:00+05:00", "out of range"),
        ("99999999999d ago", "out of range"),
        ("25:00", "not a time of day"),
        ("yesterday-ish", "cannot read time"),
    ],
)
@pytest.mark.parametrize("name", ["Asia/Tokyo", "America/New_York", "UTC"])
def test_out_of_range_times_are_refused(zone, name, typed, words):
    zone(name)
    with pytest.raises(UsageError, match=words):
        parse_time(typed, WINTER)


def test_a_few_minutes_ahead_is_allowed(zone):
    """Two laptops' clocks differ: a time 4 minutes ahead of this one is fine."""
    zone("UTC")
    assert parse_time("2026-12-02T05:04Z", WINTER) == WINTER + timedelta(minutes=4)
    assert parse_time("1970-01-01T00:00Z", WINTER) == utc("1970-01-01T00:00")


@pytest.mark.parametrize("name", ["Asia/Tokyo", "America/New_York", "Pacific/Kiritimati"])
def test_stored_times_out_of_range_still_show(zone, name):
    zone(name)
    for moment, year in (
        (datetime.max.replace(tzinfo=UTC), "9999"),
        (datetime.min.replace(tzinfo=UTC), "0001"),
    ):
        # In the zone if it can hold the time, else in UTC: never an OverflowError.
        assert fmt_time(moment).startswith(year)
        assert fmt_short_time(moment, now=WINTER).startswith(year)
        assert shown(moment).tzinfo is not None


def test_short_times_say_their_date_when_not_today(zone):
    zone("America/New_York")
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 10:00 EST
    assert fmt_short_time(datetime(2026, 12, 2, 14, 5, tzinfo=UTC), now=now) == "09:05"
    assert fmt_short_time(datetime(2026, 7, 2, 13, 45, tzinfo=UTC), now=now) == "07-02 09:45"
    assert fmt_short_time(datetime(2019, 7, 2, 13, 45, tzinfo=UTC), now=now) == "2019-07-02 09:45"
    assert fmt_short_time(datetime(2019, 7, 2, 13, 45, tzinfo=UTC), True, now) == (
        "2019-07-02 13:45"
    )
    assert zone_label(False, datetime(2019, 7, 2, tzinfo=UTC)) == "EDT"
    assert zone_label(False, now) == "EST"
    assert zone_label(True) == "UTC"


def test_durations_to_the_minute():
    assert span(timedelta(hours=23, minutes=33, seconds=59)) == "23h 33m"
    assert span(timedelta(days=2, minutes=5)) == "2d 5m"
    assert span(timedelta(seconds=45)) == "45s"
    assert span(-timedelta(hours=1, minutes=1)) == "1h 1m"


@pytest.mark.parametrize("name", ["UTC", ":UTC", "Etc/UTC", "Zulu"])
def test_a_host_on_utc_shows_and_reads_utc(zone, name):
    zone(name)
    assert zone_label(False, WINTER) == "UTC"
    assert shown(SUMMER).utcoffset() == timedelta(0)
    assert parse_time("04:30", now=WINTER) == utc("2026-12-02T04:30")


@pytest.mark.parametrize(
    ("target", "relative", "label"),
    [
        ("Etc/UTC", False, "UTC"),
        ("UTC", True, "UTC"),  # a relative link, as some images ship it
        ("Europe/Berlin", False, "CET"),
        ("Asia/Kolkata", True, "IST"),
    ],
)
def test_the_system_zone_read_from_its_link(tmp_path, monkeypatch, target, relative, label):
    import os
    import sys

    from warroom.core import timefmt

    real = Path("/usr/share/zoneinfo") / target
    if not real.exists():
        pytest.skip("no zone database on this host")
    link = tmp_path / "localtime"
    link.symlink_to(os.path.relpath(real, tmp_path) if relative else real)
    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(timefmt, "SYSTEM_ZONE", str(link))
    monkeypatch.delitem(sys.modules, "zoneinfo", raising=False)
    timefmt._zone_for.cache_clear()
    try:
        assert zone_label(False, WINTER) == label
        # A UTC host never loads the zone database; any other zone needs it.
        assert ("zoneinfo" in sys.modules) == (label != "UTC")
    finally:
        timefmt._zone_for.cache_clear()
