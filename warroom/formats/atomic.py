"""Writing a file atomically: the one way every format puts a file on disk.

Readers see the old file or the new one, never half of one; an existing file
is replaced only when asked (--force); a full disk is exit 1, a bad path 2."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from warroom.core.errors import UsageError, WarroomError
from warroom.core.text import one_line

FILE_MODE = 0o640
# Errors from the disk itself (as for the store's StoreIOError): exit 1, not 2.
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})


def write_atomic(path: Path | str, text: str, force: bool = False) -> Path:
    """Write via a temp file in the same directory and a rename, so readers see
    the old file or the new one, never half of one. Refuses to overwrite an
    existing file unless forced (even one that appears while writing)."""
    path = Path(path)
    shown = one_line(str(path))
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UsageError(f"cannot write {shown}: {one_line(exc.strerror or str(exc))}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"{shown} is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        # A device, FIFO, socket or link: --force replaces files, never these.
        raise UsageError(f"{shown} exists and is not a regular file: export never replaces it")
    if mode is not None and not force:
        raise UsageError(f"{shown} exists; use --force to overwrite")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {shown}: directory {one_line(str(parent))} does not exist")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, FILE_MODE)
            data = text.encode("utf-8")
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if force:
            os.replace(tmp, path)
        else:
            _place_new(tmp, path, shown)
        tmp = None
        _fsync_dir(parent)
    except OSError as exc:
        reason = one_line(exc.strerror or str(exc))
        if exc.errno in _DISK_ERRNOS:
            # The disk refused the bytes (full, quota, I/O): not bad usage, exit 1.
            raise WarroomError(f"cannot write {shown}: {reason}") from None
        raise UsageError(f"cannot write {shown}: {reason}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


def _place_new(tmp: str, path: Path, shown: str) -> None:
    """Move tmp to path only if path does not exist: a hard link fails if it does."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise UsageError(f"{shown} exists; use --force to overwrite") from None
    except OSError:
        # No hard links here (some network and FAT file systems): check, then rename.
        if os.path.lexists(path):
            raise UsageError(f"{shown} exists; use --force to overwrite") from None
        os.replace(tmp, path)
        return
    with contextlib.suppress(OSError):  # the export is in place; a stray temp name is not
        os.unlink(tmp)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
