"""A database far away costs round trips, not CPU: on PostgreSQL a write is one
pipeline (one round trip; a write that needs an answer first, as a hand-off
needs the previous holder or a draft its version, goes on the board as its
connection last read it, guarded at the server, else reads it first), a board
is read in one, and the CLI's note pays for its connection and the write. Counted at a
proxy in front of the test server (bench/delay_proxy.py, no delay): a count,
not a timing, so it holds on a loaded machine."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from seeds import alerts_firing

from warroom.core.errors import AlreadyApplied, DraftConflict, NotFound, UsageError
from warroom.services.paths import DbUrl
from warroom.services.writes import AddEntry
from warroom.store import Store

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT))
from bench.delay_proxy import DelayProxy, summarise  # noqa: E402


@pytest.fixture
def far(pg_url: str) -> Iterator[tuple[DelayProxy, str]]:
    proxy = DelayProxy(int(pg_url.rsplit(":", 1)[1].split("/")[0]), 0.0)
    host, rest = pg_url.rsplit("@", 1)
    yield proxy, f"{host}@127.0.0.1:{proxy.port}/{rest.split('/', 1)[1]}"
    proxy.close()


def _trips(proxy: DelayProxy, name: str) -> tuple[int, list[str]]:
    seg = proxy.counts().get(name, {"round_trips": 0, "turns": []})
    return seg["round_trips"], summarise(seg["turns"])


def _counted(proxy: DelayProxy, name: str, action) -> tuple[object, int, list[str]]:
    proxy.mark(name)
    result = action()
    proxy.mark("after " + name)
    return (result, *_trips(proxy, name))


@asynccontextmanager
async def _room_opened(app, proxy: DelayProxy) -> AsyncIterator[Any]:
    """The app run until its war room is open and keys are quiet: what it sent
    meanwhile is the proxy's segment "open"; what follows, "after open"."""
    from warroom.tui.screens.warroom import WarRoomScreen

    proxy.mark("open")
    async with app.run_test(size=(120, 36)) as pilot:
        while not app.key_gate.quiet:
            await pilot.pause(0.02)
        assert isinstance(app.screen, WarRoomScreen)
        proxy.mark("after open")
        yield pilot


def test_a_tick_a_note_a_hand_off_and_a_board_cost_the_round_trips_aimed_at(far, policy):
    proxy, url = far
    store = Store.open(url, policy, "ann")
    try:
        incident = store.declare("Far away").id
        store.assign(incident, "Lead", "ann")
        item = policy.checklist[0].id
        state, trips, sent = _counted(proxy, "tick", lambda: store.set_check(incident, item, True))
        assert state.ticked
        assert trips <= 1, sent
        entry, trips, sent = _counted(proxy, "note", lambda: store.add_entry(incident, "far"))
        assert entry.text == "far" and entry.id
        assert trips <= 1, sent
        handoff = lambda: store.assign(incident, "Lead", "bob")  # noqa: E731
        holder, trips, sent = _counted(proxy, "assign", handoff)
        assert holder.previous == "ann"
        assert trips <= 2, sent  # nothing read before it: the holder is asked for first
        board, trips, sent = _counted(proxy, "board", lambda: store.board(incident))
        assert board.checklist[item].ticked and board.incident.id == incident
        assert [r.person for r in board.roles if r.role == "Lead"] == ["bob"]
        assert trips <= 1, sent
        page, trips, sent = _counted(proxy, "page", lambda: store.timeline_page(incident, 50))
        assert page.entries[-1].text.endswith("Lead handed off from ann to bob")
        assert trips <= 1, sent
        seen = page.entries[-1].id
        fixed = store.correct(page.entries[-2].id, "far, corrected")
        moved, trips, sent = _counted(
            proxy, "since", lambda: store.board_since(incident, board.incident.revision, seen)
        )
        assert moved is not None and [e.id for e in moved[1]] == [fixed.id]
        assert trips <= 1, sent
        page = store.timeline_page(incident, 50)
        assert page.replaced_by == {fixed.supersedes: fixed.id}
        same = store.board_since(incident, moved[0].incident.revision, fixed.id)
        assert same is None
    finally:
        store.close()


def test_a_declaration_and_its_runbooks_cost_one_round_trip(far, policy):
    """A declaration waits for no answer before its commit: the incident's id
    is filled in at the server wherever the write names it, its tasks are
    planned on the incident as inserted and said in the declare's own entry,
    and the incident is read back in the write's round trip."""
    proxy, url = far
    store = Store.open(url, policy, "ann")
    try:
        store.declare("Warm-up")  # the connection made and the schema looked at
        assert policy.runbooks  # the default policy plans tasks on a declaration
        incident, trips, sent = _counted(
            proxy, "declare", lambda: store.declare("Checkout down", priority="P1")
        )
        assert trips <= 1, sent
        assert incident.title == "Checkout down" and incident.priority == "P1"
        assert incident == store.get_incident(incident.id)
        [declared] = [e for e in store.timeline(incident.id) if e.event == "incident.declare"]
        tasks = store.tasks(incident.id)
        assert tasks and declared.data.get("runbooks")  # planned, and said where declared
    finally:
        store.close()


def test_deciding_a_proposal_costs_one_round_trip_after_the_list_read_it(far, policy, clock):
    """Accepting, declining or merging a proposal goes on it and its alerts as
    the incident list read them (guarded: still waiting, no alert news since),
    in one round trip; read first where the list did not (two): the alerts
    become evidence without an answer waited for each."""
    proxy, url = far
    store = Store.open(url, policy, "ann", clock=clock)
    try:
        for name in ("DiskFull", "CpuHot", "Latency"):
            alerts_firing(store, name, "db1", "db2", "db3")
        first, second, third = (p.id for p in store.proposals())  # the list's read
        incident, trips, sent = _counted(
            proxy, "accept", lambda: store.accept_proposal(first, None, "P1")
        )
        assert trips <= 1, sent
        assert incident == store.get_incident(incident.id) and incident.priority == "P1"
        store.read_since(incident.id, 0, 0)  # the war room's read
        store.proposals()  # the list's read, after the acceptance
        merged, trips, sent = _counted(
            proxy, "merge", lambda: store.merge_proposal(second, incident.id)
        )
        assert trips <= 1, sent
        assert merged == store.get_incident(incident.id)
        alerts_firing(store, "Latency", "db4")  # news on the third after the list read it
        declined, trips, sent = _counted(
            proxy, "decline", lambda: store.decline_proposal(third, "noise")
        )
        assert trips <= 4, sent  # the guard stops it (and its rollback); read, written
        alerts_firing(store, "Spare", "db1")
        cold = Store.open(url, policy, "cat", clock=clock)  # a command: nothing read
        try:
            [fourth] = [p.id for p in store.proposals()]
            _, trips, sent = _counted(proxy, "cold", lambda: cold.decline_proposal(fourth, "x"))
            assert trips <= 2, sent
        finally:
            cold.close()
        assert declined == store.proposal(third) and declined.status == "declined"
        evidence = [e for e in store.timeline(incident.id) if e.kind == "evidence"]
        assert len(evidence) == 6  # three alerts accepted, three merged in
        assert store.proposal(third).alerts == 4  # the one that came after the list's read
        assert {p.status for p in map(store.proposal, (first, second))} == {"accepted", "merged"}
        with pytest.raises(UsageError, match="declined already"):
            store.decline_proposal(third, "again")
    finally:
        store.close()


def test_a_refused_pipelined_write_changes_nothing_and_says_why(far, policy):
    """The checks run inside the transaction at the server: a refusal is the
    same warroom error as before and nothing of the write is left."""
    proxy, url = far
    store = Store.open(url, policy, "ann")
    try:
        incident = store.declare("Refusals").id
        revision = store.revision()
        with pytest.raises(NotFound, match="no incident with id 999"):
            store.add_entry(999, "nowhere")
        with pytest.raises(NotFound, match="no incident with id 999"):
            store.set_check(999, policy.checklist[0].id, True)
        store.close_incident(incident, "done")
        with pytest.raises(UsageError, match=f"incident {incident} is closed; reopen it first"):
            store.assign(incident, "Lead", "bob")
        revision = store.revision()
        with store.keyed("k-1"):
            store.add_entry(incident, "once")
        with pytest.raises(AlreadyApplied), store.keyed("k-1"):
            store.add_entry(incident, "twice")
        assert store.revision() == revision + 1
        texts = [e.text for e in store.timeline(incident)]
        assert texts.count("once") == 1 and "twice" not in texts and "nowhere" not in texts
        assert "bob" not in [r.person for r in store.board(incident).roles]
        # The connection is usable after each refusal.
        assert store.add_entry(incident, "still here").text == "still here"
    finally:
        store.close()


def test_the_cli_note_costs_its_connection_and_the_write(far, pg_url, policy):
    proxy, url = far
    store = Store.open(pg_url, policy, "seeder")
    incident = store.declare("CLI far away").id
    store.close()
    proxy.mark("cli")
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "--db", url, "note", str(incident), "from afar"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    proxy.mark("after")
    assert done.returncode == 0, done.stderr
    trips, sent = _trips(proxy, "cli")
    # Connecting is two (TLS asked about, then the start-up), then the write,
    # which carries the schema's guard: the schema costs no round trip of its own.
    assert trips <= 3, sent


def test_the_worker_s_own_write_is_news_once_not_again_when_its_notification_comes(pg_url, policy):
    """A write of this process (on the database worker's connection) is a
    change the moment it commits; its NOTIFY, coming later over a slow link,
    is not a second one (a second read-back of the whole room)."""
    slow = DelayProxy(int(pg_url.rsplit(":", 1)[1].split("/")[0]), 0.3)
    host, rest = pg_url.rsplit("@", 1)
    store = Store.open(f"{host}@127.0.0.1:{slow.port}/{rest.split('/', 1)[1]}", policy, "ann")
    try:
        incident = store.declare("Own writes").id
        store.has_changed()  # the listening connection is made (through the slow link)
        assert not store.has_changed()
        worker = store.another()
        worker.db.url = DbUrl(pg_url)  # a fast link: its COMMIT answer comes first
        worker.add_entry(incident, "from the worker")
        assert store.has_changed()
        readable, _, _ = select.select([store.wake_fd()], [], [], 30)
        assert readable, "the notification never came"
        assert not store.has_changed()
        worker.close()
    finally:
        store.close()
        slow.close()


async def test_opening_the_war_room_reads_it_in_one_round_trip_off_the_ui_connection(
    far, policy, tmp_path, monkeypatch
):
    """Opening the war room: nothing on the UI thread's connection after it
    was opened (a frame shows at once, loading); the board, the timeline's
    last page and the tasks come in one round trip on the worker's."""
    from warroom.tui.app import make_app

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    proxy, url = far
    store = Store.open(url, policy, "ann")
    try:
        incident = store.declare("Opened far away").id
        store.add_entry(incident, "a note to show")
        ui_conn = max(int(c) for c in proxy.counts()["start"]["connections"])
        app = make_app(store, policy, start_incident=incident)
        async with _room_opened(app, proxy):
            assert app.screen.board.incident.title == "Opened far away"
            texts = [e.text for e in app.screen.query_one("#panel-4").view.entries]
            assert "a note to show" in texts
        seg = proxy.counts()["open"]
        sent = summarise(seg["turns"])
        assert str(ui_conn) not in seg["connections"], sent
        room = [t for t in sent if "max(id) FROM timeline" in t]
        assert len(room) == 1, sent  # the room: read once, in one round trip
        for part in ("FROM incidents WHERE id", "FROM checklist", "runbook, task_key"):
            assert part in room[0].replace('"', ""), sent  # with the last page and the tasks
        # What the app keeps goes with it: the people for the pickers, the
        # open incidents for the alerts.
        assert "FROM people" in room[0] and "FROM incidents WHERE status" in room[0], sent
        # Two connections (the worker's, the listener's: two each), LISTEN, the
        # room, and (when the room was read before LISTEN was done) a look at
        # what moved meanwhile.
        assert seg["round_trips"] <= 7, sent
    finally:
        store.close()


async def test_a_tick_in_the_war_room_and_its_read_back_cost_two_round_trips(
    far, policy, tmp_path, monkeypatch
):
    """The tick's write (one), then what follows it in one more: the board
    with the new timeline entries and the tasks, sent together with the open
    incidents for the alerts; the people are not read again for a write
    naming nobody new (where the write's answer is the first to say it
    committed), and go along in the same round trip when they are."""
    from warroom.tui.app import make_app

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    proxy, url = far
    store = Store.open(url, policy, "ann")
    try:
        incident = store.declare("Ticked far away").id
        app = make_app(store, policy, start_incident=incident)
        async with app.run_test(size=(120, 36)) as pilot:
            while not app.key_gate.quiet:
                await pilot.pause(0.02)
            proxy.mark("tick")
            await pilot.press("space")
            while not app.key_gate.quiet:
                await pilot.pause(0.02)
            proxy.mark("after tick")
            assert app.screen.board.checklist[policy.checklist[0].id].ticked
        trips, sent = _trips(proxy, "tick")
        board = [t for t in sent if "FROM checklist" in t]
        assert len(board) == 1 and "runbook, task_key" in board[0].replace('"', ""), (
            sent
        )  # with the tasks
        together = [t for t in sent if "FROM checklist" in t and "FROM incidents WHERE status" in t]
        assert len(together) == 1, sent  # the room's read back and the open incidents
        assert trips <= 2, sent
    finally:
        store.close()


def test_writes_that_need_the_board_cost_one_round_trip_after_it_was_read(far, policy):
    """As in the war room, which reads the board and the tasks after every
    change: a hand-off, a draft save, a publish, a stage, priority or public
    title change and a reopen each go on what was read, in one round trip."""
    proxy, url = far
    store = Store.open(url, policy, "ann")
    try:
        incident = store.declare("Far away").id
        store.assign(incident, "Lead", "ann")
        writes = {
            "assign": lambda: store.assign(incident, "Lead", "bob"),
            "scribe": lambda: store.assign(incident, "Scribe", "cat"),
            "unassign": lambda: store.unassign(incident, "Scribe"),
            "draft": lambda: store.save_draft(incident, "Investigating.", 0),
            "change": lambda: store.add_entry(incident, "Rolled back", "change"),
            "publish": lambda: store.publish_update(incident, "Update: investigating."),
            "stage": lambda: store.set_stage(incident, policy.stages[2]),
            "priority": lambda: store.set_priority(incident, "P1"),
            "title": lambda: store.set_public_title(incident, "Checkout slow"),
            "milestone": lambda: store.record_milestone(incident, "remediate"),
            "hook outcome": lambda: store.record_event(incident, "Posted to chat", "hook.ok"),
            "change impact": lambda: store.set_change_impact(last["change"], "none", "as planned"),
            "close": lambda: store.close_incident(incident, "fixed"),
            "reopen": lambda: store.reopen_incident(incident, "not fixed"),
            # On the entries the read back brought (the last change, the update).
            "correct note": lambda: store.correct(last["change"], "Rolled on"),
            "correct update": lambda: store.correct(last["update"], "Update."),
        }
        costs = {}
        last: dict[str, int] = {}
        for name, write in writes.items():
            moved = store.read_since(incident, 0, 0)  # the war room's read back
            assert moved is not None
            last.update({e.kind: e.id for e in moved[1]})
            _, costs[name], sent = _counted(proxy, name, write)
            assert costs[name] <= 1, (name, sent)
        board = store.board(incident)
        assert board.holder("Lead") == "bob" and board.draft.text == "Investigating."
        assert board.incident.is_open and board.incident.public_title == "Checkout slow"
        assert board.incident.priority == "P1"
        texts = [e.text for e in store.timeline(incident)]
        assert "Lead handed off from ann to bob" in texts
        assert any(t.endswith(f"to {policy.stages[2]}") for t in texts if t.startswith("Stage"))
        assert "Rolled on" in texts and "Update." in texts
        assert "Milestone: remediate recorded" in texts and "Posted to chat" in texts
        assert board.incident.remediated_at is not None
        assert any(t.startswith("Impact of change") for t in texts)
        _, trips, sent = _counted(proxy, "action", lambda: store.add_action(incident, "Fix", "bob"))
        assert trips <= 1, sent  # the entry names its id, filled in at the server
        assert [a.title for a in store.action_items(incident)] == ["Fix"]
        store.read_since(incident, 0, 0)  # the war room's read back
        task, trips, sent = _counted(
            proxy, "task", lambda: store.add_task(incident, "Check logs", role="Lead")
        )
        assert trips <= 1, sent  # the entry names its id, filled in at the server
        assert task == store.task(task.id) and task.owner == "bob"  # the Lead, as read
        # A task's state and owner, on the tasks as the war room read them; an
        # action item's edit and its completion, on the retro as its screen did.
        later = {
            "task started": lambda: store.set_task_status(task.id, "in progress"),
            "task given": lambda: store.assign_task(task.id, "cat"),
            "task back": lambda: store.assign_task(task.id, ""),
        }
        for name, write in later.items():
            store.read_since(incident, 0, 0)
            changed, trips, sent = _counted(proxy, name, write)
            assert trips <= 1, (name, sent)
            assert changed == store.task(task.id), name  # returned as stored
        assert changed.owner == "bob" and changed.status == "in progress"
        action = store.action_items(incident)[0]
        edits = {
            "action edited": lambda: store.update_action(action.id, "Fix the pool", "dan"),
            "action done": lambda: store.set_action_done(action.id),
        }
        for name, write in edits.items():
            store.read_since(incident, 0, 0)
            store.retro(incident)  # the retro screen's read
            changed, trips, sent = _counted(proxy, name, write)
            assert trips <= 1, (name, sent)
            assert changed == store.action_item(action.id), name
        assert changed.done and changed.title == "Fix the pool" and changed.owner == "dan"
        fixed = {e.supersedes: e for e in store.timeline(incident) if e.supersedes}
        assert [e.actor for e in fixed.values()] == ["ann", "ann"]
        assert {e.kind for e in fixed.values()} == {"change", "update"}
        named = {e.event: e.data for e in store.timeline(incident)}
        assert named["action.add"] == {
            "event": "action.add",
            "action": store.action_items(incident)[0].id,
        }
        assert named["task.add"] == {
            "event": "task.add",
            "task": task.id,
            "assignee": "",
            "role": "Lead",
        }
        assert list(named["task.add"]) == ["event", "task", "assignee", "role"]  # as on SQLite
        closing = [e for e in store.timeline(incident) if e.event == "incident.close"]
        assert closing[0].data["status"] == "resolved" and closing[0].data["components"] == {}
    finally:
        store.close()


def test_a_correction_of_an_entry_read_before_the_database_moved_goes_on_what_is_stored(
    pg_url, policy
):
    """An entry never changes once written, so a correction goes on the entry
    as read; a database put in place underneath (a restore) may hold another
    entry under the same id: the guard in the write's pipeline stops it and
    it runs again on the entry as stored, once."""
    import psycopg

    ours = Store.open(pg_url, policy, "ann")
    try:
        incident = ours.declare("Restored").id
        note = ours.add_entry(incident, "as first written")
        ours.read_room(incident, 50)  # the entry as read
        with psycopg.connect(pg_url, autocommit=True) as raw:
            raw.execute(
                "UPDATE timeline SET text = 'as restored', kind = 'evidence' WHERE id = %s",
                (note.id,),
            )
        with ours.keyed("fix-1"):
            fixed = ours.correct(note.id, "corrected")
        assert fixed.kind == "evidence"  # the stored entry's kind, not the read one's
        assert [e.text for e in ours.timeline(incident)].count("corrected") == 1
        with pytest.raises(AlreadyApplied), ours.keyed("fix-1"):
            ours.correct(note.id, "corrected")
    finally:
        ours.close()


def test_a_write_on_a_board_read_before_another_process_wrote_goes_on_what_it_wrote(pg_url, policy):
    """What was read goes stale when someone else writes: the server's guard
    stops the write (nothing written), it runs again on a fresh read, once,
    under its idempotency key; a refusal made on the stale read is looked at
    again the same way."""
    ours = Store.open(pg_url, policy, "ann")
    theirs = Store.open(pg_url, policy, "carol")
    try:
        incident = ours.declare("Two of us").id
        ours.assign(incident, "Lead", "ann")
        ours.board(incident)
        theirs.assign(incident, "Lead", "carol")  # after our read
        with ours.keyed("handoff-1"):
            holder = ours.assign(incident, "Lead", "bob")
        assert holder.previous == "carol"
        texts = [e.text for e in ours.timeline(incident)]
        assert texts.count("Lead handed off from carol to bob") == 1
        assert not any("from ann to bob" in t for t in texts)
        with pytest.raises(AlreadyApplied), ours.keyed("handoff-1"):
            ours.assign(incident, "Lead", "bob")

        ours.board(incident)  # the draft is empty, version 0
        theirs.save_draft(incident, "Their words.", 0)
        with pytest.raises(DraftConflict):  # told, not written over theirs unknowingly
            ours.save_draft(incident, "Our words.", 0)
        history = [v.text for v in ours.draft_history(incident)]
        assert history == ["Their words.", "Our words."]

        ours.board(incident)  # open
        theirs.close_incident(incident, "fixed")
        reopened = ours.reopen_incident(incident, "not fixed")  # not "already open"
        assert reopened.is_open
        ours.board(incident)  # open again
        theirs.close_incident(incident, "fixed again")
        with pytest.raises(UsageError, match="closed"):
            ours.assign(incident, "Scribe", "dan")  # refused on the fresh read: closed
    finally:
        ours.close()
        theirs.close()


def test_facts_dated_earlier_their_corrections_milestone_moves_and_whys_cost_one_round_trip(
    far, policy, clock
):
    """A tick, a hand-off, an unassign and a stage change written for an
    earlier time, the correction of a tick's time, a milestone's move and a
    why's save each check what is stored (the order of the fact, the standing
    milestone, the why's text); they go on the timeline and the retro as the
    war room last read them, guarded at the server: one round trip each."""
    proxy, url = far
    store = Store.open(url, policy, "ann", clock=clock)
    try:
        incident = store.declare("Far away").id
        store.assign(incident, "Lead", "ann")
        item = policy.checklist[0].id
        store.record_milestone(incident, "acknowledge")
        clock.advance(minutes=30)
        early = clock.now - timedelta(minutes=20)
        writes = {
            "tick at": lambda: store.set_check(incident, item, True, at=early),
            "hand-off at": lambda: store.assign(incident, "Lead", "bob", at=early),
            "scribe at": lambda: store.assign(incident, "Scribe", "cat", at=early),
            "unassign at": lambda: store.unassign(incident, "Scribe", at=early),
            "stage at": lambda: store.set_stage(incident, policy.stages[1], at=early),
            "tick moved": lambda: store.correct(last["tick"], at=early - timedelta(minutes=5)),
            "milestone moved": lambda: store.set_milestone(incident, "acknowledge", early),
        }
        costs, last = {}, {}
        for name, write in writes.items():
            moved = store.read_since(incident, 0, 0)  # the war room's read back
            assert moved is not None
            ticks = [e.id for e in moved[1] if e.event == "checklist.tick"]
            last["tick"] = ticks[-1] if ticks else 0
            _, costs[name], sent = _counted(proxy, name, write)
            assert costs[name] <= 1, (name, sent)
        store.retro(incident)  # the retro screen's read
        for n, said in enumerate([("Why slow?", "Pool"), ("Why pool?", "Cap")], 1):
            _, trips, sent = _counted(
                proxy, f"why {n}", lambda said=said: store.save_why(incident, 1, *said)
            )
            assert trips <= 1, (n, sent)  # the second goes on what the first left
        # What each wrote is what a fresh read finds.
        fresh = Store.open(url, policy, "dan", clock=clock)
        try:
            # A one-shot command has read nothing: what the write checks comes
            # in one round trip with the incident, then the write.
            second = policy.checklist[1].id
            cold = {
                "cold tick at": lambda: fresh.set_check(incident, second, True, at=early),
                "cold milestone moved": lambda: fresh.set_milestone(
                    incident, "acknowledge", early - timedelta(minutes=1)
                ),
                "cold why": lambda: fresh.save_why(incident, 2, "Why cap?", "Default"),
            }
            for name, write in cold.items():
                _, trips, sent = _counted(proxy, name, write)
                assert trips <= 2, (name, sent)
            board = fresh.board(incident)
            assert board.checklist[second].ticked
            assert board.holder("Lead") == "bob" and board.holder("Scribe") is None
            assert board.incident.stage == policy.stages[1]
            assert board.incident.acknowledged_at == early - timedelta(minutes=1)
            tick = board.checklist[item]
            assert tick.ticked and tick.at == early - timedelta(minutes=5)
            whys = fresh.retro(incident).whys
            assert [(w.question, w.answer) for w in whys] == [
                ("Why pool?", "Cap"),
                ("Why cap?", "Default"),
            ]
            moves = [e for e in fresh.timeline(incident) if e.event == "milestone.move"]
            assert len(moves) == 2 and moves[1].supersedes == moves[0].id
        finally:
            fresh.close()
    finally:
        store.close()


def test_a_fact_dated_on_a_timeline_read_before_another_process_wrote_is_checked_again(
    pg_url, policy, clock
):
    """The timeline as read goes stale when someone else writes: the guard
    stops the write and the order is checked again on what is stored."""
    ours = Store.open(pg_url, policy, "ann", clock=clock)
    theirs = Store.open(pg_url, policy, "carol", clock=clock)
    try:
        incident = ours.declare("Two of us").id
        item = policy.checklist[0].id
        clock.advance(minutes=30)
        ours.read_since(incident, 0, 0)
        theirs.set_check(incident, item, True)  # now, after our read
        with pytest.raises(UsageError, match="before the last change"):
            ours.set_check(incident, item, False, at=clock.now - timedelta(minutes=10))
        ours.read_since(incident, 0, 0)
        ours.retro(incident)
        theirs.save_why(incident, 1, "Why?", "Theirs")
        ours.save_why(incident, 1, "Why?", "Ours")  # no base: theirs is kept aside, said
        texts = [e.text for e in ours.timeline(incident)]
        assert any("Theirs" in t for t in texts), texts
        assert ours.retro(incident).whys[0].answer == "Ours"
    finally:
        ours.close()
        theirs.close()


def test_a_timeline_longer_than_the_room_s_page_is_read_once_for_facts_dated_earlier(
    far, policy, clock
):
    """The war room reads a page of a long timeline, not all of it: the first
    fact dated earlier reads the whole timeline inside its write (two round
    trips); what it read is kept when the write commits, and the read back
    brings the rest, so the next costs one."""
    proxy, url = far
    store = Store.open(url, policy, "ann", clock=clock)
    try:
        incident = store.declare("Long").id
        for n in range(12):
            store.add_entry(incident, f"note {n}")
        clock.advance(minutes=30)
        early = clock.now - timedelta(minutes=20)
        room = store.read_room(incident, 5)  # a page: not the whole timeline
        assert room.page.more
        seen, revision = room.page.latest_id, room.board.incident.revision
        first, second = policy.checklist[0].id, policy.checklist[1].id
        _, trips, sent = _counted(
            proxy, "first", lambda: store.set_check(incident, first, True, at=early)
        )
        assert trips <= 2, sent
        moved = store.read_since(incident, revision, seen)  # the war room's read back
        assert moved is not None
        _, trips, sent = _counted(
            proxy, "second", lambda: store.set_check(incident, second, True, at=early)
        )
        assert trips <= 1, sent
        with pytest.raises(UsageError, match="before the last change"):
            store.read_since(incident, 0, 0)
            store.set_check(incident, first, False, at=early - timedelta(minutes=1))
        assert store.board(incident).checklist[second].at == early
    finally:
        store.close()


async def test_the_war_room_s_worker_connects_as_its_store_opens_not_after(
    far, policy, tmp_path, monkeypatch
):
    """`warroom` opens its store with a companion: the database worker's
    connection is made beside the store's own as it opens, so opening the war
    room connects only its listener: the room's read waits for no connecting."""
    from warroom.tui.app import make_app

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    proxy, url = far
    seeder = Store.open(url, policy, "ann")
    incident = seeder.declare("Opened far away").id
    seeder.close()
    proxy.mark("store open")
    proxy.delay = 0.01  # 20 ms away while it opens: its three round trips, the companion's two
    store = Store.open(url, policy, "ann", companion=True)
    proxy.delay = 0.0
    try:
        app = make_app(store, policy, start_incident=incident)
        async with _room_opened(app, proxy) as pilot:
            assert app.screen.board.incident.title == "Opened far away"
            app.write(AddEntry(incident, "written by the worker"))
            while app.pending:
                await pilot.pause(0.02)
        opening = summarise(proxy.counts()["store open"]["turns"])
        assert sum(t.split("] ", 1)[-1].startswith("Startup") for t in opening) == 2, opening
        sent = summarise(proxy.counts()["open"]["turns"])
        assert sum(t.split("] ", 1)[-1].startswith("Startup") for t in sent) <= 1, sent  # listener
        assert any("max(id) FROM timeline" in t for t in sent), sent
    finally:
        store.close()
    check = Store.open(url, policy, "checker")
    assert "written by the worker" in [e.text for e in check.timeline(incident)]
    check.close()


def test_the_incident_list_s_reads_cost_one_round_trip(far, policy, clock):
    """What the incident list reads after a change (the incidents, who leads
    each, overdue action items, the proposals waiting) goes together: one."""
    from datetime import date

    proxy, url = far
    store = Store.open(url, policy, "ann", clock=clock)
    try:
        incident = store.declare("Listed").id
        store.assign(incident, "Lead", "ann")
        store.add_action(incident, "Fix", "bob", due=date(2026, 3, 1))
        alerts_firing(store, "DiskFull", "db1")

        def read():
            sent = store.read_together(
                [
                    lambda s: s.send_incidents(include_closed=False),
                    lambda s: s.send_holders_of("Lead"),
                    lambda s: s.send_overdue_actions(date(2026, 3, 10)),
                    lambda s: s.send_proposals(),
                ]
            )
            return tuple(result() for result in sent)

        (incidents, leads, overdue, proposals), trips, sent = _counted(proxy, "list", read)
        assert trips <= 1, sent
        assert [i.id for i in incidents] == [incident] and leads == {incident: "ann"}
        assert overdue == {incident: 1} and [p.title for p in proposals] == ["DiskFull on db1"]
        assert (incidents, leads, overdue, proposals) == (
            store.list_incidents(),
            store.holders_of("Lead"),
            store.overdue_actions(date(2026, 3, 10)),
            store.proposals(),
        )
    finally:
        store.close()
