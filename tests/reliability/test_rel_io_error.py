"""A real I/O error: the kernel answers SQLite's fsync with EIO, and warroom
says so in one line (CLI, exit 1) or in its header (TUI, which keeps running,
keeps the queue and saves it once the device works again).

How the fault is made, for real: the database lives on an ext2 filesystem on a
loop device whose backing file is a sparse image on a tiny tmpfs. Filling the
tmpfs leaves the filesystem believing it has room while the device beneath it
cannot store a new block: the loop driver fails the write and ext2's fsync
returns EIO, which SQLite reports as `disk I/O error` (SQLITE_IOERR_FSYNC).
Deleting the filler makes the device work again. A device-mapper `error`
target would be the textbook fault, but this kernel has no device-mapper;
FUSE is not used. Needs root (mount, losetup); skipped, saying why, without."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from rel_support import note_texts, one_clear_line, run_cli, user_env

from warroom.core.model import utcnow
from warroom.core.policy import default_policy
from warroom.store import Store
from warroom.tui.app import make_app

sys.path.insert(0, str(Path(__file__).parent.parent / "ui"))
from keyburst import burst, paste, settle  # noqa: E402


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True)


class FailingDevice:
    """An ext2 filesystem at `mount` whose block device fails writes on demand."""

    def __init__(self, root: Path):
        self.backing = root / "backing"  # the tiny tmpfs holding the image
        self.mount = root / "fs"
        self.loop = ""
        self.filler = self.backing / "filler"

    def start(self) -> str | None:
        """Set up; None when ready, else why it cannot be done here."""
        for tool in ("mount", "losetup", "mkfs.ext2", "fstrim"):
            if shutil.which(tool) is None:
                return f"{tool} is not installed"
        self.backing.mkdir()
        self.mount.mkdir()
        done = _run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(self.backing))
        if done.returncode != 0:
            self.backing = None
            return f"cannot mount a tmpfs (needs root): {done.stderr.strip()[:80]}"
        image = self.backing / "image"
        with open(image, "wb") as file:
            file.truncate(32 * 1024 * 1024)  # sparse: far more than the tmpfs holds
        done = _run("mkfs.ext2", "-q", "-F", str(image))
        if done.returncode != 0:
            return f"mkfs.ext2 failed: {done.stderr.strip()[:80]}"
        done = _run("losetup", "-f", "--show", str(image))
        if done.returncode != 0:
            return f"no loop device: {done.stderr.strip()[:80]}"
        self.loop = done.stdout.strip()
        done = _run("mount", "-t", "ext2", "-o", "errors=continue", self.loop, str(self.mount))
        if done.returncode != 0:
            self.mount = None
            return f"cannot mount the loop device: {done.stderr.strip()[:80]}"
        return None

    def fail(self) -> None:
        """From now on a write needing a new block of the device fails (EIO)."""
        # Free blocks go back to the tmpfs first, so that no write lands on a
        # block the image already holds.
        _run("sync")
        _run("fstrim", str(self.mount))
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT)
        try:
            for size in (65536, 4096, 512, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)

    def heal(self) -> None:
        os.unlink(self.filler)

    def stop(self) -> None:
        if self.mount is not None:
            _run("umount", str(self.mount))
        if self.loop:
            _run("losetup", "-d", self.loop)
        if self.backing is not None:
            _run("umount", "-l", str(self.backing))


@pytest.fixture
def failing_device(tmp_path: Path):
    device = FailingDevice(tmp_path)
    try:
        why = device.start()
        if why is not None:
            pytest.skip(f"no real I/O fault can be made here: {why}")
        yield device
    finally:
        device.stop()


def _seed(db: Path) -> int:
    store = Store.open(db, default_policy(), "seeder", utcnow)
    incident = store.declare("Storage failing", priority="P2").id
    store.close()
    return incident


def _whole(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


def test_the_fault_is_a_real_disk_io_error(failing_device):
    """The error warroom maps is SQLite's own, from the kernel's EIO."""
    conn = sqlite3.connect(failing_device.mount / "probe.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    failing_device.fail()
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error") as raised:
        conn.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
        conn.commit()
    assert raised.value.sqlite_errorname.startswith("SQLITE_IOERR")
    conn.close()


def test_cli_on_an_io_error_says_so_in_one_line(failing_device):
    db = failing_device.mount / "warroom.db"
    incident = _seed(db)
    failing_device.fail()
    result = run_cli("--db", str(db), "note", str(incident), "x" * 15000, env=user_env())
    assert result.code == 1
    line = one_clear_line(result)
    assert "I/O error" in line and "nothing was saved" in line
    failing_device.heal()
    assert note_texts(db, incident) == []  # nothing half-written
    done = run_cli("--db", str(db), "note", str(incident), "device back", env=user_env())
    assert done.code == 0, done.err
    assert note_texts(db, incident) == ["device back"]
    assert _whole(db)


async def test_war_room_on_an_io_error_keeps_running_and_retries(failing_device):
    db = failing_device.mount / "warroom.db"
    incident = _seed(db)
    store = Store.open(db, default_policy(), "alice", utcnow)
    app = make_app(store, default_policy())
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(app, pilot)  # the room is open: read on the database worker
            failing_device.fail()
            burst(app, "4", "n")
            paste(app, "x" * 3000)
            burst(app, "enter", "written once the device works", "enter")
            await settle(app, pilot)
            assert app.is_running
            header = app.screen.query_one("#header").render().plain
            assert "I/O ERROR (2 queued, retrying)" in header
            app.retry_pending()  # still failing: the queue is kept
            await settle(app, pilot)
            assert len(app.pending) == 2
            failing_device.heal()
            app.retry_pending()
            await settle(app, pilot)
            assert app.pending == []
            assert "I/O ERROR" not in app.screen.query_one("#header").render().plain
    finally:
        store.close()
    assert note_texts(db, incident) == ["x" * 3000, "written once the device works"]
    assert _whole(db)
