"""The headless CLI: every verb checked against what the store holds, and errors
as exactly one stderr line. Mostly in-process; a few runs of the real program."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom.cli import commands as cli
from warroom.core.policy import CLOCKS
from warroom.core.text import MAX_NOTE
from warroom.store import Store

pytestmark = pytest.mark.both_engines


@pytest.fixture(autouse=True)
def cli_engine(engine: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """On PostgreSQL, WARROOM_DB names a fresh database on the test server."""
    if engine == "postgresql":
        monkeypatch.setenv("WARROOM_DB", request.getfixturevalue("pg_url"))
    return engine


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys):
    """warroom.cli.commands.main in-process: run("declare", "x") -> Result."""

    def _run(*args: str) -> Result:
        capsys.readouterr()  # drop anything earlier
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return _run


@pytest.fixture
def reader(open_store, env_db):
    """A fresh Store on the CLI's database (WARROOM_DB), to check what it holds."""

    def _reader(path: Path | None = None) -> Store:
        return open_store(path=path or env_db, identity="reader")

    return _reader


@pytest.fixture
def incident(run) -> int:
    result = run("declare", "Checkout returns 500", "-p", "P1", "--reported-at", "10m ago")
    assert result.code == 0, result.err
    return int(result.out)


def assert_one_line_error(result: Result, *words: str, code: int = 2) -> None:
    assert result.code == code
    assert result.err.startswith("warroom: ")
    assert result.err.endswith("\n")
    assert result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    for word in words:
        assert word in result.err


def real_warroom(*args: str, db: Path, input: bytes | None = None, **env: str):
    """The installed program, as a user runs it: python -m warroom ..."""
    environ = {**os.environ, "WARROOM_DB": str(db), **env}
    return subprocess.run(
        [sys.executable, "-m", "warroom", *args],
        input=input,
        capture_output=True,
        env=environ,
        cwd=db.parent,
        timeout=30,
    )


def now() -> datetime:
    return datetime.now(UTC)


# ----------------------------------------------------------------- declare
def test_declare_prints_the_id(run, reader, env_db):
    result = run("declare", "Payments down", "-c", "sec", "-p", "p2", "--stage", "respond")
    assert result.code == 0
    assert result.err == "category: security breach (from 'sec')\n"  # the prefix matched
    assert result.out == "1\n"
    stored = reader().get_incident(1)
    assert stored.title == "Payments down"
    assert stored.category == "security breach"
    assert stored.priority == "P2"
    assert stored.stage == "Respond"
    assert stored.declared_by == "tester"
    assert abs(stored.reported_at - now()) < timedelta(minutes=1)
    assert run("declare", "Second").out == "2\n"


def test_declare_reported_at(run, reader):
    result = run("declare", "Earlier", "--reported-at", "90m ago")
    stored = reader().get_incident(int(result.out))
    assert abs(stored.reported_at - (now() - timedelta(minutes=90))) < timedelta(minutes=1)
    iso = run("declare", "Exact", "--reported-at", "2020-01-02T03:04:05+00:00")
    assert reader().get_incident(int(iso.out)).reported_at == datetime(
        2020, 1, 2, 3, 4, 5, tzinfo=UTC
    )


def test_declare_with_a_policy_without_detect_starts_in_its_first_stage(run, reader, tmp_path):
    policy = tmp_path / "stages.toml"
    policy.write_text('stages = ["Triage", "Mitigate", "Resolve"]\n')
    result = run("--policy", str(policy), "declare", "custom stages")
    assert result.code == 0 and result.err == ""
    assert reader().get_incident(int(result.out)).stage == "Triage"
    assert run("--policy", str(policy), "declare", "later", "--stage", "mit").code == 0
    assert reader().get_incident(2).stage == "Mitigate"


def test_close_dated_before_remediation_is_refused(run, reader):
    iid = run("declare", "order test", "--reported-at", "30m ago").out.strip()
    assert run("remediate", iid).code == 0
    result = run("close", iid, "--resolution", "r", "--at", "5m ago")
    assert_one_line_error(result, "the close cannot come before remediate")
    assert reader().get_incident(int(iid)).is_open


def test_declare_in_the_future_is_refused(run, reader):
    result = run("declare", "Soon", "--reported-at", "2999-01-01T00:00:00+00:00")
    assert_one_line_error(result, "future")
    assert reader().list_incidents(include_closed=True) == []


# --------------------------------------------------------------------- list
def test_list_and_list_json(run, incident):
    other = int(run("declare", "Disk | full", "-p", "P3").out)
    run("close", str(incident), "-r", "Rolled back")

    text = run("list")
    assert text.code == 0
    lines = text.out.splitlines()
    assert len(lines) == 1
    assert lines[0].split()[0] == str(other)
    assert "Disk | full" in lines[0] and "P3" in lines[0]

    everything = run("list", "--all").out.splitlines()
    assert [line.split()[0] for line in everything] == [str(incident), str(other)]
    assert "closed" in everything[0]

    data = json.loads(run("list", "--json").out)
    assert [d["id"] for d in data] == [other]
    assert data[0]["title"] == "Disk | full"
    assert data[0]["status"] == "open"
    data = json.loads(run("list", "--all", "--json").out)
    assert {d["id"]: d["status"] for d in data} == {incident: "closed", other: "open"}
    assert data[0]["resolution"] == "Rolled back"


def test_list_on_an_empty_database(run, env_db):
    result = run("list", "--json")
    assert result.code == 0
    assert json.loads(result.out) == []
    assert env_db.exists()


# --------------------------------------------------------------------- notes
def test_note_with_kind(run, reader, incident):
    result = run("note", str(incident), "Error rate 40% on /pay", "--kind", "evidence")
    assert result.code == 0
    entry = reader().entry(int(result.out))
    assert entry.kind == "evidence"
    assert entry.text == "Error rate 40% on /pay"
    assert entry.actor == "tester"
    assert entry.incident_id == incident


def test_note_with_time(run, reader, incident):
    entry_id = int(run("note", str(incident), "Deploy started", "--at", "7m ago").out)
    entry = reader().entry(entry_id)
    assert abs(entry.occurred_at - (now() - timedelta(minutes=7))) < timedelta(minutes=1)
    assert entry.recorded_at - entry.occurred_at > timedelta(minutes=6)


def test_note_from_stdin_in_process(run, reader, incident, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"from\nstdin \xff")))
    result = run("note", str(incident), "-")
    assert result.code == 0
    assert reader().entry(int(result.out)).text == "from\nstdin \ufffd"


def test_bad_note_kind_is_a_usage_error(run, reader, incident):
    result = run("note", str(incident), "x", "--kind", "gossip")
    assert_one_line_error(result, "gossip")
    assert len(reader().timeline(incident)) == 1


def test_correct(run, reader, incident):
    original = int(run("note", str(incident), "Cause: DNS").out)
    result = run("correct", str(original), "Cause: expired cert")
    assert result.code == 0
    store = reader()
    fixed = store.entry(int(result.out))
    assert fixed.supersedes == original
    assert fixed.text == "Cause: expired cert"
    assert store.entry(original).text == "Cause: DNS"


def test_timeline_text_and_json(run, incident):
    run("note", str(incident), "line one\nline two \x1b[2J")
    text = run("timeline", str(incident))
    assert text.code == 0
    assert len(text.out.splitlines()) == 2
    assert "\x1b" not in text.out  # control characters never reach the terminal
    assert "line one \u23ce line two" in text.out
    entries = json.loads(run("timeline", str(incident), "--json").out)
    assert [e["kind"] for e in entries] == ["system", "note"]
    assert entries[1]["text"] == "line one\nline two \x1b[2J"  # JSON keeps it exact
    assert entries[0]["data"]["event"] == "incident.declare"


# -------------------------------------------------------------------- status
def test_status_json(run, incident):
    for args in (
        ("assign", str(incident), "lead", "Bob"),
        ("assign", str(incident), "responders", "Carol"),
        ("assign", str(incident), "resp", "Dan"),
        ("tick", str(incident), "c1"),
        ("tick", str(incident), "a2"),
        ("ack", str(incident)),
    ):
        assert run(*args).code == 0

    result = run("status", str(incident), "--json")
    assert result.code == 0
    status = json.loads(result.out)
    assert status["incident"]["id"] == incident
    assert status["incident"]["priority"] == "P1"
    assert status["roles"] == {
        "Lead": "Bob",
        "Coordinator": None,
        "Change owner": None,
        "Scribe": None,
        "Communicator": None,
        "Responder": ["Carol", "Dan"],
    }
    ticked = {item["id"]: item for item in status["checklist"] if item["ticked"]}
    assert set(ticked) == {"c1", "a2"}
    assert ticked["c1"]["by"] == "tester"
    assert len(status["checklist"]) == 15
    clocks = {c["clock"]: c for c in status["clocks"]}
    assert list(clocks) == list(CLOCKS)
    assert clocks["acknowledge"]["state"] == "met"
    assert clocks["acknowledge"]["stopped_at"] is not None
    assert clocks["triage"]["state"] == "running"
    assert clocks["triage"]["budget_seconds"] == 3600
    assert 49 * 60 <= clocks["triage"]["remaining_seconds"] <= 50 * 60
    reported = datetime.fromisoformat(status["incident"]["reported_at"])
    assert datetime.fromisoformat(status["next_update_due"]) == reported + timedelta(hours=1)
    assert status["next_update_state"] == "running"


def test_status_text(run, incident):
    run("assign", str(incident), "scribe", "Erin")
    run("tick", str(incident), "i4")
    result = run("status", str(incident))
    assert result.code == 0
    out = result.out
    assert out.startswith(f"#{incident} Checkout returns 500\n")
    assert "Scribe        Erin" in out
    assert "Lead          (unassigned)" in out
    assert "[x] i4" in out and "[ ] i5" in out
    for clock in CLOCKS:
        assert f"  {clock}" in out
    assert "Next update due" in out
    assert " UTC" in out  # TZ=UTC in the neutral environment


# --------------------------------------------------------- every other verb
def test_assign_and_unassign(run, reader, incident):
    assert run("assign", str(incident), "lead", "Bob").out == "Lead: Bob\n"
    assert run("assign", str(incident), "LEAD", "Carol").out == "Lead: Bob -> Carol\n"
    run("assign", str(incident), "responder", "Dan")
    run("assign", str(incident), "responder", "Eve")
    board = reader().board(incident)
    assert board.holder("Lead") == "Carol"
    assert board.holders("Lead")[0].previous == "Bob"
    assert board.holders("Lead")[0].assigned_by == "tester"

    assert run("unassign", str(incident), "responder", "Dan").code == 0
    assert [h.person for h in reader().board(incident).holders("Responder")] == ["Eve"]
    assert run("unassign", str(incident), "lead").code == 0
    assert reader().board(incident).holder("Lead") is None
    assert_one_line_error(run("unassign", str(incident), "lead"), "nobody holds")


def test_tick_and_untick(run, reader, incident):
    assert run("tick", str(incident), "i3").code == 0
    state = reader().board(incident).checklist["i3"]
    assert state.ticked and state.by == "tester"
    assert run("untick", str(incident), "i3").code == 0
    assert reader().board(incident).checklist["i3"].ticked is False
    events = [e.event for e in reader().timeline(incident)]
    assert events[-2:] == ["checklist.tick", "checklist.untick"]


def test_role_tick_stage_and_priority_verbs_take_a_time(run, reader, incident):
    iid = str(incident)
    for args in (
        ("assign", iid, "lead", "Bob", "--at", "9m ago"),
        ("tick", iid, "i3", "--at", "8m ago"),
        ("untick", iid, "i3", "--at", "7m ago"),
        ("stage", iid, "respond", "--at", "6m ago"),
        ("priority", iid, "p2", "--at", "5m ago"),
        ("unassign", iid, "lead", "--at", "4m ago"),
    ):
        assert run(*args).code == 0, args
    entries = reader().timeline(incident)[-6:]
    ages = [now() - e.occurred_at for e in entries]
    for minutes, age in zip(range(9, 3, -1), ages, strict=True):
        assert abs(age - timedelta(minutes=minutes)) < timedelta(minutes=1)
    assert all(e.backfilled for e in entries)
    assert run("tick", iid, "c1", "--at", "2m ago").code == 0
    state = reader().board(incident).checklist["c1"]
    assert abs(state.at - (now() - timedelta(minutes=2))) < timedelta(minutes=1)
    lines = run("timeline", iid).out.splitlines()
    assert sum("[written later: " in line for line in lines) >= 7

    before = len(reader().timeline(incident))
    assert_one_line_error(run("assign", iid, "lead", "Cy", "--at", "1h ago"), "before the reported")
    assert_one_line_error(run("stage", iid, "recover", "--at", "in 2h"), "cannot read time")
    assert_one_line_error(
        run("priority", iid, "p1", "--at", (now() + timedelta(hours=1)).isoformat()), "future"
    )
    assert_one_line_error(run("tick", iid, "i3", "--at", "8m ago"), "before the last change")
    assert len(reader().timeline(incident)) == before


def test_a_correction_keeps_its_author_and_names_who_corrected(run, reader, incident):
    said = run("--as", "rita", "note", str(incident), "DNS", "-k", "decision", "--at", "5m ago")
    fixed = int(run("--as", "sam", "correct", said.out.strip(), "DNS, then certs").out)
    entry = reader().entry(fixed)
    assert (entry.actor, entry.corrected_by, entry.backfilled) == ("rita", "sam", True)
    line = next(x for x in run("timeline", str(incident)).out.splitlines() if "certs" in x)
    assert "rita:" in line and f"[correction of #{said.out.strip()} by sam]" in line
    assert "[written later: " in line


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("ack",), "acknowledged_at"),
        (("triage",), "triaged_at"),
        (("remediate",), "remediated_at"),
        (("milestone", "retro"), "retro_at"),
        (("milestone", "triage"), "triaged_at"),
    ],
)
def test_milestone_verbs(run, reader, incident, args, field):
    assert getattr(reader().get_incident(incident), field) is None
    result = run(args[0], str(incident), *args[1:])
    assert result.code == 0
    moment = getattr(reader().get_incident(incident), field)
    assert moment is not None and abs(moment - now()) < timedelta(minutes=1)
    assert reader().timeline(incident)[-1].event == "milestone"
    again = run(args[0], str(incident), *args[1:])
    assert_one_line_error(again, "already recorded")


def test_milestone_at_a_given_time(run, reader, incident):
    assert run("triage", str(incident), "--at", "5m ago").code == 0
    triaged = reader().get_incident(incident).triaged_at
    assert abs(triaged - (now() - timedelta(minutes=5))) < timedelta(minutes=1)
    assert_one_line_error(run("ack", str(incident), "--at", "3h ago"), "before the reported")


def test_priority_and_stage(run, reader, incident):
    assert run("priority", str(incident), "p3").code == 0
    assert run("stage", str(incident), "recover").code == 0
    stored = reader().get_incident(incident)
    assert (stored.priority, stored.stage) == ("P3", "Recover")
    assert [e.event for e in reader().timeline(incident)][-2:] == [
        "priority.change",
        "stage.change",
    ]
    assert_one_line_error(run("priority", str(incident), "P7"), "unknown priority")
    assert_one_line_error(run("stage", str(incident), "re"), "unknown stage")


def test_publish_text_and_draft(run, reader, incident):
    assert_one_line_error(run("publish", str(incident), " "), "empty")
    result = run("publish", str(incident), "We are investigating.")
    assert result.code == 0
    entry = reader().entry(int(result.out))
    assert entry.kind == "update" and entry.public and entry.actor == "tester"
    stored = reader().get_incident(incident)
    assert stored.last_update_at is not None
    assert stored.acknowledged_at == stored.last_update_at

    reader().save_draft(incident, "Fix deployed, monitoring.", 0)
    result = run("publish", str(incident))
    assert reader().entry(int(result.out)).text == "Fix deployed, monitoring."


def test_close_and_reopen(run, reader, incident):
    assert_one_line_error(run("close", str(incident)), "--resolution")
    assert run("close", str(incident), "-r", "Cert renewed").code == 0
    stored = reader().get_incident(incident)
    assert stored.status == "closed"
    assert stored.resolution == "Cert renewed"
    assert stored.remediated_at == stored.closed_at
    assert run("list").out == ""
    assert_one_line_error(run("assign", str(incident), "lead", "Bob"), "closed")

    assert run("reopen", str(incident), "--reason", "Came back").code == 0
    stored = reader().get_incident(incident)
    assert stored.status == "open" and stored.closed_at is None
    assert reader().timeline(incident)[-1].text == "Incident reopened: Came back"
    assert_one_line_error(run("reopen", str(incident)), "already open")


# ------------------------------------------------------------------- errors
def test_unknown_incident(run, env_db):
    assert run("list").code == 0  # the database exists, without incident 42
    assert_one_line_error(run("status", "42"), "no incident with id 42", str(env_db))
    assert_one_line_error(run("note", "42", "hello"), "42")


def test_a_verb_never_starts_a_database_of_its_own(run, env_db, engine):
    assert_one_line_error(run("note", "1", "hello"), "no database at", str(env_db), "WARROOM_DB")
    if engine == "sqlite":
        assert not env_db.exists()
    else:  # the server's database stays empty: no schema was made
        import psycopg

        with psycopg.connect(env_db.conninfo) as conn:
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            assert tables.fetchone()[0] == 0


def test_unknown_role(run, reader, incident):
    assert_one_line_error(run("assign", str(incident), "chief", "Bob"), "unknown role", "chief")
    assert reader().board(incident).roles == ()


def test_unknown_checklist_item(run, reader, incident):
    assert_one_line_error(run("tick", str(incident), "z9"), "unknown checklist item", "z9")
    assert reader().board(incident).checklist == {}


def test_db_path_is_a_directory(run, tmp_path):
    assert_one_line_error(run("--db", str(tmp_path), "list"), str(tmp_path), "directory")


def test_db_is_not_sqlite(run, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n")
    assert_one_line_error(run("--db", str(path), "list"), str(path), "not a SQLite")
    assert path.read_text() == "just some notes\n"


@pytest.mark.sqlite_only
def test_db_from_a_newer_warroom(run, env_db):
    assert run("declare", "Old").code == 0
    conn = sqlite3.connect(env_db)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    assert_one_line_error(run("list"), "newer", str(env_db))


@pytest.mark.parametrize(
    "args",
    [
        ("status", "abc"),
        ("note", "1"),
        ("frobnicate",),
        ("--bogus", "list"),
        ("milestone", "1", "lunch"),
    ],
)
def test_argument_mistakes_are_one_line(run, args):
    assert_one_line_error(run(*args), "--help")


def test_empty_values_are_refused(run, reader, incident):
    assert_one_line_error(run("declare", "   "), "title")
    assert_one_line_error(run("note", str(incident), "  "), "empty")
    assert_one_line_error(run("assign", str(incident), "lead", " "), "empty")
    assert len(reader().list_incidents()) == 1
    assert len(reader().timeline(incident)) == 1


def test_bad_time_is_a_usage_error(run, reader):
    assert_one_line_error(run("declare", "When?", "--reported-at", "yesterday"), "yesterday")
    assert reader().list_incidents() == []


def test_out_of_range_time_is_a_usage_error(run):
    assert_one_line_error(run("declare", "Ancient", "--reported-at", "999999d ago"))


def test_huge_incident_id_is_a_usage_error(run, incident):
    assert_one_line_error(run("status", "99999999999999999999"))


@pytest.mark.sqlite_only
def test_world_readable_db_warns_on_stderr(run, env_db):
    run("declare", "Secrets")
    os.chmod(env_db, 0o664)
    result = run("list")
    assert result.code == 0
    assert result.err.count("\n") == 1
    assert result.err.startswith("warroom: warning:")
    assert "chmod o-rwx" in result.err
    assert "Secrets" in result.out


# ------------------------------------------------------- identity and paths
def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "warroom" in out and "textual" in out


@pytest.mark.sqlite_only
def test_db_flag_beats_warroom_db(run, reader, env_db, tmp_path):
    other = tmp_path / "elsewhere" / "team.db"
    assert run("--db", str(other), "declare", "Over there").code == 0
    assert other.exists()
    assert not env_db.exists()
    assert [i.title for i in reader(other).list_incidents()] == ["Over there"]
    assert run("declare", "Here").code == 0  # without --db: WARROOM_DB
    assert [i.title for i in reader(env_db).list_incidents()] == ["Here"]


def test_identity_from_flag_and_environment(run, reader, incident, monkeypatch):
    run("--as", "Incident Bot", "note", str(incident), "automated")
    monkeypatch.setenv("WARROOM_USER", "zoe")
    run("note", str(incident), "by zoe")
    run("--as", "yann", "tick", str(incident), "c2")
    store = reader()
    entries = store.timeline(incident)
    assert [e.actor for e in entries] == ["tester", "Incident Bot", "zoe", "yann"]
    assert store.get_incident(incident).declared_by == "tester"
    assert store.board(incident).checklist["c2"].by == "yann"


# ------------------------------------------------- the real console program
def test_real_program_declare(tmp_path, reader):
    db = tmp_path / "real.db"
    declared = real_warroom("declare", "Real run", "-p", "P2", db=db, WARROOM_USER="quinn")
    assert declared.returncode == 0, declared.stderr
    assert declared.stdout == b"1\n"
    assert declared.stderr == b""
    stored = reader(db).get_incident(1)
    assert (stored.title, stored.priority, stored.declared_by) == ("Real run", "P2", "quinn")


def test_real_program_errors_are_one_line(tmp_path, run):
    db = tmp_path / "real.db"
    assert run("--db", str(db), "declare", "Exists").code == 0
    unknown = real_warroom("status", "7", db=db)
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    from_the_future = real_warroom("list", db=newer)
    for result, words in ((unknown, "no incident with id 7"), (from_the_future, "newer")):
        assert result.returncode == 2
        assert result.stdout == b""
        err = result.stderr.decode()
        assert err.startswith("warroom: ")
        assert err.count("\n") == 1 and err.endswith("\n")
        assert "Traceback" not in err
        assert words in err


def test_real_program_note_from_stdin(tmp_path, run, reader):
    db = tmp_path / "real.db"
    assert run("--db", str(db), "declare", "Piped").code == 0
    result = real_warroom(
        "--as", "rita", "note", "1", "-", "-k", "evidence",
        db=db, input=b"log line 1\nline 2\n", WARROOM_USER="quinn",
    )  # fmt: skip
    assert result.returncode == 0
    assert result.stderr == b""
    entry = reader(db).entry(int(result.stdout))
    assert entry.text == "log line 1\nline 2\n"
    assert entry.kind == "evidence"
    assert entry.actor == "rita"  # --as beats WARROOM_USER


def test_real_program_truncates_a_huge_stdin_note(tmp_path, run, reader):
    db = tmp_path / "real.db"
    assert run("--db", str(db), "declare", "Flood").code == 0
    huge = ("0123456789" * (MAX_NOTE // 10 + 500)).encode()
    assert len(huge) > MAX_NOTE
    result = real_warroom("note", "1", "-", db=db, input=huge)
    assert result.returncode == 0
    err = result.stderr.decode()
    assert err.startswith("warroom: ")
    assert err.count("\n") == 1
    assert "truncated" in err and str(MAX_NOTE) in err
    stored = reader(db).entry(int(result.stdout)).text
    assert len(stored) == MAX_NOTE
    assert stored == huge.decode()[:MAX_NOTE]


def test_real_program_version(tmp_path):
    db = tmp_path / "real.db"
    version = real_warroom("--version", db=db)
    assert version.returncode == 0
    assert b"warroom" in version.stdout and b"textual" in version.stdout
    assert version.stderr == b""
    assert not db.exists()  # --version opens nothing


def test_draft_prints_the_draft_and_its_history(run, reader, incident):
    store = reader()
    first = store.save_draft(incident, "Investigating\x1b[2J checkout.", 0)
    store.save_draft(incident, "Mitigated.", first.version)
    result = run("draft", str(incident))
    assert (result.code, result.out) == (0, "Mitigated.\n")
    history = run("draft", str(incident), "--history")
    assert history.code == 0
    assert "v1" in history.out and "v2" in history.out and "\x1b" not in history.out
    as_json = json.loads(run("draft", str(incident), "--history", "--json").out)
    assert [(v["version"], v["text"], v["saved_by"]) for v in as_json] == [
        (1, "Investigating\x1b[2J checkout.", "reader"),
        (2, "Mitigated.", "reader"),
    ]
    assert json.loads(run("draft", str(incident), "--json").out)["version"] == 2
    assert_one_line_error(run("draft", "999"), "999")


# ------------------------------------------------------ who is acting, checked
@pytest.mark.parametrize(
    ("args", "env_user", "what"),
    [
        (["--as", "x" * 65], None, "longer than 64"),
        (["--as", "eve\x1b[2J"], None, "control characters"),
        (["--as", "   "], None, "must not be empty"),
        ([], "m" * 65, "longer than 64"),
        ([], "bell\x07", "control characters"),
    ],
)
def test_names_from_as_and_warroom_user_are_checked(run, reader, monkeypatch, args, env_user, what):
    assert run("declare", "Checkout is failing").code == 0
    if env_user is not None:
        monkeypatch.setenv("WARROOM_USER", env_user)
    result = run(*args, "note", "1", "from a bad name")
    assert result.code == 2, result
    assert what in result.err and len(result.err.splitlines()) == 1
    source = "--as" if args else "WARROOM_USER"
    assert source in result.err and "\x1b" not in result.err
    assert "from a bad name" not in [e.text for e in reader().timeline(1)]


def test_status_states_margins_as_the_markdown_does(run, reader, incident):
    """Not '13:00 early' or '6:30:00 late' (read as times of day): the words
    the retro document uses, from one function (warroom.core.sla.margin)."""
    assert run("ack", str(incident)).code == 0
    out = run("status", str(incident)).out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert re.search(r"met\s+due .*, (19|20)m before the deadline$", lines["acknowledge"])
    assert re.search(r"running\s+due .*, (49|50)m left$", lines["triage"]), lines["triage"]
    assert " early" not in out and " late" not in out
    assert re.search(r"Next update due .* \(running, (49|50)m left\)", out), out
    assert reader().get_incident(incident).acknowledged_at is not None


def test_verbs_say_what_they_did_in_one_line_and_q_silences_them(run, reader, incident):
    i = str(incident)
    said = {
        ("tick", i, "i4"): f"i4 ticked on incident {i}\n",
        ("untick", i, "i4"): f"i4 unticked on incident {i}\n",
        ("priority", i, "P2"): f"incident {i} is P2 now\n",
        ("stage", i, "recover"): f"incident {i} is in stage Recover now\n",
        ("assign", i, "scribe", "Erin"): "Scribe: Erin\n",
        ("unassign", i, "scribe"): f"unassigned scribe on incident {i}\n",
    }
    for args, line in said.items():
        result = run(*args)
        assert (result.code, result.out, result.err) == (0, line, ""), args
    ack = run("ack", i, "--at", "2m ago")
    assert re.fullmatch(rf"acknowledge recorded at .+ on incident {i}\n", ack.out), ack.out
    assert run("-q", "tick", i, "c1").out == ""
    assert run("--quiet", "triage", i).out == ""
    closed = run("close", i, "-r", "Rolled back")
    assert re.fullmatch(rf"incident {i} closed at .+; the closing announcement is drafted\n",
                        closed.out), closed.out  # fmt: skip
    assert run("reopen", i, "--reason", "back").out == f"incident {i} reopened\n"
    stored = reader().get_incident(incident)
    assert (stored.priority, stored.stage, stored.is_open) == ("P2", "Recover", True)
    assert stored.acknowledged_at is not None and stored.triaged_at is not None
    board = reader().board(incident)
    assert board.checklist["c1"].ticked and not board.checklist["i4"].ticked


def test_report_until_tomorrow_close_hint_and_the_category_chosen(run, reader, incident):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    report = run("report", "--since", "2h ago", "--until", tomorrow, "--json")
    assert report.code == 0, report.err
    assert json.loads(report.out)
    open_close = run("milestone", str(incident), "close", "--at", "5m ago")
    assert_one_line_error(open_close, f"warroom close {incident}")
    assert reader().get_incident(incident).closed_at is None
    declared = run("declare", "Slow search", "--category", "regression")
    assert declared.code == 0
    iid = int(declared.out)  # the bare id, for scripts
    assert declared.err == "category: regression or bug (from 'regression')\n"
    assert reader().get_incident(iid).category == "regression or bug"
    exact = run("declare", "Slow search", "--category", "regression or bug")
    assert exact.err == "" and int(exact.out) == iid + 1
    assert run("-q", "declare", "x", "-c", "perf").err == ""


def test_an_incident_replayed_from_2018_reads_in_years_and_is_never_overdue(run, reader):
    """Declared today about 2018: '+8 years, ...' since the report, not '+2966d';
    closed, its retro clock is missed, not overdue for ever."""
    iid = run("declare", "Replayed outage", "-p", "P2", "--reported-at", "2018-03-01T09:00Z").out
    iid = iid.strip()
    assert run("close", iid, "-r", "Rolled back", "--at", "2018-03-01T11:00Z").code == 0
    doc = run("export", iid).out
    declared = next(line for line in doc.splitlines() if line.startswith("| Declared |"))
    assert re.search(r"\| \+\d+ years", declared), declared
    status = run("status", iid).out
    assert "overdue" not in status
    assert re.search(r"retro\s+missed\s+due .*, not recorded, \d+ years", status), status
    assert reader().get_incident(int(iid)).retro_at is None


def test_list_states_the_most_urgent_clock_in_words(run, incident):
    line = next(li for li in run("list").out.splitlines() if li.strip().startswith(str(incident)))
    assert re.search(r"acknowledge (19|20)m left", line), line
    assert not re.search(r"\d+:\d\d", line.split("acknowledge", 1)[1]), line
