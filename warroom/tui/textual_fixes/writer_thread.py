"""Writing to a terminal that may vanish: tmux kill-server, a dropped ssh.

Textual 8.2.8 writes each frame from one thread through a queue of 30. When the
terminal hangs up, a write fails (EIO), that thread dies, and once 30 more
frames are queued the app blocks for ever in `put`: the SIGHUP that would have
saved the queued changes and ended warroom is never handled, and the process
stays, holding the database open. Here the thread lives on: after the first
failed write it empties the queue without writing, so the app goes on to
handle the hang-up and exit.

Installed by the war room as it starts (install()): the Linux driver builds its
writer from the name it imported, which is the one thing changed."""

from __future__ import annotations

from textual.drivers._writer_thread import WriterThread

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual.drivers._writer_thread:WriterThread": "class",
    "textual.drivers._writer_thread:WriterThread.__init__": "self, file",
    "textual.drivers._writer_thread:WriterThread.run": "self",
    "textual.drivers._writer_thread:WriterThread._queue": "attribute",
    "textual.drivers._writer_thread:WriterThread._file": "attribute",
    "textual.drivers.linux_driver:WriterThread": "class",
}


class TolerantWriter(WriterThread):
    gone = False  # set once a write fails: the terminal is no longer there

    def run(self) -> None:
        get, qsize = self._queue.get, self._queue.qsize
        while (text := get()) is not None:
            if self.gone:
                continue
            try:
                self._file.write(text)
                if qsize() == 0:
                    self._file.flush()
            except OSError:
                self.gone = True
        if not self.gone:
            try:
                self._file.flush()
            except OSError:
                self.gone = True


def install() -> None:
    """Make the Linux driver write through TolerantWriter (a second call changes nothing)."""
    from textual.drivers import linux_driver

    linux_driver.WriterThread = TolerantWriter  # type: ignore[misc]
