"""Changes the TUI could not write before it had to stop (a hang-up: the tmux
session killed, ssh dropped; or SIGTERM) with the database busy, unreachable
or the disk full. Nothing typed is thrown away silently:

- each change is kept as one JSON object a line (a write record with its
  idempotency key, who typed it and when: see writes.Envelope), in a new file
  made for this stop (never one that exists, never through a link, mode 0600);
- the file goes to the first place that takes it whole: the database's own
  folder, then the user's state folder ($XDG_STATE_HOME/warroom), and when no
  disk takes it, the lines go to standard error;
- the next start names the files, and `warroom unsaved replay` writes them,
  each change exactly once (its key is stored with it), then removes them."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from warroom.services.paths import DbUrl, state_dir

if TYPE_CHECKING:
    from warroom.core.ports import StorePort

SUFFIX = ".unsaved"


def _label(db_path: Path | DbUrl) -> str:
    return str(db_path)


def _digest(text: str) -> str:
    import hashlib  # here: the war room looks for kept files after its first frame

    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:12]


def _stem(db_path: Path | DbUrl) -> str:
    """The file name's start: the database's name beside it, or a digest of
    the database (a file elsewhere, or a server URL) in the state folder."""
    if isinstance(db_path, Path):
        return db_path.name + SUFFIX
    return f"db-{_digest(_label(db_path))}{SUFFIX}"


def _places(db_path: Path | DbUrl) -> list[tuple[Path, str]]:
    """(folder, name start) to try, in order."""
    places = []
    if isinstance(db_path, Path):
        places.append((db_path.parent, _stem(db_path)))
        places.append((state_dir(), f"{db_path.name}-{_digest(str(db_path))}{SUFFIX}"))
    else:
        places.append((state_dir(), _stem(db_path)))
    return places


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    """Write data to a new file in folder: created here (O_EXCL, never through
    a link), 0600, owned by us, written whole and synced; OSError otherwise
    (and nothing is left behind)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        info = os.fstat(fd)
        if info.st_uid != os.geteuid() or info.st_mode & 0o077:
            os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        try:
            os.unlink(path)
        except OSError:
            pass
        raise
    os.close(fd)
    return path


def keep(
    db_path: Path | DbUrl,
    changes: list[dict[str, Any]],
    now: datetime,
    stderr: TextIO | None = None,
) -> str:
    """Keep the changes (each an Envelope's to_json()); returns where they
    went: a file's path, or 'standard error'. Never raises for a full disk."""
    lines = "".join(json.dumps({**c, "kept_at": now.isoformat()}) + "\n" for c in changes)
    data = lines.encode("utf-8")
    stamp = now.strftime("%Y%m%dT%H%M%S")
    for folder, start in _places(db_path):
        for n in range(100):
            name = f"{start}-{stamp}-{os.getpid()}" + (f"-{n}" if n else "") + ".jsonl"
            try:
                return str(_write_new(folder, name, data))
            except FileExistsError:
                continue
            except OSError:
                break  # this folder will not take it: the next place
    out = stderr or sys.stderr
    try:
        out.write(
            f"warroom: {len(changes)} change(s) could not be written or kept on disk;"
            " here they are, one JSON object a line:\n" + lines
        )
        out.flush()
    except (OSError, ValueError):
        pass
    return "standard error"


def files(db_path: Path | DbUrl) -> list[Path]:
    """Every file kept for this database by an earlier session, oldest first."""
    found: list[Path] = []
    if isinstance(db_path, Path) and (db_path.parent / _stem(db_path)).is_file():
        found.append(db_path.parent / _stem(db_path))  # what older versions wrote
    for folder, start in _places(db_path):
        try:
            found.extend(sorted(p for p in folder.glob(f"{start}-*.jsonl") if p.is_file()))
        except OSError:
            continue
    return found


def read(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    out = []
    for line in text.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            out.append(item)
    return out


def kept(db_path: Path | DbUrl) -> list[dict[str, Any]]:
    """What earlier sessions kept and nobody has dealt with yet."""
    return [item for path in files(db_path) for item in read(path)]


class Replayed:
    def __init__(self) -> None:
        self.written = 0
        self.already = 0  # their key was in the database: written before
        self.failed: list[str] = []  # one line each: what, and why not
        self.removed: list[Path] = []
        self.left: list[Path] = []


def replay(store: StorePort, db_path: Path | DbUrl) -> Replayed:
    """Write every kept change, each once (by its idempotency key), in the
    order typed; a file whose changes all landed (or had landed) is removed."""
    from warroom.core.errors import AlreadyApplied, StoreBusy, StoreIOError, WarroomError
    from warroom.services.writes import Envelope

    done = Replayed()
    for path in files(db_path):
        ok = True
        for item in read(path):
            try:
                envelope = Envelope.from_json(item)
            except ValueError as exc:
                done.failed.append(f"{item.get('what', 'a change')!s:.60}: {exc}")
                ok = False
                continue
            try:
                envelope.apply(store)
                done.written += 1
            except AlreadyApplied:
                done.already += 1
            except (StoreBusy, StoreIOError):
                raise
            except WarroomError as exc:
                done.failed.append(f"{envelope.describe()}: {exc}")
                ok = False
        if ok:
            try:
                path.unlink()
                done.removed.append(path)
            except OSError:
                done.left.append(path)
        else:
            done.left.append(path)
    return done
