"""The SQLite backend: one file shared by every warroom process on a host.

WAL journal, a busy timeout, and every write a single short BEGIN IMMEDIATE
transaction. Everything only SQLite has lives here: file checks and modes,
PRAGMAs, WAL checkpoints, the integrity check, backups, migrations through
sqlite-utils and the data_version change marker."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.core.errors import (
    FileSwapped,
    StoreBusy,
    StoreFailed,
    StoreIOError,
    UsageError,
    WarroomError,
)
from warroom.services.paths import DIR_MODE as DIR_MODE  # the store's modes, made in paths
from warroom.services.paths import FILE_MODE, make_folders
from warroom.store.guard import check_may_wait
from warroom.store.schema import SQLITE_VERSION, create_sqlite

if TYPE_CHECKING:  # sqlite-utils builds the schema; imported only when migrating
    import sqlite_utils

SCHEMA_VERSION = SQLITE_VERSION
SQLITE_HEADER = b"SQLite format 3\x00"
APP_ID = 0x57524F4D  # "WROM" in the file header marks a warroom database


def _schema_v1(db: sqlite_utils.Database) -> None:
    db.table("changes").create({"id": int, "revision": int}, pk="id")
    db.execute("INSERT INTO changes (id, revision) VALUES (1, 0)")
    db.table("incidents").create(
        {
            "id": int,
            "title": str,
            "category": str,
            "priority": str,
            "stage": str,
            "status": str,
            "reported_at": str,
            "declared_at": str,
            "declared_by": str,
            "acknowledged_at": str,
            "triaged_at": str,
            "remediated_at": str,
            "retro_at": str,
            "closed_at": str,
            "resolution": str,
            "last_update_at": str,
            "revision": int,
        },
        pk="id",
        not_null={"title", "category", "priority", "stage", "status", "reported_at"},
        defaults={"resolution": "", "revision": 0},
    )
    db.table("timeline").create(
        {
            "id": int,
            "incident_id": int,
            "kind": str,
            "text": str,
            "actor": str,
            "occurred_at": str,
            "recorded_at": str,
            "public": int,
            "supersedes": int,
            "data": str,
        },
        pk="id",
        not_null={"incident_id", "kind", "text", "actor", "occurred_at", "recorded_at"},
        foreign_keys=[("incident_id", "incidents", "id")],
    )
    db.table("timeline").create_index(["incident_id", "id"])
    db.table("roles").create(
        {
            "incident_id": int,
            "role": str,
            "person": str,
            "assigned_by": str,
            "assigned_at": str,
            "previous": str,
        },
        pk=("incident_id", "role", "person"),
    )
    db.table("checklist").create(
        {"incident_id": int, "item_id": str, "ticked": int, "by": str, "at": str},
        pk=("incident_id", "item_id"),
    )
    db.table("drafts").create(
        {"incident_id": int, "text": str, "version": int, "updated_by": str, "updated_at": str},
        pk="incident_id",
    )
    db.table("people").create({"name": str, "first_seen": str}, pk="name")


def _schema_v2(db: sqlite_utils.Database) -> None:
    """The retro: five whys, a root-cause summary and action items."""
    db.table("incidents").add_column("root_cause", str, not_null_default="")
    db.table("whys").create(
        {
            "incident_id": int,
            "position": int,
            "question": str,
            "answer": str,
            "updated_by": str,
            "updated_at": str,
        },
        pk=("incident_id", "position"),
    )
    db.table("action_items").create(
        {
            "id": int,
            "incident_id": int,
            "title": str,
            "owner": str,
            "due": str,
            "ticket": str,
            "status": str,
            "created_by": str,
            "created_at": str,
            "updated_by": str,
            "updated_at": str,
            "completed_at": str,
        },
        pk="id",
        foreign_keys=[("incident_id", "incidents", "id")],
    )
    db.table("action_items").create_index(["incident_id"])


def _schema_v3(db: sqlite_utils.Database) -> None:
    """The draft's history: every version ever saved, so a merge has its base
    and an edit that could not be merged is kept, not thrown away."""
    db.table("draft_versions").create(
        {
            "incident_id": int,
            "version": int,
            "text": str,
            "saved_by": str,
            "saved_at": str,
            "note": str,
        },
        pk=("incident_id", "version"),
    )
    db.execute(
        "INSERT INTO draft_versions (incident_id, version, text, saved_by, saved_at, note)"
        " SELECT incident_id, version, text, updated_by, updated_at, '' FROM drafts"
    )


def _schema_v4(db: sqlite_utils.Database) -> None:
    """The impact window: when customers were first and last affected."""
    db.table("incidents").add_column("impact_started_at", str)
    db.table("incidents").add_column("impact_ended_at", str)
    # A milestone's entry now happens at the milestone's time (it was filed at
    # the time it was typed in, with the real time aside): one order for every view.
    db.execute(
        "UPDATE timeline SET occurred_at = json_extract(data, '$.at')"
        " WHERE kind = 'system' AND json_valid(data)"
        " AND json_extract(data, '$.event') = 'milestone'"
        " AND json_extract(data, '$.at') IS NOT NULL"
    )
    # A close's entry names its time too, so correcting it moves the close.
    db.execute(
        "UPDATE timeline SET data = json_set(data, '$.clock', 'close', '$.at', occurred_at)"
        " WHERE kind = 'system' AND json_valid(data)"
        " AND json_extract(data, '$.event') = 'incident.close'"
    )


def _schema_v5(db: sqlite_utils.Database) -> None:
    """Drills: an incident declared as a rehearsal."""
    db.table("incidents").add_column("drill", int, not_null_default=0)


def _schema_v6(db: sqlite_utils.Database) -> None:
    """The war room reads a long timeline a page at a time in the order things
    happened (then recording order), and marks the page's corrected entries."""
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_timeline_incident_id_occurred_at_id"
        " ON timeline (incident_id, occurred_at, id)"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_timeline_supersedes"
        " ON timeline (supersedes) WHERE supersedes IS NOT NULL"
    )


def _schema_v7(db: sqlite_utils.Database) -> None:
    """Idempotency keys: a write carries one, stored in its own transaction, so
    the same write applied twice (a retry, a replayed unsaved file) lands once."""
    db.table("write_keys").create(
        {"key": str, "applied_at": str}, pk="key", not_null={"applied_at"}
    )


def _schema_v8(db: sqlite_utils.Database) -> None:
    """What stakeholders may see: a public title of the incident's own (never
    the internal one), and whether the team made the root cause public."""
    db.table("incidents").add_column("public_title", str, not_null_default="")
    db.table("incidents").add_column("root_cause_public", int, not_null_default=0)


def _schema_v9(db: sqlite_utils.Database) -> None:
    """Alerts from monitoring and the incidents they propose (warroom intake)."""
    for ddl in INTAKE_DDL:
        db.execute(ddl.replace("{id}", "INTEGER PRIMARY KEY").replace("{t}", "TEXT"))


# The intake's tables, for both engines ({id}: the id column, {t}: text).
INTAKE_DDL = (
    """CREATE TABLE proposals (id {id}, source {t} NOT NULL, group_key {t} NOT NULL,
        status {t} NOT NULL, title {t} NOT NULL, labels {t} NOT NULL, first_seen {t} NOT NULL,
        last_seen {t} NOT NULL, incident_id BIGINT REFERENCES incidents (id),
        decided_by {t}, decided_at {t}, reason {t})""",
    "CREATE INDEX idx_proposals_group ON proposals (source, group_key, id)",
    "CREATE INDEX idx_proposals_status ON proposals (status, id)",
    """CREATE TABLE alerts (id {id}, source {t} NOT NULL, fingerprint {t} NOT NULL,
        starts_at {t} NOT NULL, last_started_at {t} NOT NULL, status {t} NOT NULL,
        ends_at {t}, fires BIGINT NOT NULL DEFAULT 1,
        proposal_id BIGINT REFERENCES proposals (id), labels {t} NOT NULL,
        summary {t} NOT NULL, url {t} NOT NULL, first_seen {t} NOT NULL, last_seen {t} NOT NULL,
        UNIQUE (source, fingerprint, starts_at))""",
    "CREATE INDEX idx_alerts_fingerprint ON alerts (source, fingerprint, last_started_at)",
    "CREATE INDEX idx_alerts_proposal ON alerts (proposal_id)",
)


def _schema_v10(db: sqlite_utils.Database) -> None:
    """Tasks: the steps of the runbooks attached to an incident, and tasks
    added by hand; each with its owner, due time and state."""
    db.table("tasks").create(
        {
            "id": int,
            "incident_id": int,
            "runbook": str,
            "task_key": str,
            "occurrence": int,
            "title": str,
            "description": str,
            "command": str,
            "role": str,
            "assignee": str,
            "due_at": str,
            "every_seconds": int,
            "until_stage": str,
            "after_key": str,
            "status": str,
            "note": str,
            "changed_by": str,
            "changed_at": str,
            "created_by": str,
            "created_at": str,
        },
        pk="id",
        not_null={"incident_id", "title", "status", "created_at"},
        defaults={"runbook": "", "task_key": "", "occurrence": 1, "assignee": "", "note": ""},
        foreign_keys=[("incident_id", "incidents", "id")],
    )
    db.table("tasks").create_index(["incident_id", "id"])


# Forward migrations: MIGRATIONS[n] takes a database at version n to n + 1.
# Each is the change of one version, kept as it was: a file of any earlier
# version upgrades through them to the shape store/schema.py declares (a new
# file is made from that declaration directly).
MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    0: _schema_v1,
    1: _schema_v2,
    2: _schema_v3,
    3: _schema_v4,
    4: _schema_v5,
    5: _schema_v6,
    6: _schema_v7,
    7: _schema_v8,
    8: _schema_v9,
    9: _schema_v10,
}


def disk_refusal(exc: BaseException, path: Path) -> StoreIOError | None:
    """A full disk or an I/O error, as one clear error; None for anything else.
    The transaction was rolled back: nothing of the write is in the file."""
    if not isinstance(exc, sqlite3.DatabaseError | OSError):
        return None
    text = str(exc).lower()
    if "full" in text or getattr(exc, "errno", None) == 28:
        return StoreIOError(f"the disk holding {path} is full; nothing was saved", "DISK FULL")
    if "i/o" in text or isinstance(exc, OSError):
        return StoreIOError(f"I/O error writing {path}: {exc}; nothing was saved", "I/O ERROR")
    return None


def driver_error(exc: sqlite3.Error, path: Path) -> WarroomError:
    """sqlite3's error as warroom's, outside a write (a write says more, see
    SQLiteBackend.write): another program's lock is StoreBusy, anything else
    StoreFailed with SQLite's own words."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return StoreBusy(f"{path} is locked by another program ({text}); try again")
    return StoreFailed(text)


_KIND = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(path: Path, mode: int) -> UsageError:
    if stat.S_ISDIR(mode):
        return UsageError(f"database path {path} is a directory")
    kind = next((name for test, name in _KIND if test(mode)), "not a regular file")
    return UsageError(f"database path {path} is {kind}; warroom needs a regular file")


def _check_file(path: Path) -> bool:
    """Refuse paths that cannot be a warroom database. Returns whether it exists.

    Only a regular file (or nothing) will do: a device, FIFO or socket is refused
    from its stat alone, before anything opens it (a FIFO would block the open)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.lexists(path):
            raise UsageError(f"database path {path} is a link to nothing") from None
        return False
    except OSError as exc:
        raise UsageError(f"database {path}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode)
    try:
        # O_NONBLOCK: should the path turn into a FIFO after the stat, the open
        # returns at once instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except PermissionError:
        raise UsageError(f"database {path}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"database {path}: {exc.strerror}") from None
    try:
        opened = os.fstat(fd).st_mode
        if not stat.S_ISREG(opened):
            raise _not_regular(path, opened)
        head = os.read(fd, len(SQLITE_HEADER))
    finally:
        os.close(fd)
    if head and head != SQLITE_HEADER:
        raise UsageError(f"{path} is not a SQLite database")
    return bool(head)


def _create_file(path: Path) -> None:
    parent = path.parent
    if not parent.exists():
        try:
            make_folders(parent)
        except OSError as exc:
            raise UsageError(f"cannot create directory {parent}: {exc.strerror}") from None
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, FILE_MODE)
    except FileExistsError:
        _check_file(path)
        _claim_empty(path)  # an empty file becomes the database: the team's too
        return
    except OSError as exc:
        raise UsageError(f"cannot create database {path}: {exc.strerror}") from None
    try:
        # The umask may have stripped group write; the team needs it. SQLite gives
        # the -wal and -shm files the same mode as the database file. fchmod: the
        # file this process just made, nothing a name may point to by now.
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def _rw_uri(path: Path) -> str:
    """The database opened for writing, never created: only _create_file makes
    it (with its mode), so a file removed under a running warroom stays gone."""
    return f"{Path(os.path.abspath(path)).as_uri()}?mode=rw"


def _claim_empty(path: Path) -> None:
    """Give an empty file of this user's the database's mode: warroom is about
    to make it the database. (One another process is creating right now gets
    the same mode from that process.) Anyone else's file is left as it is."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and st.st_size == 0 and st.st_uid == os.geteuid():
            os.fchmod(fd, FILE_MODE)
    except OSError:
        pass  # the open says what is wrong with it
    finally:
        os.close(fd)


def _file_ids(path: Path) -> dict[str, tuple[int, int] | None]:
    """(device, inode) of the database file and its -wal and -shm, None if absent."""
    ids: dict[str, tuple[int, int] | None] = {}
    for suffix in ("", "-wal", "-shm"):
        try:
            st = os.stat(f"{path}{suffix}")
            ids[suffix] = (st.st_dev, st.st_ino)
        except OSError:
            ids[suffix] = None
    return ids


def describe_file(path: Path) -> list[tuple[bool, str, str]]:
    """(ok, topic, detail) of what the file holds, for the doctor: schema,
    journal and integrity, read through a read-only connection."""
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        if not Path(f"{path}-shm").exists() and not os.access(path.parent, os.W_OK):
            uri += "&immutable=1"  # as warroom itself reads it: no -shm can be made here
        conn = sqlite3.connect(uri, uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
            integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            fix = f"cannot read it ({exc}): another program holds it; try again"
        elif isinstance(exc, sqlite3.OperationalError) and not os.access(path.parent, os.W_OK):
            fix = f"cannot read it ({exc}): {path.parent} is read-only for you; ask its owner"
        else:
            fix = f"cannot read it ({exc}): restore a backup"
        return [(False, "schema", fix)]
    facts: list[tuple[bool, str, str]] = []
    if app_id not in (0, APP_ID):
        facts.append((False, "schema", "a SQLite file of another program"))
    elif version > SCHEMA_VERSION:
        facts.append(
            (False, "schema", f"version {version} is newer than {SCHEMA_VERSION}: upgrade")
        )
    elif version < SCHEMA_VERSION:
        facts.append((True, "schema", f"version {version}; upgraded (with a backup) on next write"))
    else:
        facts.append((True, "schema", f"version {version}"))
    hint = ": run any write (e.g. warroom list) as a user who can write it to switch to WAL"
    facts.append((journal == "wal", "journal", journal + ("" if journal == "wal" else hint)))
    facts.append((integrity == "ok", "integrity", integrity))
    return facts


# The change counter other processes' polls compare (with PRAGMA data_version).
BUMP = "UPDATE changes SET revision = revision + 1 WHERE id = 1"


class SQLiteBackend:
    """One SQLite file: opening, the write lock, reads, the change marker."""

    engine = "sqlite"
    recorded_at = "?"  # the write lock is held from BEGIN IMMEDIATE: the clock's time
    poll_seconds = None  # PRAGMA data_version: the app's own interval
    in_doubt_wait = 0.0  # a local commit's answer is never lost

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection,
        clock: Callable[[], datetime],
        busy_timeout: float,
        read_only: bool,
        warnings: list[str],
    ):
        self.path = path
        self.conn = conn
        self.clock = clock
        self.busy_timeout = busy_timeout
        self.read_only = read_only
        self.warnings = warnings
        self.migrated = False  # this open created or upgraded the schema
        self._seen_data_version: int | None = None
        self._local_writes = 0
        self._seen_local_writes = 0
        self._file_ids: dict[str, tuple[int, int] | None] = {}
        self.swapped = ""  # what was replaced or removed under us, once noticed
        self._checkpointing = threading.Lock()  # a worker's checkpoint, or the close
        self._closed = False
        self._inside = 0  # within write() or snapshot(): they turn errors into ours

    @property
    def label(self) -> str:
        """How messages name this database."""
        return str(self.path)

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        path: Path | str,
        clock: Callable[[], datetime],
        busy_timeout: float = 5.0,
        read_only: bool = False,
    ) -> SQLiteBackend:
        """Open (creating if missing) the database at path. read_only opens an
        existing file for watching only, as happens anyway without write access."""
        path = Path(path)
        exists = _check_file(path)
        warnings: list[str] = []
        if read_only and not exists:
            raise UsageError(f"database {path} does not exist (read-only mode cannot create it)")
        if exists:
            mode = path.stat().st_mode
            if mode & stat.S_IROTH:
                warnings.append(
                    f"warning: {path} is readable by other users; responder notes are "
                    f"private (fix: chmod o-rwx {path})"
                )
            read_only = read_only or not (
                os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
            )
        else:
            _create_file(path)
        conn = None
        opening = _file_ids(path)[""]
        try:
            conn = cls._connect(path, read_only, busy_timeout)
            backend = cls(path, conn, clock, busy_timeout, read_only, warnings)
            backend._prepare(existed=exists)
            backend._file_ids = _file_ids(path)
            if backend._file_ids[""] != opening:  # replaced while this opened it
                backend.swapped = f"{path} was replaced while warroom opened it"
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(f"{path} is locked by another program; try again") from None
            refused = disk_refusal(exc, path)
            if refused is not None:  # the disk, not the file: exit 1, not 2
                raise refused from None
            raise UsageError(f"{path} is not a usable warroom database ({exc})") from None
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        return backend

    def reopen(self, busy_timeout: float | None = None) -> SQLiteBackend:
        """Another connection to the same database, for another thread of this
        process (the app's database worker). Nothing is checked or opened by
        path outside SQLite: closing any other handle on the file would drop
        the locks this process's connections hold. It sees the files as this
        connection first saw them, so a swap since is noticed by both."""
        timeout = self.busy_timeout if busy_timeout is None else busy_timeout
        conn = self._connect(self.path, self.read_only, timeout)
        other = type(self)(self.path, conn, self.clock, timeout, self.read_only, [])
        other._file_ids = dict(self._file_ids)
        other.swapped = self.swapped
        return other

    @staticmethod
    def _connect(path: Path, read_only: bool, busy_timeout: float) -> sqlite3.Connection:
        if read_only:
            uri = f"{path.resolve().as_uri()}?mode=ro"
            shm = Path(f"{path}-shm")
            if not shm.exists() and not os.access(path.parent, os.W_OK):
                # Nobody has it open (no -shm) and we may not create one: read
                # the file as it stands; a snapshot is current when nobody writes.
                uri += "&immutable=1"
            conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None)
        else:
            conn = sqlite3.connect(
                _rw_uri(path),
                uri=True,
                timeout=busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _prepare(self, existed: bool) -> None:
        version, app_id, tables = self._schema_facts()
        if app_id not in (0, APP_ID) or (version > SCHEMA_VERSION and app_id != APP_ID):
            raise UsageError(f"{self.path} is a SQLite database but not a warroom one")
        if version > SCHEMA_VERSION:
            raise UsageError(
                f"{self.path} was written by a newer warroom (schema {version}, this one "
                f"knows {SCHEMA_VERSION}); upgrade warroom to open it"
            )
        ours = {"changes", "incidents", "timeline"} <= tables
        if (version == 0 and tables) or (version > 0 and not ours) or app_id not in (0, APP_ID):
            raise UsageError(f"{self.path} is a SQLite database but not a warroom one")
        if existed:
            self._check_integrity()
        if self.read_only:
            if version < SCHEMA_VERSION:
                raise UsageError(f"{self.path} needs a schema upgrade but is read-only")
            return
        if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        if version < SCHEMA_VERSION:
            self._migrate()

    def _schema_facts(self) -> tuple[int, int, set[str]]:
        """Schema version, application id and table names, read in one statement
        (so one snapshot): another process may be creating the schema right now."""
        version, app_id, names = self.conn.execute(
            "SELECT (SELECT user_version FROM pragma_user_version),"
            " (SELECT application_id FROM pragma_application_id),"
            " (SELECT group_concat(name, char(9)) FROM sqlite_master WHERE type = 'table')"
        ).fetchone()
        return version, app_id, set(names.split("\t")) if names else set()

    def _check_integrity(self) -> None:
        page_size = self.conn.execute("PRAGMA page_size").fetchone()[0]
        page_count = self.conn.execute("PRAGMA page_count").fetchone()[0]
        wal = Path(f"{self.path}-wal")
        wal_has_pages = wal.exists() and wal.stat().st_size > 0
        if not wal_has_pages and self.path.stat().st_size < page_size * page_count:
            raise UsageError(f"{self.path} is truncated: restore it from a backup")
        result = self.conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            detail = " ".join(result.split())[:120]
            raise UsageError(f"{self.path} is corrupt ({detail}): restore it from a backup")

    def _backup(self, version: int) -> Path:
        """Copy the database to a dated file beside it.

        Called while this connection holds the write lock, so nobody can migrate
        meanwhile; a second connection reads the committed file (WAL lets a
        reader in beside the writer, and the backup API cannot read through a
        connection with a transaction open)."""
        stamp = self.clock().strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.v{version}-{stamp}.bak")
        n = 1
        while True:  # never overwrite an earlier backup
            try:
                # Made with the database's own mode from the first byte: private
                # notes are never readable by others while the copy is written.
                mode = stat.S_IMODE(os.stat(self.path).st_mode)
                fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, mode)
                break
            except FileExistsError:
                n += 1
                target = self.path.with_name(f"{self.path.name}.v{version}-{stamp}-{n}.bak")
        try:
            os.fchmod(fd, mode)  # the umask may have taken bits the database has
        finally:
            os.close(fd)
        source = sqlite3.connect(_rw_uri(self.path), uri=True)
        backup = sqlite3.connect(str(target))
        try:
            source.backup(backup)
        finally:
            backup.close()
            source.close()
        return target

    def _migrate(self) -> None:
        import sqlite_utils  # only needed here: keeps it out of every start-up

        with self.write():
            # Read again under the lock: another process may have migrated meanwhile.
            current = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if 0 < current < SCHEMA_VERSION:
                self._backup(current)
            if current == 0:
                self.conn.execute(f"PRAGMA application_id = {APP_ID}")
            if current == 0 and SCHEMA_VERSION == SQLITE_VERSION:
                # A new file is made in today's shape (store/schema.py); an older
                # one goes through the migration steps (as does a new file made
                # for an older version, which only a test asks for).
                create_sqlite(sqlite_utils.Database(self.conn))
                current = SCHEMA_VERSION
                self.conn.execute(f"PRAGMA user_version = {current}")
            while current < SCHEMA_VERSION:
                MIGRATIONS[current](sqlite_utils.Database(self.conn))
                current += 1
                self.conn.execute(f"PRAGMA user_version = {current}")
        self.migrated = True

    def close(self) -> None:
        with self._checkpointing:  # no checkpoint connection is left open behind it
            self._closed = True
            if self.read_only or not self.check_files():
                self.conn.close()
                return
            self._abandon()

    def _abandon(self) -> None:
        """Let go of a database whose files were replaced or removed under it.

        sqlite3 closing the last connection checkpoints the log into the file
        and deletes the -wal and -shm it finds by name: names that may now be
        another file's. So the connection is never closed (the process's exit
        drops its descriptors; SQLite does nothing more), and this process's
        own -wal and -shm go as check_files lets them go."""
        import ctypes

        ctypes.pythonapi.Py_IncRef(ctypes.py_object(self.conn))  # never closed, even at exit
        self._drop_own_log()

    def _drop_own_log(self) -> None:
        """Once the database at the path is not the one this process opened
        (restored over, or removed), the -wal and -shm still beside it are
        this process's: SQLite would read them as the new file's log (the
        restore undone, or the file corrupted by a checkpoint). Removed, each
        only while it is the very file this process opened (device and
        inode). When only a -wal or -shm went, the database is still the one
        others on it use: what is left is theirs."""
        ours = self._file_ids
        if _file_ids(self.path)[""] == ours.get(""):
            return
        for suffix in ("-wal", "-shm"):
            name = f"{self.path}{suffix}"
            try:
                st = os.stat(name)
                if ours.get(suffix) == (st.st_dev, st.st_ino):
                    os.unlink(name)
            except OSError:
                pass  # gone already, or not ours to remove

    @property
    def local_writes(self) -> int:
        """Writes this connection has committed."""
        return self._local_writes

    def defer_checkpoints(self) -> None:
        """For the TUI: commits stop copying the write-ahead log back into the
        database. SQLite does that on the commit that takes the log past 1,000
        pages, which can hold that one key press up for a few hundred ms on a
        busy disk; the app calls checkpoint() from a worker thread instead."""
        if not self.read_only:
            self.conn.execute("PRAGMA wal_autocheckpoint = 0")

    def checkpoint(self) -> tuple[int, int]:
        """Copy the write-ahead log back into the database, without waiting for
        or holding up anyone (PASSIVE), on a connection of its own so a worker
        thread can call it. Returns (frames in the log, frames copied)."""
        if self.read_only:
            return (0, 0)
        with self._checkpointing:
            if self._closed or self.check_files():
                return (0, 0)  # the file at the path is not ours: never copy our log into it
            conn = sqlite3.connect(_rw_uri(self.path), uri=True, timeout=0, isolation_level=None)
            try:
                # The path names a file again: checked once the connection holds
                # one, before it reads anything (a connection that never read
                # closes without touching a file).
                if self.check_files():
                    return (0, 0)
                _busy, log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                return (log, copied)
            except sqlite3.OperationalError:
                return (0, 0)  # another checkpoint is running: the next call will do it
            finally:
                conn.close()

    def set_busy_timeout(self, seconds: float) -> None:
        """How long a write waits for another process's lock before StoreBusy."""
        self.busy_timeout = seconds
        self.conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

    # ------------------------------------------------------------ transactions
    def check_files(self) -> str:
        """What was replaced or removed under this connection ('' when nothing).

        A file renamed over the database, or its -wal/-shm deleted, leaves this
        process writing into files nobody else opens: its changes would vanish
        and others would reuse its ids. Once noticed it stays noticed, and
        this process's own log no longer lies beside a file that is not its
        own (see _drop_own_log)."""
        if self.swapped:
            return self.swapped
        now = _file_ids(self.path)
        for suffix, seen in self._file_ids.items():
            if seen is None:
                self._file_ids[suffix] = now[suffix]  # made since (a reader's first writer)
            elif now[suffix] != seen:
                what = "removed" if now[suffix] is None else "replaced"
                self.swapped = f"{self.path}{suffix} was {what} while open"
                break  # the database file itself first: what the header names
        if self.swapped and not self.read_only:
            self._drop_own_log()
        return self.swapped

    @contextmanager
    def write(self, bump: bool = False) -> Iterator[None]:
        """One write transaction holding the database-wide write lock from its
        first statement (BEGIN IMMEDIATE): read-then-write is safe inside.
        With bump, it also moves the change counter."""
        check_may_wait()  # never on the TUI's UI thread (see guard.py)
        if self._file_ids and self.check_files():
            raise FileSwapped(f"{self.swapped}: nothing written; restart warroom on the new file")
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise driver_error(exc, self.path) from None
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        f"{self.path} stayed locked by another process for "
                        f"{self.busy_timeout:g}s; try again"
                    ) from None
                time.sleep(0.05)
        self._inside += 1
        try:
            yield
            if bump:
                self.conn.execute(BUMP)
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # SQLite has rolled back already (a full disk does that)
            refused = disk_refusal(exc, self.path)
            if refused is not None:
                raise refused from None
            if isinstance(exc, sqlite3.Error):
                raise driver_error(exc, self.path) from None
            raise
        finally:
            self._inside -= 1
        self._local_writes += 1

    def wake_fd(self) -> int | None:
        return None  # PRAGMA data_version is polled: nothing to wait on

    def has_changed(self) -> bool:
        """Cheap poll: has anyone (this process included) committed since last asked?

        PRAGMA data_version moves when another connection commits; our own
        commits are counted locally. Neither reads a table."""
        try:
            version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.OperationalError:
            return False
        changed = (
            version != self._seen_data_version or self._local_writes != self._seen_local_writes
        )
        self._seen_data_version = version
        self._seen_local_writes = self._local_writes
        return changed

    def changed_now(self) -> bool | None:
        """has_changed(): a file's marker never waits on a network."""
        return self.has_changed()

    def describe(self) -> list[tuple[bool, str, str]]:
        return describe_file(self.path)

    def executemany(self, sql: str, rows: list[Any]) -> None:
        check_may_wait()
        try:
            self.conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            if self._inside:
                raise  # write() says what it was
            raise driver_error(exc, self.path) from None

    def reset_ids(self, tables: tuple[str, ...]) -> None:
        """SQLite gives the next row max(id) + 1 by itself."""

    # ------------------------------------------------------------------ reads
    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
        check_may_wait()
        try:
            return self.conn.execute(sql, params)
        except sqlite3.Error as exc:
            if self._inside:
                raise  # write() or snapshot() says what it was
            raise driver_error(exc, self.path) from None

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction (nested calls share the outer one)."""
        check_may_wait()
        if self.conn.in_transaction:
            yield
            return
        self._inside += 1
        try:
            self.conn.execute("BEGIN")
            try:
                yield
            finally:
                self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise driver_error(exc, self.path) from None
        finally:
            self._inside -= 1
