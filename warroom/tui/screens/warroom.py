"""The war room for one incident: header and five panels, all from the keyboard.

Keys become intents on the app, which writes through the store; panels are
redrawn from what the store then holds, for local and remote changes alike."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypeVar, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.css.query import NoMatches
from textual.reactive import Reactive
from textual.widget import Widget

from warroom.core.errors import DraftConflict, UsageError
from warroom.core.model import Board, TimelineEntry
from warroom.core.record import replace
from warroom.core.templates import TEMPLATES, draft_text, draft_warnings, follow, render_template
from warroom.core.timefmt import (
    fmt_short_time,
    parse_time,
    split_time_prefix,
    typed_zone,
)
from warroom.services.writes import (
    AddEntry,
    Assign,
    MakeReal,
    Publish,
    RecordMilestone,
    SaveDraft,
    SetCheck,
    SetPriority,
    SetPublicTitle,
    SetStage,
    Unassign,
    project,
)
from warroom.store.room import RoomRead
from warroom.tui.first_read import TIMELINE_PAGE
from warroom.tui.screens import warroom_tasks
from warroom.tui.screens.panels import PanelScreen
from warroom.tui.widgets.checklist import ChecklistList, ChecklistPanel
from warroom.tui.widgets.clocks import ClocksPanel, ClockView
from warroom.tui.widgets.common import KeptLines, Panel
from warroom.tui.widgets.draft import DraftPanel, DraftView, version_labels
from warroom.tui.widgets.header import IncidentHeader
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.owned import shown, while_shown
from warroom.tui.widgets.reads import UNREADABLE, read_then, reads
from warroom.tui.widgets.roles import RoleList, RolesPanel
from warroom.tui.widgets.timeline import TimelinePanel, TimelineView

if TYPE_CHECKING:
    from warroom.tui.widgets.tasks import TaskList


def _dialogs():
    """Dialogs are imported when first used: start-up pays only for the war room."""
    from warroom.tui.screens import modals

    return modals


W = TypeVar("W", bound=Widget)
ROLES_ROWS, CLOCKS_ROWS = 8, 13  # the right-hand column's first two rows, as in warroom.tcss


class RoomGrid(KeptLines, Container):
    """The grid behind the panels (its lines kept: see KeptLines)."""


class WarRoomScreen(KeptLines, PanelScreen):  # type: ignore[misc]
    PANEL_NAMES = ("Checklist", "Roles", "Clocks", "Notes", "Update")
    TABS_AFTER = "#header"  # the tab strip is made once the room is first compact
    # Screen's own `focused` repaints the whole screen when focus moves
    # (opening the hand-off chooser, a number key): every widget whose look
    # depends on focus is restyled, and repaints, by itself.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    BINDINGS = [
        Binding("1", "panel(1)", "Checklist", show=False, id="warroom.panel1"),
        Binding("2", "panel(2)", "Roles", show=False, id="warroom.panel2"),
        Binding("3", "panel(3)", "Clocks", show=False, id="warroom.panel3"),
        Binding("4", "panel(4)", "Notes", show=False, id="warroom.panel4"),
        Binding("5", "panel(5)", "Update", show=False, id="warroom.panel5"),
        # From inside a text field too (digits there are text): what was typed stays.
        *(
            Binding(
                f"alt+{n}",
                f"panel({n})",
                f"Panel {n}",
                show=False,
                priority=True,
                id=f"warroom.alt_panel{n}",
            )
            for n in range(1, 6)
        ),
        Binding(
            "tab",
            "cycle_panel(1)",
            "Next panel",
            show=False,
            priority=True,
            id="warroom.next_panel",
        ),
        Binding(
            "shift+tab",
            "cycle_panel(-1)",
            "Previous panel",
            show=False,
            priority=True,
            id="warroom.prev_panel",
        ),
        Binding("n", "note", "Note", show=False, id="warroom.note", tooltip="Write a note"),
        Binding("p", "priority", "Priority", id="warroom.priority", tooltip="Change priority"),
        Binding("s", "stage", "Stage", id="warroom.stage", tooltip="Change stage"),
        Binding("i", "identity", "Act as", id="warroom.identity", tooltip="Switch who you act as"),
        Binding("t", "tasks", "Tasks", show=False, id="warroom.tasks", tooltip="Tasks / checklist"),
        Binding("z", "toggle_utc", "UTC/local", show=False, id="warroom.utc", tooltip="Time zone"),
        Binding("X", "close_incident", "Close/reopen", show=False, id="warroom.close"),
        Binding("R", "retro", "Retro", show=False, id="warroom.retro"),
        Binding("E", "export", "Export", show=False, id="warroom.export"),
        Binding(
            "D",
            "make_real",
            "Drill is real",
            show=False,
            id="warroom.real",
            tooltip="Turn a drill into a real incident",
        ),
        Binding("escape", "back", "Incidents", id="warroom.back", tooltip="Back to the list"),
    ]

    def __init__(self, incident_id: int, room: RoomRead | None = None):
        """room: the room as the database worker read it for this screen (the
        app reads it before the first screen opens, so that screen's first
        frame is the whole room); None: the screen reads it as it mounts."""
        super().__init__()
        self.incident_id = incident_id
        # Read before the screen shows (None only until then: no key reaches it).
        self.board: Board = None  # type: ignore[assignment]
        self.seen_revision = -1
        self._read_through = 0  # our writes the board read shows (see shown_board)
        self._board_on_screen: Board | None = None  # what _show_board last drew
        self._shown: dict[str, object] = {}
        self.building = True  # until the room is read and shown: keys wait
        if room is not None:  # read_through: what the read that brought it saw
            self._room, self._room_through = room, self.app.read_through

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield IncidentHeader(self.app.policy, id="header")
        tabs = self.tab_strip()
        if tabs is not None:
            yield tabs
        with RoomGrid(id="grid"):
            yield from self._panels()
        yield KeyBar()

    def _panels(self) -> list[Panel]:
        policy = self.app.policy
        return [
            ChecklistPanel(policy, id="panel-1", classes="-active"),
            RolesPanel(policy, id="panel-2"),
            ClocksPanel(policy, id="panel-3"),
            TimelinePanel(id="panel-4"),
            DraftPanel(policy, id="panel-5"),
        ]

    def on_mount(self) -> None:
        # The room is read in one go (store.room: one round trip on a server)
        # by the database worker, never here: opened with the room already
        # read (the first screen), it is filled before its first frame;
        # else the frame says it is loading, and keys typed meanwhile wait in
        # the key gate (building) and land on the room once it is filled.
        app, iid = self.app, self.incident_id
        # Subscribed first: a change seen before the room is shown is read
        # again once it is (see _open), never missed.
        app.store_changed_signal.subscribe(self, self._signal_changed, immediate=True)
        app.tick_signal.subscribe(self, self._signal_tick, immediate=True)
        app.times_changed_signal.subscribe(self, self._signal_times, immediate=True)
        app.flush_signal.subscribe(self, self._signal_flush, immediate=True)
        app.pending_signal.subscribe(self, self._signal_pending, immediate=True)
        if self._room is not None:
            self._open()
            return
        self._show_board()  # the header says it is loading
        app.read_soon(
            lambda store: store.send_room(iid, TIMELINE_PAGE),
            self._room_read,
            self._room_failed,
            sent=True,
        )

    _room: RoomRead | None = None  # the room as read, until it is shown
    _missed = False  # a change came while loading: read again once shown
    _tasks_shown_as: tuple | None = None  # the tasks a change last showed, and to whom

    def _room_read(self, room: RoomRead) -> None:
        self._room, self._room_through = room, self.app.read_through
        self._open_when_ready()

    def _room_failed(self, exc) -> None:
        if isinstance(exc, UNREADABLE):
            self.app.cannot_read(exc, "the incident", leave=self)
        else:  # no such incident: said, and the room goes as an unreadable one does
            self.app.notify(str(exc), severity="error", markup=False)
            self.app.leave_unopened(self)

    def _open_when_ready(self) -> None:
        if self._room is None or not self.building:
            return
        if not shown(self):
            return
        self._open()

    def _open(self) -> None:
        app = self.app
        self.building = False
        assert self._room is not None  # _open runs once the room was read
        self.load(self._room)
        self._room = None
        self.query_one(ChecklistList).focus()
        app.call_after_refresh(app.started)  # start-up is over once this paints
        if self._missed:
            self._missed = False
            self.refresh_from_store()

    def hold_keys(self) -> bool:
        """Keys wait in the key gate (building) until release_keys: what they
        are for is being read (the list, on the way back to it). False when
        the room is still loading (its keys wait already)."""
        if self.building:
            return False
        self.building = True
        return True

    def release_keys(self) -> None:
        self.building = False
        if self._missed and shown(self):  # a change came meanwhile: shown now
            self._missed = False
            self.refresh_from_store()

    def _signal_changed(self, change) -> None:
        if self.building:
            self._missed = True
            return
        self.refresh_from_store()

    def _signal_tick(self, now: datetime) -> None:
        if self.app.screen is self:  # the clocks move on the screen in front
            self.tick(now)

    def _signal_times(self, utc: bool) -> None:
        if not self.building:  # loading: the room is drawn in the zone of the moment
            self.times_changed()

    def _signal_flush(self, _) -> None:
        if not self.building:  # loading: nothing can have been typed yet
            self.flush_draft()

    def action_panel(self, number: int) -> None:
        self.mark_active(number)
        if number == 5:
            panel = self.query_one(DraftPanel)
            target: Widget = panel.editor or panel.query_one(DraftView)
        elif number == 1 and self.showing_tasks:
            from warroom.tui.widgets.tasks import TaskList  # imported as t opened them

            target = self.query_one(TaskList)
        else:
            kinds: dict[int, type[Widget]] = {
                1: ChecklistList,
                2: RoleList,
                3: ClockView,
                4: TimelineView,
            }
            target = self.query_one(kinds[number])
        # Focus now, not on the next turn of the event loop (as widget.focus()
        # does): "2" then "a" typed fast must assign, not go to the old panel.
        self.set_focus(target)

    def action_note(self) -> None:
        """A note from any panel: straight into the note input."""
        self.action_panel(4)
        panel = self.query_one(TimelinePanel)
        panel.kind = "note"
        self.set_focus(panel.query_one("#note-input"))

    def action_cycle_panel(self, step: int) -> None:
        self.action_panel(self.step_from_active(step))

    # -------------------------------------------------------------------- data
    def load(self, room: RoomRead) -> None:
        """First draw: the board, the end of the timeline and the tasks, as
        read together on the database worker."""
        self._read_through = self._room_through
        self.board = room.board
        self._set_page(room.page)
        self._show_board()
        self._start_draft()
        warroom_tasks.show(self, room.tasks)
        self._tasks_shown_as = (room.tasks, self.app.store.identity)

    @reads("the incident's latest changes")
    def refresh_from_store(self) -> None:
        """Something changed: the database worker reads the board if this
        incident's revision moved, and the timeline entries not seen yet; the
        screen takes them when they come (the UI thread never waits)."""
        iid, seen_revision = self.incident_id, self.seen_revision
        seen_id = self._part(TimelinePanel).view.seen_id

        self.app.read_sent(
            lambda store: store.send_since(iid, seen_revision, seen_id), self._fetched
        )

    def _in_front_or_under(self) -> bool:
        """Still one of the app's screens, its panels made: what a result
        coming back from the database worker may redraw."""
        return not self.building and shown(self)

    def _fetched(self, fetched) -> None:
        if not self._in_front_or_under():
            return
        self._read_through = self.app.read_through
        if fetched is None:
            if self.shown_board != self._board_on_screen:
                self._show_board()  # what landed meanwhile is no longer pending
            return
        board, entries, tasks = fetched  # the tasks with the board: one read
        view = self._part(TimelinePanel).view
        before, self.board = self.board, board
        # What was recorded since: shown where it belongs when that is in the
        # window (a correction marks what it replaces at once); the rest is
        # read with its page on the way there.
        view.append([e for e in entries if e.id > view.seen_id])
        if _same_but_revision(self.shown_board, self._board_on_screen):
            # Our own write, read back as it was shown while pending: nothing
            # to draw again (the revision is all that moved).
            self.seen_revision = board.incident.revision
            self._board_on_screen = self.shown_board
        else:
            self._show_board(before)
        shown_as = (tasks, self.app.store.identity)
        if shown_as != self._tasks_shown_as:  # most changes leave the tasks as they were
            self._tasks_shown_as = shown_as
            warroom_tasks.show(self, tasks)

    def _signal_pending(self, _) -> None:
        # A write just handed over shows at once, as pending; one that changes
        # nothing on the board (a note: it has its own waiting line) costs nothing.
        if self.board is None or not self._in_front_or_under():
            return
        if self.shown_board != self._board_on_screen:
            self._show_board()
        if self.app.store_blocked:
            self._part(TimelinePanel).show_waiting()  # blocked: listed at once

    @property
    def shown_board(self) -> Board:
        """The board as the person sees it: what was read, with our writes
        not yet landed (or not yet read back) on top, so the next key acts on
        what is on screen (a second space unticks the box just ticked)."""
        pending = self.app.unseen_writes(self._read_through)
        if not pending:
            return self.board
        return project(self.board, pending, self.app.policy)

    def _show_board(self, before: Board | None = None) -> None:
        if self.board is None:  # not read yet (or its read failed: the app said why)
            note = self.app.status_note
            self.query_one(IncidentHeader).show_loading(
                f"#{self.incident_id} loading…" + (f" {note}" if note else "")
            )
            return
        board = self._board_on_screen = self.shown_board
        now = self.app.clock()
        utc = self.app.utc
        me = self.app.store.identity
        self._show_header(board, now)
        if self.building:  # the panels are not there yet: they are filled as they open
            return
        self.seen_revision = self.board.incident.revision
        if before is not None:
            for holder in board.handed_to(me, before):
                self.app.notify(
                    f"{holder.assigned_by} made you {holder.role}", title="Role for you", timeout=15
                )
        # Rebuild a list only when what it shows changed: most writes touch one panel.
        # What each panel shows is compared, not the boards: our own write read
        # back differs from its pending self only in times no panel shows.
        checklist = self._part(ChecklistPanel)
        if self._changed("checklist", checklist.shows(board, utc)):
            checklist.show(board, utc)
        roles = self._part(RolesPanel)
        if self._changed("roles", roles.shows(board)):
            roles.show(board)
        self._part(ClocksPanel).show(board.incident, now, utc)
        self._part(DraftPanel).show(board.incident, board.draft, now)
        view = self._part(TimelineView)
        if view.utc != utc:
            view.utc = utc
            view.refresh()
        # The zones the notes' times are in, named on the panel itself (z
        # switches): 'PST/PDT' when some rows are from summer.
        self._part(TimelinePanel).show_zone()

    def _part(self, kind: type[W]) -> W:
        """One of the war room's parts (made once, never replaced), found
        once: a query walks the screen's widgets again whenever anything on it
        was mounted or removed (a toast, the person chooser), and the board is
        drawn on every key that writes."""
        parts = self._parts
        if parts is None:
            parts = self._parts = {}
        part = parts.get(kind)
        if part is None or not part.is_attached:
            part = parts[kind] = self.query_one(kind)
        return cast(W, part)

    _parts: dict[type, Widget] | None = None  # see _part

    def _show_header(self, board: Board, now: datetime) -> None:
        me = self.app.store.identity
        self._part(IncidentHeader).show(
            board.incident, me, now, self.app.status_note, board.roles_of(me)
        )

    def _changed(self, panel: str, shown: object) -> bool:
        if self._shown.get(panel) == shown:
            return False
        self._shown[panel] = shown
        return True

    def _start_draft(self) -> None:
        """A never-saved draft starts from a template (not saved until edited)."""
        panel = self.query_one(DraftPanel)
        board = self.board
        if board.draft.version == 0 and not board.draft.text:
            text = draft_text(self.app.policy, board.incident, "", self.app.clock())
            panel.saved_text = text
            panel.load_text(text)

    def tick(self, now: datetime) -> None:
        # The timer may fire while the screen is being torn down.
        if self.board is None or not self.is_attached:
            return
        try:
            self._part(IncidentHeader).tick(now)
            self._part(ClocksPanel).tick(now)
            self._part(DraftPanel).tick(now)
            warroom_tasks.tick(self, now)
        except NoMatches:
            pass  # the screen is being taken down between two ticks

    # ------------------------------------------------------------------- tasks
    showing_tasks = False
    tasks: list | None = None

    async def action_tasks(self) -> None:
        await warroom_tasks.toggle(self)

    def mark_active(self, number: int) -> None:
        super().mark_active(number)
        warroom_tasks.place(self)

    def on_task_list_act(self, message: TaskList.Act) -> None:
        warroom_tasks.act(self, message.what, message.task_id)

    # ----------------------------------------------------------------- intents
    def on_checklist_list_toggled(self, message: ChecklistList.Toggled) -> None:
        self.app.write(SetCheck(self.incident_id, message.item_id, message.ticked))

    def on_role_list_assign(self, message: RoleList.Assign) -> None:
        self.assign_role(message.role)

    def assign_role(self, role: str) -> None:
        """Ask who takes the role (a known person or a new name), right on the board."""
        if _dialogs().refused_read_only(self.app):
            return

        def choose(people: list[str]) -> None:
            current = {h.person for h in self.shown_board.holders(role)}
            verb = "Add a" if role == self.app.policy.multi_role else "Assign"
            title = f"{verb} {role}" + (f" (now {', '.join(sorted(current))})" if current else "")
            self.action_panel(2)
            panel = self.query_one(RolesPanel)
            panel.choose(role, title, people, exclude=current)

        self.app.with_people(self, choose)

    def on_role_list_grown(self, message: RoleList.Grown) -> None:
        # The role board's row of the grid grows with wrapped names (the
        # checklist beside it spans that row too); the clocks' row stays.
        rows = max(ROLES_ROWS, message.lines + 2)
        if rows != self._roles_rows:  # the same rows set again would lay the room out again
            self._roles_rows = rows
            self.query_one("#grid").styles.grid_rows = f"{rows} {CLOCKS_ROWS} 1fr"

    _roles_rows = ROLES_ROWS  # the role board's rows, as warroom.tcss starts them

    def on_roles_panel_picked(self, message: RolesPanel.Picked) -> None:
        app = self.app
        panel = self.query_one(RolesPanel)
        at = None
        if message.when:
            # '@23:10 alice': the hand-off happened then, read when enter was
            # pressed (as a note's '@23:10'), even if the write waits.
            try:
                at = parse_time(
                    message.when, app.clock(), "the hand-off's time", typed_zone(app.utc)
                )
            except UsageError as error:
                app.notify(str(error), severity="error", markup=False)
                panel.choosing = message.role  # fix the time, enter again
                return

        def refused(_error) -> None:
            # Said in a toast; the chooser comes back with what was typed, to be
            # fixed (after it closed on the frame that showed the hand-off).
            if self._in_front_or_under():
                panel.query_one(RoleList).after_paint(reopen)

        def reopen() -> None:
            if not self._in_front_or_under():
                return
            self.assign_role(message.role)
            typed = message.person
            if message.when:
                typed = f"@{message.when.lstrip('@')} {typed}"
            from warroom.tui.widgets.people import PersonChooser  # opened by then

            chooser = panel.query_one("#role-chooser", PersonChooser)
            chooser.input.value = typed
            chooser.input.cursor_position = len(typed)

        app.write(Assign(self.incident_id, message.role, message.person, at), on_fail=refused)
        # The hand-off is drawn first; the chooser closes on the frame after
        # (closing moves focus and lays the panel out again).
        panel.query_one(RoleList).after_paint(panel.close_chooser)

    def on_role_list_unassign(self, message: RoleList.Unassign) -> None:
        role = message.role
        holders = [h.person for h in self.shown_board.holders(role)]
        if not holders:
            self.app.notify(f"Nobody holds {role}", severity="warning")
            return
        if _dialogs().refused_read_only(self.app):
            return
        if len(holders) == 1:
            self.app.write(Unassign(self.incident_id, role, holders[0]))
            return

        def done(person: str | None) -> None:
            if person:
                self.app.write(Unassign(self.incident_id, role, person))

        self.app.push_screen(_dialogs().ChoiceModal(f"Remove which {role}?", holders), done)

    def on_clock_view_milestone(self, message: ClockView.Milestone) -> None:
        """A milestone's key records it at the moment it was pressed (the common
        case: two keys from anywhere), unless '@' and a time follow it
        ('t @23:10 enter'): then only that time is recorded. Pressed on one
        already recorded, it asks for the real time first: typing replaces the
        time shown, '-' withdraws."""
        from warroom.core.policy import MILESTONE_FIELDS

        app, clock = self.app, message.clock
        recorded = getattr(self.shown_board.incident, MILESTONE_FIELDS[clock])
        if recorded is not None or app.store.read_only:
            _dialogs().ask_milestone_time(app, self.incident_id, clock)
            return
        view = self.query_one(ClockView)
        key = view.key_for(clock)

        def done(incident) -> None:
            if incident is None:
                return  # it had landed already (only the answer was lost)
            at = getattr(incident, MILESTONE_FIELDS[clock])
            app.notify(
                f"{clock} recorded at {fmt_short_time(at, app.utc, app.clock())}. "
                f"Another time? {key} again to move it, '-' there withdraws it.",
                timeout=8,
                markup=False,
            )

        def record(at) -> None:
            app.write(RecordMilestone(self.incident_id, clock, at), on_done=done)

        view.hold(clock, app.clock(), record)

    def on_clock_view_ask_time(self, message: ClockView.AskTime) -> None:
        _dialogs().ask_milestone_time(self.app, self.incident_id, message.clock, now=message.at)

    @property
    def holding_key(self) -> bool:
        """A milestone's key still waits to see whether an '@' follows it."""
        try:
            return self.query_one(ClockView).holding
        except Exception:  # not built yet, or torn down
            return False

    def on_timeline_panel_submitted(self, message: TimelinePanel.Submitted) -> None:
        message.stop()
        panel = self._part(TimelinePanel)
        app = self.app
        # When enter was pressed, even if the write waits in the queue.
        typed_at = message.typed_at or app.clock()

        def note() -> AddEntry:
            # '@14:05 text' (or '@20m', '@2026-11-28T14:05') happened then.
            at, text = split_time_prefix(message.text, typed_at, typed_zone(app.utc))
            return AddEntry(self.incident_id, text, message.kind, at or typed_at)

        app.write_from(
            note,
            # The note lands (or is refused) from the queue maybe after the
            # war room was left: nothing of it is then redrawn.
            on_done=while_shown(self, lambda entry: self._note_landed(message.serial, entry)),
            on_fail=while_shown(panel, lambda error: panel.refused(message.serial)),
        )
        panel.show_waiting()  # still waiting only when the write was queued

    def _note_landed(self, serial: int, entry: TimelineEntry | None) -> None:
        """The note is in the store. Its row already shows (as not saved yet):
        the stored entry takes its place once the frame under way is painted,
        so a write that lands before that frame does not make it draw the row
        twice over."""
        self.call_after_refresh(self._note_written, serial, entry)

    def _note_written(self, serial: int, entry: TimelineEntry | None = None) -> None:
        panel = self._part(TimelinePanel)
        panel.written(serial)
        view = panel.view
        # Its row typed here gives way to the entry the store wrote (put in
        # the same place just below, so the rows are laid out once).
        view.settle_pending(serial, redraw=entry is None or not view.holds_place_of(entry))
        if entry is None:
            return
        if not view.holds_place_of(entry):
            self._timeline_through(entry)  # the note just written is shown, in its place
        else:
            # Shown as the store wrote it, a read sooner than the change is
            # read back (which still comes, with whatever others wrote).
            view.take_own(entry)
        # The highlight goes to it: a backdated note lands above the newest
        # rows and would otherwise vanish from a panel that shows them.
        view.land_on(entry)

    # A long timeline is shown through a window of its order (when things
    # happened, then recording order), read a page at a time.
    def _timeline_bottom(self) -> None:
        iid = self.incident_id
        self._read_window(lambda store: store.timeline_page(iid, TIMELINE_PAGE), self._set_page)

    def _read_window(self, fetch, show, what: str = "more of the timeline", edge: str = "") -> None:
        """A part of the timeline read on the database worker, shown when it
        comes (keys go on meanwhile). edge ("first", "last"): a page to add
        beyond the window's entry there, shown only if that entry is still
        the edge: a window read afresh meanwhile (g, G, a note's page) makes
        it stale, and the view asks again from the new window. Pages come
        back in the order asked, each once (the view asks for a part once
        until it comes), so no row is shown twice."""
        view = self._part(TimelinePanel).view
        at = getattr(view, edge) if edge else None

        def take(page) -> None:
            if edge and getattr(view, edge) is not at:
                return  # the window moved meanwhile: this page no longer borders it
            show(page)

        read_then(self, fetch, take, what)

    def _set_page(self, page) -> None:
        view = self.query_one(TimelinePanel).view
        view.set_entries(
            page.entries,
            has_older=page.more,
            superseded_by=page.replaced_by,
            seen_id=page.latest_id,
        )

    def _timeline_through(self, entry: TimelineEntry) -> None:
        """The page that ends with this entry, the cursor on it."""
        iid = self.incident_id
        view = self._part(TimelinePanel).view

        def fetch(store):
            page = store.timeline_page(iid, TIMELINE_PAGE, through=entry)
            return page, store.timeline_page(iid, 1, after=entry)

        def show(read) -> None:
            page, after = read
            view.set_entries(
                page.entries,
                has_older=page.more,
                has_newer=bool(after.entries),
                superseded_by=page.replaced_by,
                seen_id=page.latest_id,
                follow=True,
            )

        self._read_window(fetch, show, "the timeline around the note")

    def on_timeline_view_window_wanted(self, message: TimelineView.WindowWanted) -> None:
        iid = self.incident_id
        view = self._part(TimelinePanel).view
        size = TIMELINE_PAGE
        if message.where == "older" and view.first is not None:
            first = view.first
            self._read_window(
                lambda store: store.timeline_page(iid, size, before=first),
                lambda page: view.prepend(
                    page.entries, has_older=page.more, superseded_by=page.replaced_by
                ),
                edge="first",
            )
        elif message.where == "newer" and view.last is not None:
            last = view.last
            self._read_window(
                lambda store: store.timeline_page(iid, size, after=last),
                lambda page: view.append_page(page.entries, page.more, page.replaced_by),
                edge="last",
            )
        elif message.where == "top":
            self._read_window(
                lambda store: store.timeline_page(iid, size, first=True),
                lambda page: view.set_entries(
                    page.entries,
                    has_newer=page.more,
                    superseded_by=page.replaced_by,
                    at_top=True,
                    seen_id=page.latest_id,
                ),
            )
        elif message.where == "bottom":
            self._timeline_bottom()
        else:  # "all": a search or a filter looks through everything
            self._read_window(
                lambda store: store.timeline(iid),
                view.set_entries,  # shown through the filter in place
            )

    def on_timeline_view_correct_requested(self, message: TimelineView.CorrectRequested) -> None:
        _dialogs().ask_correction(self.app, message.entry)

    def on_timeline_view_impact_requested(self, message: TimelineView.ImpactRequested) -> None:
        _dialogs().ask_change_impact(self.app, message.entry)

    def on_draft_panel_save(self, message: DraftPanel.Save) -> None:
        self.save_draft(message.text, message.base_version)

    def save_draft(self, text: str, base_version: int) -> None:
        panel = self.query_one(DraftPanel)

        def saved(draft) -> None:
            if draft is None:
                return  # it had landed already (only the answer was lost)
            panel.mark_saved(draft, text)
            panel.tick(self.app.clock())
            if draft.note.startswith("merged"):
                self.app.notify(f"Draft {draft.note}", timeout=5)

        def conflicted(conflict: DraftConflict) -> None:
            self.app.notify(str(conflict), severity="warning", timeout=10)
            self._saved_draft_shown(saved)

        self.app.write(
            SaveDraft(self.incident_id, text, base_version),
            on_done=while_shown(panel, saved),
            on_conflict=while_shown(panel, conflicted),
            replaces=("draft", self.incident_id),
        )

    def _saved_draft_shown(self, saved) -> None:
        iid = self.incident_id
        read_then(
            self._part(DraftPanel),
            lambda store: store.draft(iid),
            saved,
            "the draft as saved",
        )

    def flush_draft(self) -> None:
        """Write pending draft typing now, not after the save delay."""
        panel = self.query_one(DraftPanel)
        panel.cancel_pending()
        if panel.dirty:
            self.save_draft(panel.text, panel.version)

    def on_draft_keys_publish(self) -> None:
        panel = self.query_one(DraftPanel)
        self.flush_draft()
        # As the CLI publishes it: the generated parts as of now (a late
        # update's "next update by" is one cadence from when it goes out).
        text = follow(panel.text, self.app.policy, self.board.incident, self.app.clock())

        def published(entry) -> None:
            if entry is not None:  # None: it had landed already (only the answer was lost)
                self.app.run_publish_hook(self.incident_id, text, entry)
            self.app.copy_to_clipboard(text)
            self.app.notify("Update published and copied to the clipboard")
            iid = self.incident_id
            self.app.read(lambda store: store.get_incident(iid), next_update)

        def next_update(incident) -> None:
            # The next update's template, from the incident as the publish left it.
            if not self._in_front_or_under():
                return
            fresh = render_template("update", self.app.policy, incident, self.app.clock())
            panel.load_text(fresh)
            self.flush_draft()

        def publish(yes: bool | None = True) -> None:
            if yes:
                preview_then(send)

        def send(chosen: tuple[str | None, tuple[str, ...]] | None = (None, ())) -> None:
            if chosen is not None:
                status, components = chosen
                write = Publish(self.incident_id, text, status, components)
                self.app.write(write, on_done=published)

        def preview_then(done) -> None:
            # With a status page, what it will show is chosen first (ctrl+s sends).
            if not self.app.policy.status_page.components:
                done()
                return
            from warroom.tui.screens.publish import preview

            preview(self.app, self.incident_id, text, done)

        # What the draft says that the incident no longer is, shown before it goes out.
        problems = draft_warnings(text, self.app.policy, self.board.incident)
        if problems:
            self.app.push_screen(
                _dialogs().ConfirmModal(
                    f"Publish anyway? {'; '.join(problems)}",
                    "The draft's heading was edited, so it does not follow the incident.",
                ),
                publish,
            )
            return
        publish()

    def on_draft_keys_template_requested(self) -> None:
        panel = self.query_one(DraftPanel)

        def replace(text: str) -> None:
            # What was there is saved first, so it stays in the draft's history;
            # the replacement is one edit in the editor, so ctrl+z undoes it.
            self.flush_draft()
            panel.load_text(text)

        def chosen(name: str | None) -> None:
            if not name:
                return
            incident, now = self.shown_board.incident, self.app.clock()
            text = render_template(name, self.app.policy, incident, now)
            current = panel.text.strip()
            templates = {
                render_template(t, self.app.policy, incident, now).strip() for t in TEMPLATES
            }
            if not current or current in templates:
                replace(text)
                return
            self.app.push_screen(
                _dialogs().ConfirmModal(
                    f"Replace the draft with the {name} template?",
                    "What you typed is kept in the draft history (ctrl+r); ctrl+z undoes.",
                ),
                lambda yes: replace(text) if yes else None,
            )

        self.app.push_screen(
            _dialogs().ChoiceModal("Start the draft from", list(TEMPLATES)), chosen
        )

    def on_draft_keys_history_requested(self) -> None:
        """Earlier versions of the draft; picking one puts it in the editor
        (one edit: ctrl+z undoes, and the current text stays in the history).
        Read on the database worker after the typing just saved (flush_draft);
        the keys typed meanwhile are for the list."""
        panel = self.query_one(DraftPanel)
        self.flush_draft()
        iid = self.incident_id

        def listed(history) -> None:
            versions = list(reversed(history))
            if not versions:
                self.app.notify("No saved version of the draft yet")
                return
            labels = version_labels(versions, self.app.utc)

            def chosen(label: str | None) -> None:
                if label is None:
                    return
                version = versions[labels.index(label)]
                panel.load_text(version.text)
                self.app.notify(f"v{version.version} is in the editor; ctrl+z undoes")

            self.app.push_screen(_dialogs().ChoiceModal("Draft history", labels), chosen)

        read_then(
            self, lambda store: store.draft_history(iid), listed, "the draft's history", hold=True
        )

    def action_priority(self) -> None:
        def done(choice: str | None) -> None:
            if choice:
                self.app.write(SetPriority(self.incident_id, choice))

        if _dialogs().refused_read_only(self.app):
            return
        choices = list(self.app.policy.priority_choices)
        self.app.push_screen(
            _dialogs().ChoiceModal("Priority", choices, self.shown_board.incident.priority), done
        )

    def action_stage(self) -> None:
        def done(choice: str | None) -> None:
            if choice:
                self.app.write(SetStage(self.incident_id, choice))

        if _dialogs().refused_read_only(self.app):
            return
        stages = list(self.app.policy.stages)
        self.app.push_screen(
            _dialogs().ChoiceModal("Stage", stages, self.shown_board.incident.stage), done
        )

    def action_public_title(self) -> None:
        """The title stakeholders see in public exports (never the internal one)."""

        def done(title: str | None) -> None:
            if title is not None:
                self.app.write(SetPublicTitle(self.incident_id, title))

        if _dialogs().refused_read_only(self.app):
            return
        self.app.push_screen(
            _dialogs().TextPrompt(
                "Public title",
                self.shown_board.incident.public_title,
                hint="what stakeholders see; empty: none (never the internal title)",
            ),
            done,
        )

    def action_identity(self) -> None:
        # In the checklist "i" also starts an item id: "i3" moves to item i3.
        checklist = self.query_one(ChecklistList)
        if checklist.has_focus:
            self.app.action_identity(on_digit=lambda digit: checklist.jump("i" + digit))
        else:
            self.app.action_identity()

    def action_toggle_utc(self) -> None:
        self.app.toggle_utc()

    def times_changed(self) -> None:
        """The zone times show in changed (z): every panel shows it at once."""
        self._show_board()
        self.query_one(IncidentHeader).refresh()

    def action_close_incident(self) -> None:
        from warroom.tui.screens import closing

        if self.board.incident.is_open:
            closing.close_flow(self)
        else:
            closing.reopen_flow(self)

    def action_make_real(self) -> None:
        """A drill that turned out to be real: asks why, then it counts (and
        the DRILL marks go); the reason is on the timeline."""
        incident = self.board.incident
        if not incident.drill:
            self.app.notify(f"#{incident.id} is a real incident, not a drill")
            return
        if _dialogs().refused_read_only(self.app):
            return

        def confirmed(reason: str | None) -> None:
            if reason is None:
                return
            if not reason.strip():
                self.app.notify("Say why it is real; nothing changed.", severity="warning")
                return
            self.app.write(
                MakeReal(self.incident_id, reason.strip()),
                on_done=lambda _: self.app.notify(f"#{incident.id} is a real incident now"),
            )

        self.app.push_screen(
            _dialogs().TextPrompt(
                f"Turn drill #{incident.id} into a real incident?",
                hint="why (recorded on the timeline); it then counts in the report",
            ),
            confirmed,
        )

    def action_retro(self) -> None:
        from warroom.tui.screens.retro import RetroScreen

        self.flush_draft()
        self.app.push_screen(RetroScreen(self.incident_id))

    def action_export(self) -> None:
        from warroom.tui.screens import closing

        closing.export_flow(self, self.incident_id)

    def action_back(self) -> None:
        self.flush_draft()
        self.app.back_to_list()


def _same_but_revision(board: Board, other: Board | None) -> bool:
    """The same board apart from the incident's revision counter."""
    if other is None:
        return False
    return board == replace(
        other, incident=replace(other.incident, revision=board.incident.revision)
    )
