"""A throwaway war room with a realistic incident in progress, for `warroom demo`
and for the README's screenshots. It never touches the user's database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.core.policy import Policy
from warroom.store import Store


def hhmm(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M")


class SteppingClock:
    """Moves forward as the story is written, so entries get believable times."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, moment: datetime) -> None:
        self.now = moment


def _seed_closed(store: Store, clock: SteppingClock, now: datetime) -> int:
    """Last week's incident, closed, its retro under way: whys and action items."""
    began = now - timedelta(days=6, hours=3)

    def at(hours: float, who: str) -> None:
        clock.at(began + timedelta(hours=hours))
        store.identity = who

    at(0.2, "raj")
    incident = store.declare(
        "Search results empty for 8% of queries", "regression", "P2", reported_at=began
    )
    iid = incident.id
    store.assign(iid, "Lead", "raj")
    store.assign(iid, "Scribe", "lena")
    store.assign(iid, "Communicator", "ines")
    store.assign(iid, "Change owner", "raj")
    store.record_milestone(iid, "acknowledge")
    store.set_check(iid, "i2", True)
    at(1, "lena")
    store.add_entry(iid, "Index shard 7 rebuilt from a stale snapshot at 02:00", "evidence")
    store.record_milestone(iid, "triage")
    at(1.5, "ines")
    store.publish_update(iid, "[P2] Some searches return no results. Fix under way.")
    at(3, "raj")
    store.add_entry(iid, "Re-ran the shard 7 rebuild from the 06:00 snapshot", "change")
    at(3.5, "raj")
    store.close_incident(iid, "Shard 7 rebuilt from a fresh snapshot; results complete again")
    at(30, "lena")
    chain = [
        ("Why were 8% of searches empty?", "Shard 7 held an index from a stale snapshot."),
        ("Why was the snapshot stale?", "The snapshot job failed silently the night before."),
        ("Why did it fail silently?", "Its exit code is not checked by the rebuild script."),
    ]
    for n, (question, answer) in enumerate(chain, 1):
        store.save_why(iid, n, question, answer)
    store.set_root_cause(
        iid, "The rebuild trusts whatever snapshot exists; nothing checks its age."
    )
    store.add_action(
        iid,
        "Fail the rebuild when the snapshot is older than 6 h",
        "raj",
        (now + timedelta(days=7)).date(),
        "SRCH-311",
    )
    done = store.add_action(
        iid,
        "Alert on snapshot job exit codes",
        "lena",
        (now - timedelta(days=1)).date(),
        "SRCH-312",
    )
    store.set_action_done(done.id)
    store.add_action(iid, "Add an empty-results ratio to the search dashboard", "ines")
    return iid


def seed_demo(path: Path, policy: Policy, now: datetime) -> int:
    """Write the demo incidents into a new database at path; returns the main one's id."""
    start = now - timedelta(hours=2, minutes=35)
    clock = SteppingClock(start)
    store = Store.open(path, policy, "maya", clock)

    def at(minutes: float, who: str) -> None:
        clock.at(start + timedelta(minutes=minutes))
        store.identity = who

    try:
        _seed_closed(store, clock, now)
        # A P3 from yesterday, its acknowledge clock now due soon.
        at(-180, "sam")
        other = store.declare(
            "Nightly export to the data warehouse 40 min late",
            "performance",
            "P3",
            reported_at=now - timedelta(hours=20, minutes=10),
        )
        store.assign(other.id, "Lead", "sam")

        at(0, "maya")
        main = store.declare(
            "Checkout returns HTTP 500 for EU customers",
            "regression",
            "untriaged",
            reported_at=start - timedelta(minutes=6),
        )
        iid = main.id
        store.add_entry(
            iid, "Pager: checkout-api 5xx rate 12% in eu-west-1 (alert CHK-5XX-HIGH)", "evidence"
        )
        store.assign(iid, "Lead", "maya")
        at(3, "maya")
        store.record_milestone(iid, "acknowledge")
        store.set_check(iid, "a1", True)
        store.set_check(iid, "a5", True)
        at(5, "maya")
        store.assign(iid, "Scribe", "tom")
        store.assign(iid, "Communicator", "ines")
        store.assign(iid, "Responder", "raj")
        store.assign(iid, "Responder", "lena")
        store.assign(iid, "Change owner", "raj")
        at(9, "raj")
        began = hhmm(start - timedelta(minutes=6))
        store.add_entry(
            iid,
            f"Errors began {began} UTC, right after release 2026.11.28-1 reached eu-west-1",
            "evidence",
        )
        at(12, "lena")
        store.add_entry(iid, "Payments provider status page is green", "evidence")
        at(14, "maya")
        store.set_priority(iid, "P1")
        store.set_stage(iid, "Respond")
        at(16, "ines")
        store.publish_update(
            iid,
            "[P1] Checkout errors for some EU customers. We are investigating a recent "
            "release. Next update within 1 hour.",
        )
        at(22, "tom")
        store.add_entry(iid, "Decision: roll back checkout-api in eu-west-1 only", "decision")
        at(26, "raj")
        rollback_entry = store.add_entry(
            iid,
            "Rolled back checkout-api eu-west-1 to 2026.11.27-3 (impact: 3 min of 503s)",
            "change",
        )
        at(31, "lena")
        note = store.add_entry(iid, "5xx back to 0.3% — within normal range", "evidence")
        store.set_change_impact(rollback_entry.id, "helped", "5xx back to baseline in 5 min")
        at(33, "lena")
        store.correct(note.id, "5xx back to 0.2% — within the normal range (baseline 0.3%)")
        at(35, "maya")
        store.record_milestone(iid, "triage")
        at(40, "maya")
        store.assign(iid, "Coordinator", "omar")
        store.set_check(iid, "i5", True)
        store.add_entry(
            iid,
            "Logs show retries from the new client library; suspect connection pool size",
            "note",
        )
        at(52, "maya")
        store.assign(iid, "Lead", "omar")  # hand-off at shift change
        store.assign(iid, "Coordinator", "maya")
        at(55, "omar")
        store.add_entry(iid, "Taking over as Lead; maya stays on as Coordinator", "note")
        at(90, "raj")
        store.add_entry(iid, "Pool size fix in review: PR 4411", "change")
        draft = store.draft(iid)
        at(150, "ines")
        rollback = hhmm(start + timedelta(minutes=26))
        next_by = hhmm(now + timedelta(minutes=30))
        store.save_draft(
            iid,
            "[P1] Incident: checkout errors for EU customers\n"
            f"What is happening: checkout works again since the rollback at {rollback} UTC.\n"
            "What is being done: a fix for the underlying connection issue is in review.\n"
            "What we need: nothing from you; support may see a few retried orders.\n"
            f"Next update by: {next_by} UTC\n",
            draft.version,
        )
        clock.at(now)
        return iid
    finally:
        store.close()
