"""The terminal the war room runs in: how its bytes are read and how frames
are written to it, through Textual's public Driver API only.

TerminalDriver is Textual's Linux driver with two things of warroom's:

- Input goes through WarroomParser (textual_fixes/paste_parser.py): a
  bracketed paste is one paste whatever it holds, ESC+digit is alt+digit.
- Output goes through TerminalWriter, a writer thread that outlives the
  terminal. Textual 8.2.8 writes each frame from one thread through a queue of
  30; when the terminal hangs up (tmux kill-server, a dropped ssh) a write
  fails with EIO, that thread dies, and once 30 more frames are queued the app
  blocks for ever in `put`: the SIGHUP that saves the queued changes and ends
  warroom is never handled, and the process stays, holding the database open.
  TerminalWriter lives on after a failed write and empties its queue without
  writing, so the app goes on to handle the hang-up and exit. Its queue takes
  a frame from a signal handler too: Textual redraws the screen on SIGCONT
  (which a hang-up sends with SIGHUP) from a handler that may run while the
  main thread is in the middle of queueing a frame; a queue.Queue there waits
  for its own lock for ever, and warroom stayed, holding the database open.
- A frame goes out as it is drawn. The writer thread needs the interpreter
  lock to write, and the UI thread, busy with what the frame set off (the
  first frame's resizes, a key's next messages), kept it for the interpreter's
  switch interval: a frame waited about 5 ms in the queue. After queueing a
  frame the UI thread now waits, briefly and never on a lock, for the writer
  to have written it.
- Standard input that ends (a terminal gone without a hang-up, a pipe) is no
  longer read again and again at once: Textual's loop selects it, reads
  nothing and goes round at full speed until the app ends.

use_terminal_driver(app) hands the driver to the app (the one place), before
it runs."""

from __future__ import annotations

import os
import select
import selectors
import sys
import threading
import time
from codecs import getincrementaldecoder
from queue import SimpleQueue
from typing import IO

from textual.app import App
from textual.drivers.linux_driver import LinuxDriver

from warroom.tui.textual_fixes.paste_parser import WarroomParser

# As Textual's own writer: at most this many writes wait, then `write` waits.
MAX_QUEUED_WRITES = 30
# A write at least this long is a frame: the UI thread hands it over (below).
FRAME_CHARS = 256
# How long the UI thread waits for a frame to be written: a slow terminal (a
# link far away) holds it back no longer than this, then the writer goes on
# alone, as it always did.
HAND_OVER_SECONDS = 0.002


class TerminalWriter(threading.Thread):
    """Writes text to a file from a thread of its own, flushing when nothing
    more waits; after a write or flush fails (the terminal is gone) it drops
    what it is given, so a writer never waits on it for ever."""

    def __init__(self, file: IO[str]) -> None:
        super().__init__(daemon=True, name="warroom-output")
        self.file = file
        # SimpleQueue: put is reentrant (a signal handler's frame, queued while
        # the main thread is inside put, never waits on a lock it holds).
        self.queue: SimpleQueue[str | None] = SimpleQueue()
        self.gone = False  # set once a write fails: the terminal is no longer there
        # The writer says it has written all it was given with a byte on this
        # pipe; the UI thread waits for it with select (no lock: a signal
        # handler may queue a frame while the UI thread is in the middle of one).
        self._said, self._says = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    def write(self, text: str) -> None:
        # At most MAX_QUEUED_WRITES wait, as Textual's own writer: a slow
        # terminal holds the app back rather than piling frames up.
        while self.queue.qsize() >= MAX_QUEUED_WRITES and not self.gone and self.is_alive():
            time.sleep(0.001)
        if len(text) < FRAME_CHARS:
            self.queue.put(text)
            return
        self._heard()  # what the writer said of earlier writes
        self.queue.put(text)
        if not self.gone and self.is_alive():
            # Waiting, the UI thread lets go of the interpreter lock: the writer
            # takes it at once and writes the frame.
            try:
                said, _, _ = select.select([self._said], [], [], HAND_OVER_SECONDS)
            except (OSError, ValueError):  # stopped meanwhile: its pipe is closed
                return
            if said:
                self._heard()

    def _heard(self) -> None:
        if self._said < 0:  # stopped: its pipe is closed
            return
        try:
            while os.read(self._said, 512):
                pass
        except OSError:  # nothing more to read
            pass

    def run(self) -> None:
        get, qsize = self.queue.get, self.queue.qsize
        while (text := get()) is not None:
            if not self.gone:
                try:
                    self.file.write(text)
                    if qsize() == 0:
                        self.file.flush()
                except OSError:
                    self.gone = True
            if qsize() == 0:
                try:
                    os.write(self._says, b".")  # all written (or dropped)
                except OSError:  # the pipe is full: said already, not heard yet
                    pass
        if not self.gone:
            try:
                self.file.flush()
            except OSError:
                self.gone = True

    def stop(self) -> None:
        """Write what waits, then end (blocks until the thread has ended)."""
        self.queue.put(None)
        self.join()
        fds, (self._said, self._says) = (self._said, self._says), (-1, -1)
        for fd in fds:
            if fd >= 0:  # (stopped once already)
                os.close(fd)


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver reading through WarroomParser and writing through
    TerminalWriter (to the file Textual's own writer is given: standard error)."""

    output: TerminalWriter | None = None

    def start_application_mode(self) -> None:
        if self.output is None:  # and again after a suspend (ctrl+z) closed it
            self.output = TerminalWriter(sys.__stderr__)  # type: ignore[arg-type]
            self.output.start()
        super().start_application_mode()

    def write(self, data: str) -> None:
        if self.output is not None:
            self.output.write(data)

    def close(self) -> None:
        output, self.output = self.output, None
        if output is not None:
            output.stop()
        super().close()  # Textual's own writer: started, never written to

    def run_input_thread(self) -> None:
        """Textual's input loop (select, read, decode, feed, tick), with
        warroom's parser."""
        fileno = self.fileno
        selector = selectors.SelectSelector()
        selector.register(fileno, selectors.EVENT_READ)
        parser = WarroomParser()
        decode = getincrementaldecoder("utf-8")().decode

        ended = False  # standard input ended: nothing more will come from it

        def process(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            nonlocal ended
            for index, (_key, mask) in enumerate(ready):
                if mask & selectors.EVENT_READ:
                    last = index == len(ready) - 1
                    raw = os.read(fileno, 1024 * 4)
                    if not raw:  # a pipe that ended, a terminal gone without a hang-up
                        ended = True
                        break
                    data = decode(raw, final=final and last)
                    for message in parser.feed(data):
                        self.process_message(message)
            for message in parser.tick():
                self.process_message(message)

        try:
            while not self.exit_event.is_set() and not ended:
                process(selector.select(0.1))
            if ended:
                # Selecting it again answers at once, for ever: wait for the
                # app to end instead (a hang-up, a quit, a signal).
                self.exit_event.wait()
                return
            selector.unregister(fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _message in parser.feed(""):
                    pass
            except Exception:  # noqa: BLE001 - as Textual: the parser's end of input (EOFError, ParseError)
                pass


def use_terminal_driver(app: App) -> None:
    """Run app on TerminalDriver, unless it was given another driver than
    Textual's Linux one (TEXTUAL_DRIVER, another platform). Call before it runs."""
    if app.driver_class is LinuxDriver:
        app.driver_class = TerminalDriver
