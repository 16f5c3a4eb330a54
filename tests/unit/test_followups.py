"""Follow-ups leave the room: `warroom retro action export` and `retro
schedule`, each output read back with a kept parser (csv for Jira's format,
icalendar for the calendars, urllib for the issue URLs)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from test_cli import assert_one_line_error, cli_engine, reader, run  # noqa: F401

from warroom.formats.followups import fold, ics_text

HOSTILE = '=HYPERLINK("http://evil")\r\nEND:VTODO\r\nBEGIN:VEVENT;x,y \x1b[2J'


@pytest.fixture
def incident(run, neutral_env) -> int:  # noqa: F811
    (neutral_env / "config" / "warroom").mkdir(parents=True, exist_ok=True)
    (neutral_env / "config" / "warroom" / "config.toml").write_text(
        '[people.alice]\nemail = "alice@example.com"\n', "utf-8"
    )
    result = run("declare", "Checkout returns 500", "-p", "P1")
    assert result.code == 0, result.err
    ident = result.out.strip()
    assert run("retro", "action", "add", ident, "Add a canary stage", "--owner", "alice",
               "--due", "2026-12-20").code == 0  # fmt: skip
    assert run("retro", "action", "add", ident, HOSTILE, "--owner", "bob").code == 0
    return int(ident)


def test_jira_csv_reads_back_with_the_columns_jiras_importer_takes(run, incident):  # noqa: F811
    result = run("retro", "action", "export", str(incident), "--format", "jira-csv",
                 "--link", "https://wiki.example/incident-1.md")  # fmt: skip
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(result.out, newline="")))
    header, first, second = rows
    assert header[:5] == ["Summary", "Issue Type", "Description", "Assignee", "Due Date"]
    assert header[5:] == ["Labels", "Labels"]
    assert first[:2] == ["Add a canary stage", "Task"]
    assert "https://wiki.example/incident-1.md" in first[2]
    assert first[3] == "alice@example.com"  # from [people.alice] in the config
    assert first[4] == "2026-12-20"
    assert first[5:] == ["incident-followup", f"incident-{incident}"]
    # The hostile title is one cell, text not a formula, with no escape byte left.
    assert second[0].startswith("'=HYPERLINK")
    assert "\x1b" not in result.out
    assert second[3] == ""  # bob has no address in the config


def test_github_and_gitlab_urls_carry_title_body_and_labels(run, incident):  # noqa: F811
    result = run("retro", "action", "export", str(incident), "-f", "github", "--repo", "acme/shop")
    assert result.code == 0, result.err
    urls = result.out.splitlines()
    assert len(urls) == 2
    parts = urlsplit(urls[1])
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "github.com",
                                                        "/acme/shop/issues/new")  # fmt: skip
    query = parse_qs(parts.query)
    assert query["title"] == [HOSTILE]  # every byte of it in the URL, encoded
    assert query["labels"] == [f"incident-followup,incident-{incident}"]
    assert "incident-1.md" in query["body"][0]
    assert all(ch.isprintable() and ch != " " for ch in urls[1])
    result = run("retro", "action", "export", str(incident), "-f", "gitlab", "--repo", "acme/shop")
    gitlab = urlsplit(result.out.splitlines()[0])
    assert gitlab.path == "/acme/shop/-/issues/new"
    query = parse_qs(gitlab.query)
    assert query["issue[title]"] == ["Add a canary stage"]
    assert '/label ~"incident-followup"' in query["issue[description]"][0]


def test_ics_todos_parse_back_with_stable_uids(run, incident, tmp_path):  # noqa: F811
    out = tmp_path / "actions.ics"
    args = ("retro", "action", "export", str(incident), "-f", "ics", "-o", str(out))
    assert run(*args).code == 0
    raw = out.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    todos = list(calendar.walk("VTODO"))
    assert len(todos) == 2
    assert str(todos[0]["SUMMARY"]) == "Add a canary stage"
    assert todos[0].decoded("DUE") == date(2026, 12, 20)
    # The hostile title stays one SUMMARY: no component was injected.
    assert not list(calendar.walk("VEVENT"))
    assert str(todos[1]["SUMMARY"]).startswith('=HYPERLINK("http://evil")')
    assert "\x1b" not in str(todos[1]["SUMMARY"])
    again = tmp_path / "again.ics"
    assert run("retro", "action", "export", str(incident), "-f", "ics", "-o", str(again)).code == 0
    assert again.read_bytes() == raw  # the same UIDs (and everything else) every time


def test_retro_schedule_writes_the_meeting_as_an_event(run, incident, tmp_path):  # noqa: F811
    out = tmp_path / "retro.ics"
    result = run("retro", "schedule", str(incident), "--at", "2030-01-08T14:00+00:00",
                 "--duration", "90m", "-o", str(out))  # fmt: skip
    assert result.code == 0, result.err
    (event,) = icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2030, 1, 8, 14, 0, tzinfo=UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
    assert str(event["UID"]) == f"warroom-incident-{incident}-retro@warroom"
    assert "Checkout returns 500" in str(event["SUMMARY"])


def test_bad_follow_up_input_is_one_line(run, incident):  # noqa: F811
    base = ("retro", "action", "export", str(incident))
    assert_one_line_error(run(*base, "-f", "github"), "--repo")
    assert_one_line_error(run(*base, "-f", "github", "--repo", "../x"), "not a repository")
    assert_one_line_error(run(*base, "-f", "trello"), "invalid choice")
    assert_one_line_error(run("retro", "schedule", str(incident), "--at", "someday", "-o", "x.ics"),
                          "cannot read")  # fmt: skip


def test_ics_text_is_escaped_and_folded_on_character_boundaries():
    assert ics_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    line = "SUMMARY:" + "é" * 80
    folded = fold(line).encode("utf-8").split(b"\r\n ")
    assert all(len(part) <= 75 for part in folded)
    assert b"".join(folded).decode("utf-8") == line  # no character cut in two


@pytest.mark.parametrize(
    "people",
    ['[people.alice]\nemail = "not an address"\n', '[people.alice]\nphone = "1"\n',
     'people = "x"\n', '[people.alice]\nemail = "a@b.c\\r\\nBcc: x@y"\n'],
)  # fmt: skip
def test_a_bad_people_table_is_one_line(run, neutral_env, people):  # noqa: F811
    folder = neutral_env / "config" / "warroom"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(people, "utf-8")
    assert run("declare", "x").code == 0
    assert run("retro", "action", "add", "1", "Fix it", "--owner", "alice").code == 0
    assert_one_line_error(run("retro", "action", "export", "1", "-f", "jira-csv"), "people")
