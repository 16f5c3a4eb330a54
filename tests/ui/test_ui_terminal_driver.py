"""The driver the war room runs on (warroom.tui.terminal), on a real
pseudo-terminal: it reads the terminal's bytes through warroom's parser (a
paste whole, ESC+digit as alt+digit), and its writer outlives the terminal
hanging up (writes after the hang-up never block, so the app goes on to handle
the SIGHUP that saves the queued changes)."""

from __future__ import annotations

import os
import pty
import signal
import threading
import tty

from textual import events
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from warroom.tui.terminal import (
    MAX_QUEUED_WRITES,
    TerminalDriver,
    TerminalWriter,
    use_terminal_driver,
)

WAIT = 60.0  # generous: a busy two-core machine


def test_the_war_room_runs_on_the_terminal_driver(app_factory):
    app = app_factory()
    assert app.driver_class is LinuxDriver  # Textual's choice on Linux
    use_terminal_driver(app)
    assert app.driver_class is TerminalDriver


def test_a_driver_chosen_otherwise_is_kept(app_factory):
    # TEXTUAL_DRIVER (or another platform) chose another driver: left as it is.
    class Other(LinuxDriver):
        pass

    app = app_factory()
    app.driver_class = Other
    use_terminal_driver(app)
    assert app.driver_class is Other


class Recording(TerminalDriver):
    """The driver, with the messages it would post to the app kept instead."""

    def __init__(self, app) -> None:
        super().__init__(app)
        self.seen: list[Message] = []
        self.changed = threading.Condition()

    def process_message(self, message: Message) -> None:
        with self.changed:
            self.seen.append(message)
            self.changed.notify_all()


async def test_the_driver_reads_the_terminal_through_the_war_rooms_parser(app_factory):
    master, slave = pty.openpty()
    tty.setraw(slave)  # as the driver sets it in application mode: bytes as they come
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTSTP, signal.SIGCONT)}
    driver = Recording(app_factory())  # (it sets its ctrl+z handlers: put back below)
    driver.fileno = slave  # the terminal: the pty instead of this process's stdin
    reader = threading.Thread(target=driver.run_input_thread, daemon=True)
    reader.start()
    try:
        os.write(master, b"a\x1b[200~log \x1b[31mred\x1b[0m X\r\x1b[201~\x1b1")

        def read() -> list[tuple]:
            return [
                ("paste", m.text) if isinstance(m, events.Paste) else ("key", m.key)
                for m in driver.seen
                if isinstance(m, events.Paste | events.Key)
            ]

        with driver.changed:
            assert driver.changed.wait_for(lambda: len(read()) >= 3, WAIT), driver.seen
            assert read() == [
                ("key", "a"),
                ("paste", "log \x1b[31mred\x1b[0m X\r"),
                ("key", "alt+1"),
            ]
    finally:
        driver.exit_event.set()
        reader.join(WAIT)
        os.close(master)
        os.close(slave)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert not reader.is_alive()


def test_writes_after_the_terminal_hung_up_never_block():
    # The terminal goes (its master side closed, as tmux kill-server does):
    # every write then fails with EIO. Far more frames than the queue holds
    # are written, and the writer still stops.
    master, slave = pty.openpty()
    terminal = os.fdopen(slave, "w", encoding="utf-8")
    writer = TerminalWriter(terminal)
    writer.start()
    writer.write("the first frame\r\n")
    os.close(master)
    done = threading.Event()

    def frames() -> None:
        for n in range(MAX_QUEUED_WRITES * 10):
            writer.write(f"frame {n} " * 200)
        writer.stop()
        done.set()

    threading.Thread(target=frames, daemon=True).start()
    assert done.wait(WAIT), "a write blocked once the terminal was gone"
    assert writer.gone
    try:
        terminal.close()
    except OSError:
        pass  # what could not be written stays unwritten


async def test_input_that_ends_is_not_read_again_and_again(app_factory, monkeypatch):
    # Standard input ends (a pipe closed, a terminal gone without a hang-up):
    # selecting it then answers at once for ever. The driver reads the end
    # once and waits for the app to end, instead of going round at full speed.
    read_end, write_end = os.pipe()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTSTP, signal.SIGCONT)}
    driver = Recording(app_factory())
    driver.fileno = read_end
    reads: list[int] = []
    real_read = os.read

    def counted(fd: int, n: int) -> bytes:
        if fd == read_end:
            reads.append(fd)
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", counted)
    reader = threading.Thread(target=driver.run_input_thread, daemon=True)
    reader.start()
    try:
        os.write(write_end, b"a")
        os.close(write_end)  # the end of input
        with driver.changed:
            assert driver.changed.wait_for(lambda: driver.seen, WAIT)  # "a" came first
        # Past the end, over a span of several of the loop's 0.1 s selects
        # (an absence: only time shows it).
        assert not driver.exit_event.wait(0.5)
        assert len(reads) <= 3, f"{len(reads)} reads of an input that had ended"
    finally:
        driver.exit_event.set()
        reader.join(WAIT)
        os.close(read_end)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert not reader.is_alive()


REENTRANT_PROBE = """
import io, os, signal, sys, threading, time
from warroom.tui.terminal import TerminalWriter

writer = TerminalWriter(io.StringIO())
writer.start()
n = 0
# As Textual's SIGCONT handler, which writes the whole screen again, and runs
# in the main thread whenever the signal comes: maybe while it queues a frame.
# Frames (long writes: the UI thread waits for the writer to write them)
# and short ones, from both.
signal.signal(
    signal.SIGUSR1, lambda signum, frame: writer.write("from the handler " * (n % 2 * 40 + 1))
)
stop = threading.Event()

def pester():
    while not stop.is_set():
        os.kill(os.getpid(), signal.SIGUSR1)
        time.sleep(0.0001)

threading.Thread(target=pester, daemon=True).start()
end = time.monotonic() + 1.5
while time.monotonic() < end:
    n += 1
    writer.write("frame " * (n % 3 * 60 + 1))
stop.set()
writer.stop()
print("stopped")
"""


def test_a_frame_queued_from_a_signal_handler_mid_frame_never_hangs():
    # A hang-up sends SIGCONT with SIGHUP; Textual's handler redraws from the
    # main thread, possibly in the middle of queueing a frame. The queue takes
    # it (its put is reentrant) instead of waiting on its own lock for ever.
    from runners import python_says

    assert python_says(REENTRANT_PROBE) == "stopped"


class RecordingFile:
    """A terminal that keeps what it is given; `slow` seconds a write."""

    def __init__(self, slow: float = 0.0) -> None:
        self.written: list[str] = []
        self.slow = slow

    def write(self, text: str) -> int:
        if self.slow:
            import time

            time.sleep(self.slow)
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_a_frame_is_written_before_the_ui_thread_goes_on(monkeypatch):
    # The writer needs the interpreter lock to write; the UI thread, busy
    # with what the frame set off, held it for the switch interval (a frame
    # waited ~5 ms in the queue). It now waits for the frame to be written.
    from warroom.tui import terminal

    monkeypatch.setattr(terminal, "HAND_OVER_SECONDS", WAIT)  # a busy machine
    file = RecordingFile()
    writer = TerminalWriter(file)  # type: ignore[arg-type]
    writer.start()
    try:
        frame = "x" * terminal.FRAME_CHARS
        for n in range(20):
            writer.write(f"{n}{frame}")
            assert file.written[-1] == f"{n}{frame}"  # written as write returned
        writer.write("\x1b[?25l")  # a short write (not a frame) is only queued
    finally:
        writer.stop()
    assert file.written[-1] == "\x1b[?25l"


def test_a_slow_terminal_holds_the_ui_thread_back_no_longer_than_a_moment():
    import time

    from warroom.tui import terminal

    file = RecordingFile(slow=1.0)  # a terminal far away
    writer = TerminalWriter(file)  # type: ignore[arg-type]
    writer.start()
    try:
        began = time.monotonic()
        writer.write("x" * terminal.FRAME_CHARS)
        assert time.monotonic() - began < 0.5  # HAND_OVER_SECONDS, then on
        assert file.written == []
    finally:
        writer.stop()
    assert len(file.written) == 1  # and it was written all the same
