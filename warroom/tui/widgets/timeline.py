"""Panel 4: responder notes, the incident's timeline.

A line-API view over a plain list of entries: only the visible rows are drawn,
so 10,000 entries cost a list of objects, not 10,000 widgets."""

from __future__ import annotations

from bisect import bisect, insort
from datetime import datetime
from math import ceil
from typing import TYPE_CHECKING, cast

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import Horizontal
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Label, Static

from warroom.core.errors import WarroomError
from warroom.core.model import NOTE_KINDS, SYSTEM, TimelineEntry, order_key
from warroom.core.templates import own_lines
from warroom.core.text import in_one_line, one_line
from warroom.core.timefmt import (
    fmt_short_time,
    fmt_time,
    local_zone,
    shown,
    split_time_prefix,
    typed_zone,
    zone_names,
)
from warroom.tui.widgets.common import KIND_MARK, KeptLines, Panel, RowStyle, lit, lit_block
from warroom.tui.widgets.safe import SafeInput as Input  # shows text through visible()

if TYPE_CHECKING:
    from textual import getters

    from warroom.tui.room import Room

# Enough for a few screens of rows at a couple of widths (the least recently
# shown go first).
STRIP_CACHE_SIZE = 2000
# The next page is fetched when the cursor comes this close to the window's edge.
PREFETCH_ROWS = 20
# A note typed and not saved yet is shown at once, in its place, with an id
# past every id the store gives (so it sorts after the saved entries of the
# same moment): PENDING_ID plus the panel's serial number for it.
PENDING_ID = 1 << 62


def is_pending(entry: TimelineEntry) -> bool:
    """A row for a note typed here and not in the store yet."""
    return entry.id >= PENDING_ID


# What `f` cycles through: a name for the panel title, and the kinds shown.
FILTERS: tuple[tuple[str, set[str] | None], ...] = (
    ("all", None),
    ("notes, evidence, decisions, changes", set(NOTE_KINDS)),
    ("decisions", {"decision"}),
    ("changes", {"change"}),
    ("updates", {"update"}),
    ("system", {SYSTEM}),
)


def entry_body(entry: TimelineEntry) -> str:
    """The text an entry's row starts with: a published update by what it says
    of its own, since every update opens with the same heading."""
    return own_lines(entry.text) if entry.kind == "update" else entry.text


class TimelineView(RowStyle, ScrollView, can_focus=True):
    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

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
        Binding(
            "shift+down",
            "detail(1)",
            "Read on",
            show=False,
            id="timeline.detail_down",
            tooltip="Scroll a long entry's text under the timeline",
        ),
        Binding("shift+up", "detail(-1)", "Read back", show=False, id="timeline.detail_up"),
        Binding("f", "cycle_filter", "Kinds", id="timeline.filter", tooltip="Show one kind"),
        Binding("slash", "search", "Search", id="timeline.search", tooltip="Search the text"),
        Binding("n", "write('note')", "Note", id="timeline.note"),
        Binding("e", "write('evidence')", "Evidence", show=False, id="timeline.evidence"),
        Binding("d", "write('decision')", "Decision", show=False, id="timeline.decision"),
        Binding("c", "write('change')", "Change", show=False, id="timeline.change"),
        Binding(
            "m",
            "impact",
            "Impact",
            show=False,
            id="timeline.impact",
            tooltip="What the selected change did",
        ),
    ]

    DEFAULT_CSS = """
    TimelineView {
        height: 1fr; overflow-x: hidden; overflow-y: scroll; scrollbar-size-vertical: 1;
    }
    """

    cursor = reactive(-1, always_update=True)
    rows_version = 0  # counts the changes of the rows shown (see TimelinePanel.show_zone)

    class DetailScroll(Message):
        def __init__(self, delta: int):
            super().__init__()
            self.delta = delta

    def action_detail(self, delta: int) -> None:
        self.post_message(self.DetailScroll(delta))

    class CorrectRequested(Message):
        def __init__(self, entry: TimelineEntry):
            super().__init__()
            self.entry = entry

    class ImpactRequested(Message):
        """Record what the selected change did."""

        def __init__(self, entry: TimelineEntry):
            super().__init__()
            self.entry = entry

    class WindowWanted(Message):
        """The view holds a window of the timeline (a run of entries in its
        order: when they happened, then recording order) and wants another
        part of it: "older" or "newer" (a page beyond its edge, added),
        "top" or "bottom" (the first or last page, instead of the window), or
        "all" (everything, for a search or a filter)."""

        def __init__(self, where: str):
            super().__init__()
            self.where = where

    class WriteRequested(Message):
        def __init__(self, kind: str):
            super().__init__()
            self.kind = kind

    class Highlighted(Message):
        """The cursor is on another entry (None: no entry)."""

        def __init__(self, entry: TimelineEntry | None, superseded_by: int | None):
            super().__init__()
            self.entry = entry
            self.superseded_by = superseded_by

    class FilterChanged(Message):
        pass

    class SearchRequested(Message):
        pass

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.all_entries: list[TimelineEntry] = []
        self.entries: list[TimelineEntry] = []
        self.superseded_by: dict[int, int] = {}
        self.kinds: set[str] | None = None  # None shows every kind
        self.filter_index = 0  # into FILTERS
        self.search = ""  # shows only entries whose text or author has it
        self._highlighted: tuple | None = None
        self.has_older = False  # the store holds entries that come before the window
        self.has_newer = False  # ... and after it (the window is not at the end)
        self._asked: set[str] = set()  # windows asked for and not yet given
        self.private = True  # False hides private notes (stakeholder view)
        self.utc = False
        self.first: TimelineEntry | None = None  # the window's edges, in timeline order
        self.last: TimelineEntry | None = None
        self._seen_id = 0  # the newest recorded id known: what is polled from
        self._land_on: TimelineEntry | None = None  # our note, to highlight when it shows
        # Our own notes shown as the store wrote them, before the change is
        # read back (see take_own); each is skipped once when it comes again.
        self._ahead: set[int] = set()
        # Our notes typed and not saved yet, by their serial (see show_pending).
        self._pending: dict[int, TimelineEntry] = {}
        # The entries put among the rows since the panel last named their
        # zones (show_zone); None: the rows were made afresh (a page, a filter).
        self.zone_taken: list[TimelineEntry] | None = None
        self._strips: LRUCache[tuple, Strip] = LRUCache(STRIP_CACHE_SIZE)
        self._painted: LRUCache[tuple, Strip] = LRUCache(STRIP_CACHE_SIZE)  # see render_lines

    # -- data
    def _visible(self, entry: TimelineEntry) -> bool:
        if self.kinds is not None and entry.kind not in self.kinds:
            return False
        if self.search and not (
            self.search in entry.text.casefold() or self.search in entry.actor.casefold()
        ):
            return False
        return self.private or entry.public or entry.kind == "system"

    def set_entries(
        self,
        entries: list[TimelineEntry],
        has_older: bool = False,
        has_newer: bool = False,
        superseded_by: dict[int, int] | None = None,
        at_top: bool = False,
        seen_id: int = 0,
        follow: bool | None = None,
    ) -> None:
        """Show a window of the timeline: has_older and has_newer say the store
        holds entries that come before and after it in the timeline's order,
        fetched (WindowWanted) as the cursor nears an edge; superseded_by names
        the newest corrections of entries in it, wherever they are; seen_id is
        the newest recorded id when it was read. The cursor goes to the newest
        entry, or with at_top to the oldest."""
        self.all_entries = []
        self.entries = []
        self.superseded_by = {}
        self.first = self.last = None
        self._seen_id = seen_id
        self._ahead.clear()  # the window is read afresh: what it holds is what is shown
        self.zone_taken = None
        self.has_older = has_older
        self.has_newer = has_newer
        self._asked.clear()
        self._mark(entries, superseded_by or {})
        pending = [e for e in self._pending.values() if self.holds_place_of(e)]
        self._take([*entries, *pending], follow=not at_top if follow is None else follow)
        if at_top:
            self.cursor = 0

    def _mark(self, entries: list[TimelineEntry], superseded_by: dict[int, int]) -> None:
        """Note the corrections: an entry is replaced by its newest correction."""
        marks = self.superseded_by
        for entry in entries:
            self._seen_id = max(self._seen_id, entry.id)
            if entry.supersedes is not None:
                marks[entry.supersedes] = max(marks.get(entry.supersedes, 0), entry.id)
        for original, fix in superseded_by.items():
            marks[original] = max(marks.get(original, 0), fix)

    def prepend(
        self,
        entries: list[TimelineEntry],
        has_older: bool,
        superseded_by: dict[int, int] | None = None,
    ) -> None:
        """The page that comes before the window, put in its place; the cursor
        stays on its entry."""
        self.has_older = has_older
        self._asked.discard("older")
        self._mark(entries, superseded_by or {})
        self._take(entries, follow=False, keep_rows=True)

    def append_page(
        self, entries: list[TimelineEntry], has_newer: bool, superseded_by: dict[int, int]
    ) -> None:
        """The page that comes after the window (which is not at the end); the
        cursor stays on its entry."""
        self.has_newer = has_newer
        self._asked.discard("newer")
        self._mark(entries, superseded_by)
        self._take(entries, follow=False)

    def holds_place_of(self, entry: TimelineEntry) -> bool:
        """Whether an entry's place in the timeline is inside the window (the
        window reaches the start or the end when nothing is beyond it)."""
        key = order_key(entry)
        if self.has_older and (self.first is None or key < order_key(self.first)):
            return False
        return not (self.has_newer and (self.last is None or key > order_key(self.last)))

    def take_own(self, entry: TimelineEntry) -> None:
        """A note of ours, as the store returned it when it was written: shown
        now, not a read later. Nothing is counted as seen: the change is still
        read back as any change is (what others wrote meanwhile comes with it),
        and this entry, coming again, is skipped once."""
        if entry.id <= self._seen_id or entry.id in self._ahead:
            return  # read back already, or shown already
        if not self.holds_place_of(entry):
            return  # outside the window: shown with its page
        follow = self.cursor >= len(self.entries) - 1 and not self.has_newer
        self._take([entry], follow)
        self._ahead.add(entry.id)

    def show_pending(self, serial: int, entry: TimelineEntry) -> None:
        """A note just typed, shown at once in its place as not saved yet (the
        frame that empties the input shows it); it gives way to the entry the
        store writes (settle_pending). A note whose place is outside the window
        is listed as waiting below instead."""
        if not self.holds_place_of(entry):
            return
        self._pending[serial] = entry
        follow = self.cursor >= len(self.entries) - 1 and not self.has_newer
        self._take([entry], follow)

    def shows_pending(self, serial: int) -> bool:
        """The note typed as serial has its row among the rows shown."""
        entry = self._pending.get(serial)
        return entry is not None and self._visible(entry)

    def settle_pending(self, serial: int, redraw: bool = True) -> None:
        """The note typed as serial landed or was refused: its pending row
        goes (redraw False: the stored entry is put in its place next)."""
        entry = self._pending.pop(serial, None)
        if entry is None:
            return
        _remove(self.all_entries, entry)
        index = _remove(self.entries, entry)
        if index is not None:
            cursor = self.cursor
            if index < cursor or cursor >= len(self.entries):
                self.set_reactive(TimelineView.cursor, cursor - 1)
            if redraw:
                self._set_rows()
                self.watch_cursor(self.cursor)  # the detail follows the row now under it

    def _take(self, entries: list[TimelineEntry], follow: bool, keep_rows: bool = False) -> None:
        """Put entries in the one order of every view (when it happened, then
        recording order); an entry backfilled into the past lands in its place.
        keep_rows scrolls by the rows put above, so what is on screen stays put."""
        if self._ahead:
            ahead = {entry.id for entry in entries} & self._ahead
            if ahead:  # our own, shown when written (take_own): not shown twice
                self._ahead -= ahead
                entries = [entry for entry in entries if entry.id not in ahead]
        # The bar is compared once, after the rows grew and the view followed
        # them: one more row moves the thumb up and the scroll back down.
        bar = self.vertical_scrollbar if self.show_vertical_scrollbar else None
        if bar is not None and self._bar_before is None:
            self._bar_before = _thumb(bar)
            try:
                self._take_rows(entries, follow, keep_rows)
            finally:
                before, self._bar_before = self._bar_before, None
            if _thumb(bar) != before:
                bar.refresh()
        else:
            self._take_rows(entries, follow, keep_rows)

    def _take_rows(self, entries: list[TimelineEntry], follow: bool, keep_rows: bool) -> None:
        cursor = start = self.cursor
        for entry in entries:
            key = order_key(entry)
            if not is_pending(entry):  # the window's edges (pages are read from them) are stored
                if self.first is None or key < order_key(self.first):
                    self.first = entry
                if self.last is None or key > order_key(self.last):
                    self.last = entry
            if not self.all_entries or key >= order_key(self.all_entries[-1]):
                self.all_entries.append(entry)  # the usual case: the newest
            else:
                insort(self.all_entries, entry, key=order_key)
            if not self._visible(entry):
                continue
            if self.zone_taken is not None:
                self.zone_taken.append(entry)
            if not self.entries or key >= order_key(self.entries[-1]):
                self.entries.append(entry)
                continue
            index = bisect(self.entries, key, key=order_key)
            self.entries.insert(index, entry)
            if index <= cursor:
                cursor += 1
        self._set_rows()
        if keep_rows and cursor > start >= 0:
            self.scroll_to(y=self.scroll_offset.y + cursor - start, animate=False, immediate=True)
        if follow and self.entries:
            self.cursor = len(self.entries) - 1
        else:
            self.cursor = cursor
        if self._land_on is not None:
            self._landed()
        show_zone = getattr(self.parent, "show_zone", None)
        if show_zone is not None:
            show_zone()
        self.refresh()

    def land_on(self, entry: TimelineEntry) -> None:
        """A note just written: the highlight goes to it, wherever it landed
        (a backdated one lands above the newest rows), now or when it shows."""
        self._land_on = entry
        self._landed()

    def _landed(self) -> None:
        entry = self._land_on
        if entry is None:
            return
        index = next((i for i, e in enumerate(self.entries) if e.id == entry.id), None)
        if index is None:
            return
        self._land_on = None
        self.cursor = index
        # Stored rows below it: it was written for an earlier time. Rows of
        # notes typed after it and not saved yet do not count.
        above = sum(not is_pending(e) for e in self.entries[index + 1 :])
        if above:
            when = fmt_short_time(entry.occurred_at, self.utc, self._now())
            rows = "1 row" if above == 1 else f"{above} rows"
            self.app.notify(f"Note added at {when} ({rows} up)", timeout=6, markup=False)

    def _want(self, where: str) -> None:
        """Ask for another part of the timeline, once until it comes."""
        if where not in self._asked:
            self._asked.add(where)
            self.post_message(self.WindowWanted(where))

    def _near_edges(self) -> None:
        """Fetch the next page before the cursor reaches the window's edge, so
        paging through a long timeline reads a page at a time."""
        if self.has_older and self.cursor <= PREFETCH_ROWS:
            self._want("older")
        if self.has_newer and self.cursor >= len(self.entries) - 1 - PREFETCH_ROWS:
            self._want("newer")

    def append(self, entries: list[TimelineEntry], follow: bool | None = None) -> None:
        """Entries recorded since seen_id: each is put in its place when that
        is inside the window (the others are read with the page they belong
        to), and each correction marks what it replaces; follow keeps the
        cursor on the newest."""
        if follow is None:
            follow = self.cursor >= len(self.entries) - 1 and not self.has_newer
        self._mark(entries, {})
        self._take([e for e in entries if self.holds_place_of(e)], follow)

    def set_filter(self, kinds: set[str] | None, search: str | None = None) -> None:
        """Show only these kinds (None: all) and, with search, only entries
        holding that text; the whole timeline is searched, not just what is loaded."""
        self.kinds = kinds
        if search is not None:
            self.search = search.casefold()
        if (self.kinds is not None or self.search) and (self.has_older or self.has_newer):
            self.call_later(self._want, "all")
        self.entries = [e for e in self.all_entries if self._visible(e)]
        self.zone_taken = None
        self._set_rows()
        self.cursor = len(self.entries) - 1
        self.refresh()
        self.post_message(self.FilterChanged())

    @property
    def filter_name(self) -> str:
        """What is shown, in words, for the panel's title."""
        name = FILTERS[self.filter_index][0]
        return f"{name}, with “{self.search}”" if self.search else name

    def action_cycle_filter(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(FILTERS)
        self.set_filter(FILTERS[self.filter_index][1])

    def action_search(self) -> None:
        self.post_message(self.SearchRequested())

    def _set_rows(self) -> None:
        self.rows_version += 1
        # Rows are cut to the width, never scrolled sideways: the virtual width
        # stays 0, so a resize does not count as a change of content size.
        size = Size(0, len(self.entries))
        height = self.container_size.height
        if height and min(size.height, self.virtual_size.height) > height and self.is_mounted:
            # Content past a window that already scrolls: the view keeps its
            # size and its scroll bar (overflow-y: scroll), so one more row
            # needs no layout of the whole screen, only the bar told in place.
            self.set_reactive(TimelineView.virtual_size, size)
            self._move_bar(window_virtual_size=size.height)
        else:
            self.virtual_size = size

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # ScrollView's, but the bar is repainted only when its thumb moves on
        # screen (see _move_bar).
        if self.show_vertical_scrollbar:
            self._move_bar(position=new_value)
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)

    def _move_bar(self, **values: float) -> None:
        """Set the vertical scroll bar's values; repaint it only when that
        changes what it draws. On a long timeline one more row moves the thumb
        far less than the eighth of a cell it is drawn in, and a whole bar
        repainted on every note and tick is most of the timeline's paint."""
        bar = self.vertical_scrollbar
        before = _thumb(bar) if self._bar_before is None else None
        for name, value in values.items():
            if name == "position":
                value = bar.validate_position(value)
            bar.set_reactive(getattr(ScrollBar, name), value)
        if before is not None and _thumb(bar) != before:
            bar.refresh()

    _bar_before: tuple | None = None  # the thumb before rows came in (see _take)

    @property
    def seen_id(self) -> int:
        """The newest recorded id known: entries after it are new."""
        return self._seen_id

    # -- cursor
    def validate_cursor(self, value: int) -> int:
        return max(-1, min(value, len(self.entries) - 1)) if self.entries else -1

    def watch_cursor(self, value: int) -> None:
        entry = self.entries[value] if 0 <= value < len(self.entries) else None
        shown = (entry, self.superseded_by.get(entry.id) if entry else None)
        if shown != self._highlighted:
            self._highlighted = shown
            self.post_message(self.Highlighted(*shown))
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
        self._near_edges()

    def action_top(self) -> None:
        if self.has_older:
            self._want("top")  # the first page, instead of reading everything
        else:
            self.cursor = 0

    def action_bottom(self) -> None:
        if self.has_newer:
            self._want("bottom")
        else:
            self.cursor = len(self.entries) - 1

    def _stored_under_cursor(self) -> TimelineEntry | None:
        """The entry under the cursor, if the store holds it (a note not saved
        yet has nothing to correct or record the impact of)."""
        if not 0 <= self.cursor < len(self.entries):
            return None
        entry = self.entries[self.cursor]
        if is_pending(entry):
            self.app.notify(
                "Not saved yet: it can be changed once it is in the store",
                severity="warning",
                markup=False,
            )
            return None
        return entry

    def action_correct(self) -> None:
        entry = self._stored_under_cursor()
        if entry is not None:
            self.post_message(self.CorrectRequested(entry))

    def action_impact(self) -> None:
        entry = self._stored_under_cursor()
        if entry is not None:
            self.post_message(self.ImpactRequested(entry))

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
        mark, label, style = KIND_MARK.get(entry.kind, ("?", entry.kind, ""))
        when = fmt_short_time(entry.occurred_at, self.utc, self._now())
        if is_pending(entry):  # typed here, not in the store yet: ◌ and dimmed
            return Text.assemble(
                (when.rjust(5) + ("⟲ " if entry.backfilled else "  "), "dim"),
                (f"◌ {label:<8} ", "dim italic"),
                lit(entry.actor[:10].ljust(10), "bold dim"),
                " ",
                lit(entry_body(entry), "dim italic"),
            )
        line = Text.assemble(
            # ⟲: written down well after it happened.
            (when.rjust(5) + ("⟲ " if entry.backfilled else "  "), "dim"),
            (f"{mark} {label:<8} ", style),
            lit(entry.actor[:10].ljust(10), "bold"),
            " ",
        )
        # Said before the text, which may be cut: a replaced entry must not look current.
        if entry.id in self.superseded_by:
            line.append(f"[replaced by #{self.superseded_by[entry.id]}] ", style="bold italic")
            line.append_text(lit(entry_body(entry), "strike dim"))
            return line
        if entry.supersedes is not None:
            # The name column keeps who said it; who corrected it is said here.
            by = entry.corrected_by if entry.corrected_by != entry.actor else ""
            line.append(f"[corrects #{entry.supersedes}{' by ' if by else ''}", style="italic")
            line.append_text(lit(by[:10], "italic"))
            line.append("] ", style="italic")
        line.append_text(lit(entry_body(entry), ""))
        return line

    def render_lines(self, crop: Region) -> list[Strip]:
        # What every row needs, worked out once a repaint rather than once a row.
        now = self._now()
        today = shown(now, self.utc).date() if now else None  # short times drop today's date
        self.row_style = base = self.rich_style
        top, width = self.scroll_offset.y, self.scrollable_content_region.width
        self._paint = (top, width, today)
        # A new row scrolls every other row up by one. Each painted line (after
        # the widget's styles and the app's line filters) is kept by what it
        # shows, so the rows that only moved are looked up, and only the new
        # one goes through Textual's styles cache.
        context = (width, self.utc, today, base, self.background_colors, crop.column_span)
        keys = [(self._row_key(top + y), context) for y in crop.line_range]
        lines = [self._painted.get(key) for key in keys]
        missing = [n for n, line in enumerate(lines) if line is None]
        if missing:
            # One pass over the span of new rows (Textual's per-call cost is
            # most of a row's): usually the new row and the one the cursor left.
            first, last = missing[0], missing[-1]
            try:
                span = Region(crop.x, crop.y + first, crop.width, last - first + 1)
                # Past RowStyle: the row style is already worked out above.
                fresh = super(RowStyle, self).render_lines(span)
            finally:
                self._paint = None
            for n, strip in enumerate(fresh, first):
                lines[n] = self._painted[keys[n]] = strip
        self._paint = None
        return cast("list[Strip]", lines)  # every None was painted above

    _paint: tuple | None = None

    def _row_key(self, index: int) -> tuple:
        """What one row shows, besides the widget-wide context."""
        if index >= len(self.entries):
            return (None,)
        entry = self.entries[index]
        cursor = None
        if index == self.cursor:
            cursor = Style(reverse=True) if self.has_focus else Style(underline=True)
        return (entry.id, entry.text, self.superseded_by.get(entry.id), cursor)

    def render_line(self, y: int) -> Strip:
        if self._paint is None:  # drawn outside render_lines
            now = self._now()
            today = shown(now, self.utc).date() if now else None
            top, width = self.scroll_offset.y, self.scrollable_content_region.width
        else:
            top, width, today = self._paint
        index = top + y
        base = self.row_style
        if index >= len(self.entries):
            return Strip.blank(width, base)
        entry = self.entries[index]
        cursor = self._row_key(index)[-1]
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
            self._strips[key] = strip
        return strip


def _remove(rows: list[TimelineEntry], entry: TimelineEntry) -> int | None:
    """Take this very entry out of rows (looked for from the newest end, where
    a note typed here usually is); its index, or None when it is not there."""
    for index in range(len(rows) - 1, -1, -1):
        if rows[index] is entry:
            del rows[index]
            return index
    return None


def _thumb(bar: ScrollBar) -> tuple:
    """What a vertical scroll bar draws from (ScrollBarRender.render_bar): its
    height and, when it has a thumb, where the thumb starts and ends in
    eighths of a cell."""
    size = bar.size.height
    virtual = ceil(bar.window_virtual_size)
    window = ceil(bar.window_size if bar.window_size < bar.window_virtual_size else 0)
    if not (window and size and virtual and size != virtual):
        return (size,)
    thumb = max(1, window / (virtual / size))
    start = int((size - thumb) * (bar.position / (virtual - window)) * 8)
    return (size, start, start + ceil(thumb * 8))


class NoteInput(Input):
    """One row, and a note may have many lines: a pasted log keeps them, each
    line end shown as ⏎ here and stored as the newline it is."""

    HELP_GROUP = "4 Note input"
    keeps_lines = True  # the key gate hands a paste on as it is (see one_line_paste)
    shown = staticmethod(in_one_line)
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
        ),
    ]

    class KindCycled(Message):
        pass

    def action_cycle_kind(self) -> None:
        self.post_message(self.KindCycled())

    # The hint, the longest that fits the field: after Enter the input keeps
    # focus for the next note, so it says how to leave it without losing text.
    HINTS = (
        "type a note, enter to add · esc or alt+1-5: leave, text kept · "
        "@14:05 first: when · ctrl+n: kind",
        "enter adds · esc or alt+1-5: leave, text kept · @14:05: when · ctrl+n: kind",
        "enter adds · esc or alt+1-5: leave, text kept · @14:05: when",
        "enter adds · esc: leave, text kept · @14:05: when · ctrl+n: kind",
        "enter adds · esc: leave, text kept",
    )

    def render_line(self, y: int) -> Strip:
        # The hint that fits, chosen as the input is drawn: the room's first
        # frame shows it (chosen on the first resize, which comes after that
        # frame, it drew the room a second time). Set without a refresh: this
        # very drawing shows it.
        room = self.content_region.width - 1  # a cell for the cursor
        hint = next((h for h in self.HINTS if len(h) <= room), self.HINTS[-1])
        if hint != self.placeholder:
            self.set_reactive(NoteInput.placeholder, hint)
        return super().render_line(y)

    def action_leave(self) -> None:
        self.screen.query_one(TimelineView).focus()

    def on_paste(self, event: events.Paste) -> None:
        # Input's own keeps only the first line (and runs after this one).
        event.prevent_default()
        event.stop()
        # A copied line often brings its line end along: Enter ends the note.
        text = event.text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
        if text:
            if self.selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *self.selection)


class EntryDetail(KeptLines, Widget):
    """The entry under the cursor, whole and wrapped: long notes and pasted logs
    are read here without opening the correction editor."""

    # Two rows at least, for entries of one line or two alike: the cursor
    # moving between them repaints the detail, never lays the screen out again.
    MIN_ROWS = 2
    DEFAULT_CSS = f"""
    EntryDetail {{
        height: auto; min-height: {MIN_ROWS}; max-height: 40%; background: $boost;
        padding: 0 1; overflow: hidden hidden;
    }}
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.entry: TimelineEntry | None = None
        self.superseded_by: int | None = None
        self.utc = False
        self._lines = -1  # the height last laid out
        self.top = 0  # the first wrapped line shown, when the text is longer than the room
        # The entry's text, whole and wrapped, for what it was made from: a
        # new entry is wrapped once (for its height, its layout and its
        # paint), not once for each.
        self._whole: tuple[tuple, Text] | None = None
        self._wraps: tuple[Text, int, list[Text]] | None = None

    def show(self, entry: TimelineEntry | None, superseded_by: int | None) -> None:
        if (entry, superseded_by) == (self.entry, self.superseded_by):
            return
        self.entry, self.superseded_by = entry, superseded_by
        self.top = 0
        # Lay the panel out again only when the height changes: moving the
        # cursor over one-line entries repaints this line and nothing else.
        lines = self._height()  # -1: not laid out yet (a layout comes anyway)
        lines = max(lines, self.MIN_ROWS) if lines >= 0 else lines
        self.refresh(layout=lines != self._lines)
        self._lines = lines

    def _wrapped(self, width: int) -> list[Text]:
        whole = self.whole()
        kept = self._wraps
        if kept is not None and kept[0] is whole and kept[1] == width:
            return kept[2]
        lines = list(whole.wrap(self.app.console, width))
        self._wraps = (whole, width, lines)
        return lines

    def _height(self) -> int:
        width = self.content_region.width
        if width <= 0:
            return -1
        return len(self._wrapped(width))

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._wrapped(width)) if width > 0 else 1

    def scroll_lines(self, delta: int) -> None:
        """A text longer than the room shown is read a line at a time
        (shift+down and shift+up in the timeline)."""
        width, height = self.content_region.width, self.content_region.height
        total = len(self._wrapped(width)) if width > 0 else 0
        top = max(0, min(self.top + delta, max(0, total - height + 1)))
        if top != self.top:
            self.top = top
            self.refresh()

    def render(self) -> Text:
        """The text whole when it fits; else a window of it, the last line
        saying how much more there is and the key that reads on."""
        whole = self.whole()
        width, height = self.content_region.width, self.content_region.height
        if width <= 0 or height <= 0:
            return whole
        lines = self._wrapped(width)
        if len(lines) <= height:
            return whole
        self.top = min(self.top, len(lines) - height + 1)
        shown = lines[self.top : self.top + height - 1]
        below = len(lines) - self.top - len(shown)
        if below > 0:
            more = f"↓ {below} more line{'s' * (below != 1)}: shift+↓"
        else:
            more = "end · shift+↑ back"
        if self.top:
            more += f" · {self.top} above"
        out = Text("\n").join([*shown, Text(more, style="dim italic")])
        return out

    def whole(self) -> Text:
        """The entry's detail, whole (one Text for as long as what it shows stays)."""
        key = (self.entry, self.superseded_by, self.utc)
        kept = self._whole
        if kept is not None and kept[0] == key:
            return kept[1]
        whole = self._make_whole()
        self._whole = (key, whole)
        return whole

    def _make_whole(self) -> Text:
        entry = self.entry
        if entry is None:
            return Text("no entry selected", style="dim italic")
        _, label, style = KIND_MARK.get(entry.kind, ("?", entry.kind, ""))
        head = Text.assemble(
            ("◌ not saved yet: " if is_pending(entry) else f"#{entry.id} ", "bold"),
            (label, style),
            " by ",
            lit(entry.actor, "bold"),
            f" at {fmt_time(entry.occurred_at, self.utc)}",
        )
        if entry.backfilled and entry.first_recorded_at is not None:
            head.append(f", written {fmt_time(entry.first_recorded_at, self.utc)}", style="italic")
        if entry.supersedes is not None:
            head.append(f", corrects #{entry.supersedes}", style="italic")
            if entry.corrected_by:
                head.append(" (corrected by ", style="italic")
                head.append_text(lit(entry.corrected_by, "italic"))
                head.append(f" at {fmt_time(entry.recorded_at, self.utc)})", style="italic")
        if self.superseded_by is not None:
            head.append(f", replaced by #{self.superseded_by}", style="bold italic")
        head.append(": ")
        return Text.assemble(head, lit_block(entry.text))


class TimelinePanel(Panel):
    DEFAULT_CSS = """
    TimelinePanel #note-row { height: 1; }
    TimelinePanel #note-kind { width: auto; padding: 0 1; background: $boost; }
    TimelinePanel NoteInput, TimelinePanel NoteInput:focus {
        border: none; height: 1; padding: 0 1; width: 1fr;
    }
    """

    kind = reactive("note")

    class Submitted(Message):
        def __init__(self, kind: str, text: str, serial: int = 0, typed_at: datetime | None = None):
            super().__init__()
            self.kind = kind
            self.text = text
            self.serial = serial
            self.typed_at = typed_at  # when enter was pressed (the note's time unless it says)

    def __init__(self, **kwargs):
        super().__init__(4, "Responder notes (private)", **kwargs)
        self.waiting: list[tuple[int, str]] = []  # notes submitted, not yet in the store
        self._waiting_shown = ""  # the waiting line as last shown
        self._waiting_timer = None  # the grace before a note is listed as waiting
        self._zone_seen: tuple | None = None  # what show_zone last looked at
        self._zone_names: dict[str, None] = {}  # the names it found, in the order shown
        self._zone_of: dict = {}  # each moment's zone name, under _zone_of_for
        self._zone_of_for: tuple | None = None  # (utc, the local zone)
        self._serial = 0

    def compose(self):
        # The search row and the line of notes not saved yet are made when
        # first needed (search_row, _show_now): hidden until then, they cost
        # the war room's first frame four widgets to make, style and mount,
        # and their classes and styles (timeline_later.py) are not made and
        # parsed as it starts.
        yield TimelineView(id="timeline-view")
        yield EntryDetail(id="entry-detail")
        with Horizontal(id="note-row"):
            # A Static, not a Label: the same look here (width from this
            # panel's CSS), without Label's variants to parse and match as
            # the war room starts (no other Label is made with it).
            yield Static("note", id="note-kind")
            yield NoteInput(
                placeholder=NoteInput.HINTS[-1],
                id="note-input",
                select_on_focus=False,  # coming back to a half-typed note keeps it
            )

    def show_zone(self) -> None:
        """The zones the rows' times are in, said once in the title: 'PST/PDT'
        when some rows are from summer (each row shows its own date's time)."""
        view = self.view
        now = view._now()
        # Looked at again only when the rows, the zone or now's name changed:
        # every board drawn asks, and the window holds hundreds of rows.
        zone = local_zone()
        seen = (view.utc, view.rows_version, zone, now and shown(now, view.utc).tzname())
        if seen == self._zone_seen:
            return
        last, self._zone_seen = self._zone_seen, seen
        taken, view.zone_taken = view.zone_taken, []
        # Each moment's zone name is worked out once (a note adds one row).
        if self._zone_of_for != (view.utc, zone):
            self._zone_of_for, self._zone_of = (view.utc, zone), {}
        zone_of = self._zone_of
        if len(zone_of) > 20_000:
            zone_of.clear()

        def name(moment) -> str:
            known = zone_of.get(moment)
            if known is None:
                known = zone_of[moment] = zone_names(view.utc, moment)
            return known

        if (
            taken is not None
            and last is not None
            and (last[0], last[2], last[3]) == (seen[0], seen[2], seen[3])
            and all(name(e.occurred_at) in self._zone_names for e in taken)
        ):
            return  # rows added in zones already named: the title stays (most notes)
        moments = (now, *(e.occurred_at for e in view.entries))
        shown_names = self._zone_names = dict.fromkeys(name(m) for m in moments if m is not None)
        names = "/".join(shown_names) or zone_names(view.utc)
        title = f"4 Responder notes (private) · times {names}"
        if self.border_title != title:
            self.border_title = title

    def watch_kind(self, kind: str) -> None:
        mark, _, _ = KIND_MARK[kind]
        self.query_one("#note-kind", Static).update(Text(f"{mark} {kind}"))

    def on_note_input_kind_cycled(self) -> None:
        self.kind = NOTE_KINDS[(NOTE_KINDS.index(self.kind) + 1) % len(NOTE_KINDS)]

    def on_timeline_view_write_requested(self, message: TimelineView.WriteRequested) -> None:
        self.kind = message.kind
        self.query_one(NoteInput).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # The text leaves the input the instant Enter is pressed: what is typed
        # next is a new note, never the end of this one, however slow the write.
        event.stop()
        if event.input.id == "search-input":
            self.view.focus()
        elif event.value.strip():
            self._serial += 1
            # Kept at once; shown as waiting only if the write does not land
            # straight away (show_waiting, once it was tried): most notes are
            # written before the next frame, and the line would come and go unseen.
            self.waiting.append((self._serial, event.value))
            with event.input.prevent(Input.Changed):  # emptied, not edited: nobody to tell
                event.input.clear()
            typed_at = self.app.clock()
            self._show_typed(self._serial, event.value, typed_at)
            self.post_message(self.Submitted(self.kind, event.value, self._serial, typed_at))

    def _show_typed(self, serial: int, typed: str, typed_at: datetime) -> None:
        """The note in the timeline in the same frame as the input emptied, as
        not saved yet, however far the database is (see show_pending). Its
        time is read as the write's is ('@14:05 text' happened then); a time
        that cannot be read shows no row: the write refuses it and says why."""
        try:
            at, text = split_time_prefix(typed, typed_at, typed_zone(self.app.utc))
        except WarroomError:
            return
        self.view.show_pending(
            serial,
            TimelineEntry(
                id=PENDING_ID + serial,
                incident_id=0,  # a row of this panel's incident, whichever it is
                kind=self.kind,
                text=text,
                actor=self.app.store.identity,
                occurred_at=at or typed_at,
                recorded_at=typed_at,
            ),
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()  # what is typed is the panel's alone: it goes no further up
        if event.input.id == "search-input":
            view = self.view
            view.set_filter(view.kinds, event.value)

    async def on_timeline_view_search_requested(self, message) -> None:
        from warroom.tui.widgets.timeline_later import SearchInput, search_row

        self.add_class("-searching")
        if not self.query("#search-row"):
            await self.mount(search_row(), before=self.view)
        self.query_one(SearchInput).focus()

    def parts_not_made(self) -> list[Widget]:
        """Widgets with keys of their own that this panel makes only when first
        needed, for whoever lists every key (help, the palette) before then."""
        from warroom.tui.widgets.timeline_later import SearchInput

        return [] if self.query("#search-row") else [SearchInput()]

    def on_search_input_cleared(self, message) -> None:
        from warroom.tui.widgets.timeline_later import SearchInput

        self.remove_class("-searching")
        self.query_one(SearchInput).value = ""
        self.view.set_filter(self.view.kinds, "")
        self.view.focus()

    def on_timeline_view_detail_scroll(self, message: TimelineView.DetailScroll) -> None:
        message.stop()
        self.query_one(EntryDetail).scroll_lines(message.delta)

    def on_timeline_view_highlighted(self, message: TimelineView.Highlighted) -> None:
        message.stop()
        detail = self.query_one(EntryDetail)
        detail.utc = self.view.utc
        detail.show(message.entry, message.superseded_by)

    def on_timeline_view_filter_changed(self, message) -> None:
        view = self.view
        shown = view.filter_name
        self.border_subtitle = "" if shown == "all" else f"showing {shown}"

    def written(self, serial: int) -> None:
        """The note is in the store: no longer shown as waiting."""
        self.waiting = [(n, text) for n, text in self.waiting if n != serial]
        self._show_waiting()

    def refused(self, serial: int) -> None:
        """The store refused the note: give it back to the input (when that is
        empty; otherwise it stays listed as not saved) so nothing is lost."""
        self.view.settle_pending(serial)  # its row goes: the note was not saved
        text = next((t for n, t in self.waiting if n == serial), "")
        note_input = self.query_one(NoteInput)
        if not note_input.value:
            note_input.value = text
            self.written(serial)

    def show_waiting(self) -> None:
        """List the notes not in the store yet (after a write was handed over)."""
        self._show_waiting()

    # A note the database worker writes within this long is never listed as
    # waiting: listing and unlisting it would restyle the panel twice for
    # nothing (about 8 ms of CPU each). Once the queue is known to be blocked
    # (a lock, a full disk, no server), waiting notes are listed at once.
    WAITING_GRACE = 0.2

    def _show_waiting(self, now: bool = False) -> None:
        # A note whose row shows in the timeline (◌) is not listed again here
        # unless the database is held up (a lock, a full disk, no server).
        blocked = self.app.store_blocked
        waiting = [(n, t) for n, t in self.waiting if blocked or not self.view.shows_pending(n)]
        lines = [f"◌ not saved yet: {one_line(text)}" for _, text in waiting[-3:]]
        if len(waiting) > 3:
            lines[0] = f"◌ {len(waiting) - 2} notes not saved yet"
            lines[1:] = lines[-2:]
        shown = "\n".join(lines)
        if shown == self._waiting_shown:
            return  # restyling the panel costs a note's key more than its write
        if shown and not self._waiting_shown and not now and not self.app.store_blocked:
            if self._waiting_timer is None:
                self._waiting_timer = self.set_timer(self.WAITING_GRACE, self._waiting_due)
            return
        self._show_now(shown)

    def _waiting_due(self) -> None:
        self._waiting_timer = None
        self._show_waiting(now=True)

    def _show_now(self, shown: str) -> None:
        self._waiting_shown = shown
        found = self.query("#note-waiting")
        if not found:
            if not shown or not self.is_attached:
                return  # never shown yet: nothing to hide (or the panel is going)
            from warroom.tui.widgets.timeline_later import WaitingLine

            made = WaitingLine(lit_block(shown), id="note-waiting")
            made.display = True
            self.mount(made, before="#note-row")
            return
        label = cast(Label, found.first())
        label.update(lit_block(shown))
        # The line alone is shown or hidden: a class on the panel would restyle
        # everything in it (several ms of a note's key on a busy machine).
        label.display = bool(shown)

    @property
    def view(self) -> TimelineView:
        return self.query_one(TimelineView)
