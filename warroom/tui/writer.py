"""The database worker: one thread per war room that does the store's work
the screen must never wait for.

Keys become write records (writes.py) that are handed to this worker and shown
at once as pending; the worker applies them in the order they were typed, on
a store connection of its own, and so do the reads that follow a change (what
a screen shows next). A key never waits on a lock, a disk or a network round
trip: the UI thread only ever hands over work and takes back results.

While the database is locked by someone else, the disk refuses, or the server
cannot be reached, the write at the head stays where it is and is tried again
every retry_seconds (the ones behind wait, in order); the app is told so it can
say it in the header. A write goes ahead of the reads still waiting: they read
it too, and a key's write never waits for an earlier change's read back. Each
write carries its idempotency key, so a retry after a lost answer lands once.

Results travel back through `deliver`, which the app makes thread-safe (it
schedules the call on its event loop); nothing here knows Textual."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from warroom.core.errors import AlreadyApplied, DraftConflict, StoreBusy, StoreIOError, WarroomError
from warroom.services.writes import Envelope

# What a write came to, as handed to on_outcome(job, outcome, value):
DONE = "done"  # value: the store's result (None: written before, its answer lost)
CONFLICT = "conflict"  # value: the DraftConflict
REFUSED = "refused"  # value: the WarroomError saying why
FAILED = "failed"  # value: an unexpected exception (a bug): shown, not hidden


class Job:
    """A write (envelope) or a read waiting for the worker. A read is fetch(store),
    or send(store) (Store.read_together's two steps), which the worker sends
    together with the reads given that way queued right behind it."""

    __slots__ = (
        "envelope",
        "fetch",
        "send",
        "then",
        "replaces",
        "callbacks",
        "seq",
        "read_through",
    )

    def __init__(
        self,
        envelope: Envelope | None = None,
        fetch: Callable[[Any], Any] | None = None,
        then: Callable[[Any], None] | None = None,
        replaces: object = None,
        callbacks: Any = None,
        send: Callable[[Any], Callable[[], Any]] | None = None,
    ):
        self.envelope = envelope
        self.fetch = fetch
        self.send = send
        self.then = then
        self.replaces = replaces
        self.callbacks = callbacks
        self.seq = 0  # a write's place in the order typed (from 1)
        self.read_through = 0  # a read: the last write done before it ran

    @property
    def is_write(self) -> bool:
        return self.envelope is not None


class Writer:
    def __init__(
        self,
        open_store: Callable[[], Any],
        deliver: Callable[..., None],
        on_outcome: Callable[[Job, str, Any], None],
        on_blocked: Callable[[BaseException], None],
        retry_seconds: float = 0.5,
    ):
        self._open_store = open_store
        self._deliver = deliver
        self._on_outcome = on_outcome
        self._on_blocked = on_blocked
        self.retry_seconds = retry_seconds
        self._jobs: deque[Job] = deque()
        self._head: Job | None = None  # being applied now: cannot be replaced
        self._outstanding = 0  # jobs handed over whose outcome the app has not yet had
        self._seq = 0  # the last write handed over
        self.done_through = 0  # every write up to this one is done (landed or refused)
        self._cond = threading.Condition()
        self._stopping = False
        self._retry_now = False
        self._held = 0  # handing over jobs that belong together (see holding)
        self._thread: threading.Thread | None = None
        self.store: Any = None
        self.error: BaseException | None = None  # the store could not be opened

    # ------------------------------------------------------- the UI thread's side
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="warroom-db", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> list[Job]:
        """Hand a job over; returns the queued jobs it replaced (never run)."""
        dropped: list[Job] = []
        with self._cond:
            if job.replaces is not None:
                # A newer save of the same thing (the draft, a why) replaces a
                # queued one; the one being applied now is not taken back.
                kept: deque[Job] = deque()
                for queued in self._jobs:
                    if queued is not self._head and queued.replaces == job.replaces:
                        dropped.append(queued)
                    else:
                        kept.append(queued)
                self._outstanding -= len(dropped)
                self._jobs = kept
            if job.is_write:
                self._seq += 1
                job.seq = self._seq
                # Ahead of the reads still waiting (not the one being run):
                # a key's write never waits for the read back an earlier
                # change asked for, which then reads this write too (a read's
                # read_through is taken when it runs). Writes keep their order.
                at = len(self._jobs)
                while (
                    at and not self._jobs[at - 1].is_write and self._jobs[at - 1] is not self._head
                ):
                    at -= 1
                self._jobs.insert(at, job)
            else:
                self._jobs.append(job)
            self._outstanding += 1
            self._cond.notify()
        return dropped

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Jobs handed over inside are taken up together, once all are in (the
        reads a change asks for go in one round trip: see Job)."""
        with self._cond:
            self._held += 1
        try:
            yield
        finally:
            with self._cond:
                self._held -= 1
                self._cond.notify_all()

    def retry_now(self) -> None:
        """A blocked head write is tried again at once, not at the next retry."""
        with self._cond:
            self._retry_now = True
            self._cond.notify_all()

    def writes(self) -> list[Job]:
        """The writes not yet done (the one being applied first), in order."""
        with self._cond:
            return [job for job in self._jobs if job.is_write]

    @property
    def idle(self) -> bool:
        """Every job handed over is done and its outcome handed back."""
        with self._cond:
            return self._outstanding == 0

    def wait_idle(self, timeout: float) -> bool:
        """Block until every job is done (hang-up, quit); False at the timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._jobs, timeout)

    def stop(self, timeout: float = 1.0) -> list[Job]:
        """Stop the worker; returns the writes it did not apply (kept by the
        caller: each carries its key, so keeping one that did land after all
        is harmless, its replay is recognised)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        with self._cond:
            left = [job for job in self._jobs if job.is_write]
            self._jobs.clear()
            self._outstanding = 0
        return left

    # ----------------------------------------------------------- the worker's side
    def _run(self) -> None:
        try:
            self.store = self._open_store()
        except BaseException as exc:  # noqa: BLE001 - said by the app, jobs kept
            self.error = exc
            self._deliver(self._on_blocked, exc)
        while True:
            with self._cond:
                self._cond.wait_for(lambda: (self._jobs and not self._held) or self._stopping)
                if self._stopping:
                    break
                job = self._head = self._jobs[0]
                together = self._sent_with(job)
            if self.store is None and not self._reopen():
                continue
            if together:
                self._read_together([job, *together])
                continue
            outcome = self._do(job)
            if outcome is None:  # blocked: the head stays, tried again soon
                self._reads_meanwhile()
                with self._cond:
                    self._head = None
                    self._cond.wait_for(
                        lambda: self._stopping or self._retry_now, self.retry_seconds
                    )
                    self._retry_now = False
                continue
            with self._cond:
                if self._jobs and self._jobs[0] is job:
                    self._jobs.popleft()
                if job.is_write:
                    self.done_through = job.seq
                self._head = None
                self._cond.notify_all()
            self._deliver(self._finished, job, *outcome)
        if self.store is not None:
            try:
                self.store.close()
            except Exception:  # noqa: BLE001 - closing on the way out
                pass

    def _sent_with(self, head: Job) -> list[Job]:
        """The reads queued right behind a read given in two steps that can
        go with it (under the lock)."""
        if head.send is None:
            return []
        together: list[Job] = []
        for queued in list(self._jobs)[1:]:
            if queued.send is None:
                break
            together.append(queued)
        return together

    def _read_together(self, jobs: list[Job]) -> None:
        """Reads in one snapshot (one round trip on a server); if sending them
        fails, each is read on its own and says its own failure."""
        for job in jobs:
            job.read_through = self.done_through
        try:
            results = self.store.read_together([job.send for job in jobs])
        except Exception:  # noqa: BLE001 - asked again one by one just below
            results = None
        for at, job in enumerate(jobs):
            outcome = self._do(job) if results is None else self._read_outcome(results[at])
            with self._cond:
                if job in self._jobs:
                    self._jobs.remove(job)
                if job is self._head:
                    self._head = None
                self._cond.notify_all()
            self._deliver(self._finished, job, *outcome)  # type: ignore[misc]

    def _reopen(self) -> bool:
        try:
            self.store = self._open_store()
            self.error = None
            return True
        except BaseException as exc:  # noqa: BLE001
            self.error = exc
            self._deliver(self._on_blocked, exc)
            with self._cond:
                self._cond.wait_for(lambda: self._stopping, self.retry_seconds)
            return False

    def _reads_meanwhile(self) -> None:
        """Reads queued behind a blocked write run now: another process's
        changes still reach the screen while ours waits (the screen shows ours
        as pending on top of what it reads)."""
        with self._cond:
            reads = [job for job in self._jobs if not job.is_write]
            for job in reads:
                self._jobs.remove(job)
        for job in reads:
            outcome = self._do(job)
            with self._cond:
                self._cond.notify_all()
            self._deliver(self._finished, job, *outcome)  # type: ignore[misc]

    def _do(self, job: Job) -> tuple[str, Any] | None:
        if job.envelope is None:
            job.read_through = self.done_through
            if job.send is not None:
                send = job.send
                return self._read_outcome(lambda: self.store.read_together([send])[0]())
            return self._read_outcome(lambda: job.fetch(self.store))  # type: ignore[misc]
        try:
            try:
                return DONE, job.envelope.apply(self.store)
            except AlreadyApplied:
                return DONE, None
        except (StoreBusy, StoreIOError) as exc:
            self._deliver(self._on_blocked, exc)
            return None
        except DraftConflict as conflict:
            return CONFLICT, conflict
        except WarroomError as exc:
            return REFUSED, exc
        except Exception as exc:  # noqa: BLE001 - a bug: reported, the queue goes on
            return FAILED, exc

    @staticmethod
    def _read_outcome(read: Callable[[], Any]) -> tuple[str, Any]:
        try:
            return DONE, read()
        except WarroomError as exc:  # StoreBusy, StoreIOError: not retried, the
            return REFUSED, exc  # next change asks again
        except Exception as exc:  # noqa: BLE001 - a bug: reported, the queue goes on
            return FAILED, exc

    def _finished(self, job: Job, outcome: str, value: Any) -> None:
        try:
            self._on_outcome(job, outcome, value)
        finally:
            with self._cond:
                self._outstanding = max(0, self._outstanding - 1)
