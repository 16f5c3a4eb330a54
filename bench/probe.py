"""Instrumentation shared by the measuring processes, and the baseline apps.

FrameProbe gives an app a driver of its own (`App.driver_class`, a
HeadlessDriver that says it is not headless), so Textual encodes every frame
the compositor produces into the escape sequences a terminal would get and
writes them to it; each frame (one `flush` after its writes) is time-stamped
and offered to watchers that wait for a piece of text to appear on screen.
Apps under a probe run with `headless=False` (App.run, App.run_test):
nothing reaches a terminal. Imports only Textual, never warroom."""

from __future__ import annotations

import re
from collections.abc import Callable
from time import monotonic, process_time

from rich.text import Text
from textual.app import App, ComposeResult
from textual.drivers.headless_driver import HeadlessDriver
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")

SIZE = (160, 48)  # wide enough for warroom's full five-panel layout


def footer_ready(screen: Screen) -> bool:
    """A Footer composes its keys only after the first refresh: a paint without
    them is not a full one."""
    return all(len(footer.children) > 0 for footer in screen.query(Footer))


def plain(ansi: str) -> str:
    """Frame text with escape sequences (colours, cursor moves) removed."""
    return _ANSI.sub("", ansi)


class Watcher:
    """Fires once, on the first frame (after it was armed) whose text contains `needle`."""

    def __init__(self, needle: str):
        self.needle = needle
        self.armed_at = monotonic()
        self.seen_at: float | None = None
        self.cpu_at: float | None = None  # process CPU time when it was seen


class ProbeDriver(HeadlessDriver):
    """A headless driver that says it is not: the app encodes and writes each
    frame to it (and flushes once the frame is written), as to a terminal.
    `probe` is set on the class FrameProbe makes for its app."""

    probe: FrameProbe

    def __init__(self, app: App, **kwargs) -> None:
        super().__init__(app, **kwargs)
        self.written: list[str] = []

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.written.append(data)

    def flush(self) -> None:
        text, self.written = "".join(self.written), []
        self.probe.frame(text)


class FrameProbe:
    """Time-stamps frames of one app; finds the first full paint; watches for text."""

    def __init__(self, app: App):
        self.app = app
        self.frames = 0
        self.bytes = 0
        self.last_frame_at: float | None = None
        self.first_paint_at: float | None = None
        self.watchers: list[Watcher] = []
        self._ready: Callable[[Screen], bool] | None = None
        self._on_paint: Callable[[float], None] | None = None
        self._arming = False
        app.driver_class = type("ProbeDriverOfApp", (ProbeDriver,), {"probe": self})

    # -- frames
    def frame(self, text: str) -> None:
        """A frame the app wrote (its escape sequences), as it is flushed."""
        now = monotonic()
        self.frames += 1
        self.bytes += len(text)
        self.last_frame_at = now
        if self.watchers:
            flat = plain(text)
            for watcher in self.watchers:
                if watcher.needle in flat:
                    watcher.seen_at = now
                    watcher.cpu_at = process_time()
            self.watchers = [w for w in self.watchers if w.seen_at is None]
        screen = self.app.screen
        if self._ready is not None and not self._arming and self._ready(screen):
            self._arming = True
            screen.call_after_refresh(self._settled, screen)

    def watch(self, needle: str) -> Watcher:
        watcher = Watcher(needle)
        self.watchers.append(watcher)
        return watcher

    # -- first full paint
    def on_first_full_paint(self, ready: Callable[[Screen], bool], then: Callable[[float], None]):
        """Call `then(t)` once the screen `ready` accepts has been painted and has
        nothing left to repaint; t is the time of the frame that completed it."""
        self._ready = ready
        self._on_paint = then

    def _settled(self, screen) -> None:
        if self._ready is None or self._on_paint is None:
            return
        if screen is not self.app.screen or not self._ready(screen):
            self._arming = False  # not there yet: arm again on the next frame
            return
        self.first_paint_at = self.last_frame_at
        callback, self._ready, self._on_paint = self._on_paint, None, None
        callback(self.first_paint_at)


# ------------------------------------------------------------------ baselines
class MinimalApp(App):
    """The start-up, memory and idle baseline: Header (with its clock), a Static, Footer."""

    TITLE = "minimal"
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield Static("A minimal Textual app: the same harness, nothing of warroom's.")
        yield Footer()


class BareInputApp(App):
    """The key-latency baseline: one focused Input."""

    def compose(self) -> ComposeResult:
        yield Input(id="in", placeholder="type")

    def on_mount(self) -> None:
        self.query_one(Input).focus()


class BarePollApp(App):
    """The propagation baseline: poll SQLite's data_version like warroom, show the last row."""

    def __init__(self, db: str, poll_seconds: float):
        super().__init__()
        self.db = db
        self.poll_seconds = poll_seconds
        self.conn = None
        self.seen = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="last")
        yield Footer()

    def on_mount(self) -> None:
        import sqlite3

        self.conn = sqlite3.connect(self.db, isolation_level=None)
        self.seen = self.conn.execute("PRAGMA data_version").fetchone()[0]
        self.set_interval(self.poll_seconds, self.poll)

    def poll(self) -> None:
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self.seen:
            self.seen = version
            row = self.conn.execute("SELECT text FROM timeline ORDER BY id DESC LIMIT 1").fetchone()
            self.query_one("#last", Static).update(Text(row[0] if row else ""))

    def on_unmount(self) -> None:
        if self.conn is not None:
            self.conn.close()
