"""Writes that go on what their connection last read (on_what_was_read), and
rows whose id only the server knows inside the write (NewId), pushed where
they could go wrong: another process writing between a read and the write, a
read back that skips entries, corrections of corrections, milestones moved
and withdrawn, whys merged against someone else's save, tasks and action
items changed elsewhere, answers to COMMIT lost, keys applied again.

What each write returns must be what a fresh read finds, and the same writes
on SQLite (where nothing is kept between reads) must leave the same stored
result (golden comparison, ids as positions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from clocks import CORE_START, Clock
from pg_cut_proxy import CutAfterCommit
from seeds import alerts_firing

from warroom.core.errors import AlreadyApplied, StaleRead, UsageError
from warroom.core.policy import Policy
from warroom.store import Store

# ------------------------------------------------------------------ helpers


_ID_KEYS = ("supersedes", "task", "action", "change")


def _norm(value: Any, maps: dict[str, dict[int, int]], key: str | None = None) -> Any:
    """A stored thing with its ids as positions (ids differ between engines:
    a server's sequence moves on a write that was stopped and ran again)."""
    fields = getattr(value, "__record_fields__", None)
    if fields is not None:
        return {
            name: _norm(getattr(value, name), maps, name)
            for name in fields
            if name not in ("id", "incident_id")
        }
    if isinstance(value, dict):
        return {k: _norm(v, maps, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v, maps, key) for v in value]
    if key in maps and isinstance(value, int) and not isinstance(value, bool):
        return ("#", maps[key].get(value, -1))
    return value


def _maps(store: Store, incident_id: int) -> dict[str, dict[int, int]]:
    bundle = store.bundle(incident_id)
    entries = {e.id: n for n, e in enumerate(bundle.timeline)}
    return {
        "supersedes": entries,
        "change": entries,
        "task": {t.id: n for n, t in enumerate(bundle.tasks)},
        "action": {a.id: n for n, a in enumerate(bundle.retro.actions)},
    }


def _golden(path: Any, policy: Policy, incident_id: int) -> Any:
    """Everything stored of the incident, read by a store that read nothing before."""
    fresh = Store.open(path, policy, "checker", clock=Clock(CORE_START))
    try:
        return _norm(fresh.bundle(incident_id), _maps(fresh, incident_id))
    finally:
        fresh.close()


Script = Callable[[Store, Store, Clock], tuple[int, list[Any]]]


def _both(tmp_path: Path, pg_url: str, policy: Policy, script: Script) -> None:
    """Run script(ours, theirs, clock) on SQLite and on PostgreSQL (two
    connections each); what each step returned or refused, and everything
    stored after, must be the same on both."""
    results = {}
    for engine, path in (("sqlite", tmp_path / "golden.db"), ("postgresql", pg_url)):
        clock = Clock(CORE_START)
        ours = Store.open(path, policy, "ann", clock=clock)
        theirs = Store.open(path, policy, "carol", clock=clock)
        try:
            incident, said = script(ours, theirs, clock)
            maps = _maps(ours, incident)
            outcomes = [_norm(s, maps) for s in said]
        finally:
            ours.close()
            theirs.close()
        results[engine] = (outcomes, _golden(path, policy, incident))
    sqlite_said, sqlite_stored = results["sqlite"]
    pg_said, pg_stored = results["postgresql"]
    assert pg_said == sqlite_said
    assert pg_stored == sqlite_stored


def _step(
    said: list[Any], write: Callable[[], Any], fresh: Callable[[Any], Any] | None = None
) -> Any:
    """Run one write; what it returned (checked against a fresh read when
    `fresh` says how to read it again), or the kind of error it raised."""
    try:
        got = write()
    except (UsageError, StaleRead, AlreadyApplied) as exc:
        said.append(type(exc).__name__)
        return None
    if fresh is not None:
        assert got == fresh(got), "returned is not what is stored"
    said.append(got)
    return got


# ------------------------------------------------------- a proposal merged


def test_merging_a_proposal_into_an_incident_someone_else_wrote_to_since_it_was_read(
    pg_url, policy, clock
):
    """The war room read the incident; another process wrote to it; a proposal
    merged into it goes on what is stored (not a StaleRead for the caller)."""
    ours = Store.open(pg_url, policy, "ann", clock=clock)
    theirs = Store.open(pg_url, policy, "carol", clock=clock)
    try:
        incident = ours.declare("Disk trouble").id
        alerts_firing(ours, "DiskFull", "db1", "db2")
        [proposal] = ours.proposals()
        ours.read_room(incident, 50)  # the war room's read
        theirs.add_entry(incident, "meanwhile")
        merged = ours.merge_proposal(proposal.id, incident)
        assert merged == ours.get_incident(incident)
        assert ours.proposal(proposal.id).status == "merged"
        evidence = [e for e in ours.timeline(incident) if e.kind == "evidence"]
        assert len(evidence) == 2
    finally:
        ours.close()
        theirs.close()


def test_merging_a_proposal_into_an_incident_read_closed_and_reopened_elsewhere_since(
    pg_url, policy, clock
):
    """Read while closed, reopened by another process: the merge is not
    refused as 'closed' on the stale read (other writes look again)."""
    ours = Store.open(pg_url, policy, "ann", clock=clock)
    theirs = Store.open(pg_url, policy, "carol", clock=clock)
    try:
        incident = ours.declare("Disk trouble").id
        ours.close_incident(incident, "fixed")
        alerts_firing(ours, "DiskFull", "db1")
        [proposal] = ours.proposals()
        ours.board(incident)  # read closed
        theirs.reopen_incident(incident, "back again")
        merged = ours.merge_proposal(proposal.id, incident)
        assert merged.is_open and merged == ours.get_incident(incident)
    finally:
        ours.close()
        theirs.close()


def test_runbooks_attached_to_an_incident_someone_else_wrote_to_since_it_was_read(
    pg_url, policy, clock
):
    """attach_runbooks plans on the tasks as the war room read them (guarded):
    another process's write in between must not reach the caller as StaleRead."""
    ours = Store.open(pg_url, policy, "ann", clock=clock)
    theirs = Store.open(pg_url, policy, "carol", clock=clock)
    try:
        incident = ours.declare("Checkout down", priority="P1").id
        ours.read_room(incident, 50)  # board and tasks, as read
        theirs.add_entry(incident, "meanwhile")
        tasks = ours.attach_runbooks(incident)
        assert tasks == ours.tasks(incident)
    finally:
        ours.close()
        theirs.close()


# ---------------------------------------------------------- golden scripts


def test_a_declaration_with_runbooks_an_impact_start_and_a_drill_is_stored_as_on_sqlite(
    tmp_path, pg_url, policy
):
    """NewId in many statements of one write: the incident's updates, its
    tasks, its two entries; then a task and an action item added (their
    entries name them), and a proposal accepted (its evidence and decision)."""

    def script(ours: Store, theirs: Store, clock: Clock) -> tuple[int, list[Any]]:
        said: list[Any] = []
        clock.advance(minutes=30)
        incident = _step(
            said,
            lambda: ours.declare(
                "Checkout 50% down? %s $1 '\"\u00fc",
                priority="P1",
                impact_started_at=clock.now - timedelta(minutes=20),
                drill=True,
            ),
            lambda got: ours.get_incident(got.id),
        )
        iid = incident.id
        theirs.declare("Another, in between")  # an insert into incidents by someone else
        _step(said, lambda: ours.assign(iid, "Lead", "bob"))
        _step(
            said,
            lambda: ours.add_task(iid, "Check logs? 100%", role="Lead"),
            lambda t: ours.task(t.id),
        )
        _step(
            said,
            lambda: ours.add_action(iid, "Fix it %s ?", "dan"),
            lambda a: ours.action_item(a.id),
        )
        ours.read_room(iid, 50)
        _step(
            said,
            lambda: ours.add_task(iid, "Page db ?? %%", assignee="eve"),
            lambda t: ours.task(t.id),
        )
        _step(said, lambda: ours.set_priority(iid, "P2"), lambda i: ours.get_incident(i.id))
        _step(said, lambda: ours.make_real(iid, "it is real"), lambda i: ours.get_incident(i.id))
        return iid, said

    _both(tmp_path, pg_url, policy, script)


def test_an_accepted_proposal_whose_group_grew_after_it_was_listed_is_stored_as_on_sqlite(
    tmp_path, pg_url, policy
):
    def script(ours: Store, theirs: Store, clock: Clock) -> tuple[int, list[Any]]:
        said: list[Any] = []
        alerts_firing(ours, "DiskFull", "db1")
        [proposal] = ours.proposals()
        alerts_firing(theirs, "DiskFull", "db1", "db2", "db3")  # more alerts, after our listing
        incident = _step(
            said,
            lambda: ours.accept_proposal(proposal.id, None, "P1"),
            lambda got: ours.get_incident(got.id),
        )
        _step(said, lambda: ours.accept_proposal(proposal.id, None, "P1"))  # decided already
        said.append(ours.proposal(proposal.id).status)
        return incident.id, said

    _both(tmp_path, pg_url, policy, script)


def test_dated_facts_interleaved_by_two_processes_are_checked_as_on_sqlite(
    tmp_path, pg_url, policy
):
    """Our timeline as read goes stale between reads: facts dated earlier,
    their corrections and corrections of corrections, against what the
    other process wrote in between (and a read back that skips entries)."""

    def script(ours: Store, theirs: Store, clock: Clock) -> tuple[int, list[Any]]:
        said: list[Any] = []
        iid = ours.declare("Two of us").id
        item, other = policy.checklist[0].id, policy.checklist[1].id
        clock.advance(minutes=60)
        now = clock.now
        room = ours.read_room(iid, 50)  # the whole timeline, kept
        theirs.set_check(iid, item, True, at=now - timedelta(minutes=30))
        # Dated before theirs: refused on what is stored, not on what we read.
        _step(said, lambda: ours.set_check(iid, item, False, at=now - timedelta(minutes=40)))
        _step(said, lambda: ours.set_check(iid, item, False, at=now - timedelta(minutes=20)))
        # A read back that starts after an entry nobody here read.
        theirs.assign(iid, "Lead", "carol", at=now - timedelta(minutes=50))
        theirs.assign(iid, "Lead", "dan", at=now - timedelta(minutes=45))
        latest = ours.timeline(iid)[-1].id
        ours.read_since(iid, room.board.incident.revision, latest)
        _step(said, lambda: ours.assign(iid, "Lead", "bob", at=now - timedelta(minutes=48)))
        _step(said, lambda: ours.assign(iid, "Lead", "bob", at=now - timedelta(minutes=44)))
        # Corrections of corrections, with the other process between.
        ours.read_since(iid, 0, 0)
        ticks = [e for e in ours.timeline(iid) if e.event == "checklist.tick"]
        first = _step(said, lambda: ours.correct(ticks[0].id, at=now - timedelta(minutes=35)))
        theirs.correct(first.id, at=now - timedelta(minutes=33))
        _step(said, lambda: ours.correct(first.id, at=now - timedelta(minutes=32)))  # superseded
        latest_fix = ours.timeline(iid)[-1]
        _step(said, lambda: ours.correct(latest_fix.id, at=now - timedelta(minutes=10)))  # > untick
        _step(said, lambda: ours.correct(latest_fix.id, at=now - timedelta(minutes=31)))
        theirs.set_check(iid, other, True, at=now - timedelta(minutes=5))
        _step(said, lambda: ours.set_stage(iid, policy.stages[1], at=now - timedelta(minutes=15)))
        _step(said, lambda: ours.set_priority(iid, "P2", at=now - timedelta(minutes=15)))
        theirs.set_priority(iid, "P1", at=now - timedelta(minutes=10))
        _step(said, lambda: ours.set_priority(iid, "P3", at=now - timedelta(minutes=12)))
        board = ours.board(iid)
        said.append((board.checklist[item].ticked, board.checklist[item].at))
        return iid, said

    _both(tmp_path, pg_url, policy, script)


def test_a_milestone_moved_withdrawn_and_recorded_again_by_two_processes_is_as_on_sqlite(
    tmp_path, pg_url, policy
):
    def script(ours: Store, theirs: Store, clock: Clock) -> tuple[int, list[Any]]:
        said: list[Any] = []
        iid = ours.declare("Clocks").id
        clock.advance(minutes=60)
        now = clock.now
        get = lambda got: ours.get_incident(got.id)  # noqa: E731
        _step(
            said,
            lambda: ours.record_milestone(iid, "acknowledge", now - timedelta(minutes=50)),
            get,
        )
        ours.read_since(iid, 0, 0)
        theirs.set_milestone(iid, "acknowledge", now - timedelta(minutes=45))
        _step(
            said, lambda: ours.set_milestone(iid, "acknowledge", now - timedelta(minutes=40)), get
        )
        _step(
            said, lambda: ours.set_milestone(iid, "acknowledge", now - timedelta(minutes=41)), get
        )
        ours.read_since(iid, 0, 0)
        theirs.set_milestone(iid, "acknowledge", None)  # withdrawn by them
        _step(
            said, lambda: ours.set_milestone(iid, "acknowledge", now - timedelta(minutes=39)), get
        )
        _step(
            said,
            lambda: ours.record_milestone(iid, "acknowledge", now - timedelta(minutes=38)),
            get,
        )
        ours.read_since(iid, 0, 0)
        _step(
            said, lambda: ours.set_milestone(iid, "acknowledge", now - timedelta(minutes=37)), get
        )
        theirs.record_milestone(iid, "triage", now - timedelta(minutes=30))
        # The milestone's standing entry, corrected through correct().
        moves = [e for e in ours.timeline(iid) if e.data.get("clock") == "acknowledge"]
        _step(said, lambda: ours.correct(moves[-1].id, at=now - timedelta(minutes=36)))
        _step(said, lambda: ours.set_milestone(iid, "triage", now - timedelta(minutes=35)), get)
        _step(
            said, lambda: ours.set_milestone(iid, "acknowledge", now - timedelta(minutes=29)), get
        )
        return iid, said

    _both(tmp_path, pg_url, policy, script)


def test_whys_saved_with_a_base_against_someone_else_s_save_are_merged_as_on_sqlite(
    tmp_path, pg_url, policy
):
    def script(ours: Store, theirs: Store, clock: Clock) -> tuple[int, list[Any]]:
        said: list[Any] = []
        iid = ours.declare("Whys").id
        ours.save_why(iid, 1, "Why slow?", "The pool is small")
        ours.retro(iid)  # the retro screen's read
        base = ("Why slow?", "The pool is small")
        # Different words: merged. The same words: theirs kept aside, said.
        theirs.save_why(iid, 1, "Why was checkout slow?", "The pool is small", base=base)
        _step(said, lambda: ours.save_why(iid, 1, "Why slow?", "The pool is too small", base=base))
        ours.retro(iid)
        theirs.save_why(iid, 2, "Why small?", "Default", base=("", ""))
        _step(said, lambda: ours.save_why(iid, 2, "Why small?", "Never sized", base=("", "")))
        _step(said, lambda: ours.save_why(iid, 3, "Why never sized?", "No owner"))
        theirs.save_why(iid, 3, "Why never sized?", "Nobody asked")
        _step(
            said,
            lambda: ours.save_why(
                iid, 3, "Why never sized?", "No owner", base=("Why never sized?", "No owner")
            ),
        )
        said.append(_norm(ours.retro(iid), {}))
        return iid, said

    _both(tmp_path, pg_url, policy, script)


def test_tasks_and_action_items_changed_elsewhere_after_they_were_read_are_as_on_sqlite(
    tmp_path, pg_url, policy
):
    def script(ours: Store, theirs: Store, clock: Clock) -> tuple[int, list[Any]]:
        said: list[Any] = []
        iid = ours.declare("Tasks").id
        ours.assign(iid, "Lead", "ann")
        task = ours.add_task(iid, "Check logs", role="Lead")
        action = ours.add_action(iid, "Fix the pool", "bob")
        fresh_task = lambda got: ours.task(got.id)  # noqa: E731
        fresh_action = lambda got: ours.action_item(got.id)  # noqa: E731
        ours.read_room(iid, 50)
        theirs.assign_task(task.id, "carol")
        _step(said, lambda: ours.set_task_status(task.id, "in progress"), fresh_task)
        ours.read_room(iid, 50)
        theirs.assign(iid, "Lead", "dan")  # the role's holder moves: the owner with it
        _step(said, lambda: ours.assign_task(task.id, ""), fresh_task)
        ours.read_room(iid, 50)
        theirs.assign_task(task.id, "eve")
        _step(said, lambda: ours.assign_task(task.id, "eve"), fresh_task)  # already: no entry
        ours.read_room(iid, 50)
        theirs.set_task_status(task.id, "done")
        _step(said, lambda: ours.set_task_status(task.id, "done"), fresh_task)
        ours.read_room(iid, 50)
        theirs.close_incident(iid, "fixed")
        _step(said, lambda: ours.set_task_status(task.id, "open"), fresh_task)  # closed: refused
        ours.retro(iid)
        theirs.update_action(action.id, "Resize the pool", "carol")
        _step(said, lambda: ours.set_action_done(action.id), fresh_action)
        ours.retro(iid)
        theirs.set_action_done(action.id, False)
        _step(said, lambda: ours.update_action(action.id, "Resize it", "dan"), fresh_action)
        ours.retro(iid)
        theirs.set_action_done(action.id, True)
        _step(said, lambda: ours.set_action_done(action.id, True), fresh_action)
        said.append(_norm(ours.tasks(iid), _maps(ours, iid)))
        return iid, said

    _both(tmp_path, pg_url, policy, script)


# ----------------------------------------------------------- keys, lost answers


def test_a_keyed_write_stopped_by_the_guard_and_run_again_is_applied_once(pg_url, policy, clock):
    """The guard stops the first run, the second writes under the same key:
    the key applied again is recognised, whichever write it was."""
    ours = Store.open(pg_url, policy, "ann", clock=clock)
    theirs = Store.open(pg_url, policy, "carol", clock=clock)
    try:
        iid = ours.declare("Keys").id
        ours.assign(iid, "Lead", "ann")
        task = ours.add_task(iid, "Check logs", role="Lead")
        action = ours.add_action(iid, "Fix")
        ours.save_why(iid, 1, "Why?", "Because")
        clock.advance(minutes=30)
        writes: dict[str, Callable[[], Any]] = {
            "task": lambda: ours.set_task_status(task.id, "in progress"),
            "task given": lambda: ours.assign_task(task.id, "bob"),
            "action": lambda: ours.update_action(action.id, "Fix it", "dan"),
            "why": lambda: ours.save_why(iid, 1, "Why?", "Because of it"),
            "tick at": lambda: ours.set_check(
                iid, policy.checklist[0].id, True, at=clock.now - timedelta(minutes=5)
            ),
            "milestone": lambda: ours.record_milestone(iid, "acknowledge"),
        }
        for n, (name, write) in enumerate(writes.items()):
            ours.read_room(iid, 50)
            ours.retro(iid)
            theirs.add_entry(iid, f"meanwhile {n}")  # after our reads
            before = len(ours.timeline(iid))
            with ours.keyed(f"key-{n}"):
                write()
            after = len(ours.timeline(iid))
            ours.read_room(iid, 50)
            ours.retro(iid)
            with pytest.raises(AlreadyApplied), ours.keyed(f"key-{n}"):
                write()
            assert len(ours.timeline(iid)) == after, name
            assert after - before <= 2, name  # written once
    finally:
        ours.close()
        theirs.close()


@pytest.fixture
def cut(pg_url: str):
    proxy = CutAfterCommit(int(pg_url.rsplit(":", 1)[1].split("/")[0]))
    yield proxy
    proxy.close()


def test_writes_on_what_was_read_whose_commit_answer_was_lost_return_what_is_stored(
    cut, pg_url, policy, clock
):
    """Each write on what was read, its answer to COMMIT lost: it is written
    once, what it returns is what a fresh store reads, and the next write
    (on what it can no longer trust) goes through."""
    store = Store.open(cut.url(pg_url), policy, "ann", clock=clock)
    fresh = Store.open(pg_url, policy, "checker", clock=clock)
    try:
        iid = store.declare("Lost answers").id
        store.assign(iid, "Lead", "ann")
        task = store.add_task(iid, "Check logs", role="Lead")
        action = store.add_action(iid, "Fix")
        store.record_milestone(iid, "acknowledge")
        alerts_firing(store, "DiskFull", "db1")
        alerts_firing(store, "CpuHot", "db2", "db3")
        disk, cpu = (p.id for p in store.proposals())
        clock.advance(minutes=30)
        early = clock.now - timedelta(minutes=10)

        def last_tick() -> int:
            return [e.id for e in fresh.timeline(iid) if e.event == "checklist.tick"][-1]

        writes: dict[str, tuple[Callable[[], Any], Callable[[Any], Any] | None]] = {
            "task": (
                lambda: store.set_task_status(task.id, "in progress"),
                lambda t: fresh.task(t.id),
            ),
            "action done": (
                lambda: store.set_action_done(action.id),
                lambda a: fresh.action_item(a.id),
            ),
            "why": (lambda: store.save_why(iid, 1, "Why?", "Because"), None),
            "tick at": (lambda: store.set_check(iid, policy.checklist[0].id, True, at=early), None),
            "milestone moved": (
                lambda: store.set_milestone(iid, "acknowledge", early),
                lambda i: fresh.get_incident(i.id),
            ),
            "tick moved": (
                lambda: store.correct(last_tick(), at=early - timedelta(minutes=1)),
                lambda e: fresh.entry(e.id),
            ),
            "merged": (lambda: store.merge_proposal(cpu, iid), lambda i: fresh.get_incident(i.id)),
            "accepted": (
                lambda: store.accept_proposal(disk, None, "P2"),
                lambda i: fresh.get_incident(i.id),
            ),
        }
        added = {"why": 0, "accepted": 0, "merged": 3}  # entries each writes here
        for name, (write, again) in writes.items():
            store.read_room(iid, 50)
            store.retro(iid)
            before = len(fresh.timeline(iid))
            cut.cut.clear()
            cut.armed.set()
            with store.keyed(f"lost-{name}"):
                got = write()
            assert cut.cut.is_set(), name
            if again is not None:
                assert got == again(got), name
            assert len(fresh.timeline(iid)) == before + added.get(name, 1), name
            store.read_room(iid, 50)
            store.retro(iid)
            with pytest.raises(AlreadyApplied), store.keyed(f"lost-{name}"):
                write()  # the same change again: recognised as written
            assert len(fresh.timeline(iid)) == before + added.get(name, 1), name
        assert [p.status for p in fresh.proposals(None)] == ["accepted", "merged"]
        assert fresh.retro(iid).whys[0].answer == "Because"
        board = fresh.board(iid)
        assert board.checklist[policy.checklist[0].id].ticked
        store.read_room(iid, 50)
        store.add_entry(iid, "and the next write goes through")
    finally:
        store.close()
        fresh.close()


# ------------------------------------------------ rows gone from underneath


def _raw(pg_url: str, sql: str, *params: Any) -> None:
    """A change made outside warroom (a restore, an operator's SQL): the
    incident's revision does not move."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql, params)


def test_an_action_item_gone_from_underneath_is_not_said_completed(pg_url, policy, clock):
    """The retro read an action item that is no longer stored (removed by
    hand, a restore): completing it is refused as on SQLite (NotFound), and
    nothing is written: no "completed" entry for an item that is not there."""
    from warroom.core.errors import NotFound

    ours = Store.open(pg_url, policy, "ann", clock=clock)
    try:
        iid = ours.declare("Gone").id
        action = ours.add_action(iid, "Fix the pool")
        ours.retro(iid)  # the retro screen's read
        revision = ours.get_incident(iid).revision
        _raw(pg_url, "DELETE FROM action_items WHERE id = %s", action.id)
        with pytest.raises(NotFound):
            ours.set_action_done(action.id)
        said = [e.text for e in ours.timeline(iid)]
        assert not any(t.startswith("Action item completed") for t in said), said
        assert ours.get_incident(iid).revision == revision
    finally:
        ours.close()


def test_a_task_gone_from_underneath_is_not_said_started(pg_url, policy, clock):
    """The war room read a task that is no longer stored: starting it is
    refused as on SQLite (NotFound), not returned as started with an entry
    saying so."""
    from warroom.core.errors import NotFound

    ours = Store.open(pg_url, policy, "ann", clock=clock)
    try:
        iid = ours.declare("Gone").id
        task = ours.add_task(iid, "Check logs", assignee="bob")
        ours.read_room(iid, 50)  # the war room's read
        _raw(pg_url, "DELETE FROM tasks WHERE id = %s", task.id)
        with pytest.raises(NotFound):
            ours.set_task_status(task.id, "in progress")
        said = [e.text for e in ours.timeline(iid)]
        assert not any(t.startswith("Task started") for t in said), said
    finally:
        ours.close()


# ------------------------------------------------------ random interleavings


def _interleaved(seed: int, steps: int) -> Script:
    """Two processes writing facts dated earlier, corrections of their times
    and milestone moves in a random order; ours reads back now and then as a
    war room does (sometimes after an id it never read), so what it keeps of
    the timeline is fresh, stale, merged or dropped at every kind of moment."""
    import random

    def script(ours: Store, theirs: Store, clock: Clock) -> tuple[int, list[Any]]:
        rng = random.Random(seed)
        policy = ours.policy
        items = [i.id for i in policy.checklist[:3]]
        said: list[Any] = []
        iid = ours.declare("Random").id
        clock.advance(minutes=5)
        room = ours.read_room(iid, rng.choice([3, 50]))
        revision, seen = room.board.incident.revision, room.page.latest_id

        def earlier() -> Any:
            return clock.now - timedelta(minutes=rng.randint(0, 4), seconds=rng.randint(0, 59))

        for _ in range(steps):
            clock.advance(minutes=1)
            who = rng.choice([ours, ours, theirs])
            op = rng.randrange(7)
            if op == 0:
                item = rng.choice(items)
                _step(
                    said,
                    lambda w=who, i=item: w.set_check(iid, i, rng.random() < 0.6, at=earlier()),
                )
            elif op == 1:
                person = rng.choice(["bob", "cat", "dan"])
                _step(said, lambda w=who, p=person: w.assign(iid, "Lead", p, at=earlier()))
            elif op == 2:
                facts = [e for e in ours.timeline(iid) if e.event.startswith(("checklist", "role"))]
                if facts:
                    entry = rng.choice(facts)
                    _step(said, lambda w=who, e=entry: w.correct(e.id, at=earlier()))
            elif op == 3:
                clock_name = rng.choice(["acknowledge", "triage"])
                at = None if rng.random() < 0.2 else earlier()
                _step(said, lambda w=who, c=clock_name, a=at: w.set_milestone(iid, c, a))
            elif op == 4:
                _step(
                    said,
                    lambda w=who: w.set_stage(iid, rng.choice(policy.stages[:3]), at=earlier()),
                )
            else:  # the war room's read back, now and then after an id it never read
                after = seen + rng.choice([0, 0, 0, 1, 2])
                moved = ours.read_since(iid, revision, after)
                if moved is not None:
                    revision = moved[0].incident.revision
                    seen = max([seen, *(e.id for e in moved[1])])
        board = ours.board(iid)
        said.append(_norm(board, {}))
        return iid, said

    return script


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_interleavings_of_dated_facts_store_what_sqlite_stores(
    tmp_path, pg_url, policy, seed
):
    _both(tmp_path, pg_url, policy, _interleaved(seed, 40))


def _interleaved_board(seed: int, steps: int) -> Script:
    """The same for what the war room and the retro screen keep of the board,
    the tasks and the retro: hand-offs, tasks' state and owner, action items,
    whys saved with the base their editor started from, stage and priority
    changes that plan and stop tasks, a close and a reopen."""
    import random

    def script(ours: Store, theirs: Store, clock: Clock) -> tuple[int, list[Any]]:
        rng = random.Random(seed)
        policy = ours.policy
        said: list[Any] = []
        iid = ours.declare("Random board", priority="P1").id
        ours.add_task(iid, "By hand", role="Lead")
        ours.add_action(iid, "Fix")
        people = ["bob", "cat", ""]
        for _ in range(steps):
            clock.advance(seconds=30)
            who = rng.choice([ours, ours, theirs])
            # Chosen on what is stored (read by them: ours keeps what it read last).
            tasks = theirs.tasks(iid)
            actions = theirs.action_items(iid)
            whys = {w.position: (w.question, w.answer) for w in theirs.retro(iid).whys}
            op = rng.randrange(12)
            if op == 0:
                _step(said, lambda w=who: w.assign(iid, "Lead", rng.choice(people[:2])))
            elif op == 1 and tasks:
                task = rng.choice(tasks)
                status = rng.choice(["open", "in progress", "done"])
                _step(said, lambda w=who, t=task, s=status: w.set_task_status(t.id, s))
            elif op == 2 and tasks:
                task = rng.choice(tasks)
                _step(said, lambda w=who, t=task: w.assign_task(t.id, rng.choice(people)))
            elif op == 3:
                _step(said, lambda w=who: w.add_task(iid, "Another", role="Lead"))
            elif op == 4 and actions:
                item = rng.choice(actions)
                _step(said, lambda w=who, a=item: w.set_action_done(a.id, rng.random() < 0.7))
            elif op == 5 and actions:
                item = rng.choice(actions)
                title = rng.choice(["Fix it", "Fix the pool", "Resize"])
                _step(said, lambda w=who, a=item, t=title: w.update_action(a.id, t, "dan"))
            elif op == 6:
                position = rng.randint(1, 3)
                base = whys.get(position, ("", "")) if rng.random() < 0.7 else None
                answer = rng.choice(["Pool", "Pool size", "Cap", "Pool cap"])
                _step(
                    said,
                    lambda w=who, p=position, b=base, a=answer: w.save_why(iid, p, "Why?", a, b),
                )
            elif op == 7:
                _step(said, lambda w=who: w.set_priority(iid, rng.choice(["P1", "P2", "P3"])))
            elif op == 8:
                _step(said, lambda w=who: w.set_stage(iid, rng.choice(policy.stages[:4])))
            elif op == 9:
                if rng.random() < 0.5:
                    _step(said, lambda w=who: w.close_incident(iid, "fixed"))
                else:
                    _step(said, lambda w=who: w.reopen_incident(iid, "back"))
            else:  # what the war room and the retro screen read
                ours.read_room(iid, 50)
                if rng.random() < 0.5:
                    ours.retro(iid)
        said.append(_norm(ours.tasks(iid), _maps(ours, iid)))
        return iid, said

    return script


@pytest.mark.parametrize("seed", [1, 2])
def test_random_interleavings_on_the_board_tasks_and_retro_store_what_sqlite_stores(
    tmp_path, pg_url, policy, seed
):
    _both(tmp_path, pg_url, policy, _interleaved_board(seed, 40))


def test_a_milestone_corrected_through_its_entry_returns_its_own_entry(pg_url, policy, clock):
    """correct() of a milestone's entry moves the milestone and returns the
    entry it wrote. Here another process writes between that write's commit
    and what follows it (made certain by losing the answer to COMMIT and
    holding the server back until the other write is in): the entry returned
    must still be the move, not the other process's note."""
    import threading

    proxy = CutAfterCommit(int(pg_url.rsplit(":", 1)[1].split("/")[0]), refuse_for=600.0)
    ours = Store.open(proxy.url(pg_url), policy, "ann", clock=clock)
    ours.db.in_doubt_wait = 600.0  # asks until the server answers again
    theirs = Store.open(pg_url, policy, "carol", clock=clock)
    try:
        iid = ours.declare("Moved").id
        clock.advance(minutes=30)
        ours.record_milestone(iid, "acknowledge", clock.now - timedelta(minutes=10))
        [entry] = [e for e in ours.timeline(iid) if e.event == "milestone"]

        def meanwhile() -> None:
            assert proxy.cut.wait(60)
            theirs.add_entry(iid, "meanwhile")
            proxy.refuse_until = 0.0  # the server answers again

        other = threading.Thread(target=meanwhile)
        other.start()
        proxy.armed.set()
        moved = ours.correct(entry.id, at=clock.now - timedelta(minutes=20))
        other.join(60)
        assert moved.event == "milestone.move", moved.text
        assert moved == ours.entry(moved.id)
    finally:
        ours.close()
        theirs.close()
        proxy.close()


def test_a_note_whose_commit_answer_was_lost_is_found_again_not_a_later_twin(pg_url, policy, clock):
    """The answer to COMMIT of a note is lost; while the server cannot be
    asked, the same person writes the same words from another terminal. The
    note found again is the one this write stored (the first), not the twin
    recorded after it."""
    import threading

    proxy = CutAfterCommit(int(pg_url.rsplit(":", 1)[1].split("/")[0]), refuse_for=600.0)
    ours = Store.open(proxy.url(pg_url), policy, "ann", clock=clock)
    ours.db.in_doubt_wait = 600.0
    elsewhere = Store.open(pg_url, policy, "ann", clock=clock)
    try:
        iid = ours.declare("Twins").id

        def meanwhile() -> None:
            assert proxy.cut.wait(60)
            clock.advance(seconds=1)
            elsewhere.add_entry(iid, "ack")
            proxy.refuse_until = 0.0

        other = threading.Thread(target=meanwhile)
        other.start()
        proxy.armed.set()
        note = ours.add_entry(iid, "ack")
        other.join(60)
        first, second = [e for e in elsewhere.timeline(iid) if e.text == "ack"]
        assert note == first, (note.id, first.id, second.id)
    finally:
        ours.close()
        elsewhere.close()
        proxy.close()
