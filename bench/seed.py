"""Seed a realistic, large incident into a SQLite file through warroom's store API.

Setup, not measurement: every write goes through one Store object (so one
connection), with fsync turned off on that connection for speed. The file is
checkpointed and closed afterwards, so copies of it are self-contained."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.core.policy import Policy, default_policy
from warroom.store import Store

TITLE = "Checkout returns 500 for EU users after release 2026.11.28-1"
PEOPLE = [
    "alice", "bob", "carol", "dan", "erin", "frank", "gina", "hal", "ivy", "jon",
    "kim", "lou", "mia", "ned", "ola", "pat", "quinn", "rui", "sara", "tomás",
]  # fmt: skip
KIND_WEIGHTS = [("note", 60), ("evidence", 20), ("decision", 10), ("change", 10)]
WORDS = [
    "checkout-api", "5xx", "rate", "p99", "latency", "eu-west-1", "rollback", "deploy",
    "canary", "pod", "node", "database", "replica", "lag", "queue", "backlog", "cache",
    "miss", "ratio", "dashboard", "alert", "pager", "customer", "ticket", "status", "page",
    "vendor", "DNS", "TLS", "certificate", "config", "flag", "feature", "retry", "timeout",
    "circuit", "breaker", "upstream", "downstream", "saturation", "CPU", "memory", "GC",
]  # fmt: skip


class SeedClock:
    """A clock that moves forward a little on every write."""

    def __init__(self, start: datetime, step: timedelta):
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        return self.now

    def advance(self) -> None:
        self.now += self.step


def _text(rng: random.Random, n: int) -> str:
    words = rng.randint(4, 45)
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    if rng.random() < 0.05:
        body += "\n" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 20)))
    if rng.random() < 0.02:
        body += " — naïve café ✓ 数据库"
    return f"[{n}] {body}"


def seed(
    path: Path,
    entries: int = 10_000,
    updates: int = 50,
    policy: Policy | None = None,
    seed_value: int = 1234,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Create `path` holding one open P1 incident with exactly `entries` timeline entries.

    Mixed kinds (notes, evidence, decisions, changes, corrections), every role handed
    off a few times, checklist churn, milestones, draft saves and `updates` published
    updates, interleaved across the timeline. Returns the incident id."""
    policy = policy or default_policy()
    rng = random.Random(seed_value)
    span = timedelta(hours=8)
    end = datetime.now(UTC) - timedelta(minutes=2)
    clock = SeedClock(end - span, span / max(entries, 1))
    path.unlink(missing_ok=True)
    store = Store.open(path, policy, "alice", clock=clock)
    conn = store.conn
    conn.execute("PRAGMA synchronous = OFF")  # setup only; the store's writes are unchanged
    try:
        incident = store.declare(
            TITLE, "regression", "untriaged", reported_at=clock() - timedelta(minutes=12)
        )
        iid = incident.id

        # The special operations, spread over the timeline.
        ops: list[tuple] = [("priority", "P1"), ("stage", "Respond"), ("milestone", "triage")]
        for role in policy.single_roles:
            for _ in range(4):  # first holder then three hand-offs
                ops.append(("assign", role))
        for _ in range(6):
            ops.append(("assign", policy.multi_role))
        ops.append(("unassign", policy.multi_role))
        items = [item.id for item in policy.checklist]
        for _ in range(max(10, min(80, entries // 100))):
            ops.append(("check", rng.choice(items)))
        for _ in range(updates):
            ops.append(("publish", None))
        for _ in range(max(3, updates // 3)):
            ops.append(("draft", None))
        room = max(entries - 2 - len(ops) - 2, 1)
        positions = sorted(rng.sample(range(room), min(len(ops), room)))
        order = ops[:]
        rng.shuffle(order)
        # Keep the priority change early, like a real triage.
        order.sort(key=lambda op: 0 if op[0] == "priority" else 1)
        schedule = dict(zip(positions, order, strict=False))

        ticked: set[str] = set()
        notes: list[int] = []
        draft_version = 0
        count = 1  # the declare entry

        def do(op: tuple) -> int:
            nonlocal draft_version
            kind, arg = op
            if kind == "priority":
                store.set_priority(iid, arg)
            elif kind == "stage":
                store.set_stage(iid, arg)
            elif kind == "milestone":
                store.record_milestone(iid, arg)
            elif kind == "assign":
                store.identity = rng.choice(PEOPLE)
                store.assign(iid, arg, rng.choice(PEOPLE))
            elif kind == "unassign":
                holders = [h for h in store.board(iid).roles if h.role == arg]
                if holders:
                    store.unassign(iid, arg, holders[0].person)
                else:
                    return 0
            elif kind == "check":
                store.set_check(iid, arg, arg not in ticked)
                ticked.symmetric_difference_update({arg})
            elif kind == "publish":
                before = store.get_incident(iid).acknowledged_at
                store.publish_update(iid, f"[P1] Incident #{iid}: update\n{_text(rng, 0)}")
                return 1 if before is not None else 2
            elif kind == "draft":
                draft = store.save_draft(iid, f"Draft: {_text(rng, 0)}", draft_version)
                draft_version = draft.version
                return 0
            return 1

        i = 0
        while count < entries:
            clock.advance()
            op = schedule.pop(i, None)
            i += 1
            if op is not None:
                count += do(op)
                continue
            store.identity = rng.choice(PEOPLE)
            if notes and rng.random() < 0.01:
                store.correct(rng.choice(notes), _text(rng, count))
            else:
                kind = rng.choices(
                    [k for k, _ in KIND_WEIGHTS], weights=[w for _, w in KIND_WEIGHTS]
                )[0]
                notes.append(store.add_entry(iid, _text(rng, count), kind).id)
            count += 1
            if progress and count % 5000 == 0:
                progress(count)
        actual = conn.execute("SELECT count(*) FROM timeline WHERE incident_id = ?", (iid,))
        assert actual.fetchone()[0] == entries, "seed miscounted the timeline"
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return iid


def fresh(path: Path, policy: Policy | None = None) -> int:
    """An empty database with one declared incident (for the write-throughput figure)."""
    policy = policy or default_policy()
    path.unlink(missing_ok=True)
    store = Store.open(path, policy, "alice")
    try:
        iid = store.declare("Write throughput", "regression", "P1").id
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return iid


def copy_db(src: Path, dst: Path) -> Path:
    """Copy a closed, checkpointed database file (no -wal/-shm to carry)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    dst.chmod(0o660)
    return dst


def seed_many(path: Path, incidents: int = 1_000, entries: int = 100, seed_value: int = 99) -> int:
    """Many finished incidents for the cross-incident report: each declared in the
    past across priorities and categories (a few drills), with its milestones,
    a few published updates, notes up to `entries` timeline entries, two action
    items, and closed. Returns the number of timeline rows written."""
    policy = default_policy()
    rng = random.Random(seed_value)
    start = datetime.now(UTC) - timedelta(hours=5 * incidents) - timedelta(days=30)
    clock = SeedClock(start, timedelta(minutes=1))
    path.unlink(missing_ok=True)
    store = Store.open(path, policy, "alice", clock=clock)
    store.conn.execute("PRAGMA synchronous = OFF")  # setup only
    try:
        for n in range(incidents):
            clock.now = start + timedelta(hours=5 * n)
            reported = clock.now
            iid = store.declare(
                f"Incident {n}: {_text(rng, n)[:60]}",
                rng.choice(policy.categories),
                rng.choice(policy.priorities),
                reported_at=reported,
                drill=rng.random() < 0.05,
            ).id
            clock.now = reported + timedelta(minutes=201)
            for clock_name, minutes in (("acknowledge", 20), ("triage", 50), ("remediate", 200)):
                store.record_milestone(
                    iid, clock_name, reported + timedelta(minutes=rng.randint(1, minutes))
                )
            written = 1 + 3
            for u in range(4):
                store.publish_update(iid, f"Update {u}: {_text(rng, u)}")
                clock.advance()
                written += 1
            for _ in range(2):
                store.add_action(iid, _text(rng, n)[:80], rng.choice(PEOPLE))
                written += 1
            while written < entries - 1:
                store.identity = rng.choice(PEOPLE)
                store.add_entry(iid, _text(rng, written), "note")
                clock.advance()
                written += 1
            store.close_incident(iid, "fixed")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return store.conn.execute("SELECT count(*) FROM timeline").fetchone()[0]
    finally:
        store.close()
