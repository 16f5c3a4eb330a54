"""The CLI reads a declare line as the war room does ('P1 #sb @20m title'), and
a publish from the stored draft names the version that went out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_cli import assert_one_line_error, cli_engine, incident, reader, run  # noqa: F401

pytestmark = pytest.mark.both_engines


def test_a_declare_line_says_priority_category_and_reported_time(run, reader):  # noqa: F811
    result = run("declare", "P1 #sb @20m checkout returns 500")
    assert result.code == 0, result.err
    stored = reader().get_incident(int(result.out))
    assert stored.title == "checkout returns 500"
    assert stored.priority == "P1"
    assert stored.category == "security breach"
    early = stored.declared_at - stored.reported_at
    assert abs(early - timedelta(minutes=20)) < timedelta(seconds=5), early


def test_flags_say_it_louder_than_the_line(run, reader):  # noqa: F811
    result = run("declare", "P1 #sb disk full", "-p", "P3", "-c", "perf")
    assert result.code == 0, result.err
    stored = reader().get_incident(int(result.out))
    assert (stored.title, stored.priority, stored.category) == (
        "disk full",
        "P3",
        "performance degradation",
    )


def test_a_plain_title_is_kept_whole_and_untriaged(run, reader):  # noqa: F811
    result = run("declare", "Ticket #123 fails for P1 customers")
    assert result.code == 0, result.err
    stored = reader().get_incident(int(result.out))
    assert stored.title == "Ticket #123 fails for P1 customers"
    assert stored.priority == "untriaged"


def test_an_unknown_category_word_is_refused_and_nothing_declared(run, reader):  # noqa: F811
    result = run("declare", "#nope broken")
    assert_one_line_error(result, "nope")
    assert reader().list_incidents(include_closed=True) == []


def test_publish_names_the_draft_version_it_sent(run, reader, incident):  # noqa: F811
    store = reader()
    store.save_draft(incident, "Checkout is failing for some EU users.", 0)
    store.save_draft(incident, "Checkout is failing for EU users; fix under way.", 1)
    result = run("publish", str(incident), "--anyway")
    assert result.code == 0, result.err
    assert f"published draft v2 of incident {incident} (saved by reader)" in result.err
    updates = [e for e in reader().timeline(incident) if e.kind == "update"]
    assert updates[-1].text == "Checkout is failing for EU users; fix under way."


def test_publish_of_a_never_saved_draft_says_so(run, incident):  # noqa: F811
    result = run("publish", str(incident), "--anyway")
    assert result.code == 0, result.err
    assert "as the template makes it (never saved)" in result.err
    quiet = run("-q", "publish", str(incident), "--anyway")
    assert quiet.code == 0 and "published" not in quiet.err
