"""The one-line declare rule the TUI's title field and the CLI share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.core.declaring import parse_declare_line
from warroom.core.errors import UsageError
from warroom.core.policy import default_policy

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def parse(text):
    return parse_declare_line(text, default_policy(), NOW, UTC)


def test_words_at_the_start_set_priority_category_and_reported_time():
    line = parse("p1 #rb @20m checkout returns 500")
    assert (line.title, line.priority, line.category) == (
        "checkout returns 500",
        "P1",
        "regression or bug",
    )
    assert line.reported_at == NOW - timedelta(minutes=20)


def test_words_at_the_end_and_name_prefixes_count_too():
    line = parse("checkout slow #perf P3")
    assert (line.title, line.priority, line.category) == (
        "checkout slow",
        "P3",
        "performance degradation",
    )


def test_a_plain_title_is_kept_as_typed():
    assert parse("  P2P sync  broken ") == parse_declare_line(
        "P2P sync  broken", default_policy(), NOW, UTC
    )
    assert parse("P2P sync  broken").title == "P2P sync  broken"
    assert parse("#1 customer page down").title == "#1 customer page down"


@pytest.mark.parametrize("text", ["P1 #zz down", "@25:99 down", "P1 #rb"])
def test_what_cannot_be_read_is_refused(text):
    with pytest.raises(UsageError):
        parse(text)
