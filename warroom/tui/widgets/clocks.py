"""Panel 3: SLA clocks and the next stakeholder update, ticking every second.

Only this widget repaints on the tick; the rest of the screen stays put."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from rich.console import Group
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from warroom.core.model import Incident
from warroom.core.policy import Policy
from warroom.core.record import replace
from warroom.core.sla import clock_states, margin, next_update
from warroom.core.timefmt import fmt_clock, fmt_minutes, fmt_short_time, zone_names
from warroom.tui.widgets.bindings import remapped_bindings
from warroom.tui.widgets.common import STATE_STYLE, KeptLines, Panel, RowStyle

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from textual import getters
    from textual.timer import Timer

    from warroom.tui.room import Room


class ClockView(KeptLines, RowStyle, Widget, can_focus=True):
    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

    HELP_GROUP = "3 Clocks"
    BINDINGS = [
        Binding(
            "a",
            "milestone('acknowledge')",
            "Acknowledged",
            id="clocks.ack",
            tooltip="Record it now (again: move it)",
        ),
        Binding("t", "milestone('triage')", "Triaged", id="clocks.triage"),
        Binding("r", "milestone('remediate')", "Remediated", id="clocks.remediate"),
        Binding("o", "milestone('retro')", "Retro held", id="clocks.retro"),
        Binding("I", "milestone('impact-start')", "Impact started", show=False,
                id="clocks.impact_start", tooltip="When customers were first affected"),
        Binding("M", "milestone('impact-end')", "Mitigated", show=False,
                id="clocks.impact_end", tooltip="When the impact ended"),
    ]  # fmt: skip

    class Milestone(Message):
        def __init__(self, clock: str):
            super().__init__()
            self.clock = clock

    class AskTime(Message):
        """'@' right after a milestone's key: the time is typed next."""

        def __init__(self, clock: str, at: datetime):
            super().__init__()
            self.clock = clock
            self.at = at

    # How long a milestone's key waits for an '@' (another time) before the
    # milestone is recorded at the moment the key was pressed.
    HOLD_SECONDS = 1.2
    # (clock, at, record) while an '@' may still follow its key
    _held: tuple[str, datetime, Callable[[datetime], None]] | None = None
    _hold_timer: Timer | None = None

    def action_milestone(self, clock: str) -> None:
        self.post_message(self.Milestone(clock))

    @property
    def holding(self) -> bool:
        return self._held is not None

    def hold(self, clock: str, at: datetime, record) -> None:
        """A milestone's key on one not yet recorded: record(at) runs unless an
        '@' follows (then the time is asked for, and nothing stray is written).
        Keys already queued behind it (a paste, tmux send-keys) decide at once;
        a key typed by hand is waited for a moment."""
        self.release()
        waiting = getattr(getattr(self.app, "key_gate", None), "waiting", ())
        if waiting:
            following = waiting[0]
            if getattr(following, "character", None) == "@":
                waiting.popleft()
                self.post_message(self.AskTime(clock, at))
            else:
                record(at)
            return
        self._held = (clock, at, record)
        self._hold_timer = self.set_timer(self.HOLD_SECONDS, self.release)
        self._gate_held(True)
        self._panel.held(clock, at)

    @property
    def _panel(self) -> Any:
        return self.parent  # the clocks panel: it says a key is waiting for its '@'

    def _gate_held(self, held: bool) -> None:
        gate = getattr(self.app, "key_gate", None)
        if gate is not None:
            (gate.held.add if held else gate.held.discard)(self)

    def release(self) -> None:
        """Record the held milestone now (its time is when its key was pressed)."""
        held, self._held = self._held, None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        self._gate_held(False)
        if held is not None:
            clock, at, record = held
            self._panel.held(None, None)
            record(at)

    def on_key(self, event) -> None:
        if self._held is None:
            return
        if event.character == "@":
            event.stop()
            event.prevent_default()
            clock, at, _ = self._held
            self._held = None
            if self._hold_timer is not None:
                self._hold_timer.stop()
                self._hold_timer = None
            self._gate_held(False)
            self._panel.held(None, None)
            self.post_message(self.AskTime(clock, at))
        else:
            self.release()  # then the key does what it does

    def on_blur(self) -> None:
        self.release()

    def on_unmount(self) -> None:
        self.release()

    def key_for(self, clock: str) -> str:
        """The key that records `clock` (as remapped), for messages."""
        action = f"milestone('{clock}')"
        mapped = remapped_bindings(self)
        for key, bindings in mapped.key_to_bindings.items():
            if any(b.action == action for b in bindings):
                return key
        return ""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._lines: list[Text] = []
        self._width = -1  # width the cached lines were made for; -1: make them again
        self._held = None
        self._hold_timer = None

    def lines(self) -> list[Text]:
        """This second's lines, computed at paint time when the width is known."""
        panel = cast(ClocksPanel, self.parent)
        if panel.now is None:
            return []
        return cast("list[Text]", panel.render_clocks(panel.now, self.size.width).renderables)

    def tick(self) -> None:
        """Repaint only the lines whose text changed (the running countdowns):
        a once-a-second repaint of the whole panel is most of warroom's idle cost."""
        if self._width != self.size.width:
            self.redraw()
            return
        fresh = self.lines()
        old, self._lines = self._lines, fresh
        if len(fresh) != len(old):
            self.refresh()
            return
        for y, (before, after) in enumerate(zip(old, fresh, strict=True)):
            if before != after:
                self.refresh(Region(0, y, self.size.width, 1))

    def redraw(self) -> None:
        self._width = -1
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if self._width != self.size.width:
            self._lines = self.lines()
            self._width = self.size.width
        width = self.size.width
        if y >= len(self._lines):
            return Strip.blank(width, self.row_style)
        line = self._lines[y].copy()
        line.truncate(width, overflow="ellipsis", pad=True)
        return Strip(list(line.render(self.app.console)), width).apply_style(self.row_style)


class ClocksPanel(Panel):
    DEFAULT_CSS = """
    ClocksPanel ClockView { height: 1fr; }
    """

    def __init__(self, policy: Policy, **kwargs):
        super().__init__(3, "SLA clocks", **kwargs)
        self.border_subtitle = "underlined key: record it now"
        self.keys: dict[str, str] = {}  # clock -> the key that records it, see on_resize
        self.policy = policy
        self.incident: Incident | None = None
        self._shown: tuple | None = None  # what show() last drew, see there
        self.now: datetime | None = None
        self.utc = False

    def compose(self):
        yield ClockView(id="clock-view")

    # The clocks the keys a, t, r, o record, as their bindings describe them.
    MILESTONE_KEYS = ("acknowledge", "triage", "remediate", "retro")

    def milestone_keys(self) -> list[tuple[str, str]]:
        """(key as mapped, what it records) for each clock's milestone."""
        view = self.query_one(ClockView)
        described = {b.action: b.description for b in ClockView.BINDINGS if isinstance(b, Binding)}
        return [
            (view.key_for(clock), described[f"milestone('{clock}')"].lower())
            for clock in self.MILESTONE_KEYS
        ]

    def held(self, clock: str | None, at: datetime | None) -> None:
        """While a milestone's key waits for an '@', the border says so."""
        if clock is None:
            self.on_resize()
            return
        self.set_subtitle(f"{clock} at {fmt_short_time(at, self.utc, at)} · @ another time")

    def on_mount(self) -> None:
        # The keys as mapped, underlined from the room's first frame (the
        # first resize comes after it, and drew the clocks a second time).
        self.on_resize()

    def on_resize(self) -> None:
        """The keys spelt out where they fit ('a acknowledged · t triaged · ...'),
        else the underlined letters in the clocks' names say which key is which."""
        keys = self.milestone_keys()
        fresh = dict(zip(self.MILESTONE_KEYS, (k for k, _ in keys), strict=True))
        if fresh != self.keys:
            self.keys = fresh
            self.query_one(ClockView).redraw()
        spelt = " · ".join(f"{key} {what}" for key, what in keys if key)
        self.set_subtitle(
            spelt if len(spelt) + 6 <= self.size.width else "underlined key: record it now"
        )

    def render_clocks(self, now: datetime, width: int) -> Group:
        """Two lines a clock: name, state and countdown; then deadline and wording."""
        incident = self.incident
        width = max(30, width)
        if incident is None:
            return Group()
        rows = []
        remaining = {}  # name -> time left (or over), for a countdown that must be shorter
        for c in clock_states(self.policy, incident, now):
            remaining[c.name] = c.remaining
            if c.stopped_at is not None:
                detail = f"at {fmt_short_time(c.stopped_at, self.utc, now)}, {margin(c)}"
                rows.append((c.name, c.state, "", detail))
            elif not c.is_live:  # missed on a closed incident: no countdown ticks on
                detail = f"due {fmt_short_time(c.deadline, self.utc, now)}, {margin(c)}"
                rows.append((c.name, c.state, "", detail))
            else:
                sign = "left" if c.remaining.total_seconds() >= 0 else "over"
                detail = f"due {fmt_short_time(c.deadline, self.utc, now)}"
                rows.append((c.name, c.state, f"{fmt_clock(c.remaining)} {sign}", detail))
        due = next_update(self.policy, incident, now)
        if due is not None:
            sign = "left" if due.remaining.total_seconds() >= 0 else "over"
            detail = f"due {fmt_short_time(due.due_at, self.utc, now)}"
            remaining["update"] = due.remaining
            rows.append(("update", due.state, f"{fmt_clock(due.remaining)} {sign}", detail))
        lines = []
        indent = 12 if width >= 46 else 2  # a narrow panel keeps the deadline's words whole
        keys = self.keys  # as mapped, read when the panel is laid out
        for name, state, left, detail in rows:
            word, style = STATE_STYLE[state]
            head = Text.assemble((f"{name:<12}", "bold" if left else "dim"), (f"{word:<11}", style))
            key = keys.get(name, "")
            if len(key) == 1 and key in name:  # the letter that records it, underlined
                at = name.index(key)
                head.stylize("underline", at, at + 1)
            room = width - head.cell_len
            if len(left) > room - 1 and left:
                # A countdown of weeks or years ('2959d 16:30:00 over') would be
                # cut: to the hour it fits ('2959d16h over').
                left = f"{fmt_minutes(remaining[name])} {left.rsplit(' ', 1)[-1]}"
            head.append(left.rjust(max(0, room)), style=style)
            lines.append(head)
            text = " " * indent + detail
            lines.append(Text(text, style="dim", no_wrap=True, overflow="ellipsis"))
        return Group(*lines)

    def zone_title(self, now: datetime) -> None:
        """Every time in the panel is in one zone, named once in its title
        (the zone of the times it shows: a summer deadline seen in winter is
        in summer time, so both names show then)."""
        names = zone_names(self.utc, now, *self._moments())
        title = f"3 SLA clocks · times {names}"
        if title != self.border_title:
            self.border_title = title

    def _moments(self) -> list[datetime]:
        incident = self.incident
        if incident is None or self.now is None:
            return []
        moments = []
        for c in clock_states(self.policy, incident, self.now):
            moments.append(c.stopped_at or c.deadline)
        return [m for m in moments if m is not None]

    def show(self, incident: Incident, now: datetime, utc: bool = False) -> None:
        # Every write moves the revision; the clocks care only when something
        # they are made of changed (a milestone, the priority, the zone).
        shown = (replace(incident, revision=0), utc)
        if shown == self._shown and self.now is not None:
            self.incident = incident
            return
        self._shown = shown
        self.incident = incident
        self.utc = utc
        # A write is drawn at the second the clocks already show: what it
        # changed (a milestone, the priority) repaints now, while the seconds
        # move on the next tick, as they would have anyway. Otherwise a write
        # in another panel also repainted the running countdowns, and the
        # frame took in the whole right-hand column.
        if self.now is None:
            self.now = now
        self.zone_title(self.now)
        # Most writes leave the clocks as they were: repaint only changed lines.
        self.query_one(ClockView).tick()

    def tick(self, now: datetime) -> None:
        self.now = now
        self.query_one(ClockView).tick()
