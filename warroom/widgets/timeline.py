"""Panel 4: responder notes, the incident's timeline.

A line-API view over a plain list of entries: only the visible rows are drawn,
so 10,000 entries cost a list of objects, not 10,000 widgets."""

from __future__ import annotations

from bisect import bisect, insort

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Label

from ..model import NOTE_KINDS, TimelineEntry, order_key
from ..text import one_line
from ..timefmt import fmt_short_time, shown
from .common import KIND_MARK, Panel, RowStyle, lit, lit_block

# Enough for a few screens of rows at a couple of widths.
STRIP_CACHE_SIZE = 2000


class TimelineView(RowStyle, ScrollView, can_focus=True):
    HELP_GROUP = "4 Notes"
    """The timeline, oldest at the top, newest at the bottom, with a row cursor."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="timeline.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="timeline.down"),
        Binding("pageup", "cursor(-10)", "Page up", show=False, id="timeline.pageup"),
        Binding("pagedown", "cursor(10)", "Page down", show=False, id="timeline.pagedown"),
        Binding("home,g", "top", "Top", show=False, id="timeline.top"),
        Binding("end,G", "bottom", "Bottom", show=False, id="timeline.bottom"),
        Binding("enter", "correct", "Correct", id="timeline.correct", tooltip="Correct entry"),
        Binding("n", "write('note')", "Note", id="timeline.note"),
        Binding("e", "write('evidence')", "Evidence", show=False, id="timeline.evidence"),
        Binding("d", "write('decision')", "Decision", show=False, id="timeline.decision"),
        Binding("c", "write('change')", "Change", show=False, id="timeline.change"),
    ]

    DEFAULT_CSS = """
    TimelineView {
        height: 1fr; overflow-x: hidden; overflow-y: scroll; scrollbar-size-vertical: 1;
    }
    """

    cursor = reactive(-1, always_update=True)

    class CorrectRequested(Message):
        def __init__(self, entry: TimelineEntry):
            super().__init__()
            self.entry = entry

    class OlderWanted(Message):
        """The cursor reached the top and the store holds earlier entries."""

        def __init__(self, everything: bool):
            super().__init__()
            self.everything = everything

    class WriteRequested(Message):
        def __init__(self, kind: str):
            super().__init__()
            self.kind = kind

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.all_entries: list[TimelineEntry] = []
        self.entries: list[TimelineEntry] = []
        self.superseded_by: dict[int, int] = {}
        self.kinds: set[str] | None = None  # None shows every kind
        self.has_older = False
        self.private = True  # False hides private notes (stakeholder view)
        self.utc = False
        self._first_id = 0  # the oldest and newest recorded entry taken in
        self._last_id = 0
        self._strips: dict[tuple, Strip] = {}

    # -- data
    def _visible(self, entry: TimelineEntry) -> bool:
        if self.kinds is not None and entry.kind not in self.kinds:
            return False
        return self.private or entry.public or entry.kind == "system"

    def set_entries(self, entries: list[TimelineEntry], has_older: bool = False) -> None:
        """Show entries; has_older says the store holds earlier ones, fetched
        (OlderWanted) when the cursor reaches the top."""
        self.all_entries = []
        self.entries = []
        self.superseded_by = {}
        self._first_id = self._last_id = 0
        self.has_older = has_older
        self.append(entries, follow=True)

    def prepend(self, entries: list[TimelineEntry], has_older: bool) -> None:
        """Entries recorded earlier, put in their place; the cursor stays on its entry."""
        self.has_older = has_older
        for entry in entries:
            if entry.supersedes is not None:
                self.superseded_by.setdefault(entry.supersedes, entry.id)
        self._take(entries, follow=False)

    def _take(self, entries: list[TimelineEntry], follow: bool) -> None:
        """Put entries in the one order of every view (when it happened, then
        recording order); an entry backfilled into the past lands in its place."""
        cursor = self.cursor
        for entry in entries:
            self._first_id = min(self._first_id or entry.id, entry.id)
            self._last_id = max(self._last_id, entry.id)
            key = order_key(entry)
            if not self.all_entries or key >= order_key(self.all_entries[-1]):
                self.all_entries.append(entry)  # the usual case: the newest
            else:
                insort(self.all_entries, entry, key=order_key)
            if not self._visible(entry):
                continue
            if not self.entries or key >= order_key(self.entries[-1]):
                self.entries.append(entry)
                continue
            index = bisect(self.entries, key, key=order_key)
            self.entries.insert(index, entry)
            if index <= cursor:
                cursor += 1
        self._set_rows()
        if follow and self.entries:
            self.cursor = len(self.entries) - 1
        else:
            self.cursor = cursor
        self.refresh()

    @property
    def first_id(self) -> int:
        return self._first_id

    def _want_older(self, everything: bool = False) -> None:
        if self.has_older:
            self.post_message(self.OlderWanted(everything))

    def append(self, entries: list[TimelineEntry], follow: bool | None = None) -> None:
        """Entries recorded since; follow keeps the cursor on the newest."""
        if follow is None:
            follow = self.cursor >= len(self.entries) - 1
        for entry in entries:
            if entry.supersedes is not None:
                self.superseded_by[entry.supersedes] = entry.id
        self._take(entries, follow)

    def set_filter(self, kinds: set[str] | None) -> None:
        self.kinds = kinds
        self.entries = [e for e in self.all_entries if self._visible(e)]
        self._set_rows()
        self.cursor = len(self.entries) - 1
        self.refresh()

    def _set_rows(self) -> None:
        # Rows are cut to the width, never scrolled sideways: the virtual width
        # stays 0, so a resize does not count as a change of content size.
        size = Size(0, len(self.entries))
        height = self.container_size.height
        if height and min(size.height, self.virtual_size.height) > height:
            # The scrollbar stays as it was: update it in place rather than
            # laying out the whole screen again for one more row.
            self.set_reactive(TimelineView.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size

    @property
    def last_id(self) -> int:
        return self._last_id

    # -- cursor
    def validate_cursor(self, value: int) -> int:
        return max(-1, min(value, len(self.entries) - 1)) if self.entries else -1

    def watch_cursor(self, value: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        # Before the first layout the height is unknown: follow again once it is
        # (a no-op, without a repaint, when the scroll is already right).
        self.call_after_refresh(self._scroll_to_cursor)

    def _scroll_to_cursor(self) -> None:
        value = self.cursor
        if value < 0:
            return
        top = self.scroll_offset.y
        height = max(1, self.scrollable_content_region.height)
        if value < top:
            self.scroll_to(y=value, animate=False)
        elif value >= top + height:
            self.scroll_to(y=value - height + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        self.cursor = max(0, self.cursor + delta)
        if self.cursor == 0:
            self._want_older()

    def action_top(self) -> None:
        self.cursor = 0
        self._want_older(everything=True)

    def action_bottom(self) -> None:
        self.cursor = len(self.entries) - 1

    def action_correct(self) -> None:
        if 0 <= self.cursor < len(self.entries):
            self.post_message(self.CorrectRequested(self.entries[self.cursor]))

    def action_write(self, kind: str) -> None:
        self.post_message(self.WriteRequested(kind))

    def on_resize(self) -> None:
        # The rows do not depend on the width; only the cursor may need
        # scrolling back into view.
        self._scroll_to_cursor()

    # -- drawing
    def _now(self):
        """The app's clock (tests run it fixed); None outside an app."""
        try:
            clock = getattr(self.app, "clock", None)
        except Exception:  # no active app: a row formatted on its own
            return None
        return clock() if callable(clock) else None

    def format_entry(self, entry: TimelineEntry) -> Text:
        mark, label, style = KIND_MARK.get(entry.kind, ("?", entry.kind[:4], ""))
        when = fmt_short_time(entry.occurred_at, self.utc, self._now())
        line = Text.assemble(
            # ⟲: written down well after it happened.
            (when.rjust(5) + ("⟲ " if entry.backfilled else "  "), "dim"),
            (f"{mark} {label:<4} ", style),
            lit(entry.actor[:10].ljust(10), "bold"),
            " ",
        )
        if entry.supersedes is not None:
            line.append(f"✎#{entry.supersedes} ", style="italic")
        body = lit(entry.text, "")
        if entry.id in self.superseded_by:
            body.stylize("strike dim")
            line.append_text(body)
            line.append(f" →#{self.superseded_by[entry.id]}", style="italic dim")
        else:
            line.append_text(body)
        return line

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self.row_style
        if index >= len(self.entries):
            return Strip.blank(width, base)
        entry = self.entries[index]
        cursor = None
        if index == self.cursor:
            cursor = Style(reverse=True) if self.has_focus else Style(underline=True)
        # A new row scrolls every other row up by one: rows are drawn from a
        # cache so that costs a lookup each, not a re-format.
        now = self._now()
        today = shown(now, self.utc).date() if now else None  # short times drop today's date
        key = (entry.id, self.superseded_by.get(entry.id), width, self.utc, today, base, cursor)
        strip = self._strips.get(key)
        if strip is None:
            line = self.format_entry(entry)
            line.no_wrap = True
            line.truncate(width, overflow="ellipsis", pad=True)
            segments = list(line.render(self.app.console))
            if cursor is not None:
                segments = list(Segment.apply_style(segments, post_style=cursor))
            strip = Strip(segments, width).apply_style(base)
            if len(self._strips) >= STRIP_CACHE_SIZE:
                self._strips.clear()
            self._strips[key] = strip
        return strip


class NoteInput(Input):
    HELP_GROUP = "4 Note input"
    # The input is one row of fixed width: the length of what is typed changes
    # only its own scrolling, never the layout of the war room around it.
    virtual_size = Reactive(Size(0, 0), layout=False)
    BINDINGS = [
        Binding("ctrl+n", "cycle_kind", "Kind", id="note.kind", tooltip="Cycle note kind"),
        Binding(
            "escape",
            "leave",
            "Leave (text kept)",
            id="note.leave",
            tooltip="esc or alt+1-5: to a panel; what you typed stays",
        ),  # fmt: skip
    ]

    class KindCycled(Message):
        pass

    def action_cycle_kind(self) -> None:
        self.post_message(self.KindCycled())

    def action_leave(self) -> None:
        self.screen.query_one(TimelineView).focus()


class TimelinePanel(Panel):
    DEFAULT_CSS = """
    TimelinePanel #note-row { height: 1; }
    TimelinePanel #note-kind { width: auto; padding: 0 1; background: $boost; }
    TimelinePanel #note-waiting { height: auto; max-height: 3; color: $warning; display: none; }
    TimelinePanel.-waiting #note-waiting { display: block; }
    TimelinePanel NoteInput, TimelinePanel NoteInput:focus {
        border: none; height: 1; padding: 0 1; width: 1fr;
    }
    """

    kind = reactive("note")

    class Submitted(Message):
        def __init__(self, kind: str, text: str, serial: int = 0):
            super().__init__()
            self.kind = kind
            self.text = text
            self.serial = serial

    def __init__(self, **kwargs):
        super().__init__(4, "Responder notes (private)", **kwargs)
        self.waiting: list[tuple[int, str]] = []  # notes submitted, not yet in the store
        self._serial = 0

    def compose(self):
        yield TimelineView(id="timeline-view")
        yield Label("", id="note-waiting")
        with Horizontal(id="note-row"):
            yield Label("note", id="note-kind")
            yield NoteInput(
                placeholder="type a note, enter to add · @14:05 first: when · ctrl+n: kind",
                id="note-input",
                select_on_focus=False,  # coming back to a half-typed note keeps it
            )

    def watch_kind(self, kind: str) -> None:
        mark, _, _ = KIND_MARK[kind]
        self.query_one("#note-kind", Label).update(f"{mark} {kind}")

    def on_note_input_kind_cycled(self) -> None:
        self.kind = NOTE_KINDS[(NOTE_KINDS.index(self.kind) + 1) % len(NOTE_KINDS)]

    def on_timeline_view_write_requested(self, message: TimelineView.WriteRequested) -> None:
        self.kind = message.kind
        self.query_one(NoteInput).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # The text leaves the input the instant Enter is pressed: what is typed
        # next is a new note, never the end of this one, however slow the write.
        event.stop()
        if event.value.strip():
            self._serial += 1
            self.waiting.append((self._serial, event.value))
            self._show_waiting()
            event.input.clear()
            self.post_message(self.Submitted(self.kind, event.value, self._serial))

    def written(self, serial: int) -> None:
        """The note is in the store: no longer shown as waiting."""
        self.waiting = [(n, text) for n, text in self.waiting if n != serial]
        self._show_waiting()

    def refused(self, serial: int) -> None:
        """The store refused the note: give it back to the input (when that is
        empty; otherwise it stays listed as not saved) so nothing is lost."""
        text = next((t for n, t in self.waiting if n == serial), "")
        note_input = self.query_one(NoteInput)
        if not note_input.value:
            note_input.value = text
            self.written(serial)

    def _show_waiting(self) -> None:
        self.set_class(bool(self.waiting), "-waiting")
        lines = [f"⧗ not saved yet: {one_line(text)}" for _, text in self.waiting[-3:]]
        if len(self.waiting) > 3:
            lines[0] = f"⧗ {len(self.waiting) - 2} notes not saved yet"
            lines[1:] = lines[-2:]
        self.query_one("#note-waiting", Label).update(lit_block("\n".join(lines)))

    @property
    def view(self) -> TimelineView:
        return self.query_one(TimelineView)
