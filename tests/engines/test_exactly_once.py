"""A write is applied exactly once, even when the answer to COMMIT is lost:
every write the TUI queues carries an idempotency key stored with its
transaction, so a retry, or a replay of the unsaved file, changes nothing the
second time. On PostgreSQL a lost answer is asked about on a new connection;
when nobody can answer, the change is in doubt, never silently doubled."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pg_cut_proxy import CutAfterCommit

from warroom.core.errors import AlreadyApplied, StoreInDoubt
from warroom.core.writes import KINDS, AddEntry, Assign, Envelope, SetCheck, new_key
from warroom.store import Store

pytestmark = pytest.mark.both_engines
ROOT = Path(__file__).parents[2]


def test_the_same_key_twice_changes_the_database_once(store, raw):
    incident = store.declare("Keyed writes").id
    envelope = Envelope(AddEntry(incident, "only once", "note"), "ann", store.clock())
    entry = envelope.apply(store)
    assert entry.text == "only once" and entry.actor == "ann"
    with pytest.raises(AlreadyApplied):
        envelope.apply(store)
    assert [e.text for e in store.timeline(incident)].count("only once") == 1
    # A refused write leaves no key behind: it can be tried again.
    refused = Envelope(Assign(incident, "no such role", "bob"), "ann", store.clock())
    with pytest.raises(Exception):  # noqa: B017 - the store's own refusal
        refused.apply(store)
    assert not store.applied(refused.key)
    assert store.applied(envelope.key)


def test_every_write_kind_survives_its_json(store):
    """What the unsaved file keeps is the write itself, not its text."""
    incident = store.declare("Round trip").id
    for envelope in (
        Envelope(AddEntry(incident, "line one\nline two", "evidence"), "ann", store.clock()),
        Envelope(SetCheck(incident, "c1", True), "bob", store.clock()),
    ):
        back = Envelope.from_json(envelope.to_json())
        assert (back.write, back.key, back.actor) == (envelope.write, envelope.key, envelope.actor)
    assert {"note", "check", "assign", "draft", "publish", "close", "declare"} <= set(KINDS)
    for bad in ({"kind": "rm -rf"}, {"kind": "note", "fields": {"incident_id": "1"}}):
        with pytest.raises(ValueError):
            Envelope.from_json({"key": new_key(), "actor": "x", "typed_at": "2026-01-01", **bad})


@pytest.fixture
def cut(engine, pg_url):
    if engine != "postgresql":
        pytest.skip("a file's COMMIT answer cannot be lost on the way")
    proxy = CutAfterCommit(int(pg_url.rsplit(":", 1)[1].split("/")[0]), refuse_for=3.0)
    yield proxy
    proxy.close()


def test_a_lost_commit_answer_is_in_doubt_and_its_retry_lands_once(cut, pg_url, policy):
    """The server commits, its answer is lost, and for 3 s nobody can connect
    to ask: the write is in doubt (not 'failed'); retried under its key once
    the server is back, it is recognised as written."""
    store = Store.open(cut.url(pg_url), policy, "ann")
    store.db.in_doubt_wait = 0.0  # as the TUI: ask once, then let the queue retry
    try:
        incident = store.declare("Lost answer").id
        envelope = Envelope(AddEntry(incident, "written once", "note"), "ann", store.clock())
        cut.armed.set()
        with pytest.raises(StoreInDoubt):
            envelope.apply(store)
        assert cut.cut.wait(10) and cut.refused >= 1
        deadline = time.monotonic() + 30
        while True:
            try:
                envelope.apply(store)
                pytest.fail("the retry wrote the note a second time")
            except AlreadyApplied:
                break
            except StoreInDoubt:
                pytest.fail("a retry that never reached COMMIT cannot be in doubt")
            except Exception:  # noqa: BLE001 - unreachable: the server still looks gone
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        store.close()
    check = Store.open(pg_url, policy, "checker")
    assert [e.text for e in check.timeline(incident)].count("written once") == 1
    check.close()


def test_the_cli_waits_out_a_lost_commit_answer_and_says_it_was_written(cut, pg_url, policy):
    store = Store.open(pg_url, policy, "seeder")
    incident = store.declare("CLI lost answer").id
    store.close()
    cut.armed.set()
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "--db", cut.url(pg_url), "note", str(incident),
         "from the cli"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert cut.cut.is_set()
    assert done.returncode == 0, done.stderr
    check = Store.open(pg_url, policy, "checker")
    assert [e.text for e in check.timeline(incident)].count("from the cli") == 1
    check.close()
