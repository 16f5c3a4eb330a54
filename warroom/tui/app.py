"""WarRoomApp: owns the store, policy and clock; polls for changes; routes intents.

Screens are told what happened through the app's signals, to which they
subscribe on mount (a subscription ends with its screen):
- store_changed_signal: something was committed, by this process or another
  (both take the one path through sync());
- tick_signal: the one-second tick, with the time;
- times_changed_signal: times are now shown in UTC (True) or local time;
- flush_signal: write any pending typing now (quitting, closing, exporting)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import SystemCommand
from textual.binding import Binding, Keymap
from textual.content import Content
from textual.message import Message
from textual.screen import Screen

from warroom.core.alerts import AlertTracker
from warroom.core.errors import StoreBusy, StoreIOError, UsageError, WarroomError
from warroom.core.model import utcnow
from warroom.core.policy import Policy
from warroom.core.text import clean_name, one_line, visible
from warroom.core.timefmt import fmt_clock
from warroom.services.config import Config, load_state, save_state
from warroom.services.writes import Declare, Envelope, RecordEvent, Write
from warroom.store import Store
from warroom.store.guard import no_waits_here
from warroom.store.room import RoomRead
from warroom.tui.first_read import FirstRead, send_first
from warroom.tui.keygate import KeyGate, one_line_paste
from warroom.tui.reported_signal import ReportedSignal
from warroom.tui.room import Room, StoreChange
from warroom.tui.screens.building import StartupScreen
from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.terminal import use_terminal_driver
from warroom.tui.textual_env import tune_gc
from warroom.tui.toasts import ToastsReplaceTheirKind
from warroom.tui.widgets.bindings import keyed_nodes, normal_keymap, remapped_bindings
from warroom.tui.widgets.reads import read_then, told
from warroom.tui.widgets.safe import VisibleFilter
from warroom.tui.writer import CONFLICT, DONE, REFUSED, Job, Writer

if TYPE_CHECKING:
    import threading

    from warroom.services.usecases import HookOutcome

POLL_SECONDS = 0.4  # change-marker poll: remote changes show well within a second
TICK_SECONDS = 1.0
WRITE_WAIT_SECONDS = 0.1  # how long a key's write waits for a lock before queueing
RETRY_SECONDS = 0.5
DECLARE_HOLD_SECONDS = 2.0  # keys behind a declare wait this long for its war room
HANG_UP_WAIT_SECONDS = 5.0  # on SIGHUP/SIGTERM, how long queued changes are tried
CHECKPOINT_SECONDS = 5.0  # how often this process's writes are copied back from the WAL
TOAST_RANK = {"information": 0, "warning": 1, "error": 2}
LOADING_SHOWN_SECONDS = 0.1  # a start-up read taking longer says it is loading
UNREADABLE_TOAST_SECONDS = 8.0  # a failed read's toast; the same one is not repeated meanwhile


class Delivered(Message):
    """A call the database worker hands back to the app's loop."""

    def __init__(self, fn: Callable, args: tuple):
        super().__init__()
        self.fn = fn
        self.args = args


class _Choosing(StartupScreen):
    """Shown while the next screen is chosen: the first one, from the incident
    list read on the database worker (a server far away), or a declared
    incident's war room, once its write is done. Keys typed meanwhile wait."""

    building = True

    def __init__(self, text: str = "warroom · loading…") -> None:
        super().__init__()
        self.text = text

    def render(self) -> Content:
        # Drawn by the screen itself, as it is (a declared title is the
        # user's text, never markup): no widget to build as the app starts.
        return Content(self.text)

    def on_mount(self) -> None:
        # Opened as the app starts, inside Textual's start-up batch, its frame
        # is dropped (and counts as painted): what it says is painted again
        # if the next screen is not there in a moment (a server far away); a
        # local file's room is usually the first frame written.
        self.set_timer(LOADING_SHOWN_SECONDS, self.refresh)


class WarRoomApp(ToastsReplaceTheirKind, Room):
    CSS_PATH = "warroom.tcss"
    TITLE = "warroom"
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="app.help", tooltip="Every key"),
        Binding("q", "request_quit", "Quit", id="app.quit", tooltip="Quit (asks first)"),
        Binding("ctrl+q", "request_quit", "Quit", show=False, priority=True, id="app.quit_ctrl"),
        Binding("ctrl+n", "declare", "Declare", show=False, id="app.declare"),
    ]

    def __init__(
        self,
        store: Store,
        policy: Policy,
        clock: Callable[[], datetime] = utcnow,
        start_incident: int | None = None,
        poll_seconds: float = POLL_SECONDS,
        config: Config | None = None,
        first_read: FirstRead | None = None,
    ):
        # The TUI's own tuning, set as the TUI is built (the warroom command
        # sets it earlier still, before Textual is imported: textual_env.apply).
        tune_gc()
        super().__init__()
        self.config = config or Config()
        self.keymap: dict[str, str] = {}  # the one given set_keymap (see there)
        self.alerts = AlertTracker(policy)
        self.open_incidents: list = []
        self.store = store
        self.policy = policy
        self.clock = clock
        self.start_incident = start_incident
        # The first screen's read, begun as warroom started (see first_read.py);
        # None: the database worker reads it once the app runs.
        self._first_read = first_read
        self.poll_seconds = poll_seconds
        self.utc = self.config.utc
        self.writer: Writer | None = None  # the database worker (see writer.py), from mount
        self._blocked_now = False  # the worker's head write met a lock, a full disk, no server
        # Writes that landed lately, kept until every screen has read past them
        # (see unseen_writes); a read's result says which it saw (read_through).
        self._landed: list[Job] = []
        self._in_hand: list[Job] = []  # handed to the worker, outcome not yet back
        self._people: list[str] | None = None  # known people, read on the worker (see sync)
        self.read_through = 0
        self.status_note = "READ-ONLY" if store.read_only else ""
        self._shown_status = self.status_note
        self._visible_filter = VisibleFilter()
        self._unread_said = ("", 0.0)  # the last failed read's toast, and until when it shows
        # Keys must never freeze the screen behind another process's lock:
        # a write waits briefly, then queues and retries (see write()).
        store.set_busy_timeout(WRITE_WAIT_SECONDS)
        self.key_gate = KeyGate(self)
        self.shutting_down = False  # once set, timers and workers leave screens alone
        self._dropping = False  # quit anyway: the queued writes are dropped, as asked
        self.blocked = "WAITING FOR DATABASE"  # why queued writes wait (header)
        self.store_changed_signal: ReportedSignal[StoreChange]
        self.store_changed_signal = ReportedSignal(self, "store-changed")
        self.tick_signal: ReportedSignal[datetime] = ReportedSignal(self, "tick")
        self.times_changed_signal: ReportedSignal[bool] = ReportedSignal(self, "times-changed")
        self.flush_signal: ReportedSignal[None] = ReportedSignal(self, "flush")
        # Writes handed to the worker and not yet done changed (the screens show
        # them as pending until they land).
        self.pending_signal: ReportedSignal[None] = ReportedSignal(self, "pending")

    def exit(self, *args, **kwargs) -> None:
        self.shutting_down = True
        super().exit(*args, **kwargs)

    @property
    def live(self) -> bool:
        """Screens may be touched: running and not shutting down."""
        return self.is_running and not self.shutting_down and bool(self.screen_stack)

    async def on_event(self, event: events.Event) -> None:
        # Keys and pastes from the terminal take turns (see keygate): one
        # that moves focus reaches its new target before the next is handed on.
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if self.key_gate.hold(event):
                return
            event = one_line_paste(self, event)
        await super().on_event(event)

    def notify(  # type: ignore[override]
        self,
        message: str,
        *,
        title: str = "",
        severity: str = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """The one way a toast is shown (Screen.notify and Widget.notify end here
        too): the text made visible and never parsed as markup, whatever the
        caller asked, so a name like `[@click=app.quit]` is only text."""
        del markup
        super().notify(
            visible(str(message), multiline=True),
            title=one_line(title),
            severity=severity,  # type: ignore[arg-type]
            timeout=timeout,
            markup=False,
        )

    def set_keymap(self, keymap: Keymap) -> None:
        """Textual's, and the keymap kept (as Textual applies it) so that keys
        are shown as remapped: the help screen, the palette, the messages."""
        self.keymap = normal_keymap(dict(keymap))
        super().set_keymap(keymap)

    def update_keymap(self, keymap: Keymap) -> None:
        self.keymap = {**self.keymap, **normal_keymap(dict(keymap))}
        super().update_keymap(keymap)

    def replaces_toast(self, older, new) -> bool:
        """One toast of a kind at a time: the newest replaces those of its kind
        (its title) that matter no more than it (an error stays over a later
        notice until it times out), so toasts never stack over the notes and
        the draft; a different kind ("Role for you", "Task for you") stays."""
        rank = TOAST_RANK.get(new.severity, 0)
        return older.title == new.title and TOAST_RANK.get(older.severity, 0) <= rank

    def get_line_filters(self):
        return [*super().get_line_filters(), self._visible_filter]

    # ------------------------------------------------------------ life cycle
    def on_load(self) -> None:
        # The database worker starts, and reads what the first screen shows,
        # while Textual starts the terminal and builds its first frame. Nothing
        # here waits on the database: the first screen is chosen and filled
        # from what the worker reads, and opens once it is read, whole, in one
        # frame (meanwhile the default screen, _Choosing: keys typed wait).
        # The warroom command begins that read earlier still, as Textual is
        # imported (first_read.py), change marker first: see get_default_screen.
        self._start_writer()
        # From here the UI thread only hands work over: in the tests, a
        # statement it sends itself fails loudly (warroom/store/guard.py).
        no_waits_here("the app's UI thread")
        if self._first_read is not None:
            return
        self._first_look()
        start = self.start_incident
        with self._holding():  # what the app keeps goes along (one round trip)
            self.read_sent(
                lambda store: send_first(store, start),
                lambda read: self._start_from(*read),
                lambda exc: self._start_from(None, None, exc),
            )
            self._ask_along(incidents=start is not None)  # else the first read lists them

    def _read_first(self, fetch: Callable[[Store], tuple]) -> None:
        self.read(
            fetch,
            lambda read: self._start_from(*read),
            lambda exc: self._start_from(None, None, exc),
        )

    def on_mount(self) -> None:
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        remembered = load_state().get("theme")
        if remembered in self.available_themes:
            self.theme = remembered
        self.theme_changed_signal.subscribe(self, lambda theme: save_state(theme=theme.name))
        for warning in (*self.config.keymap_problems, *self.store.warnings):
            self.notify(warning, severity="warning", timeout=20, markup=False)
        gc.freeze()  # what start-up built lives all session: keep it out of GC passes
        self.call_after_refresh(self.started)  # and so does the first screen
        self.set_interval(self.poll_seconds, self.poll)
        self._wake_fd: int | None = None
        self._watch_wake()
        self.set_interval(TICK_SECONDS, self.tick)
        # Checkpoints run off the UI thread, never inside a key's write.
        self.store.defer_checkpoints()
        self._checkpointed_writes = self._worker_writes()
        self.set_interval(CHECKPOINT_SECONDS, self.checkpoint)
        self._install_hang_up()

    def _say_kept_files(self) -> None:
        """Changes an earlier session could not write: said once the first
        screen has painted (looking costs the first frame a few ms)."""
        from warroom.services import unsaved  # looked at once the first frame is out

        kept_files = unsaved.files(self.store.path)
        if kept_files:
            count = sum(len(unsaved.read(path)) for path in kept_files)
            where = ", ".join(str(path) for path in kept_files[:3])
            self.notify(
                f"{count} change(s) an earlier session could not write are kept in {where}:"
                " 'warroom unsaved replay' writes them (each once) and removes the file",
                severity="warning",
                timeout=30,
                markup=False,
            )

    def _start_from(
        self,
        incidents: list | None,
        room: RoomRead | None = None,
        exc: BaseException | None = None,
    ) -> None:
        """The incident asked for on the command line, else straight into the
        war room when there is one open incident; the list is built only when
        someone goes back to it (start-up pays for one screen, not two)."""
        self._show_first(self._first_screen(incidents, room, exc))

    def _first_screen(
        self,
        incidents: list | None,
        room: RoomRead | None = None,
        exc: BaseException | None = None,
    ) -> Screen:
        if self.start_incident is not None:  # unread: the war room reads it again, or says why
            return WarRoomScreen(self.start_incident, room)
        if exc is not None and isinstance(exc, StoreBusy | StoreIOError):
            self.cannot_read(exc, "the incident list")
        self._listed = True
        if incidents is not None:
            self.open_incidents = incidents
            self.alerts.check(incidents, self.clock())  # baseline, no alarms
        if incidents is not None and len(incidents) == 1:
            return WarRoomScreen(incidents[0].id, room)
        from warroom.tui.screens.incidents import IncidentsScreen

        return IncidentsScreen()

    def get_default_screen(self) -> Screen:
        """The screen under all others: the war room itself when its read,
        begun as warroom started (first_read.py), is already done; else
        _Choosing, in front until the first screen is read and shown (one
        screen fewer to build at start-up)."""
        early, self._first_read = self._first_read, None
        if early is not None:
            self._first_read_unheard = True
            if early.ready():
                try:
                    incidents, room = early.result()
                except Exception:  # noqa: BLE001 - said as ever, through the worker (below)
                    room = None
                if room is not None:
                    return self._first_screen(incidents, room)
            # Not read yet, or not a war room: the worker hands the result over.
            self._read_first(lambda _store: early.result())
        return _Choosing()

    def _show_first(self, screen: Screen) -> None:
        """Push a screen (the first one over the default screen, _Choosing)."""
        base = self.screen_stack[0] if self.screen_stack else None
        if isinstance(base, _Choosing):
            base.building = False  # covered for good (in front again, it holds no key)
        self.push_screen(screen)

    def _read_open_incidents(self) -> None:
        """The open incidents the alerts watch: read once the first screen is
        chosen (later, on every change: see sync)."""
        if self._listed:
            return
        self._listed = True

        def listed(incidents) -> None:
            self.open_incidents = incidents
            self.alerts.check(incidents, self.clock())  # baseline, no alarms

        self.read_sent(lambda store: store.send_incidents(), listed, lambda _exc: None)

    def _ask_along(self, incidents: bool = True) -> None:
        """What the app keeps and has not asked for yet (the people for the
        pickers, and the open incidents for the alerts unless not incidents):
        asked for now, to go with a screen's first read (see read_soon) or
        after it."""
        with self._holding():  # together, when neither went with a read
            if self._people is None and not self._people_asked:
                self._people_asked = True
                self.read_sent(lambda store: store.send_people(), self._people_read)
            if incidents:
                self._read_open_incidents()

    def _first_look(self) -> None:
        """Take the store's change marker as seen. On a server that opens the
        listening connection (round trips): a thread of its own does it, while
        the worker reads the first screen, and the poll leaves the marker alone
        meanwhile. What was committed before it listened is read once it is
        back (as a change), so nothing is missed."""
        if self.store.engine == "sqlite":  # a local pragma: asked here
            try:
                self.store.has_changed()
            except (StoreBusy, StoreIOError):
                pass  # the poll asks again
            return
        import threading

        self._listening = threading.Event()
        self._look_away(first=True)

    def _look_away(self, first: bool = False) -> None:
        """Ask a server's change marker on a thread of its own, when asking
        needs the network (the listening connection made, or made again once
        lost, or the change counter polled while it cannot be): the UI thread
        never waits on it, and leaves the marker alone meanwhile (see sync).
        first: the look as the app starts (see _first_look)."""
        if self._looking:
            return
        import threading

        self._looking = True
        listening, ui = self._listening, self.store
        found: list[bool] = []

        def look() -> None:
            try:
                found.append(ui.has_changed())  # the UI thread does not ask it until back
            except Exception:  # noqa: BLE001 - the poll asks again (and says why)
                pass
            if listening is not None:
                listening.set()
            self.post_message(Delivered(looked, ()))

        def looked() -> None:
            self._looking = False
            self._watch_wake()
            if not self.live:
                return
            if first and self._read_unheard:
                # A read began before anything was listened for: what was
                # committed in between is read now, as any change is.
                self.store_changed_signal.publish(StoreChange())
            elif not first and any(found):
                self.sync(force=True)  # what the look found is news, as any change

        threading.Thread(target=look, name="warroom-listen", daemon=True).start()

    _looking = False  # a thread is asking the server's change marker (see _look_away)
    # (force, people) of the sync our landed writes ask for once the frame is
    # painted (see _sync_after_paint); None when none is due.
    _sync_due: tuple[bool, bool] | None = None
    _listening: threading.Event | None = None  # set once the first look is done
    _read_unheard = False  # a read began before the first look was done
    # The first screen was read as warroom started (first_read.py): a change
    # the poll saw before that screen subscribed is read once it is up.
    _first_read_unheard = False
    _people_asked = False  # the worker was asked for the known people (see started)
    _kept_files_said = False  # changes kept by an earlier session were looked for
    _listed = False  # the open incidents were read (or asked for) once

    def started(self) -> None:
        """The first screen has painted. Its widgets live all session too: they
        are kept out of collector passes, and collection (which the warroom
        command holds off while starting) goes on."""
        if isinstance(self.screen, StartupScreen) and self.screen.building:
            return  # its panels come after its header: it calls again once they are in
        if self._first_read_unheard and self.live:
            # Read while Textual was imported, long before the first screen
            # listened: what was committed meanwhile, if anything, is read
            # now, as any change is (the poll may have seen it first).
            self._first_read_unheard = False
            self.store_changed_signal.publish(StoreChange())
        if not self._kept_files_said:
            self._kept_files_said = True
            self._say_kept_files()
        self._ask_along()  # unless they went with the first screen's read
        gc.freeze()
        gc.enable()

    def _install_hang_up(self) -> None:
        """SIGHUP (the tmux session killed, ssh dropped) and SIGTERM: stop without
        losing the queue (see hang_up)."""
        import asyncio
        import signal

        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self.hang_up)
        except (RuntimeError, NotImplementedError, ValueError):
            pass  # not the main thread (some tests): the default handling stays

    def hang_up(self) -> None:
        """Let the worker try the queued changes for a few seconds; whatever
        still cannot be written is kept (see unsaved.keep); then exit."""
        self.shutting_down = True  # screens are left alone: the terminal may be gone
        code = 0
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.wait_idle(HANG_UP_WAIT_SECONDS)
            left = writer.stop()
            if left:
                code = 1
                changes = [job.envelope.to_json() for job in left]  # type: ignore[union-attr]  # writes
                # The first place that takes them whole, else standard error: never
                # a silent loss (unsaved.keep does not raise for a full disk).
                from warroom.services import unsaved

                unsaved.keep(self.store.path, changes, self.clock())
        self.exit(return_code=code)

    def poll(self) -> None:
        if not self.live:
            return
        if self.store.swapped or self.store.check_files():
            self._set_status()  # nothing is written until someone restarts on the new file
            return
        self.sync()
        self._watch_wake()

    def _watch_wake(self) -> None:
        """Poll as soon as the store's wake descriptor turns readable (another
        process committed), not only on the timer. Registered afresh on every
        poll: a new listening connection may reuse the old one's number."""
        import asyncio

        loop = asyncio.get_running_loop()
        if self._wake_fd is not None:
            loop.remove_reader(self._wake_fd)
        self._wake_fd = self.store.wake_fd() if self.live else None
        if self._wake_fd is not None:
            loop.add_reader(self._wake_fd, self._woken)

    def _woken(self) -> None:
        self.poll()  # reads what woke it: has_changed drains the socket
        if not self.live:  # nobody to tell (poll did not drain it): stop watching
            self._watch_wake()

    def sync(self, force: bool = False, people: bool = True) -> bool:
        """The one change path. Ask the store whether anything was committed
        since it was last asked, by this process or any other (force: our own
        worker just did); if so, tell every subscribed screen, and have the
        worker read what the app itself keeps (the open incidents the alerts
        read). Called by the poll and after every write of this process alike.
        Asking is cheap (a counter, a socket): the reads that follow a change
        run on the worker, never here."""
        if not self.live:
            return False
        if self._looking:  # a look is under way on its thread: a write's own is news
            if force:
                self.read(
                    lambda store: (store.list_incidents(), store.known_people()), self._kept_read
                )
                self.store_changed_signal.publish(StoreChange())
            return force
        try:
            now = self.store.changed_now()  # never waits on a network
        except (StoreBusy, StoreIOError):
            return False  # the next poll asks again (the marker has not moved on)
        if now is None:  # a server's listener is gone: asked on a thread of its own
            self._look_away()
            now = False
        changed = now or force
        if changed:
            # The screens' reads first (what the person waits to see), then
            # what the app keeps for the alerts and the pickers: handed over
            # together, they go in one round trip.
            with self._holding():
                self.store_changed_signal.publish(StoreChange())
                if people or self._people is None:
                    self.read_sent(_open_incidents_and_people, self._kept_read)
                else:  # our own write, naming nobody new: the pickers' people are as read
                    self.read_sent(lambda store: store.send_incidents(), self._list_read)
        return changed

    def _holding(self) -> AbstractContextManager[None]:
        return self.writer.holding() if self.writer is not None else nullcontext()

    def _sync_after_paint(self, force: bool, people: bool) -> None:
        """sync(force, people) once the screen has painted what is pending;
        several writes landing meanwhile share one."""
        due = self._sync_due
        if due is not None:
            self._sync_due = (due[0] or force, due[1] or people)
            return
        self._sync_due = (force, people)
        if not self.call_after_refresh(self._sync_when_due):
            self._sync_when_due()  # closing: at once (sync itself says whether it may)

    def _sync_when_due(self) -> None:
        due, self._sync_due = self._sync_due, None
        if due is not None:
            self.sync(force=due[0], people=due[1])

    def _kept_read(self, kept) -> None:
        self.open_incidents, self._people = kept

    def _list_read(self, incidents) -> None:
        self.open_incidents = incidents

    def _names_someone_new(self, envelope) -> bool:
        """The write may have added someone the pickers should offer: its
        actor, or a person, owner or assignee it names, not among them yet."""
        known = self._people
        if known is None:
            return True
        change = envelope.write
        names = {envelope.actor, *(getattr(change, f, "") for f in ("person", "owner", "assignee"))}
        return any(name and name not in known for name in names)

    def _people_read(self, people) -> None:
        self._people = people

    def with_people(
        self, node, then: Callable[[list[str]], None], what: str = "the people to choose from"
    ) -> None:
        """then(people), the people the pickers offer: as the worker last read
        them, at once (a chooser opens without waiting on the database); before
        its first read of them, read on the worker first, the keys typed
        meanwhile waiting for the chooser. When they cannot be read, that is
        said (what) and the chooser opens with none: a name can still be typed."""
        if self._people is not None:
            then(list(self._people))
            return

        def read(people: list[str]) -> None:
            self._people = people
            then(list(people))

        read_then(
            node,
            lambda store: store.known_people(),
            read,
            what,
            hold=True,
            otherwise=lambda: then([]),
        )

    def hold_keys(self) -> Callable[[], None]:
        """Keys typed from now wait in the key gate (the screen in front is
        building) until the function returned is called: what a read on the
        worker is about to open (a dialog) is what they are for. A screen
        that holds keys already (loading), or cannot (a dialog), is left be."""
        screen = self.screen
        if isinstance(screen, WarRoomScreen):
            if not screen.hold_keys():
                return _let_go
            # A change that comes meanwhile is read once it lets go; a read of
            # one already on its way comes back while it holds them and is
            # not drawn then (the room draws nothing while building): read
            # again once it lets go.
            on_its_way = not self.store_settled

            def let_go() -> None:
                screen.release_keys()
                if on_its_way and self.live and screen in self.screen_stack:
                    screen.refresh_from_store()

            return let_go
        if not isinstance(screen, StartupScreen) or screen.building:
            return _let_go
        screen.building = True

        def release() -> None:
            screen.building = False

        return release

    def checkpoint(self) -> None:
        if not self.live:
            return
        writes = self._worker_writes()
        if writes == self._checkpointed_writes:
            return  # nothing of ours to copy back (other processes checkpoint their own)
        self._checkpointed_writes = writes
        self.run_worker(self.store.checkpoint, thread=True, exclusive=True, group="checkpoint")

    def _worker_writes(self) -> int:
        store = self.writer.store if self.writer is not None else None
        return self.store.local_writes + (store.local_writes if store is not None else 0)

    def tick(self) -> None:
        if not self.live:
            return  # shutting down: no screen to tick (or one being taken down)
        now = self.clock()
        self.tick_signal.publish(now)
        self.raise_alerts(now)

    def flush_typing(self) -> None:
        """Every screen writes what was typed and not yet saved (or queues it) now."""
        if self.live:
            self.flush_signal.publish(None)

    def raise_alerts(self, now: datetime) -> None:
        """A toast per clock that just turned due soon or overdue, and one bell."""
        alerts = self.alerts.check(self.open_incidents, now)
        if not alerts or not self.config.notifications:
            return
        for alert in alerts:
            what = "stakeholder update" if alert.clock == "update" else f"{alert.clock} clock"
            if alert.clock.startswith("task "):  # a task's due time (alerts.check_tasks)
                what = one_line(alert.clock)[:50]
            left = fmt_clock(timedelta(seconds=alert.remaining_seconds))
            when = f"{left} left" if alert.remaining_seconds >= 0 else f"{left} over"
            self.notify(
                f"#{alert.incident_id} {one_line(alert.title)[:40]}: {what} {alert.state} ({when})",
                title="Overdue" if alert.state == "overdue" else "Due soon",
                severity="error" if alert.state == "overdue" else "warning",
                timeout=15,
                markup=False,
            )
        if self.config.bell:
            self.bell()

    def run_publish_hook(self, incident_id: int, text: str, entry) -> None:
        """Hand a published update to the team's hook, off the UI thread (the
        steps of usecases.publish, which the CLI runs one after another): the
        incident as the publish left it is read on the database worker, the
        hook runs on a thread of its own."""
        if not self.config.publish_command:
            return
        # Loaded with the first hook: the war room starts without it.
        from warroom.services import usecases

        def hook(incident) -> None:
            skipped = usecases.hook_skipped(self.policy, self.config, incident)
            if skipped is not None:
                self._hook_done(incident_id, entry, skipped)
                return

            def work() -> None:
                outcome = usecases.run_hook(self.config, incident, entry)
                self.call_from_thread(self._hook_done, incident_id, entry, outcome)

            self.run_worker(work, thread=True, exclusive=False, group="publish-hook")

        self.read(
            lambda store: store.get_incident(incident_id),
            hook,
            told(self, "the incident for the publish hook (it did not run)"),
        )

    def _hook_done(self, incident_id: int, entry, outcome: HookOutcome) -> None:
        if self.shutting_down:
            return
        self.write(RecordEvent(incident_id, outcome.summary, outcome.event, entry.id))
        ok = outcome.result.ok
        self.notify(outcome.summary, severity="information" if ok else "error", markup=False)

    # --------------------------------------------------------------- intents
    def _start_writer(self) -> None:
        """The database worker: a thread with a store connection of its own."""
        ui = self.store

        def open_store() -> Store:
            store = ui.another(busy_timeout=WRITE_WAIT_SECONDS)
            # A lost answer to COMMIT is asked about once, not waited on: the
            # write stays at the head and its retry, under its key, lands once.
            store.db.in_doubt_wait = 0.0
            store.defer_checkpoints()  # copied back by the app's checkpoint worker
            return store

        def deliver(fn, *args) -> None:
            # post_message is thread-safe: the call runs on the app's loop, in
            # order, as the handler of a message (refused once the app closed).
            self.post_message(Delivered(fn, args))

        self.writer = Writer(
            open_store, deliver, self._write_outcome, self._write_blocked, RETRY_SECONDS
        )
        self.writer.start()

    def on_unmount(self) -> None:
        self._stop_writer()

    @on(Delivered)
    def _delivered(self, message: Delivered) -> None:
        message.fn(*message.args)

    def _stop_writer(self) -> None:
        """Leaving: the writes in flight land first (briefly waited for) unless
        the database is blocked; what is left was dropped on purpose (quit
        anyway) or is kept by hang_up."""
        writer, self.writer = self.writer, None
        if writer is None:
            return
        if not self._blocked_now and not self._dropping:
            writer.wait_idle(HANG_UP_WAIT_SECONDS)
        left = writer.stop()
        self._in_hand = [job for job in self._in_hand if job in left]  # the rest landed
        if left and not self._dropping:
            changes = [job.envelope.to_json() for job in left]  # type: ignore[union-attr]  # writes
            from warroom.services import unsaved

            unsaved.keep(self.store.path, changes, self.clock())

    @property
    def store_settled(self) -> bool:
        """The database worker has nothing in hand that will finish by itself:
        every job done and handed back, or the head write blocked (it waits
        for the lock, the disk or the server)."""
        if self._looking:  # the first look at the change marker is not back yet
            return False
        if self._sync_due is not None:  # a write landed: its sync waits for the frame
            return False
        return self.writer is None or self.writer.idle or self._blocked_now

    @property
    def store_blocked(self) -> bool:
        """The worker's head write waits on a lock, a full disk or the server."""
        return self._blocked_now

    @property
    def pending(self) -> list[Job]:
        """The writes handed to the worker whose outcome is not back yet, in order."""
        return list(self._in_hand)

    def write(
        self,
        change: Write,
        *,
        on_done: Callable | None = None,
        on_conflict: Callable | None = None,
        replaces: object = None,
        on_fail: Callable | None = None,
    ) -> None:
        """Hand one write record to the database worker; never waits for it.

        The change travels in an Envelope: its idempotency key (so a retry
        after a lost answer, or a replay of the unsaved file, lands once), who
        typed it and when. It shows at once as pending (pending_signal) and
        lands in the order typed; while another process holds the database,
        the disk refuses or the server is unreachable, it waits in the queue
        (retried every half second; `replaces` lets a newer write of the same
        thing replace a queued one) and the header says so. on_done gets the
        result when it lands (None when it had landed already and only its
        answer was lost); on_conflict a DraftConflict; on_fail the store's
        refusal, which is also shown."""
        envelope = Envelope(change, self.store.identity, self.clock())
        job = Job(envelope=envelope, replaces=replaces, callbacks=(on_done, on_conflict, on_fail))
        if self.writer is None:  # not mounted yet, or gone: nothing may be lost
            self._start_writer()
        dropped = self.writer.submit(job)  # type: ignore[union-attr]  # started just above
        self._in_hand = [j for j in self._in_hand if j not in dropped]
        self._in_hand.append(job)
        self.pending_signal.publish(None)
        self._set_status()  # while blocked, the header counts this one too

    def unseen_writes(self, read_through: int) -> list[Envelope]:
        """Our writes a read done through read_through does not show: landed
        after it, or not landed yet; in the order typed. A screen shows them
        on top of what it read (writes.project)."""
        landed = [job.envelope for job in self._landed if job.seq > read_through]
        return [*landed, *(job.envelope for job in self.pending)]  # type: ignore[list-item]

    def writes_done_through(self) -> int:
        """For a read made here, now: every write up to this one is in the store."""
        return self.writer.done_through if self.writer is not None else 0

    def read(
        self,
        fetch: Callable[[Store], object],
        then: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run fetch(store) on the database worker, after the writes handed to
        it before; then(result) runs here with what it read. A read that fails
        (the server gone) is dropped, the next change asks again, unless
        failed(exc) is given: it runs here instead."""
        if self.writer is None:
            return
        if self._looking:
            fetch = self._heard(fetch)
        self.writer.submit(Job(fetch=fetch, then=then, callbacks=failed))

    def read_sent(
        self,
        send: Callable[[Store], Callable[[], object]],
        then: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """As read, for a read given in two steps (Store.read_together): the
        worker sends it with the reads given so right behind it, so what a
        change asks for costs one round trip on a server."""
        if self.writer is None:
            return
        if self._looking:
            send = self._heard(send)  # type: ignore[assignment]
        self.writer.submit(Job(send=send, then=then, callbacks=failed))

    def _heard(self, fetch: Callable[[Store], object]) -> Callable[[Store], object]:
        """fetch, noting (on the worker) whether it began before the first
        look at the change marker was done (see _first_look)."""
        listening = self._listening

        def noted(store: Store) -> object:
            if listening is not None and not listening.is_set():
                self._read_unheard = True
            return fetch(store)

        return noted

    def read_soon(
        self,
        fetch: Callable[[Store], Any],
        then: Callable[[Any], None],
        failed: Callable[[BaseException], None],
        *,
        sent: bool = False,
    ) -> None:
        """A screen's first read: on the database worker, as every read (a
        local file too: a lock or a slow disk never holds up the screen; it
        shows that it is loading, and keys typed meanwhile wait for it);
        failed(exc) says why it could not be read. sent: fetch is given in
        two steps (read_sent), and what the app keeps and has not read yet
        goes with it (one round trip on a server)."""
        if not sent:
            self.read(fetch, then, failed)
            return
        with self._holding():
            self.read_sent(fetch, then, failed)
            self._ask_along()

    def write_from(self, build: Callable[[], Write | None], **callbacks):
        """Build a write record from what was typed (times parsed against the
        moment enter was pressed), then write it. A refusal while building is
        said as the store's refusals are; None from build writes nothing."""
        try:
            change = build()
        except WarroomError as exc:
            self.notify(str(exc), severity="error", markup=False)
            if callbacks.get("on_fail") is not None:
                callbacks["on_fail"](exc)
            return
        if change is not None:
            self.write(change, **callbacks)

    def retry_pending(self) -> None:
        """Try the blocked writes again now (the worker retries by itself too)."""
        if self.writer is not None and self._blocked_now:
            self._blocked_now = False  # until the worker says otherwise
            self.writer.retry_now()

    def _write_blocked(self, exc: BaseException) -> None:
        """The worker's head write met a lock, a full disk or no server."""
        if isinstance(exc, StoreIOError):
            self.blocked = exc.header
        elif isinstance(exc, StoreBusy):
            self.blocked = "WAITING FOR DATABASE"
        else:  # the worker could not open its connection
            self.blocked = "DATABASE UNREACHABLE"
        self._blocked_now = True
        self._set_status()
        self.pending_signal.publish(None)  # what waits is listed at once now

    def _write_outcome(self, job: Job, outcome: str, value) -> None:
        """A job the worker finished, delivered on the app's loop."""
        if job.envelope is None:  # a read
            if self.shutting_down:
                return
            if outcome == DONE and job.then is not None:
                self.read_through = job.read_through  # what `then` may ask of unseen_writes
                job.then(value)
            elif outcome != DONE and job.callbacks is not None:
                job.callbacks(value)  # failed(exc)
            return
        on_done, on_conflict, on_fail = job.callbacks
        if job in self._in_hand:
            self._in_hand.remove(job)
        was_blocked, self._blocked_now = self._blocked_now, False
        if outcome == DONE:
            self._landed = [*self._landed[-99:], job]
            # Our own commit takes the path anyone else's takes: the store's
            # marker says it (the worker's commits count), once, whether the
            # poll or this asks first; while the first look is still being
            # taken (a server), it is news by itself. Asked once the frame
            # showing the write (pending) is painted: the read-back never
            # delays what the key itself shows.
            self._sync_after_paint(self._looking, self._names_someone_new(job.envelope))
            if on_done is not None and self.live:
                on_done(value)
        elif outcome == CONFLICT:
            if on_conflict is not None and self.live:
                on_conflict(value)
            else:
                self.notify(str(value), severity="warning", markup=False)
            self.sync(force=True)  # someone else's draft won: shown as any change is
        elif outcome == REFUSED:
            severity = "warning" if self.store.read_only else "error"
            self.notify(str(value), severity=severity, markup=False)
            if on_fail is not None and self.live:
                on_fail(value)
        else:  # a bug: said, never hidden; the queue goes on
            self.notify(
                f"Could not save {job.envelope.describe()}: {value!r}",
                severity="error",
                markup=False,
            )
        self.pending_signal.publish(None)
        self._set_status()
        if was_blocked and not self.pending and self.live:
            self.notify("Database writable again: queued changes saved")

    def _set_status(self) -> None:
        if self.store.swapped:
            held = f"{len(self.pending)} changes held" if self.pending else "nothing written"
            gone = "REMOVED" if " was removed " in self.store.swapped else "REPLACED"
            self.status_note = f"DATABASE FILE {gone}: {held}, restart warroom"
        elif self._blocked_now and self.pending:
            retry = "" if self.blocked == "WAITING FOR DATABASE" else ", retrying"
            self.status_note = f"{self.blocked} ({len(self.pending)} queued{retry})"
        else:
            self.status_note = "READ-ONLY" if self.store.read_only else ""
        if self.status_note != self._shown_status:
            self._shown_status = self.status_note
            self.refresh_screen_header()

    def toggle_utc(self) -> None:
        """z: every screen's times in UTC, or in local time, at once."""
        self.utc = not self.utc
        self.times_changed_signal.publish(self.utc)
        self.notify("Times in UTC" if self.utc else "Times in local time")

    def open_incident(self, incident_id: int) -> bool:
        """Open the incident's war room now: it reads itself (see
        WarRoomScreen.on_mount) and goes again, saying why, if there is no
        such incident or it cannot be read."""
        self._show_first(WarRoomScreen(incident_id))
        return True

    def _replace_front(self, screen: Screen) -> None:
        """screen in place of the one in front. The war room that is the app's
        first screen (see get_default_screen) cannot go: Textual keeps its
        first screen for good. It stays under the others, at rest: its
        subscriptions end, so it reads and draws nothing more."""
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
            return
        first = self.screen
        if isinstance(first, WarRoomScreen):
            first.flush_draft()  # typing not saved yet is written, as when it is left
        for signal in (
            self.store_changed_signal,
            self.tick_signal,
            self.times_changed_signal,
            self.flush_signal,
            self.pending_signal,
        ):
            signal.unsubscribe(first)
        self.push_screen(screen)

    def back_to_list(self) -> None:
        """Leave a war room for the incident list, building the list if needed
        (once the list can be read: else the war room stays, and says why)."""
        from warroom.tui.screens.incidents import IncidentsScreen

        below = self.screen_stack[-2] if len(self.screen_stack) > 1 else None
        if isinstance(below, IncidentsScreen):
            self.pop_screen()
            return
        room = self.screen
        # Keys typed behind escape are for the list: they wait while it is read.
        held = room if isinstance(room, WarRoomScreen) and room.hold_keys() else None

        def readable(_incidents) -> None:
            if held is not None:
                held.release_keys()
            if self.live and self.screen is room:
                self._replace_front(IncidentsScreen())

        def unreadable(exc: BaseException) -> None:
            if held is not None:
                held.release_keys()
            if isinstance(exc, StoreBusy | StoreIOError):
                self.cannot_read(exc, "the incident list")

        self.read_soon(lambda store: store.list_incidents(), readable, unreadable)

    def action_declare(self, form: dict | None = None) -> None:
        def done(form: dict | None) -> None:
            if not form:
                return
            # The keys typed behind enter are for the new incident's war room:
            # they wait while its write is on the worker, for a moment at most
            # (a declaration queued for a busy or unreachable database lets them
            # go to the list, which says it is queued).
            holding = _Choosing(f"warroom · declaring {one_line(form['title'])}…")
            self.push_screen(holding)

            def let_go() -> None:
                if self.screen is holding:
                    self.pop_screen()

            self.set_timer(DECLARE_HOLD_SECONDS, let_go)

            def opened(incident) -> None:
                let_go()
                while isinstance(self.screen, WarRoomScreen) and len(self.screen_stack) > 1:
                    self.pop_screen()
                if isinstance(self.screen, WarRoomScreen):  # the app's first screen
                    self._replace_front(WarRoomScreen(incident.id))
                else:
                    self.open_incident(incident.id)

            def refused(_exc: BaseException) -> None:
                let_go()
                self.action_declare(form)  # the dialog comes back with what was typed

            self.write(
                Declare(
                    form["title"],
                    form["category"],
                    form["priority"],
                    form["reported_at"],
                    drill=form.get("drill", False),
                ),
                on_done=opened,
                on_fail=refused,  # the message is shown
            )

        # Dialogs are imported when first used: start-up pays only for the war room.
        from warroom.tui.screens.declare import DeclareModal
        from warroom.tui.screens.modals import refused_read_only

        if refused_read_only(self):
            return
        self.push_screen(DeclareModal(self.policy, self.clock, form), done)

    def action_report(self) -> None:
        from warroom.tui.screens.report import ReportScreen

        self.push_screen(ReportScreen())

    def action_identity(self, on_digit=None) -> None:
        """Ask who to act as; on_digit takes a digit typed first instead of a name."""

        def done(name: str | None) -> None:
            if not name:
                return
            try:
                self.store.identity = clean_name(name, "name")
            except UsageError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"Now acting as {self.store.identity}")
            self.refresh_screen_header()

        def pick(people: list[str]) -> None:
            from warroom.tui.screens.modals import PersonPicker

            title = f"Act as (now {self.store.identity})"
            self.push_screen(PersonPicker(title, people, on_digit=on_digit), done)

        self.with_people(self.screen, pick, "the people to act as")

    def cannot_read(self, exc: WarroomError, what: str, leave: Screen | None = None) -> None:
        """The one way a failed read of the store is told (see widgets.reads):
        a toast naming the database's state and what could not be read, once
        while it stays the same (timers and signals read again); `leave`, a
        screen whose first read failed, goes, back to the one below it."""
        import time

        state = exc.header.capitalize() if isinstance(exc, StoreIOError) else "Database busy"
        message = f"{state}: {what} cannot be read now ({exc})"
        now = time.monotonic()
        said, until = self._unread_said
        if self.live and (message != said or now >= until):
            self._unread_said = (message, now + UNREADABLE_TOAST_SECONDS)
            self.notify(message, severity="error", timeout=UNREADABLE_TOAST_SECONDS)
        if leave is not None:
            self.leave_unopened(leave)

    def leave_unopened(self, leave: Screen) -> None:
        """A screen whose first read failed goes, back to the one below it."""
        if self.live and leave in self.screen_stack:
            if self.screen is not leave:
                return  # something was opened over it meanwhile: it stays, as it is
            if len(self.screen_stack) > 2:
                self.pop_screen()
            else:  # opened first, straight from the command line: the list instead
                from warroom.tui.screens.incidents import IncidentsScreen

                self.switch_screen(IncidentsScreen())

    def refresh_screen_header(self) -> None:
        from warroom.tui.screens.incidents import IncidentsScreen
        from warroom.tui.screens.modals import QuitModal

        if not self.live:
            return
        # Every screen of the stack, not only the top: a dialog up when the queue
        # drains must not leave the header below it saying "N queued".
        for screen in list(self.screen_stack):
            if isinstance(screen, WarRoomScreen):
                screen._show_board()
            elif isinstance(screen, IncidentsScreen):
                screen.refresh_from_store()
            elif isinstance(screen, QuitModal):
                screen._show()
            else:
                for header in screen.query("#retro-header"):
                    header.refresh()

    def action_help(self) -> None:
        from warroom.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_request_quit(self) -> None:
        from warroom.tui.screens.modals import ConfirmModal, QuitModal

        if isinstance(self.screen, ConfirmModal | QuitModal):
            return
        # Typing in the draft is saved (or queued) before anyone is asked.
        self.flush_typing()

        def done(yes: bool | None) -> None:
            if yes:
                self._dropping = bool(self.pending)  # 'quit anyway': dropped, as it says
                if self._dropping:
                    self._stop_writer()  # now: no retry may land them on the way out
                self.exit(0)

        if self.writer is not None and not self._blocked_now:
            self.writer.wait_idle(0.5)  # a write in flight is not 'queued': let it land
        if self.pending:
            self.push_screen(QuitModal(self.waiting_changes), done)
            return
        self.push_screen(
            ConfirmModal(
                "Quit warroom?",
                "Everyone attached to this tmux session loses the room too.",
            ),
            done,
        )

    # Every way out asks what q asks: Textual's own quit (its palette command,
    # an `app.quit` action) and ctrl+c outside a text field (in one it copies a
    # selection, and is no way out: typing a note, it must not open a dialog).
    async def action_quit(self) -> None:
        self.action_request_quit()

    def action_help_quit(self) -> None:
        from textual.widgets import Input, TextArea

        if not isinstance(self.focused, Input | TextArea):  # there it copies, or does nothing
            self.action_request_quit()

    def waiting_changes(self) -> list[str]:
        """What the queue holds, for people: 'note: disk is at 98%', ..."""
        return [p.envelope.describe() for p in self.pending]  # type: ignore[union-attr]  # writes

    # ----------------------------------------------------- command palette
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action, each with the key that does it where there is one."""
        keys = self._keys_by_action(screen)
        in_panels = self._panel_keys_by_action(screen)

        from textual.markup import escape as markup_escape

        def command(
            title: str, help_text: str, callback, action: str = "", said: str = ""
        ) -> SystemCommand:
            if key := keys.get(action):
                help_text = f"{help_text} · {said}key {key}"
            elif key := in_panels.get(action):
                help_text = f"{help_text} · {said}keys {key}"
            return SystemCommand(title, help_text, callback)

        for textual_command in super().get_system_commands(screen):
            if textual_command.callback != self.action_quit:  # ours below says it asks
                yield textual_command
        yield command(
            "Quit",
            "Asks first (what is not saved yet is named)",
            self.action_request_quit,
            "request_quit",
        )
        yield command(
            "Declare an incident", "Open the declare dialog", self.action_declare, "declare"
        )
        yield command("Act as someone else", "Switch identity", self.action_identity, "identity")
        yield command(
            "Report across incidents",
            "Times, clocks met, updates, action items",
            self.action_report,
            "report",
        )
        if isinstance(screen, WarRoomScreen):
            for number, name in enumerate(("checklist", "roles", "clocks", "notes", "update"), 1):
                yield command(
                    f"Go to {name}",
                    f"Focus panel {number}",
                    lambda n=number: screen.action_panel(n),
                    f"panel({number})",
                )
            from warroom.tui.screens.modals import ask_milestone_time

            for clock in (
                "acknowledge",
                "triage",
                "remediate",
                "retro",
                "impact-start",
                "impact-end",
            ):
                yield command(
                    f"Record milestone: {clock}",
                    "At a time you give (enter: now), or move it",
                    lambda c=clock: ask_milestone_time(self, screen.incident_id, c),
                    f"milestone({clock!r})",
                    "now: ",
                )
            for role in self.policy.roles:
                yield command(
                    f"Assign {role}",
                    "Pick a person",
                    lambda r=role: screen.assign_role(r),
                    f"assign_role({role!r})",
                )
            yield command("Write a note", "Into the note input", screen.action_note, "note")
            # The policy's own names (markup in them shown as typed: help is markup).
            priorities = "/".join(self.policy.priority_choices)
            yield command(
                "Change priority", markup_escape(priorities), screen.action_priority, "priority"
            )
            stages = "/".join(self.policy.stages)
            yield command("Change stage", markup_escape(stages), screen.action_stage, "stage")
            yield command(
                "Set the public title",
                "What public exports call it",
                screen.action_public_title,
                "public_title",
            )
            yield command(
                "Publish the draft update",
                "Public update",
                screen.on_draft_keys_publish,
                "publish",
            )
            yield command(
                "Toggle UTC / local time", "Times shown", screen.action_toggle_utc, "toggle_utc"
            )
            yield command("Back to incidents", "The incident list", screen.action_back, "back")
            yield command(
                "Close or reopen the incident",
                "Asks first",
                screen.action_close_incident,
                "close_incident",
            )
            yield command("Open the retro", "Five whys, action items", screen.action_retro, "retro")
            if screen.board is not None and screen.board.incident.drill:
                yield command(
                    "Turn the drill into a real incident",
                    "Asks why first",
                    screen.action_make_real,
                    "make_real",
                )
            yield command(
                "Export the retro document", "md, json, csv", screen.action_export, "export"
            )
        from warroom.tui.screens.retro import RetroScreen

        if isinstance(screen, RetroScreen):
            yield command(
                "Record that the retro was held", "Retro", screen.action_retro_held, "retro_held"
            )
            yield command("Export the retro document", "Retro", screen.action_export, "export")

    def _keys_by_action(self, screen: Screen) -> dict[str, str]:
        """The keys (as remapped) of the app's and the screen's own bindings, by action."""
        keys: dict[str, str] = {}
        for node in (screen, self):
            bindings = remapped_bindings(node, self)
            for found in bindings.key_to_bindings.values():
                for binding in found:
                    keys.setdefault(binding.action, self.get_key_display(binding))
        return keys

    def _panel_keys_by_action(self, screen: Screen) -> dict[str, str]:
        """The keys (as remapped) of the panels' own bindings, by action, as typed
        from the screen: the panel's number, then the key ('3 then a')."""
        keys: dict[str, str] = {}
        for node in keyed_nodes(screen):
            group = getattr(node, "HELP_GROUP", "") or ""
            number = group.split(" ", 1)[0]
            if not number.isdigit():
                continue
            bindings = remapped_bindings(node, self)
            for found in bindings.key_to_bindings.values():
                for binding in found:
                    keys.setdefault(
                        binding.action, f"{number} then {self.get_key_display(binding)}"
                    )
        return keys

    def search_themes(self) -> None:
        """The theme list, with the theme in use marked."""
        from textual.command import CommandPalette

        from warroom.tui.screens.themes import MarkedThemes

        self.push_screen(CommandPalette(providers=[MarkedThemes], placeholder="Search for themes…"))


def _let_go() -> None:
    """Keys held by nobody: nothing to let go."""


def _open_incidents_and_people(store: Store) -> Callable[[], tuple]:
    """What the app keeps (the open incidents for the alerts, the people for
    the pickers), read in two steps (Store.read_together)."""
    incidents, people = store.send_incidents(), store.send_people()
    return lambda: (incidents(), people())


def make_app(store: Store, policy: Policy, **kwargs) -> WarRoomApp:
    """The one factory that builds the app, for the CLI and for tests alike."""
    return WarRoomApp(store, policy, **kwargs)


def run_app(store: Store, policy: Policy, **kwargs) -> int:
    app = make_app(store, policy, **kwargs)
    # The terminal's bytes read with pastes whole and ESC+digit as alt+digit,
    # and written by a thread that outlives the terminal hanging up.
    use_terminal_driver(app)
    try:
        app.run()
    finally:
        gc.enable()  # if it ended before its first frame
    return app.return_code or 0
