"""What stakeholders may see (warroom/core/public.py): one rule for every public
output. A canary planted in every private field must show in no public output;
what was published must show, each update once, as it stands."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest

from warroom.cli import commands as cli
from warroom.core.errors import UsageError
from warroom.core.public import NO_PUBLIC_TITLE, public_view
from warroom.formats.export import render_export
from warroom.services.hooks import hook_env

pytestmark = pytest.mark.both_engines

# One canary per private field, so a leak names its field.
PRIVATE = (
    "title", "note", "evidence", "decision", "change", "impact", "person", "publisher",
    "ticker", "why", "cause", "action", "owner", "ticket", "draft", "superseded", "hook",
    "resolution", "corrected-note", "reopen",
)  # fmt: skip


def canary(field: str) -> str:
    return f"zq{field}canary"


PUBLIC_TITLE = "Checkout is unavailable for some customers"
FIRST = "We are looking into failed checkouts."
CORRECTED = "Checkouts fail for customers in the EU; a fix is being rolled out."
SECOND = "Checkout works again for everyone."


def plant(open_store, clock) -> tuple[int, int]:
    """An incident with a canary in every private field; and a drill."""
    s = open_store(identity="alice")
    responder = open_store(identity=canary("publisher"))
    ticker = open_store(identity=canary("ticker"))
    iid = s.declare(f"Attack by {canary('title')} on ACME", "security", "P1").id
    s.set_public_title(iid, PUBLIC_TITLE)
    s.record_milestone(iid, "impact-start", clock() - timedelta(minutes=20))
    s.assign(iid, "Lead", canary("person"))
    ticker.set_check(iid, "a1", True)
    for kind in ("note", "evidence", "decision"):
        s.add_entry(iid, f"{kind} {canary(kind)}", kind)
    note = s.add_entry(iid, "nothing yet", "note")
    s.correct(note.id, f"fixed {canary('corrected-note')}")
    clock.advance(minutes=5)
    change = s.add_entry(iid, f"Rolled back {canary('change')}", "change")
    s.set_change_impact(change.id, "worse", note=f"made it worse {canary('impact')}")
    s.save_draft(iid, f"never sent {canary('draft')}", 0)
    clock.advance(minutes=5)
    first = responder.publish_update(iid, f"{FIRST} {canary('superseded')}")
    responder.correct(first.id, CORRECTED)
    s.record_event(iid, f"publish hook said {canary('hook')}", "hook.result")
    clock.advance(minutes=30)
    responder.publish_update(iid, SECOND)
    s.record_milestone(iid, "impact-end")
    s.close_incident(iid, f"fixed by {canary('resolution')}")
    s.reopen_incident(iid, f"because {canary('reopen')}")
    s.close_incident(iid, f"fixed by {canary('resolution')}")
    s.save_why(iid, 1, f"why {canary('why')}", f"because {canary('why')}")
    s.set_root_cause(iid, f"root cause {canary('cause')}")
    s.add_action(iid, f"do {canary('action')}", canary("owner"), date(2026, 4, 1), canary("ticket"))
    drill = s.declare(f"Game day {canary('title')}", "regression", "P2", drill=True).id
    s.publish_update(drill, f"practice {canary('draft')}")
    return iid, drill


def public_outputs(store, iid) -> dict[str, str]:
    bundle, now = store.bundle(iid), store.clock()
    outputs = {
        fmt: render_export(bundle, store.policy, fmt, True, now) for fmt in ("md", "json", "csv")
    }
    outputs["view"] = repr(public_view(bundle))  # what a status page builds from
    return outputs


def test_no_private_field_reaches_a_public_output(open_store, clock, db_file, capsys):
    store = open_store()
    iid, drill = plant(open_store, clock)
    internal = render_export(store.bundle(iid), store.policy, "md", False, store.clock())
    internal += render_export(store.bundle(iid), store.policy, "json", False, store.clock())
    internal += render_export(store.bundle(iid), store.policy, "csv", False, store.clock())
    assert [f for f in PRIVATE if canary(f) not in internal] == []  # every canary is planted

    outputs = public_outputs(store, iid)
    for fmt in ("md", "json", "csv"):  # and the CLI says the same
        capsys.readouterr()
        assert cli.main(["--db", str(db_file), "export", str(iid), "-f", fmt, "--public"]) == 0
        outputs[f"cli {fmt}"] = capsys.readouterr().out
    leaks = {name: [f for f in PRIVATE if canary(f) in text] for name, text in outputs.items()}
    assert leaks == {name: [] for name in outputs}
    for name, text in outputs.items():  # what was published is there, as it stands
        assert CORRECTED in text and SECOND in text and FIRST not in text
        assert (PUBLIC_TITLE in text) is ("csv" not in name)  # CSV: the updates alone

    # A drill has no public version: a page leaves it out, an export refuses.
    assert public_view(store.bundle(drill)) is None
    with pytest.raises(UsageError, match="drill"):
        render_export(store.bundle(drill), store.policy, "md", True, store.clock())
    assert cli.main(["--db", str(db_file), "export", str(drill), "--public"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "drill" in err and len(err.splitlines()) == 1


def test_no_private_field_reaches_the_status_page(open_store, clock, db_file, tmp_path, capsys):
    """Every file the status page builds (HTML, Atom, JSON) follows the same rule."""
    from warroom.formats.statuspage import build

    store = open_store()
    iid, drill = plant(open_store, clock)
    store.set_public_title(drill, f"Game day {canary('title')}")  # a drill stays off the page
    untitled = store.declare(f"Untitled {canary('title')}", "regression", "P2").id
    store.publish_update(untitled, f"went out {canary('draft')}")  # no public title: off too
    folder = build(store, store.policy, tmp_path / "site")
    assert cli.main(["--db", str(db_file), "statuspage", "build", str(tmp_path / "cli")]) == 0
    files = {p: p.read_text("utf-8") for p in (tmp_path / "site").rglob("*") if p.is_file()}
    files |= {p: p.read_text("utf-8") for p in (tmp_path / "cli").rglob("*") if p.is_file()}
    leaks = {str(p): [f for f in PRIVATE if canary(f) in text] for p, text in files.items()}
    assert leaks == {p: [] for p in leaks}
    assert len(files) == 2 * 11  # the one incident listed: 10 files and the marker, twice
    page = (folder / "incidents" / f"{iid}.html").read_text("utf-8")
    assert PUBLIC_TITLE in page and CORRECTED in page and SECOND in page and FIRST not in page


def test_public_version_is_what_stakeholders_were_told(open_store, clock):
    store = open_store()
    iid, _ = plant(open_store, clock)
    incident = store.get_incident(iid)
    view = public_view(store.bundle(iid))
    assert (view.title, view.status, view.root_cause) == (PUBLIC_TITLE, "closed", None)
    assert (view.impact_started_at, view.impact_ended_at) == (
        incident.impact_started_at, incident.impact_ended_at,
    )  # fmt: skip
    assert view.closed_at == incident.closed_at
    # Each update once, the correction in its original's place.
    assert [(u.number, u.text) for u in view.updates] == [(1, CORRECTED), (2, SECOND)]
    assert view.updates[0].corrected_at is not None and view.updates[1].corrected_at is None

    doc = render_export(store.bundle(iid), store.policy, "md", True, store.clock())
    assert doc.startswith(f"# Incident {iid}: {PUBLIC_TITLE}\n")
    assert [line for line in doc.splitlines() if line.startswith("#")] == [
        f"# Incident {iid}: {PUBLIC_TITLE}", "## Updates", "### Update 1 — 2026-03-10 12:10:00 UTC",
        "### Update 2 — 2026-03-10 12:40:00 UTC",
    ]  # fmt: skip
    for private in ("alice", "SLA", "acknowledge", "Checklist", "Why", "Lead", "P1"):
        assert private not in doc
    assert "- **Impact:** from 2026-03-10 11:40:00 UTC until 2026-03-10 12:40:00 UTC" in doc
    assert "- **Closed:** 2026-03-10 12:40:00 UTC" in doc

    data = json.loads(render_export(store.bundle(iid), store.policy, "json", True, store.clock()))
    assert set(data) == {"schema_version", "exported_at", "public", "incident", "updates"}
    assert data["incident"]["title"] == PUBLIC_TITLE
    assert [u["text"] for u in data["updates"]] == [CORRECTED, SECOND]
    rows = list(csv.reader(io.StringIO(render_export(
        store.bundle(iid), store.policy, "csv", True, store.clock()
    ))))  # fmt: skip
    assert rows[0] == ["update", "published_at", "text", "corrected_at"]
    assert [r[2] for r in rows[1:]] == [CORRECTED, SECOND]

    # The team may make the root cause public; then, and only then, it shows.
    store.set_root_cause_public(iid, True)
    doc = render_export(store.bundle(iid), store.policy, "md", True, store.clock())
    assert "## Root cause" in doc and canary("cause") in doc
    internal = render_export(store.bundle(iid), store.policy, "md", False, store.clock())
    assert "_Made public: the public version shows it._" in internal
    store.set_root_cause_public(iid, False)
    assert canary("cause") not in public_outputs(store, iid)["md"]
    events = [e.event for e in store.timeline(iid)]
    assert events.count("root_cause.public") == 2 and "public_title.change" in events


def test_without_a_public_title_the_internal_one_never_shows(store):
    iid = store.declare("Breach at ACME Corp by group X", "security", "P1").id
    store.publish_update(iid, "We are investigating an issue.")
    for fmt, text in public_outputs(store, iid).items():
        assert "ACME" not in text, fmt
    doc = render_export(store.bundle(iid), store.policy, "md", True, store.clock())
    assert doc.startswith(f"# Incident {iid}: {NO_PUBLIC_TITLE}\n")
    data = json.loads(render_export(store.bundle(iid), store.policy, "json", True, store.clock()))
    assert data["incident"]["title"] is None
    # The publish hook gets the public title apart from the internal one.
    entry = store.timeline(iid)[-1]
    assert hook_env(store.get_incident(iid), entry)["WARROOM_PUBLIC_TITLE"] == ""
    store.set_public_title(iid, "Service disruption")
    assert hook_env(store.get_incident(iid), entry)["WARROOM_PUBLIC_TITLE"] == "Service disruption"
    # Taking it away again says so on the timeline.
    store.set_public_title(iid, "  ")
    assert store.get_incident(iid).public_title == ""
    assert store.timeline(iid)[-1].text == "Public title removed"


def test_internal_markdown_lists_each_update_once(store, clock):
    iid = store.declare("Checkout down", "regression", "P1").id
    first = store.publish_update(iid, "first, with a typo")
    clock.advance(minutes=30)
    store.publish_update(iid, "second")
    clock.advance(minutes=5)
    store.correct(first.id, "first, corrected")
    doc = render_export(store.bundle(iid), store.policy, "md", False, store.clock())
    updates = doc.split("## Stakeholder updates")[1].split("\n## ")[0]
    assert [line for line in updates.splitlines() if line.startswith("### ")] == [
        "### Update 1 — 2026-03-10 12:00:00 UTC, by alice",
        "### Update 2 — 2026-03-10 12:30:00 UTC, by alice",
    ]
    assert "first, corrected" in updates and "typo" not in updates
    assert "_Corrected by alice at 2026-03-10 12:35:00 UTC" in updates
    assert "typo" in doc.split("## Timeline")[1]  # the timeline keeps every version
    # A correction of a correction, and two corrections of one update: the latest stands.
    again = store.correct(store.timeline(iid)[-1].id, "first, corrected twice")
    view = public_view(store.bundle(iid))
    assert [(u.text, u.entry_id) for u in view.updates] == [
        ("first, corrected twice", again.id), ("second", view.updates[1].entry_id),
    ]  # fmt: skip
    store.correct(first.id, "first, corrected from the original")
    assert [u.text for u in public_view(store.bundle(iid)).updates] == [
        "first, corrected from the original", "second",
    ]  # fmt: skip


def test_cli_sets_the_public_title_and_root_cause(env_db, capsys):
    assert cli.main(["declare", "Leak at ACME", "--priority", "P1"]) == 0
    assert cli.main(["title", "1", "--public", "Login problems"]) == 0
    assert cli.main(["retro", "root-cause", "1", "An expired certificate", "--public"]) == 0
    capsys.readouterr()
    assert cli.main(["title", "1"]) == 0
    assert capsys.readouterr().out == "title: Leak at ACME\npublic title: Login problems\n"
    assert cli.main(["export", "1", "--public"]) == 0
    doc = capsys.readouterr().out
    assert doc.startswith("# Incident 1: Login problems\n") and "An expired certificate" in doc
    assert "ACME" not in doc
    assert cli.main(["retro", "root-cause", "1", "--private"]) == 0
    assert cli.main(["export", "1", "--public"]) == 0
    assert "An expired certificate" not in capsys.readouterr().out
    # Bad input: one line, exit 2, nothing changed.
    assert cli.main(["retro", "root-cause", "1"]) == 2
    assert cli.main(["title", "1", "--public", "x" * 500]) == 2
    out, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 2 and "Traceback" not in err
    assert cli.main(["title", "1"]) == 0
    assert "Login problems" in capsys.readouterr().out


@pytest.mark.sqlite_only
def test_sqlite_schema_6_gains_the_public_fields(tmp_path, policy):
    import sqlite3

    import sqlite_utils

    from warroom.store import Store
    from warroom.store import sqlite as backend

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {backend.APP_ID}")
    for version in range(6):
        backend.MIGRATIONS[version](sqlite_utils.Database(conn))
    conn.execute("PRAGMA user_version = 6")
    conn.execute(
        "INSERT INTO incidents (title, category, priority, stage, status, reported_at,"
        " declared_at, declared_by) VALUES ('Old', 'regression or bug', 'P2', 'Detect', 'open',"
        " '2026-03-10T11:00:00.000000+00:00', '2026-03-10T11:00:00.000000+00:00', 'ann')"
    )
    conn.commit()
    conn.close()
    store = Store.open(path, policy, "ann")
    try:
        old = store.get_incident(1)
        assert (old.title, old.public_title, old.root_cause_public) == ("Old", "", False)
        assert store.set_public_title(1, "Slow pages").public_title == "Slow pages"
    finally:
        store.close()


def test_postgresql_schema_2_gains_the_public_fields(pg_url, policy):
    import psycopg

    from warroom.store import Store
    from warroom.store import postgres as backend

    with psycopg.connect(pg_url, autocommit=True) as conn:
        backend.MIGRATIONS[0](conn)
        backend.MIGRATIONS[1](conn)
        conn.execute("UPDATE warroom_schema SET version = 2")
        conn.execute(
            "INSERT INTO incidents (title, category, priority, stage, status, reported_at,"
            " declared_at, declared_by) VALUES ('Old', 'regression or bug', 'P2', 'Detect',"
            " 'open', '2026-03-10T11:00:00.000000+00:00', '2026-03-10T11:00:00.000000+00:00',"
            " 'ann')"
        )
    store = Store.open(pg_url, policy, "ann")
    try:
        old = store.get_incident(1)
        assert (old.title, old.public_title, old.root_cause_public) == ("Old", "", False)
        assert store.set_root_cause_public(1, True).root_cause_public is True
    finally:
        store.close()


def test_update_templates_name_the_public_title(store, policy):
    """A template is the start of a published update: never the internal title."""
    from warroom.core.templates import TEMPLATES, render_template

    iid = store.declare("Breach at ACME Corp", "security", "P1").id
    for name in TEMPLATES:
        text = render_template(name, policy, store.get_incident(iid), store.clock())
        assert "ACME" not in text
        assert text.startswith(f"[P1] Incident #{iid}: {NO_PUBLIC_TITLE}\n")
    store.set_public_title(iid, "Login problems")
    text = render_template("update", policy, store.get_incident(iid), store.clock())
    assert text.startswith(f"[P1] Incident #{iid}: Login problems\n")
