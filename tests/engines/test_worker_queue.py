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
