"""The database worker's queue, on a real store: a write typed while reads
wait goes ahead of them (they read it too), in the order writes were typed."""

from __future__ import annotations

import threading

from warroom.services.writes import AddEntry, Envelope
from warroom.tui.writer import DONE, Job, Writer

WAIT = 30  # a guard against a hang, not a wait


def test_a_write_goes_ahead_of_the_reads_still_waiting(open_store, store, clock):
    iid = store.declare("Checkout returns 500").id
    worker_store = open_store()  # the worker's connection of its own
    finished: list[tuple[Job, str, object]] = []
    all_done = threading.Event()
    running, release = threading.Event(), threading.Event()

    def outcome(job: Job, how: str, value: object) -> None:
        finished.append((job, how, value))
        if len(finished) == 4:
            all_done.set()

    # Results are taken on the worker's own thread here (the app hands them
    # to its event loop); the test only records them.
    writer = Writer(lambda: worker_store, lambda fn, *args: fn(*args), outcome, lambda exc: None)
    writer.start()
    try:

        def held(_store):
            running.set()
            release.wait(WAIT)
            return "held"

        first = Job(fetch=held)  # being run while the rest comes in
        writer.submit(first)
        assert running.wait(WAIT)
        back = Job(fetch=lambda s: [e.text for e in s.timeline_before(iid, limit=5)])
        writer.submit(back)  # an earlier change's read back, waiting

        def note(text: str) -> Job:
            return Job(envelope=Envelope(AddEntry(iid, text), "alice", clock()))

        one, two = note("typed while a read waits"), note("and one more")
        writer.submit(one)
        writer.submit(two)
        assert writer.writes() == [one, two]
        release.set()
        assert all_done.wait(WAIT)
    finally:
        writer.stop()
    assert [job for job, _, _ in finished] == [first, one, two, back]
    assert all(how == DONE for _, how, _ in finished)
    texts = finished[3][2]
    assert "typed while a read waits" in texts and "and one more" in texts  # type: ignore[operator]
    assert back.read_through == two.seq == 2


def test_reads_handed_over_together_go_in_one_round_trip(pg_url, policy, clock):
    """What a change asks for (the room's read back, the open incidents, the
    people) is handed over together and sent together: one round trip at a
    proxy in front of the test server; each read still gets its own result,
    and one that fails says so alone."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[2]))
    from bench.delay_proxy import DelayProxy
    from warroom.core.errors import NotFound
    from warroom.store import Store

    proxy = DelayProxy(int(pg_url.rsplit(":", 1)[1].split("/")[0]), 0.0)
    host, rest = pg_url.rsplit("@", 1)
    url = f"{host}@127.0.0.1:{proxy.port}/{rest.split('/', 1)[1]}"
    seeded = Store.open(url, policy, "alice", clock=clock)
    iid = seeded.declare("Checkout returns 500").id
    seeded.add_entry(iid, "first note")
    seeded.close()
    finished: list[tuple[Job, str, object]] = []
    all_done = threading.Event()

    def outcome(job: Job, how: str, value: object) -> None:
        finished.append((job, how, value))
        if len(finished) == 4:  # the first read, then the three
            all_done.set()

    worker_store = Store.open(url, policy, "bob", clock=clock)
    writer = Writer(lambda: worker_store, lambda fn, *args: fn(*args), outcome, lambda exc: None)
    writer.start()
    try:
        warm = threading.Event()
        writer.submit(Job(fetch=lambda s: s.revision(), then=None))
        while not writer.idle:  # the connection made and used once: not counted
            warm.wait(0.01)
        proxy.mark("together")
        room = Job(send=lambda s: s.send_since(iid, 0, 0))
        kept = Job(send=lambda s: s.send_people())
        gone = Job(send=lambda s: s.send_since(999, 0, 0))
        with writer.holding():
            writer.submit(room)
            warm.wait(0.05)  # the worker would take the first one now if it could
            writer.submit(kept)
            writer.submit(gone)
        assert all_done.wait(WAIT)
        proxy.mark("after")
    finally:
        writer.stop()
        worker_store.close()
        proxy.close()
    assert [job for job, _, _ in finished[1:]] == [room, kept, gone]
    (_, how, since), (_, how2, people), (_, how3, refused) = finished[1:]
    assert how == DONE and [e.text for e in since[1]][-1] == "first note"  # type: ignore[index]
    assert how2 == DONE and people == ["alice"]
    assert how3 != DONE and isinstance(refused, NotFound)
    trips = proxy.counts()["together"]["round_trips"]
    assert trips == 1, proxy.counts()["together"]


def test_reads_that_cannot_be_sent_together_are_read_one_by_one(store, open_store):
    """A failure while sending reads together fails none of them for good:
    each is read on its own and says its own outcome."""
    iid = store.declare("Checkout returns 500").id
    finished: list[tuple[Job, str, object]] = []
    all_done = threading.Event()

    def outcome(job: Job, how: str, value: object) -> None:
        finished.append((job, how, value))
        if len(finished) == 3:
            all_done.set()

    worker_store = open_store(identity="bob")
    writer = Writer(lambda: worker_store, lambda fn, *args: fn(*args), outcome, lambda exc: None)

    def unsendable(_store):
        raise RuntimeError("cannot be sent")

    first = Job(send=lambda s: s.send_incidents())
    broken = Job(send=unsendable)
    last = Job(send=lambda s: s.send_since(iid, 0, 0))
    with writer.holding():
        writer.start()
        for job in (first, broken, last):
            writer.submit(job)
    try:
        assert all_done.wait(WAIT)
    finally:
        writer.stop()
    assert [(job, how) for job, how, _ in finished] == [
        (first, DONE),
        (broken, "failed"),
        (last, DONE),
    ]
    assert [i.id for i in finished[0][2]] == [iid]  # type: ignore[attr-defined]
    assert finished[2][2][0].incident.id == iid  # type: ignore[index]
