"""Errors a user can cause or fix; the CLI prints them as one line."""

# A check the server runs inside a pipelined write transaction fails with this
# text, the warroom error's class name and its message (see Store._require).
REFUSAL = "warroom-refusal:"


class WarroomError(Exception):
    """A failure with a message meant for people and an exit code."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(WarroomError):
    """Bad input: unknown id, bad value, unusable file. Exit code 2."""

    exit_code = 2


class NotFound(UsageError):
    pass


class StoreBusy(WarroomError):
    """The database stayed locked by another process for too long."""


class StoreFailed(WarroomError):
    """The database engine failed a statement for a reason of its own (a
    damaged file, a server's refusal): its message, as one line. The backends
    turn their driver's errors into this (or a more precise warroom error), so
    nothing above warroom/store knows an engine."""


class StoreIOError(WarroomError):
    """The disk refused a write (full, or an I/O error); nothing was half-written."""

    def __init__(self, message: str, header: str):
        super().__init__(message)
        self.header = header  # what the war room's header says while it retries


class StoreInDoubt(StoreIOError):
    """The connection went with the answer to COMMIT and nobody could be asked
    whether it committed. A retry under the same idempotency key is safe: it
    is applied, or recognised as applied (AlreadyApplied)."""


class AlreadyApplied(WarroomError):
    """A write whose idempotency key the database already holds: it was
    committed before (its answer was lost, or the unsaved file was replayed
    twice); nothing was changed this time."""


class SchemaChecked(WarroomError):
    """A one-shot verb's first write went to the server before its schema was
    looked at, and the server's guard stopped it (no schema yet, another
    version, no right to write): nothing was written, the schema has been
    checked since, and the verb can run again (the CLI does, once)."""

    exit_code = 75  # EX_TEMPFAIL: try again


class StaleRead(WarroomError):
    """A write sent in one round trip on what its connection last read of the
    incident found, at the server, that the incident has moved since: nothing
    was written, and the store runs the write again on a fresh read (never
    seen above the store)."""


class FileSwapped(StoreBusy):
    """The database file or its -wal/-shm was replaced or removed while open.

    A kind of busy: the TUI holds the write in its queue, as for a lock."""


class ReadOnly(WarroomError):
    """The database file cannot be written by this user."""


class DraftConflict(WarroomError):
    """Someone else saved the draft since this writer last loaded it."""

    def __init__(self, message: str, current_version: int, current_text: str):
        super().__init__(message)
        self.current_version = current_version
        self.current_text = current_text
