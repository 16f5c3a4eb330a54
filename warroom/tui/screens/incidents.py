"""The list of incidents: declare, open, filter, show closed."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from warroom.core.policy import UNTRIAGED
from warroom.core.sla import most_urgent
from warroom.core.text import labels_line, one_line
from warroom.core.timefmt import fmt_age, fmt_minutes
from warroom.services.writes import AcceptProposal, DeclineProposal, MergeProposal
from warroom.tui.screens.building import StartupScreen
from warroom.tui.screens.modals import ChoiceModal, TextPrompt
from warroom.tui.widgets.common import STATE_STYLE, lit
from warroom.tui.widgets.header import PRIORITY_STYLE
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.owned import shown, while_shown
from warroom.tui.widgets.reads import UNREADABLE
from warroom.tui.widgets.safe import SafeInput as Input  # shows text through visible()

PROPOSAL_COLUMNS = (
    ("ID", "id", 3),
    ("Source", "source", 12),
    ("Alerts", "alerts", 12),
    ("Labels", "labels", 40),
    ("First seen", "first", 10),
    ("Title", "title", 40),
)


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
        # The Proposed section (alerts from monitoring): its title line names these.
        Binding("p", "focus_proposals", "Proposed", show=False, id="incidents.proposed"),
        Binding("a", "accept", "Accept", show=False, id="incidents.accept",
                tooltip="Declare the incident a proposal stands for"),
        Binding("x", "decline", "Decline", show=False, id="incidents.decline",
                tooltip="Decline a proposal, saying why"),
        Binding("m", "merge", "Merge", show=False, id="incidents.merge",
                tooltip="Merge a proposal's alerts into an open incident"),
    ]  # fmt: skip

    DEFAULT_CSS = """
    IncidentsScreen #title-bar { height: 1; background: $boost; padding: 0 1; }
    IncidentsScreen DataTable { height: 1fr; }
    IncidentsScreen #filter { display: none; border: none; height: 1; }
    IncidentsScreen.-filtering #filter { display: block; }
    IncidentsScreen #empty { display: none; padding: 1 2; color: $text-muted; }
    IncidentsScreen.-empty #empty { display: block; }
    IncidentsScreen #proposed-title { display: none; height: 1; padding: 0 1; }
    IncidentsScreen #proposals { display: none; height: auto; max-height: 8; }
    IncidentsScreen.-proposals #proposed-title { display: block; }
    IncidentsScreen.-proposals #proposals { display: block; }
    """

    def __init__(self):
        super().__init__()
        self.show_closed = False
        self.needle = ""
        self.columns: list[str] = []
        self.urgent_width = 29
        self.stale = False
        self.proposed: list = []  # the proposals as last read
        self.open_incidents: list = []
        self.building = True  # until the first read of the list is shown: keys wait

    def compose(self) -> ComposeResult:
        yield Static("", id="title-bar")
        yield Input(placeholder="filter by title, priority, stage (escape clears)", id="filter")
        yield DataTable(id="incidents", cursor_type="row", zebra_stripes=True)
        yield Static("No open incidents. Press n to declare one (c shows closed ones).", id="empty")
        yield Static("", id="proposed-title")
        yield DataTable(id="proposals", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        # What reaches this screen while it is mounted (see WarRoomApp).
        self.app.store_changed_signal.subscribe(self, self._signal_changed, immediate=True)
        self.app.tick_signal.subscribe(self, self._signal_tick, immediate=True)
        proposals = self.query_one("#proposals", DataTable)
        for label, key, width in PROPOSAL_COLUMNS:
            proposals.add_column(label, key=key, width=width)
        self.query_one("#incidents", DataTable).focus()

    def _signal_changed(self, change) -> None:
        self.refresh_from_store()

    def _signal_tick(self, now) -> None:
        if self.app.screen is self:
            self.tick(now)

    def on_resize(self, event) -> None:
        """Fit the columns to the terminal: the title takes what is left, and
        narrow terminals drop the category (the war room header shows it) and
        the lead (the war room's roles panel does), so a title stays readable."""
        width = event.size.width
        wide = width >= 110
        # As wide as the policy's longest stage (a longer one ends in an ellipsis).
        stage = min(max(len("Stage"), *(len(s) for s in self.app.policy.stages)), 12 if wide else 9)
        columns = [("ID", "id", 3), ("Pri", "priority", 6)]
        if wide:
            columns.append(("Category", "category", 14))
        columns += [
            ("Stage", "stage", stage),
            *([("Lead", "lead", 10)] if wide else []),
            ("Age", "age", 5),
        ]
        fixed = sum(w for _, _, w in columns) + 2 * (len(columns) + 2) + 1
        # Wide: the longest whole, '▲ due soon acknowledge 12h05m'. Narrow: the
        # title first; the state and countdown stay whole (see urgent_cell).
        self.urgent_width = 29 if wide else min(22, max(18, width - fixed - 24))
        columns.append(("Most urgent clock", "urgent", self.urgent_width))
        fixed += self.urgent_width
        self.title_width = max(12, width - fixed)
        columns.insert(1, ("Title", "title", self.title_width))
        self.columns = [key for _, key, _ in columns]
        table = self.query_one("#incidents", DataTable)
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
        # Read on the database worker; drawn when it comes (the list never
        # waits on the database; keys typed before its first read wait).
        closed, role = self.show_closed, self.app.policy.single_roles[0]
        today = self.app.clock().astimezone().date()

        def read(store) -> tuple:
            # Sent together, read in one snapshot: one round trip on a server.
            sent = store.read_together(
                [
                    lambda s: s.send_incidents(include_closed=closed),
                    lambda s: s.send_holders_of(role),
                    lambda s: s.send_overdue_actions(today),
                    lambda s: s.send_proposals(),
                ]
            )
            return tuple(result() for result in sent)

        self.app.read_soon(read, while_shown(self, self._show), self._unreadable)

    def _built(self) -> None:
        if self.building:
            self.building = False
            self.app.call_after_refresh(self.app.started)  # start-up is over once this paints

    def _unreadable(self, exc) -> None:
        self._built()
        if not isinstance(exc, UNREADABLE):
            raise exc
        self.app.cannot_read(exc, "the incident list")
        if shown(self):  # the list stays as last read, and says so
            self.query_one("#title-bar", Static).update(
                Text.assemble(("warroom", "bold"), " · ", UNREAD_LINE)
            )

    def _show(self, read: tuple) -> None:
        self._built()
        if self.app.screen is not self:
            self.stale = True  # covered meanwhile: drawn when shown again
            return
        app = self.app
        store, policy, now = app.store, app.policy, app.clock()
        incidents, leads, overdue, proposed = read
        self.open_incidents = [i for i in incidents if i.is_open]
        self._show_proposals(proposed, now)
        needle = self.needle.lower()
        table = self.query_one("#incidents", DataTable)
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
                # After the title, short: the title is what tells incidents
                # apart (the bar above says how many actions are overdue).
                flag = f" ⚑{overdue[i.id]}"
                room = max(4, getattr(self, "title_width", 40) - len(flag))
                title.truncate(room, overflow="ellipsis")
                title = Text.assemble(title, (flag, "bold red"))
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

    def on_screen_resume(self) -> None:
        if self.stale:
            self.refresh_from_store()

    def tick(self, now) -> None:
        """Ages and clocks move; a redraw every few seconds is enough for a list."""
        self.ticks = getattr(self, "ticks", 0) + 1
        if self.ticks % 5 == 0:
            self.refresh_from_store()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "incidents":
            self.app.open_incident(int(event.row_key.value))  # type: ignore[arg-type]  # keyed by id

    # ------------------------------------------------------------ proposed
    def _show_proposals(self, proposed: list, now) -> None:
        """The Proposed section: what monitoring proposes, oldest first, with
        its keys; hidden while nothing waits for a decision."""
        self.proposed = proposed
        table = self.query_one("#proposals", DataTable)
        keep = table.cursor_row
        table.clear()
        for p in proposed:
            alerts = f"{p.alerts} ({p.firing} firing)" if p.firing != p.alerts else str(p.alerts)
            table.add_row(
                str(p.id),
                lit(p.source),
                alerts,
                lit(labels_line(p.labels, 40)),
                fmt_age(p.first_seen, now),
                lit(p.title),
                key=str(p.id),
            )
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        count = len(proposed)
        self.query_one("#proposed-title", Static).update(
            Text.assemble(
                (f"Proposed by monitoring ({count})", "bold"),
                " · a accept · x decline · m merge into an open incident · p here",
            )
        )
        self.set_class(bool(count), "-proposals")

    def _chosen_proposal(self):
        table = self.query_one("#proposals", DataTable)
        if not self.proposed or not table.row_count:
            self.app.notify("no proposal waits for a decision", severity="warning")
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((p for p in self.proposed if str(p.id) == row_key.value), None)

    def action_focus_proposals(self) -> None:
        if self.proposed:
            self.query_one("#proposals", DataTable).focus()

    def action_accept(self) -> None:
        proposal = self._chosen_proposal()
        if proposal is None:
            return

        def done(incident) -> None:
            if incident is not None:
                self.app.notify(f"#{incident.id} declared from proposal {proposal.id}")

        self.app.write(AcceptProposal(proposal.id), on_done=done)

    def action_decline(self) -> None:
        proposal = self._chosen_proposal()
        if proposal is None:
            return

        def reason(text: str | None) -> None:
            if text is None:
                return
            if not text.strip():
                self.app.notify("a decline needs a reason: nothing changed", severity="warning")
                return
            self.app.write(DeclineProposal(proposal.id, text.strip()))

        self.app.push_screen(
            TextPrompt(f"Decline proposal {proposal.id}: why?", hint="the reason is kept"), reason
        )

    def action_merge(self) -> None:
        proposal = self._chosen_proposal()
        if proposal is None:
            return
        if not self.open_incidents:
            self.app.notify("no open incident to merge into", severity="warning")
            return
        choices = {f"#{i.id} {one_line(i.title)[:60]}": i.id for i in self.open_incidents}

        def chosen(choice: str | None) -> None:
            if choice is not None:
                self.app.write(MergeProposal(proposal.id, choices[choice]))

        self.app.push_screen(
            ChoiceModal(f"Merge proposal {proposal.id} into", list(choices)), chosen
        )

    def action_move(self, step: int) -> None:
        table = self.query_one("#incidents", DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_open(self) -> None:
        table = self.query_one("#incidents", DataTable)
        if table.row_count:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            self.app.open_incident(int(row_key.value))  # type: ignore[arg-type]  # keyed by id

    def action_declare(self) -> None:
        self.app.action_declare()

    def action_filter(self) -> None:
        self.add_class("-filtering")
        self.query_one("#filter", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.needle = event.value
        self.refresh_from_store()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#incidents", DataTable).focus()

    def action_clear_filter(self) -> None:
        self.needle = ""
        self.query_one("#filter", Input).value = ""
        self.remove_class("-filtering")
        self.query_one("#incidents", DataTable).focus()

    def action_report(self) -> None:
        self.app.action_report()

    def action_toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self.refresh_from_store()
