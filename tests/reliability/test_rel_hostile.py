"""Hostile input (requirement 8): people under stress and scripts piping logs.

Human-facing output never carries raw control characters, the store keeps the
exact text, huge input is cut with a clear message, names are checked. The
CLI runs as a real process; the property tests drive the store and the
renderers in-process with hypothesis."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rel_support import FORBIDDEN_CONTROLS, fingerprint, one_clear_line, raw_controls, run_cli
from rich.console import Console

from warroom.core.errors import UsageError
from warroom.core.model import TimelineEntry
from warroom.core.text import MAX_NOTE, MAX_TITLE, one_line, visible
from warroom.store import Store
from warroom.tui.widgets.common import lit, lit_block
from warroom.tui.widgets.timeline import TimelineView

ESC_CLEAR = "\x1b[2J"
OSC8_LINK = "\x1b]8;;http://x\x07click me\x1b]8;;\x07"
HOSTILE_TITLE = f"DB down {ESC_CLEAR}\x07 \x9b31m red {OSC8_LINK}"
# A name may not hold controls (--as refuses them) but may turn text around or
# hide characters: those are stored and shown as placeholders.
HOSTILE_ACTOR = "eve\u202elam\u200b\u2066x"
HOSTILE_NOTES = [
    f"screen {ESC_CLEAR} cleared, {OSC8_LINK}, bell\x07\x07",
    "csi \x9b31m c1 \x85 nel, del \x7f, cr \r overwrite\nsecond line\twith tab",
]
PIPED_NOTE = "nul \x00 byte from a log \x1b[0;31mERROR\x1b[0m \x9b2J\r\n"


def _cli(db: Path, *args: str, stdin: bytes | str | None = None, actor: str | None = None):
    prefix = ["--db", str(db)] + (["--as", actor] if actor else [])
    return run_cli(*prefix, *args, stdin=stdin)


def _assert_no_raw_controls(label: str, text: str) -> None:
    found = raw_controls(text)
    assert not found, f"{label} printed raw control characters {found}"


# ----------------------------------------------------------- through the CLI
def test_hostile_text_is_shown_as_placeholders_and_stored_exactly(rel_db, real_store):
    declared = _cli(rel_db, "declare", HOSTILE_TITLE, actor=HOSTILE_ACTOR)
    assert declared.code == 0, declared.err
    incident = int(declared.out.strip())
    ids = []
    for note in HOSTILE_NOTES:
        added = _cli(rel_db, "note", str(incident), note, actor=HOSTILE_ACTOR)
        assert added.code == 0, added.err
        ids.append(int(added.out.strip()))
    piped = _cli(rel_db, "note", str(incident), "-", stdin=PIPED_NOTE.encode())
    assert piped.code == 0, piped.err
    ids.append(int(piped.out.strip()))
    ticked = _cli(rel_db, "tick", str(incident), "c1", actor=HOSTILE_ACTOR)
    assert ticked.code == 0, ticked.err

    # What people see: placeholders, never the raw controls.
    for verb in (["list"], ["status", str(incident)], ["timeline", str(incident)]):
        shown = _cli(rel_db, *verb)
        assert shown.code == 0, shown.err
        _assert_no_raw_controls(" ".join(verb), shown.out)
        assert "\u241b" in shown.out, f"{verb}: no ␛ placeholder for the escape"
        assert "DB down" in shown.out

    # What is kept: the exact text, through the store and through JSON.
    store = real_store()
    assert HOSTILE_TITLE.strip() == HOSTILE_TITLE
    assert store.get_incident(incident).title == HOSTILE_TITLE
    assert store.get_incident(incident).declared_by == HOSTILE_ACTOR
    entries = {e.id: e for e in store.timeline(incident)}
    expected = [*HOSTILE_NOTES, PIPED_NOTE]
    assert [entries[i].text for i in ids] == expected
    assert entries[ids[0]].actor == HOSTILE_ACTOR
    assert store.board(incident).checklist["c1"].by == HOSTILE_ACTOR

    as_json = _cli(rel_db, "timeline", str(incident), "--json")
    assert as_json.code == 0, as_json.err
    texts = {e["id"]: e["text"] for e in json.loads(as_json.out)}
    assert [texts[i] for i in ids] == expected
    listed = json.loads(_cli(rel_db, "list", "--json").out)
    assert listed[0]["title"] == HOSTILE_TITLE


@pytest.mark.parametrize(
    "name",
    ["mallory\x1b[2J", "bell\x07", "csi\x9b31m", "", "   ", "\t \n"],
    ids=["esc", "bel", "c1", "empty", "spaces", "whitespace"],
)
def test_bad_person_names_are_refused_with_one_line(name, seeded, real_store):
    db, incident = seeded
    before = real_store(identity="before")
    count, revision = len(before.timeline(incident)), before.revision()
    before.close()
    refused = _cli(db, "assign", str(incident), "Lead", name)
    assert refused.code == 2, (refused.code, refused.err)
    line = one_clear_line(refused)
    assert "name" in line
    _assert_no_raw_controls("the error message", refused.err)
    after = real_store(identity="after")
    assert after.board(incident).holder("Lead") is None
    assert len(after.timeline(incident)) == count
    assert after.revision() == revision


def test_whitespace_name_is_refused_for_unassign_too(seeded):
    db, incident = seeded
    assert _cli(db, "assign", str(incident), "Responder", "ann").code == 0
    refused = _cli(db, "unassign", str(incident), "Responder", "  ")
    assert refused.code == 2, refused.err
    assert "must not be empty" in one_clear_line(refused)


def test_five_megabyte_log_piped_to_note_is_cut_with_a_message(seeded, real_store):
    db, incident = seeded
    line = "2026-11-28T08:00:00Z api-7 \x1b[31mERROR\x1b[0m upstream timeout after 30000ms\n"
    log = (line * (5 * 1024 * 1024 // len(line) + 1)).encode()
    assert len(log) >= 5 * 1024 * 1024
    noted = _cli(db, "note", str(incident), "-", stdin=log)
    assert noted.code == 0, noted.err
    message = one_clear_line(noted)
    assert "truncated" in message and str(MAX_NOTE) in message
    assert noted.seconds < 20, f"took {noted.seconds:.1f}s"
    entry = real_store().entry(int(noted.out.strip()))
    assert len(entry.text) == MAX_NOTE
    assert entry.text == log.decode()[:MAX_NOTE]


def test_invalid_utf8_piped_to_note_is_stored_with_replacement_marks(seeded, real_store):
    db, incident = seeded
    noted = _cli(db, "note", str(incident), "-", stdin=b"latin-1 caf\xe9 and \xff\xfe junk")
    assert noted.code == 0, noted.err
    entry = real_store().entry(int(noted.out.strip()))
    assert entry.text == "latin-1 caf\ufffd and \ufffd\ufffd junk"


@pytest.mark.parametrize(
    "args",
    [
        [b"note", b"{id}", b"caf\xe9 \x9b31m from a latin-1 log"],
        [b"declare", b"caf\xe9 down"],
        [b"--as", b"jos\xe9", b"note", b"{id}", b"hello"],
    ],
    ids=["note", "title", "identity"],
)
def test_non_utf8_argument_is_stored_replaced_or_refused_never_a_traceback(args, seeded):
    db, incident = seeded
    argv = [a.replace(b"{id}", str(incident).encode()) for a in args]
    argv = [b"--db", str(db).encode(), *argv]
    before = fingerprint(db)
    result = run_cli(*argv)
    assert "Traceback" not in result.err
    if result.code == 0:
        # Stored like stdin input is: undecodable bytes become U+FFFD.
        conn = sqlite3.connect(db)
        try:
            texts = [r[0] for r in conn.execute("SELECT text FROM timeline")]
            titles = [r[0] for r in conn.execute("SELECT title FROM incidents")]
            actors = [r[0] for r in conn.execute("SELECT actor FROM timeline")]
        finally:
            conn.close()
        assert any("\ufffd" in t for t in texts + titles + actors)
    else:
        assert result.code == 2
        one_clear_line(result)
        assert fingerprint(db)[0] == before[0]


UNICODE_SAMPLES = {
    "combining": "e\u0301 Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d",
    "nfd vs nfc": "\u00e9 and e\u0301 are different code points",
    "rtl": "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u202eRLO\u202c mixed",
    "emoji zwj": "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 \U0001f44d\U0001f3fd "
    "\U0001f1fa\U0001f1e6 \U0001f3f3\ufe0f\u200d\U0001f308",
    "zero width": "a\u200bb\u200cc\u200dd\u2060e\ufefff",
    "astral": "\U0001d518\U0001d52b\U0001d526 \U00020000 \U0001f4a9",
    "cjk": "\u969c\u5bb3\u5bfe\u5fdc \ud55c\uad6d\uc5b4",
    "separators": "line\u2028sep para\u2029sep nbsp\u00a0x",
}


def test_unicode_of_every_kind_is_stored_exactly(rel_db, real_store):
    title = "\u969c\u5bb3 \U0001f525 e\u0301 \u05e9\u05dc\u05d5\u05dd \u200bzw"
    declared = _cli(rel_db, "declare", title, actor="Jos\u00e9 \U0001f469\u200d\U0001f4bb")
    assert declared.code == 0, declared.err
    incident = int(declared.out.strip())
    note = "\n".join(f"{k}: {v}" for k, v in UNICODE_SAMPLES.items())
    added = _cli(rel_db, "note", str(incident), note)
    assert added.code == 0, added.err
    person = "Ren\u00e9e \u05e9\u05e8\u05d4 \U0001f469\u200d\U0001f692"
    assigned = _cli(rel_db, "assign", str(incident), "Responder", person)
    assert assigned.code == 0, assigned.err

    store = real_store()
    assert store.get_incident(incident).title == title
    assert store.get_incident(incident).declared_by == "Jos\u00e9 \U0001f469\u200d\U0001f4bb"
    stored = store.entry(int(added.out.strip())).text
    assert stored == note
    assert unicodedata.is_normalized("NFC", stored) is False  # nothing was normalized
    assert store.board(incident).holders("Responder")[0].person == person

    as_json = _cli(rel_db, "timeline", str(incident), "--json")
    assert [e["text"] for e in json.loads(as_json.out) if e["kind"] == "note"] == [note]
    shown = _cli(rel_db, "timeline", str(incident))
    assert shown.code == 0
    _assert_no_raw_controls("timeline", shown.out)
    assert "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466" in shown.out


# ----------------------------------------------------------- property based
CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
TRICKY = ["\u200b", "\u200d", "\u202e", "\u2028", "\ufeff", "e\u0301"[1], "\U0001f469"]
# Any Unicode scalar value (lone surrogates are not text), plus controls and
# invisible characters often enough to matter.
hostile_chars = st.one_of(
    st.characters(exclude_categories=("Cs",)), st.sampled_from(CONTROLS + TRICKY)
)
hostile_text = st.text(alphabet=hostile_chars, max_size=200)

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def prop_store(tmp_path, rel_policy):
    store = Store.open(tmp_path / "prop.db", rel_policy, "prop")
    incident = store.declare("Property incident")
    yield store, incident.id
    store.close()


@PROPERTY_SETTINGS
@given(text=hostile_text)
def test_any_note_round_trips_exactly(prop_store, text):
    store, incident = prop_store
    if not text.strip():
        with pytest.raises(UsageError):
            store.add_entry(incident, text)
        return
    entry = store.add_entry(incident, text)
    assert entry.text == text
    assert store.timeline(incident, after_id=entry.id - 1)[0].text == text


@PROPERTY_SETTINGS
@given(text=hostile_text)
def test_any_title_round_trips_as_typed_less_surrounding_whitespace(prop_store, text):
    store, _ = prop_store
    title = text.strip()
    if not title or len(title) > MAX_TITLE:
        with pytest.raises(UsageError):
            store.declare(text)
        return
    incident = store.declare(text)
    assert store.get_incident(incident.id).title == title
    if text == title:
        assert store.get_incident(incident.id).title == text


def _render(renderable, width: int = 60) -> str:
    console = Console(file=StringIO(), width=width, color_system=None, force_terminal=False)
    console.print(renderable)
    return console.file.getvalue()


@settings(max_examples=150, deadline=None, database=None)
@given(text=st.text(alphabet=hostile_chars, max_size=300))
def test_renderers_never_pass_raw_controls(text):
    line = one_line(text)
    assert not set(line) & FORBIDDEN_CONTROLS
    assert "\n" not in line and "\t" not in line

    shown = visible(text)
    assert len(shown) == len(text)  # one placeholder per character, nothing dropped
    assert not set(shown) & FORBIDDEN_CONTROLS and "\n" not in shown
    block = visible(text, multiline=True)
    assert not set(block) & (FORBIDDEN_CONTROLS - {"\t"})

    single = lit(text)
    assert single.plain == line
    assert not set(lit_block(text).plain) & (FORBIDDEN_CONTROLS - {"\t"})
    for rendered in (_render(single), _render(lit_block(text))):
        assert not set(rendered) & FORBIDDEN_CONTROLS


def test_markup_in_user_text_is_shown_as_typed():
    typed = "[bold red]not bold[/] [link=http://x]not a link[/link] :fire:"
    assert lit(typed).plain == typed
    assert lit_block(typed).plain == typed
    assert _render(lit(typed), width=200).rstrip("\n") == typed
    assert _render(lit_block(typed), width=200).rstrip("\n") == typed


@pytest.fixture(scope="module")
def timeline_view() -> TimelineView:
    return TimelineView()


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=hostile_text.filter(lambda t: t.strip()), actor=hostile_text)
def test_timeline_rows_never_pass_raw_controls(timeline_view, text, actor):
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    entry = TimelineEntry(1, 1, "note", text, actor, now, now)
    row = timeline_view.format_entry(entry)
    assert not set(row.plain) & FORBIDDEN_CONTROLS
    assert "\n" not in row.plain
    assert not set(_render(row)) & FORBIDDEN_CONTROLS
