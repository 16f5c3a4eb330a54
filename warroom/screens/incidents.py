"""The list of incidents: declare, open, filter, show closed."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ..policy import UNTRIAGED
from ..sla import most_urgent
from ..timefmt import fmt_age, fmt_minutes
from ..widgets.common import STATE_STYLE, lit
from ..widgets.header import PRIORITY_STYLE
from ..widgets.keybar import KeyBar
from ..widgets.reads import reads
from ..widgets.safe import SafeInput as Input  # shows text through visible()
from .startup import StartupScreen


def urgent_cell(word: str, name: str, countdown: str, width: int, style: str) -> Text:
    """'✖ OVERDUE acknowledge 2h30m' in `width` cells: the state and the countdown
    are never cut; when the line is too long the clock's name ends in an ellipsis."""
    room = width - len(word) - len(countdown) - 2
    if len(name) > room:
        name = name[: max(room - 1, 1)] + "…"
    return Text(f"{word} {name} {countdown}", style=style, no_wrap=True)


def incident_counts(open_count: int, closed: int | None) -> str:
    """'1 incident open', or with the closed ones shown '2 incidents open, 1 closed'."""
    shown = f"{open_count} incident{'s' * (open_count != 1)} open"
    return shown if closed is None else f"{shown}, {closed} closed"


# The title bar while the database cannot be read (the tick tries again).
UNREAD_LINE = ("the database cannot be read now: the list is as last read", "bold reverse")


class IncidentsScreen(StartupScreen):
    BINDINGS = [
        Binding("n", "declare", "Declare", id="incidents.declare", tooltip="Declare an incident"),
        Binding("enter", "open", "Open", id="incidents.open", show=False),
        Binding("slash", "filter", "Filter", id="incidents.filter"),
        Binding("c", "toggle_closed", "Show closed", id="incidents.closed"),
        Binding("r", "report", "Report", id="incidents.report", tooltip="Figures across incidents"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="incidents.clear"),
        Binding("j", "move(1)", "Down", show=False, id="incidents.down"),
        Binding("k", "move(-1)", "Up", show=False, id="incidents.up"),
    ]

    DEFAULT_CSS = """
    IncidentsScreen #title-bar { height: 1; background: $boost; padding: 0 1; }
    IncidentsScreen DataTable { height: 1fr; }
    IncidentsScreen #filter { display: none; border: none; height: 1; }
    IncidentsScreen.-filtering #filter { display: block; }
    IncidentsScreen #empty { display: none; padding: 1 2; color: $text-muted; }
    IncidentsScreen.-empty #empty { display: block; }
    """

    def __init__(self):
        super().__init__()
        self.show_closed = False
        self.needle = ""
        self.columns: list[str] = []
        self.urgent_width = 29
        self.stale = False

    def compose(self) -> ComposeResult:
        yield Static("", id="title-bar")
        yield Input(placeholder="filter by title, priority, stage (escape clears)", id="filter")
        yield DataTable(id="incidents", cursor_type="row", zebra_stripes=True)
        yield Static("No open incidents. Press n to declare one (c shows closed ones).", id="empty")
        yield KeyBar()

    def on_mount(self) -> None:
        # What reaches this screen while it is mounted (see WarRoomApp).
        self.app.store_changed_signal.subscribe(self, self._signal_changed, immediate=True)
        self.app.tick_signal.subscribe(self, self._signal_tick, immediate=True)
        self.query_one(DataTable).focus()

    def _signal_changed(self, change) -> None:
        self.refresh_from_store()

    def _signal_tick(self, now) -> None:
        if self.app.screen is self:
            self.tick(now)

    def on_resize(self, event) -> None:
        """Fit the columns to the terminal: the title takes what is left, and
        narrow terminals drop the category (the war room header shows it)."""
        width = event.size.width
        wide = width >= 110
        # As wide as the policy's longest stage (a longer one ends in an ellipsis).
        stage = min(max(len("Stage"), *(len(s) for s in self.app.policy.stages)), 12 if wide else 9)
        columns = [("ID", "id", 3), ("Pri", "priority", 6)]
        if wide:
            columns.append(("Category", "category", 14))
        columns += [
            ("Stage", "stage", stage),
            ("Lead", "lead", 10 if wide else 8),
            ("Age", "age", 5),
        ]
        fixed = sum(w for _, _, w in columns) + 2 * (len(columns) + 2) + 1
        # Wide: the longest whole, '▲ due soon acknowledge 12h05m'. Narrow: what
        # a 14-cell title leaves, the state and countdown whole (see urgent_cell).
        self.urgent_width = 29 if wide else min(29, max(20, width - fixed - 14))
        columns.append(("Most urgent clock", "urgent", self.urgent_width))
        fixed += self.urgent_width
        columns.insert(1, ("Title", "title", max(12, width - fixed)))
        self.columns = [key for _, key, _ in columns]
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for label, key, col_width in columns:
            table.add_column(label, key=key, width=col_width)
        self.refresh_from_store()

    def refresh_from_store(self) -> None:
        if self.app.screen is not self:
            # Hidden under a war room: redrawing it would repaint the screen on
            # top too. Catch up when it is shown again.
            self.stale = True
            return
        self.stale = False
        app = self.app
        store, policy, now = app.store, app.policy, app.clock()
        read = self._read(now)
        if read is None:  # the app said why; the list stays as last read, and says so
            self.query_one("#title-bar", Static).update(
                Text.assemble(("warroom", "bold"), " · ", UNREAD_LINE)
            )
            return
        incidents, leads, overdue = read
        needle = self.needle.lower()
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for i in incidents:
            haystack = f"{i.title} {i.priority} {i.stage} {i.category}".lower()
            if needle and needle not in haystack:
                continue
            clock = most_urgent(policy, i, now) if i.is_open else None
            if clock:
                word, style = STATE_STYLE[clock.state]
                if "category" not in self.columns and clock.state != "overdue":
                    word = word.split()[0]  # narrow: the symbol; OVERDUE stays a word
                # To the minute: the list need not tick.
                urgent = urgent_cell(
                    word, clock.name, fmt_minutes(clock.remaining), self.urgent_width, style
                )
            else:
                urgent = Text("closed" if not i.is_open else "—", style="dim")
            prio = "UNTR" if i.priority == UNTRIAGED else i.priority
            title = lit(i.title)
            if i.drill:
                title = Text.assemble(("DRILL", "bold reverse"), " ", title)
            if overdue.get(i.id):
                late = overdue[i.id]
                title = Text.assemble(
                    (f"⚑ {late} overdue action{'s' * (late != 1)}", "bold red"), " · ", title
                )
            cells = {
                "id": str(i.id),
                "title": title,
                "priority": Text(f" {prio} ", style=PRIORITY_STYLE.get(i.priority, "bold reverse")),
                "category": lit(i.category),
                "stage": lit(i.stage),
                "lead": lit(leads.get(i.id, "—")),
                "age": fmt_age(i.reported_at, i.closed_at or now),  # a closed one stops ageing
                "urgent": urgent,
            }
            table.add_row(*(cells[c] for c in self.columns), key=str(i.id))
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        self.set_class(table.row_count == 0, "-empty")
        shown = incident_counts(
            sum(1 for i in incidents if i.is_open),
            len(incidents) - sum(1 for i in incidents if i.is_open) if self.show_closed else None,
        )
        mode = "  READ-ONLY" if store.read_only else ""
        late = sum(overdue.values())
        late_note = (
            (f" · ⚑ {late} overdue action item{'s' * (late != 1)}", "bold red") if late else ""
        )
        self.query_one("#title-bar", Static).update(
            Text.assemble(
                ("warroom", "bold"),
                f" · {shown} · as ",
                lit(store.identity, "bold underline"),
                late_note,
                (mode, "bold reverse"),
            )
        )

    @reads("the incident list")
    def _read(self, now) -> tuple:
        store = self.app.store
        return (
            store.list_incidents(include_closed=self.show_closed),
            store.holders_of(self.app.policy.single_roles[0]),
            store.overdue_actions(now.astimezone().date()),
        )

    def on_screen_resume(self) -> None:
        if self.stale:
            self.refresh_from_store()

    def tick(self, now) -> None:
        """Ages and clocks move; a redraw every few seconds is enough for a list."""
        self.ticks = getattr(self, "ticks", 0) + 1
        if self.ticks % 5 == 0:
            self.refresh_from_store()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.open_incident(int(event.row_key.value))

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            self.app.open_incident(int(row_key.value))

    def action_declare(self) -> None:
        self.app.action_declare()

    def action_filter(self) -> None:
        self.add_class("-filtering")
        self.query_one("#filter", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.needle = event.value
        self.refresh_from_store()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def action_clear_filter(self) -> None:
        self.needle = ""
        self.query_one("#filter", Input).value = ""
        self.remove_class("-filtering")
        self.query_one(DataTable).focus()

    def action_report(self) -> None:
        self.app.action_report()

    def action_toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self.refresh_from_store()
